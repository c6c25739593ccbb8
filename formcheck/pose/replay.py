"""A saved landmark track as a pose estimator: frame ``index`` gets the track's landmarks.

Lets the live pipeline run on a track (simulated motion, or a recording's extracted landmarks)
exactly as it would behind MediaPipe, with no inference and no pixels.
"""

from __future__ import annotations

import numpy as np

from formcheck.pose.frame import PoseFrame, PoseTrack


class TrackReplayEstimator:
    def __init__(self, track: PoseTrack):
        self.track = track
        self.name = f"replay of {track.source.path}"

    def process(self, frame_bgr: np.ndarray | None, index: int, t_s: float) -> PoseFrame:
        tr = self.track
        if np.isnan(tr.image[index, 0, 0]):
            return PoseFrame(index, t_s)
        return PoseFrame(index, t_s, tr.image[index], tr.world[index], tr.visibility[index])

    def close(self) -> None:
        pass
