"""The pipelines: frames -> landmarks -> smoothed -> metrics -> engine events.

Offline, inference (``extract_track``) is separate from scoring (``analyze_track``), so a saved
track is re-scored without running MediaPipe again. Live (``LiveMeasurer``), each frame goes
through the same metrics one at a time, with causal smoothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from formcheck.engine import Event, ExerciseEngine, FrameMetrics
from formcheck.errors import FormcheckError
from formcheck.exercises import Exercise
from formcheck.filters import MAX_GAP_S, jumped, make_smoother, scene_cuts
from formcheck.kinematics import (
    SetView,
    Side,
    camera_yaw_deg,
    face_turn_deg,
    facing_elevation_deg,
    knee_rise_ratio,
    side_from_votes,
    side_votes,
    stack_ratio,
)
from formcheck.metrics import MetricSeries, compute_metrics
from formcheck.pose import PoseEstimator, PoseFrame, PoseTrack, SourceInfo
from formcheck.pose.spool import SpooledTrack


def extract_track(
    frames: Iterable[tuple[int, float, np.ndarray]],
    info: SourceInfo,
    estimator: PoseEstimator,
    on_frame: Callable[[int], None] | None = None,
) -> SpooledTrack:
    """Run pose estimation over every frame of a source. The landmarks go to a spool on disk, so
    an hour-long video does not fill the memory (``track.slice(0, len(track))`` loads them)."""
    track = SpooledTrack(info, {"model": estimator.name})
    for index, t_s, image in frames:
        track.append(estimator.process(image, index, t_s))
        if on_frame is not None:
            on_frame(index)
    if not len(track):
        raise FormcheckError(f"{info.path} has no frames.")
    return track


class Track(Protocol):
    """What the offline analysis reads: a PoseTrack in memory or a SpooledTrack on disk."""

    source: SourceInfo
    meta: dict

    def __len__(self) -> int: ...

    @property
    def t_s(self) -> np.ndarray: ...

    @property
    def has_pose(self) -> np.ndarray: ...

    def slice(self, start: int, stop: int) -> PoseTrack: ...


# Offline analysis reads a recording this many seconds at a time, each chunk smoothed with this
# much of its neighbours on both sides and then trimmed: the zero-phase Butterworth's response
# dies out within half a second, so chunked results equal whole-recording ones, and memory stays
# flat however long the video.
CHUNK_S = 60.0
CHUNK_PAD_S = 5.0


@dataclass(frozen=True)
class SmoothedChunk:
    start: int  # index of the chunk's first frame in the recording
    track: PoseTrack  # the chunk's frames, smoothed
    cuts: np.ndarray


def smoothed_chunks(track: Track) -> Iterator[SmoothedChunk]:
    """The recording zero-phase smoothed, CHUNK_S at a time (one chunk for a short recording)."""
    t = track.t_s
    n = len(t)
    start = 0
    while start < n:
        stop = int(np.searchsorted(t, t[start] + CHUNK_S, side="left")) if n else 0
        stop = max(stop, start + 1) if stop < n else n
        lo = int(np.searchsorted(t, t[start] - CHUNK_PAD_S, side="left"))
        hi = int(np.searchsorted(t, t[stop - 1] + CHUNK_PAD_S, side="right"))
        padded = track.slice(lo, hi)
        cuts = scene_cuts(padded)
        smoothed = make_smoother("offline")(padded, cuts)
        yield SmoothedChunk(start, smoothed.slice(start - lo, stop - lo), cuts[start - lo : stop - lo])
        start = stop


def frame_metrics(
    series: MetricSeries, t_s: np.ndarray, has_pose: np.ndarray, cuts: np.ndarray
) -> list[FrameMetrics]:
    """Split metric arrays into the per-frame records the engine takes."""
    names = list(series.values)
    values = np.stack([series.values[k] for k in names], axis=1).tolist()
    confidence = np.stack([series.confidence[k] for k in names], axis=1).tolist()
    return [
        FrameMetrics(float(t), dict(zip(names, v, strict=True)), dict(zip(names, c, strict=True)), p, cut)
        for t, v, c, p, cut in zip(
            t_s.tolist(), values, confidence, has_pose.tolist(), cuts.tolist(), strict=True
        )
    ]


@dataclass
class AnalysedFrame:
    """One frame as the annotated video draws it."""

    index: int
    t_s: float
    image: np.ndarray | None  # smoothed landmarks, None without a person
    visibility: np.ndarray | None
    metrics: FrameMetrics
    events: list[Event]


@dataclass(frozen=True)
class HoldView:
    """A hold's frames, from the one after it was told (``start``) to the one after it ended
    (``stop``), read against the hold's start position."""

    start: int
    stop: int
    view: SetView


