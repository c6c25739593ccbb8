"""ExerciseEngine: one engine for live and offline, driven by an exercise definition.

Feed it one FrameMetrics at a time; it returns the events of that frame (reps started and
completed, holds, faults the moment they happen, set-up warnings) and keeps the records a
scorecard is made of.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable

from formcheck.engine.counters import Change, HoldTimer, RepCounter, RepPhase
from formcheck.engine.events import (
    Event,
    Fault,
    FaultRaised,
    FrameMetrics,
    HoldEnded,
    HoldRecord,
    HoldStarted,
    RepCompleted,
    RepRecord,
    RepStarted,
    SetupWarning,
    Warning,
)
from formcheck.engine.rules import CONFIDENT, RuleWatch, penalty
from formcheck.engine.setup import SetupMonitor
from formcheck.engine.views import ViewLog
from formcheck.exercises import Cause, Exercise, Phase, Reference, Rule, Severity
from formcheck.metrics import (
    COUNT_MAX_YAW_DEG,
    HOLD_MAX_YAW_DEG,
    METRIC_MAX_YAW_DEG,
    METRIC_UNDERSTATED_ABOVE_DEG,
)

# The resting position a rule compares with: the last second of rest before the rep.
REST_REFERENCE_S = 1.0
# A hold's own start position: its first second once told, which can be a second after its timed
# start (the entry's debounce, the set-up confirmed late); live, what was measured before that was
# read against the lying body's view (LiveMeasurer), and 2 frames of it told a plank turned 19 deg.
HOLD_REFERENCE_S = 1.0
# Faults that begin this close to a hold's end belong to leaving the position. So a hold's fault is
# told (FaultRaised, the cue) once it began this long ago with the hips still up: told at once, the
# way down out of 23 of 27 correct rendered planks was cued "Lift your hips" live (through MediaPipe),
# a sag the scorecard then rightly left out.
HOLD_EXIT_S = 0.75
# ...or, the hips down past the hold's exit by then, once they stay this share of the way up from the
# rest before the hold: a deep sag, not the way down (simulated: 0.75 s after the line bent, a plank
# lowered out of had its hips within 1% of the rest, and a 22 deg sag's stayed at 23%; rendered
# planks: no false cue left, and at 5% 5 of 27).
SAG_ABOVE_REST_FRACTION = 0.1
# Seen from behind, the joints' stacking and the head's end disagree on the side on top: the
# side taken is a guess (the scorecard's views say "facing away").
SIDE_UNCERTAIN = Warning(
    "side_uncertain",
    0.0,
    "Not sure which side is working: the joints and the head's end disagree, as from behind - "
    "face the camera, or say --side left or right.",
)
# What to do when the camera stands too far towards the head or the feet (METRIC_MAX_YAW_DEG).
OFF_VIEW_HINT = "stand the camera square in front of you, not off towards your head or feet"
# Reps in which a rule could not see anything before the engine says so.
UNSEEN_REPS_BEFORE_WARNING = 2
# The end of the camera_view warning for a check the camera sees only in part (a large fault shows).
PARTLY_SEEN = "catches only large ones"


class ExerciseEngine:
    def __init__(self, exercise: Exercise, side_given: bool = False):
        """``side_given``: the person said which side works (else it was detected, and may be a guess)."""
        self.exercise, self.side_given = exercise, side_given
        self.setup = SetupMonitor(exercise)
        self.rep_counter = RepCounter(exercise.reps) if exercise.reps else None
        self.hold_timer = HoldTimer(exercise.hold) if exercise.hold else None
        self.reps: list[RepRecord] = []
        self.holds: list[HoldRecord] = []
        self.warnings: list[Warning] = []
        # The signals counted or timed, and how far round the camera may stand for them.
        self._counted = [(exercise.reps.signal, COUNT_MAX_YAW_DEG)] if exercise.reps else []
        self._counted += [(exercise.hold.signal, HOLD_MAX_YAW_DEG)] if exercise.hold else []
        self._rep_rules = [r for r in exercise.rules if not r.phase.of_hold]
        self._hold_rules = [r for r in exercise.rules if r.phase.of_hold]
        self._rules = {r.code: r for r in exercise.rules}
        # Report entries read in the rest before each rep rather than at its peak.
        self._reported_at_rest = dict(exercise.reps.report_at_rest) if exercise.reps else {}
        # ...and those read at the peak from another measure than their own.
        self._reported_from = dict(exercise.reps.report_from) if exercise.reps else {}
        self._rest_metrics = {
            r.metric
            for r in self._rep_rules
            if r.reference in (Reference.REST, Reference.REST_LOSS_PCT) or r.phase is Phase.REST
        } | set(self._reported_at_rest.values())
        # The rep's range in the body's own terms, from another measure than the counted signal.
        self._range_metric = exercise.reps.range_metric if exercise.reps else None
        if self._range_metric:
            self._rest_metrics.add(self._range_metric)
        self._range_rest: float | None = None
        self._range_peak: float | None = None
        self._rest_samples: dict[str, deque] = {k: deque() for k in self._rest_metrics}
        self._rep_watches: list[RuleWatch] = []
        self._hold_watches: list[RuleWatch] = []
        self._hold_faults_untold: list[tuple[Fault, str]] = []  # (fault, cue) until HOLD_EXIT_S passed
        self._hold_ref_samples: dict[str, list[float]] = {}
        self._hold_told_s = 0.0
        # hold_rest rules read through the current rep: causes of its faults only
        self._hold_reads_in_rep: dict[str, RuleWatch] = {}
        self._peak_report: dict[str, float | None] = {}
        self._unseen_counts: dict[str, int] = {}
        self._camera_warned: set[str] = set()
        # Metrics this camera was found unable to see (a camera_view warning was given): from then
        # on their rules are not checked and they are reported as unseen, so "not checked" stays true.
        self.blind_metrics: set[str] = set()
        self._seen_person = False
        self._last_frame = FrameMetrics(0.0, {}, {}, False)
        self.views = ViewLog()

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _off_view(m: FrameMetrics, metric: str, max_yaw_deg: float | None = None) -> bool:
        """The camera stands too far off square-on for this measure (METRIC_MAX_YAW_DEG)."""
        limit = METRIC_MAX_YAW_DEG.get(metric) if max_yaw_deg is None else max_yaw_deg
        yaw = m.values.get("camera_yaw_deg")
        return limit is not None and yaw is not None and abs(yaw) > limit

    @staticmethod
    def _partly_seen(m: FrameMetrics, metric: str) -> bool:
        """The camera stands too high to see all of this measure (METRIC_UNDERSTATED_ABOVE_DEG)."""
        limit = METRIC_UNDERSTATED_ABOVE_DEG.get(metric)
        elevation = m.values.get("view_elevation_deg")
        return limit is not None and elevation is not None and elevation > limit

    @property
    def last_t_s(self) -> float:
        return self._last_frame.t_s

    def _confident(self, m: FrameMetrics, metric: str) -> float | None:
        """A metric's value for the rules' bookkeeping (rest samples, peak reports), or None."""
        return None if metric in self.blind_metrics else self._signal(m, metric)

    def _signal(self, m: FrameMetrics, metric: str, max_yaw_deg: float | None = None) -> float | None:
        """A confident value seen from a view that can see it; the rep's and hold's own signals
        pass their own ``max_yaw_deg``: they are counted from further round than rules check."""
        if m.confidence.get(metric, 0.0) < CONFIDENT or self._off_view(m, metric, max_yaw_deg):
            return None
        return m.values.get(metric)

    def _seen(self, m: FrameMetrics, metric: str) -> tuple[float, float]:
        """A metric's value and confidence as the rules see it (none once blind, or off its view)."""
        blind = metric in self.blind_metrics or self._off_view(m, metric)
        return m.values.get(metric, float("nan")), 0.0 if blind else m.confidence.get(metric, 0.0)

    def _warn(self, w: Warning, events: list[Event]) -> None:
        self.warnings.append(w)
        events.append(SetupWarning(w.at_s, w))

    def _note_unseen(self, watches: list[RuleWatch], t_s: float, threshold: int, events: list[Event]) -> None:
        for w in watches:
            if not w.unseen:
                continue
            code = w.rule.code
            self._unseen_counts[code] = self._unseen_counts.get(code, 0) + 1
            if self._unseen_counts[code] >= threshold and code not in self._camera_warned:
                if self._off_view(self._last_frame, w.rule.metric):  # checked again once back in view
                    self._say_unseen(w.rule, t_s, events, hint=OFF_VIEW_HINT)
                elif self._partly_seen(self._last_frame, w.rule.metric):  # a large fault still shows
                    what = f"This camera sees only part of {w.rule.what}, so '{code}' {PARTLY_SEEN}"
                    self._say_unseen(w.rule, t_s, events, what=what)
                else:
                    self._say_unseen(w.rule, t_s, events)
                    self.blind_metrics.add(w.rule.metric)

    def _say_unseen(
        self, rule: Rule, t_s: float, events: list[Event], what: str = "", hint: str = ""
    ) -> None:
        """The camera_view warning that a rule is not checked (the scorecard's "can't see")."""
        self._camera_warned.add(rule.code)
        what = what or f"Can't see {rule.what} from this camera, so '{rule.code}' is not checked"
        hint = hint or rule.unseen_hint or "face the camera with your whole body in view"
        self._warn(Warning("camera_view", t_s, f"{what} - {hint}."), events)

    def _too_high(self, m: FrameMetrics, events: list[Event]) -> None:
        """Say once that the camera looks down from higher than the exercise is read from, and
        stop checking the rules it names as unseen from there (Exercise.too_high)."""
        limit = self.exercise.too_high
        warning = limit and self.views.too_high_warning(m, limit)
        if not warning:
            return
        self._warn(warning, events)
        for rule in self.exercise.rules:
            if rule.code in limit.unseen:
                if rule.code not in self._camera_warned:
                    self._say_unseen(rule, m.t_s, events)
                self.blind_metrics.add(rule.metric)

    # -- the frame loop --------------------------------------------------------------------------
    def update(self, m: FrameMetrics) -> list[Event]:
        events: list[Event] = []
        self._last_frame = m
        self._seen_person |= m.has_pose
        for w in self.setup.update(m):
            self._warn(w, events)
        self.views.update(m)
        off = m.has_pose and any(self._off_view(m, signal, limit) for signal, limit in self._counted)
        off_view = self.views.off_view_warning(m, off)
        if off_view is not None:
            self._warn(off_view, events)
        self._too_high(m, events)
        if m.cut:
            self._cut(events)
        ready = self.setup.ready and m.has_pose
        holding = True
        if self.hold_timer is not None:
            holding = self._update_hold(m, ready, events)
        if self.rep_counter is not None:
            self._update_reps(m, ready and holding, events)
        return events

    def _cut(self, events: list[Event]) -> None:
        """Nothing carries across a cut: an open rep is dropped (or ends, if back down), an open hold ends."""
        if self.rep_counter is not None:
            self._stop_reps(events)
            self.rep_counter.reset()
        if self.hold_timer is not None:
            if self.hold_timer.active:
                self._end_hold(self.hold_timer.stop(self.last_t_s), events)
            self.hold_timer.forget_rest()

    def _update_hold(self, m: FrameMetrics, ready: bool, events: list[Event]) -> bool:
        timer = self.hold_timer
        signal = self._signal(m, timer.spec.signal, HOLD_MAX_YAW_DEG)
        change = timer.update(m.t_s, signal, ready, self.setup.matched_since_s)
        if change is Change.START:
            self._hold_watches = [RuleWatch(r) for r in self._hold_rules]
            self._hold_faults_untold = []
            self._hold_ref_samples, self._hold_told_s = {}, m.t_s
            events.append(HoldStarted(m.t_s, len(self.holds) + 1))
        elif change is Change.END:
            self._end_hold(timer.end_s, events)
            self._stop_reps(events)
            return False
        if not timer.active:
            return False
        rep_under_way = self.rep_counter is not None and self.rep_counter.phase is RepPhase.UP
        for w in self._hold_watches:
            value, conf = self._seen(m, w.rule.metric)
            if w.rule.phase is Phase.HOLD_REST and rep_under_way:
                # The rep's own rules judge these frames; what this rule reads there can only be
                # the cause of their faults (Rule.implied_by), never a fault of its own.
                if w.reference is not None or w.rule.reference is not Reference.HOLD_START:
                    read = self._hold_reads_in_rep.setdefault(w.rule.code, RuleWatch(w.rule, w.reference))
                    read.observe(m.t_s, value, conf, True)
                continue
            if w.rule.reads_hold_start and w.reference is None:
                if conf >= CONFIDENT:
                    self._hold_ref_samples.setdefault(w.rule.code, []).append(value)
                if m.t_s - self._hold_told_s >= HOLD_REFERENCE_S and self._hold_ref_samples.get(w.rule.code):
                    w.reference = statistics.median(self._hold_ref_samples[w.rule.code])
                if w.rule.reference is Reference.HOLD_START:
                    if conf < CONFIDENT:  # a reference never seen is a rule never checked: say so
                        w.unseen_frames += 1
                    continue
            fault = w.observe(m.t_s, value, conf, True, self._partly_seen(m, w.rule.metric))
            if fault is not None:
                self._hold_faults_untold.append((fault, w.rule.cue))
        if not timer.dipping or timer.above_rest(signal, SAG_ABOVE_REST_FRACTION):
            self._tell_hold_faults(lambda f: m.t_s - f.start_s >= HOLD_EXIT_S, m.t_s, events)
        return not timer.dipping  # no rep is counted with the hips down

    def _tell_hold_faults(self, due: Callable[[Fault], bool], t_s: float, events: list[Event]) -> None:
        told = [(f, cue) for f, cue in self._hold_faults_untold if due(f)]
        self._hold_faults_untold = [fc for fc in self._hold_faults_untold if not due(fc[0])]
        events += [FaultRaised(t_s, f, cue) for f, cue in told]

    def _end_hold(self, end_s: float, events: list[Event]) -> None:
        start_s = self.hold_timer.start_s
        duration = end_s - start_s
        if duration < self.hold_timer.spec.min_duration_s:
            return
        # Coming down out of the plank is the end of the hold, not a sag during it.
        for w in self._hold_watches:
            w.spans = [f for f in w.spans if f.start_s < end_s - HOLD_EXIT_S]
        kept = {id(f) for w in self._hold_watches for f in w.spans}
        self._tell_hold_faults(lambda f: id(f) in kept, self.last_t_s, events)
        self._hold_faults_untold = []
        spans = sorted(
            (f for w in self._hold_watches for f in w.spans if f.severity is not Severity.INFO),
            key=lambda f: f.start_s,
        )
        bad_s, cursor = 0.0, start_s
        for f in spans:  # union of fault spans
            lo, hi = max(f.start_s, cursor), min(f.end_s, end_s)
            if hi > lo:
                bad_s += hi - lo
                cursor = hi
        good = max(0.0, duration - bad_s)
        faults = [f for w in self._hold_watches for f in w.spans]
        self._hedge(faults)
        hold = HoldRecord(
            len(self.holds) + 1,
            round(start_s, 2),
            round(end_s, 2),
            round(duration, 2),
            round(good, 2),
            round(100 * good / duration) if duration > 0 else 0,
            faults,
        )
        self.holds.append(hold)
        self._note_unseen(self._hold_watches, end_s, 1, events)
        events.append(HoldEnded(end_s, hold))

    def _stop_reps(self, events: list[Event]) -> None:
        """The set, the shot or the hold ended: a rep already back down at its end level ends there,
        one still under way is dropped."""
        counter = self.rep_counter
        if counter is None:
            return
        if counter.stop():
            self._end_rep(counter.end_s, events)
        if counter.phase is RepPhase.UP:
            counter.reset()
            self._rep_watches = []

    def _update_reps(self, m: FrameMetrics, active: bool, events: list[Event]) -> None:
        counter = self.rep_counter
        spec = counter.spec
        value = self._signal(m, spec.signal, COUNT_MAX_YAW_DEG) if active else None
        change = counter.update(m.t_s, value)
        if change is Change.ABORT:
            self._rep_watches = []
            return
        if counter.phase is RepPhase.REST and change is not Change.END:
            # Only a rest the counter watched: a plank's dip (or a set-up lost) can hide a rep's rise,
            # and its frames are no rest to read the rep against.
            for metric in self._rest_metrics if active else ():
                v = self._confident(m, metric)
                samples = self._rest_samples[metric]
                if v is not None:
                    samples.append((m.t_s, v))
                while samples and m.t_s - samples[0][0] > REST_REFERENCE_S:
                    samples.popleft()
            return
        if change is Change.START:
            self._start_rep(m, events)
        if value is not None and counter.phase is RepPhase.UP or change is Change.END:
            self._observe_rep_frame(m, value, events)
        if change is Change.END:
            self._end_rep(counter.end_s, events)

    def _start_rep(self, m: FrameMetrics, events: list[Event]) -> None:
        rest = {k: statistics.median(v for _, v in s) if s else None for k, s in self._rest_samples.items()}
        self._rep_watches, self._hold_reads_in_rep = [], {}
        for rule in self._rep_rules:
            w = RuleWatch(rule)
            if rule.reference in (Reference.REST, Reference.REST_LOSS_PCT):
                w.reference = rest[rule.metric] if rest[rule.metric] is not None else rule.rest_default
            self._rep_watches.append(w)
        at_rest = {k: rest[metric] for k, metric in self._reported_at_rest.items()}
        self._range_rest = rest[self._range_metric] if self._range_metric else None
        self._range_peak = None
        self._peak_report = {k: None for k in self.rep_counter.spec.report} | {
            k: round(v, 2) for k, v in at_rest.items() if v is not None
        }
        events.append(RepStarted(m.t_s, len(self.reps) + 1))
        for w in self._rep_watches:
            if w.rule.phase is Phase.REST:  # None (never seen still) counts as not seen
                fault = w.check_once(m.t_s, rest[w.rule.metric])
                if fault is not None and not self._implied(w):
                    events.append(FaultRaised(m.t_s, fault, w.rule.cue))

    def _observe_rep_frame(self, m: FrameMetrics, value: float | None, events: list[Event]) -> None:
        counter = self.rep_counter
        if value is not None and counter.peak_s == m.t_s:
            for k in self._peak_report.keys() - self._reported_at_rest.keys():
                v = self._confident(m, self._reported_from.get(k, k))
                if v is not None:
                    self._peak_report[k] = round(v, 2)
            if self._range_metric:
                self._range_peak = self._confident(m, self._range_metric)
        at_peak = value is not None and counter.at_peak(value)
        for w in self._rep_watches:
            phase = w.rule.phase
            if phase in (Phase.REST, Phase.REP_END) or (phase is Phase.PEAK and not at_peak):
                continue
            partly = self._partly_seen(m, w.rule.metric)
            fault = w.observe(m.t_s, *self._seen(m, w.rule.metric), False, partly)
            if fault is not None and not self._implied(w):
                events.append(FaultRaised(m.t_s, fault, w.rule.cue))

    def _implied(self, watch: RuleWatch) -> bool:
        """Whether a fault this rep already has, or the hold has had since the rep began, is the
        cause of ``watch``'s (Rule.implied_by)."""
        causes = watch.rule.implied_by
        if not causes:
            return False
        found = [w.fault for w in self._rep_watches if w.fault is not None]
        found += [span for r in self._hold_reads_in_rep.values() for span in r.spans]
        if self.rep_counter is not None:
            rep_start_s = self.rep_counter.start_s
            found += [span for w in self._hold_watches for span in w.spans if span.end_s >= rep_start_s]
        return any(_explains(causes, f) for f in found)

    def _end_rep(self, t_s: float, events: list[Event]) -> None:
        counter = self.rep_counter
        if not counter.counts(t_s):
            self._rep_watches = []
            return
        up_s, down_s = counter.tempo_s(t_s)
        # a measure whose rule saw nothing in this rep is reported unseen, not as a stray value
        unseen = {w.rule.metric for w in self._rep_watches if w.unseen} | self.blind_metrics
        rep_metrics = {
            "range_deg": round(self._rep_range(), 1),
            **{
                k: None if {k, self._reported_from.get(k)} & unseen else v
                for k, v in self._peak_report.items()
            },
            "up_s": round(up_s, 2),
            "down_s": round(down_s, 2),
        }
        for metric in self.blind_metrics & rep_metrics.keys():  # said "can't see": unseen, unchecked
            rep_metrics[metric] = None
        summary = {**rep_metrics, "duration_s": t_s - counter.start_s}
        if self._off_view(self._last_frame, counter.spec.signal):  # its range is not the body's
            summary["range_deg"] = None
        watches = self._rep_watches
        # every rule concludes before any is reported, so a cause found last still implies
        new = [
            w.check_once(t_s, summary.get(w.rule.metric)) if w.rule.phase is Phase.REP_END else w.conclude()
            for w in watches
        ]
        reported = [w.fault is not None and not self._implied(w) for w in watches]
        for w, fault, ok in zip(watches, new, reported, strict=True):
            if fault and ok:
                events.append(FaultRaised(t_s, fault, w.rule.cue))
        self._confirm_hold_reads(watches, events)
        faults = [w.fault for w, ok in zip(watches, reported, strict=True) if ok]
        self._hedge(faults)
        score = max(0, round(100 - sum(penalty(f) for f in faults)))
        rep = RepRecord(
            len(self.reps) + 1,
            round(counter.start_s, 2),
            round(counter.peak_s, 2),
            round(t_s, 2),
            score,
            rep_metrics,
            faults,
        )
        self.reps.append(rep)
        self._note_unseen(self._rep_watches, t_s, UNSEEN_REPS_BEFORE_WARNING, events)
        self._rep_watches = []
        events.append(RepCompleted(t_s, rep))

    def _hedge(self, faults: list[Fault]) -> None:
        """Name in each fault the shortcuts alike to it (Rule.alike) that the camera could not check
        in this rep or hold: it cannot tell which of them it saw."""
        watches = [*self._rep_watches, *self._hold_watches, *self._hold_reads_in_rep.values()]
        seen = {w.rule.code for w in watches if w.seen_frames and w.rule.metric not in self.blind_metrics}
        for f in faults:
            f.alike = tuple(c for c in self._rules[f.code].alike if c not in seen)

    def _confirm_hold_reads(self, watches: list[RuleWatch], events: list[Event]) -> None:
        """A hold_rest rule's fault read through the rep is the hold's where it caused a fault the
        rep found (its own rule confirms it, as the shoulders' roll back confirms a trunk turn);
        alone it is the working leg's drag on the pose model, not reported."""
        causes = tuple(c for w in watches if w.fault is not None for c in w.rule.implied_by)
        for code, read in self._hold_reads_in_rep.items():
            confirmed = [span for span in read.spans if _explains(causes, span)]
            if confirmed:
                next(w for w in self._hold_watches if w.rule.code == code).spans.extend(confirmed)
                events += [FaultRaised(span.start_s, span, read.rule.cue) for span in confirmed]

    def _rep_range(self) -> float:
        """The rep's range: its range measure at the peak against the rest before it, where the
        exercise has one and it was seen (RepSpec.range_metric); else the counted signal's."""
        if self._range_peak is None or self._range_rest is None:
            return self.rep_counter.range
        return self._range_peak - self._range_rest

    def finish(self) -> list[Event]:
        """Close the set: end an open hold and a rep back down, drop an unfinished rep, report a
        set-up never matched."""
        events: list[Event] = []
        t = self.last_t_s
        if self.hold_timer is not None and self.hold_timer.active:
            self._end_hold(self.hold_timer.stop(t), events)
        self._stop_reps(events)
        codes = {w.code for w in self.warnings}
        if not self._seen_person and "no_person" not in codes:
            self._warn(Warning("no_person", 0.0, "No person was found in the video."), events)
        elif self._seen_person and not self.setup.ever_matched and "setup_mismatch" not in codes:
            self._warn(self.setup.mismatch_warning(0.0), events)
        if not self.side_given and self.setup.ever_matched and self.views.facing_away():
            self._warn(SIDE_UNCERTAIN, events)
        return events


def _explains(causes: tuple[Cause, ...], fault: Fault) -> bool:
    return any(c.explains(fault.code, fault.value, fault.limit) for c in causes)
