"""Landmark smoothing: causal One-Euro for live use, zero-phase Butterworth offline, gap filling.

Both work on whole landmark arrays (..., 33, 3) so one call smooths every coordinate.
``make_smoother("offline" | "live")`` is the factory the pipeline uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt

from formcheck.pose.frame import PoseTrack

# Exercise movement is slow (a rep takes ~1-4 s); 4 Hz keeps its shape and removes jitter.
OFFLINE_CUTOFF_HZ = 4.0
# Gaps this short (a blink of lost tracking) are bridged; longer ones stay "no person".
MAX_GAP_S = 0.5
# Bridged frames are guesses: their visibility is capped so no fault is raised on them.
FILLED_VISIBILITY = 0.4
# Landmarks whose median moves faster than this (frame widths per second) between two frames mark
# a cut or cross-dissolve in an edited video, or a switch to another person - never a body on the
# floor: in the shared clips movement stays under 1.1/s (p99) and lowering out of a plank peaks at
# 1.6/s, while cuts and dissolves jump 4-12/s.
CUT_SPEED_PER_S = 3.0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the True runs in a 1-D mask."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2], edges[1::2], strict=True))


def landmark_jump(previous: np.ndarray, current: np.ndarray) -> np.ndarray:
    """Median distance (normalised image units) the landmarks moved between frames."""
    return np.median(np.linalg.norm(current[..., :2] - previous[..., :2], axis=-1), axis=-1)


def jumped(previous: np.ndarray, current: np.ndarray, dt_s: np.ndarray | float) -> np.ndarray:
    """Whether the pose jumped further between two frames ``dt_s`` apart than any body moves."""
    return np.nan_to_num(landmark_jump(previous, current)) > CUT_SPEED_PER_S * np.maximum(dt_s, 1e-3)


def scene_cuts(track: PoseTrack) -> np.ndarray:
    """True on the first frame after a cut (the pose jumps further than any body moves in a frame)."""
    cuts = np.zeros(len(track), dtype=bool)
    if len(track) > 1:
        cuts[1:] = jumped(track.image[:-1], track.image[1:], np.diff(track.t_s))
    return cuts


def fill_gaps(track: PoseTrack, max_gap_s: float = MAX_GAP_S) -> PoseTrack:
    """Linearly bridge short runs of frames without a person between two frames with one."""
    present = track.has_pose
    image, world, vis = track.image.copy(), track.world.copy(), track.visibility.copy()
    for start, stop in _runs(~present):
        if start == 0 or stop == len(present):
            continue
        if track.t_s[stop] - track.t_s[start - 1] > max_gap_s:
            continue
        t0, t1 = track.t_s[start - 1], track.t_s[stop]
        w = ((track.t_s[start:stop] - t0) / (t1 - t0))[:, None, None]
        for arr in (image, world):
            arr[start:stop] = (1 - w) * arr[start - 1] + w * arr[stop]
        vis[start:stop] = np.minimum(
            (1 - w[..., 0]) * vis[start - 1] + w[..., 0] * vis[stop], FILLED_VISIBILITY
        )
    out = track.with_landmarks(image, world)
    out.visibility = vis
    return out


def butterworth_zero_phase(
    track: PoseTrack, cuts: np.ndarray | None = None, cutoff_hz: float = OFFLINE_CUTOFF_HZ, order: int = 2
) -> PoseTrack:
    """Zero-phase low-pass of every landmark coordinate, segment by segment: never across a gap or a cut."""
    if len(track) < 4:
        return track
    fs = 1.0 / float(np.median(np.diff(track.t_s)))
    sos = butter(order, min(cutoff_hz, 0.4 * fs), fs=fs, output="sos")
    image, world = track.image.copy(), track.world.copy()
    cuts = scene_cuts(track) if cuts is None else cuts
    for start, stop in _runs(track.has_pose):
        bounds = [start, *(np.flatnonzero(cuts[start + 1 : stop]) + start + 1).tolist(), stop]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if b - a >= 4:
                padlen = min(3 * (2 * len(sos) + 1), b - a - 1)
                for arr in (image, world):
                    arr[a:b] = sosfiltfilt(sos, arr[a:b], axis=0, padlen=padlen)
    return track.with_landmarks(image, world)


@dataclass
class OneEuroFilter:
    """Casiez et al. 2012 One-Euro filter on a whole array: little lag when moving, little jitter when still.

    ``min_cutoff_hz`` sets the smoothing at rest, ``beta`` how fast the cutoff rises with speed.
    Coordinates are normalised image units (0..1) for ``beta``'s scale.
    """

    min_cutoff_hz: float = 1.5
    beta: float = 8.0
    d_cutoff_hz: float = 1.0
    _x: np.ndarray | None = None
    _dx: np.ndarray | None = None
    _t: float | None = None

    @staticmethod
    def _alpha(cutoff_hz: np.ndarray | float, dt: float) -> np.ndarray | float:
        tau = 1.0 / (2 * math.pi * cutoff_hz)
        return 1.0 / (1.0 + tau / dt)

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, x: np.ndarray, t_s: float) -> np.ndarray:
        if self._x is None or self._t is None or t_s <= self._t:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        dt = t_s - self._t
        dx = (x - self._x) / dt
        a_d = self._alpha(self.d_cutoff_hz, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff_hz + self.beta * np.abs(self._dx)
        a = self._alpha(cutoff, dt)
        self._x = a * x + (1 - a) * self._x
        self._t = t_s
        return self._x.copy()


class LiveSmoother:
    """Causal smoothing of a PoseFrame stream (One-Euro on image and world landmarks)."""

    def __init__(self):
        self._image = OneEuroFilter()
        self._world = OneEuroFilter()

    def __call__(self, image: np.ndarray, world: np.ndarray, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        return self._image(image, t_s), self._world(world, t_s)

    def reset(self) -> None:
        self._image.reset()
        self._world.reset()


def smooth_offline(track: PoseTrack, cuts: np.ndarray | None = None) -> PoseTrack:
    """The offline chain: bridge short gaps, then zero-phase low-pass (never across ``cuts``)."""
    return butterworth_zero_phase(fill_gaps(track), cuts)


def make_smoother(kind: str):
    """``"offline"``: a function PoseTrack -> PoseTrack; ``"live"``: a LiveSmoother for frame-by-frame use."""
    if kind == "offline":
        return smooth_offline
    if kind == "live":
        return LiveSmoother()
    raise ValueError(f"unknown smoother {kind!r}; use 'offline' or 'live'")
