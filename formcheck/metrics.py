"""The metric registry: every measure formcheck knows, each a small named function with its unit,
its label, its confidence rule (in the function) and the views that can see it.

``compute_metrics`` runs them all on frames (N, 33, 3) at once (offline a chunk of a recording,
live N = 1). The geometry they share (the working side's joints in pixels, in world metres and in
the rectified frontal plane; the trunk's axes; the set's view) is worked out once per call in
``Frames``. Conventions: kinematics.py's docstring.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from formcheck.kinematics import (
    DEPTH_CONFIDENCE,
    FACE_ROLL_MIN_VISIBILITY,
    FACING_MAX_ELEVATION_DEG,
    FEET_GAP_UNDERSTATED_ABOVE_DEG,
    FOOT_SWUNG_TOWARDS_HIP,
    HANGING_COS,
    HANGING_MIN_LENGTH,
    HIPS_ROLL_RAISED_CAMERA_DEG,
    IN_FRAME_MARGIN,
    KNEE_TURN_HIDDEN_DEG,
    KNEE_TURN_VISIBLE_DEG,
    KNEELING_SAG_BLIND_ELEVATION_DEG,
    LIMB_DEPTH_CONFIDENCE,
    LOW_CAMERA_DEG,
    LOW_CAMERA_ROLL_NOISE_DEG,
    LYING_PLANE_HIDDEN_DEG,
    LYING_PLANE_VISIBLE_DEG,
    OPENING_RECTIFY_MAX_ELEVATION_DEG,
    PELVIS_TILT_CONFIDENCE,
    PLANK_FACE_RAISED_DEG,
    RECTIFY_MAX_ELEVATION_DEG,
    ROLL_RAISED_CAMERA_DEG,
    SHANK_HIDDEN,
    SHANK_VISIBLE,
    STACK_BLIND_ELEVATION_DEG,
    SetView,
    _norm,
    bend_visibility,
    body_axes_world,
    face_turn_deg,
    facing_elevation_deg,
    head_end_votes,
    knee_rise_ratio,
    opening_about_leg_deg,
    roll_from_stack_deg,
    seen_from_elevation,
    signed_opening_deg,
    stack_ratio,
    stacking_votes,
    up_the_image,
)
from formcheck.pose.geometry import angle_deg, joint_flexion_deg
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.landmarks import Side

Series = tuple[np.ndarray, np.ndarray]  # (values, confidence), each (N,)

# Counting reps and timing holds carries on further round than most checks: reps counted exactly
# up to 75 deg of camera yaw in the simulator (not looking down the body's length, where the issue
# 13 footage counted a rep that never happened); a side plank's hold to 45.
COUNT_MAX_YAW_DEG = 80.0
HOLD_MAX_YAW_DEG = 50.0


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # "deg", "ratio" (a share or a length over a length) or "" (a mean visibility)
    label: str  # what it measures, in words (help texts, the overlay)
    compute: Callable[[Frames], Series]
    # How far off square-on (|camera_yaw_deg|) it still means what its limit says; past it the
    # rules say "can't see" (None: any view; a joint's bend has its own test of its plane).
    max_yaw_deg: float | None = None
    # From a camera more than this far above the body's front (the set's view_elevation_deg) it
    # shows only part of what it measures, so it can only read smaller: a reading past a rule's
    # limit is still a fault, one within it is "can't see" (None: every height sees it in full).
    understated_above_deg: float | None = None


METRICS: dict[str, Metric] = {}


def metric(
    name: str,
    unit: str,
    label: str,
    max_yaw_deg: float | None = None,
    understated_above_deg: float | None = None,
):
    """Register the decorated function as the metric ``name``."""

    def register(compute: Callable[[Frames], Series]) -> Callable[[Frames], Series]:
        METRICS[name] = Metric(name, unit, label, compute, max_yaw_deg, understated_above_deg)
        return compute

    return register


@dataclass
class MetricSeries:
    values: dict[str, np.ndarray]
    confidence: dict[str, np.ndarray]

    def frame(self, i: int) -> tuple[dict[str, float], dict[str, float]]:
        return (
            {k: float(v[i]) for k, v in self.values.items()},
            {k: float(c[i]) for k, c in self.confidence.items()},
        )


class Frames:
    """The frames being measured and the geometry the metrics share, each piece worked out once."""

    def __init__(
        self,
        image: np.ndarray,
        world: np.ndarray,
        visibility: np.ndarray,
        width: int,
        height: int,
        side: Side,
        view: SetView | None,
    ):
        self.image, self.world, self.side = image, world, side
        self.width, self.height = width, height
        self.vis = np.nan_to_num(visibility)
        self.facing_elevation = facing_elevation_deg(world, side)
        self.shoulder_stack = stack_ratio(image, side, width, height, "SHOULDER")
        self.pelvis_stack = stack_ratio(image, side, width, height, "HIP")
        self.knee_rise = knee_rise_ratio(image, side, width, height)
        self.face_turn = face_turn_deg(image, world, width, height)
        if view is None:
            view = SetView.of(
                self.facing_elevation,
                self.shoulder_stack,
                self.pelvis_stack,
                knee_rise_ratio=self.knee_rise,
                face_turn_deg=self.face_turn,
            )
        self.view = view
        self.elevation_deg = self.view.elevation_deg
        self.px = image[..., :2] * np.array([width, height], dtype=float)
        # The body's frontal plane as a camera level with it would see it (RECTIFY_MAX_ELEVATION_DEG).
        self.body_px = self.frontal_px(RECTIFY_MAX_ELEVATION_DEG)
        self.facing_squeeze = (
            1.0
            if view.front_faces_away
            else math.cos(math.radians(min(self.elevation_deg, FACING_MAX_ELEVATION_DEG)))
        )
        self.top = {n: int(L[f"{side.value.upper()}_{n}"]) for n in JOINTS}
        self.bot = {n: int(L[f"{side.other.value.upper()}_{n}"]) for n in JOINTS}
        self._done: dict[str, Series] = {}

    def __len__(self) -> int:
        return len(self.image)

    def get(self, name: str) -> Series:
        """A metric's (values, confidence), computed once."""
        if name not in self._done:
            self._done[name] = METRICS[name].compute(self)
        return self._done[name]

    def P(self, i: int) -> np.ndarray:  # noqa: N802 - landmark position in pixels
        return self.px[:, i]

    def Wd(self, i: int) -> np.ndarray:  # noqa: N802 - landmark position in world metres
        return self.world[:, i]

    def B(self, i: int) -> np.ndarray:  # noqa: N802 - landmark position in the rectified frontal plane
        return self.body_px[:, i]

    def frontal_px(self, max_elevation_deg: float) -> np.ndarray:
        """The landmarks' pixels with the frontal plane's vertical squeeze, cos(elevation), undone up
        to ``max_elevation_deg``."""
        squeeze = math.cos(math.radians(min(abs(self.elevation_deg), max_elevation_deg)))
        return self.px * np.array([1.0, 1.0 / squeeze])

    def V(self, *idx: int) -> np.ndarray:  # noqa: N802 - weakest visibility among landmarks
        return np.min(self.vis[:, list(idx)], axis=1)

    @cached_property
    def trunk(self) -> np.ndarray:
        t, b = self.top, self.bot
        return (self.P(t["SHOULDER"]) + self.P(b["SHOULDER"])) / 2 - (self.P(t["HIP"]) + self.P(b["HIP"])) / 2

    @cached_property
    def trunk_len(self) -> np.ndarray:
        return np.maximum(_norm(self.trunk), 1e-6)

    @cached_property
    def trunk_axis(self) -> np.ndarray:
        return self.trunk / self.trunk_len[:, None]

    @cached_property
    def across(self) -> np.ndarray:
        """The image-plane normal to the trunk."""
        return np.stack([-self.trunk_axis[:, 1], self.trunk_axis[:, 0]], axis=-1)

    @cached_property
    def vis_trunk(self) -> np.ndarray:
        t, b = self.top, self.bot
        return self.V(t["SHOULDER"], b["SHOULDER"], t["HIP"], b["HIP"])

    @cached_property
    def vis_face(self) -> np.ndarray:
        return self.V(L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)

    @cached_property
    def trunk_w(self) -> np.ndarray:
        t, b = self.top, self.bot
        return (self.Wd(t["SHOULDER"]) + self.Wd(b["SHOULDER"])) / 2 - (
            self.Wd(t["HIP"]) + self.Wd(b["HIP"])
        ) / 2

    @cached_property
    def hinge_w(self) -> np.ndarray:
        return self.Wd(self.top["HIP"]) - self.Wd(self.bot["HIP"])

    @cached_property
    def px_per_m(self) -> np.ndarray:
        return self.trunk_len / np.maximum(_norm(self.trunk_w), 1e-6)

    @cached_property
    def raised_camera(self) -> bool:
        """Looking down steeply enough that a roll's direction shows (ROLL_RAISED_CAMERA_DEG)."""
        return self.elevation_deg >= ROLL_RAISED_CAMERA_DEG

    @cached_property
    def plank_face_level(self) -> bool:
        """A plank's face, held in line with its trunk, says the camera is level with the body
        (PLANK_FACE_RAISED_DEG); not where the face was not seen."""
        return bool(-self.view.face_turn_deg < PLANK_FACE_RAISED_DEG)

    @cached_property
    def shoulder_roll_deg(self) -> np.ndarray:
        """The shoulders' roll back from their image spread against the set's (roll_from_stack_deg)."""
        return roll_from_stack_deg(self.shoulder_stack / self.view.shoulder_stack_ratio, self.elevation_deg)

    @cached_property
    def head_roll_deg(self) -> np.ndarray:
        """The head's roll back, the face turned up against the set's usual turn (face_turn_deg)."""
        return self.face_turn - self.view.face_turn_deg

    @cached_property
    def hip_roll_deg(self) -> np.ndarray:
        """The hips' roll back from their image spread against the set's (roll_from_stack_deg)."""
        return roll_from_stack_deg(self.pelvis_stack / self.view.pelvis_stack_ratio, self.elevation_deg)

    @cached_property
    def plank(self) -> tuple[np.ndarray, ...]:
        """The side plank's frontal-plane points: (hip mid, shoulder mid, support, kneeling).

        The support is the bottom leg's knee or ankle on the floor (the top leg may be lifting),
        moved up by half the hips' spread so it sits on the body's mid-line as the hips do. Kneeling
        is a bent bottom knee, or its shank pointing at the lens (SHANK_HIDDEN), which a straight
        leg lying across the picture cannot do: there the image's knee angle is the pose model's
        guess. Rendered from 0.3 m under a straightened top leg, MediaPipe's read under 60 deg in
        29-60% of the held frames, and the hold was timed as lying. Through MediaPipe the kneeling
        shanks' medians measured 0.09-0.37 of the thighs from 0.3 m (0.25-0.63 from 0.9 m, where the
        angle reads), straight-legged planks' 0.79 or more in 95% of frames at every height."""
        t, b, B = self.top, self.bot, self.B
        bent = joint_flexion_deg(self.P(b["HIP"]), self.P(b["KNEE"]), self.P(b["ANKLE"])) > 60.0
        kneeling = bent | (_shank_over_thigh(self, b) < SHANK_HIDDEN)
        hip_mid, shoulder_mid = (B(t["HIP"]) + B(b["HIP"])) / 2, (B(t["SHOULDER"]) + B(b["SHOULDER"])) / 2
        support = np.where(kneeling[:, None], B(b["KNEE"]), B(b["ANKLE"])) + hip_mid - B(b["HIP"])
        return hip_mid, shoulder_mid, support, kneeling


