"""The live display: what a live frame looks like, and the window (or none) it is shown in."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Protocol

import numpy as np

from formcheck.livestats import LiveStats
from formcheck.overlay import AMBER, GREEN, WHITE, LivePanel, draw_frame, draw_live_panel
from formcheck.pipeline import LiveFrame
from formcheck.readiness import GateState
from formcheck.session import SessionMachine


def live_panel(machine: SessionMachine, t_s: float, paused: bool) -> LivePanel:
    """The status line: what is happening now, in the session's words."""
    if paused:
        return LivePanel("Paused - press space to go on", AMBER)
    if machine.counting:
        return LivePanel(f"Set {machine.set_index} - {machine.side.value} side", GREEN)
    if machine.gate.state is GateState.COUNTDOWN:
        return LivePanel("Get ready...", AMBER, countdown=machine.gate.seconds_left(t_s))
    if machine.gate.state is GateState.HOLDING:
        return LivePanel("Hold still in the start position", AMBER)
    problem = machine.last_problem.text if machine.last_problem else "Getting ready"
    return LivePanel(f"Getting ready: {problem}", WHITE)


def draw_live(
    image: np.ndarray,
    t_s: float,
    live: LiveFrame | None,
    machine: SessionMachine,
    paused: bool,
    stats: LiveStats | None = None,
    now: float = 0.0,
) -> np.ndarray:
    """Skeleton, angles and counters over ``image``, the status line, and (given ``stats``) the
    debug figures."""
    exercise, side = machine.exercise, machine.side
    if live is not None:
        draw_frame(
            image,
            t_s,
            live.image,
            live.visibility,
            live.metrics.values,
            live.metrics.confidence,
            side,
            exercise,
            machine.display,
        )
    panel = live_panel(machine, t_s, paused)
    panel.note_shown = machine.display.note is not None
    if stats is not None:
        pose_ms = np.mean(stats.recent_pose_ms) if stats.recent_pose_ms else 0.0
        p50, p95 = stats.latency_ms(50), stats.latency_ms(95)
        panel.debug = (
            f"pose+metrics {pose_ms:.0f} ms   {stats.fps(now):.1f} fps",
            f"dropped {stats.dropped} of {stats.captured}",
            f"latency p50 {p50 or 0:.0f} ms  p95 {p95 or 0:.0f} ms",
        )
    return draw_live_panel(image, panel)


class Display(Protocol):
    draws: bool  # whether frames are drawn for it at all

    def show(self, image: np.ndarray | None) -> int: ...  # the key pressed, or -1

    @property
    def closed(self) -> bool: ...

    def close(self) -> None: ...


class NoWindow:
    """Headless: nothing is drawn or shown (Ctrl-C ends the session)."""

    draws = False
    closed = False

    def show(self, image: np.ndarray | None) -> int:
        return -1

    def close(self) -> None:
        pass


class NoDisplayError(RuntimeError):
    pass


class Window:
    """An OpenCV window; its keys drive the session."""

    draws = True

    def __init__(self, title: str = "formcheck"):
        if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        ):
            raise NoDisplayError("no display to open a window on")
        import cv2

        self._cv2, self.title = cv2, title
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)
        self._shown = False

    def show(self, image: np.ndarray | None) -> int:
        if image is not None:
            self._cv2.imshow(self.title, image)
            self._shown = True
        key = self._cv2.waitKey(1)
        return key & 0xFF if key != -1 else -1

    @property
    def closed(self) -> bool:
        return self._shown and self._cv2.getWindowProperty(self.title, self._cv2.WND_PROP_VISIBLE) < 1

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._cv2.destroyWindow(self.title)
            self._cv2.waitKey(1)
