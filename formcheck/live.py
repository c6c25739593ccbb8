"""Live form checking: a webcam (or a video played like one) in; an overlay, cues and a session
scorecard out.

The same engine and exercise definitions as ``analyze`` run frame by frame behind a start gate
(set-up guidance, the start position held, a countdown). The scorecard is written after every
rep and hold, so a crash, Ctrl-C, a closed window or an unplugged camera loses nothing counted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Protocol

import numpy as np

from formcheck.capture import Captured, LatestFrame
from formcheck.engine import Event, ExerciseEngine, FrameMetrics, HoldEnded, RepCompleted, Warning
from formcheck.exercises import Exercise
from formcheck.feedback import Coach, Cue, CueKind, Speaker
from formcheck.kinematics import Side, side_from_votes, side_votes
from formcheck.overlay import AMBER, GREEN, WHITE, DisplayState, LivePanel, draw_frame, draw_live_panel
from formcheck.pipeline import LiveFrame, LiveMeasurer
from formcheck.pose import Landmark as L
from formcheck.pose import PoseTrack, SourceInfo, TrackReplayEstimator
from formcheck.readiness import GateState, Problem, StartGate, find_problems, frame_level
from formcheck.scorecard import ExerciseSet, Scorecard
from formcheck.sources import Frame

# The frames a new set's engine is primed with: the start position just held still, so it knows
# the resting level and the set-up is already confirmed when counting starts.
PRIME_S = 1.0
# A camera that sends nothing for this long has stopped (unplugged, or taken by another program).
STALL_S = 5.0
# The head at the other end of the frame for this long, in the start position, is a side switch.
SWITCH_S = 2.0
# The side on top is voted over this much of the recent past.
SIDE_WINDOW_S = 2.0
# The head's end of the frame counts only when this share of recent frames agree on it.
HEAD_AGREEMENT = 0.8


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


class SideWatch:
    """Which side is on top, over the last few seconds.

    The side is voted from MediaPipe's left/right labels, as offline. A real switch of sides also
    moves the head to the other end of the frame (for someone facing the camera), which a mere
    swap of labels does not - so switches are judged by the head.
    """

    def __init__(self, window_s: float = SIDE_WINDOW_S):
        self.window_s = window_s
        # per frame with a person: (t_s, side vote, head end or None when the face is not seen)
        self._frames: deque[tuple[float, float, float | None]] = deque()

    def update(self, t_s: float, image: np.ndarray | None, visibility: np.ndarray | None) -> None:
        if image is not None and visibility is not None:
            vote = float(side_votes(image[None], visibility[None])[0])
            hip_x = (image[L.LEFT_HIP, 0] + image[L.RIGHT_HIP, 0]) / 2
            head = float(np.sign(image[L.NOSE, 0] - hip_x)) if visibility[L.NOSE] >= 0.5 else None
            self._frames.append((t_s, vote, head))
        while self._frames and t_s - self._frames[0][0] > self.window_s:
            self._frames.popleft()

    @property
    def side(self) -> Side | None:
        return side_from_votes(sum(vote for _, vote, _ in self._frames))

    @property
    def head_end(self) -> int | None:
        """+1 when the head is at the right of the frame, -1 at the left, None when unclear."""
        ends = [head for _, _, head in self._frames if head is not None]
        if len(ends) < 3:
            return None
        mean = sum(ends) / len(ends)
        if abs(mean) < 2 * HEAD_AGREEMENT - 1:
            return None
        return 1 if mean > 0 else -1


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

    def to_dict(self, now: float, ended_by: EndReason | None) -> dict:
        return {
            "ended_by": None if ended_by is None else ended_by.value,
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


class LiveSession:
    """The live session's state: the start gate, the current set's engine, the finished sets,
    the cues, and the scorecard written to ``out_dir`` after every rep or hold."""

    def __init__(
        self,
        exercise: Exercise,
        measurer: LiveMeasurer,
        source: SourceInfo,
        out_dir: Path | None,
        side: Side | None = None,
        countdown_s: float = 3.0,
        speaker: Speaker | None = None,
        debug: bool = False,
        clock: Callable[[], float] = time.monotonic,
        notify: Callable[[str], None] = lambda _text: None,
    ):
        self.exercise, self.measurer, self.source, self.out_dir = exercise, measurer, source, out_dir
        self.fixed_side, self.debug, self.clock, self.notify = side, debug, clock, notify
        self.gate = StartGate(exercise, countdown_s)
        self.side_watch = SideWatch()
        self.coach = Coach(on_cue=(lambda cue: speaker.say(cue.text)) if speaker is not None else None)
        self.display = DisplayState()
        self.stats = LiveStats(clock())
        self.sets: list[ExerciseSet] = []
        self.finished_warnings: list[Warning] = []
        self.engine: ExerciseEngine | None = None
        self.set_side: Side | None = None
        self.set_start_s = 0.0
        self._set_head_end: int | None = None
        self._switch_since: float | None = None
        self._switched = False
        self._primer: deque[FrameMetrics] = deque()
        self._last_countdown: int | None = None
        self._countdowns = 0
        self._last_problem: Problem | None = None
        self.paused = False
        self._resume_cut = False
        self.last_t_s = 0.0
        self.ended: EndReason | None = None

    # -- which side ------------------------------------------------------------------------------
    @property
    def side(self) -> Side:
        return self.fixed_side or self.set_side or self.side_watch.side or Side.RIGHT

    @property
    def set_index(self) -> int:
        return len(self.sets) + 1

    # -- one frame ---------------------------------------------------------------------------------
    def step(self, frame: Captured) -> LiveFrame | None:
        """Measure one frame and run it through the gate or the engine; None while paused."""
        if self.paused:
            return None
        t = frame.t_s
        self.last_t_s = t
        started = self.clock()
        live = self.measurer.measure(frame.image, frame.index, t, self.side)
        self.stats.recent_pose_ms.append(1000 * (self.clock() - started))
        self.stats.processed += 1
        self.stats.with_pose += live.pose.has_pose
        m = live.metrics
        if self._resume_cut:
            m, self._resume_cut = replace(m, cut=True), False
        self.side_watch.update(t, live.image, live.visibility)
        set_ended = False
        if self.engine is None:
            events = self._get_ready(frame, live, m)
        elif self._sides_switched(m):
            events, set_ended, self._switched = self._end_set(t), True, True
            self.notify(f"Side switch: set {self.set_index - 1} ended; get ready for set {self.set_index}.")
        else:
            events = self.engine.update(m)
        self.display.apply(t, events)
        self.display.blind = self.engine.blind_metrics if self.engine is not None else frozenset()
        self.display.cue = self.coach.apply(t, self.exercise, events)
        if set_ended or any(isinstance(e, (RepCompleted, HoldEnded)) for e in events):
            self.save()
        return live

    def _get_ready(self, frame: Captured, live: LiveFrame, m: FrameMetrics) -> list[Event]:
        t = m.t_s
        self._primer.append(m)
        while t - self._primer[0].t_s > PRIME_S:
            self._primer.popleft()
        level = None if frame.image is None else frame_level(frame.image)
        problems = find_problems(self.exercise, level, live.image, live.visibility, m)
        before = self.gate.state
        state = self.gate.update(t, problems, m)
        self._last_problem = problems[0] if problems else None
        cues = []
        if self._last_problem is not None:
            cues.append(Cue(self._last_problem.text, CueKind.SETUP, key=f"problem:{self._last_problem.code}"))
        else:
            self.coach.retract("problem:")  # fixed: stop showing it
            if state is GateState.HOLDING and before is GateState.WAITING:
                cues.append(Cue("Hold still in the start position", CueKind.INFO, key="hold-still"))
        if state is GateState.COUNTDOWN:
            if before is not GateState.COUNTDOWN:
                self._countdowns += 1  # a countdown that starts over is said again
            n = self.gate.seconds_left(t)
            if n != self._last_countdown:
                cues.append(Cue(str(n), CueKind.SETUP, key=f"countdown{self._countdowns}:{n}"))
            self._last_countdown = n
        else:
            self._last_countdown = None
        self.coach.offer(t, cues)
        if state is not GateState.GO:
            return []
        return self._start_set(t)

    def _start_set(self, t_s: float) -> list[Event]:
        if self.fixed_side is not None:
            side = self.fixed_side
        elif self._switched and self.sets and self.side_watch.side is None:
            side = Side(self.sets[-1].side).other  # the head moved ends, the labels can't tell
        else:
            side = self.side_watch.side or Side.RIGHT
        # The set starts with the start position it was primed with (a hold may already be on).
        self.set_side, self.set_start_s = side, self._primer[0].t_s if self._primer else t_s
        self._set_head_end, self._switch_since, self._switched = self.side_watch.head_end, None, False
        self.engine = ExerciseEngine(self.exercise)
        self.display = DisplayState()
        self.coach.offer(t_s, [Cue(f"Go! Set {self.set_index}, {side.value} side", CueKind.SETUP, key="go")])
        self.notify(f"Counting set {self.set_index} ({side.value} side).")
        events: list[Event] = []
        for m in self._primer:  # the start position just held: rest level, set-up confirmed
            events += self.engine.update(m)
        self._primer.clear()
        return events

    def _sides_switched(self, m: FrameMetrics) -> bool:
        if self.fixed_side is not None or self._set_head_end is None:
            return False
        head = self.side_watch.head_end
        in_position = m.has_pose and not self.engine.setup.failed_checks(m)
        if head is None or head == self._set_head_end or not in_position:
            self._switch_since = None
            return False
        self._switch_since = m.t_s if self._switch_since is None else self._switch_since
        return m.t_s - self._switch_since >= SWITCH_S

    def _end_set(self, t_s: float) -> list[Event]:
        """Close the current set (an open hold ends, an unfinished rep is dropped) and get ready
        for the next one."""
        events = self.engine.finish()
        self.sets.append(self._current_set(t_s))
        self.finished_warnings += self.engine.warnings
        self.engine, self.set_side = None, None
        self.gate.reset()
        self._primer.clear()
        return events

    def _current_set(self, end_s: float) -> ExerciseSet:
        return ExerciseSet(
            self.set_index,
            self.set_side.value,
            list(self.engine.reps),
            list(self.engine.holds),
            round(self.set_start_s, 2),
            round(end_s, 2),
        )

    # -- keys --------------------------------------------------------------------------------------
    def handle_key(self, key: int) -> None:
        if key in (ord("q"), ord("Q"), 27):
            self.ended = EndReason.QUIT
        elif key == ord(" "):
            self.toggle_pause()
        elif key in (ord("r"), ord("R")):
            self.restart_set()

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        self.stats.pause(self.clock(), self.paused)
        if self.paused:
            self.notify("Paused.")
            return
        self.measurer.reset()  # nothing is smoothed across the pause
        if self.engine is not None:
            self._resume_cut = True  # an open rep is dropped; the start position must be seen again
        else:
            self.gate.reset()
        self.notify("Resumed.")

    def restart_set(self) -> None:
        """Throw away the current set's reps and start it again from the start position."""
        if self.engine is not None:
            self.notify(f"Set {self.set_index} restarted: its {len(self.engine.reps)} reps are discarded.")
        self.engine, self.set_side = None, None
        self.display = DisplayState()
        self.gate.reset()
        self._primer.clear()
        self.save()

    # -- the scorecard -----------------------------------------------------------------------------
    def scorecard(self) -> Scorecard:
        sets = list(self.sets)
        warnings = list(self.finished_warnings)
        if self.engine is not None:
            sets.append(self._current_set(self.last_t_s))
            warnings += self.engine.warnings
        if not sets and self._last_problem is not None:  # never got going: say why
            warnings.append(Warning(self._last_problem.code, self.last_t_s, self._last_problem.text + "."))
        info = replace(self.source, frames=self.stats.processed)
        side = sets[0].side if sets else self.side.value
        return Scorecard(
            self.exercise.id,
            side,
            info,
            self.stats.with_pose,
            sets,
            warnings,
            self.stats.to_dict(self.clock(), self.ended),
        )

    def save(self) -> Scorecard:
        """Write the scorecard as it stands (kept in memory only when there is no ``out_dir``)."""
        card = self.scorecard()
        if self.out_dir is not None:
            card.write(self.out_dir)
        return card

    def finish(self, reason: EndReason) -> Scorecard:
        """End the session: close the set in progress and write the scorecard one last time."""
        self.ended = self.ended or reason
        if self.engine is not None:
            self.engine.finish()  # an open hold ends now; an unfinished rep is dropped
            self.sets.append(self._current_set(self.last_t_s))
            self.finished_warnings += self.engine.warnings
            self.engine = None
        return self.save()

    # -- drawing -----------------------------------------------------------------------------------
    def draw(self, frame: Captured, live: LiveFrame | None) -> np.ndarray:
        img = frame.image
        t = frame.t_s
        counting = self.engine is not None
        if live is not None:
            draw_frame(
                img,
                t,
                live.image,
                live.visibility,
                live.metrics.values,
                live.metrics.confidence,
                self.side,
                self.exercise.primary_signal,
                f"{self.exercise.name} ({self.side.value})",
                self.display,
            )
        if self.paused:
            panel = LivePanel("Paused - press space to go on", AMBER)
        elif counting:
            panel = LivePanel(f"Set {self.set_index} - {self.side.value} side", GREEN)
        elif self.gate.state is GateState.COUNTDOWN:
            panel = LivePanel("Get ready...", AMBER, countdown=self.gate.seconds_left(t))
        elif self.gate.state is GateState.HOLDING:
            panel = LivePanel("Hold still in the start position", AMBER)
        else:
            problem = self._last_problem.text if self._last_problem else "Getting ready"
            panel = LivePanel(f"Getting ready: {problem}", WHITE)
        if self.debug:
            now = self.clock()
            pose_ms = np.mean(self.stats.recent_pose_ms) if self.stats.recent_pose_ms else 0.0
            p50, p95 = self.stats.latency_ms(50), self.stats.latency_ms(95)
            panel.debug = (
                f"pose+metrics {pose_ms:.0f} ms   {self.stats.fps(now):.1f} fps",
                f"dropped {self.stats.dropped} of {self.stats.captured}",
                f"latency p50 {p50 or 0:.0f} ms  p95 {p95 or 0:.0f} ms",
            )
        return draw_live_panel(img, panel)


