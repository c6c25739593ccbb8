"""Drawing on frames: skeleton, measured angles by the joints, rep counter, score, hold timer, fault banner.

Kept apart from the data: it reads landmarks, metric values and a small display state, and draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from formcheck.engine import Event, HoldEnded, HoldStarted, RepCompleted
from formcheck.exercises import Exercise
from formcheck.feedback import NO_GOAL, Cue, CueKind, Goal
from formcheck.kinematics import Side
from formcheck.pose import SKELETON, Landmark

GREEN, RED, WHITE, BLACK, AMBER = (80, 200, 80), (40, 40, 230), (255, 255, 255), (0, 0, 0), (0, 190, 255)
GREY = (128, 128, 128)
# The banner's colour says what kind of cue it is.
CUE_COLORS = {
    CueKind.FAULT: RED,
    CueKind.SETUP: (0, 140, 220),
    CueKind.GOAL: (60, 140, 60),
    CueKind.PRAISE: (60, 140, 60),
    CueKind.TIME: (90, 90, 90),
    CueKind.INFO: (90, 90, 90),
}
NOTE_COLOR = (40, 40, 40)  # the note's line, above the cue's (DisplayState.note)


@dataclass
class DisplayState:
    """What the overlay shows: counters updated from the engine's events, and the coach's cue."""

    reps: int = 0
    last_score: int | None = None
    hold_start_s: float | None = None
    holds: int = 0
    cue: Cue | None = None
    note: Cue | None = None  # what the camera cannot check, on its own line (Coach.note)
    blind: frozenset[str] | set[str] = frozenset()  # measures the camera can't see: not drawn as numbers
    goal: Goal = NO_GOAL  # shown beside the counters ("reps 4/15")

    def apply(self, t_s: float, events: list[Event]) -> None:
        for e in events:
            if isinstance(e, RepCompleted):
                self.reps, self.last_score = e.rep.index, e.rep.score
            elif isinstance(e, HoldStarted):
                self.hold_start_s = t_s
            elif isinstance(e, HoldEnded):
                self.hold_start_s, self.holds, self.last_score = None, e.hold.index, e.hold.score


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, color, thickness: int = 1) -> None:
    """Text with a dark outline, readable on any background. The outline is the same text shifted
    a pixel each way, not a thicker stroke: OpenCV 5 widens the letters of a thicker stroke, and
    the two layers drifted apart into unreadable doubled text."""
    x, y = org
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)):
        cv2.putText(
            img, text, (x + dx, y + dy), cv2.FONT_HERSHEY_SIMPLEX, scale, BLACK, thickness, cv2.LINE_AA
        )
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thickness, cv2.LINE_AA)


def draw_frame(
    img: np.ndarray,
    t_s: float,
    image_landmarks: np.ndarray | None,
    visibility: np.ndarray | None,
    values: dict[str, float],
    confidence: dict[str, float],
    side: Side,
    exercise: Exercise,
    state: DisplayState,
) -> np.ndarray:
    """Draw everything on ``img`` in place and return it: the skeleton, the exercise's measures
    beside their joints (its [overlay]) and its rep or hold signal, and the counters."""
    signal, title = exercise.primary_signal, f"{exercise.name} ({side.value})"
    h, w = img.shape[:2]
    scale = max(0.45, min(w, h) / 720)
    thick = max(1, int(round(scale * 2)))
    if image_landmarks is not None:
        pts = (image_landmarks[:, :2] * [w, h]).astype(int)
        vis = visibility if visibility is not None else np.ones(len(pts))
        working = side.value.upper()
        for a, b in SKELETON:
            color = AMBER if a.name.startswith(working) and b.name.startswith(working) else WHITE
            if min(vis[a], vis[b]) < 0.3:
                color = GREY
            cv2.line(img, tuple(pts[a]), tuple(pts[b]), color, thick, cv2.LINE_AA)
        for i in range(11, 33):
            cv2.circle(img, tuple(pts[i]), thick + 1, GREEN if vis[i] >= 0.5 else GREY, -1)
        for j in exercise.overlay:
            if j.metric not in values:
                continue
            x, y = pts[Landmark[f"{working}_{j.joint.upper()}"]]
            at = (x + 8, y - 8)
            if j.metric in state.blind:
                _text(img, f"{j.label} unseen", at, 0.5 * scale, GREY)
            elif confidence.get(j.metric, 0) >= 0.5:
                _text(img, f"{j.label} {values[j.metric]:.0f}", at, 0.5 * scale, WHITE)
        if signal and confidence.get(signal, 0) >= 0.5:
            ankle = pts[Landmark[f"{working}_ANKLE"]]
            unit = "" if signal.endswith("ratio") else " deg"
            _text(img, f"{values[signal]:.1f}{unit}", (ankle[0] + 8, ankle[1] + 20), 0.5 * scale, AMBER)
    bar = int(34 * scale)
    cv2.rectangle(img, (0, 0), (w, bar), BLACK, -1)
    goal = state.goal
    header = f"{title}   reps {state.reps}" + (f"/{goal.reps}" if goal.reps else "")
    if state.hold_start_s is not None:
        header += f"   hold {t_s - state.hold_start_s:4.1f}" + (f"/{goal.hold_s:g}s" if goal.hold_s else "s")
    elif state.holds:
        header += f"   holds {state.holds}"
    if state.last_score is not None:
        header += f"   last score {state.last_score}"
    _text(img, header, (8, int(bar * 0.72)), 0.6 * scale, WHITE)
    if state.cue is not None:
        cv2.rectangle(img, (0, h - bar - 6), (w, h), CUE_COLORS[state.cue.kind], -1)
        _text(img, state.cue.text, (8, h - int(bar * 0.3)), 0.7 * scale, WHITE, thick)
    if state.note is not None:
        cv2.rectangle(img, (0, h - 2 * bar - 6), (w, h - bar - 6), NOTE_COLOR, -1)
        _text(img, state.note.text, (8, h - bar - 6 - int(bar * 0.3)), 0.5 * scale, WHITE)
    return img


KEYS_HELP = "q quit   space pause   r restart set"


@dataclass
class LivePanel:
    """The live window's extra lines: what is happening now, the countdown, the keys, debug figures."""

    status: str
    status_color: tuple[int, int, int] = WHITE
    countdown: int | None = None
    keys: str = KEYS_HELP
    debug: tuple[str, ...] = ()
    note_shown: bool = False  # the keys then go above the note's line


def draw_live_panel(img: np.ndarray, panel: LivePanel) -> np.ndarray:
    """Draw the live status under the header bar, a big countdown, the keys and any debug lines."""
    h, w = img.shape[:2]
    scale = max(0.45, min(w, h) / 720)
    bar = int(34 * scale)
    cv2.rectangle(img, (0, bar), (w, 2 * bar), (40, 40, 40), -1)
    _text(img, panel.status, (8, bar + int(bar * 0.72)), 0.6 * scale, panel.status_color)
    if panel.countdown is not None:
        text = str(panel.countdown)
        size = 4.0 * scale
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, 8)
        _text(img, text, ((w - tw) // 2, (h + th) // 2), size, AMBER, 6)
    if panel.keys:
        (tw, _), _ = cv2.getTextSize(panel.keys, cv2.FONT_HERSHEY_SIMPLEX, 0.45 * scale, 1)
        bottom = h - (2 * bar if panel.note_shown else bar)
        _text(img, panel.keys, (w - tw - 8, bottom - 14), 0.45 * scale, WHITE)
    for i, line in enumerate(panel.debug):
        _text(img, line, (8, 2 * bar + int(22 * scale) * (i + 1)), 0.45 * scale, AMBER)
    return img
