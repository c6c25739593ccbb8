"""Pose data (PoseFrame, PoseTrack), landmark names, MediaPipe estimators and track files."""

from formcheck.pose.estimator import (
    PoseEstimator,
    PoseLandmarkerEstimator,
    default_model_path,
    make_estimator,
)
from formcheck.pose.frame import PoseFrame, PoseTrack, SourceInfo
from formcheck.pose.landmarks import SKELETON, Landmark
from formcheck.pose.replay import TrackReplayEstimator
from formcheck.pose.track_io import is_track_path, load_track, save_track

__all__ = [
    "Landmark",
    "SKELETON",
    "PoseEstimator",
    "PoseFrame",
    "PoseLandmarkerEstimator",
    "PoseTrack",
    "SourceInfo",
    "TrackReplayEstimator",
    "default_model_path",
    "is_track_path",
    "load_track",
    "make_estimator",
    "save_track",
]
