"""Getting ready for a live set: what to fix, in plain words, then the start position held still
and a short countdown before anything is counted.

Each problem carries one of DESIGN.md's set-up warning codes, so a session that never got going
still says in its scorecard why.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from enum import Enum

import cv2
import numpy as np

from formcheck.engine import FrameMetrics
from formcheck.engine.rules import CONFIDENT
from formcheck.exercises import Exercise
from formcheck.kinematics import IN_FRAME_MARGIN
from formcheck.pose import Landmark as L

# A frame darker than this mean grey level (0-255) loses limbs in the pose model (judgment: the
# shared clips measure 60-140; MediaPipe's detector fails first on dark, low-contrast limbs).
DARK_LEVEL = 45.0
# Key joints spanning less than this share of the frame are too small to measure angles on
# (judgment: 2 deg of knee angle is ~1 px on a thigh 30 px long).
TOO_FAR_SPAN = 0.3
# How long the start position must be held still before the countdown, and the default countdown.
START_HOLD_S = 1.0
COUNTDOWN_S = 3.0
# A set-up problem must last this long before it interrupts the start position: one frame of a
# foot at the edge (common after a burst of dropped frames) is not a reason to start over.
PROBLEM_DEBOUNCE_S = 0.3

KEY_JOINTS = {
    "head": (L.NOSE,),
    "shoulders": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "hips": (L.LEFT_HIP, L.RIGHT_HIP),
    "knees": (L.LEFT_KNEE, L.RIGHT_KNEE),
    "feet": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
}
# Plain words for a set-up check that fails, by its metric.
SETUP_WORDS = {
    "torso_tilt_deg": "Lie across the frame - your body should run from one side of the picture to the other",
    "torso_facing_ratio": "Turn to face the camera - lie on your side with your chest towards it",
}


@dataclass(frozen=True)
class Problem:
    code: str  # a set-up warning code: no_person, out_of_frame, low_visibility, setup_mismatch, camera_view
    text: str


def frame_level(image_bgr: np.ndarray) -> float:
    """Mean grey level (0-255) of a frame, from a small copy (cheap enough for every frame)."""
    small = cv2.resize(image_bgr, (64, 36), interpolation=cv2.INTER_AREA)
    return float(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).mean())


def find_problems(
    exercise: Exercise,
    level: float | None,
    image: np.ndarray | None,
    visibility: np.ndarray | None,
    m: FrameMetrics,
) -> list[Problem]:
    """What stops counting from starting, most basic first (the first one is what to fix now).

    ``level`` is the frame's brightness (None: no pixels, as when replaying a track)."""
    problems = []
    if level is not None and level < DARK_LEVEL:
        problems.append(Problem("low_visibility", "It is too dark - turn on a light or face a window"))
    if image is None or visibility is None:
        problems.append(Problem("no_person", f"Can't see you. {exercise.setup_hint}"))
        return problems
    xy = image[:, :2]
    outside = {
        part: bool(np.any((xy[list(idx)] < -IN_FRAME_MARGIN) | (xy[list(idx)] > 1 + IN_FRAME_MARGIN)))
        for part, idx in KEY_JOINTS.items()
    }
    joints = xy[[i for idx in KEY_JOINTS.values() for i in idx]]
    left_cut = np.any(joints[:, 0] < -IN_FRAME_MARGIN)
    right_cut = np.any(joints[:, 0] > 1 + IN_FRAME_MARGIN)
    if left_cut and right_cut:
        problems.append(
            Problem("out_of_frame", "Too close - move the camera further away so your whole body fits")
        )
    elif any(outside.values()):
        parts = [p for p, out in outside.items() if out]
        what = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        verb = "is" if what == "head" else "are"
        problems.append(
            Problem("out_of_frame", f"Your {what} {verb} out of the frame - move the camera back or turn it")
        )
    span = float(np.max(np.ptp(np.clip(joints, 0.0, 1.0), axis=0)))
    if span < TOO_FAR_SPAN:
        problems.append(Problem("camera_view", "Too far away - come closer so your body fills the frame"))
    for check in exercise.setup:
        value, conf = m.values.get(check.metric), m.confidence.get(check.metric, 0.0)
        if value is None or math.isnan(value) or conf < CONFIDENT or not check.passes(value):
            problems.append(Problem("setup_mismatch", SETUP_WORDS.get(check.metric, exercise.setup_hint)))
            break
    if visibility[L.NOSE] < CONFIDENT:
        problems.append(Problem("low_visibility", "Turn your face towards the camera"))
    if m.values.get("body_visibility", 1.0) < CONFIDENT:
        problems.append(
            Problem(
                "low_visibility",
                "Your body is hard to see - add light and avoid clothes the colour of the floor",
            )
        )
    return problems


