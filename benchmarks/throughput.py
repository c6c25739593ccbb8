"""Throughput of `formcheck analyze` against a bare MediaPipe loop, and of replaying a saved track.

    python benchmarks/throughput.py [VIDEO] [--repeat N]

Prints, from one run on this machine:
- bare loop: decode + pose only (cv2.VideoCapture + MediaPipe BlazePose full), frames/s;
- analyze: the whole `formcheck analyze` job on the same video (pose, scoring, scorecard,
  annotated.mp4), frames/s, and its ratio to the bare loop (target >= 0.9);
- analyze --no-video, frames/s and ratio;
- replay: scoring a saved track (smoothing, kinematics, engine; no inference), frames/s
  (target >= 5,000).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
from click.testing import CliRunner

from formcheck.cli import cli
from formcheck.exercises import load_exercise
from formcheck.pipeline import analyze_track
from formcheck.pose import SolutionPoseEstimator, load_track

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VIDEO = ROOT.parent / "shared" / "videos" / "clamshell_front.mp4"
DEFAULT_TRACK = ROOT / "tests" / "fixtures" / "side_lying_leg_lift_edited.track.json.gz"


def bare_loop(video: Path) -> tuple[int, float]:
    estimator = SolutionPoseEstimator()
    cap = cv2.VideoCapture(str(video))
    n, start = 0, time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        estimator.process(frame, n, n / 30.0)
        n += 1
    elapsed = time.perf_counter() - start
    estimator.close()
    return n, elapsed


def analyze(video: Path, no_video: bool) -> float:
    with tempfile.TemporaryDirectory() as out:
        args = ["analyze", str(video), "--exercise", "clamshell", "--out", out]
        args += ["--no-video"] if no_video else []
        start = time.perf_counter()
        result = CliRunner().invoke(cli, args)
        elapsed = time.perf_counter() - start
        if result.exit_code != 0:
            raise SystemExit(f"analyze failed: {result.output}")
    return elapsed


def replay(track_path: Path, repeat: int) -> tuple[int, float]:
    track = load_track(track_path)
    exercise = load_exercise("side-leg-lift")
    start = time.perf_counter()
    for _ in range(repeat):
        analyze_track(track, exercise)
    return len(track) * repeat, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--track", type=Path, default=DEFAULT_TRACK)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    n, bare_s = bare_loop(args.video)
    full_s = analyze(args.video, no_video=False)
    lean_s = analyze(args.video, no_video=True)
    bare_fps = n / bare_s
    print(f"video: {args.video.name}, {n} frames")
    print(f"bare loop (decode + pose):     {bare_fps:7.1f} frames/s")
    for label, seconds in (("analyze (with annotated.mp4):", full_s), ("analyze --no-video:", lean_s)):
        print(f"{label:<31}{n / seconds:7.1f} frames/s   ratio {bare_s / seconds:.2f}x (target >= 0.9)")
    frames, replay_s = replay(args.track, args.repeat)
    print(f"replay of {args.track.name}: {frames / replay_s:,.0f} frames/s (target >= 5,000)")


if __name__ == "__main__":
    main()
