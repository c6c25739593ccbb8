"""Constructed landmark sets with exactly known angles.

A side-lying person, head towards +x, the working (top) side up (-y), seen by an ideal camera
whose image plane holds the body's frontal plane *and* its leg movements (x-y), so every in-plane
angle is known exactly. World coordinates are metres (y down, z away from the camera, the camera's
own axes as MediaPipe's world landmarks are); the image is the same picture scaled and shifted.
"""

from __future__ import annotations

import math

import numpy as np

from formcheck.pose.landmarks import Landmark as L

WIDTH, HEIGHT = 1000, 1000
PELVIS_HALF_M, SHOULDER_HALF_M, TRUNK_M, THIGH_M, SHANK_M = 0.1, 0.18, 0.5, 0.42, 0.42


def _dir(deg: float) -> np.ndarray:
    """Unit vector in the image plane at ``deg`` from +x, positive towards +y (down)."""
    a = math.radians(deg)
    return np.array([math.cos(a), math.sin(a), 0.0])


def side_lying(
    *,
    top_side: str = "right",
    hip_flexion_deg: float = 45.0,
    knee_flexion_deg: float = 45.0,
    opening_deg: float = 0.0,
    abduction_deg: float = 0.0,
    feet_lift_m: float = 0.0,
    pelvis_roll_deg: float = 0.0,
    pelvis_tilt_deg: float = 0.0,
    incline_deg: float = 0.0,
    hip_drop_m: float = 0.0,
    visibility: float = 0.99,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(image (33,3), world (33,3), visibility (33,)) of one pose.

    ``opening_deg``: the top knee swings up about the hip, the foot stays (a clam).
    ``abduction_deg``: the whole straight top leg rotates up (a leg lift; use knee_flexion_deg=0).
    ``pelvis_roll_deg``: the top hip rolls back, away from the camera (+z).
    ``pelvis_tilt_deg``: the top hip moves towards the head (a hip hike).
    ``incline_deg``: the body rises about the feet (a side plank: hip_flexion_deg=knee_flexion_deg=0).
    ``hip_drop_m``: the hips drop below the shoulder-feet line (a sag; negative = pike).
    """
    top, bot = top_side.upper(), ("LEFT" if top_side == "right" else "RIGHT")
    w = np.zeros((33, 3))
    # Feet-to-head axis rising by the incline; "up" (towards the top side) is perpendicular to it.
    axis = _dir(-incline_deg)
    up = _dir(-incline_deg - 90.0)
    feet = np.zeros(3)
    leg_len = THIGH_M + SHANK_M
    hip_mid = feet + leg_len * axis + hip_drop_m * -up if incline_deg else np.zeros(3)
    sh_mid = hip_mid + TRUNK_M * axis if not incline_deg else feet + (leg_len + TRUNK_M) * axis
    r = math.radians(pelvis_roll_deg)
    pelvis = PELVIS_HALF_M * (
        math.cos(r) * _dir(-90.0 - incline_deg + pelvis_tilt_deg) + np.array([0, 0, math.sin(r)])
    )
    w[L[f"{top}_HIP"]], w[L[f"{bot}_HIP"]] = hip_mid + pelvis, hip_mid - pelvis
    w[L[f"{top}_SHOULDER"]] = sh_mid + SHOULDER_HALF_M * up
    w[L[f"{bot}_SHOULDER"]] = sh_mid - SHOULDER_HALF_M * up
    w[L.NOSE] = sh_mid + 0.25 * axis + np.array([0, 0, -0.1])
    for i in range(1, 11):
        w[i] = w[L.NOSE]
    for side in (top, bot):
        for part in ("ELBOW", "WRIST", "PINKY", "INDEX", "THUMB"):
            w[L[f"{side}_{part}"]] = w[L[f"{side}_SHOULDER"]] + np.array([0, 0, -0.3])
    base = -incline_deg + 180.0  # from the hip towards the feet
    for side in (top, bot):
        hip = w[L[f"{side}_HIP"]]
        thigh_deg = base - hip_flexion_deg  # flexion brings the knee down the image ("forward")
        if side == top:
            thigh_deg += abduction_deg
        knee = hip + THIGH_M * _dir(thigh_deg)
        ankle = knee + SHANK_M * _dir(thigh_deg + knee_flexion_deg)
        if incline_deg:  # a plank: the feet stay on the floor, the legs run from them to the hips
            ankle = feet + (pelvis if side == top else -pelvis)
            knee = (ankle + hip) / 2
        if side == top and opening_deg:
            knee = hip + THIGH_M * _dir(thigh_deg + opening_deg)  # the knee swings up, the foot stays
        if side == top:
            ankle = ankle + feet_lift_m * up
        w[L[f"{side}_KNEE"]], w[L[f"{side}_ANKLE"]] = knee, ankle
        w[L[f"{side}_HEEL"]] = ankle + np.array([0, 0, 0.05])
        w[L[f"{side}_FOOT_INDEX"]] = ankle + np.array([0, 0, -0.2])
    world = w - (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
    image = np.zeros((33, 3))
    image[:, :2] = 0.5 + 0.35 * w[:, :2]
    image[:, 2] = w[:, 2]
    return image, world, np.full(33, visibility)


def stack(frames):
    """Frames of (image, world, visibility) as (N, 33, 3), (N, 33, 3), (N, 33) arrays."""
    image, world, vis = zip(*frames, strict=True)
    return np.stack(image), np.stack(world), np.stack(vis)
