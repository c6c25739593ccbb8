"""Real-time figures of `formcheck live`: a clip played as a camera at its own frame rate.

    python benchmarks/live.py [VIDEO ...] [--fps 30] [--no-draw] [--seconds S]

For each clip, prints from one run on this machine: the input frame rate, frames processed per
second, frames dropped (arrived while the pose model was busy), capture-to-display latency
p50/p95, and the mean pose+metrics time per frame. Frames are paced at ``--fps`` (default 30, the
webcam rate the targets are stated for) whatever the file's own rate; the overlay is drawn for
every frame as the window would show it (``--no-draw``: headless). The default clips are the
640x360 clam and the 1280x720 leg lift from ../shared/videos.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from formcheck.capture import paced
from formcheck.display import NoWindow
from formcheck.exercises import load_exercise
from formcheck.live import LiveSession, run_live
from formcheck.pipeline import LiveMeasurer
from formcheck.pose import make_estimator
from formcheck.sources import VideoFileSource

VIDEOS = Path(__file__).resolve().parent.parent.parent / "shared" / "videos"
DEFAULT_CLIPS = [
    (VIDEOS / "clamshell_front.mp4", "clamshell"),
    (VIDEOS / "side_lying_leg_lift_edited.mp4", "side-leg-lift"),
]


class DrawOnly(NoWindow):
    """Draws every frame as a window would, without a screen to show it on."""

    draws = True


def run(video: Path, exercise: str, fps: float, draw: bool, seconds: float | None) -> dict:
    source = VideoFileSource(video)
    info = source.info

    def frames():
        for index, t_s, image in source:
            if seconds is not None and t_s > seconds:
                return
            yield index, t_s, image

    estimator = make_estimator()
    with tempfile.TemporaryDirectory() as out:
        session = LiveSession(
            load_exercise(exercise), LiveMeasurer(estimator, info.width, info.height), info, Path(out)
        )
        started = time.monotonic()
        card = run_live(
            paced(frames(), speed=fps / info.fps), session, DrawOnly() if draw else NoWindow(), False
        )
        elapsed = time.monotonic() - started
    estimator.close()
    live = card.live
    return {
        "clip": f"{video.name} {info.width}x{info.height}",
        "input_fps": live["frames_captured"] / elapsed,
        "processed_fps": live["processed_fps"],
        "dropped": live["frames_dropped"],
        "captured": live["frames_captured"],
        "p50": live["latency_ms"]["p50"],
        "p95": live["latency_ms"]["p95"],
        "pose_ms": float(np.mean(session.stats.recent_pose_ms)),
        "reps": len(card.reps),
        "holds": len(card.holds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*", type=Path)
    parser.add_argument("--exercise", default=None, help="for VIDEOs given [default: clamshell]")
    parser.add_argument("--fps", type=float, default=30.0, help="input frame rate [default: 30]")
    parser.add_argument("--no-draw", action="store_true", help="headless: no overlay drawn")
    parser.add_argument("--seconds", type=float, default=None, help="play only the first S seconds")
    args = parser.parse_args()
    clips = [(v, args.exercise or "clamshell") for v in args.videos] or DEFAULT_CLIPS
    print(f"input {args.fps:g} fps, overlay {'off' if args.no_draw else 'drawn'}")
    header = (
        f"{'clip':<42} {'in fps':>6} {'fps':>6} {'dropped':>12} {'p50 ms':>7} {'p95 ms':>7} {'pose ms':>7}"
    )
    print(header)
    for video, exercise in clips:
        r = run(video, exercise, args.fps, not args.no_draw, args.seconds)
        dropped = f"{r['dropped']}/{r['captured']} ({100 * r['dropped'] / max(r['captured'], 1):.1f}%)"
        print(
            f"{r['clip']:<42} {r['input_fps']:6.1f} {r['processed_fps']:6.1f} {dropped:>12} "
            f"{r['p50']:7.1f} {r['p95']:7.1f} {r['pose_ms']:7.1f}"
        )


if __name__ == "__main__":
    main()
