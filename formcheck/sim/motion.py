"""Exercise motion with exactly known form: reps and holds, each shortcut injectable with a magnitude.

``perform(exercise, faults, ...)`` returns per-frame joint angles (for ``body.pose_in_scene``) and
the ground truth: which reps or holds carry which shortcut and how large, and the true angles of
every frame. Shortcuts ramp in with the movement (a pelvis that rolls back as the knee opens), so
the rest position each rep starts from stays correct - except set-up faults (knees or hips not
bent), which hold for the whole set.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from scipy.optimize import brentq

from formcheck.errors import FormcheckError
from formcheck.exercises import load_exercise
from formcheck.pose.landmarks import Side
from formcheck.sim.body import (
    Arm,
    BodyShape,
    JointAngles,
    Leg,
    Posture,
    Support,
    body_landmarks,
    landmark_index,
)

# The side plank's faults are sized as the rule measures them, as a bend of the shoulder-hip-ankle
# line; the body bends at the hips, split between the trunk and the bottom leg, and the line's
# ends sit off those joints, so the line bends by about this share of it (rendered bodies, true
# keypoints: a 20 deg bend at the hips measured 13-15, 30 measured 21-25).
LINE_BEND_PER_HIP_BEND = 0.75
# A deep sag is a dip that comes back up: 0.6 s down, 1 s at the bottom, 0.6 s up (a person who
# stays down has ended the hold).
SAG_DIP_S = 2.2


@dataclass(frozen=True)
class FaultKind:
    """A shortcut the simulator can inject: its unit, and its size at twice the checker's limit;
    the limit itself is the exercise's rule (its TOML file), read in this fault's unit."""

    code: str
    unit: str
    severe: float  # "twice the limit" (half of it for lower limits); see ``note`` where not possible
    exercise: str  # the exercise whose rule for ``code`` sets the limit
    setup: bool = False  # held for the whole set rather than ramped into chosen reps
    note: str = ""
    valid: tuple[float, float] = (0.0, 90.0)  # sizes a body can do, in ``unit``
    bound: str = "max"  # which of the rule's limits the shortcut crosses ("min": knees too straight)
    neutral: float = 0.0  # the rule's measure with no shortcut (180: a straight body line)
    # The limit in the body's terms seen from a level camera, where the rule's measure is the image's
    # (from a raised one the rule's own measure is the body's).
    level_limit: float | None = None

    def limit(self, raised: bool = False) -> float:
        """The shortcut's size at the checker's limit, seen from a raised camera or a level one."""
        if self.level_limit is not None and not raised:
            return self.level_limit
        (rule,) = [r for r in load_exercise(self.exercise).rules if r.code == self.code]
        return abs(getattr(rule, self.bound) - self.neutral)

    def at_limit(self, raised: bool = False) -> float:
        """A size just past the limit: a tenth of the way on towards ``severe``."""
        limit = self.limit(raised)
        return limit + 0.1 * (self.severe - limit)


def _clam(code: str, unit: str, severe: float, **kw) -> FaultKind:
    return FaultKind(code, unit, severe, "clamshell", **kw)


def _lift(code: str, unit: str, severe: float, **kw) -> FaultKind:
    return FaultKind(code, unit, severe, "side-leg-lift", **kw)


def _plank(code: str, unit: str, severe: float, **kw) -> FaultKind:
    return FaultKind(code, unit, severe, "side-plank", **kw)


_CLAM_FAULTS = [
    _clam("knee_bend", "deg knee flexion", 15.0, setup=True, valid=(0.0, 150.0), bound="min"),
    _clam(
        "hip_bend",
        "deg hip flexion",
        0.0,
        setup=True,
        note="true hips straight (0 deg)",
        valid=(0.0, 120.0),
        bound="min",
    ),
    _clam("feet_apart", "shank lengths", 0.30, valid=(0.0, 1.5)),
    _clam("pelvis_rollback", "deg roll", 30.0),
    _clam(
        "small_range",
        "deg opening",
        15.5,
        note="the limit is 20 deg true from a raised camera (the knee's turn), 20 in the image, ~31 true, "
        "from a level one; the image shows about half of a small opening, and reps down to ~5 deg true "
        "count after a still rest",
        valid=(1.0, 90.0),
        bound="min",
        level_limit=31.0,
    ),
    _clam("too_fast", "s up", 0.25, valid=(0.05, 5.0), bound="min"),
]
_LIFT_FAULTS = [
    _lift("leg_forward", "deg hip flexion", 40.0),
    _lift("knee_bent", "deg knee flexion", 40.0),
    _lift("toes_up", "deg external rotation", 50.0, note="60 is past the hip's rotation"),
    _lift("hip_hike", "deg pelvis tilt", 20.0, valid=(0.0, 30.0)),
    _lift("pelvis_rollback", "deg roll", 30.0),
    _lift("over_lift", "deg abduction", 60.0, note="90 deg is beyond the hip's range; 60 used"),
    _lift(
        "small_range",
        "deg abduction",
        7.5,
        note="lifts down to ~3 deg count after a still rest",
        valid=(1.0, 90.0),
        bound="min",
    ),
    _lift("too_fast", "s up", 0.25, valid=(0.05, 5.0), bound="min"),
]
_PLANK_FAULTS = [
    _plank(
        "hip_sag",
        "deg bend of the shoulder-hip-ankle line",
        22.0,
        note="about 30 deg puts the hips on the floor in a forearm side plank; 22 leaves them a hand up",
        valid=(0.0, 28.0),
        bound="min",
        neutral=180.0,
    ),
    _plank("hip_pike", "deg bend of the shoulder-hip-ankle line", 30.0, neutral=180.0),
    _plank("trunk_rotation", "deg shoulders against pelvis", 30.0),
]
FAULTS: dict[str, list[FaultKind]] = {
    "clamshell": _CLAM_FAULTS,
    "side-leg-lift": _LIFT_FAULTS,
    "side-plank": _PLANK_FAULTS,
    "side-plank-clamshell": _PLANK_FAULTS + [f for f in _CLAM_FAULTS if f.code != "hip_bend"],
    "side-plank-leg-lift": _PLANK_FAULTS + _LIFT_FAULTS,
}
HOLD_CODES = {f.code for f in _PLANK_FAULTS}


def fault_kind(exercise: str, code: str) -> FaultKind:
    kinds = {f.code: f for f in FAULTS[exercise]}
    if code not in kinds:
        raise FormcheckError(f"{exercise} has no shortcut {code!r}. Valid shortcuts: {', '.join(kinds)}.")
    return kinds[code]


@dataclass(frozen=True)
class Fault:
    """A shortcut to inject: code, size (None: twice the limit), reps affected (None: every second one)."""

    code: str
    magnitude: float | None = None
    reps: tuple[int, ...] | None = None

    @classmethod
    def parse(cls, text: str) -> Fault:
        """``code``, ``code=magnitude``, ``code@1,3`` or ``code=magnitude@1,3`` (the reps, from 1)."""
        head, _, reps = text.partition("@")
        code, _, magnitude = head.partition("=")
        try:
            return cls(
                code.strip(),
                float(magnitude) if magnitude else None,
                tuple(int(r) for r in reps.split(",")) if reps else None,
            )
        except ValueError:
            raise FormcheckError(
                f"Cannot read the shortcut {text!r}: write code, code=size or code=size@1,3."
            ) from None


@dataclass
class RepTruth:
    index: int
    start_s: float
    peak_s: float
    end_s: float
    # The shortcuts in this rep and their sizes; None where one follows from another (a clam on
    # straight knees lifts the feet apart) and its size is not set.
    faults: dict[str, float | None] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class HoldTruth:
    index: int
    start_s: float
    end_s: float
    faults: dict[str, float] = field(default_factory=dict)
    fault_windows: dict[str, tuple[float, float]] = field(default_factory=dict)


@dataclass
class Performance:
    """Per-frame joint angles and posture, plus the ground truth of the set."""

    t_s: np.ndarray
    angles: JointAngles
    posture: Posture
    lift: np.ndarray  # 0 lying .. 1 fully up in a plank, per frame
    reps: list[RepTruth]
    holds: list[HoldTruth]
    frame_truth: dict[str, np.ndarray]

    def reps_and_holds(self) -> dict:
        """The true reps and holds as JSON-ready data (times to the millisecond)."""
        return {
            "reps": [_rounded(asdict(r)) for r in self.reps],
            "holds": [_rounded(asdict(h)) for h in self.holds],
        }


def _rounded(item):
    if isinstance(item, float):
        return round(item, 3)
    if isinstance(item, dict):
        return {k: _rounded(v) for k, v in item.items()}
    if isinstance(item, (list, tuple)):
        return [_rounded(v) for v in item]
    return item


@dataclass(frozen=True)
class Tempo:
    """How a set is performed: counts, timing, range and rep-to-rep variability (a fraction)."""

    reps: int = 5
    up_s: float = 1.4
    top_s: float = 0.4
    down_s: float = 1.4
    rest_s: float = 1.1
    lead_in_s: float = 2.5
    hold_s: float = 9.0
    variability: float = 0.1


DEFAULT_TEMPO = Tempo()
DEFAULT_SHAPE = BodyShape()


def _ramp(t: np.ndarray, start: float, up: float, top: float, down: float) -> np.ndarray:
    """0 -> 1 -> 0 with cosine edges: a rep's progress (or a fault window's)."""
    out = np.zeros_like(t)
    rise = (t >= start) & (t < start + up)
    out[rise] = 0.5 - 0.5 * np.cos(np.pi * (t[rise] - start) / up)
    out[(t >= start + up) & (t < start + up + top)] = 1.0
    fall_start = start + up + top
    fall = (t >= fall_start) & (t < fall_start + down)
    out[fall] = 0.5 + 0.5 * np.cos(np.pi * (t[fall] - fall_start) / down)
    return out


def _top_leg_rest_adduction(shape: BodyShape, leg: Leg, top: Side, gap_m: float) -> float:
    """The top hip's adduction (deg) that rests the top ankle ``gap_m`` above the bottom one."""

    def gap(adduction: float) -> float:
        pose = body_landmarks(
            shape, JointAngles(top_leg=replace(leg, hip_abduction=-adduction), bottom_leg=leg), top
        )
        ankle_t, ankle_b = pose[0, landmark_index(top, "ANKLE")], pose[0, landmark_index(top.other, "ANKLE")]
        s = 1.0 if top is Side.RIGHT else -1.0
        return (ankle_t[0] - ankle_b[0]) * s - gap_m

    return brentq(gap, -10.0, 40.0)


