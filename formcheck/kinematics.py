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

import dataclasses
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
# A camera above the body sees its frontal plane (where the leg lift, the side plank's line and
# the pelvis tilt happen) squeezed vertically by cos(elevation); in-plane angles are measured after
# undoing that. Past this elevation the estimate (~5-10 deg off, benchmarks/rendered_accuracy.py)
# would blow the correction up, so it is capped here.
RECTIFY_MAX_ELEVATION_DEG = 50.0
# Below this elevation a shrinking stack of the shoulders is read as a roll back (a level camera
# cannot tell back from forwards; people roll back), and the stack's change gets confirmed by the
# body's turn in depth; above it, a shrinking stack is a roll forwards (judgment).
LOW_CAMERA_DEG = 20.0
# From this elevation up a 15 deg roll back grows the shoulders' spread by 17% or more, clear of
# MediaPipe's noise on correct reps (rendered benchmark: up to ~15%).
ROLL_RAISED_CAMERA_DEG = 35.0
# From a low camera both roll cues read up to ~20 deg on correct rendered clams (up to 8 deg on
# leg lifts) and ~33 deg on a 30 deg roll back: this much of a reading is noise.
LOW_CAMERA_ROLL_NOISE_DEG = 8.0
# A limb "hangs" from the trunk (all fours) when it points within 35 deg of straight down across
# it and is longer than half the trunk in the image (judgment: the shared donkey kick hangs 3-4
# limbs in every frame; side-lying and side-plank clips, shared and rendered, at most 1).
HANGING_COS = math.cos(math.radians(35.0))
HANGING_MIN_LENGTH = 0.5
# How far off square-on (|camera_yaw_deg|) each measure still means what its limit says; past it
# the measure is "can't see". From the simulator's sweep of the camera round the body (2 seeds, every
# shortcut, "random" pose errors): the clam's feet gap was missed from 45 deg; the leg lift's pelvis
# tilt alarmed from 30, its abduction (over_lift) from 45, its toes were missed from 45; the side
# plank's trunk rotation alarmed from 45 and its sag was missed from 60. Not listed: no limit
# (knee and hip bends have their own, from the joint's plane).
METRIC_MAX_YAW_DEG = {
    "feet_gap_ratio": 35.0,
    "pelvis_tilt_deg": 20.0,
    "leg_abduction_deg": 35.0,
    "toes_up_deg": 35.0,
    "trunk_rotation_deg": 35.0,
    "body_line_deg": 50.0,
}
# Counting reps and timing holds carries on further round: reps counted exactly up to 75 deg (not
# looking down the body's length, where the issue 13 footage counted a rep that never happened);
# a side plank's hold to 45.
COUNT_MAX_YAW_DEG = 80.0
HOLD_MAX_YAW_DEG = 50.0
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


