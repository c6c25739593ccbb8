"""Angles and distances that matter for the side-lying glute exercises, with a confidence for each.

Every function works on arrays with a leading frame axis (N, 33, ...), so offline analysis
computes a whole recording at once and live mode calls the same code with N = 1.

Conventions (FORM_RULES.md, "Measuring from a camera"):
- In-plane angles come from *image* landmarks in pixels; the camera faces the person's front,
  so the clam's knee opening, the leg lift and the side plank's sag happen in the image plane.
- Whether a joint's plane can be seen at all is judged from the world landmarks: a limb that
  points mostly at the camera shows a meaningless 2-D angle, so its confidence drops to 0 and
  the rules say "can't see" instead of guessing.
- Depth-based measures (leg drifting forward, toes turning up, trunk rotation) use world
  landmarks, whose depth is the least reliable axis: they carry at most DEPTH_CONFIDENCE and are
  compared with the person's own start position by the rules, never with absolute numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from formcheck.pose.geometry import angle_deg, joint_flexion_deg
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.landmarks import Side

# Confidence ceiling for measures that rest on MediaPipe's depth estimate.
DEPTH_CONFIDENCE = 0.7
# A bone whose image-plane share (|xy| / |xyz| in world coordinates) is below the first value is
# seen end-on (no usable 2-D angle); above the second it is fully in view.
PLANE_HIDDEN, PLANE_VISIBLE = 0.5, 0.8
# A joint's bend plane whose normal points at the lens by less than the first share (cosine of the
# angle to the view axis) shows no usable angle; above the second it is fully in view. Simulated
# bodies (benchmarks/accuracy.py) show 2-D knee errors of ~10 deg at a share of 0.8.
FACING_HIDDEN, FACING_VISIBLE = 0.6, 0.9
# Hip stacking is read with full confidence from a camera up to 20 deg above the body's front,
# none from 35 deg up (real front clips measure a median 1-6 deg, p95 13-22 deg while moving).
STACK_BLIND_ELEVATION_DEG = 35.0
# MediaPipe places an occluded joint at the frame's edge a little outside it; that is not "out of frame".
IN_FRAME_MARGIN = 0.05


def _norm(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


def plane_visibility(bone_world: np.ndarray) -> np.ndarray:
    """0..1: how well a bone (world vector) is seen in the image plane (0 when it points at the camera)."""
    share = _norm(bone_world[..., :2]) / np.maximum(_norm(bone_world), 1e-9)
    return np.clip((share - PLANE_HIDDEN) / (PLANE_VISIBLE - PLANE_HIDDEN), 0.0, 1.0)


def bend_visibility(a_world: np.ndarray, b_world: np.ndarray, hinge_world: np.ndarray) -> np.ndarray:
    """0..1: how squarely the plane a joint bends in faces the camera (world vectors, camera axes).

    A 2-D angle is only true when the bend's plane faces the lens: a side-lying knee bends in a
    horizontal plane that a floor-level camera sees edge-on (a 80 deg bend projects to ~1 deg).
    The plane holds both bones; when they are nearly in line it is undefined, so the joint's hinge
    axis (the body's left-right axis) stands in for its normal. Both bones must lie in the image
    plane too.
    """
    normal = np.cross(a_world, b_world)
    sin = _norm(normal) / np.maximum(_norm(a_world) * _norm(b_world), 1e-9)
    defined = np.clip(sin / math.sin(math.radians(20.0)), 0.0, 1.0)
    facing = defined * np.abs(normal[..., 2]) / np.maximum(_norm(normal), 1e-9) + (1 - defined) * np.abs(
        hinge_world[..., 2]
    ) / np.maximum(_norm(hinge_world), 1e-9)
    plane = np.clip((facing - FACING_HIDDEN) / (FACING_VISIBLE - FACING_HIDDEN), 0.0, 1.0)
    return np.minimum(plane, np.minimum(plane_visibility(a_world), plane_visibility(b_world)))


def signed_opening_deg(moving: np.ndarray, fixed: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """Image angle of ``moving`` from ``fixed``, positive on the side ``towards`` points to.

    Signed so that a top leg resting across the bottom one (negative) opens through zero without
    the angle folding back - the rest level stays the lowest point of every rep.
    """
    angle = angle_deg(moving, fixed)

    def cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]

    same_side = np.sign(cross(fixed, moving)) * np.sign(cross(fixed, towards))
    # Where ``towards`` runs almost along ``fixed`` (an oblique view) its side is a guess: unsigned.
    clear = np.abs(cross(fixed, towards)) > 0.3 * _norm(fixed) * _norm(towards)
    return np.where(clear & (same_side < 0), -angle, angle)


def side_votes(image: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """Per frame, how strongly the right side lies on top (> 0) or the left (< 0); 0 without a person.

    Uses hips, shoulders and knees, weighted by visibility; image y grows downwards.
    """
    votes = np.zeros(len(image))
    for name in ("HIP", "SHOULDER", "KNEE"):
        left, right = int(L[f"LEFT_{name}"]), int(L[f"RIGHT_{name}"])
        dy = image[:, left, 1] - image[:, right, 1]  # > 0: right is higher
        w = np.minimum(visibility[:, left], visibility[:, right])
        votes += np.nan_to_num(np.sign(dy) * w)
    return votes


def side_from_votes(total: float) -> Side | None:
    """The side a sum of votes points to; None if they cancel out."""
    if abs(total) < 1e-6:
        return None
    return Side.RIGHT if total > 0 else Side.LEFT


def detect_side(image: np.ndarray, visibility: np.ndarray) -> Side | None:
    """The side that lies on top (higher in the image), voted over all frames with a person."""
    return side_from_votes(float(np.sum(side_votes(image, visibility))))


@dataclass
class MetricSeries:
    """Per-frame values and confidences (0..1) of named metrics, NaN where not measurable."""

    values: dict[str, np.ndarray]
    confidence: dict[str, np.ndarray]

    def frame(self, i: int) -> tuple[dict[str, float], dict[str, float]]:
        return (
            {k: float(v[i]) for k, v in self.values.items()},
            {k: float(c[i]) for k, c in self.confidence.items()},
        )


def compute_metrics(
    image: np.ndarray,
    world: np.ndarray,
    visibility: np.ndarray,
    width: int,
    height: int,
    side: Side,
    set_elevation_deg: float | None = None,
) -> MetricSeries:
    """All metrics for frames (N, 33, 3) seen by a ``width`` x ``height`` camera, ``side`` on top.

    ``set_elevation_deg`` is the camera's elevation over the set; by default the median over the
    frames given. Live mode passes its running estimate, since it computes one frame at a time.
    """
    px = image[..., :2] * np.array([width, height], dtype=float)
    vis = np.nan_to_num(visibility)
    top, bot = {}, {}
    for name in ("SHOULDER", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"):
        top[name] = int(L[f"{side.value.upper()}_{name}"])
        bot[name] = int(L[f"{side.other.value.upper()}_{name}"])

    def P(i):  # noqa: N802 - landmark position in pixels
        return px[:, i]

    def Wd(i):  # noqa: N802 - landmark position in world metres
        return world[:, i]

    def V(*idx):  # noqa: N802 - weakest visibility among landmarks
        return np.min(vis[:, list(idx)], axis=1)

    values: dict[str, np.ndarray] = {}
    conf: dict[str, np.ndarray] = {}
    missing = np.isnan(image[:, 0, 0])

    shoulder_mid = (P(top["SHOULDER"]) + P(bot["SHOULDER"])) / 2
    hip_mid = (P(top["HIP"]) + P(bot["HIP"])) / 2
    trunk = shoulder_mid - hip_mid
    trunk_len = np.maximum(_norm(trunk), 1e-6)
    trunk_axis = trunk / trunk_len[:, None]
    across = np.stack([-trunk_axis[:, 1], trunk_axis[:, 0]], axis=-1)  # image-plane normal to the trunk
    vis_trunk = V(top["SHOULDER"], bot["SHOULDER"], top["HIP"], bot["HIP"])

    # --- Set-up: lying across the frame, facing the camera -----------------------------------
    values["torso_tilt_deg"] = np.degrees(np.arctan2(np.abs(trunk[:, 1]), np.abs(trunk[:, 0])))
    conf["torso_tilt_deg"] = vis_trunk
    shoulder_sep = np.abs(np.sum((P(top["SHOULDER"]) - P(bot["SHOULDER"])) * across, axis=-1))
    values["torso_facing_ratio"] = shoulder_sep / trunk_len
    conf["torso_facing_ratio"] = vis_trunk

    # --- Stacking (roll-back): perpendicular spread of the hips / shoulders vs trunk length -------
    values["pelvis_stack_ratio"] = (
        np.abs(np.sum((P(top["HIP"]) - P(bot["HIP"])) * across, axis=-1)) / trunk_len
    )
    conf["pelvis_stack_ratio"] = V(top["HIP"], bot["HIP"])
    values["shoulder_stack_ratio"] = values["torso_facing_ratio"]
    conf["shoulder_stack_ratio"] = V(top["SHOULDER"], bot["SHOULDER"])

    # --- Legs in the image plane ---------------------------------------------------------------
    thigh_top = P(top["KNEE"]) - P(top["HIP"])
    thigh_bot = P(bot["KNEE"]) - P(bot["HIP"])
    # The top side is up in the image for anyone lying across the frame; the hips' own left/right
    # labels are not used for this because MediaPipe swaps them in oblique shots.
    towards_top = np.array([0.0, -1.0])
    values["thigh_opening_deg"] = signed_opening_deg(thigh_top, thigh_bot, towards_top)
    conf["thigh_opening_deg"] = np.minimum(V(top["HIP"], top["KNEE"]), np.maximum(V(bot["KNEE"]), 0.5))
    leg_top = P(top["ANKLE"]) - P(top["HIP"])
    leg_bot = P(bot["ANKLE"]) - P(bot["HIP"])
    values["leg_abduction_deg"] = signed_opening_deg(leg_top, leg_bot, towards_top)
    conf["leg_abduction_deg"] = np.minimum(V(top["HIP"], top["ANKLE"]), np.maximum(V(bot["ANKLE"]), 0.5))

    # --- Joint bends, only where the joint's plane faces the camera -----------------------------
    thigh_w = Wd(top["KNEE"]) - Wd(top["HIP"])
    shank_w = Wd(top["ANKLE"]) - Wd(top["KNEE"])
    trunk_w = (Wd(top["SHOULDER"]) + Wd(bot["SHOULDER"])) / 2 - (Wd(top["HIP"]) + Wd(bot["HIP"])) / 2
    hinge_w = Wd(top["HIP"]) - Wd(bot["HIP"])
    values["knee_flexion_deg"] = joint_flexion_deg(P(top["HIP"]), P(top["KNEE"]), P(top["ANKLE"]))
    conf["knee_flexion_deg"] = V(top["HIP"], top["KNEE"], top["ANKLE"]) * bend_visibility(
        thigh_w, shank_w, hinge_w
    )
    # Hip bend from the *bottom* thigh: it stays put while the top knee opens, so the clam's
    # opening does not leak into it.
    values["hip_flexion_deg"] = 180.0 - angle_deg(trunk, P(bot["KNEE"]) - P(bot["HIP"]))
    conf["hip_flexion_deg"] = V(bot["HIP"], bot["KNEE"], bot["SHOULDER"]) * bend_visibility(
        -trunk_w, Wd(bot["KNEE"]) - Wd(bot["HIP"]), hinge_w
    )

    # --- Feet together (clam): gap over shank length; the shank from world metres so a shank
    # pointing at the camera does not shrink the denominator -------------------------------------
    px_per_m = trunk_len / np.maximum(_norm(trunk_w), 1e-6)
    shank_px = np.maximum(_norm(P(top["ANKLE"]) - P(top["KNEE"])), px_per_m * _norm(shank_w))
    values["feet_gap_ratio"] = _norm(P(top["ANKLE"]) - P(bot["ANKLE"])) / np.maximum(shank_px, 1e-6)
    conf["feet_gap_ratio"] = V(top["ANKLE"], bot["ANKLE"], top["KNEE"])

    # --- Hip hike (leg lift): lateral pelvic tilt, the pelvis axis vs the trunk's perpendicular.
    # Positive when the top hip moves towards the head.
    pelvis_axis = P(top["HIP"]) - P(bot["HIP"])
    values["pelvis_tilt_deg"] = np.degrees(
        np.arctan2(np.sum(pelvis_axis * trunk_axis, axis=-1), np.abs(np.sum(pelvis_axis * across, axis=-1)))
    )
    conf["pelvis_tilt_deg"] = V(top["HIP"], bot["HIP"]) * np.minimum(1.0, values["pelvis_stack_ratio"] / 0.15)

    # --- Side plank: straight line shoulders-hips-support, and hips off the floor ---------------
    # The support is the bottom leg's knee or ankle on the floor (the top leg may be lifting),
    # moved up by half the hips' spread so it sits on the body's mid-line as the hips do.
    kneeling = joint_flexion_deg(P(bot["HIP"]), P(bot["KNEE"]), P(bot["ANKLE"])) > 60.0
    support = np.where(kneeling[:, None], P(bot["KNEE"]), P(bot["ANKLE"])) + hip_mid - P(bot["HIP"])
    line = support - shoulder_mid
    line_len = np.maximum(_norm(line), 1e-6)
    line_axis = line / line_len[:, None]
    normal = np.stack([-line_axis[:, 1], line_axis[:, 0]], axis=-1)
    normal = np.where((normal[:, 1] > 0)[:, None], -normal, normal)  # the normal pointing up the image
    hip_offset = np.sum((hip_mid - shoulder_mid) * normal, axis=-1)  # > 0: hips above the line (pike)
    straight = angle_deg(shoulder_mid - hip_mid, support - hip_mid)
    values["body_line_deg"] = np.where(hip_offset > 0, 360.0 - straight, straight)
    conf["body_line_deg"] = np.minimum(vis_trunk, np.where(kneeling, V(bot["KNEE"]), V(bot["ANKLE"])))
    hip_to_support = support - hip_mid
    values["hip_lift_ratio"] = hip_to_support[:, 1] / np.maximum(_norm(hip_to_support), 1e-6)
    conf["hip_lift_ratio"] = conf["body_line_deg"]

    # --- Depth-based: leg leaving the body's plane, toes turning up, trunk rotation -------------
    hip_mid_w = (Wd(top["HIP"]) + Wd(bot["HIP"])) / 2
    up_w = trunk_w / np.maximum(_norm(trunk_w), 1e-9)[:, None]
    lateral_w = Wd(top["HIP"]) - Wd(bot["HIP"])
    lateral_w = lateral_w - np.sum(lateral_w * up_w, axis=-1)[:, None] * up_w
    lateral_w /= np.maximum(_norm(lateral_w), 1e-9)[:, None]
    anterior_w = np.cross(up_w, lateral_w)
    nose_dir = Wd(int(L.NOSE)) - hip_mid_w
    anterior_w = np.where((np.sum(anterior_w * nose_dir, axis=-1) < 0)[:, None], -anterior_w, anterior_w)
    # How far above the body's front the camera looks down from (0 = level with it). Stacking
    # of the hips is a front view's cue: seen from above, a roll back *raises* the stack
    # (simulated at 54 deg), so the roll-back check trusts it only from a low camera.
    values["camera_elevation_deg"] = np.degrees(np.arcsin(np.clip(anterior_w[:, 1], -1.0, 1.0)))
    conf["camera_elevation_deg"] = DEPTH_CONFIDENCE * vis_trunk
    # The camera stays put through a set, but the body's front turns as the pelvis rolls: judge the
    # elevation over all the frames given (the whole recording offline), unless told.
    if set_elevation_deg is None:
        set_elevation_deg = (
            float(np.nanmedian(np.abs(values["camera_elevation_deg"]))) if np.any(~missing) else 0.0
        )
    conf["pelvis_stack_ratio"] = conf["pelvis_stack_ratio"] * float(
        np.clip((STACK_BLIND_ELEVATION_DEG - abs(set_elevation_deg)) / 15.0, 0.0, 1.0)
    )
    leg_w = Wd(top["ANKLE"]) - Wd(top["HIP"])
    values["leg_forward_deg"] = np.degrees(
        np.arcsin(np.clip(np.sum(leg_w * anterior_w, axis=-1) / np.maximum(_norm(leg_w), 1e-9), -1, 1))
    )
    conf["leg_forward_deg"] = DEPTH_CONFIDENCE * V(top["HIP"], top["ANKLE"], top["SHOULDER"])
    foot_w = Wd(top["FOOT_INDEX"]) - Wd(top["HEEL"])
    values["toes_up_deg"] = np.degrees(
        np.arctan2(np.sum(foot_w * lateral_w, axis=-1), np.abs(np.sum(foot_w * anterior_w, axis=-1)))
    )
    conf["toes_up_deg"] = DEPTH_CONFIDENCE * V(top["HEEL"], top["FOOT_INDEX"])

    def roll_deg(a: int, b: int) -> np.ndarray:
        v = Wd(a) - Wd(b)
        return np.degrees(np.arctan2(v[:, 2], -v[:, 1]))

    values["trunk_rotation_deg"] = roll_deg(top["SHOULDER"], bot["SHOULDER"]) - roll_deg(
        top["HIP"], bot["HIP"]
    )
    conf["trunk_rotation_deg"] = DEPTH_CONFIDENCE * vis_trunk

    # --- Whole body in frame and visible (set-up checks) ---------------------------------------
    body = (
        [int(L.NOSE)]
        + [top[k] for k in ("SHOULDER", "HIP", "KNEE", "ANKLE")]
        + [bot[k] for k in ("SHOULDER", "HIP", "KNEE", "ANKLE")]
    )
    xy = image[:, body, :2]
    inside = (xy >= -IN_FRAME_MARGIN) & (xy <= 1.0 + IN_FRAME_MARGIN)
    values["body_in_frame_ratio"] = np.mean(np.all(inside, axis=-1), axis=-1)
    values["body_visibility"] = np.mean(vis[:, body], axis=1)
    conf["body_in_frame_ratio"] = conf["body_visibility"] = np.ones(len(image))

    # Frames without a person: no value, no confidence.
    for k in values:
        conf[k] = np.where(missing | np.isnan(values[k]), 0.0, conf[k])
    return MetricSeries(values, conf)


# Metrics a person can read, with their units, for help texts and the overlay.
METRIC_LABELS: dict[str, str] = {
    "torso_tilt_deg": "trunk tilt from horizontal",
    "torso_facing_ratio": "how squarely the trunk faces the camera",
    "pelvis_stack_ratio": "hips stacked (vertical spread / trunk length)",
    "shoulder_stack_ratio": "shoulders stacked (vertical spread / trunk length)",
    "thigh_opening_deg": "angle between the thighs",
    "leg_abduction_deg": "angle between the legs",
    "knee_flexion_deg": "knee bend",
    "hip_flexion_deg": "hip bend",
    "feet_gap_ratio": "gap between the feet / shank length",
    "pelvis_tilt_deg": "pelvis tilt towards the head (hip hike)",
    "body_line_deg": "shoulder-hip-ankle (or knee) line, 180 = straight",
    "hip_lift_ratio": "hips raised above the support",
    "leg_forward_deg": "leg in front of the body's plane",
    "toes_up_deg": "toes turned towards the ceiling",
    "trunk_rotation_deg": "shoulders rotated against the pelvis",
    "camera_elevation_deg": "how far above the body's front the camera looks down from",
    "body_in_frame_ratio": "share of the key joints inside the frame",
    "body_visibility": "mean visibility of the key joints",
}
