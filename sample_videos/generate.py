"""Write the sample tracks in this folder: every exercise, correct and with each shortcut.

    python sample_videos/generate.py

Each ``<exercise id>_<fault code>.track.json`` (and ``<exercise id>_correct.track.json``) is a
simulated set of 3 reps (or one hold) at 15 frames/s (keeping the files small), seen by a front
camera at hip height with MediaPipe-like noise, seed 0. The shortcut is injected at twice the
checker's limit into rep 2 (the set-up faults knee_bend and hip_bend into every rep; plank
faults into the middle of the hold). The ground truth is in each file's ``meta``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from formcheck.pose import save_track
from formcheck.sim import FAULTS, Fault, Tempo, simulate
from formcheck.sim.motion import HOLD_CODES

HERE = Path(__file__).resolve().parent
TEMPO = replace(Tempo(), reps=3, lead_in_s=2.0)
COMPACT = (4, 3, 2)  # 0.1 px at 1280 px, 1 mm, visibility to 0.01


def main() -> None:
    for exercise, kinds in FAULTS.items():
        variants = [("correct", [])] + [
            (k.code, [Fault(k.code, reps=None if k.code in HOLD_CODES else (2,))]) for k in kinds
        ]
        for name, faults in variants:
            sim = simulate(exercise, faults, tempo=TEMPO, fps=15.0, seed=0)
            sim.track.meta["truth"].pop("frames")  # per-frame truth: see `formcheck simulate`
            path = HERE / f"{exercise}_{name}.track.json"
            save_track(sim.track, path, COMPACT)
            print(f"{path.name}: {len(sim.track)} frames, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
