"""Live form checking: a webcam (or a video played like one) in; an overlay, cues and a session
scorecard out.

The runner. A frame's path, once and in order: the capture thread hands over the newest frame;
``LiveSession.step`` measures it (pose, smoothing, metrics) and gives it to the session's state
machine (``session.py``: start gate, engine, side switches), is drawn (``display.py``), and the
scorecard is saved when a rep or a hold finished, with a picture of each shortcut from the frames
drawn (``stills.py``); the window shows it; a key pressed becomes a call on the session.
The same engine and exercise definitions as ``analyze`` count the reps, and a crash, Ctrl-C, a
closed window or an unplugged camera loses nothing counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np

import formcheck.charts  # noqa: F401 - matplotlib loaded before the first frame, not in a rep's save (0.35 s)
from formcheck.capture import Captured, LatestFrame
from formcheck.display import Display, draw_live
from formcheck.engine import ExerciseEngine
from formcheck.exercises import Exercise
from formcheck.feedback import NO_GOAL, Coach, Goal, Speaker
from formcheck.interrupts import Terminated, no_interrupts, terminate_as_interrupt
from formcheck.kinematics import Side
from formcheck.livestats import EndReason, LiveStats
from formcheck.pipeline import LiveFrame, LiveMeasurer
from formcheck.pose import PoseTrack, SourceInfo, TrackReplayEstimator
from formcheck.readiness import frame_level
from formcheck.scorecard import Scorecard
from formcheck.session import SessionMachine, Step
from formcheck.sources import Frame
from formcheck.stills import RecentStills

# A camera that sends nothing for this long has stopped (unplugged, or taken by another program).
STALL_S = 5.0


class LiveSession:
    """A live session wired up: each frame measured once, taken by the session's state machine,
    counted in the statistics, and drawn when there is a window to show it; the scorecard written
    to ``out_dir`` whenever the machine says a rep, a hold or a set finished, its report with a
    picture of each shortcut as the window showed it. Keys become the machine's calls."""

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
        goal: Goal = NO_GOAL,
    ):
        self.exercise, self.measurer, self.source, self.out_dir = exercise, measurer, source, out_dir
        self.debug, self.clock, self.notify = debug, clock, notify
        self.stills = RecentStills()
        coach = Coach(on_cue=(lambda cue: speaker.say(cue.text)) if speaker is not None else None)
        self.machine = SessionMachine(exercise, side, countdown_s, coach, goal)
        self.stats = LiveStats(clock())
        self.paused = False
        self.ended: EndReason | None = None

    @property
    def engine(self) -> ExerciseEngine | None:
        return self.machine.engine

    # -- one frame: measure, step, count, draw, save ------------------------------------------------
    def step(self, frame: Captured, draw: bool = False) -> np.ndarray | None:
        """Measure one frame (not while paused), run it through the session and, for a window,
        ``draw`` it; the picture to show (None undrawn)."""
        live, result = self._measure(frame) if not self.paused else (None, Step())
        image = None
        if draw and frame.image is not None:
            stats = self.stats if self.debug else None
            image = draw_live(frame.image, frame.t_s, live, self.machine, self.paused, stats, self.clock())
            self.stills.offer(frame.t_s, image)
        if result.save:
            self.save()
        return image

    def _measure(self, frame: Captured) -> tuple[LiveFrame, Step]:
        started = self.clock()
        live = self.measurer.measure(frame.image, frame.index, frame.t_s, self.machine.side)
        self.stats.recent_pose_ms.append(1000 * (self.clock() - started))
        self.stats.processed += 1
        self.stats.with_pose += live.pose.has_pose
        # brightness matters only while getting ready (it can be what stops a set starting)
        getting_ready = not self.machine.counting and frame.image is not None
        result = self.machine.step(live, frame_level(frame.image) if getting_ready else None)
        # A held plank's stacking is read against the hold's start (LiveMeasurer), from the next frame.
        timer = self.engine.hold_timer if self.engine is not None else None
        self.measurer.hold_from(timer.start_s if timer is not None and timer.active else None)
        for note in result.notes:
            self.notify(note)
        return live, result

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
        self.machine.resume()
        self.notify("Resumed.")

    def restart_set(self) -> None:
        note = self.machine.restart_set()
        if note:
            self.notify(note)
        self.save()

    # -- the scorecard -----------------------------------------------------------------------------
    def scorecard(self) -> Scorecard:
        sets, warnings = self.machine.results()
        info = replace(self.source, frames=self.stats.processed)
        side = sets[0].side if sets else self.machine.side.value
        live = self.stats.to_dict(self.clock(), None if self.ended is None else self.ended.value)
        if self.machine.goal != NO_GOAL:
            live["goal"] = self.machine.goal.to_dict()
        return Scorecard(self.exercise.id, side, info, self.stats.with_pose, sets, warnings, live)

    def save(self) -> Scorecard:
        """Write the scorecard as it stands (kept in memory only when there is no ``out_dir``)."""
        card = self.scorecard()
        if self.out_dir is not None:
            card.write(self.out_dir, self.stills.pictures)
        return card

    def finish(self, reason: EndReason) -> Scorecard:
        """End the session: close the set in progress and write the scorecard one last time."""
        self.ended = self.ended or reason
        self.machine.finish()
        return self.save()


# -- running a session ---------------------------------------------------------------------------------


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
        with terminate_as_interrupt(), LatestFrame(frames, clock) as grabber:
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
                key = display.show(session.step(frame, display.draws))
                session.stats.latencies_ms.append(1000 * (clock() - frame.arrived_at))
                if key != -1:
                    session.handle_key(key)
                if display.closed:
                    session.ended = EndReason.WINDOW_CLOSED
            if grabber.error is not None and session.ended is not EndReason.QUIT:
                session.notify(f"The video source failed: {grabber.error}")
        reason = session.ended
    except Terminated:
        reason = EndReason.TERMINATED
    except KeyboardInterrupt:
        reason = EndReason.INTERRUPTED
    finally:
        with no_interrupts():
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