@dataclass
class Analysis:
    """What one analysed recording produced: the engine's reps, holds and warnings, and the events
    of the frames that had any. ``frames()`` replays the smoothed landmarks and metrics chunk by
    chunk (for the annotated video) without keeping them."""

    exercise: Exercise
    side: Side
    track: Track
    view: SetView
    engine: ExerciseEngine
    # frame index -> events (the set's closing events on the last)
    events: dict[int, list[Event]] = field(default_factory=dict)
    hold_views: list[HoldView] = field(default_factory=list)  # in time order

    def _views(self, start: int, stop: int) -> Iterator[tuple[int, int, SetView]]:
        """The stretches of frames ``start`` to ``stop`` and the view each is read against: a
        hold's own within it, the set's elsewhere."""
        cursor = start
        for hold in self.hold_views:
            lo, hi = max(hold.start, cursor), min(hold.stop, stop)
            if lo >= hi:
                continue
            if lo > cursor:
                yield cursor, lo, self.view.frames(cursor, lo)
            yield lo, hi, hold.view.frames(lo, hi)
            cursor = hi
        if cursor < stop:
            yield cursor, stop, self.view.frames(cursor, stop)

    def _metrics(self, chunk: SmoothedChunk, start: int, stop: int) -> list[FrameMetrics]:
        """The metrics of frames ``start`` to ``stop`` (recording indices) of a chunk."""
        source, metrics = self.track.source, []
        for lo, hi, view in self._views(start, stop):
            part = chunk.track.slice(lo - chunk.start, hi - chunk.start)
            series = compute_metrics(
                part.image, part.world, part.visibility, source.width, source.height, self.side, view
            )
            cuts = chunk.cuts[lo - chunk.start : hi - chunk.start]
            metrics += frame_metrics(series, part.t_s, part.has_pose, cuts)
        return metrics

    def _metric_chunks(self) -> Iterator[tuple[SmoothedChunk, list[FrameMetrics]]]:
        for chunk in smoothed_chunks(self.track):
            yield chunk, self._metrics(chunk, chunk.start, chunk.start + len(chunk.track))

    def score(self, hold_view: Callable[[float], SetView | None]) -> None:
        """Run the engine over the recording, keeping the events of the frames that have any.

        From the frame after a hold is told to the one after it ends, the frames are read against
        ``hold_view(the hold's start)`` (None: the set's view), as live mode reads them: the
        recording's medians mix the lying body's stacking, and a turn held through half the plank,
        into the plank's own. So read, 30 deg trunk turns in the simulator's raised side planks
        read 14-16 deg against a 15 limit, and 7 of 16 were missed.
        """
        n = len(self.track)
        for chunk in smoothed_chunks(self.track):
            index, stop = chunk.start, chunk.start + len(chunk.track)
            while index < stop:  # the chunk's frames; measured again from wherever the view changes
                for m in self._metrics(chunk, index, stop):
                    events = self.engine.update(m)
                    if events:
                        self.events[index] = events
                    index += 1
                    if self._switch_view(index, n, hold_view):
                        break
        closing = self.engine.finish()
        if closing:
            self.events.setdefault(n - 1, []).extend(closing)

    def _switch_view(self, index: int, n: int, hold_view: Callable[[float], SetView | None]) -> bool:
        """From frame ``index`` on, a hold's view while the engine's hold is on, and the set's once
        it is off; whether that changed the view."""
        timer = self.engine.hold_timer
        on = timer is not None and timer.active
        open_view = self.hold_views[-1] if self.hold_views and self.hold_views[-1].stop == n else None
        if open_view is not None and not on:
            self.hold_views[-1] = HoldView(open_view.start, index, open_view.view)
            return True
        if on and open_view is None and (view := hold_view(timer.start_s)) is not None:
            self.hold_views.append(HoldView(index, n, view))
            return True
        return False

    def frames(self) -> Iterator[AnalysedFrame]:
        for chunk, metrics in self._metric_chunks():
            sm = chunk.track
            for i, m in enumerate(metrics):
                index = chunk.start + i
                pose = bool(sm.has_pose[i])
                image, vis = (sm.image[i], sm.visibility[i]) if pose else (None, None)
                yield AnalysedFrame(index, m.t_s, image, vis, m, self.events.get(index, []))


