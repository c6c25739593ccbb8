"""Writing the annotated video: the analysed frames again, with the overlay, written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import cv2

from formcheck.errors import FormcheckError
from formcheck.feedback import Coach
from formcheck.overlay import DisplayState, draw_frame
from formcheck.pipeline import Analysis
from formcheck.sources import VideoFileSource, prefetched


def render_annotated(
    analysis: Analysis, video_path: str | Path, out_path: Path, on_frame: Callable[[int], None] | None = None
) -> None:
    """Draw the analysis over every frame of ``video_path`` into ``out_path`` (mp4)."""
    source = VideoFileSource(video_path)
    info = source.info
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.stem}.", suffix=".mp4")
    os.close(fd)
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*"mp4v"), info.fps, (info.width, info.height))
    if not writer.isOpened():
        Path(tmp).unlink(missing_ok=True)
        raise FormcheckError(f"Cannot write video {out_path} (no mp4 encoder available); use --no-video.")
    smoothed, metrics = analysis.smoothed, analysis.metrics
    title = f"{analysis.exercise.name} ({analysis.side.value})"
    state = DisplayState()
    coach = Coach()
    n = len(smoothed)
    try:
        for index, t_s, frame in prefetched(source):
            if index >= n:
                break
            values, confidence = metrics.frame(index)
            state.apply(t_s, analysis.events[index])
            state.cue = coach.apply(t_s, analysis.exercise, analysis.events[index])
            has_pose = bool(smoothed.has_pose[index])
            draw_frame(
                frame,
                t_s,
                smoothed.image[index] if has_pose else None,
                smoothed.visibility[index] if has_pose else None,
                values,
                confidence,
                analysis.side,
                analysis.exercise.primary_signal,
                title,
                state,
            )
            writer.write(frame)
            if on_frame is not None:
                on_frame(index)
        writer.release()
        os.replace(tmp, out_path)
    except BaseException:
        writer.release()
        Path(tmp).unlink(missing_ok=True)
        raise
