"""The pipelines: frames -> landmarks -> smoothed -> metrics -> engine events.

Offline, inference (``extract_track``) is separate from scoring (``analyze_track``), so a saved
track is re-scored without running MediaPipe again. Live (``LiveMeasurer``), each frame goes
through the same metrics one at a time, with causal smoothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from formcheck.engine import Event, ExerciseEngine, FrameMetrics
from formcheck.errors import FormcheckError
from formcheck.exercises import Exercise
from formcheck.filters import MAX_GAP_S, jumped, make_smoother, scene_cuts
from formcheck.kinematics import MetricSeries, Side, compute_metrics, detect_side
from formcheck.pose import PoseEstimator, PoseFrame, PoseTrack, SourceInfo


def extract_track(
    frames: Iterable[tuple[int, float, np.ndarray]],
    info: SourceInfo,
    estimator: PoseEstimator,
    on_frame: Callable[[int], None] | None = None,
) -> PoseTrack:
    """Run pose estimation over every frame of a source."""
    poses: list[PoseFrame] = []
    for index, t_s, image in frames:
        poses.append(estimator.process(image, index, t_s))
        if on_frame is not None:
            on_frame(index)
    if not poses:
        raise FormcheckError(f"{info.path} has no frames.")
    return PoseTrack.from_frames(info, poses, {"model": estimator.name})


def frame_metrics(
    series: MetricSeries, t_s: np.ndarray, has_pose: np.ndarray, cuts: np.ndarray
) -> list[FrameMetrics]:
    """Split whole-recording metric arrays into the per-frame records the engine takes."""
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
class Analysis:
    """Everything one analysed recording produced, for the scorecard and the annotated video."""

    exercise: Exercise
    side: Side
    track: PoseTrack
    smoothed: PoseTrack
    metrics: MetricSeries
    events: list[list[Event]]  # per frame, plus the set's closing events in the last entry
    engine: ExerciseEngine


def analyze_track(track: PoseTrack, exercise: Exercise, side: Side | None = None) -> Analysis:
    """Score a landmark track: zero-phase smoothing, metrics, and the engine frame by frame."""
    if len(track) == 0:
        raise FormcheckError(f"{track.source.path} has no frames.")
    cuts = scene_cuts(track)
    smoothed = make_smoother("offline")(track, cuts)
    detected = detect_side(smoothed.image, smoothed.visibility) if side is None else None
    chosen = side or detected or Side.RIGHT
    series = compute_metrics(
        smoothed.image, smoothed.world, smoothed.visibility, track.source.width, track.source.height, chosen
    )
    engine = ExerciseEngine(exercise)
    events = [engine.update(m) for m in frame_metrics(series, smoothed.t_s, smoothed.has_pose, cuts)]
    events[-1].extend(engine.finish())
    return Analysis(exercise, chosen, track, smoothed, series, events, engine)


# The camera's elevation is judged over this much of the recent past in live mode.
ELEVATION_WINDOW_S = 10.0


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

    Offline, the camera's elevation is the median over the recording; here it is a running median
    over the last ELEVATION_WINDOW_S.
    """

    def __init__(self, estimator: PoseEstimator, width: int, height: int):
        self.estimator = estimator
        self.width, self.height = width, height
        self.smoother = make_smoother("live")
        self._last_pose: PoseFrame | None = None
        self._elevations: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        """Forget the past (after a pause): nothing is smoothed across the gap."""
        self.smoother.reset()
        self._last_pose = None

    def _note_elevation(self, t_s: float, elevation_deg: float) -> None:
        if not np.isnan(elevation_deg):
            self._elevations.append((t_s, abs(elevation_deg)))
        while self._elevations and t_s - self._elevations[0][0] > ELEVATION_WINDOW_S:
            self._elevations.popleft()

    def _elevation(self) -> float | None:
        return float(np.median([e for _, e in self._elevations])) if self._elevations else None

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
            image[None], world[None], pose.visibility[None], self.width, self.height, side, self._elevation()
        )
        values, confidence = series.frame(0)
        self._note_elevation(t_s, values["camera_elevation_deg"])
        return LiveFrame(
            pose, image, world, pose.visibility, FrameMetrics(t_s, values, confidence, True, cut)
        )
