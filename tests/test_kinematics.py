"""Kinematics on constructed bodies whose angles are known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from bodies import HEIGHT, PELVIS_HALF_M, WIDTH, side_lying, stack

from formcheck.engine.rules import CONFIDENT
from formcheck.kinematics import (
    SetView,
    Side,
    detect_side,
    face_turn_deg,
    knee_rise_ratio,
    opening_about_leg_deg,
    plane_visibility,
    stack_ratio,
)
from formcheck.metrics import compute_metrics
from formcheck.pose.landmarks import Landmark as L


def metrics(side: str = "right", **pose):
    image, world, vis = stack([side_lying(top_side=side, **pose)])
    m = compute_metrics(image, world, vis, WIDTH, HEIGHT, Side(side))
    return {k: float(v[0]) for k, v in m.values.items()}, {k: float(c[0]) for k, c in m.confidence.items()}


@pytest.mark.parametrize("knee", [20.0, 45.0, 90.0, 120.0])
def test_knee_flexion_is_exact(knee):
    v, c = metrics(knee_flexion_deg=knee)
    assert v["knee_flexion_deg"] == pytest.approx(knee, abs=0.01)
    assert c["knee_flexion_deg"] > 0.9


@pytest.mark.parametrize("hip", [10.0, 45.0, 70.0])
def test_hip_flexion_is_exact(hip):
    v, _ = metrics(hip_flexion_deg=hip)
    assert v["hip_flexion_deg"] == pytest.approx(hip, abs=0.01)


@pytest.mark.parametrize("opening", [0.0, 15.0, 45.0, 70.0])
def test_clam_thigh_opening_is_exact(opening):
    v, _ = metrics(opening_deg=opening)
    assert v["thigh_opening_deg"] == pytest.approx(opening, abs=0.01)


@pytest.mark.parametrize("abduction", [0.0, 20.0, 45.0])
def test_leg_abduction_is_exact(abduction):
    v, _ = metrics(hip_flexion_deg=0.0, knee_flexion_deg=0.0, abduction_deg=abduction)
    assert v["leg_abduction_deg"] == pytest.approx(abduction, abs=0.01)
    assert v["knee_flexion_deg"] == pytest.approx(0.0, abs=0.01)


def test_feet_gap_is_the_top_ankle_off_the_bottom_shank_over_the_shank():
    image, _, _ = side_lying(feet_lift_m=0.1)
    v, _ = metrics(feet_lift_m=0.1)
    top_shank = np.linalg.norm(image[L.RIGHT_ANKLE, :2] - image[L.RIGHT_KNEE, :2])
    bottom = image[L.LEFT_ANKLE, :2] - image[L.LEFT_KNEE, :2]
    gap = image[L.RIGHT_ANKLE, :2] - image[L.LEFT_ANKLE, :2]
    off_line = abs(bottom[0] * gap[1] - bottom[1] * gap[0]) / np.linalg.norm(bottom)
    assert v["feet_gap_ratio"] == pytest.approx(off_line / top_shank, abs=1e-3)
    rest, _ = metrics()
    assert v["feet_gap_ratio"] > rest["feet_gap_ratio"] + 0.15


def test_a_top_ankle_sliding_along_the_bottom_shank_is_not_feet_apart():
    """The top ankle turning with the opening knee, or dragged along by the pose model, slides
    along the bottom leg: the feet have not come apart."""
    image, world, vis = stack([side_lying()])
    rest = compute_metrics(image, world, vis, WIDTH, HEIGHT, Side.RIGHT).values["feet_gap_ratio"][0]
    bottom = image[0, L.LEFT_ANKLE, :2] - image[0, L.LEFT_KNEE, :2]
    image[0, L.RIGHT_ANKLE, :2] -= 0.3 * bottom  # a third of a shank towards the bottom knee
    slid = compute_metrics(image, world, vis, WIDTH, HEIGHT, Side.RIGHT).values["feet_gap_ratio"][0]
    assert slid == pytest.approx(rest, abs=0.01)


def seen_from_above(body: dict[str, tuple[float, float, float]], elevation_deg: float):
    """Image (33, 3) and world (33, 3) landmarks of points in body axes (x along the body, feet to
    head; y up; z towards the camera; metres), seen by an orthographic camera ``elevation_deg``
    above the body's front."""
    e = math.radians(elevation_deg)
    image, world = np.full((33, 3), 0.5), np.zeros((33, 3))
    for name, (x, y, z) in body.items():
        world[L[name]] = (x, y, z)
        up = y * math.cos(e) - z * math.sin(e)  # what is nearer the camera looks lower from above
        image[L[name], :2] = (0.5 + 0.4 * x, 0.5 - 0.4 * up)
    return image, world


