"""A 3-D body laid out as MediaPipe's 33 landmarks, driven by joint angles.

Proportions are fractions of standing height, set from the median distances between MediaPipe's
own world landmarks on the shared clips (hips 0.22 m, shoulders 0.31 m, trunk 0.51 m, thigh
0.39 m, shank 0.38 m for people ~1.7 m tall), so a simulated body is shaped like the bodies the
checker sees.

Body frame (metres, origin midway between the hips): x to the person's right, y forward
(anterior), z up the trunk (superior). Angles are named by role - the *top* side is the working
side that faces up in every exercise here - so "roll back" and "hip hike" mean the same on
either side. A ``Posture`` then lays the body on the floor (scene frame: X along the mat, Y up,
Z towards a front camera) lying down or propped on a forearm or hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from enum import Enum

import numpy as np
from scipy.spatial.transform import Rotation

from formcheck.pose.landmarks import NUM_LANDMARKS, Side
from formcheck.pose.landmarks import Landmark as L

X, Y, Z = np.eye(3)
Angle = float | np.ndarray  # degrees: one value, or one per frame


@dataclass(frozen=True)
class BodyShape:
    """Standing height and segment lengths as fractions of it (defaults: MediaPipe's median adult)."""

    height_m: float = 1.70
    hip_width: float = 0.128
    shoulder_width: float = 0.18
    trunk: float = 0.30
    thigh: float = 0.23
    shank: float = 0.225
    upper_arm: float = 0.135
    forearm: float = 0.13
    hand: float = 0.06
    foot: float = 0.077
    heel_drop: float = 0.027  # ankle above the heel
    neck_to_nose: float = 0.11

    def m(self, fraction: float) -> float:
        return fraction * self.height_m


@dataclass(frozen=True)
class Leg:
    """Hip and knee angles (degrees): flexion forward, abduction away from the midline, internal rotation.

    ``clam_deg`` opens the leg about the hip-ankle line, the hinge a clamshell turns on while the
    feet touch (external rotation with abduction, expressed as the one angle that matters).
    """

    hip_flexion: Angle = 0.0
    hip_abduction: Angle = 0.0
    hip_internal_rotation: Angle = 0.0
    knee_flexion: Angle = 0.0
    clam_deg: Angle = 0.0


@dataclass(frozen=True)
class Arm:
    """Shoulder flexion (forward) and abduction (sideways), elbow flexion, degrees; ``turn`` swings
    the arm about the trunk's long axis at the shoulder, forwards positive (a planted arm under a
    turning trunk)."""

    shoulder_flexion: Angle = 0.0
    shoulder_abduction: Angle = 0.0
    elbow_flexion: Angle = 0.0
    turn: Angle = 0.0


@dataclass(frozen=True)
class JointAngles:
    """Every angle the simulator drives, in degrees, by role (top = the working side, facing up).

    Pelvis: ``pelvis_roll_back`` turns the top hip backwards about the long axis; ``pelvis_hike``
    lifts the top hip towards the head; ``pelvis_tilt`` tips it forward (anterior tilt).
    Trunk, relative to the pelvis: ``trunk_rotation`` turns the top shoulder backwards;
    ``trunk_side_bend`` bends towards the top side; ``trunk_flexion`` bends forward.
    ``head_side_bend`` tips the head towards the top shoulder.
    """

    pelvis_roll_back: Angle = 0.0
    pelvis_hike: Angle = 0.0
    pelvis_tilt: Angle = 0.0
    trunk_rotation: Angle = 0.0
    trunk_side_bend: Angle = 0.0
    trunk_flexion: Angle = 0.0
    head_side_bend: Angle = 0.0
    top_leg: Leg = field(default_factory=Leg)
    bottom_leg: Leg = field(default_factory=Leg)
    top_arm: Arm = field(default_factory=Arm)
    bottom_arm: Arm = field(default_factory=Arm)


def _rot(axis: np.ndarray, deg: Angle, n: int) -> Rotation:
    """``n`` rotations about a fixed body axis by ``deg`` (one angle or one per frame)."""
    rad = np.radians(_per_frame(deg, n))
    return Rotation.from_rotvec(rad[:, None] * np.asarray(axis, dtype=float))


def landmark_index(side: Side, part: str) -> int:
    """The index of ``part`` (e.g. "KNEE", "MOUTH") on ``side``."""
    if part == "MOUTH":
        return int(L[f"MOUTH_{side.value.upper()}"])
    return int(L[f"{side.value.upper()}_{part}"])


# Face landmarks in the trunk frame relative to the point midway between the shoulders, as
# fractions of height: (x to the right, y forward, z up). Mirrored for the left side.
_FACE = {
    "EYE_INNER": (0.009, 0.045, 0.135),
    "EYE": (0.019, 0.042, 0.135),
    "EYE_OUTER": (0.028, 0.038, 0.134),
    "EAR": (0.041, -0.005, 0.122),
    "MOUTH": (0.014, 0.047, 0.098),
}


def frame_count(angles: JointAngles) -> int:
    """How many frames a (possibly per-frame) set of angles describes."""
    n = 1
    for value in _flat_values(angles):
        n = max(n, np.size(value))
    return n


def _flat_values(item) -> list:
    if isinstance(item, (JointAngles, Leg, Arm)):
        return [v for f in fields(item) for v in _flat_values(getattr(item, f.name))]
    return [item]


# A bottom leg bent at least this much at the knee, and less at the hip, is kneeling: its knee is
# the end of the body's line, as in a kneeling side plank (90 at the knee, straight at the hip;
# a lying clam bends the hips 45).
KNEELING_KNEE_DEG, KNEELING_HIP_DEG = 45.0, 20.0


def body_landmarks(shape: BodyShape, angles: JointAngles, top: Side) -> np.ndarray:
    """(N, 33, 3) landmark positions in the body frame, one pose per frame of the angles."""
    return posed_body(shape, angles, top)[0]


def posed_body(shape: BodyShape, angles: JointAngles, top: Side) -> tuple[np.ndarray, dict[str, Rotation]]:
    """Landmarks (N, 33, 3) and each segment's orientation in the body frame (see ``SEGMENTS``).

    A segment's orientation turns the body frame's axes to the segment's: identity is anatomical
    zero (standing, arms at the sides, palms in), so a renderer can drive a skinned mesh with it.
    A pelvis rolling back turns the body about the line from the bottom hip to the feet - the
    shortcut as it happens on a mat: the bottom leg stays where it lies and the feet stay together.
    Kneeling (the bottom hip straight, its knee bent) the body's line ends at the bottom knee and it
    turns about that, the top shank kept lying on the bottom one (the hip turning the thigh under
    it): about the feet, behind the knees, the shoulders dropped into a 27 deg pike.
    """
    n = frame_count(angles)
    still, frames = _landmarks(shape, replace(angles, pelvis_roll_back=np.zeros(n)), top)
    if not np.any(angles.pelvis_roll_back):
        return still, frames
    bottom_hip = still[:, landmark_index(top.other, "HIP")]
    feet = (still[:, landmark_index(top, "ANKLE")] + still[:, landmark_index(top.other, "ANKLE")]) / 2
    kneeling = _kneeling(angles.bottom_leg, n)
    end = np.where(kneeling[:, None], still[:, landmark_index(top.other, "KNEE")], feet)
    axis = _unit(end - bottom_hip)
    rad = np.radians(_per_frame(angles.pelvis_roll_back, n))
    turn = Rotation.from_rotvec(axis * rad[:, None])
    top_hip = landmark_index(top, "HIP")
    # Roll back moves the top hip backwards (-y); pick the turn's direction that does so.
    moved = turn.apply(still[:, top_hip] - bottom_hip)[:, 1] - (still[:, top_hip] - bottom_hip)[:, 1]
    turn = Rotation.from_rotvec(axis * (rad * np.where(moved <= 0, 1.0, -1.0))[:, None])
    bottom_leg = [landmark_index(top.other, p) for p in ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")]
    rolled = bottom_hip[:, None] + np.einsum("nij,nlj->nli", turn.as_matrix(), still - bottom_hip[:, None])
    rolled[:, bottom_leg] = still[:, bottom_leg]
    # The bottom hip is on the axis, so the bottom thigh and shank keep their orientation too.
    turned = {
        k: r if k in (f"thigh.{top.other.value}", f"shank.{top.other.value}") else turn * r
        for k, r in frames.items()
    }
    if np.any(kneeling):
        knee = landmark_index(top, "KNEE")
        foot = [landmark_index(top, p) for p in ("ANKLE", "HEEL", "FOOT_INDEX")]
        lying = rolled[:, knee, None] + still[:, foot] - still[:, knee, None]
        rolled[:, foot] = np.where(kneeling[:, None, None], lying, rolled[:, foot])
        shank = f"shank.{top.value}"
        turned[shank] = Rotation.from_quat(
            np.where(kneeling[:, None], frames[shank].as_quat(), turned[shank].as_quat())
        )
    return rolled, turned


def _kneeling(leg: Leg, n: int) -> np.ndarray:
    """Per frame: the leg kneels (KNEELING_KNEE_DEG, KNEELING_HIP_DEG)."""
    return (_per_frame(leg.knee_flexion, n) >= KNEELING_KNEE_DEG) & (
        np.abs(_per_frame(leg.hip_flexion, n)) < KNEELING_HIP_DEG
    )


def _per_frame(angle: Angle, n: int) -> np.ndarray:
    """An angle as one value per frame (a constant is repeated)."""
    return np.broadcast_to(np.asarray(angle, dtype=float), (n,))


# The segments ``posed_body`` orients; ".left"/".right" ones exist for both sides.
SEGMENTS = ("pelvis", "trunk", "head", "thigh", "shank", "upper_arm", "forearm")


def _landmarks(shape: BodyShape, angles: JointAngles, top: Side) -> tuple[np.ndarray, dict[str, Rotation]]:
    n = frame_count(angles)
    s = 1.0 if top is Side.RIGHT else -1.0  # the top side's direction along x
    out = np.zeros((n, NUM_LANDMARKS, 3))
    pelvis = (
        _rot(Z, -s * np.asarray(angles.pelvis_roll_back), n)
        * _rot(Y, -s * np.asarray(angles.pelvis_hike), n)
        * _rot(X, -np.asarray(angles.pelvis_tilt), n)
    )
    trunk = (
        pelvis
        * _rot(Z, -s * np.asarray(angles.trunk_rotation), n)
        * _rot(Y, s * np.asarray(angles.trunk_side_bend), n)
        * _rot(X, -np.asarray(angles.trunk_flexion), n)
    )
    frames = {"pelvis": pelvis, "trunk": trunk}
    half_hip = shape.m(shape.hip_width) / 2
    shoulder_mid = trunk.apply(shape.m(shape.trunk) * Z)
    for side, leg in ((top, angles.top_leg), (top.other, angles.bottom_leg)):
        lat = 1.0 if side is Side.RIGHT else -1.0
        hip = pelvis.apply(lat * half_hip * X)
        thigh = (
            pelvis
            * _rot(X, leg.hip_flexion, n)
            * _rot(Y, -lat * np.asarray(leg.hip_abduction), n)
            * _rot(Z, lat * np.asarray(leg.hip_internal_rotation), n)
        )
        shank = thigh * _rot(X, -np.asarray(leg.knee_flexion), n)
        knee = hip + thigh.apply(-shape.m(shape.thigh) * Z)
        ankle = knee + shank.apply(-shape.m(shape.shank) * Z)
        heel = ankle + shank.apply(shape.m(shape.heel_drop) * np.array([0.0, -0.6, -0.8]))
        toe = heel + shank.apply(shape.m(shape.foot) * Y)
        if np.any(leg.clam_deg):
            hinge = _clam_hinge(hip, knee, ankle, lat, leg.clam_deg, n)
            knee, heel, toe = (hip + hinge.apply(p - hip) for p in (knee, heel, toe))
            thigh, shank = hinge * thigh, hinge * shank
        frames[f"thigh.{side.value}"], frames[f"shank.{side.value}"] = thigh, shank
        (
            out[:, landmark_index(side, "HIP")],
            out[:, landmark_index(side, "KNEE")],
            out[:, landmark_index(side, "ANKLE")],
        ) = (
            hip,
            knee,
            ankle,
        )
        out[:, landmark_index(side, "HEEL")], out[:, landmark_index(side, "FOOT_INDEX")] = heel, toe
    for side, arm in ((top, angles.top_arm), (top.other, angles.bottom_arm)):
        lat = 1.0 if side is Side.RIGHT else -1.0
        shoulder = shoulder_mid + trunk.apply(lat * shape.m(shape.shoulder_width) / 2 * X)
        upper = (
            trunk
            * _rot(Z, lat * np.asarray(arm.turn), n)
            * _rot(X, arm.shoulder_flexion, n)
            * _rot(Y, -lat * np.asarray(arm.shoulder_abduction), n)
        )
        fore = upper * _rot(X, arm.elbow_flexion, n)
        elbow = shoulder + upper.apply(-shape.m(shape.upper_arm) * Z)
        wrist = elbow + fore.apply(-shape.m(shape.forearm) * Z)
        frames[f"upper_arm.{side.value}"], frames[f"forearm.{side.value}"] = upper, fore
        hand = shape.m(shape.hand)
        out[:, landmark_index(side, "SHOULDER")], out[:, landmark_index(side, "ELBOW")] = shoulder, elbow
        out[:, landmark_index(side, "WRIST")] = wrist
        out[:, landmark_index(side, "INDEX")] = wrist + fore.apply(hand * np.array([0.0, 0.15, -1.0]))
        out[:, landmark_index(side, "PINKY")] = wrist + fore.apply(hand * np.array([lat * 0.35, 0.0, -0.85]))
        out[:, landmark_index(side, "THUMB")] = wrist + fore.apply(hand * np.array([-lat * 0.1, 0.45, -0.6]))
    head = trunk * _rot(Y, s * np.asarray(angles.head_side_bend), n)
    frames["head"] = head
    out[:, L.NOSE] = shoulder_mid + head.apply(shape.m(1.0) * np.array([0.0, 0.055, shape.neck_to_nose]))
    for part, (x, y, z) in _FACE.items():
        for side in (Side.LEFT, Side.RIGHT):
            lat = 1.0 if side is Side.RIGHT else -1.0
            out[:, landmark_index(side, part)] = shoulder_mid + head.apply(
                shape.m(1.0) * np.array([lat * x, y, z])
            )
    return out, frames


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _clam_hinge(hip, knee, ankle, lat: float, deg: Angle, n: int) -> Rotation:
    """The turn about the hip-ankle line (the hinge of a clamshell) that moves the knee outwards."""
    axis = _unit(ankle - hip)
    nudge = Rotation.from_rotvec(axis * 0.01).apply(knee - hip) - (knee - hip)
    sign = np.where(nudge[:, 0] * lat > 0, 1.0, -1.0)
    rad = np.radians(_per_frame(deg, n))
    return Rotation.from_rotvec(axis * (sign * rad)[:, None])


class Support(str, Enum):
    """What the body rests on: lying on its side, or propped in a side plank."""

    LYING = "lying"
    FOREARM_FEET = "forearm-feet"
    FOREARM_KNEES = "forearm-knees"
    HAND_FEET = "hand-feet"


@dataclass(frozen=True)
class Posture:
    """How the body is laid on the floor: the working side up, facing +Z, the head at +X or -X."""

    top: Side = Side.RIGHT
    support: Support = Support.LYING
    # Heights (m) of the landmarks that touch the floor: a landmark sits inside the body. The
    # elbow's is higher because the shoulder girdle lifts the shoulder above a vertical upper arm;
    # with these the planks incline 16 deg (forearm) and 21 deg (hand), as in the shared clips
    # (16 and 19 deg).
    hip_on_floor_m: float = 0.10
    foot_on_floor_m: float = 0.05
    elbow_on_floor_m: float = 0.12
    wrist_on_floor_m: float = 0.03

    @property
    def head_sign(self) -> float:
        """+1 when the head is at +X: facing +Z with the right side up puts the head there."""
        return 1.0 if self.top is Side.RIGHT else -1.0


def scene_axes(posture: Posture, incline_deg: Angle, n: int) -> np.ndarray:
    """(N, 3, 3): body-frame vectors to scene ones (X along the mat, Y up, Z to a front camera)."""
    h = posture.head_sign
    # Columns: where the body's x (right), y (forward) and z (up the trunk) point in the scene.
    to_scene = np.column_stack([(0.0, h, 0.0), (0.0, 0.0, 1.0), (h, 0.0, 0.0)])
    return _rot(Z, h * np.asarray(incline_deg), n).as_matrix() @ to_scene


def place(body: np.ndarray, posture: Posture, incline_deg: Angle = 0.0) -> np.ndarray:
    """Body-frame landmarks (N, 33, 3) in the scene frame, the plank turned up by ``incline_deg``."""
    return np.einsum("nij,nlj->nli", scene_axes(posture, incline_deg, len(body)), body)


def _support_points(posture: Posture) -> tuple[int, int]:
    """(the foot-end contact, the arm contact) landmarks of a side plank, on the bottom side."""
    bottom = posture.top.other
    foot = "KNEE" if posture.support is Support.FOREARM_KNEES else "ANKLE"
    arm = "WRIST" if posture.support is Support.HAND_FEET else "ELBOW"
    return landmark_index(bottom, foot), landmark_index(bottom, arm)


def supported(
    shape: BodyShape, angles: JointAngles, posture: Posture, lift: Angle = 1.0
) -> tuple[JointAngles, np.ndarray]:
    """The angles with a plank's supporting arm set, and each frame's incline of the body (deg, 0 lying).

    Plank: the body turns about the foot-end contact until the supporting elbow (or hand) reaches
    the floor, with the supporting upper arm vertical - solved by a few fixed-point steps because
    the arm's angle to the trunk depends on the incline. ``lift`` (0..1 per frame) is how far the
    plank is up from lying propped on the arm (see ``_lifted``).
    """
    n = frame_count(angles)
    if posture.support is Support.LYING:
        return angles, np.zeros(n)
    foot, hand = _support_points(posture)
    straight_arm = posture.support is Support.HAND_FEET
    rise = (posture.wrist_on_floor_m if straight_arm else posture.elbow_on_floor_m) - posture.foot_on_floor_m
    incline = np.full(n, 15.0)
    for _ in range(6):
        arm = replace(
            angles.bottom_arm,
            shoulder_abduction=90.0 - incline - np.asarray(angles.trunk_side_bend),
            elbow_flexion=0.0 if straight_arm else 90.0,
            # the arm stays planted under a trunk that turns on it (which swings it forwards)
            turn=-np.asarray(angles.trunk_rotation),
        )
        flat = place(body_landmarks(shape, replace(angles, bottom_arm=arm), posture.top), posture)
        d = flat[:, hand, :2] - flat[:, foot, :2]
        along, reach = d[:, 0] * posture.head_sign, np.hypot(d[:, 0], d[:, 1])
        # Turn about the foot contact until the arm contact sits ``rise`` above it.
        incline = np.degrees(np.arcsin(np.clip(rise / reach, -1, 1)) - np.arctan2(d[:, 1], along))
    return _lifted(shape, replace(angles, bottom_arm=arm), posture, incline, lift)


def pose_in_scene(
    shape: BodyShape, angles: JointAngles, posture: Posture, lift: Angle = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """(N, 33, 3) scene landmarks resting on the floor, and each frame's plank incline (0 lying), degrees.

    Lying: the bottom hip rests on the floor. Plank: see ``supported``; ``lift`` (0..1 per frame)
    lowers a plank towards the floor: 0 lies propped on the arm, 1 is fully up.
    """
    angles, incline = supported(shape, angles, posture, lift)
    if posture.support is Support.LYING:
        scene = place(body_landmarks(shape, angles, posture.top), posture)
        bottom_hip = landmark_index(posture.top.other, "HIP")
        scene[..., 1] += (posture.hip_on_floor_m - scene[:, bottom_hip, 1])[:, None]
        return scene, incline
    scene = place(body_landmarks(shape, angles, posture.top), posture, incline)
    foot, _ = _support_points(posture)
    scene[..., 1] += (posture.foot_on_floor_m - scene[:, foot, 1])[:, None]
    return scene, incline


def _lifted(
    shape: BodyShape, angles: JointAngles, posture: Posture, incline: np.ndarray, lift: Angle
) -> tuple[JointAngles, np.ndarray]:
    """A plank on its way up or down (``lift`` 0..1), from lying propped on the forearm (or hand).

    Propped, the hips rest on the mat and the trunk rises at the waist until the vertical upper arm
    (straight arm) reaches the mat: steeper than the plank's own incline. Lifting turns the pelvis
    and legs up to the plank's ``incline`` while the trunk comes down to it, the arm staying
    vertical. Returns the angles and the whole body's incline.
    """
    lift = np.broadcast_to(np.asarray(lift, dtype=float), incline.shape)
    straight_arm = posture.support is Support.HAND_FEET
    reach = shape.m(shape.upper_arm) + (shape.m(shape.forearm) if straight_arm else 0.0)
    contact = posture.wrist_on_floor_m if straight_arm else posture.elbow_on_floor_m
    propped = np.degrees(
        np.arcsin(np.clip((reach + contact - posture.hip_on_floor_m) / shape.m(shape.trunk), 0, 0.7))
    )
    bend = (1.0 - lift) * propped
    arm = replace(
        angles.bottom_arm,
        shoulder_abduction=np.asarray(angles.bottom_arm.shoulder_abduction)
        - (1.0 - lift) * (propped - incline),
    )
    bent = replace(angles, trunk_side_bend=np.asarray(angles.trunk_side_bend) + bend, bottom_arm=arm)
    return bent, incline * lift
