"""The offline pipeline: frames -> landmarks (a track) -> smoothed -> metrics -> engine events.

Inference (``extract_track``) is separate from scoring (``analyze_track``), so a saved track is
re-scored without running MediaPipe again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from formcheck.engine import Event, ExerciseEngine, FrameMetrics
from formcheck.errors import FormcheckError
from formcheck.exercises import Exercise
from formcheck.filters import make_smoother, scene_cuts
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
