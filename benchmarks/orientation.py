"""Which way is up (formcheck/orientation.py), judged on MediaPipe tracks turned as their picture
would be.

    python benchmarks/orientation.py

Every committed track (the shared clips' and the rendered sets') and, where they have been made
(``rendered_accuracy.py``), the rendered benchmark's cached tracks are judged as they play and
turned a quarter either way and upside down. Upright, none may be turned; turned, each should be
turned back. Turning the landmarks stands in for turning the pixels: MediaPipe turns with the
picture (the clamshell clip turned a quarter and back: 1.2-1.6 px median error), and
tests/test_field_inputs.py turns the pixels of the real clip.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from formcheck.orientation import TURNS_DEG, Upright, judge_upright, turn_pose_track
from formcheck.pose import load_track

HERE = Path(__file__).resolve().parent
SOURCES = {
    "committed tracks": sorted((HERE.parent / "tests" / "fixtures").glob("*.track.json.gz")),
    "rendered benchmark (cached)": sorted((HERE / ".cache" / "rendered").glob("*.track.json.gz")),
}


def verdict(judged: Upright, turn_deg: int) -> str:
    if turn_deg == 0:
        if judged.turn_deg:
            return "turned wrong"
        return "left upright" if judged.sure else "left upright, said maybe upside down"
    if judged.turn_deg == (360 - turn_deg) % 360:
        return "turned back" if judged.sure else "turned back, said unsure"
    if judged.turn_deg == 0:
        return "left, said maybe upside down" if not judged.sure else "left as it plays, unsaid"
    return "turned wrong"


def main() -> None:
    for name, paths in SOURCES.items():
        if not paths:
            print(f"{name}: none here")
            continue
        print(f"{name}: {len(paths)} tracks")
        for turn in TURNS_DEG:
            tally: Counter[str] = Counter()
            odd = []
            for path in paths:
                said = verdict(judge_upright(turn_pose_track(load_track(path), turn)), turn)
                tally[said] += 1
                if said not in ("turned back", "left upright"):
                    odd.append(path.name.split(".")[0])
            shown = ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
            print(f"  turned {turn:3d}: {shown}" + (f"  ({', '.join(odd[:4])})" if odd else ""))


if __name__ == "__main__":
    main()