JOINTS = ("SHOULDER", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX", "WRIST")
# The top side is up in the image for anyone lying across the frame; the hips' own left/right
# labels are not used for this because MediaPipe swaps them in oblique shots.
TOWARDS_TOP = np.array([0.0, -1.0])


# --- Set-up: lying across the frame, facing the camera, not on all fours -------------------------
@metric("torso_tilt_deg", "deg", "trunk tilt from horizontal")
def torso_tilt_deg(f: Frames) -> Series:
    return np.degrees(np.arctan2(np.abs(f.trunk[:, 1]), np.abs(f.trunk[:, 0]))), f.vis_trunk


@metric("torso_facing_ratio", "ratio", "how squarely the trunk faces the camera")
def torso_facing_ratio(f: Frames) -> Series:
    """Seen from above the shoulders' spread shrinks by cos(elevation): undone, so the set-up
    check means the same from any height (FACING_MAX_ELEVATION_DEG). A front turned away from the
    camera is not undone: a body lying on its back shows its shoulders' spread in depth only."""
    return f.shoulder_stack / f.facing_squeeze, f.vis_trunk


@metric(
    "limbs_hanging_ratio",
    "ratio",
    "share of arms and thighs hanging straight down from the trunk (all fours)",
)
def limbs_hanging_ratio(f: Frames) -> Series:
    """All fours (a fire hydrant, a donkey kick) also has a level trunk facing the camera: its tell
    is the limbs hanging straight down from the trunk, arms under the shoulders and thighs under
    the hips. Side-lying and side planks hang at most one (the supporting arm)."""
    down = np.where((f.across[:, 1] < 0)[:, None], -f.across, f.across)  # across the trunk, down the image
    hanging = np.zeros(len(f))
    for root, end in (("HIP", "KNEE"), ("SHOULDER", "WRIST")):
        for part in (f.top, f.bot):
            limb = f.P(part[end]) - f.P(part[root])
            limb_len = _norm(limb)
            straight_down = np.sum(limb * down, axis=-1) > HANGING_COS * np.maximum(limb_len, 1e-6)
            hanging += straight_down & (limb_len > HANGING_MIN_LENGTH * f.trunk_len)
    return hanging / 4.0, f.vis_trunk


# --- Stacking: the hips' and shoulders' spread across the trunk over its length ------------------
@metric("pelvis_stack_ratio", "ratio", "hips stacked (vertical spread / trunk length)")
def pelvis_stack_ratio(f: Frames) -> Series:
    """A front view's cue: seen from above, a roll back *raises* the stack, so the confidence
    fades out by STACK_BLIND_ELEVATION_DEG."""
    seen = float(np.clip((STACK_BLIND_ELEVATION_DEG - abs(f.elevation_deg)) / 15.0, 0.0, 1.0))
    return f.pelvis_stack, f.V(f.top["HIP"], f.bot["HIP"]) * seen


@metric("shoulder_stack_ratio", "ratio", "shoulders stacked (vertical spread / trunk length)")
def shoulder_stack(f: Frames) -> Series:
    return f.shoulder_stack, f.V(f.top["SHOULDER"], f.bot["SHOULDER"])


# --- Legs in the image plane ---------------------------------------------------------------------
def _thighs_opening_deg(f: Frames, px: np.ndarray) -> np.ndarray:
    """The angle between the thighs among the landmarks' pixels ``px`` (N, 33, 2)."""
    t, b = f.top, f.bot
    top_thigh, bottom_thigh = px[:, t["KNEE"]] - px[:, t["HIP"]], px[:, b["KNEE"]] - px[:, b["HIP"]]
    return signed_opening_deg(top_thigh, bottom_thigh, TOWARDS_TOP)


@metric("thigh_opening_deg", "deg", "angle between the thighs")
def thigh_opening_deg(f: Frames) -> Series:
    t, b = f.top, f.bot
    value = _thighs_opening_deg(f, f.px)
    return value, np.minimum(f.V(t["HIP"], t["KNEE"]), np.maximum(f.V(b["KNEE"]), 0.5))


@metric("thigh_opening_frontal_deg", "deg", "angle between the thighs in the body's frontal plane")
def thigh_opening_frontal_deg(f: Frames) -> Series:
    """thigh_opening_deg with the camera's elevation undone, as the plank's line but from steeper
    (OPENING_RECTIFY_MAX_ELEVATION_DEG): kneeling, the thighs lie along the body and the top knee
    opens towards the ceiling, in the frontal plane."""
    value = _thighs_opening_deg(f, f.frontal_px(OPENING_RECTIFY_MAX_ELEVATION_DEG))
    return value, f.get("thigh_opening_deg")[1]


@metric("leg_abduction_deg", "deg", "angle between the legs", max_yaw_deg=35.0)
def leg_abduction_deg(f: Frames) -> Series:
    """In the frontal plane (the camera's elevation undone, as the plank's line): from a raised
    camera the simulator's 60 deg lifts read under the 45 deg over_lift limit in the image, and
    were all missed (8 of 8 caught now); the rendered lifts' range error from 1.7 m fell from 11.5
    to 9.6 deg. Past 35 deg round, the simulator's leg lifts alarmed over_lift from 45 (the
    horizontal is foreshortened, the angle opens) and lost small_range from 60."""
    t, b = f.top, f.bot
    value = signed_opening_deg(f.B(t["ANKLE"]) - f.B(t["HIP"]), f.B(b["ANKLE"]) - f.B(b["HIP"]), TOWARDS_TOP)
    return value, np.minimum(f.V(t["HIP"], t["ANKLE"]), np.maximum(f.V(b["ANKLE"]), 0.5))


# --- Joint bends, only where the joint's plane faces the camera ----------------------------------
@metric("knee_flexion_deg", "deg", "knee bend")
def knee_flexion_deg(f: Frames) -> Series:
    t = f.top
    value = joint_flexion_deg(f.P(t["HIP"]), f.P(t["KNEE"]), f.P(t["ANKLE"]))
    thigh_w, shank_w = f.Wd(t["KNEE"]) - f.Wd(t["HIP"]), f.Wd(t["ANKLE"]) - f.Wd(t["KNEE"])
    return value, f.V(t["HIP"], t["KNEE"], t["ANKLE"]) * bend_visibility(thigh_w, shank_w, f.hinge_w)


@metric("knee_flexion_lifted_deg", "deg", "knee bend of a leg lifted in the body's plane")
def knee_flexion_lifted_deg(f: Frames) -> Series:
    """The top knee's bend while the leg lifts in the body's frontal plane (a side-lying leg lift):
    the thigh stays in that plane and a bending knee takes the shank backwards out of it, which a
    camera above sees by sin(elevation), the lift by cos(elevation). So in the frontal plane (the
    image's offsets across the body undone by cos(elevation)) the shank is a share along the thigh
    plus a share straight up that is its backward part times tan(elevation). Rendered from 1.7 m
    (32-42 deg up by MediaPipe's reckoning), 36-37 deg bends read 32-48 deg through MediaPipe and
    30-38 on the true keypoints, where the picture's angle read 19.5-24 against the 20 deg limit.
    From below the lying plane's elevations
    (LYING_PLANE_HIDDEN_DEG) the backward part is too small to read (rendered from 0.9 m, 11-17 deg
    up, straight knees read -29 to +41), and the picture's angle stands in where the bend's plane
    faces the camera (knee_flexion_deg)."""
    if f.elevation_deg < LYING_PLANE_HIDDEN_DEG:
        return f.get("knee_flexion_deg")
    t = f.top
    up = up_the_image(f.across)  # towards the top side
    # The true cos(elevation), not Frames.B's (capped at RECTIFY_MAX_ELEVATION_DEG): the shank is
    # split along the thigh's true direction in the frontal plane.
    lift = math.cos(math.radians(f.elevation_deg))

    def frontal(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.sum(v * f.trunk_axis, axis=-1), np.sum(v * up, axis=-1) / lift

    thigh_along, thigh_up = frontal(f.P(t["KNEE"]) - f.P(t["HIP"]))
    shank_along, shank_up = frontal(f.P(t["ANKLE"]) - f.P(t["KNEE"]))
    thigh_len = np.maximum(np.hypot(thigh_along, thigh_up), 1e-6)
    along_thigh = thigh_along / thigh_len
    # shank = a * the thigh's direction + its backward part * tan(elevation) * straight up
    a = shank_along / np.where(np.abs(along_thigh) > 0.2, along_thigh, np.nan)
    backward = (shank_up - a * thigh_up / thigh_len) / math.tan(math.radians(f.elevation_deg))
    # Straight, the shank reads a little forwards of the thigh's line (rendered straight knees, true
    # keypoints and MediaPipe's: -8 to 0 deg; the keypoints sit in front of the bones): 0, as no bend.
    value = np.maximum(np.degrees(np.arctan2(backward, a)), 0.0)
    seen = seen_from_elevation(f.elevation_deg, LYING_PLANE_HIDDEN_DEG, LYING_PLANE_VISIBLE_DEG)
    return value, np.where(np.isfinite(value), f.V(t["HIP"], t["KNEE"], t["ANKLE"]) * seen, 0.0)


@metric("knee_flexion_lying_deg", "deg", "knee bend lying still, in the plane the legs lie in")
def knee_flexion_lying_deg(f: Frames) -> Series:
    """The top knee's bend in the floor's plane, where lying legs bend (the body's sagittal plane):
    the image's offsets across the body are undone by sin(elevation). True only while the legs lie
    still, so rules read it at rest (a clam holds its knee bend through the rep, and at the top
    the opening thigh leaves that plane: rendered clams from 1.7 m read 5-14 deg there, at any
    knee). From a level camera the plane is edge-on (LYING_PLANE_HIDDEN_DEG)."""
    t = f.top
    squeeze = math.sin(math.radians(min(max(f.elevation_deg, LYING_PLANE_HIDDEN_DEG), 90.0)))

    def in_plane(v: np.ndarray) -> np.ndarray:
        along, across = np.sum(v * f.trunk_axis, axis=-1), np.sum(v * f.across, axis=-1)
        return np.stack([along, across / squeeze], axis=-1)

    thigh, shank = in_plane(f.P(t["HIP"]) - f.P(t["KNEE"])), in_plane(f.P(t["ANKLE"]) - f.P(t["KNEE"]))
    seen = seen_from_elevation(f.elevation_deg, LYING_PLANE_HIDDEN_DEG, LYING_PLANE_VISIBLE_DEG)
    return 180.0 - angle_deg(thigh, shank), f.V(t["HIP"], t["KNEE"], t["ANKLE"]) * seen


@metric("knee_rise_ratio", "ratio", "top knee above its hip-ankle line (/ trunk length)")
def knee_rise_ratio_metric(f: Frames) -> Series:
    """What the set's knee rest (SetView) is judged from, live as offline."""
    t = f.top
    return f.knee_rise, f.V(t["HIP"], t["KNEE"], t["ANKLE"])


@metric("knee_opening_deg", "deg", "top knee opened about the hip-ankle line")
def knee_opening_deg(f: Frames) -> Series:
    """The clam's opening in the body's own terms: the knee's turn about the line from its hip to
    its foot, from its rise against the set's rest (opening_about_leg_deg). A camera above sees the
    thighs' image angle shrink: rendered from 1.7 m, correct clams (true 45-54 deg) open 19-30 deg
    in the image and read 40-66 here through MediaPipe; 15 deg clams 4-8 and 9-16. From a level
    camera the knee rests on the line (KNEE_TURN_HIDDEN_DEG) and the image angle stands in."""
    t = f.top
    value = opening_about_leg_deg(f.knee_rise, f.view.knee_rest_rise_ratio, f.elevation_deg)
    seen = seen_from_elevation(f.elevation_deg, KNEE_TURN_HIDDEN_DEG, KNEE_TURN_VISIBLE_DEG)
    return value, f.V(t["HIP"], t["KNEE"], t["ANKLE"]) * seen


@metric("hip_flexion_deg", "deg", "hip bend")
def hip_flexion_deg(f: Frames) -> Series:
    """From the *bottom* thigh: it stays put while the top knee opens, so the clam's opening does
    not leak into it."""
    b = f.bot
    value = 180.0 - angle_deg(f.trunk, f.P(b["KNEE"]) - f.P(b["HIP"]))
    plane = bend_visibility(-f.trunk_w, f.Wd(b["KNEE"]) - f.Wd(b["HIP"]), f.hinge_w)
    return value, f.V(b["HIP"], b["KNEE"], b["SHOULDER"]) * plane


@metric(
    "feet_gap_ratio",
    "ratio",
    "top ankle off the bottom shank's line / shank length",
    max_yaw_deg=35.0,
    understated_above_deg=FEET_GAP_UNDERSTATED_ABOVE_DEG,
)
def feet_gap_ratio(f: Frames) -> Series:
    """How far the top ankle stands off the bottom shank's line, in the frontal plane, over the
    shank's length (from world metres, so a shank pointing at the camera does not shrink it). Off
    the line, not from the bottom ankle: sliding along the shank is not coming apart. On rendered
    correct clams from 1.7 m the ankles' distance grew 0.17-0.21 (the top ankle turns with the
    opening knee, and the pose model drags it further); off the line, 0.09. Not seen while a shank
    points at the lens (SHANK_HIDDEN); only in part from above (FEET_GAP_UNDERSTATED_ABOVE_DEG).
    Past 35 deg round the simulator's clams lost feet_apart from 45."""
    t, b = f.top, f.bot
    shank_w = f.Wd(t["ANKLE"]) - f.Wd(t["KNEE"])
    shank_px = np.maximum(_norm(f.P(t["ANKLE"]) - f.P(t["KNEE"])), f.px_per_m * _norm(shank_w))
    bottom_shank = f.B(b["ANKLE"]) - f.B(b["KNEE"])
    off_line = f.B(t["ANKLE"]) - f.B(b["ANKLE"])
    off_line_px = np.abs(bottom_shank[:, 0] * off_line[:, 1] - bottom_shank[:, 1] * off_line[:, 0])
    off_line_px /= np.maximum(_norm(bottom_shank), 1e-6)
    shanks_across = np.minimum(*(_shank_over_thigh(f, leg) for leg in (t, b)))
    in_view = np.clip((shanks_across - SHANK_HIDDEN) / (SHANK_VISIBLE - SHANK_HIDDEN), 0.0, 1.0)
    return off_line_px / np.maximum(shank_px, 1e-6), f.V(
        t["ANKLE"], b["ANKLE"], t["KNEE"], b["KNEE"]
    ) * in_view


def _shank_over_thigh(f: Frames, leg: dict[str, int]) -> np.ndarray:
    """A leg's shank over its thigh in the image: small when the shank points at the lens."""
    shank = _norm(f.P(leg["ANKLE"]) - f.P(leg["KNEE"]))
    return shank / np.maximum(_norm(f.P(leg["KNEE"]) - f.P(leg["HIP"])), 1e-6)


@metric("pelvis_tilt_deg", "deg", "pelvis tilt towards the head (hip hike)", max_yaw_deg=20.0)
def pelvis_tilt_deg(f: Frames) -> Series:
    """Lateral pelvic tilt: the pelvis axis against the trunk's perpendicular, positive when the top
    hip moves towards the head. Measured, but not trusted from MediaPipe's hips
    (PELVIS_TILT_CONFIDENCE). Past 20 deg round the simulator's leg lifts alarmed hip_hike from 30."""
    t, b = f.top, f.bot
    pelvis_axis = f.P(t["HIP"]) - f.P(b["HIP"])
    value = np.degrees(
        np.arctan2(
            np.sum(pelvis_axis * f.trunk_axis, axis=-1), np.abs(np.sum(pelvis_axis * f.across, axis=-1))
        )
    )
    stack, _ = f.get("pelvis_stack_ratio")
    return value, PELVIS_TILT_CONFIDENCE * f.V(t["HIP"], b["HIP"]) * np.minimum(1.0, stack / 0.15)


# --- Side plank: a straight line shoulders-hips-support, and the hips off the floor ---------------
@metric("body_line_deg", "deg", "shoulder-hip-ankle (or knee) line, 180 = straight", max_yaw_deg=50.0)
def body_line_deg(f: Frames) -> Series:
    """Past 50 deg round the simulator's planks lost hip_sag from 60."""
    hip_mid, shoulder_mid, support, kneeling = f.plank
    line = support - shoulder_mid
    line_axis = line / np.maximum(_norm(line), 1e-6)[:, None]
    normal = np.stack([-line_axis[:, 1], line_axis[:, 0]], axis=-1)
    normal = up_the_image(normal)
    hip_offset = np.sum((hip_mid - shoulder_mid) * normal, axis=-1)  # > 0: hips above the line (pike)
    straight = angle_deg(shoulder_mid - hip_mid, support - hip_mid)
    b = f.bot
    confidence = np.minimum(f.vis_trunk, np.where(kneeling, f.V(b["KNEE"]), f.V(b["ANKLE"])))
    return np.where(hip_offset > 0, 360.0 - straight, straight), confidence


@metric("body_line_sag_deg", "deg", "the body line where a sag can be told: not kneeling from above")
def body_line_sag_deg(f: Frames) -> Series:
    """body_line_deg, unseen for a kneeling plank from above KNEELING_SAG_BLIND_ELEVATION_DEG, where
    the pose model reads the line low (a pike still reads high: hip_pike keeps body_line_deg)."""
    line, confidence = f.get("body_line_deg")
    kneeling = f.plank[3]
    blind = kneeling & (abs(f.elevation_deg) >= KNEELING_SAG_BLIND_ELEVATION_DEG)
    return line, np.where(blind, 0.0, confidence)


@metric("hip_lift_ratio", "ratio", "hips raised above the support")
def hip_lift_ratio(f: Frames) -> Series:
    hip_mid, _, support, _ = f.plank
    hip_to_support = support - hip_mid
    return hip_to_support[:, 1] / np.maximum(_norm(hip_to_support), 1e-6), f.get("body_line_deg")[1]


# --- The view, and what rests on depth -----------------------------------------------------------
@metric("camera_elevation_deg", "deg", "how far above the body's front the camera looks down from")
def camera_elevation_deg(f: Frames) -> Series:
    return f.facing_elevation, DEPTH_CONFIDENCE * f.vis_trunk


@metric("view_elevation_deg", "deg", "how far above the body's front the camera looks down from (the set's)")
def view_elevation_deg(f: Frames) -> Series:
    """The set's (or the moment's) elevation, judged over many frames by the pipeline: what the
    rules of an understated measure (Metric.understated_above_deg) go by."""
    return np.broadcast_to(
        np.asarray(f.view.elevation_deg, dtype=float), (len(f),)
    ).copy(), DEPTH_CONFIDENCE * f.vis_trunk


@metric("camera_yaw_deg", "deg", "how far the camera stands off square-on, towards the head (+) or feet (-)")
def camera_yaw_deg(f: Frames) -> Series:
    """The set's (or the moment's) view, judged over many frames by the pipeline."""
    return np.broadcast_to(
        np.asarray(f.view.yaw_deg, dtype=float), (len(f),)
    ).copy(), DEPTH_CONFIDENCE * f.vis_trunk


@metric("facing_camera_vote", "", "+1 facing the camera, -1 facing away, 0 unclear")
def facing_camera_vote(f: Frames) -> Series:
    """Whether the joints' stacking and the head's end agree on the side on top: they agree when
    the body's front faces the camera and disagree from behind (or where the pose model swapped
    left and right). Rendered side planks from behind disagree in most frames; every shared
    front clip agrees."""
    stacking, head = stacking_votes(f.image, f.vis), head_end_votes(f.image, f.vis)
    clear = (np.abs(stacking) > 0.5) & (np.abs(head) > 0.5)
    return np.where(clear, np.sign(stacking) * np.sign(head), 0.0), f.vis_trunk


@metric("face_turn_deg", "deg", "face turned up from the camera")
def face_turn_deg_metric(f: Frames) -> Series:
    """Read into live mode's view window, where the set's usual turn is judged (SetView)."""
    return f.face_turn, f.vis_face


def _roll_back(f: Frames, face: bool, hips: bool, depth: bool = True) -> Series:
    """The roll back from the cues asked for (pelvis_roll_deg); the hips' spread from above, and
    from a low camera the body's turn in depth as the shoulders' confirmation."""
    shoulders = f.V(f.top["SHOULDER"], f.bot["SHOULDER"])
    if hips and f.elevation_deg >= HIPS_ROLL_RAISED_CAMERA_DEG:
        seen = np.minimum(shoulders, f.V(f.top["HIP"], f.bot["HIP"]))
        return np.maximum(np.maximum(f.shoulder_roll_deg, f.hip_roll_deg), 0.0), DEPTH_CONFIDENCE * seen
    if f.raised_camera:
        return np.maximum(f.shoulder_roll_deg, 0.0), DEPTH_CONFIDENCE * shoulders
    face_seen = face & (f.vis_face >= FACE_ROLL_MIN_VISIBILITY)
    head = np.where(face_seen, f.head_roll_deg, np.nan)
    # Without the face as a roll cue (a plank's) the face confirms the low camera instead: from a
    # camera halfway up the stacks pass a roll back as none, and the pose model's hips cannot tell.
    if f.elevation_deg < LOW_CAMERA_DEG and (face or f.plank_face_level):
        world_roll = f.elevation_deg - f.facing_elevation
        confirmed = np.minimum(f.shoulder_roll_deg, world_roll) if depth else f.shoulder_roll_deg
        stacks = confirmed - LOW_CAMERA_ROLL_NOISE_DEG
        return np.maximum(np.where(np.isfinite(head), head, stacks), 0.0), DEPTH_CONFIDENCE * shoulders
    return np.maximum(np.nan_to_num(head), 0.0), DEPTH_CONFIDENCE * shoulders * face_seen


@metric("pelvis_roll_deg", "deg", "pelvis and trunk rolled back (deg)")
def pelvis_roll_deg(f: Frames) -> Series:
    """Roll back from cues that err differently: the shoulders' image spread against the set's
    (blind to the roll's direction from a low camera, and to rolls near the elevation), the turn of
    the body's front in depth (MediaPipe's world landmarks; a working leg alone turns it by up to
    ~18 deg), and the face turned up (head_roll_deg), which moves most where the spread moves least.
    The rules compare it with rest. From a raised camera the spread alone is clear. Below it the
    face is read wherever it is seen (FACE_ROLL_MIN_VISIBILITY), and alone it sees the roll from
    halfway up; only without it, from a low camera, the first two are, as the least they are sure
    of: they move on correct clams (the opening knee drags them; a rendered slim body's read 16 deg
    from 0.3 m, where its face read 3). Rolls forwards are not this fault: 0, so that a rep's
    resting reference is not below zero."""
    return _roll_back(f, face=True, hips=False)


@metric("pelvis_roll_hips_deg", "deg", "pelvis and trunk rolled back, the hips' stack a cue too (deg)")
def pelvis_roll_hips_deg(f: Frames) -> Series:
    """pelvis_roll_deg with the hips' own image spread as a second cue from above, for a working leg
    that leaves it alone. A leg lift rises in the body's frontal plane: rendered from 1.7 m (all
    bodies, seen from 30-43 deg), every rep without a roll moved it by at most 6 deg of roll, and a
    30 deg roll back by 18-32, where the shoulders showed 9-25. A clam's opening thigh drags the pose
    model's top hip with it instead (correct clams: up to 17 deg from 1.7 m). Raised from
    HIPS_ROLL_RAISED_CAMERA_DEG, lower than the shoulders' alone need."""
    return _roll_back(f, face=True, hips=True)


@metric("plank_roll_deg", "deg", "pelvis rolled back in a side plank (deg)")
def plank_roll_deg(f: Frames) -> Series:
    """pelvis_roll_hips_deg without the face, for the side plank's progressions: there the trunk
    turns on the pelvis (its own fault, trunk_rotation) and the head with it, so the face read a roll
    back in every one of the simulator's trunk-rotation sets of the two. From halfway up: can't see,
    where the elevation or the face turned down from the camera says so (PLANK_FACE_RAISED_DEG).
    The hips' spread from above serves both: the arm holds the plank's shoulders, and with the hips
    the simulator's raised planks caught 23 of 24 roll backs, not 20 (no new false alarm)."""
    return _roll_back(f, face=False, hips=True)


@metric("plank_roll_shoulders_deg", "deg", "pelvis rolled back in a side plank, from the shoulders (deg)")
def plank_roll_shoulders_deg(f: Frames) -> Series:
    """plank_roll_deg without the hips, for the kneeling plank's clam: its opening thigh drags the
    pose model's top hip (side-plank-clamshell.toml), in the picture from above and in depth from
    a low camera: rendered from 0.3 m, MediaPipe's hips turned by 8 deg on a 30 deg roll back (true
    keypoints 30), and the roll was passed silently. So from a low camera the shoulders' spread is
    read alone; it shrinks as much when only the trunk turns, which from there is not seen (its
    rule is raised-camera only). From halfway up: can't see."""
    return _roll_back(f, face=False, hips=False, depth=False)


@metric("leg_forward_deg", "deg", "leg in front of the body's plane")
def leg_forward_deg(f: Frames) -> Series:
    """From the limb's depth alone, which a single camera does not measure (LIMB_DEPTH_CONFIDENCE),
    so its rule says it cannot see the leg drift forward rather than pass every rep."""
    t = f.top
    _, _, anterior_w = body_axes_world(f.world, f.side, "HIP")
    leg_w = f.Wd(t["ANKLE"]) - f.Wd(t["HIP"])
    forward = np.sum(leg_w * anterior_w, axis=-1) / np.maximum(_norm(leg_w), 1e-9)
    return np.degrees(np.arcsin(np.clip(forward, -1, 1))), LIMB_DEPTH_CONFIDENCE * f.V(
        t["HIP"], t["ANKLE"], t["SHOULDER"]
    )


@metric("toes_up_deg", "deg", "toes turned towards the ceiling", max_yaw_deg=35.0)
def toes_up_deg(f: Frames) -> Series:
    """Seen in the image: a neutral foot points at the body's front, and turning the toes up by t
    turns it up the image, across the leg, by sin(t - elevation) of its length (which comes from
    world metres, so a foot seen end-on is not shortened away). Towards the ceiling, as
    FORM_RULES.md words it, not against the resting foot, which often lies turned down; and turned
    at the hip, so a pelvis rolling back (its own fault) does not turn the toes up too. That roll
    is pelvis_roll_deg's, without the hips' own spread: from above, a leg turned out moves the hips'
    spread too: rendered from 1.7 m, a lift turned out 50 deg with no roll read a 14 deg roll there
    on the true keypoints, and the turn 36.5 (now 49.7); through MediaPipe one body's plank lift
    read 30.8 for less than its rule's 0.2 s, and was missed (now 33.2, caught). (MediaPipe's
    foot depth read 6-25 deg on correct rendered leg lifts and 27-33 on a 46 deg turn: no use.)
    Not read where the foot points back along the leg, a leg swung forward (FOOT_SWUNG_TOWARDS_HIP).
    Past 35 deg round the simulator's leg lifts lost toes_up from 45."""
    t = f.top
    leg_img = f.P(t["ANKLE"]) - f.P(t["HIP"])
    along_leg = leg_img / np.maximum(_norm(leg_img), 1e-6)[:, None]
    across_leg = up_the_image(np.stack([along_leg[:, 1], -along_leg[:, 0]], axis=-1))
    foot_img = f.P(t["FOOT_INDEX"]) - f.P(t["HEEL"])
    foot_w = _norm(f.Wd(t["FOOT_INDEX"]) - f.Wd(t["HEEL"]))
    foot_px = np.maximum(np.maximum(_norm(foot_img), f.px_per_m * foot_w), 1e-6)
    turned = np.degrees(np.arcsin(np.clip(np.sum(foot_img * across_leg, axis=-1) / foot_px, -1, 1)))
    roll, _ = f.get("pelvis_roll_deg")
    towards_hip = -np.sum(foot_img * along_leg, axis=-1) / foot_px
    seen = f.V(t["HEEL"], t["FOOT_INDEX"], t["ANKLE"]) * (towards_hip < FOOT_SWUNG_TOWARDS_HIP)
    return turned + (f.elevation_deg - roll), seen


@metric("trunk_rotation_deg", "deg", "shoulders rotated against the pelvis", max_yaw_deg=35.0)
def trunk_rotation_deg(f: Frames) -> Series:
    """The shoulders' roll against the hips' (FORM_RULES.md: shoulder stacking against pelvis
    stacking), each from its image spread against the set's usual one (roll_from_stack_deg). Only
    from a raised camera: level with the body a 15 deg turn changes the spread by 3% (cos 15), and
    MediaPipe's spread wanders 5% in a steady rendered plank. MediaPipe's depth, the cue before,
    stayed within its +-5 deg wander while the rendered shoulders turned 30 deg, at every height.
    Past 35 deg round the simulator's planks alarmed trunk_rotation from 45."""
    return f.shoulder_roll_deg - f.hip_roll_deg, f.vis_trunk * float(f.raised_camera)


# --- Whole body in frame and visible (set-up checks) ---------------------------------------------
def _key_joints(f: Frames) -> list[int]:
    parts = ("SHOULDER", "HIP", "KNEE", "ANKLE")
    return [int(L.NOSE)] + [f.top[k] for k in parts] + [f.bot[k] for k in parts]


@metric("body_in_frame_ratio", "ratio", "share of the key joints inside the frame")
def body_in_frame_ratio(f: Frames) -> Series:
    xy = f.image[:, _key_joints(f), :2]
    inside = (xy >= -IN_FRAME_MARGIN) & (xy <= 1.0 + IN_FRAME_MARGIN)
    return np.mean(np.all(inside, axis=-1), axis=-1), np.ones(len(f))


@metric("body_visibility", "", "mean visibility of the key joints")
def body_visibility(f: Frames) -> Series:
    return np.mean(f.vis[:, _key_joints(f)], axis=1), np.ones(len(f))


def compute_metrics(
    image: np.ndarray,
    world: np.ndarray,
    visibility: np.ndarray,
    width: int,
    height: int,
    side: Side,
    view: SetView | None = None,
) -> MetricSeries:
    """Every registered metric for frames (N, 33, 3) seen by a ``width`` x ``height`` camera,
    ``side`` on top.

    ``view`` is how the camera saw the set; by default judged over the frames given. Live mode
    passes its running estimate, since it computes one frame at a time.
    """
    frames = Frames(image, world, visibility, width, height, side, view)
    missing = np.isnan(image[:, 0, 0])
    values, confidence = {}, {}
    for name in METRICS:
        value, conf = frames.get(name)
        # Frames without a person: no value, no confidence.
        values[name], confidence[name] = value, np.where(missing | np.isnan(value), 0.0, conf)
    return MetricSeries(values, confidence)


# Metrics a person can read, with their units, for help texts and the overlay.
METRIC_LABELS: dict[str, str] = {m.name: m.label for m in METRICS.values()}
# The views that can see each metric (see Metric.max_yaw_deg).
METRIC_MAX_YAW_DEG: dict[str, float] = {m.name: m.max_yaw_deg for m in METRICS.values() if m.max_yaw_deg}
# The heights that see each understated metric in part only (see Metric.understated_above_deg).
METRIC_UNDERSTATED_ABOVE_DEG: dict[str, float] = {
    m.name: m.understated_above_deg for m in METRICS.values() if m.understated_above_deg is not None
}
