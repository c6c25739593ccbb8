"""Real-time capture: a source read in its own thread, the pipeline always taking the newest frame.

A camera delivers frames at its own pace whether or not anyone is ready for them. ``LatestFrame``
keeps only the newest, so a slow pose model skips frames (counted as dropped) instead of falling
behind, and lag never builds up. ``paced`` makes a video file behave the same way: its frames are
handed over at their own timestamps, not as fast as they decode.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from formcheck.sources import Frame


@dataclass(frozen=True)
class Captured:
    """One frame as it arrived: the source's index and time, and when it arrived (for latency)."""

    index: int
    t_s: float
    image: np.ndarray | None  # None when replaying a landmark track (no pixels)
    arrived_at: float  # the capture clock (time.monotonic) when the frame was read


def paced(
    frames: Iterable[Frame],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    speed: float = 1.0,
) -> Iterator[Frame]:
    """Hand a file's frames over at their own timestamps (``speed`` times real time), as a camera
    would. A frame that decodes late is handed over at once; the pace never waits for the reader."""
    start: float | None = None
    for index, t_s, image in frames:
        if start is None:
            start = clock() - t_s / speed
        delay = start + t_s / speed - clock()
        if delay > 0:
            sleep(delay)
        yield index, t_s, image


class LatestFrame:
    """Reads frames in a background thread and keeps only the newest one.

    ``get`` returns the newest frame not yet taken; frames that were overwritten before anyone
    took them are counted in ``dropped``. Use as a context manager (the thread stops on exit).
    """

    def __init__(self, frames: Iterable[Frame], clock: Callable[[], float] = time.monotonic):
        self._frames = frames
        self._clock = clock
        self._cond = threading.Condition()
        self._latest: Captured | None = None
        self._latest_seq = 0
        self._taken_seq = 0
        self._stop = threading.Event()
        self.captured = 0
        self.taken = 0
        self.ended = False  # the source has no more frames (finished, unplugged or failed)
        self.error: BaseException | None = None
        self.last_arrival: float = clock()
        self._thread = threading.Thread(target=self._read, name="formcheck-capture", daemon=True)

    def __enter__(self) -> LatestFrame:
        self.last_arrival = self._clock()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _read(self) -> None:
        iterator = iter(self._frames)
        try:
            for index, t_s, image in iterator:
                if self._stop.is_set():
                    break
                arrived = self._clock()
                with self._cond:
                    self._latest = Captured(index, t_s, image, arrived)
                    self._latest_seq += 1
                    self.captured += 1
                    self.last_arrival = arrived
                    self._cond.notify_all()
        except Exception as exc:  # noqa: BLE001 - handed to the reader, which decides what to say
            self.error = exc
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # a generator's own cleanup (releasing the camera) runs in this thread
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def get(self, timeout_s: float) -> Captured | None:
        """The newest frame not taken yet, waiting up to ``timeout_s``; None if none came."""
        with self._cond:
            if not self._cond.wait_for(
                lambda: self._latest_seq > self._taken_seq or self.ended, timeout=timeout_s
            ):
                return None
            if self._latest_seq == self._taken_seq:
                return None
            self._taken_seq = self._latest_seq
            self.taken += 1
            return self._latest

    @property
    def dropped(self) -> int:
        """Frames that arrived but were replaced by a newer one before they were taken."""
        with self._cond:
            return self.captured - self.taken - (1 if self._latest_seq > self._taken_seq else 0)

    @property
    def exhausted(self) -> bool:
        """The source has ended and its last frame has been taken."""
        with self._cond:
            return self.ended and self._latest_seq == self._taken_seq

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=1.0)  # a camera stuck in read() is left to the daemon thread