def analyze_track(track: Track, exercise: Exercise, side: Side | None = None) -> Analysis:
    """Score a landmark track: zero-phase smoothing, metrics, and the engine frame by frame.

    Two passes over the recording, a chunk at a time: the first finds the working side and the
    camera's view (both judged over the whole recording), the second measures and scores (a hold's
    frames against its start position, once told: Analysis.score).
    """
    n = len(track)
    if n == 0:
        raise FormcheckError(f"{track.source.path} has no frames.")
    votes, elevations, yaws = 0.0, np.full(n, np.nan), np.full(n, np.nan)
    stacks = {joint: np.full(n, np.nan) for joint in ("SHOULDER", "HIP")}
    knee_rises = {s: np.full(n, np.nan) for s in Side}  # the working side is not known yet
    face_turns = np.full(n, np.nan)
    width, height = track.source.width, track.source.height
    for chunk in smoothed_chunks(track):
        sm = chunk.track
        votes += float(np.sum(side_votes(sm.image, sm.visibility)))
        # Both are side-blind: the elevation's sign and the spread are taken as absolute values.
        frames = slice(chunk.start, chunk.start + len(sm))
        elevations[frames] = facing_elevation_deg(sm.world, Side.RIGHT)
        for joint, stack in stacks.items():
            stack[frames] = stack_ratio(sm.image, Side.RIGHT, width, height, joint)
        yaws[frames] = camera_yaw_deg(sm.world)
        for s, rise in knee_rises.items():
            rise[frames] = knee_rise_ratio(sm.image, s, width, height)
        face_turns[frames] = face_turn_deg(sm.image, sm.world, width, height)
    chosen = side or side_from_votes(votes) or Side.RIGHT
    yaws = running_median(yaws, track.t_s, YAW_WINDOW_S)

    def view_of(body: slice) -> SetView:
        """The camera as the whole recording saw it; the body's stacking as frames ``body`` held it."""
        shoulders, hips = stacks["SHOULDER"][body], stacks["HIP"][body]
        return SetView.of(elevations, shoulders, hips, yaws, knee_rises[chosen][body], face_turns[body])

    def hold_view(start_s: float) -> SetView | None:
        """A hold's start position: its first HOLD_VIEW_S (None where no person was seen then)."""
        held = slice(*np.searchsorted(track.t_s, [start_s, start_s + HOLD_VIEW_S], side="left"))
        return view_of(held) if np.any(np.isfinite(stacks["SHOULDER"][held])) else None

    engine = ExerciseEngine(exercise, side_given=side is not None)
    analysis = Analysis(exercise, chosen, track, view_of(slice(None)), engine)
    analysis.score(hold_view)
    return analysis


# The camera's view is judged over this much of the recent past in live mode...
VIEW_WINDOW_S = 10.0
# ...except how far it stands off square-on, which follows a camera moved (or carried round) within
# a recording: a running median over this long, offline centred on the frame, live up to it.
YAW_WINDOW_S = 2.0
# A hold's start position, which live mode reads the body's stacking from while the hold is on: its
# first seconds, which take in the hold's reference (its first second once told, up to a second
# after its start).
HOLD_VIEW_S = 2.0
# The metrics a live set's view is judged from, and the SetView.of argument each one is: the
# camera's elevation first, then the body's own (LiveMeasurer).
VIEW_METRICS = {
    "camera_elevation_deg": "elevation_deg",
    "shoulder_stack_ratio": "shoulder_stack_ratio",
    "pelvis_stack_ratio": "pelvis_stack_ratio",
    "knee_rise_ratio": "knee_rise_ratio",
    "face_turn_deg": "face_turn_deg",
}


def running_median(values: np.ndarray, t_s: np.ndarray, window_s: float) -> np.ndarray:
    """Per frame, the median of the finite values within window_s centred on it (NaN if none)."""
    out = np.full(len(values), np.nan)
    lo = np.searchsorted(t_s, t_s - window_s / 2)
    hi = np.searchsorted(t_s, t_s + window_s / 2, side="right")
    for i, (a, b) in enumerate(zip(lo, hi, strict=True)):
        window = values[a:b]
        if np.any(np.isfinite(window)):
            out[i] = np.nanmedian(window)
    return out


