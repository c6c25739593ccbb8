"""MediaPipe's landmark jitter, measured on the committed tracks of the shared clips.

    python benchmarks/jitter.py

The simulator's noise model (formcheck/sim/camera.py, ``NoiseModel``) is calibrated on these
figures. Jitter is the raw landmark minus the zero-phase 4 Hz smoothed one (what the offline
smoother removes), for the key joints (shoulders, hips, knees, ankles):
- image: standard deviation in trunk lengths (scale-free), for joints MediaPipe sees well
  (visibility >= 0.8) and for the rest, while moving (every frame with a person) and while
  still (>= 1 s in which the smoothed joints move under 5% of the trunk length per second);
- world: standard deviation in millimetres across (x/y) and in depth (z);
- lag-1 autocorrelation of the image jitter (MediaPipe smooths internally, so it is not white);
- median visibility of well-seen and other key-joint samples.
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


def _sd(x: np.ndarray) -> str:
    x = x[~np.isnan(x)]
    return f"{np.std(x):.4f}" if len(x) else "  -   "


def measure(clip: str) -> str:
    track = load_track(FIXTURES / f"{clip}.track.json.gz")
    smoothed = butterworth_zero_phase(track, scene_cuts(track))
    wh = np.array([track.source.width, track.source.height])
    px, smooth_px = track.image[:, KEY, :2] * wh, smoothed.image[:, KEY, :2] * wh
    shoulders = (track.image[:, L.LEFT_SHOULDER, :2] + track.image[:, L.RIGHT_SHOULDER, :2]) / 2
    hips = (track.image[:, L.LEFT_HIP, :2] + track.image[:, L.RIGHT_HIP, :2]) / 2
    trunk_px = np.nanmedian(np.linalg.norm((shoulders - hips) * wh, axis=-1))
    jitter = (px - smooth_px) / trunk_px  # (N, joints, 2)
    seen = track.visibility[:, KEY] >= 0.8
    speed = np.linalg.norm(np.gradient(smooth_px, axis=0), axis=-1).max(axis=1) / np.gradient(track.t_s)
    still = np.zeros(len(track), dtype=bool)
    for a, b in _runs(np.nan_to_num(speed / trunk_px, nan=np.inf) < STILL_SPEED):
        still[a:b] = track.t_s[b - 1] - track.t_s[a] >= MIN_STILL_S
    world = track.world[:, KEY] - smoothed.world[:, KEY]
    present = ~np.isnan(jitter).any(axis=(1, 2))
    series = jitter[present].reshape(int(present.sum()), -1)
    lag1 = np.nanmean([np.corrcoef(c[:-1], c[1:])[0, 1] for c in series.T if np.std(c) > 0])
    vis = track.visibility[:, KEY][present]
    return (
        f"{clip:30s} moving seen {_sd(jitter[seen])} other {_sd(jitter[~seen & present[:, None]])}"
        f" | still {_sd(jitter[still])} ({still.sum()} frames)"
        f" | world {np.nanstd(world[..., :2]) * 1000:4.1f}/{np.nanstd(world[..., 2]) * 1000:4.1f} mm"
        f" | lag-1 {lag1:5.2f} | visibility {np.median(vis[vis >= 0.8]):.2f}/"
        + (f"{np.median(vis[vis < 0.8]):.2f}" if np.any(vis < 0.8) else " -  ")
    )


def main() -> None:
    print("image jitter in trunk lengths (sd); world across/depth; visibility seen/other (median)")
    for clip in CLIPS:
        print(measure(clip))
    print("(the edited leg-lift clip's moving figures include its cuts and dissolves)")


if __name__ == "__main__":
    main()
