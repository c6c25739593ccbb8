"""PoseFrame (one instant) and PoseTrack (a whole recording) — the data every later stage reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.pose.landmarks import NUM_LANDMARKS


@dataclass(frozen=True)
class SourceInfo:
    """Where frames came from: enough to report, replay and draw on them."""

    path: str
    fps: float
    width: int
    height: int
    frames: int = 0


@dataclass(frozen=True)
class PoseFrame:
    """33 landmarks at one instant, or no person (``image is None``).

    ``image``: (33, 3) x, y normalised to the frame, z MediaPipe's rough relative depth.
    ``world``: (33, 3) metres, origin between the hips, camera-aligned axes.
    ``visibility``: (33,) MediaPipe's 0..1 visibility.
    """

    index: int
    t_s: float
    image: np.ndarray | None = None
    world: np.ndarray | None = None
    visibility: np.ndarray | None = None

    @property
    def has_pose(self) -> bool:
        return self.image is not None


@dataclass
class PoseTrack:
    """Every frame of a recording as arrays (NaN where no person was found).

    Arrays let offline smoothing and kinematics work on the whole recording at once.
    """

    source: SourceInfo
    t_s: np.ndarray  # (N,)
    image: np.ndarray  # (N, 33, 3)
    world: np.ndarray  # (N, 33, 3)
    visibility: np.ndarray  # (N, 33)
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def has_pose(self) -> np.ndarray:
        return ~np.isnan(self.image[:, 0, 0])

    @classmethod
    def from_frames(cls, source: SourceInfo, frames: list[PoseFrame], meta: dict | None = None) -> PoseTrack:
        n = len(frames)
        image = np.full((n, NUM_LANDMARKS, 3), np.nan)
        world = np.full((n, NUM_LANDMARKS, 3), np.nan)
        visibility = np.zeros((n, NUM_LANDMARKS))
        for i, f in enumerate(frames):
            if f.has_pose:
                image[i], world[i], visibility[i] = f.image, f.world, f.visibility
        t_s = np.array([f.t_s for f in frames], dtype=float)
        return cls(source, t_s, image, world, visibility, dict(meta or {}))

    def slice(self, start: int, stop: int) -> PoseTrack:
        """Frames ``start`` to ``stop`` (a view, not a copy)."""
        return PoseTrack(
            self.source,
            self.t_s[start:stop],
            self.image[start:stop],
            self.world[start:stop],
            self.visibility[start:stop],
            self.meta,
        )

    def with_landmarks(self, image: np.ndarray, world: np.ndarray) -> PoseTrack:
        """A copy with new (e.g. smoothed) landmark arrays."""
        return PoseTrack(self.source, self.t_s, image, world, self.visibility, dict(self.meta))