# A side-lying trunk in body axes (see seen_from_above), the right side on top.
LYING_TRUNK = {
    "RIGHT_HIP": (0.0, 0.1, 0.0),
    "LEFT_HIP": (0.0, -0.1, 0.0),
    "RIGHT_SHOULDER": (0.5, 0.15, 0.0),
    "LEFT_SHOULDER": (0.5, -0.15, 0.0),
}


def clam_seen_from_above(opening_deg: float, elevation_deg: float) -> np.ndarray:
    """Image landmarks of a lying clam's top leg, its knee turned ``opening_deg`` about the
    hip-ankle line, seen from ``elevation_deg`` above the body's front."""
    o = math.radians(opening_deg)
    body = {
        **LYING_TRUNK,
        "RIGHT_ANKLE": (-0.7, 0.1, 0.0),
        # 0.3 m in front of the hip-ankle line at rest, turning up about it
        "RIGHT_KNEE": (-0.35, 0.1 + 0.3 * math.sin(o), 0.3 * math.cos(o)),
    }
    return seen_from_above(body, elevation_deg)[0]


@pytest.mark.parametrize("elevation", [40.0, 60.0])
@pytest.mark.parametrize("opening", [5.0, 15.0, 45.0, 70.0])
def test_the_clams_opening_is_its_knees_turn_about_the_hip_ankle_line(opening, elevation):
    """From above, the thighs' image angle shrinks; the knee's rise against its rest gives the
    turn in the body's own terms, exactly."""
    rest, opened = (clam_seen_from_above(a, elevation) for a in (0.0, opening))
    rises = knee_rise_ratio(np.stack([rest, opened]), Side.RIGHT, 1000, 1000)
    assert opening_about_leg_deg(rises, float(rises[0]), elevation) == pytest.approx([0.0, opening], abs=1e-6)


def lifted_leg_seen_from_above(lift_deg: float, knee_deg: float, elevation_deg: float):
    """A side-lying body's top leg lifted ``lift_deg`` in the body's plane, its knee bent
    ``knee_deg`` (the shank backwards, away from the camera), seen from ``elevation_deg``."""
    a, k = math.radians(lift_deg), math.radians(knee_deg)
    along, backwards = np.array([-math.cos(a), math.sin(a), 0.0]), np.array([0.0, 0.0, -1.0])
    thigh = along * 0.45
    shank = (along * math.cos(k) + backwards * math.sin(k)) * 0.42
    hip = np.array(LYING_TRUNK["RIGHT_HIP"])
    body = {
        **LYING_TRUNK,
        "RIGHT_KNEE": tuple(hip + thigh),
        "RIGHT_ANKLE": tuple(hip + thigh + shank),
        "LEFT_KNEE": (-0.45, -0.1, 0.0),
        "LEFT_ANKLE": (-0.87, -0.1, 0.0),
    }
    return seen_from_above(body, elevation_deg)


