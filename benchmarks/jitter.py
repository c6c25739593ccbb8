"""MediaPipe's landmark jitter, measured on the committed tracks of the shared clips.

    python benchmarks/jitter.py

The simulator's noise model (formcheck/sim/camera.py, ``MEASURED_JITTER``) is calibrated on these
figures. A "still" stretch is >= 1 s in which the zero-phase smoothed key joints move less than
5% of the trunk length per second. Jitter is the raw landmark minus the smoothed one, as:
- image: standard deviation in trunk lengths (scale-free), for joints MediaPipe sees well
  (visibility >= 0.8) and for the rest;
- world: standard deviation in metres for x/y (in the image plane) and z (depth);
- lag-1 autocorrelation of the image jitter (MediaPipe smooths internally, so it is not white);
- visibility: median for well seen and for occluded-side joints.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from formcheck.filters import _runs, butterworth_zero_phase, scene_cuts
from formcheck.pose import load_track
from formcheck.pose.landmarks import Landmark as L

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
CLIPS = [
    "clamshell_front",
    "side_lying_leg_lift_edited",
    "side_plank_forearm",
    "side_plank_straight_arm_short",
]
KEY = [int(L[f"{s}_{j}"]) for s in ("LEFT", "RIGHT") for j in ("SHOULDER", "HIP", "KNEE", "ANKLE")]
STILL_SPEED = 0.05  # trunk lengths per second
MIN_STILL_S = 1.0


def still_stretches(track, smoothed, trunk_px):
    """[start, stop) frame ranges where the smoothed key joints hardly move."""
    px = smoothed.image[:, KEY, :2] * [track.source.width, track.source.height]
    speed = np.full(len(track), np.inf)
    dt = np.gradient(track.t_s)
    step = np.linalg.norm(np.gradient(px, axis=0), axis=-1).max(axis=1) / dt
    speed[:] = np.nan_to_num(step / trunk_px, nan=np.inf)
    runs = _runs(speed < STILL_SPEED)
    return [(a, b) for a, b in runs if track.t_s[b - 1] - track.t_s[a] >= MIN_STILL_S]


def main() -> None:
    rows, image_good, image_poor, world_xy, world_z, lag1, vis_good, vis_poor = [], [], [], [], [], [], [], []
    for clip in CLIPS:
        track = load_track(FIXTURES / f"{clip}.track.json.gz")
        smoothed = butterworth_zero_phase(track, scene_cuts(track))
        wh = np.array([track.source.width, track.source.height])
        sh = (track.image[:, L.LEFT_SHOULDER, :2] + track.image[:, L.RIGHT_SHOULDER, :2]) / 2
        hp = (track.image[:, L.LEFT_HIP, :2] + track.image[:, L.RIGHT_HIP, :2]) / 2
        trunk_px = np.nanmedian(np.linalg.norm((sh - hp) * wh, axis=-1))
        frames = 0
        for a, b in still_stretches(track, smoothed, trunk_px):
            frames += b - a
            res_img = (track.image[a:b, KEY, :2] - smoothed.image[a:b, KEY, :2]) * wh / trunk_px
            res_w = track.world[a:b, KEY] - smoothed.world[a:b, KEY]
            vis = track.visibility[a:b, KEY]
            good = vis >= 0.8
            image_good.append(res_img[good].ravel())
            image_poor.append(res_img[~good].ravel())
            world_xy.append(res_w[..., :2].ravel())
            world_z.append(res_w[..., 2].ravel())
            r = res_img.reshape(len(res_img), -1)
            lag1.append(np.mean([np.corrcoef(c[:-1], c[1:])[0, 1] for c in r.T if np.std(c) > 0]))
            vis_good.append(vis[good].ravel())
            vis_poor.append(vis[~good].ravel())
        rows.append((clip, track.source.fps, trunk_px, frames))
    for clip, fps, trunk_px, frames in rows:
        print(f"{clip:32s} {fps:5.1f} fps  trunk {trunk_px:5.0f} px  still frames {frames}")

    def sd(parts):
        x = np.concatenate(parts) if parts else np.array([])
        return float(np.std(x)) if len(x) else float("nan")

    print(f"image jitter, visibility >= 0.8: {sd(image_good):.4f} trunk lengths (sd)")
    print(f"image jitter, visibility <  0.8: {sd(image_poor):.4f} trunk lengths (sd)")
    print(f"world jitter x/y: {sd(world_xy) * 1000:.1f} mm, depth z: {sd(world_z) * 1000:.1f} mm (sd)")
    print(f"lag-1 autocorrelation of the image jitter: {np.nanmean(lag1):.2f}")
    share = sum(len(v) for v in vis_poor) / max(1, sum(len(v) for v in vis_good + vis_poor))
    print(
        f"visibility: median {np.median(np.concatenate(vis_good)):.3f} when well seen, "
        f"{np.median(np.concatenate(vis_poor)):.3f} otherwise ({share:.0%} of key-joint samples)"
    )


if __name__ == "__main__":
    main()
