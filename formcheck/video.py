"""Writing the annotated video: the analysed frames again, with the overlay, written atomically.

The video is H.264 in MP4 where PyAV is installed, else MPEG-4 Part 2, and says so (``encoding``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from formcheck.atomic import atomic_path
from formcheck.encoding import open_video_writer
from formcheck.feedback import Coach
from formcheck.overlay import DisplayState, draw_frame
from formcheck.pipeline import Analysis
from formcheck.sources import VideoFileSource, prefetched

# report.html's pictures of a shortcut: wide enough to see the skeleton and its angles, small enough
# that a page of thirty reps stays well under a megabyte (about 20 KB each at 640x360).
STILL_WIDTH_PX = 360
STILL_JPEG_QUALITY = 80


def render_annotated(
    analysis: Analysis,
    video_path: str | Path,
    out_path: Path,
    on_frame: Callable[[int], None] | None = None,
    on_drawn: Callable[[int, np.ndarray], None] | None = None,
) -> str:
    """Draw the analysis over every frame of ``video_path`` into ``out_path``; returns a note on
    the format when it is not H.264 (else ""). ``on_drawn`` sees each frame as drawn."""
    source = VideoFileSource(video_path)
    info = source.info
    with atomic_path(out_path) as tmp:
        writer = open_video_writer(tmp, info.fps, info.width, info.height)
        try:
            _draw_all(analysis, source, writer, on_frame, on_drawn)
            writer.close()
        except BaseException:
            writer.abort()
            raise
    return writer.note


def _draw_all(analysis: Analysis, source: VideoFileSource, writer, on_frame, on_drawn) -> None:
    # the whole recording's verdict: a measure found unseen is unseen in every frame
    state = DisplayState(blind=frozenset(analysis.engine.blind_metrics))
    coach = Coach()
    for (index, t_s, frame), analysed in zip(prefetched(source), analysis.frames(), strict=False):
        state.apply(t_s, analysed.events)
        state.cue = coach.apply(t_s, analysis.exercise, analysed.events)
        draw_frame(
            frame,
            t_s,
            analysed.image,
            analysed.visibility,
            analysed.metrics.values,
            analysed.metrics.confidence,
            analysis.side,
            analysis.exercise,
            state,
        )
        writer.write(frame)
        if on_drawn is not None:
            on_drawn(index, frame)
        if on_frame is not None:
            on_frame(index)


def still_frames(card: dict, t_s: np.ndarray) -> dict[int, list[tuple[str, int, int]]]:
    """The frames report.html shows a shortcut on, each with the records (keyed as report.Stills)
    it shows: each faulty rep at its top (where a shortcut grows to its fullest), each faulty hold
    in the middle of its longest shortcut."""
    wanted: dict[int, list[tuple[str, int, int]]] = {}
    for rep in card["reps"]:
        if rep["faults"]:
            top = _frame_at(t_s, rep.get("peak_s", rep["start_s"]))
            wanted.setdefault(top, []).append(("rep", rep.get("set", 1), rep["index"]))
    for hold in card["holds"]:
        if hold["faults"]:
            span = max(hold["faults"], key=lambda f: f["end_s"] - f["start_s"])
            middle = _frame_at(t_s, (span["start_s"] + span["end_s"]) / 2)
            wanted.setdefault(middle, []).append(("hold", hold.get("set", 1), hold["index"]))
    return wanted


def _frame_at(t_s: np.ndarray, time_s: float) -> int:
    return int(np.argmin(np.abs(t_s - time_s)))


def jpeg_still(frame: np.ndarray) -> bytes:
    """A drawn frame, scaled to STILL_WIDTH_PX wide, as JPEG."""
    height, width = frame.shape[:2]
    scale = min(1.0, STILL_WIDTH_PX / width)
    small = cv2.resize(frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, STILL_JPEG_QUALITY])
    return data.tobytes() if ok else b""
