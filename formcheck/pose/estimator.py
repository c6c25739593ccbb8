"""MediaPipe pose estimators: BGR frames in, PoseFrames out.

The default is BlazePose *full* from ``mediapipe.solutions.pose`` — its model ships inside the
mediapipe 0.10.21 wheel, so nothing is downloaded. ``TasksPoseEstimator`` runs a MediaPipe Tasks
``.task`` file (``--model PATH``) through ``PoseLandmarker`` in video mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.pose.frame import PoseFrame
from formcheck.quiet import quiet_native_stderr

# Quieten TensorFlow Lite / glog chatter before mediapipe is imported.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class PoseEstimator(Protocol):
    name: str

    def process(self, frame_bgr: np.ndarray, index: int, t_s: float) -> PoseFrame: ...

    def close(self) -> None: ...


def _landmark_arrays(landmarks, world_landmarks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    image = np.array([(p.x, p.y, p.z) for p in landmarks], dtype=float)
    visibility = np.array([p.visibility for p in landmarks], dtype=float)
    world = np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=float)
    return image, world, visibility


class SolutionPoseEstimator:
    """BlazePose full (model_complexity=1) in tracking mode: the model bundled in the wheel."""

    name = "mediapipe.solutions.pose (BlazePose full, bundled)"

    def __init__(self, min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5):
        import cv2
        import mediapipe as mp

        self._cv2 = cv2
        self._logs_started = False
        with quiet_native_stderr():
            self._pose = mp.solutions.pose.Pose(
                static_image_mode=False,
                model_complexity=1,  # the only complexity whose model is inside the wheel
                smooth_landmarks=True,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            # One blank frame starts the graph (and its native logging) while stderr is hidden.
            self._pose.process(np.zeros((64, 64, 3), dtype=np.uint8))

    def process(self, frame_bgr: np.ndarray, index: int, t_s: float) -> PoseFrame:
        rgb = self._cv2.cvtColor(frame_bgr, self._cv2.COLOR_BGR2RGB)
        rgb.flags.writeable = False
        if self._logs_started:
            result = self._pose.process(rgb)
        else:  # the first person found starts one more native logger
            with quiet_native_stderr():
                result = self._pose.process(rgb)
            self._logs_started = result.pose_landmarks is not None
        if result.pose_landmarks is None:
            return PoseFrame(index, t_s)
        image, world, visibility = _landmark_arrays(
            result.pose_landmarks.landmark, result.pose_world_landmarks.landmark
        )
        return PoseFrame(index, t_s, image, world, visibility)

    def close(self) -> None:
        self._pose.close()


class TasksPoseEstimator:
    """A MediaPipe Tasks pose model (``.task`` file) through PoseLandmarker in video mode."""

    def __init__(self, model_path: str | Path):
        path = Path(model_path)
        if not path.is_file():
            raise FormcheckError(f"Model file not found: {path} (see models/README.md).")
        from mediapipe.tasks.python import BaseOptions, vision

        self.name = f"mediapipe.tasks PoseLandmarker ({path.name})"
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
        )
        try:
            with quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            raise FormcheckError(
                f"{path} is not a valid MediaPipe pose landmarker model ({first})."
            ) from None
        self._last_ms = -1

    def process(self, frame_bgr: np.ndarray, index: int, t_s: float) -> PoseFrame:
        import cv2
        import mediapipe as mp

        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        # Video mode needs strictly increasing timestamps, even when a source repeats one.
        ms = max(int(round(t_s * 1000)), self._last_ms + 1)
        self._last_ms = ms
        result = self._landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ms)
        if not result.pose_landmarks:
            return PoseFrame(index, t_s)
        image, world, visibility = _landmark_arrays(result.pose_landmarks[0], result.pose_world_landmarks[0])
        return PoseFrame(index, t_s, image, world, visibility)

    def close(self) -> None:
        self._landmarker.close()


def make_estimator(model_path: str | Path | None = None) -> PoseEstimator:
    """The bundled BlazePose full model, or a Tasks ``.task`` model when a path is given."""
    if model_path:
        return TasksPoseEstimator(model_path)
    return SolutionPoseEstimator()
