"""The geometry behind the metrics (metrics.py): joint planes, image-plane openings, the camera's
view of the body (elevation, yaw), the roll seen in the shoulders' stack, the clam's turn about the
hip-ankle line, the working side.

Every function works on arrays with a leading frame axis (N, 33, ...), so offline analysis
computes a whole recording at once and live mode calls the same code with N = 1.

Conventions (FORM_RULES.md, "Measuring from a camera"):
- In-plane angles come from *image* landmarks in pixels; the camera faces the person's front,
  so the clam's knee opening, the leg lift and the side plank's sag happen in the image plane.
- Whether a joint's plane can be seen at all is judged from the world landmarks: a limb that
  points mostly at the camera shows a meaningless 2-D angle, so its confidence drops to 0 and
  the rules say "can't see" instead of guessing.
- Depth-based measures (the camera's view, the roll's second cue) use world landmarks, whose
  depth is the least reliable axis: they carry at most DEPTH_CONFIDENCE and are compared with
  the person's own start position by the rules, never with absolute numbers. A limb's own depth
  is not a measurement at all (LIMB_DEPTH_CONFIDENCE).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from formcheck.pose.geometry import angle_deg
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.landmarks import Side

# Confidence ceiling for measures that rest on MediaPipe's depth estimate.
DEPTH_CONFIDENCE = 0.7
# ...and for a limb's own depth: none. On rendered leg lifts the leg swung 30 deg towards the
# camera while MediaPipe's world depth of it stayed within -6 to -9 deg, from every camera height
# (benchmarks/rendered_accuracy.py). No image-plane cue works through MediaPipe either:
# - the leg's image length: a foot swung 40 deg towards a lens 1.5-3 m away is magnified about as
#   much as it is foreshortened (true keypoints: no forward rep's leg read shorter than at rest, from
#   any height); from above a forward swing is seen as a smaller lift, which one view cannot tell apart;
# - the foot turning towards the head with the hip's flexion: 39-62 deg on the true keypoints'
#   forward reps, at most 24 on all others, from every height; but MediaPipe's foot read the
#   forward reps 0-43 from 0.9 m and 1.7 m and other reps up to 34 (a 62 on a toes-up rep), and as
#   the rule, at its 20 deg limit, its precision was 0.33 from 0.3 m and 0.25-0.40 from 0.9 m.
# Its rules say "can't see" rather than pass.
LIMB_DEPTH_CONFIDENCE = 0.0
# ...and for the pelvis's sideways tilt (the hip hike): none through MediaPipe, whose hips are placed
# from the thighs rather than the pelvis. On rendered leg lifts a 20 deg hike moved its hips' axis
# by 0-1 deg more than the set's correct reps did, from every camera height, while the true hip
# centres tilted by 9-16 deg (benchmarks/rendered_accuracy.py). Its rule says "can't see".
PELVIS_TILT_CONFIDENCE = 0.0
# A bone whose image-plane share (|xy| / |xyz| in world coordinates) is below the first value is
# seen end-on (no usable 2-D angle); above the second it is fully in view.
PLANE_HIDDEN, PLANE_VISIBLE = 0.5, 0.8
# The same for a shank judged in the image alone, as its length over the thigh's (about 0.9 when
# both lie across the picture): on rendered clams with straight hips, filmed from 0.3-0.9 m, the
# shanks point at the lens and measure 0.04-0.32 of the thighs, against 0.67 or more in every
# other rendered clam; MediaPipe then guesses the ankles and the feet "part" by 0.14-0.23 shank
# lengths. A kneeling side plank's shanks, seen level, measure 0.23-0.27 (simulator); from above
# an opening clam's top shank dips to 0.46.
SHANK_HIDDEN, SHANK_VISIBLE = 0.35, 0.45
# From a camera further than this above the body's front, the feet's parting (the top foot lifting
# towards the ceiling) turns towards the lens and shows only in part, along the bottom shank's line:
# a 0.30 shank-length gap read 0.09-0.12 in the simulator's raised view (estimated 39-55 deg up), and
# 0.03-0.13 on the true keypoints of clams rendered from 1.7 m (49-62 deg; MediaPipe 0.10-0.22),
# where from 0.9 m (23-35 deg) it read 0.24-0.34 in full. Past it the feet's rule still flags a gap
# read past its limit, and says "can't see" for one read within it (judgment between the two).
FEET_GAP_UNDERSTATED_ABOVE_DEG = 37.0
# A joint's bend plane whose normal points at the lens by less than the first share (cosine of the
# angle to the view axis) shows no usable angle; above the second it is fully in view. Simulated
# bodies (benchmarks/accuracy.py) show 2-D knee errors of ~10 deg at a share of 0.8.
FACING_HIDDEN, FACING_VISIBLE = 0.6, 0.9
# The plane the legs lie in (the floor's) is seen squeezed across the body by sin(elevation), so
# angles in it are measured with that undone: not at all from below the first elevation (MediaPipe
# puts floor cameras at up to 18 deg, where the undoing would blow up its noise), fully from the
# second (judgment; rendered clams from 1.7 m: 50-65 deg, a correct knee reads 70-82 through
# MediaPipe for a true 65-70, a straight one 8-14).
LYING_PLANE_HIDDEN_DEG, LYING_PLANE_VISIBLE_DEG = 25.0, 35.0
# The top knee rests at its lowest: a set's rest is taken as this low percentile of the knee's rise
# (judgment: a clam set rests between reps for a third of its time or more, and the percentile
# keeps clear of a few stray frames).
KNEE_REST_PERCENTILE = 15.0
# ...and the knee must rest this far in front of its hip-ankle line (over the trunk's length) for its
# turn about the line to be measured (judgment: rendered clams rest 0.35-0.56 in front of it).
KNEE_TURN_MIN_RADIUS = 0.15
# The turn is measured from cameras this far above the body's front, fully from the second: the
# rest's depth below the line is r sin(elevation), and lower down its error grows into the opening
# (rendered clams, true openings 45-54 deg: from 1.7 m, seen from 47-64 deg, they read 40-66
# through MediaPipe; from 0.9 m, 24-35 deg, 47-93, where the image angle read 24-34).
KNEE_TURN_HIDDEN_DEG, KNEE_TURN_VISIBLE_DEG = 35.0, 45.0
# Hip stacking is read with full confidence from a camera up to 20 deg above the body's front,
# none from 35 deg up (real front clips measure a median 1-6 deg, p95 13-22 deg while moving).
STACK_BLIND_ELEVATION_DEG = 35.0
# A camera above the body sees its frontal plane (where the leg lift, the side plank's line and
# the pelvis tilt happen) squeezed vertically by cos(elevation); in-plane angles are measured after
# undoing that. Past this elevation the estimate (~5-10 deg off, benchmarks/rendered_accuracy.py)
# would blow the correction up, so it is capped here.
RECTIFY_MAX_ELEVATION_DEG = 50.0
# Kneeling, the top knee opens towards the ceiling in that plane, and the opening is measured with
# the squeeze undone up to this elevation: the kneeling plank framed from 1.7 m is seen from 60-66
# deg, where undoing only cos 50 read correct 46-54 deg clams as 34-44 on the true keypoints (cos
# 62 / cos 50 = 0.73), while a 5-10 deg error in the elevation moves the reading by at most ~17%
# (rendered progressions from 1.7 m: range error 8.0 -> 4.2 deg on true keypoints, 8.6 -> 5.7
# through MediaPipe). Undone so far for the plank's line too, MediaPipe's 1.7 m kneeling planks
# gained 3 false sags, so the line keeps RECTIFY_MAX_ELEVATION_DEG.
OPENING_RECTIFY_MAX_ELEVATION_DEG = 70.0
# A kneeling side plank seen from this far above its front shows no sag the pose model can be
# trusted with: rendered from 1.7 m (MediaPipe 58-66 deg up), its straight line read 164-173 deg
# through MediaPipe (true keypoints 177-183) and 5 of 27 sets were told a sag they did not have,
# while a 22 deg sag read 148-161 in two bodies and not at all in the third (the line rose). From
# 0.9 m (MediaPipe: at most 30 deg up) and in straight-legged planks (at most 54, from 1.7 m) the
# line holds (judgment between).
KNEELING_SAG_BLIND_ELEVATION_DEG = 55.0
# The set-up check of facing the camera undoes the same squeeze up to here: the shoulders' spread
# is a ratio that nothing is computed from. From a 1.7 m shelf as close as frames the body the
# rendered clams are seen from 62 deg; capped at 50 a slim body with straight hips read 0.30 there
# through MediaPipe and was refused (0.44 undone). A body lying on its back seen from the side (the
# shared glute bridge: 63 deg, its front turned away) is told apart by the front's direction.
FACING_MAX_ELEVATION_DEG = 70.0
# Below this elevation a shrinking stack of the shoulders is read as a roll back (a level camera
# cannot tell back from forwards; people roll back), and the stack's change gets confirmed by the
# body's turn in depth; above it, a shrinking stack is a roll forwards (judgment).
LOW_CAMERA_DEG = 20.0
# A plank holds the head in line with its trunk, so the face's usual turn down from the camera
# (-SetView.face_turn_deg) is a second reading of the plank's elevation, one that neither the working
# leg nor MediaPipe's flat depth drags. The rendered plank progressions read -6 to 5 deg so from the
# floor (0.3 m, truly 2-4 deg up) and 7-24 from 0.9 m (13-29 up), where MediaPipe's hips put the
# 0.9 m camera at 2-27 and their low camera's roll cues passed the roll backs (the shoulders' spread
# hardly moves for a roll near the elevation). From this far up a plank's low camera is doubted
# (judgment, between the two), and where its face was not seen: the hips cannot tell.
PLANK_FACE_RAISED_DEG = 6.0
# From this elevation up a 15 deg roll back grows the shoulders' spread by 17% or more, clear of
# MediaPipe's noise on correct reps (rendered benchmark: up to ~15%).
ROLL_RAISED_CAMERA_DEG = 35.0
# With the hips' spread as a cue too (a leg lift's), from this elevation up: there a 15 deg roll back
# grows the hips' spread by 11% (cos(roll - elevation)), and the rendered leg lifts' other reps moved
# it by at most 6 deg of roll, where the pose model puts the 1.7 m camera at 30-43 deg and the 0.9 m
# one at 8-23.
HIPS_ROLL_RAISED_CAMERA_DEG = 28.0
# From a low camera both roll cues read up to ~20 deg on correct rendered clams (up to 8 deg on
# leg lifts) and ~33 deg on a 30 deg roll back: this much of a reading is noise.
LOW_CAMERA_ROLL_NOISE_DEG = 8.0
# The face turned up (face_turn_deg) is a roll cue where MediaPipe sees the face this well. Rendered
# 30 deg roll backs turned it by 15-47 deg through MediaPipe from 0.3 m and 0.9 m (clams and leg
# lifts, all bodies), every other rendered rep by at most 13, and the shared real clips' correct
# reps by at most 7: the head turns with a trunk that rolls. From a raised camera it read 5-24 on
# the roll backs, where the shoulders' spread is clearer. Below that it is read rather than the
# stacks wherever it is seen: they alarmed on a correct rendered clam from 0.3 m, the face did not.
FACE_ROLL_MIN_VISIBILITY = 0.5
# A leg swung forward at the hip turns a neutral foot towards the head, and seen from the front up
# across the leg too: there the toes' own turn cannot be told from the swing (the leg's forward drift
# is not seen either). At a rep's top the foot's image points back along the leg, towards the hip,
# by this share of its length or more only on a leg swung forward (simulator, 40 deg forward: 0.04
# to 0.48 of the foot, toes turned up 50 deg: -0.94 to -0.22, correct lifts -0.46 to -0.13;
# rendered, true keypoints: forward 0.22 to 0.50, toes up -0.37 to -0.32; through MediaPipe from
# 0.3 m forward -0.05 to 0.11, toes up -0.42, where the forward lifts were told "toes up" at 79-97
# deg). Judgment, between the two.
FOOT_SWUNG_TOWARDS_HIP = -0.15
# A limb "hangs" from the trunk (all fours) when it points within 35 deg of straight down across
# it and is longer than half the trunk in the image (judgment: the shared donkey kick hangs 3-4
# limbs in every frame; side-lying and side-plank clips, shared and rendered, at most 1).
HANGING_COS = math.cos(math.radians(35.0))
HANGING_MIN_LENGTH = 0.5
# MediaPipe places an occluded joint at the frame's edge a little outside it; that is not "out of frame".
IN_FRAME_MARGIN = 0.05


def _norm(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


def up_the_image(v: np.ndarray) -> np.ndarray:
    """Image vectors (N, 2) turned, where they point down, to point up the picture (image y grows
    downwards): of the two normals to a line, the one towards the top side of a body lying across it."""
    return np.where((v[:, 1] > 0)[:, None], -v, v)


def seen_from_elevation(elevation_deg: float, hidden_deg: float, visible_deg: float) -> float:
    """0..1: how well a camera this far above the body's front sees a measure that needs height."""
    return float(np.clip((elevation_deg - hidden_deg) / (visible_deg - hidden_deg), 0.0, 1.0))


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

    From the hips' axis, in world landmarks, which face the ray from the lens through the hips (the
    pose model's crop), not the optical axis: so this is the elevation the hips are seen from. Over
    the rendered benchmark's 24 correct sets a set's median was 1.2 deg below that ray's on average
    (3.4 either way), and 6.0 below the optical axis's. A working leg turns it by up to ~16 deg
    within a rep, so a set's elevation is a median over many frames.
    """
    _, _, anterior = body_axes_world(world, side, "HIP")
    return np.degrees(np.arcsin(np.clip(anterior[:, 1], -1.0, 1.0)))


def camera_yaw_deg(world: np.ndarray) -> np.ndarray:
    """Per frame, how far the camera stands off square-on along the body: + towards the head,
    - towards the feet, 90 looking down the body's length. From the trunk's axis out of the image
    plane in world landmarks (side-blind; neither a working leg nor a roll turns it), so seen
    along the ray through the hips. The simulator recovers a set's yaw within 2-5 deg up to 80
    deg; the shared front clips read 1-9."""
    shoulders = (world[:, L.LEFT_SHOULDER] + world[:, L.RIGHT_SHOULDER]) / 2
    hips = (world[:, L.LEFT_HIP] + world[:, L.RIGHT_HIP]) / 2
    axis = shoulders - hips
    towards_camera = -axis[:, 2] / np.maximum(_norm(axis), 1e-9)  # MediaPipe's z grows away from it
    return np.degrees(np.arcsin(np.clip(towards_camera, -1.0, 1.0)))


def _trunk_px(image: np.ndarray, side: Side, width: int, height: int):
    """(a landmark's pixels by name, the trunk's image length, the unit vector across it)."""
    px = image[..., :2] * np.array([width, height], dtype=float)
    top, bot = side.value.upper(), side.other.value.upper()

    def P(name: str) -> np.ndarray:  # noqa: N802
        return px[:, int(L[name])]

    trunk = (P(f"{top}_SHOULDER") + P(f"{bot}_SHOULDER")) / 2 - (P(f"{top}_HIP") + P(f"{bot}_HIP")) / 2
    trunk_len = np.maximum(_norm(trunk), 1e-6)
    across = np.stack([-trunk[:, 1], trunk[:, 0]], axis=-1) / trunk_len[:, None]
    return P, trunk_len, across


def stack_ratio(
    image: np.ndarray, side: Side, width: int, height: int, joint: str = "SHOULDER"
) -> np.ndarray:
    """A pair of joints' (the shoulders', the hips') image spread across the trunk over the trunk's
    image length (N,)."""
    P, trunk_len, across = _trunk_px(image, side, width, height)
    top, bot = side.value.upper(), side.other.value.upper()
    return np.abs(np.sum((P(f"{top}_{joint}") - P(f"{bot}_{joint}")) * across, axis=-1)) / trunk_len


def knee_rise_ratio(image: np.ndarray, side: Side, width: int, height: int) -> np.ndarray:
    """Per frame, how far the top knee sits above the line from its hip to its ankle in the picture
    (up is the top of the image), over the trunk's image length (N,).

    The clam's knee turns about that line. Seen from ``e`` above the body's front, a knee at a
    distance r in front of the line sits r sin(e) below it at rest and r sin(opening - e) above it
    as the clam opens (opening_about_leg_deg).
    """
    P, trunk_len, _ = _trunk_px(image, side, width, height)
    top = side.value.upper()
    axis = P(f"{top}_ANKLE") - P(f"{top}_HIP")
    axis = axis / np.maximum(_norm(axis), 1e-6)[:, None]
    up = np.stack([axis[:, 1], -axis[:, 0]], axis=-1)
    up = up_the_image(up)
    return np.sum((P(f"{top}_KNEE") - P(f"{top}_HIP")) * up, axis=-1) / trunk_len


def face_turn_deg(image: np.ndarray, world: np.ndarray, width: int, height: int) -> np.ndarray:
    """Per frame, how far the face is turned up from the camera (deg), side-blind (N,): the nose's
    image offset above its ears' midpoint, across the trunk, over its true distance from them
    (world metres at the trunk's pixels per metre).

    Lying on the side, the nose points at the body's front. Seen from ``e`` above it, a body rolled
    back by r shows the offset as d sin(r - e), so against its own rest (-e) this reads the roll
    itself from any height. The stacks' spreads go as cos(r - e) instead and barely move where r
    is near e; the face moves most there.
    """
    P, trunk_len, across = _trunk_px(image, Side.RIGHT, width, height)  # the trunk's mid line: side-blind
    trunk_w = (world[:, int(L.LEFT_SHOULDER)] + world[:, int(L.RIGHT_SHOULDER)]) / 2 - (
        world[:, int(L.LEFT_HIP)] + world[:, int(L.RIGHT_HIP)]
    ) / 2
    px_per_m = trunk_len / np.maximum(_norm(trunk_w), 1e-6)
    up = up_the_image(across)
    ears_w = (world[:, int(L.LEFT_EAR)] + world[:, int(L.RIGHT_EAR)]) / 2
    nose_px = np.maximum(px_per_m * _norm(world[:, int(L.NOSE)] - ears_w), 1e-6)
    offset = np.sum((P("NOSE") - (P("LEFT_EAR") + P("RIGHT_EAR")) / 2) * up, axis=-1) / nose_px
    return np.degrees(np.arcsin(np.clip(offset, -1.0, 1.0)))


def opening_about_leg_deg(rise_ratio: np.ndarray, rest_rise_ratio: float, elevation_deg: float) -> np.ndarray:
    """The top knee's turn about its hip-ankle line from rest (deg), seen from ``elevation_deg``:
    its rise is r sin(opening - e) and its rest's -r sin(e), so the opening is e + arcsin(rise / r)
    (knee_rise_ratio). NaN where the rest is not clearly below the line (a camera level with the
    body, or a knee not in front of it), where r is unknown."""
    sin_e = math.sin(math.radians(elevation_deg))
    r = -rest_rise_ratio / sin_e if sin_e > 1e-6 else float("nan")
    if not r >= KNEE_TURN_MIN_RADIUS:
        return np.full(np.shape(rise_ratio), np.nan)
    return elevation_deg + np.degrees(np.arcsin(np.clip(rise_ratio / r, -1.0, 1.0)))


@dataclass(frozen=True)
class SetView:
    """How the camera saw the set as a whole: what single frames are judged against.

    The camera stays put through a set while the body turns within it (a pelvis rolling back
    turns the body's front), so these are medians over many frames: the whole recording offline,
    a running window live.
    """

    elevation_deg: float  # how far above the body's front the camera looks down from
    shoulder_stack_ratio: float  # the shoulders' image spread across the trunk / trunk length
    pelvis_stack_ratio: float  # the hips' likewise
    # How far off square-on along the body (camera_yaw_deg): one value, or one per frame where the
    # camera moves within the recording (a running median of a few seconds).
    yaw_deg: float | np.ndarray = 0.0
    # The body's front turned up, away from the camera (lying on the back, seen from the side):
    # the elevations' median is below -LOW_CAMERA_DEG, where side-lying fronts face the lens.
    front_faces_away: bool = False
    # Where the top knee rests against its hip-ankle line (knee_rise_ratio): the set's lowest,
    # KNEE_REST_PERCENTILE of its rises. NaN when not judged.
    knee_rest_rise_ratio: float = float("nan")
    # How the face usually turns from the camera (face_turn_deg): the set's median. NaN when unseen.
    face_turn_deg: float = float("nan")

    @classmethod
    def of(
        cls,
        elevation_deg: np.ndarray,
        shoulder_stack_ratio: np.ndarray,
        pelvis_stack_ratio: np.ndarray,
        yaw_deg: float | np.ndarray = 0.0,
        knee_rise_ratio: np.ndarray | None = None,
        face_turn_deg: np.ndarray | None = None,
    ) -> SetView:
        """The view of frames with these per-frame estimates (NaN where no person)."""
        if np.all(np.isnan(elevation_deg)):
            return cls(0.0, float("nan"), float("nan"), yaw_deg)
        knee_seen = knee_rise_ratio is not None and np.any(np.isfinite(knee_rise_ratio))
        face_seen = face_turn_deg is not None and np.any(np.isfinite(face_turn_deg))
        return cls(
            float(np.nanmedian(np.abs(elevation_deg))),
            float(np.nanmedian(shoulder_stack_ratio)),
            float(np.nanmedian(pelvis_stack_ratio)),
            yaw_deg,
            bool(np.nanmedian(elevation_deg) < -LOW_CAMERA_DEG),
            float(np.nanpercentile(knee_rise_ratio, KNEE_REST_PERCENTILE)) if knee_seen else float("nan"),
            float(np.nanmedian(face_turn_deg)) if face_seen else float("nan"),
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
