"""Throughput of `formcheck analyze` against a bare MediaPipe loop, and of replaying a saved track.

    python benchmarks/throughput.py [VIDEO] [--repeat N] [--legacy-python PY]

Prints, from one run on this machine:
- bare loop: decode + pose only (cv2.VideoCapture + the Tasks PoseLandmarker with the shipped
  BlazePose full model), frames/s;
- with --legacy-python: the same bare loop through the legacy ``mediapipe.solutions.pose``
  (model_complexity=1) in another interpreter that has mediapipe 0.10.21, and the Tasks loop's
  speed relative to it;
- analyze: the whole `formcheck analyze` job on the same video (pose, scoring, scorecard,
  annotated.mp4), frames/s, and its ratio to the bare loop (target >= 0.9);
- analyze --no-video, frames/s and ratio;
- replay: scoring a saved track (smoothing, kinematics, engine; no inference), frames/s
  (target >= 5,000).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
from click.testing import CliRunner

from formcheck.cli import cli
from formcheck.exercises import load_exercise
from formcheck.pipeline import analyze_track
from formcheck.pose import PoseLandmarkerEstimator, load_track

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VIDEO = ROOT.parent / "shared" / "videos" / "clamshell_front.mp4"
DEFAULT_TRACK = ROOT / "tests" / "fixtures" / "side_lying_leg_lift_edited.track.json.gz"


# The pre-1.0 loop formcheck used, for an interpreter with mediapipe 0.10.21 (Python <= 3.12).
LEGACY_LOOP = """
import sys, time, cv2, mediapipe as mp
pose = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1, smooth_landmarks=True)
cap = cv2.VideoCapture(sys.argv[1])
n, start = 0, time.perf_counter()
while True:
    ok, frame = cap.read()
    if not ok:
        break
    pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    n += 1
print(n, time.perf_counter() - start)
"""


def legacy_loop(python: str, video: Path) -> tuple[int, float]:
    r = subprocess.run([python, "-c", LEGACY_LOOP, str(video)], capture_output=True, text=True, check=True)
    n, seconds = r.stdout.split()[-2:]
    return int(n), float(seconds)


def bare_loop(video: Path) -> tuple[int, float]:
    estimator = PoseLandmarkerEstimator()
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
    parser.add_argument("--legacy-python", help="a Python with mediapipe 0.10.21, for the legacy loop")
    args = parser.parse_args()

    n, bare_s = bare_loop(args.video)
    if args.legacy_python:
        legacy_n, legacy_s = legacy_loop(args.legacy_python, args.video)
        print(f"legacy solutions.pose loop:    {legacy_n / legacy_s:7.1f} frames/s")
        print(f"Tasks loop / legacy loop:      {legacy_s / legacy_n * n / bare_s:7.2f}x")
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
