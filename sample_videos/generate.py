"""Render the sample videos in this folder: every exercise, correct and with each shortcut.

    pip install torch==2.13.0 && pip install -e ".[render]"
    python sample_videos/generate.py [--only NAME ...]

Each ``<exercise id>_correct.mp4`` and ``<exercise id>_<fault code>.mp4`` is a rendered body
(``formcheck render``) doing 3 reps (or one side-plank hold) at 15 frames/s, 640x360, with the
shortcut at twice the checker's limit in rep 2 (the set-up faults knee_bend and hip_bend in every
rep; plank faults in the middle of the hold). The camera is one that can see that fault: a front
camera 0.3 m above the floor, or for the knee and hip bends of a side-lying body, which a level
camera sees edge-on, a raised one (1.7 m up, as close as frames the body: about 52 degrees
down). Each stands as close as keeps the whole set in the frame. The truth is in
``<name>.truth.json.gz`` beside each video.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from formcheck.sim import FAULTS, Fault, Tempo
from formcheck.sim.motion import HOLD_CODES
from formcheck.sim.render import Shot, Take, render_take, save_truth, truth_path

HERE = Path(__file__).resolve().parent
TEMPO = Tempo(reps=3, lead_in_s=2.0)
FLOOR = Shot(height_m=0.3, fps=15.0)
RAISED = Shot(height_m=1.7, fps=15.0)
# Bends seen edge-on from a level camera (FORM_RULES.md: sagittal angles need the camera above).
NEEDS_RAISED = {"knee_bend", "hip_bend", "knee_bent"}


def takes() -> dict[str, Take]:
    out = {}
    for exercise, kinds in FAULTS.items():
        out[f"{exercise}_correct"] = Take(exercise, (), TEMPO, shot=FLOOR)
        for kind in kinds:
            fault = Fault(kind.code, reps=None if kind.code in HOLD_CODES or kind.setup else (2,))
            shot = RAISED if kind.code in NEEDS_RAISED else FLOOR
            out[f"{exercise}_{kind.code}"] = Take(exercise, (fault,), TEMPO, shot=shot)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", help="names to render (default: all)")
    args = parser.parse_args()
    for name, take in takes().items():
        if args.only and name not in args.only:
            continue
        start = time.perf_counter()
        video = HERE / f"{name}.mp4"
        rendered = render_take(take, video)
        save_truth(rendered.truth, truth_path(video))
        overlap_cm = rendered.truth["checks"]["leg_penetration_max_m"] * 100
        print(
            f"{video.name}: {len(rendered.true_track)} frames, {video.stat().st_size // 1024} KB, "
            f"{time.perf_counter() - start:.0f} s; legs overlap {overlap_cm:.1f} cm",
            flush=True,
        )


if __name__ == "__main__":
    main()