def _clam_gap_rotation_deg(gap_ratio: float, knee_flexion_deg: float) -> float:
    """Hip internal rotation that swings the foot ``gap_ratio`` shank lengths away at this knee bend."""
    radius = max(math.sin(math.radians(knee_flexion_deg)), 0.2)
    return math.degrees(2 * math.asin(min(gap_ratio / (2 * radius), 1.0)))


def perform(
    exercise: str,
    faults: list[Fault],
    *,
    shape: BodyShape = DEFAULT_SHAPE,
    top: Side = Side.RIGHT,
    tempo: Tempo = DEFAULT_TEMPO,
    fps: float = 30.0,
    rng: np.random.Generator | None = None,
) -> Performance:
    """Joint angles over time for ``exercise`` with ``faults`` injected, and the truth of it."""
    if exercise not in FAULTS:
        raise FormcheckError(f"Cannot simulate {exercise!r}. Valid exercises: {', '.join(FAULTS)}.")
    rng = rng or np.random.default_rng(0)
    kinds = {f.code: fault_kind(exercise, f.code) for f in faults}
    if len(kinds) != len(faults):
        raise FormcheckError("Give each shortcut once.")
    size = {f.code: kinds[f.code].severe if f.magnitude is None else f.magnitude for f in faults}
    hold = exercise.startswith("side-plank")
    rep_kind = {
        "clamshell": "clam",
        "side-leg-lift": "lift",
        "side-plank-clamshell": "clam",
        "side-plank-leg-lift": "lift",
    }.get(exercise)
    n_reps = 0 if exercise == "side-plank" else (min(tempo.reps, 3) if hold else tempo.reps)
    for f in faults:
        _check(f, kinds[f.code], size[f.code], n_reps)

    # --- The timeline: reps (with variability) and, for planks, one hold around them -----------
    def jitter(value: float) -> float:
        return value * (1.0 + tempo.variability * rng.uniform(-1, 1))

    reps: list[RepTruth] = []
    rep_timing: list[tuple[float, float, float, float]] = []
    t = tempo.lead_in_s + (3.5 if hold else 0.0)
    for i in range(1, n_reps + 1):
        affected = {f.code for f in faults if f.code not in HOLD_CODES and _affects(f, kinds[f.code], i)}
        up = size["too_fast"] if "too_fast" in affected else jitter(tempo.up_s)
        down = size["too_fast"] if "too_fast" in affected else jitter(tempo.down_s)
        top_s = jitter(tempo.top_s)
        rep_timing.append((t, up, top_s, down))
        reps.append(
            RepTruth(i, t, t + up + top_s / 2, t + up + top_s + down, {c: size[c] for c in sorted(affected)})
        )
        t += up + top_s + down + jitter(tempo.rest_s)
    holds: list[HoldTruth] = []
    if hold:
        hold_start = tempo.lead_in_s + 1.0
        hold_end = max(hold_start + tempo.hold_s, t + 1.5)
        holds.append(HoldTruth(1, hold_start, hold_end))
        window = (hold_start + 2.5, min(hold_start + 6.5, hold_end - 2.0))
        for f in faults:
            if f.code in HOLD_CODES:
                holds[0].faults[f.code] = size[f.code]
                holds[0].fault_windows[f.code] = (
                    (window[0], window[0] + SAG_DIP_S) if f.code == "hip_sag" else window
                )
        t = hold_end + 1.0
    duration = t + 1.5
    t_s = np.arange(0.0, duration, 1.0 / fps)
    n = len(t_s)

    # --- Per-frame channels -------------------------------------------------------------------
    progress = np.zeros(n)  # the current rep's 0..1
    rep_scale = np.zeros(n)  # that rep's range variability
    rep_of_frame = np.zeros(n, dtype=int)
    for rep, (start, up, top_s, down) in zip(reps, rep_timing, strict=True):
        p = _ramp(t_s, start, up, top_s, down)
        active = p > 0
        progress[active] = p[active]
        rep_scale[active] = jitter(1.0)
        rep_of_frame[active] = rep.index

    def in_reps_with(code: str) -> np.ndarray:
        """Per frame: inside a rep that carries ``code``."""
        return np.isin(rep_of_frame, [r.index for r in reps if code in r.faults])

    def during(code: str) -> np.ndarray:
        """Per-frame 0..1 amount of ``code`` (ramped with the reps it affects)."""
        if code not in size:
            return np.zeros(n)
        if kinds[code].setup:
            return np.ones(n)
        if code in HOLD_CODES:
            a, b = holds[0].fault_windows[code]
            return _ramp(t_s, a, 0.6, b - a - 1.2, 0.6)
        return np.where(in_reps_with(code), progress, 0.0)

    lift = np.ones(n)
    if hold:
        h = holds[0]
        # Up and down over 1 s each, halfway at the hold's true start and end.
        lift = _ramp(t_s, h.start_s - 0.5, 1.0, h.end_s - h.start_s - 1.0, 1.0)

    # --- Joint angles ---------------------------------------------------------------------
    support = {
        "clamshell": Support.LYING,
        "side-leg-lift": Support.LYING,
        "side-plank": Support.FOREARM_FEET,
        "side-plank-clamshell": Support.FOREARM_KNEES,
        "side-plank-leg-lift": Support.FOREARM_FEET,
    }[exercise]
    posture = Posture(top=top, support=support)
    # Knees: 70 deg in a clam, 90 kneeling in a side plank (the bottom knee is the support there,
    # so a knee_bend fault straightens the top knee only), straight otherwise.
    kneeling_plank = support is Support.FOREARM_KNEES
    bottom_knee = 90.0 if kneeling_plank else (70.0 if rep_kind == "clam" else 0.0)
    knee = size.get("knee_bend", bottom_knee) if rep_kind == "clam" else bottom_knee
    if not kneeling_plank:
        bottom_knee = knee
    hip_flex = size.get("hip_bend", 45.0) if exercise == "clamshell" else 0.0
    base_leg = Leg(hip_flexion=hip_flex, knee_flexion=bottom_knee)
    # Stacked ankle centres sit ~0.2 shanks apart (real clips). Kneeling, the bent shanks cross:
    # 0.2 pushed them 3.7 cm into each other on the rendered body (formcheck render's leg check).
    gap_m = (0.35 if kneeling_plank else 0.2) * shape.m(shape.shank)
    rest_add = _top_leg_rest_adduction(shape, base_leg, top, gap_m)

    # Clam: 50 deg of opening. Lift: 38 deg from the resting (adducted) leg, ~28 deg between the legs.
    range_deg = {"clam": 50.0, "lift": 38.0}.get(rep_kind or "", 0.0)
    target = range_deg * rep_scale
    if "small_range" in size:
        target = np.where(in_reps_with("small_range"), size["small_range"], target)
    if "over_lift" in size:  # over_lift is the angle between the legs, not the movement from rest
        target = np.where(in_reps_with("over_lift"), size["over_lift"] + rest_add, target)
    movement = progress * target

    forward = during("leg_forward") * size.get("leg_forward", 0.0)
    knee_bent = during("knee_bent") * size.get("knee_bent", 0.0)
    toes_up = during("toes_up") * size.get("toes_up", 0.0)
    gap_rot = during("feet_apart") * _clam_gap_rotation_deg(size.get("feet_apart", 0.0), knee)
    roll = during("pelvis_rollback") * size.get("pelvis_rollback", 0.0)
    hike = during("hip_hike") * size.get("hip_hike", 0.0)
    line_bend = during("hip_sag") * size.get("hip_sag", 0.0) - during("hip_pike") * size.get("hip_pike", 0.0)
    bend = line_bend / LINE_BEND_PER_HIP_BEND
    twist = during("trunk_rotation") * size.get("trunk_rotation", 0.0)

    # A clam on straight knees has no hinge at the feet: the leg swings up as a whole instead.
    hinged = rep_kind == "clam" and knee >= 40.0
    top_leg = Leg(
        hip_flexion=hip_flex + forward,
        # A hike lifts the leg with the pelvis: the person reaches the usual height with less abduction.
        hip_abduction=-rest_add + (0.0 if hinged else movement) + bend / 2 - hike,
        hip_internal_rotation=-toes_up + gap_rot,
        knee_flexion=knee + knee_bent,
        clam_deg=movement if hinged else 0.0,
    )
    bottom_leg = replace(base_leg, hip_abduction=-bend / 2 + hike)  # and the bottom leg stays down
    lying_arms = support is Support.LYING
    angles = JointAngles(
        pelvis_roll_back=roll,
        pelvis_hike=hike,
        trunk_rotation=twist,
        trunk_side_bend=bend / 2 + hike,  # a hip hike tilts the pelvis under a trunk that stays put
        top_leg=top_leg,
        bottom_leg=bottom_leg,
        # lying, the top hand rests on the mat in front of the chest
        top_arm=Arm(shoulder_flexion=60.0, shoulder_abduction=-35.0, elbow_flexion=20.0)
        if lying_arms
        else Arm(shoulder_abduction=10.0),
        # lying, the bottom arm reaches past the head along the mat (a pillow for it), not into it
        bottom_arm=Arm(shoulder_abduction=175.0, elbow_flexion=40.0) if lying_arms else Arm(),
    )
    truth = {
        "rep_progress": progress,
        "movement_deg": movement,
        "knee_flexion_deg": np.broadcast_to(np.asarray(top_leg.knee_flexion, dtype=float), (n,)).copy(),
        "hip_flexion_deg": np.full(n, hip_flex),
        "pelvis_roll_deg": roll,
        "pelvis_hike_deg": hike,
        "leg_forward_deg": forward,
        "toes_up_deg": toes_up,
        "body_bend_deg": line_bend,
        "trunk_rotation_deg": twist,
        "hold_lift": lift,
    }
    if not hinged and rep_kind == "clam":
        # On a straight knee the whole leg swings up and its foot leaves the other, lying or
        # kneeling (kneeling it starts apart, and the feet's check compares with the start).
        for rep in reps:
            rep.faults.setdefault("feet_apart", None)
    for rep in reps:
        at = int(np.argmin(np.abs(t_s - rep.peak_s)))
        rep.metrics = {
            "range_deg": float(movement[at]),
            "knee_flexion_deg": float(truth["knee_flexion_deg"][at]),
            "up_s": rep_timing[rep.index - 1][1],
            "down_s": rep_timing[rep.index - 1][3],
        }
        if rep_kind == "clam":
            rep.metrics["hip_flexion_deg"] = hip_flex
    return Performance(t_s, angles, posture, lift, reps, holds, truth)


def _check(fault: Fault, kind: FaultKind, size: float, n_reps: int) -> None:
    """A size the body can do, in reps the set has."""
    lo, hi = kind.valid
    if not lo <= size <= hi:
        raise FormcheckError(f"{fault.code}={size:g} is out of range: {lo:g}-{hi:g} {kind.unit}.")
    if fault.reps is None:
        return
    if fault.code in HOLD_CODES:
        raise FormcheckError(f"{fault.code} happens during the hold; it takes no reps (drop @...).")
    outside = [r for r in fault.reps if not 1 <= r <= n_reps]
    if outside:
        raise FormcheckError(f"{fault.code}@{','.join(map(str, fault.reps))}: the set has reps 1-{n_reps}.")


def _affects(fault: Fault, kind: FaultKind, rep: int) -> bool:
    if kind.setup:
        return True
    if fault.reps is not None:
        return rep in fault.reps
    return rep % 2 == 0
