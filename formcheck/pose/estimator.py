"""The MediaPipe pose estimator: BGR frames in, PoseFrames out.

One estimator serves files, folders, GIFs and live cameras: MediaPipe Tasks ``PoseLandmarker`` in
VIDEO mode with the model that ships in ``models/`` (BlazePose GHUM 3D *full*), or any other pose
landmarker ``.task`` given with ``--model``. Nothing is downloaded.

What is smoothed where:

- The Tasks graph (VIDEO mode, one pose) already runs a One-Euro filter on the image landmarks
  (min cutoff 0.05 Hz, beta 80, scaled by the pose's box) and on the world landmarks (0.1 Hz,
  beta 40), and a low-pass (alpha 0.1) on visibility. It tracks the person from frame to frame
  and runs the person detector again when tracking is lost, so someone who leaves the frame is
  found again when they come back. Its filter is tuned for drawing: it removes jitter at rest but
  lets fast motion through almost unchanged.
- formcheck's own filters (``filters.py``) work on top of that, in the units that matter for the
  rules: offline a zero-phase Butterworth on the whole track (no lag at a rep's peak), live a
  causal One-Euro tuned on the measured jitter; gaps are filled only when short, and scene cuts
  reset every filter.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.interrupts import deferred_interrupts
from formcheck.pose.frame import PoseFrame
from formcheck.quiet import quiet_native_stderr

# Quieten LiteRT / glog chatter before mediapipe is imported.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DEFAULT_MODEL_NAME = "pose_landmarker_full.task"


class PoseEstimator(Protocol):
    name: str

    def process(self, frame_bgr: np.ndarray, index: int, t_s: float) -> PoseFrame: ...

    def close(self) -> None: ...


def default_model_path() -> Path:
    """The shipped model: ``models/`` of a checkout, or ``formcheck/models/`` of an installed wheel."""
    path = Path(str(resources.files("formcheck.models").joinpath(DEFAULT_MODEL_NAME)))
    if not path.is_file():
        raise FormcheckError(
            f"The bundled pose model {DEFAULT_MODEL_NAME} is missing from {path.parent} - reinstall "
            "formcheck, or pass another pose landmarker with --model (see models/README.md)."
        )
    return path


def _landmark_arrays(landmarks, world_landmarks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    image = np.array([(p.x, p.y, p.z) for p in landmarks], dtype=float)
    visibility = np.array([p.visibility for p in landmarks], dtype=float)
    world = np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=float)
    return image, world, visibility


class PoseLandmarkerEstimator:
    """MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode, one person."""

    def __init__(self, model_path: str | Path | None = None):
        path = Path(model_path) if model_path else default_model_path()
        if not path.is_file():
            raise FormcheckError(f"Model file not found: {path} (see models/README.md).")
        import cv2
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._cv2, self._mp = cv2, mp
        self.name = f"mediapipe {mp.__version__} PoseLandmarker ({path.name})"
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
        )
        try:
            with deferred_interrupts(), quiet_native_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
                # One blank frame starts the graph (and its native logging) while stderr is hidden.
                self._landmarker.detect_for_video(self._image(np.zeros((64, 64, 3), np.uint8)), 0)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            raise FormcheckError(
                f"{path} is not a valid MediaPipe pose landmarker model ({first})."
            ) from None
        self._last_ms = 0
        self._logs_started = False

    def _image(self, frame_bgr: np.ndarray):
        rgb = self._cv2.cvtColor(frame_bgr, self._cv2.COLOR_BGR2RGB)
        return self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)

    def process(self, frame_bgr: np.ndarray, index: int, t_s: float) -> PoseFrame:
        # VIDEO mode needs strictly increasing whole milliseconds, even when a variable-rate
        # source repeats or rounds two frame times onto one millisecond.
        ms = max(int(round(t_s * 1000)), self._last_ms + 1)
        self._last_ms = ms
        with deferred_interrupts():
            image = self._image(frame_bgr)
            if self._logs_started:
                result = self._landmarker.detect_for_video(image, ms)
            else:  # the first person found starts one more native logger
                with quiet_native_stderr():
                    result = self._landmarker.detect_for_video(image, ms)
                self._logs_started = bool(result.pose_landmarks)
        if not result.pose_landmarks:
            return PoseFrame(index, t_s)
        landmarks = _landmark_arrays(result.pose_landmarks[0], result.pose_world_landmarks[0])
        return PoseFrame(index, t_s, *landmarks)

    def close(self) -> None:
        with deferred_interrupts(), quiet_native_stderr():  # LiteRT logs its accelerators' teardown
            self._landmarker.close()


def make_estimator(model_path: str | Path | None = None) -> PoseEstimator:
    """The shipped BlazePose full model, or another pose landmarker ``.task`` when a path is given."""
    return PoseLandmarkerEstimator(model_path)