@pytest.mark.parametrize("elevation", [40.0, 60.0])
@pytest.mark.parametrize("lift", [0.0, 30.0, 55.0])
@pytest.mark.parametrize("knee", [0.0, 20.0, 40.0])
def test_from_above_a_lifted_legs_knee_bend_is_its_shank_leaving_the_bodys_plane(knee, lift, elevation):
    """The knee of a lifting leg bends backwards, out of the plane the leg lifts in: from above the
    picture's angle shows part of it; the backward part over tan(elevation) gives all of it."""
    image, world = lifted_leg_seen_from_above(lift, knee, elevation)
    view = SetView(elevation, 0.3, 0.3)
    m = compute_metrics(image[None], world[None], np.ones((1, 33)), 1000, 1000, Side.RIGHT, view)
    assert m.values["knee_flexion_lifted_deg"][0] == pytest.approx(knee, abs=1e-6)
    assert m.confidence["knee_flexion_lifted_deg"][0] == 1.0
    if knee and elevation == 40.0:
        assert m.values["knee_flexion_deg"][0] < knee - 5.0  # the picture's angle alone reads less


@pytest.mark.parametrize("elevation", [0.0, 30.0, 50.0, 62.0])
@pytest.mark.parametrize("opening", [0.0, 15.0, 45.0])
def test_a_kneeling_clams_opening_is_read_in_the_bodys_frontal_plane(opening, elevation):
    """Kneeling, the thighs lie along the body and the top knee opens towards the ceiling: from
    above the picture's angle shrinks, and undoing the elevation gives the opening, also from the
    62 deg a 1.7 m camera framing a kneeling body looks down from (OPENING_RECTIFY_MAX_ELEVATION_DEG;
    undone only up to the plank line's 50, a 45 deg opening read 36)."""
    o = math.radians(opening)
    body = {
        **LYING_TRUNK,
        "RIGHT_KNEE": (-0.45 * math.cos(o), 0.1 + 0.45 * math.sin(o), 0.0),
        "LEFT_KNEE": (-0.45, -0.1, 0.0),
        "RIGHT_ANKLE": (-0.45 * math.cos(o), 0.1 + 0.45 * math.sin(o), -0.4),  # the shanks lie behind
        "LEFT_ANKLE": (-0.45, -0.1, -0.4),
    }
    image, world = seen_from_above(body, elevation)
    m = compute_metrics(
        image[None], world[None], np.ones((1, 33)), 1000, 1000, Side.RIGHT, SetView(elevation, 0.3, 0.3)
    )
    assert m.values["thigh_opening_frontal_deg"][0] == pytest.approx(opening, abs=1e-6)
    if opening and elevation:
        assert m.values["thigh_opening_deg"][0] < opening - 1.0  # the picture's angle alone reads less


def test_a_level_camera_cannot_see_the_clams_turn():
    """Level with the body the knee rests on the hip-ankle line: the turn's radius is unknown."""
    rest = clam_seen_from_above(0.0, 0.0)
    rise = knee_rise_ratio(rest[None], Side.RIGHT, 1000, 1000)
    assert np.isnan(opening_about_leg_deg(rise, float(rise[0]), 0.0)).all()
    assert np.isnan(opening_about_leg_deg(rise, float(rise[0]), 5.0)).all()


