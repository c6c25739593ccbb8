"""Silencing native libraries (FFmpeg, TensorFlow Lite, MediaPipe) that write straight to stderr."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys

# FFmpeg (inside OpenCV) reports a damaged file frame by frame on stderr; formcheck says it once,
# in words ("truncated_input"). Read by OpenCV when its FFmpeg backend starts.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET


@contextlib.contextmanager
def quiet_native_stderr():
    """Hide the C++ log lines TensorFlow Lite and MediaPipe print while a graph starts up."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced (e.g. by a test runner)
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).fflush(None)  # C stdio may still hold lines meant for the old stderr
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
