"""Writing the annotated video: the analysed frames again, with the overlay, written atomically.

The video is H.264 in MP4 where PyAV is installed, else MPEG-4 Part 2, and says so (``encoding``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from formcheck.atomic import atomic_path
from formcheck.encoding import open_video_writer
from formcheck.feedback import Coach
from formcheck.overlay import DisplayState, draw_frame
from formcheck.pipeline import Analysis
from formcheck.sources import VideoFileSource, prefetched


def render_annotated(
    analysis: Analysis,
    video_path: str | Path,
    out_path: Path,
    on_frame: Callable[[int], None] | None = None,
    on_drawn: Callable[[int, np.ndarray], None] | None = None,
) -> str:
    """Draw the analysis over every frame of ``video_path`` into ``out_path``; returns a note on
    the format when it is not H.264 (else ""). ``on_drawn`` sees each frame as drawn."""
    source = VideoFileSource(video_path, analysis.track.meta.get("turned_deg", 0))  # as it was analysed
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
        state.note = coach.note
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
