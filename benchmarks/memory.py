"""Peak memory of `formcheck analyze` against the video's length: it must stay flat.

    python benchmarks/memory.py [--minutes 1 10 60] [--clip VIDEO] [--with-video]

Loops a real clip (default ../shared/videos/clamshell_front.mp4) to each length with ffmpeg
(stream copy, so building the input costs nothing), runs `formcheck analyze` on it in a fresh
process, and prints the peak resident memory (ru_maxrss of the child), the wall time and the
growth against the shortest video. Target: within 10% from 1 to 60 minutes.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLIP = ROOT.parent / "shared" / "videos" / "clamshell_front.mp4"


def looped(clip: Path, minutes: float, folder: Path) -> Path:
    out = folder / f"loop_{minutes:g}min.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(clip),
            "-t",
            str(60 * minutes),
            "-c",
            "copy",
            str(out),
        ],
        check=True,
    )
    return out


def peak_rss_mb(args: list[str]) -> tuple[float, float]:
    """Run a command as a child; its peak resident memory (MB) and wall time (s)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after <= before:  # ru_maxrss of children is the largest so far: run the longest last
        raise SystemExit("order the lengths from short to long")
    return after / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, nargs="+", default=[1, 10, 60])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--with-video", action="store_true", help="also draw annotated.mp4")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for minutes in sorted(args.minutes):
            video = looped(args.clip, minutes, folder)
            cmd = [sys.executable, "-m", "formcheck.cli", "analyze", str(video), "-e", "clamshell"]
            cmd += ["--out", str(folder / f"out{minutes:g}"), "--overwrite"]
            cmd += [] if args.with_video else ["--no-video"]
            mb, seconds = peak_rss_mb(cmd)
            rows.append((minutes, mb, seconds))
            growth = 100 * (mb / rows[0][1] - 1)
            line = f"{minutes:5g} min  peak {mb:7.1f} MB  ({growth:+5.1f}% vs {rows[0][0]:g} min)"
            print(f"{line}  {seconds:7.1f} s", flush=True)


if __name__ == "__main__":
    main()
