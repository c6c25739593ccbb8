"""Score the checker against a simulation's truth: rep counts, faults found and missed, the errors
of the reported angles and hold lengths.

It sits above both the checker (offline and live) and the simulator, so the simulator itself needs
nothing but ``pose/``. Used by ``benchmarks/accuracy.py`` and the test suite. A detected rep
matches the true rep whose start-to-end span holds its peak; a hold matches the true hold it
overlaps. A fault the checker did not raise counts as "unseen" rather than missed when it told the
user it cannot see that measure (a ``camera_view`` warning naming the rule's metric). A fault found
where the truth has none of that code is a false positive either way, but the tally says apart
which of them fell on a rep or hold with another shortcut (one shortcut told as another, as a view
that cannot tell them apart does) from those on correct form. A fault that named the true one
among those it may be (its "alike": the camera could not check them) is counted apart, as neither
right nor a false positive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from formcheck.exercises import Exercise, load_exercise
from formcheck.pipeline import Track, analyze_track
from formcheck.scorecard import scorecard_from_analysis
from formcheck.sim import HoldTruth, RepTruth, Simulation

# Reported rep metrics compared with the truth (their units are in their names), and each hold's
# length: the counted holds it overlaps, together, against its own.
COMPARED = ("range_deg", "knee_flexion_deg", "hip_flexion_deg", "up_s")
HOLD_LENGTH = "hold_s"


@dataclass
class Outcome:
    """One true rep or hold and what the checker said about it."""

    truth: set[str]
    found: set[str]
    unseen: set[str]
    matched: bool
    # A rep's own faults are its truth; a hold's shortcut made during it (HoldTruth.fault_windows)
    # is the hold's, but the rep was not done in good form either.
    during: set[str] = field(default_factory=set)
    alike: dict[str, set[str]] = field(default_factory=dict)  # found code -> the codes it may be

    def named_alike(self, code: str) -> bool:
        """Whether the found ``code`` named one of the true shortcuts as what it may be instead."""
        return bool(self.alike.get(code, set()) & (self.truth | self.during))


@dataclass
class SequenceResult:
    true_reps: int
    counted_reps: int
    true_holds: int
    counted_holds: int
    outcomes: list[Outcome] = field(default_factory=list)
    metric_errors: dict[str, list[float]] = field(default_factory=dict)
    setup_refused: bool = False

    @property
    def count_exact(self) -> bool:
        return self.true_reps == self.counted_reps and self.true_holds == self.counted_holds


def evaluate(sim: Simulation, exercise: Exercise | None = None, live: bool = False) -> SequenceResult:
    """Run the real pipeline on a simulated track and compare its scorecard with the truth
    (``live``: the live pipeline, frame by frame, instead of ``analyze``'s)."""
    ex_id = sim.track.meta["simulation"]["exercise"]
    perf = sim.performance
    return evaluate_track(sim.track, exercise or load_exercise(ex_id), perf.reps, perf.holds, live)


def truth_reps_and_holds(truth: dict) -> tuple[list[RepTruth], list[HoldTruth]]:
    """The true reps and holds of a rendered video's truth file (``formcheck render``)."""
    reps = [RepTruth(**r) for r in truth["reps"]]
    holds = [
        HoldTruth(**{**h, "fault_windows": {k: tuple(v) for k, v in h["fault_windows"].items()}})
        for h in truth["holds"]
    ]
    return reps, holds


def camera_view_messages(card: dict, exercise: Exercise) -> dict[str, str]:
    """code -> the scorecard's camera_view message saying that rule could not be checked (the
    engine's message quotes the code)."""
    return {
        r.code: w["message"]
        for w in card["warnings"]
        if w["code"] == "camera_view"
        for r in exercise.rules
        if f"'{r.code}'" in w["message"]
    }


def evaluate_track(
    track: Track, exercise: Exercise, reps: list[RepTruth], holds: list[HoldTruth], live: bool = False
) -> SequenceResult:
    """Score any track (simulated, or extracted from a rendered video) against true reps and holds."""
    if live:
        from formcheck.live import replay_live

        card = replay_live(track, exercise).to_dict()
    else:
        card = scorecard_from_analysis(analyze_track(track, exercise)).to_dict()
    unseen_codes = set(camera_view_messages(card, exercise))
    result = SequenceResult(len(reps), len(card["reps"]), len(holds), len(card["holds"]))
    result.setup_refused = any(w["code"] == "setup_mismatch" for w in card["warnings"])
    used = set()
    for rep in reps:
        hit = next(
            (
                i
                for i, r in enumerate(card["reps"])
                if i not in used and rep.start_s <= r["peak_s"] <= rep.end_s
            ),
            None,
        )
        found: set[str] = set()
        alike: dict[str, set[str]] = {}
        if hit is not None:
            used.add(hit)
            found = {f["code"] for f in card["reps"][hit]["faults"]}
            alike = _alike(card["reps"][hit]["faults"])
            for k in COMPARED:
                got, want = card["reps"][hit]["metrics"].get(k), rep.metrics.get(k)
                if got is not None and want is not None:
                    result.metric_errors.setdefault(k, []).append(abs(got - want))
        during = {
            code
            for hold in holds
            for code, (start_s, end_s) in hold.fault_windows.items()
            if start_s < rep.end_s and end_s > rep.start_s
        }
        result.outcomes.append(Outcome(set(rep.faults), found, unseen_codes, hit is not None, during, alike))
    for hold in holds:
        overlapping = [h for h in card["holds"] if h["start_s"] < hold.end_s and h["end_s"] > hold.start_s]
        found = {f["code"] for h in overlapping for f in h["faults"]}
        alike = _alike([f for h in overlapping for f in h["faults"]])
        if overlapping:
            timed_s = sum(h["duration_s"] for h in overlapping)
            true_s = hold.end_s - hold.start_s
            result.metric_errors.setdefault(HOLD_LENGTH, []).append(abs(timed_s - true_s))
        result.outcomes.append(Outcome(set(hold.faults), found, unseen_codes, bool(overlapping), alike=alike))
    return result


def _alike(faults: list[dict]) -> dict[str, set[str]]:
    alike: dict[str, set[str]] = defaultdict(set)
    for f in faults:
        alike[f["code"]].update(f.get("alike", []))
    return dict(alike)


@dataclass
class Tally:
    """Rep-level (hold-level) counts for one fault code."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    unseen: int = 0  # true faults the checker said it cannot see from this camera
    fp_on_other: int = 0  # of fp, those on a rep or hold with another shortcut (Outcome.during too)
    named_alike: int = 0  # found where the truth has another shortcut, which the fault named (not fp)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def strict_precision(self) -> float:
        """Precision counting a fault that named the true shortcut as one it may be as wrong."""
        told = self.tp + self.fp + self.named_alike
        return self.tp / told if told else float("nan")


@dataclass
class Totals:
    """Faults found and missed per code, and false alarms on correct reps and holds."""

    codes: dict[str, Tally]
    correct: int
    alarms: int
    alarms_during_hold_faults: int = 0  # of alarms, those on reps made during a hold's shortcut
    # correct reps and holds (not alarms) whose every fault named the hold's shortcut under way as
    # one it may be
    named_alike: int = 0


def tally(results: Iterable[SequenceResult]) -> Totals:
    codes: dict[str, Tally] = defaultdict(Tally)
    correct = alarms = during = named = 0
    for r in results:
        for o in r.outcomes:
            if not o.truth and o.matched:
                correct += 1
                hedged = bool(o.found) and all(o.named_alike(code) for code in o.found)
                named += hedged
                alarms += bool(o.found) and not hedged
                during += bool(o.found and o.during) and not hedged
            for code in o.truth:
                if code in o.found:
                    codes[code].tp += 1
                elif code in o.unseen:
                    codes[code].unseen += 1
                else:
                    codes[code].fn += 1
            for code in o.found - o.truth:
                if o.named_alike(code):
                    codes[code].named_alike += 1
                    continue
                codes[code].fp += 1
                codes[code].fp_on_other += bool(o.truth or o.during)
    return Totals(dict(codes), correct, alarms, during, named)