@dataclass
class LiveFrame:
    """One live frame measured: raw and smoothed landmarks, and what the engine sees."""

    pose: PoseFrame
    image: np.ndarray | None  # smoothed (33, 3), None without a person
    world: np.ndarray | None
    visibility: np.ndarray | None
    metrics: FrameMetrics


class LiveMeasurer:
    """The live pipeline up to the engine, one frame at a time: pose, causal One-Euro smoothing,
    causal cut detection and the same ``compute_metrics`` as offline (with N = 1).

    Offline, the camera's view is judged over the whole recording; here over the last
    VIEW_WINDOW_S (a running median, kept in time order). While a hold is on, the body's own part
    of it (how its shoulders and hips stack, where its knee rests, how its face turns) is the hold's
    start position's instead, fixed as the hold's own reference is (offline too: HoldView). A side
    plank's hips stack unlike the lying body's before it (the simulator's raised side planks with a
    clam: 0.34 of the trunk against 0.29), so a window still of the lying body told correct planks'
    trunks turned 17-19 deg; and a window of the hold alone takes a turn lasting half of it for the
    body's usual stacking (a rendered 30 deg trunk turn, from 1.7 m: missed).
    """

    def __init__(self, estimator: PoseEstimator, width: int, height: int):
        self.estimator = estimator
        self.width, self.height = width, height
        self.smoother = make_smoother("live")
        self._last_pose: PoseFrame | None = None
        # (t_s, each of VIEW_METRICS, yaw)
        self._views: deque[tuple[float, ...]] = deque()
        # The hold's start position: its first HOLD_VIEW_S of those; None without a hold on.
        self._hold_views: list[tuple[float, ...]] | None = None

    def hold_from(self, start_s: float | None) -> None:
        """The hold on now began at ``start_s`` (None: no hold on). It is told a little after it
        began, so some of its frames are seen already."""
        if start_s is None:
            self._hold_views = None
        elif self._hold_views is None:
            self._hold_views = [v for v in self._views if v[0] >= start_s]

    def reset(self) -> None:
        """Forget the past (after a pause): nothing is smoothed across the gap."""
        self.smoother.reset()
        self._last_pose = None

    def _note_view(self, t_s: float, values: dict[str, float], yaw_deg: float) -> None:
        view = tuple(values[name] for name in VIEW_METRICS)
        if not np.any(np.isnan(view)):
            self._views.append((t_s, *view, yaw_deg))
            hold = self._hold_views
            if hold is not None and (not hold or t_s - hold[0][0] <= HOLD_VIEW_S):
                hold.append(self._views[-1])
        while self._views and t_s - self._views[0][0] > VIEW_WINDOW_S:
            self._views.popleft()

    def _view(self, t_s: float) -> SetView | None:
        if not self._views:
            return None
        times, elevations, *body_cues, yaws = (np.array(v) for v in zip(*self._views, strict=True))
        recent = yaws[(t_s - times <= YAW_WINDOW_S) & np.isfinite(yaws)]
        yaw = float(np.median(recent)) if len(recent) else 0.0
        if self._hold_views:
            _, _, *body_cues, _ = (np.array(v) for v in zip(*self._hold_views, strict=True))
        cues = dict(zip(VIEW_METRICS.values(), [elevations, *body_cues], strict=True))
        return SetView.of(**cues, yaw_deg=yaw)

    def measure(self, frame_bgr: np.ndarray, index: int, t_s: float, side: Side) -> LiveFrame:
        pose = self.estimator.process(frame_bgr, index, t_s)
        if not pose.has_pose:
            return LiveFrame(pose, None, None, None, FrameMetrics(t_s, {}, {}, False))
        last = self._last_pose
        # Smoothing restarts after a cut, or after the person was out of sight too long to bridge.
        recent = last is not None and t_s - last.t_s <= MAX_GAP_S
        cut = recent and bool(jumped(last.image, pose.image, t_s - last.t_s))
        if cut or not recent:
            self.smoother.reset()
        self._last_pose = pose
        image, world = self.smoother(pose.image, pose.world, t_s)
        series = compute_metrics(
            image[None], world[None], pose.visibility[None], self.width, self.height, side, self._view(t_s)
        )
        values, confidence = series.frame(0)
        yaw = float(camera_yaw_deg(world[None])[0])
        self._note_view(t_s, values, yaw)
        return LiveFrame(
            pose, image, world, pose.visibility, FrameMetrics(t_s, values, confidence, True, cut)
        )
