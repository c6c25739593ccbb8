"""The pose model's systematic errors on rendered video against the exact truth (what the simulator learns).

    python benchmarks/pose_model_errors.py [VIDEO.mp4 ...]   # default: every video in sample_videos/

For each rendered video (with its ``.truth.json.gz``) it runs MediaPipe once (the track is cached
beside it in benchmarks/.cache/rendered) and measures, on frames where both have a body:
- each joint's image error in trunk lengths, split into along the body's long axis (towards the
  head +) and across it (away from the mat +), median over frames: a joint placed off its place;
- the top hip's slide along the body as the top leg moves: the slope of its along-axis error
  against the leg's true angle from the trunk line (trunk lengths per 10 degrees);
- depth: the slope of MediaPipe's world depth (hips-relative, towards the camera) of the top knee
  and ankle against their true depth - 1 follows the body, 0 is flat;
- the hips' stacking: the image distance between the two hips over its true value.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from rendered_accuracy import CACHE, model_track

from formcheck.pose.landmarks import Landmark as L
from formcheck.sim.render import load_truth, true_keypoint_track, truth_path

SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
JOINTS = ("SHOULDER", "HIP", "KNEE", "ANKLE", "ELBOW", "WRIST")


def _cached_track(video: Path):
    link = CACHE / video.name
    if not link.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        link.symlink_to(video.resolve())
    return model_track(link)


def measure(video: Path) -> dict[str, float]:
    truth = load_truth(truth_path(video))
    top = truth["take"]["top"].upper()
    bottom = "LEFT" if top == "RIGHT" else "RIGHT"
    true = true_keypoint_track(truth)
    found = _cached_track(video)
    n = min(len(found), len(true))
    ok = ~np.isnan(found.image[:n, 0, 0])
    wh = np.array([truth["camera"]["width"], truth["camera"]["height"]], dtype=float)
    t_img, f_img = true.image[:n][ok, :, :2] * wh, found.image[:n][ok, :, :2] * wh

    def mid(part: str) -> np.ndarray:
        return (t_img[:, int(L[f"LEFT_{part}"])] + t_img[:, int(L[f"RIGHT_{part}"])]) / 2

    hips, shoulders = mid("HIP"), mid("SHOULDER")
    axis = shoulders - hips
    trunk = np.linalg.norm(axis, axis=1, keepdims=True)
    along = axis / trunk
    across = np.stack([along[:, 1], -along[:, 0]], axis=1)
    up = np.where((across[:, 1] < 0)[:, None], across, -across)  # away from the mat: up the picture
    out: dict[str, float] = {}
    for role, side in (("top", top), ("bottom", bottom)):
        for joint in JOINTS:
            i = int(L[f"{side}_{joint}"])
            err = (f_img[:, i] - t_img[:, i]) / trunk
            out[f"{role} {joint.lower()} along"] = float(np.median(np.sum(err * along, axis=1)))
            out[f"{role} {joint.lower()} across"] = float(np.median(np.sum(err * up, axis=1)))
    # The top hip's slide against the top leg's angle from the trunk line.
    hip, knee = int(L[f"{top}_HIP"]), int(L[f"{top}_KNEE"])
    thigh = t_img[:, knee] - t_img[:, hip]
    leg_deg = np.degrees(np.arctan2(np.sum(thigh * up, axis=1), -np.sum(thigh * along, axis=1)))
    slide = np.sum((f_img[:, hip] - t_img[:, hip]) * along, axis=1) / trunk[:, 0]
    if np.ptp(leg_deg) > 5:
        out["top hip slide per 10 deg of leg"] = float(np.polyfit(leg_deg, slide, 1)[0] * 10)
    for joint in ("KNEE", "ANKLE"):
        i = int(L[f"{top}_{joint}"])
        z_true, z_found = true.world[:n][ok, i, 2], found.world[:n][ok, i, 2]
        if np.ptp(z_true) > 0.05:
            out[f"top {joint.lower()} depth gain"] = float(np.polyfit(z_true, z_found, 1)[0])
    gap_true = np.linalg.norm(t_img[:, int(L.LEFT_HIP)] - t_img[:, int(L.RIGHT_HIP)], axis=1)
    gap_found = np.linalg.norm(f_img[:, int(L.LEFT_HIP)] - f_img[:, int(L.RIGHT_HIP)], axis=1)
    out["hip stacking found/true"] = float(np.median(gap_found / np.maximum(gap_true, 1.0)))
    return out


def main() -> None:
    videos = [Path(v) for v in sys.argv[1:]] or sorted(SAMPLES.glob("*.mp4"))
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for video in videos:
        table[video.stem] = measure(video)
        print(video.stem, flush=True)
    keys = sorted({k for row in table.values() for k in row})
    print(f"\n{'measure':38s} {'median':>8s} {'p10':>8s} {'p90':>8s}  (over {len(table)} videos)")
    for k in keys:
        v = np.array([row[k] for row in table.values() if k in row])
        print(f"{k:38s} {np.median(v):8.3f} {np.percentile(v, 10):8.3f} {np.percentile(v, 90):8.3f}")


if __name__ == "__main__":
    main()