def body_rolled_back(roll_deg: float, elevation_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Image and world landmarks of a rigid side-lying trunk and head rolled back ``roll_deg``
    about its long axis, seen from ``elevation_deg`` above its front."""
    r = math.radians(roll_deg)
    body = {
        "RIGHT_HIP": (0.0, 0.1, 0.0),
        "LEFT_HIP": (0.0, -0.1, 0.0),
        "RIGHT_SHOULDER": (0.5, 0.18, 0.0),
        "LEFT_SHOULDER": (0.5, -0.18, 0.0),
        "RIGHT_EAR": (0.75, 0.075, 0.0),
        "LEFT_EAR": (0.75, -0.075, 0.0),
        "NOSE": (0.75, 0.0, 0.1),
    }
    rolled = {  # the top goes back, the front turns up
        name: (x, y * math.cos(r) + z * math.sin(r), -y * math.sin(r) + z * math.cos(r))
        for name, (x, y, z) in body.items()
    }
    return seen_from_above(rolled, elevation_deg)


@pytest.mark.parametrize("elevation", [0.0, 15.0, 45.0])
@pytest.mark.parametrize("roll", [15.0, 30.0])
def test_the_face_turns_up_by_the_roll_itself_from_any_height(roll, elevation):
    """Against its rest the face reads the roll exactly, where the stacks' spreads go as
    cos(roll - elevation): from 15 deg up a 30 deg roll leaves the shoulders' spread as it was."""
    (rest, rest_w), (rolled, rolled_w) = (body_rolled_back(a, elevation) for a in (0.0, roll))
    turns = face_turn_deg(np.stack([rest, rolled]), np.stack([rest_w, rolled_w]), 1000, 1000)
    assert turns[1] - turns[0] == pytest.approx(roll, abs=1e-6)
    assert turns[0] == pytest.approx(-elevation, abs=1e-6)
    spreads = stack_ratio(np.stack([rest, rolled]), Side.RIGHT, 1000, 1000)
    if roll == 2 * elevation:
        assert spreads[1] == pytest.approx(spreads[0], abs=1e-9)


@pytest.mark.parametrize(("face_turn", "seen"), [(-2.0, True), (-25.0, False), (float("nan"), False)])
def test_a_planks_roll_is_read_as_from_a_low_camera_only_where_its_face_says_so(face_turn, seen):
    """Seen from 25 deg up, a 30 deg roll back leaves the shoulders' spread as it was (cos(roll -
    elevation)). Where the pose model's hips put that camera 8 deg up, the low camera's cues pass
    the roll as none. A plank's face, in line with its trunk, turned down 25 deg from the camera
    says it looks down on the body: the roll is "can't see", as it is where the face was not seen;
    only a face level with the camera lets the low camera's cues be read."""
    (rest, _), (rolled, rolled_w) = (body_rolled_back(a, 25.0) for a in (0.0, 30.0))
    shoulders, hips = (
        float(stack_ratio(rest[None], Side.RIGHT, 1000, 1000, j)[0]) for j in ("SHOULDER", "HIP")
    )
    view = SetView(8.0, shoulders, hips, face_turn_deg=face_turn)
    m = compute_metrics(rolled[None], rolled_w[None], np.ones((1, 33)), 1000, 1000, Side.RIGHT, view)
    for metric in ("plank_roll_deg", "plank_roll_shoulders_deg"):
        assert (m.confidence[metric][0] >= CONFIDENT) == seen
        if seen:
            assert m.values[metric][0] < 15.0  # what a low camera's cues make of it: passed


@pytest.mark.parametrize("roll", [20.0, 45.0])
def test_pelvis_roll_shrinks_hip_stacking_by_its_cosine(roll):
    rest, _ = metrics()
    rolled, _ = metrics(pelvis_roll_deg=roll)
    assert rolled["pelvis_stack_ratio"] / rest["pelvis_stack_ratio"] == pytest.approx(
        math.cos(math.radians(roll)), abs=1e-3
    )


@pytest.mark.parametrize("tilt", [-8.0, 12.0])
def test_hip_hike_is_the_pelvis_tilt_towards_the_head(tilt):
    v, _ = metrics(pelvis_tilt_deg=tilt)
    assert v["pelvis_tilt_deg"] == pytest.approx(tilt, abs=0.01)


def test_side_plank_line_straight_sagging_and_piking():
    straight, _ = metrics(hip_flexion_deg=0, knee_flexion_deg=0, incline_deg=20)
    assert straight["body_line_deg"] == pytest.approx(180.0, abs=0.01)
    assert straight["hip_lift_ratio"] == pytest.approx(math.sin(math.radians(20)), abs=0.01)
    sag, _ = metrics(hip_flexion_deg=0, knee_flexion_deg=0, incline_deg=20, hip_drop_m=0.1)
    pike, _ = metrics(hip_flexion_deg=0, knee_flexion_deg=0, incline_deg=20, hip_drop_m=-0.1)
    # hips 0.1 m off a line with 0.84 m of leg and 0.5 m of trunk
    expected = math.degrees(math.atan(0.1 / 0.84) + math.atan(0.1 / 0.5))
    assert 180.0 - sag["body_line_deg"] == pytest.approx(expected, abs=0.05)
    assert pike["body_line_deg"] - 180.0 == pytest.approx(expected, abs=0.05)


def test_lying_flat_has_no_hip_lift():
    v, _ = metrics(hip_flexion_deg=0, knee_flexion_deg=0)
    assert abs(v["hip_lift_ratio"]) < 0.05
    assert v["torso_tilt_deg"] == pytest.approx(0.0, abs=0.01)
    assert v["torso_facing_ratio"] == pytest.approx(2 * 0.18 / 0.5, abs=0.01)


def test_a_bone_pointing_at_the_camera_is_not_seen():
    assert plane_visibility(np.array([[0.0, 0.0, 1.0]]))[0] == 0.0
    assert plane_visibility(np.array([[1.0, 0.0, 0.2]]))[0] == 1.0
    # 60 degrees out of the image plane: the 2-D angle is meaningless
    assert plane_visibility(np.array([[0.5, 0.0, math.sqrt(3) / 2]]))[0] == pytest.approx(0.0, abs=1e-9)


def test_knee_bend_of_a_limb_seen_end_on_has_no_confidence():
    image, world, vis = stack([side_lying(hip_flexion_deg=0, knee_flexion_deg=90)])
    world[:, :, 2], world[:, :, 0] = world[:, :, 0].copy(), 0.0  # legs now point at the camera
    m = compute_metrics(image, world, vis, WIDTH, HEIGHT, Side.RIGHT)
    assert m.confidence["knee_flexion_deg"][0] == 0.0


@pytest.mark.parametrize("side", ["left", "right"])
def test_detect_side_finds_the_top_leg(side):
    image, _, vis = stack([side_lying(top_side=side)] * 3)
    assert detect_side(image, vis) == Side(side)


def test_no_person_gives_no_confidence():
    image, world, vis = stack([side_lying()])
    image[:] = np.nan
    world[:] = np.nan
    m = compute_metrics(image, world, vis, WIDTH, HEIGHT, Side.RIGHT)
    assert all(c[0] == 0.0 for k, c in m.confidence.items() if not k.startswith("body_"))


def test_pelvis_stack_scale():
    v, _ = metrics()
    assert v["pelvis_stack_ratio"] == pytest.approx(2 * PELVIS_HALF_M / 0.5, abs=1e-3)


def test_every_metric_is_one_registered_function_with_its_unit_label_and_views():
    """Issue 13: one registry is the single source of the metrics' names, units, labels and views."""
    from formcheck.exercises import REP_METRICS, all_exercises
    from formcheck.metrics import METRIC_LABELS, METRIC_MAX_YAW_DEG, METRICS

    assert list(METRIC_LABELS) == list(METRICS)
    for m in METRICS.values():
        assert m.label and m.unit == (
            "deg" if m.name.endswith("_deg") else "ratio" if m.name.endswith("_ratio") else m.unit
        )
        assert METRIC_MAX_YAW_DEG.get(m.name) == m.max_yaw_deg
    used = {r.metric for e in all_exercises() for r in e.rules} | {
        c.metric for e in all_exercises() for c in e.setup
    }
    assert used - set(REP_METRICS) <= set(METRICS)
    image, world, vis = stack([side_lying()])
    assert list(compute_metrics(image, world, vis, WIDTH, HEIGHT, Side.RIGHT).values) == list(METRICS)