def stacking_votes(image: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """Per frame, how strongly the right side lies on top (> 0) or the left (< 0) by which hip,
    shoulder and knee is higher (image y grows downwards), weighted by visibility; joints outside
    the frame (a close-up) have no vote."""
    votes = np.zeros(len(image))
    inside = np.all((image[..., :2] >= -IN_FRAME_MARGIN) & (image[..., :2] <= 1 + IN_FRAME_MARGIN), axis=-1)
    for name in ("HIP", "SHOULDER", "KNEE"):
        left, right = int(L[f"LEFT_{name}"]), int(L[f"RIGHT_{name}"])
        dy = image[:, left, 1] - image[:, right, 1]  # > 0: right is higher
        w = np.minimum(visibility[:, left], visibility[:, right]) * (inside[:, left] & inside[:, right])
        votes += np.nan_to_num(np.sign(dy) * w)
    return votes


def head_end_votes(image: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """Per frame, the same from the head's end: lying on your side facing the camera with your head
    at the picture's right, your right side is on top (whatever is out of frame; every shared clip
    agrees). Weighted by the nose's visibility; 0 when the head is not clearly to one side."""
    hips = (image[:, L.LEFT_HIP, :2] + image[:, L.RIGHT_HIP, :2]) / 2
    shoulders = (image[:, L.LEFT_SHOULDER, :2] + image[:, L.RIGHT_SHOULDER, :2]) / 2
    along = shoulders - hips
    lying = np.abs(along[:, 0]) > np.abs(along[:, 1])  # the trunk runs across the picture
    head_right = image[:, L.NOSE, 0] - hips[:, 0]
    return np.nan_to_num(np.sign(head_right) * visibility[:, L.NOSE] * lying)


def side_votes(image: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """Per frame, how strongly the right side lies on top (> 0) or the left (< 0); 0 without a
    person: the joints' stacking, and the head's end as one more vote."""
    return stacking_votes(image, visibility) + head_end_votes(image, visibility)


def side_conflicts(image: np.ndarray, visibility: np.ndarray) -> tuple[int, int]:
    """(frames where both the stacking and the head's end vote clearly, frames where they point to
    different sides): most in conflict means a back view, or the pose model swapping left and
    right, and the working side is a guess."""
    stacking, head = stacking_votes(image, visibility), head_end_votes(image, visibility)
    both = (np.abs(stacking) > 0.5) & (np.abs(head) > 0.5)
    return int(np.sum(both)), int(np.sum(both & (np.sign(stacking) != np.sign(head))))


def side_from_votes(total: float) -> Side | None:
    """The side a sum of votes points to; None if they cancel out."""
    if abs(total) < 1e-6:
        return None
    return Side.RIGHT if total > 0 else Side.LEFT


def detect_side(image: np.ndarray, visibility: np.ndarray) -> Side | None:
    """The side that lies on top (higher in the image), voted over all frames with a person."""
    return side_from_votes(float(np.sum(side_votes(image, visibility))))


def body_axes_world(world: np.ndarray, side: Side, lateral_joint: str) -> tuple[np.ndarray, ...]:
    """Unit vectors (N, 3) of the body in world (camera) axes: up the trunk, towards the top side
    (from the bottom to the top ``lateral_joint``, "HIP" or "SHOULDER"), and forwards (the nose's side)."""
    top, bot = side.value.upper(), side.other.value.upper()

    def W(name: str) -> np.ndarray:  # noqa: N802
        return world[:, int(L[name])]

    hip_mid = (W(f"{top}_HIP") + W(f"{bot}_HIP")) / 2
    up = (W(f"{top}_SHOULDER") + W(f"{bot}_SHOULDER")) / 2 - hip_mid
    up = up / np.maximum(_norm(up), 1e-9)[:, None]
    lateral = W(f"{top}_{lateral_joint}") - W(f"{bot}_{lateral_joint}")
    lateral = lateral - np.sum(lateral * up, axis=-1)[:, None] * up
    lateral = lateral / np.maximum(_norm(lateral), 1e-9)[:, None]
    anterior = np.cross(up, lateral)
    nose_dir = W("NOSE") - hip_mid
    anterior = np.where((np.sum(anterior * nose_dir, axis=-1) < 0)[:, None], -anterior, anterior)
    return up, lateral, anterior


def facing_elevation_deg(world: np.ndarray, side: Side) -> np.ndarray:
    """Per frame, how far above the body's front the camera looks down from (0 = level with it).

    From the hips' axis: over the rendered benchmark's lying sets its median is 4-6 deg off the
    truth (the shoulders' 10-15 deg), though a working leg turns it by up to ~16 deg within a rep,
    so a set's elevation is a median over many frames.
    """
    _, _, anterior = body_axes_world(world, side, "HIP")
    return np.degrees(np.arcsin(np.clip(anterior[:, 1], -1.0, 1.0)))


def camera_yaw_deg(world: np.ndarray) -> np.ndarray:
    """Per frame, how far the camera stands off square-on along the body: + towards the head,
    - towards the feet, 90 looking down the body's length. From the trunk's axis out of the image
    plane in world landmarks (side-blind; neither a working leg nor a roll turns it). The simulator
    recovers a set's yaw within 2-5 deg up to 80 deg; the shared front clips read 1-9."""
    shoulders = (world[:, L.LEFT_SHOULDER] + world[:, L.RIGHT_SHOULDER]) / 2
    hips = (world[:, L.LEFT_HIP] + world[:, L.RIGHT_HIP]) / 2
    axis = shoulders - hips
    towards_camera = -axis[:, 2] / np.maximum(_norm(axis), 1e-9)  # MediaPipe's z grows away from it
    return np.degrees(np.arcsin(np.clip(towards_camera, -1.0, 1.0)))


def shoulder_stack_ratio(image: np.ndarray, side: Side, width: int, height: int) -> np.ndarray:
    """The shoulders' image spread across the trunk over the trunk's image length (N,)."""
    px = image[..., :2] * np.array([width, height], dtype=float)
    top, bot = side.value.upper(), side.other.value.upper()

    def P(name: str) -> np.ndarray:  # noqa: N802
        return px[:, int(L[name])]

    trunk = (P(f"{top}_SHOULDER") + P(f"{bot}_SHOULDER")) / 2 - (P(f"{top}_HIP") + P(f"{bot}_HIP")) / 2
    trunk_len = np.maximum(_norm(trunk), 1e-6)
    across = np.stack([-trunk[:, 1], trunk[:, 0]], axis=-1) / trunk_len[:, None]
    return np.abs(np.sum((P(f"{top}_SHOULDER") - P(f"{bot}_SHOULDER")) * across, axis=-1)) / trunk_len


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


@dataclass(frozen=True)
class SetView:
    """How the camera saw the set as a whole: what single frames are judged against.

    The camera stays put through a set while the body turns within it (a pelvis rolling back
    turns the body's front), so these are medians over many frames: the whole recording offline,
    a running window live.
    """

    elevation_deg: float  # how far above the body's front the camera looks down from
    shoulder_stack_ratio: float  # the shoulders' image spread across the trunk / trunk length
    # How far off square-on along the body (camera_yaw_deg): one value, or one per frame where the
    # camera moves within the recording (a running median of a few seconds).
    yaw_deg: float | np.ndarray = 0.0

    @classmethod
    def of(
        cls, elevation_deg: np.ndarray, shoulder_stack_ratio: np.ndarray, yaw_deg: float | np.ndarray = 0.0
    ) -> SetView:
        """The view of frames with these per-frame estimates (NaN where no person)."""
        if np.all(np.isnan(elevation_deg)):
            return cls(0.0, float("nan"), yaw_deg)
        return cls(
            float(np.nanmedian(np.abs(elevation_deg))), float(np.nanmedian(shoulder_stack_ratio)), yaw_deg
        )

    def frames(self, start: int, stop: int) -> SetView:
        """The view of frames ``start`` to ``stop`` of the recording it was judged over."""
        if np.ndim(self.yaw_deg) == 0:
            return self
        return dataclasses.replace(self, yaw_deg=self.yaw_deg[start:stop])


def roll_from_stack_deg(stack_change: np.ndarray, elevation_deg: float) -> np.ndarray:
    """The body's roll back about its long axis (deg) from the change of the shoulders' image
    spread against the set's usual one, seen from ``elevation_deg`` (FORM_RULES.md: the spread
    goes as cos(roll - elevation)).

    Of the two rolls that give one spread, a raised camera's grown spread is read as a roll back
    up to its own elevation (the smaller one) and a shrunk spread as a roll forwards (negative),
    where a roll back would have to pass twice the elevation. From a nearly level camera any
    change of the spread is read as a roll back.
    """
    off = np.degrees(np.arccos(np.clip(stack_change * math.cos(math.radians(elevation_deg)), -1.0, 1.0)))
    if elevation_deg < LOW_CAMERA_DEG:
        # Nearly level: cos(roll) alone; the few degrees of elevation are within the estimate's error.
        return np.degrees(np.arccos(np.clip(stack_change, -1.0, 1.0)))
    return elevation_deg - off


def compute_metrics(
    image: np.ndarray,
    world: np.ndarray,
    visibility: np.ndarray,
    width: int,
    height: int,
    side: Side,
    view: SetView | None = None,
) -> MetricSeries:
    """All metrics for frames (N, 33, 3) seen by a ``width`` x ``height`` camera, ``side`` on top.

    ``view`` is how the camera saw the set; by default judged over the frames given. Live mode
    passes its running estimate, since it computes one frame at a time.
    """
    vis = np.nan_to_num(visibility)
    missing = np.isnan(image[:, 0, 0])
    facing_elevation = facing_elevation_deg(world, side)
    if view is None:
        view = SetView.of(facing_elevation, shoulder_stack_ratio(image, side, width, height))
    set_elevation_deg = view.elevation_deg
    squeeze = math.cos(math.radians(min(abs(set_elevation_deg), RECTIFY_MAX_ELEVATION_DEG)))
    px = image[..., :2] * np.array([width, height], dtype=float)
    # The body's frontal plane as a camera level with it would see it (see RECTIFY_MAX_ELEVATION_DEG).
    body_px = px * np.array([1.0, 1.0 / squeeze])
    top, bot = {}, {}
    for name in ("SHOULDER", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX", "WRIST"):
        top[name] = int(L[f"{side.value.upper()}_{name}"])
        bot[name] = int(L[f"{side.other.value.upper()}_{name}"])

    def P(i):  # noqa: N802 - landmark position in pixels
        return px[:, i]

    def Wd(i):  # noqa: N802 - landmark position in world metres
        return world[:, i]

    def V(*idx):  # noqa: N802 - weakest visibility among landmarks
        return np.min(vis[:, list(idx)], axis=1)

    def B(i):  # noqa: N802 - landmark position in the rectified frontal plane
        return body_px[:, i]

    values: dict[str, np.ndarray] = {}
    conf: dict[str, np.ndarray] = {}

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
    shoulder_stack = shoulder_stack_ratio(image, side, width, height)
    # Seen from above the shoulders' spread shrinks by cos(elevation): undone, so the set-up check
    # means the same from any height.
    values["torso_facing_ratio"] = shoulder_stack / squeeze
    conf["torso_facing_ratio"] = vis_trunk

    # All fours (a fire hydrant, a donkey kick) also has a level trunk facing the camera: its
    # tell is the limbs hanging straight down from the trunk, arms under the shoulders and thighs
    # under the hips. Side-lying and side planks hang at most one (the supporting arm).
    down = np.where((across[:, 1] < 0)[:, None], -across, across)  # across the trunk, down the image
    hanging = np.zeros(len(image))
    for root, end in (("HIP", "KNEE"), ("SHOULDER", "WRIST")):
        for part in (top, bot):
            limb = P(part[end]) - P(part[root])
            limb_len = _norm(limb)
            straight_down = np.sum(limb * down, axis=-1) > HANGING_COS * np.maximum(limb_len, 1e-6)
            hanging += straight_down & (limb_len > HANGING_MIN_LENGTH * trunk_len)
    values["limbs_hanging_ratio"] = hanging / 4.0
    conf["limbs_hanging_ratio"] = vis_trunk

    # --- Stacking (roll-back): perpendicular spread of the hips / shoulders vs trunk length -------
    values["pelvis_stack_ratio"] = (
        np.abs(np.sum((P(top["HIP"]) - P(bot["HIP"])) * across, axis=-1)) / trunk_len
    )
    conf["pelvis_stack_ratio"] = V(top["HIP"], bot["HIP"])
    values["shoulder_stack_ratio"] = shoulder_stack
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

    # --- Feet together (clam): how far the top ankle stands off the bottom shank's line, in the
    # frontal plane, over the shank's length (from world metres, so a shank pointing at the camera
    # does not shrink it). Off the line, not from the bottom ankle: sliding along the shank is not
    # coming apart. On rendered correct clams from 1.7 m the ankles' distance grew 0.17-0.21 (the
    # top ankle turns with the opening knee, and the pose model drags it further); off the line,
    # 0.09. -------------------------------------------------------------------------------------
    px_per_m = trunk_len / np.maximum(_norm(trunk_w), 1e-6)
    shank_px = np.maximum(_norm(P(top["ANKLE"]) - P(top["KNEE"])), px_per_m * _norm(shank_w))
    bottom_shank = B(bot["ANKLE"]) - B(bot["KNEE"])
    off_line = B(top["ANKLE"]) - B(bot["ANKLE"])
    off_line_px = np.abs(bottom_shank[:, 0] * off_line[:, 1] - bottom_shank[:, 1] * off_line[:, 0])
    off_line_px /= np.maximum(_norm(bottom_shank), 1e-6)
    values["feet_gap_ratio"] = off_line_px / np.maximum(shank_px, 1e-6)
    conf["feet_gap_ratio"] = V(top["ANKLE"], bot["ANKLE"], top["KNEE"], bot["KNEE"])

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
    hip_mid, shoulder_mid = (B(top["HIP"]) + B(bot["HIP"])) / 2, (B(top["SHOULDER"]) + B(bot["SHOULDER"])) / 2
    support = np.where(kneeling[:, None], B(bot["KNEE"]), B(bot["ANKLE"])) + hip_mid - B(bot["HIP"])
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
    _, lateral_w, anterior_w = body_axes_world(world, side, "HIP")
    values["camera_elevation_deg"] = facing_elevation
    conf["camera_elevation_deg"] = DEPTH_CONFIDENCE * vis_trunk
    values["camera_yaw_deg"] = np.broadcast_to(np.asarray(view.yaw_deg, dtype=float), (len(image),)).copy()
    conf["camera_yaw_deg"] = DEPTH_CONFIDENCE * vis_trunk
    # Roll back from two cues that err differently, the smaller one taken: the shoulders' image
    # spread against the set's (blind to the roll's direction from a low camera, and to rolls
    # near twice the elevation), and the turn of the body's front in depth (MediaPipe's world
    # landmarks; a working leg alone turns it by up to ~18 deg). The rules compare it with rest.
    # From a raised camera the spread alone is clear; between, a limit-sized roll changes it less
    # than MediaPipe's noise (~10-15%) and the roll cannot be seen.
    image_roll = roll_from_stack_deg(shoulder_stack / view.shoulder_stack_ratio, set_elevation_deg)
    world_roll = set_elevation_deg - facing_elevation
    raised = set_elevation_deg >= ROLL_RAISED_CAMERA_DEG
    # From a low camera both cues move on correct clams (the opening knee drags them), so the roll
    # reported is the least they are sure of. Rolls forwards are not this fault: 0, so that a
    # rep's resting reference is not below zero.
    fused = image_roll if raised else np.minimum(image_roll, world_roll) - LOW_CAMERA_ROLL_NOISE_DEG
    values["pelvis_roll_deg"] = np.maximum(fused, 0.0)
    roll_seen = raised or set_elevation_deg < LOW_CAMERA_DEG
    conf["pelvis_roll_deg"] = DEPTH_CONFIDENCE * V(top["SHOULDER"], bot["SHOULDER"]) * float(roll_seen)
    # Hip stacking is a front view's cue: seen from above, a roll back *raises* the stack.
    conf["pelvis_stack_ratio"] = conf["pelvis_stack_ratio"] * float(
        np.clip((STACK_BLIND_ELEVATION_DEG - abs(set_elevation_deg)) / 15.0, 0.0, 1.0)
    )
    leg_w = Wd(top["ANKLE"]) - Wd(top["HIP"])
    values["leg_forward_deg"] = np.degrees(
        np.arcsin(np.clip(np.sum(leg_w * anterior_w, axis=-1) / np.maximum(_norm(leg_w), 1e-9), -1, 1))
    )
    conf["leg_forward_deg"] = DEPTH_CONFIDENCE * V(top["HIP"], top["ANKLE"], top["SHOULDER"])
    # Toes up, seen in the image: a neutral foot points at the body's front, and turning the toes
    # up by t turns it up the image, across the leg, by sin(t - elevation) of its length (which
    # comes from world metres, so a foot seen end-on is not shortened away). Towards the ceiling,
    # as FORM_RULES.md words it, not against the resting foot, which often lies turned down; and
    # turned at the hip, so a pelvis rolling back (its own fault) does not turn the toes up too.
    # (MediaPipe's foot depth read 6-25 deg on correct rendered leg lifts and 27-33 on a 46 deg
    # turn: no use.)
    leg_img = P(top["ANKLE"]) - P(top["HIP"])
    across_leg = np.stack([leg_img[:, 1], -leg_img[:, 0]], axis=-1)
    across_leg /= np.maximum(_norm(leg_img), 1e-6)[:, None]
    across_leg = np.where((across_leg[:, 1] > 0)[:, None], -across_leg, across_leg)  # up the image
    foot_img = P(top["FOOT_INDEX"]) - P(top["HEEL"])
    foot_px = np.maximum(_norm(foot_img), px_per_m * _norm(Wd(top["FOOT_INDEX"]) - Wd(top["HEEL"])))
    values["toes_up_deg"] = np.degrees(
        np.arcsin(np.clip(np.sum(foot_img * across_leg, axis=-1) / np.maximum(foot_px, 1e-6), -1.0, 1.0))
    ) + (set_elevation_deg - values["pelvis_roll_deg"])
    conf["toes_up_deg"] = V(top["HEEL"], top["FOOT_INDEX"], top["ANKLE"])

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
    "limbs_hanging_ratio": "share of arms and thighs hanging straight down from the trunk (all fours)",
    "pelvis_stack_ratio": "hips stacked (vertical spread / trunk length)",
    "shoulder_stack_ratio": "shoulders stacked (vertical spread / trunk length)",
    "thigh_opening_deg": "angle between the thighs",
    "leg_abduction_deg": "angle between the legs",
    "knee_flexion_deg": "knee bend",
    "hip_flexion_deg": "hip bend",
    "feet_gap_ratio": "top ankle off the bottom shank's line / shank length",
    "pelvis_tilt_deg": "pelvis tilt towards the head (hip hike)",
    "body_line_deg": "shoulder-hip-ankle (or knee) line, 180 = straight",
    "hip_lift_ratio": "hips raised above the support",
    "leg_forward_deg": "leg in front of the body's plane",
    "toes_up_deg": "toes turned towards the ceiling",
    "trunk_rotation_deg": "shoulders rotated against the pelvis",
    "pelvis_roll_deg": "pelvis and trunk rolled back (deg)",
    "camera_elevation_deg": "how far above the body's front the camera looks down from",
    "camera_yaw_deg": "how far the camera stands off square-on, towards the head (+) or feet (-)",
    "body_in_frame_ratio": "share of the key joints inside the frame",
    "body_visibility": "mean visibility of the key joints",
}
