"""What formcheck checks from each camera height, as it says so itself (the README's table).

    pip install torch==2.13.0 && pip install -e ".[render]"
    python benchmarks/camera_views.py [--bodies average-woman heavy-man slim-tall]

Analyses the rendered correct set of every exercise from every height (the renders and tracks of
``rendered_accuracy.py``, cached with them) and prints, per exercise and height, the checks
formcheck said it cannot see ("can't see") or sees only in part ("large only"), with the bodies it
said so on where that was not every one. A check named nowhere is made from that height.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from rendered_accuracy import HEIGHTS, Cell, cached, model_track

from formcheck.engine.engine import PARTLY_SEEN
from formcheck.evaluate import camera_view_messages
from formcheck.exercises import load_exercise
from formcheck.pipeline import analyze_track
from formcheck.scorecard import scorecard_from_analysis
from formcheck.sim import FAULTS
from formcheck.sim.render import LOOKS


def said(exercise_id: str, height_m: float, body: str) -> dict[str, str]:
    """code -> "can't see" or "large only", from the camera_view warnings of one correct set."""
    cell = Cell(exercise_id, "correct", "-", body, height_m)
    video, _ = cached(cell.take(cell.seed()))
    exercise = load_exercise(exercise_id)
    card = scorecard_from_analysis(analyze_track(model_track(video), exercise)).to_dict()
    out = {
        code: "large only" if PARTLY_SEEN in m else "can't see"
        for code, m in camera_view_messages(card, exercise).items()
    }
    views = [w["message"] for w in card["warnings"] if w["code"] == "camera_view"]
    if exercise.too_high and any(exercise.too_high.words in m for m in views):
        out["(too high: move the camera)"] = "said"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bodies", nargs="+", default=list(LOOKS), choices=list(LOOKS))
    parser.add_argument("--exercises", nargs="+", default=list(FAULTS), choices=list(FAULTS))
    args = parser.parse_args()
    for exercise_id in args.exercises:
        print(f"\n{exercise_id}")
        for height in HEIGHTS:
            verdicts: dict[tuple[str, str], list[str]] = defaultdict(list)
            for body in args.bodies:
                for code, verdict in said(exercise_id, height, body).items():
                    verdicts[(code, verdict)].append(body)
            words = [
                f"{code} {verdict}" + ("" if len(bodies) == len(args.bodies) else f" ({', '.join(bodies)})")
                for (code, verdict), bodies in sorted(verdicts.items())
            ]
            print(f"  {height:.1f} m: {'; '.join(words) or 'every check made'}")


if __name__ == "__main__":
    main()
