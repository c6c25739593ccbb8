"""Live mode's real-time figures: frames captured, processed and dropped, latency, and how the
session ended."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

import numpy as np


class EndReason(str, Enum):
    QUIT = "quit"
    INTERRUPTED = "interrupted"
    TERMINATED = "terminated"
    WINDOW_CLOSED = "window_closed"
    SOURCE_ENDED = "source_ended"
    CAMERA_STOPPED = "camera_stopped"
    FAILED = "failed"

    @property
    def words(self) -> str:
        return {
            "quit": "you pressed q",
            "interrupted": "interrupted (Ctrl-C)",
            "terminated": "asked to stop (a stop signal)",
            "window_closed": "the window was closed",
            "source_ended": "the video ended",
            "camera_stopped": "the camera stopped sending frames",
            "failed": "an internal error",
        }[self.value]


@dataclass
class LiveStats:
    """Real-time figures: frames in, processed and dropped, and capture-to-display latency."""

    started_at: float
    processed: int = 0
    with_pose: int = 0
    captured: int = 0
    dropped: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    recent_pose_ms: deque = field(default_factory=lambda: deque(maxlen=30))
    paused_s: float = 0.0
    paused_at: float | None = None

    def pause(self, now: float, paused: bool) -> None:
        if paused:
            self.paused_at = now
        elif self.paused_at is not None:
            self.paused_s, self.paused_at = self.paused_s + now - self.paused_at, None

    def active_s(self, now: float) -> float:
        """Time spent processing frames: the session minus its pauses."""
        pausing = now - self.paused_at if self.paused_at is not None else 0.0
        return now - self.started_at - self.paused_s - pausing

    def latency_ms(self, q: float) -> float | None:
        return round(float(np.percentile(self.latencies_ms, q)), 1) if self.latencies_ms else None

    def fps(self, now: float) -> float:
        return self.processed / max(self.active_s(now), 1e-6)

    def to_dict(self, now: float, ended_by: str | None) -> dict:
        return {
            "ended_by": ended_by,
            "duration_s": round(now - self.started_at, 2),
            "frames_captured": self.captured,
            "frames_processed": self.processed,
            "frames_dropped": self.dropped,
            "processed_fps": round(self.fps(now), 2),
            "latency_ms": {"p50": self.latency_ms(50), "p95": self.latency_ms(95)},
        }

    def line(self, now: float) -> str:
        dropped_pct = 100 * self.dropped / max(self.captured, 1)
        p50, p95 = self.latency_ms(50), self.latency_ms(95)
        latency = "n/a" if p50 is None else f"p50 {p50:.0f} ms, p95 {p95:.0f} ms"
        return (
            f"{self.processed} frames processed at {self.fps(now):.1f} fps, {self.dropped} dropped "
            f"({dropped_pct:.1f}%), capture-to-display latency {latency}"
        )