class GateState(str, Enum):
    WAITING = "waiting"  # something to fix first
    HOLDING = "holding"  # in position; waiting for it to be held still
    COUNTDOWN = "countdown"
    GO = "go"


class StartGate:
    """Counting starts only once nothing needs fixing and the start position is held still for
    ``hold_s``, then after a ``countdown_s`` countdown (0 for a recording, which cannot wait)."""

    def __init__(self, exercise: Exercise, countdown_s: float = COUNTDOWN_S, hold_s: float = START_HOLD_S):
        self.countdown_s, self.hold_s = countdown_s, hold_s
        # Still means each primary signal moves less than the engine itself would take for the
        # start of a rep (or than the gap between entering and leaving a hold). A tighter band
        # mistakes the pose model's slow wander at rest (8 degrees peak to peak in the clam's
        # thigh opening from a floor-level camera) for movement, and the set never starts.
        self._signals: list[tuple[str, float]] = []
        if exercise.reps:
            self._signals.append((exercise.reps.signal, exercise.reps.start_rise))
        if exercise.hold:
            self._signals.append((exercise.hold.signal, exercise.hold.enter - exercise.hold.exit))
        self.state = GateState.WAITING
        self.problem: Problem | None = None
        self._window: deque[tuple[float, list[float]]] = deque()
        self._countdown_from: float | None = None
        self._problem_since: float | None = None

    def reset(self) -> None:
        self.state, self.problem, self._countdown_from = GateState.WAITING, None, None
        self._problem_since = None
        self._window.clear()

    def _still(self, t_s: float, m: FrameMetrics) -> bool:
        values = []
        for name, _ in self._signals:
            v = m.values.get(name, math.nan)
            if m.confidence.get(name, 0.0) < CONFIDENT or math.isnan(v):
                self._window.clear()
                return False
            values.append(v)
        self._window.append((t_s, values))
        while t_s - self._window[0][0] > self.hold_s:
            self._window.popleft()
        if t_s - self._window[0][0] < 0.9 * self.hold_s - 1e-6:
            return False
        spread = np.ptp(np.array([v for _, v in self._window]), axis=0)
        return all(s <= tol for s, (_, tol) in zip(spread, self._signals, strict=True))

    def update(self, t_s: float, problems: list[Problem], m: FrameMetrics) -> GateState:
        if self.state is GateState.GO:
            return self.state
        self.problem = problems[0] if problems else None
        if problems:
            self._problem_since = t_s if self._problem_since is None else self._problem_since
            if self.state is GateState.WAITING or t_s - self._problem_since >= PROBLEM_DEBOUNCE_S:
                self.state, self._countdown_from = GateState.WAITING, None
                self._window.clear()
            return self.state
        self._problem_since = None
        still = self._still(t_s, m)
        if self.state is GateState.COUNTDOWN and not still:
            self.state, self._countdown_from = GateState.HOLDING, None
        elif self.state in (GateState.WAITING, GateState.HOLDING):
            self.state = GateState.HOLDING
            if still:
                self.state, self._countdown_from = GateState.COUNTDOWN, t_s
        if self.state is GateState.COUNTDOWN and t_s - self._countdown_from >= self.countdown_s:
            self.state = GateState.GO
        return self.state

    def seconds_left(self, t_s: float) -> int:
        """The number to show during the countdown."""
        if self._countdown_from is None:
            return 0
        return max(1, math.ceil(self.countdown_s - (t_s - self._countdown_from)))
