"""A recording's landmarks kept on disk while it is analysed, so memory does not grow with its
length: an hour of video is 108,000 frames, 200 MB of landmarks in memory, 100 MB here on disk.

Only the times and a has-a-person flag (9 bytes a frame) stay in memory; landmarks are read back
a chunk at a time (``slice``), as a PoseTrack of that chunk.
"""

from __future__ import annotations

import tempfile
from array import array

import numpy as np

from formcheck.pose.frame import PoseFrame, PoseTrack, SourceInfo
from formcheck.pose.landmarks import NUM_LANDMARKS

# A row: image x,y,z (99), world x,y,z (99), visibility (33), as float32: 0.1 px and 0.1 mm.
ROW = 2 * NUM_LANDMARKS * 3 + NUM_LANDMARKS
ROW_BYTES = ROW * 4


class SpooledTrack:
    """A PoseTrack written frame by frame to a temporary file; reads back by slices."""

    def __init__(self, source: SourceInfo, meta: dict | None = None):
        self.source, self.meta = source, dict(meta or {})
        self._file = tempfile.TemporaryFile(prefix="formcheck-track-")  # noqa: SIM115 - closed by close()
        self._t = array("d")
        self._pose = bytearray()

    def append(self, frame: PoseFrame) -> None:
        row = np.full(ROW, np.nan, dtype=np.float32)
        if frame.has_pose:
            row[: 3 * NUM_LANDMARKS] = frame.image.ravel()
            row[3 * NUM_LANDMARKS : 6 * NUM_LANDMARKS] = frame.world.ravel()
            row[6 * NUM_LANDMARKS :] = frame.visibility
        self._file.write(row.tobytes())
        self._t.append(frame.t_s)
        self._pose.append(frame.has_pose)

    def __len__(self) -> int:
        return len(self._t)

    @property
    def t_s(self) -> np.ndarray:
        return np.frombuffer(self._t, dtype=float)

    @property
    def has_pose(self) -> np.ndarray:
        return np.frombuffer(self._pose, dtype=bool)

    def slice(self, start: int, stop: int) -> PoseTrack:
        stop = min(stop, len(self))
        self._file.flush()
        self._file.seek(start * ROW_BYTES)
        rows = np.frombuffer(self._file.read((stop - start) * ROW_BYTES), dtype=np.float32)
        rows = rows.reshape(stop - start, ROW).astype(float)
        n = NUM_LANDMARKS
        image = rows[:, : 3 * n].reshape(-1, n, 3)
        world = rows[:, 3 * n : 6 * n].reshape(-1, n, 3)
        visibility = np.nan_to_num(rows[:, 6 * n :])
        return PoseTrack(self.source, self.t_s[start:stop].copy(), image, world, visibility, self.meta)

    def close(self) -> None:
        self._file.close()