# -- displays ----------------------------------------------------------------------------------------


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


# -- running a session ---------------------------------------------------------------------------------


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a closed terminal, a process manager) ends the session like Ctrl-C."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _no_interrupts() -> Iterator[None]:
    """A second Ctrl-C while the last scorecard is written is ignored (the write is quick)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_live(
    frames: Iterable[Frame],
    session: LiveSession,
    display: Display,
    is_camera: bool,
    stall_s: float = STALL_S,
) -> Scorecard:
    """Drive a session until it ends; the scorecard is written whatever ends it."""
    clock = session.clock
    reason = EndReason.FAILED
    try:
        with _terminate_as_interrupt(), LatestFrame(frames, clock) as grabber:
            while session.ended is None:
                frame = grabber.get(timeout_s=0.1)
                session.stats.captured, session.stats.dropped = grabber.captured, grabber.dropped
                if frame is None:
                    if grabber.exhausted:
                        session.ended = EndReason.CAMERA_STOPPED if is_camera else EndReason.SOURCE_ENDED
                    elif clock() - grabber.last_arrival > stall_s:
                        session.ended = EndReason.CAMERA_STOPPED
                    else:
                        key = display.show(None)  # keep the window answering while waiting
                        if key != -1:
                            session.handle_key(key)
                    continue
                live = session.step(frame)
                image = session.draw(frame, live) if display.draws else None
                key = display.show(image)
                session.stats.latencies_ms.append(1000 * (clock() - frame.arrived_at))
                if key != -1:
                    session.handle_key(key)
                if display.closed:
                    session.ended = EndReason.WINDOW_CLOSED
            if grabber.error is not None and session.ended is not EndReason.QUIT:
                session.notify(f"The video source failed: {grabber.error}")
        reason = session.ended
    except _Terminated:
        reason = EndReason.TERMINATED
    except KeyboardInterrupt:
        reason = EndReason.INTERRUPTED
    finally:
        with _no_interrupts():
            display.close()
            card = session.finish(reason)
    return card


def replay_live(track: PoseTrack, exercise: Exercise, side: Side | None = None) -> Scorecard:
    """Score a landmark track through the live pipeline, frame by frame and with no frame dropped:
    causal smoothing, the start gate (no countdown: a recording cannot wait), one engine per set.
    For measuring live mode's accuracy on simulated motion against ``analyze``."""
    info = track.source
    measurer = LiveMeasurer(TrackReplayEstimator(track), info.width, info.height)
    session = LiveSession(exercise, measurer, info, None, side, countdown_s=0.0)
    for index, t_s in enumerate(track.t_s.tolist()):
        session.step(Captured(index, t_s, None, session.clock()))
    return session.finish(EndReason.SOURCE_ENDED)
