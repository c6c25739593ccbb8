"""Getting ready for a live set: the start position held still and a short countdown before
anything is counted. What to fix first comes from the engine's own set-up check
(``engine.setup.frame_problems``), so live guidance and the scorecard's warnings say the same.
"""

from __future__ import annotations

import math
from collections import deque
from enum import Enum

import cv2
import numpy as np

from formcheck.engine import FrameMetrics
from formcheck.engine.rules import CONFIDENT
from formcheck.engine.setup import Problem
from formcheck.exercises import Exercise

# How long the start position must be held still before the countdown, and the default countdown.
START_HOLD_S = 1.0
COUNTDOWN_S = 3.0
# A set-up problem must last this long before it interrupts the start position: one frame of a
# foot at the edge (common after a burst of dropped frames) is not a reason to start over.
PROBLEM_DEBOUNCE_S = 0.3


def frame_level(image_bgr: np.ndarray) -> float:
    """Mean grey level (0-255) of a frame, from a small copy (cheap enough for every frame)."""
    small = cv2.resize(image_bgr, (64, 36), interpolation=cv2.INTER_AREA)
    return float(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).mean())


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
