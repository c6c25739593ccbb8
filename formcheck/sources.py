"""Frame sources: video files, animated GIFs, folders of images and webcams.

Every source yields ``(index, t_s, frame_bgr)``; times come from the source itself (container
timestamps for files, so variable frame rates are honoured; the clock for a webcam).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from formcheck.errors import FormcheckError
from formcheck.orientation import turn_frame
from formcheck.pose.frame import SourceInfo
from formcheck.quiet import quiet_native_stderr

VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".webm", ".mkv", ".m4v", ".gif")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")

Frame = tuple[int, float, np.ndarray]


# A frame count a container reports is believed only in this range: browser recordings (WebM),
# raw streams and misnamed files report 0, negative or absurd counts.
MAX_PLAUSIBLE_FRAMES = 10_000_000
# Decoding that ends this many frames (and this share of the file) short of the container's
# count means the file is damaged or cut off, not that the count was rounded.
TRUNCATED_MIN_MISSING_FRAMES = 3
TRUNCATED_MIN_MISSING_SHARE = 0.01


def _open_capture(path: Path) -> cv2.VideoCapture:
    """Frames as a player shows them: a phone's rotation flag (display matrix) is applied."""
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)  # OpenCV's default too; said, not assumed
    return cap


class VideoFileSource:
    """A video file or animated GIF read with OpenCV, upright as it plays, then turned clockwise
    by ``turn_deg`` (orientation.py: a phone held sideways with its rotation locked).

    After iterating, ``stopped_at_s`` is the time of the last decoded frame when decoding ended
    well short of the container's frame count (a damaged or cut-off file), else None.
    """

    def __init__(self, path: str | Path, turn_deg: int = 0):
        self.path = Path(path)
        self.turn_deg = turn_deg
        if not self.path.exists():
            raise FormcheckError(f"No such file: {self.path}")
        if self.path.is_dir():
            raise FormcheckError(f"{self.path} is a folder; pass a video file or a folder of images.")
        with quiet_native_stderr():  # FFmpeg explains a broken file on stderr; we say it in one line
            cap = _open_capture(self.path)
            ok, first = cap.read() if cap.isOpened() else (False, None)
            fps = cap.get(cv2.CAP_PROP_FPS)
            count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
            self.rotation_deg = int(cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
            cap.release()
        if not ok or first is None:
            raise FormcheckError(
                f"{self.path} cannot be read as a video (corrupt, empty or unsupported format)."
            )
        self._fps = float(fps) if fps and 0 < fps < 1000 else 30.0
        frames = int(count) if 0 < count < MAX_PLAUSIBLE_FRAMES else 0  # 0: unknown
        first = turn_frame(first, turn_deg)
        self.info = SourceInfo(str(self.path), self._fps, first.shape[1], first.shape[0], frames)
        self.stopped_at_s: float | None = None

    def __iter__(self) -> Iterator[Frame]:
        with quiet_native_stderr():
            cap = _open_capture(self.path)
        last_t = -1.0
        index = 0
        try:
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
                # Containers without timestamps (GIFs, some AVIs) report 0 or repeat: fall back to fps.
                if not t > last_t:
                    t = index / self._fps if index / self._fps > last_t else last_t + 1.0 / self._fps
                last_t = t
                yield index, t, turn_frame(frame, self.turn_deg)
                index += 1
        finally:
            cap.release()
        missing = self.info.frames - index
        if missing >= max(TRUNCATED_MIN_MISSING_FRAMES, TRUNCATED_MIN_MISSING_SHARE * self.info.frames):
            self.stopped_at_s = max(last_t, 0.0)


class ImageFolderSource:
    """A folder of still images, in name order, played at ``fps``."""

    def __init__(self, path: str | Path, fps: float = 30.0):
        self.path = Path(path)
        self.files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
        if not self.files:
            raise FormcheckError(f"{self.path} holds no images ({', '.join(IMAGE_EXTENSIONS)}).")
        first = cv2.imread(str(self.files[0]))
        if first is None:
            raise FormcheckError(f"{self.files[0]} cannot be read as an image.")
        self.info = SourceInfo(str(self.path), fps, first.shape[1], first.shape[0], len(self.files))

    def __iter__(self) -> Iterator[Frame]:
        for index, file in enumerate(self.files):
            frame = cv2.imread(str(file))
            if frame is None:
                raise FormcheckError(f"{file} cannot be read as an image.")
            yield index, index / self.info.fps, frame


def _camera_works(index: int) -> bool:
    with quiet_native_stderr():  # OpenCV's backends complain on stderr about missing devices
        cap = cv2.VideoCapture(index)
        ok = cap.isOpened() and cap.read()[0]
        cap.release()
    return bool(ok)


def working_cameras(indices: Iterable[int] = range(5)) -> list[int]:
    """The camera indices that open and deliver a frame."""
    return [i for i in indices if _camera_works(i)]


class CameraSource:
    """A webcam by index, its picture turned clockwise by ``turn_deg``; times are the capture
    clock, starting at 0."""

    def __init__(self, index: int = 0, turn_deg: int = 0):
        self.index, self.turn_deg = index, turn_deg
        with quiet_native_stderr():
            self._cap = cv2.VideoCapture(index)
            ok, first = self._cap.read() if self._cap.isOpened() else (False, None)
        if not ok or first is None:
            self._cap.release()
            others = working_cameras(i for i in range(5) if i != index)
            found = (
                f"cameras that work: {', '.join(map(str, others))}"
                if others
                else "no other camera found at 0-4"
            )
            raise FormcheckError(
                f"Camera {index} cannot be opened ({found}); pick one with --camera N, "
                "or play a recording with --source VIDEO."
            )
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        first = turn_frame(first, turn_deg)
        self._first = first
        self.info = SourceInfo(
            f"camera:{index}", float(fps) if fps and fps > 0 else 30.0, first.shape[1], first.shape[0], 0
        )

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        index = 0
        frame = self._first
        try:
            while frame is not None:
                yield index, time.monotonic() - start, frame
                index += 1
                ok, frame = self._cap.read()
                if not ok:
                    break
                frame = turn_frame(frame, self.turn_deg)
        finally:
            self._cap.release()


# Stopped, the reader finishes the frame it is decoding and leaves within its 0.1 s put timeout.
READER_JOIN_S = 5.0


def prefetched(frames: Iterable[Frame], depth: int = 8) -> Iterator[Frame]:
    """Decode ahead in a thread (OpenCV releases the GIL) so decoding overlaps pose inference.

    For files only: a live camera must always hand over its newest frame instead.
    """
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def reader() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            q.put(exc)

    thread = threading.Thread(target=reader, name="formcheck-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        # Wait for the reader to leave OpenCV: a daemon thread still decoding when the interpreter
        # exits (an error while the video was drawn, a full disk) aborts the process on its way
        # back ("FATAL: exception not rethrown", exit 134 instead of the error's own code).
        thread.join(timeout=READER_JOIN_S)
