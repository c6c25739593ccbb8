"""Video encoders: H.264 in MP4 (yuv420p, +faststart) through PyAV, which browsers and phones play,
or OpenCV's MPEG-4 Part 2 (``mp4v``) where PyAV is missing, which desktop players open.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import FormcheckError

# x264's constant-quality level and speed: small files whose skeleton lines stay crisp.
H264_CRF = 23
H264_PRESET = "veryfast"


class H264Writer:
    """BGR frames to an H.264 MP4 with PyAV; every write error surfaces (a full disk raises)."""

    note = ""

    def __init__(self, path: Path, fps: float, width: int, height: int, crf: int = H264_CRF):
        import av

        self._av = av
        self._container = av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"})
        self._stream = self._container.add_stream(
            "libx264",
            rate=Fraction(fps).limit_denominator(1001),
            options={"crf": str(crf), "preset": H264_PRESET},
        )
        # yuv420p halves the colour resolution: the picture needs even sides.
        self._width, self._height = width - width % 2, height - height % 2
        self._stream.width, self._stream.height, self._stream.pix_fmt = self._width, self._height, "yuv420p"

    def write(self, frame_bgr: np.ndarray) -> None:
        frame = self._av.VideoFrame.from_ndarray(frame_bgr[: self._height, : self._width], format="bgr24")
        self._container.mux(self._stream.encode(frame))

    def close(self) -> None:
        self._container.mux(self._stream.encode(None))
        self._container.close()

    def abort(self) -> None:
        self._container.close()


class Mp4vWriter:
    """OpenCV's MPEG-4 Part 2 writer, when PyAV is not installed."""

    note = "MPEG-4 Part 2, which browsers don't play: pip install av for H.264"

    def __init__(self, path: Path, fps: float, width: int, height: int):
        self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
        if not self._writer.isOpened():
            raise FormcheckError(f"Cannot write video {path} (no mp4 encoder available); use --no-video.")

    def write(self, frame_bgr: np.ndarray) -> None:
        self._writer.write(frame_bgr)

    def close(self) -> None:
        self._writer.release()

    abort = close


def open_video_writer(path: Path, fps: float, width: int, height: int) -> H264Writer | Mp4vWriter:
    try:
        return H264Writer(path, fps, width, height)
    except ImportError:
        return Mp4vWriter(path, fps, width, height)
