"""Set-up checks not tied to a rep: is someone there, in frame, visible, in the start position?

``frame_problems`` is the one check, frame by frame, in plain words: live mode shows its first
problem while getting ready, and the engine's ``SetupMonitor`` reports the lasting ones as the
scorecard's set-up warnings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from formcheck.engine.events import FrameMetrics, Warning
from formcheck.engine.rules import CONFIDENT
from formcheck.exercises import Exercise, SetupCheck
from formcheck.kinematics import IN_FRAME_MARGIN
from formcheck.pose import Landmark as L

# A frame darker than this mean grey level (0-255) loses limbs in the pose model (judgment: the
# shared clips measure 60-140; MediaPipe's detector fails first on dark, low-contrast limbs).
DARK_LEVEL = 45.0
# Key joints spanning less than this share of the frame are too small to measure angles on
# (judgment: 2 deg of knee angle is ~1 px on a thigh 30 px long).
TOO_FAR_SPAN = 0.3
# The key joints, by the name a person knows them by (those of ``body_in_frame_ratio``).
KEY_JOINTS = {
    "head": (L.NOSE,),
    "shoulders": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "hips": (L.LEFT_HIP, L.RIGHT_HIP),
    "knees": (L.LEFT_KNEE, L.RIGHT_KNEE),
    "feet": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
}

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


@dataclass(frozen=True)
class Problem:
    code: str  # a set-up warning code: no_person, out_of_frame, low_visibility, setup_mismatch, camera_view
    text: str


def failed_checks(exercise: Exercise, m: FrameMetrics) -> list[SetupCheck]:
    """The exercise's start-position checks that this frame fails (or can't see)."""
    failed = []
    for check in exercise.setup:
        value, conf = m.values.get(check.metric), m.confidence.get(check.metric, 0.0)
        if value is None or math.isnan(value) or conf < CONFIDENT or not check.passes(value):
            failed.append(check)
    return failed


def _out_of_frame_words(image: np.ndarray | None) -> str:
    if image is None:
        return "Part of your body is out of the frame - move the camera back or turn it"
    xy = image[:, :2]
    outside = [
        part
        for part, idx in KEY_JOINTS.items()
        if np.any((xy[list(idx)] < -IN_FRAME_MARGIN) | (xy[list(idx)] > 1 + IN_FRAME_MARGIN))
    ]
    joints = xy[[i for idx in KEY_JOINTS.values() for i in idx]]
    if np.any(joints[:, 0] < -IN_FRAME_MARGIN) and np.any(joints[:, 0] > 1 + IN_FRAME_MARGIN):
        return "Too close - move the camera further away so your whole body fits"
    what = outside[0] if len(outside) == 1 else ", ".join(outside[:-1]) + " and " + outside[-1]
    verb = "is" if what == "head" else "are"
    return f"Your {what} {verb} out of the frame - move the camera back or turn it"


def frame_problems(
    exercise: Exercise,
    m: FrameMetrics,
    image: np.ndarray | None = None,
    visibility: np.ndarray | None = None,
    level: float | None = None,
) -> list[Problem]:
    """What is wrong with the set-up in this frame, most basic first (the first is what to fix
    now). Landmarks (``image``, ``visibility``) and the frame's brightness (``level``), when
    given, make the words more precise and add the checks that need them."""
    problems = []
    if level is not None and level < DARK_LEVEL:
        problems.append(Problem("low_visibility", "It is too dark - turn on a light or face a window"))
    if not m.has_pose:
        problems.append(Problem("no_person", f"Can't see you. {exercise.setup_hint}"))
        return problems
    if m.values.get("body_in_frame_ratio", 1.0) < 1.0:
        problems.append(Problem("out_of_frame", _out_of_frame_words(image)))
    if image is not None:
        joints = image[[i for idx in KEY_JOINTS.values() for i in idx], :2]
        if float(np.max(np.ptp(np.clip(joints, 0.0, 1.0), axis=0))) < TOO_FAR_SPAN:
            problems.append(Problem("camera_view", "Too far away - come closer so your body fills the frame"))
    failed = failed_checks(exercise, m)
    if failed:
        problems.append(Problem("setup_mismatch", failed[0].words or exercise.setup_hint))
    if visibility is not None and visibility[L.NOSE] < CONFIDENT:
        problems.append(Problem("low_visibility", "Turn your face towards the camera"))
    if m.values.get("body_visibility", 1.0) < CONFIDENT:
        problems.append(
            Problem(
                "low_visibility",
                "Your body is hard to see - add light and avoid clothes the colour of the floor",
            )
        )
    return problems


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

    @property
    def matched_since_s(self) -> float | None:
        """When the start position (in frame) began to be seen without a break; None if not now."""
        return self._matched_since

    def failed_checks(self, m: FrameMetrics) -> list[SetupCheck]:
        return failed_checks(self.exercise, m)

    def update(self, m: FrameMetrics) -> list[Warning]:
        t = m.t_s
        warnings = []
        problems: dict[str, Problem] = {}
        for p in frame_problems(self.exercise, m):
            problems.setdefault(p.code, p)
        for code in ("no_person", "out_of_frame", "low_visibility"):
            if self._cond(code).update(code in problems, t, WARN_AFTER_S):
                warnings.append(Warning(code, t, problems[code].text.rstrip(".") + "."))
        if m.cut:  # a new shot: the start position must be seen again
            self.ready, self._matched_since = False, None
        matched = m.has_pose and "setup_mismatch" not in problems
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
