"""Set-up checks not tied to a rep: is someone there, in frame, visible, in the start position?"""

from __future__ import annotations

from dataclasses import dataclass, field

from formcheck.engine.events import FrameMetrics, Warning
from formcheck.engine.rules import CONFIDENT
from formcheck.exercises import Exercise

# How long a problem must last before it is reported, and how long the start position must be
# held before counting begins (getting into position never counts a rep).
WARN_AFTER_S = 1.0
MISMATCH_AFTER_S = 2.0
READY_AFTER_S = 0.5
LOST_AFTER_S = 1.0
# A reported problem is reported again only after it has been gone this long.
CLEAR_AFTER_S = 2.0
# Counting needs most key joints in the frame (a close-up of the legs cannot be judged).
READY_IN_FRAME_RATIO = 0.8


@dataclass
class _Condition:
    """A yes/no condition with the time it has held, for debouncing."""

    code: str
    since_s: float | None = None
    clear_since_s: float | None = None
    reported: bool = False

    def update(self, active: bool, t_s: float, after_s: float) -> bool:
        """True once, when the condition has held ``after_s`` seconds (again only after it cleared)."""
        if not active:
            self.since_s = None
            self.clear_since_s = t_s if self.clear_since_s is None else self.clear_since_s
            if t_s - self.clear_since_s >= CLEAR_AFTER_S:
                self.reported = False
            return False
        self.clear_since_s = None
        if self.since_s is None:
            self.since_s = t_s
        if not self.reported and t_s - self.since_s >= after_s:
            self.reported = True
            return True
        return False


@dataclass
class SetupMonitor:
    exercise: Exercise
    ready: bool = False
    ever_matched: bool = False
    _matched_since: float | None = None
    _unmatched_since: float | None = None
    _conditions: dict[str, _Condition] = field(default_factory=dict)

    def _cond(self, code: str) -> _Condition:
        return self._conditions.setdefault(code, _Condition(code))

    def failed_checks(self, m: FrameMetrics) -> list[str]:
        failed = []
        for check in self.exercise.setup:
            value, conf = m.values.get(check.metric), m.confidence.get(check.metric, 0.0)
            if value is None or conf < CONFIDENT or not check.passes(value):
                failed.append(check.metric)
        return failed

    def update(self, m: FrameMetrics) -> list[Warning]:
        t = m.t_s
        warnings = []
        if self._cond("no_person").update(not m.has_pose, t, WARN_AFTER_S):
            warnings.append(Warning("no_person", t, "No one in view - step into the frame, face the camera."))
        in_frame = m.values.get("body_in_frame_ratio", 1.0) >= 0.999
        if self._cond("out_of_frame").update(m.has_pose and not in_frame, t, WARN_AFTER_S):
            warnings.append(
                Warning(
                    "out_of_frame",
                    t,
                    "Part of your body is out of the frame - move back "
                    "or turn the camera so your whole body is in view.",
                )
            )
        visible = m.values.get("body_visibility", 1.0) >= CONFIDENT
        if self._cond("low_visibility").update(m.has_pose and not visible, t, WARN_AFTER_S):
            warnings.append(
                Warning(
                    "low_visibility",
                    t,
                    "Your body is hard to see - add light, avoid "
                    "clothes that match the floor, face the camera.",
                )
            )
        if m.cut:  # a new shot: the start position must be seen again
            self.ready, self._matched_since = False, None
        matched = m.has_pose and not self.failed_checks(m)
        framed = m.values.get("body_in_frame_ratio", 1.0) >= READY_IN_FRAME_RATIO
        if self._cond("setup_mismatch").update(m.has_pose and not matched, t, MISMATCH_AFTER_S):
            warnings.append(self.mismatch_warning(t))
        if matched and framed:
            self._unmatched_since = None
            self._matched_since = t if self._matched_since is None else self._matched_since
            if t - self._matched_since >= READY_AFTER_S:
                self.ready = self.ever_matched = True
        else:
            self._matched_since = None
            self._unmatched_since = t if self._unmatched_since is None else self._unmatched_since
            if t - self._unmatched_since >= LOST_AFTER_S:
                self.ready = False
        return warnings

    def mismatch_warning(self, t_s: float) -> Warning:
        return Warning(
            "setup_mismatch",
            t_s,
            f"This does not look like the {self.exercise.name.lower()} "
            f"start position. {self.exercise.setup_hint}",
        )
