"""The simulator's geometry is exact, and a seeded slice of the accuracy benchmark meets its targets."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_cli import assert_one_line_error, formcheck

from formcheck.cli import cli
from formcheck.evaluate import evaluate, tally
from formcheck.exercises import load_exercise
from formcheck.kinematics import Side, facing_elevation_deg
from formcheck.metrics import compute_metrics
from formcheck.pipeline import analyze_track
from formcheck.pose import PoseTrack
from formcheck.pose.landmarks import Landmark as L
from formcheck.scorecard import scorecard_from_analysis
from formcheck.sim import (
    FAULTS,
    BodyShape,
    Fault,
    JointAngles,
    NoiseModel,
    Posture,
    Support,
    View,
    pose_in_scene,
    simulate,
)
from formcheck.sim.body import Leg
from formcheck.sim.camera import SYSTEMATIC, WEBCAM_HFOV_DEG, Camera


def _dist(p, a, b):
    return np.linalg.norm(p[:, L[a]] - p[:, L[b]], axis=-1)


def test_segments_keep_their_length_and_a_clam_keeps_the_feet_together():
    opening = np.linspace(0, 60, 7)
    leg = Leg(hip_flexion=45, knee_flexion=80)
    angles = JointAngles(top_leg=Leg(hip_flexion=45, knee_flexion=80, clam_deg=opening), bottom_leg=leg)
    scene, _ = pose_in_scene(BodyShape(), angles, Posture(top=Side.RIGHT))
    shape = BodyShape()
    assert _dist(scene, "RIGHT_HIP", "RIGHT_KNEE") == pytest.approx(shape.m(shape.thigh))
    assert _dist(scene, "RIGHT_KNEE", "RIGHT_ANKLE") == pytest.approx(shape.m(shape.shank))
    # the knee rises as the clam opens while the feet stay where they were
    assert np.all(np.diff(scene[:, L.RIGHT_KNEE, 1]) > 0)
    assert np.ptp(scene[:, L.RIGHT_ANKLE], axis=0) == pytest.approx(np.zeros(3), abs=1e-9)


@pytest.mark.parametrize("raised", [False, True])
def test_every_shortcut_just_past_its_limit_crosses_the_rule_towards_twice_it(raised):
    """The benchmarks' "limit" faults: a tenth of the way from the limit to twice it, on the side
    the rule's limit is broken (the clam's small_range from a level camera in the body's terms)."""
    for kinds in FAULTS.values():
        for kind in kinds:
            limit, size = kind.limit(raised), kind.at_limit(raised)
            assert min(limit, kind.severe) < size < max(limit, kind.severe), kind.code
    (small,) = [k for k in FAULTS["clamshell"] if k.code == "small_range"]
    assert small.limit(raised) == (20.0 if raised else 31.0)


def test_a_pelvis_roll_back_turns_the_top_hip_away_from_a_front_camera_by_that_angle():
    angles = JointAngles(pelvis_roll_back=np.array([0.0, 30.0]))
    scene, _ = pose_in_scene(BodyShape(), angles, Posture(top=Side.LEFT))
    hips = scene[:, L.LEFT_HIP] - scene[:, L.RIGHT_HIP]
    roll = np.degrees(np.arctan2(-hips[:, 2], hips[:, 1]))  # the scene's +Z faces the camera
    assert roll == pytest.approx([0.0, 30.0], abs=0.5)


def test_a_kneeling_plank_rolls_back_about_its_knee_and_keeps_its_line():
    """Kneeling, the feet lie behind the knees: rolled about the line to them, the shoulders dropped
    and the shoulder-hip-knee line read a 27 deg pike on every rendered and simulated roll back.
    About the line to the bottom knee the line keeps straight while the top hip turns back."""
    knee = Leg(knee_flexion=90.0)
    angles = JointAngles(pelvis_roll_back=np.array([0.0, 30.0]), top_leg=knee, bottom_leg=knee)
    scene, _ = pose_in_scene(BodyShape(), angles, Posture(top=Side.LEFT, support=Support.FOREARM_KNEES))
    shoulders = (scene[:, L.LEFT_SHOULDER] + scene[:, L.RIGHT_SHOULDER]) / 2
    hips = (scene[:, L.LEFT_HIP] + scene[:, L.RIGHT_HIP]) / 2
    up, down = shoulders - hips, scene[:, L.RIGHT_KNEE] - hips
    cos = np.sum(up * down, axis=1) / np.linalg.norm(up, axis=1) / np.linalg.norm(down, axis=1)
    line = np.degrees(np.arccos(cos))
    assert abs(line[1] - line[0]) < 3.0
    turned = scene[:, L.LEFT_HIP] - scene[:, L.RIGHT_HIP]
    assert np.degrees(np.arctan2(-turned[1, 2], turned[1, 1])) > 20.0


@pytest.mark.parametrize("support", [Support.FOREARM_FEET, Support.FOREARM_KNEES, Support.HAND_FEET])
def test_a_side_plank_rests_on_its_arm_with_the_upper_arm_vertical(support):
    knee = 90.0 if support is Support.FOREARM_KNEES else 0.0
    angles = JointAngles(top_leg=Leg(knee_flexion=knee), bottom_leg=Leg(knee_flexion=knee))
    scene, incline = pose_in_scene(BodyShape(), angles, Posture(top=Side.RIGHT, support=support))
    arm = scene[0, L.LEFT_SHOULDER] - scene[0, L.LEFT_ELBOW]
    assert np.degrees(np.arctan2(np.hypot(arm[0], arm[2]), arm[1])) == pytest.approx(0.0, abs=0.5)
    assert 10.0 < incline[0] < 30.0


def test_a_noise_free_front_camera_measures_the_leg_lift_exactly():
    sim = simulate("side-leg-lift", [], noise="none", seed=3)
    t = sim.track
    m = compute_metrics(t.image, t.world, t.visibility, t.source.width, t.source.height, Side.RIGHT)
    measured = m.values["leg_abduction_deg"] - m.values["leg_abduction_deg"][0]
    truth = sim.performance.frame_truth["movement_deg"]
    assert np.max(np.abs(measured - truth)) < 1.5


def _slice(exercise: str, codes: list[str], seeds=(1, 2), live: bool = False):
    # The random errors only (the pose model's systematic ones are in benchmarks/accuracy.py).
    results = []
    for seed in seeds:
        top = Side(("left", "right")[seed % 2])
        results.append(
            (None, evaluate(simulate(exercise, [], seed=seed, top=top, noise="random"), live=live))
        )
        for code in codes:
            sim = simulate(exercise, [Fault(code)], seed=seed, top=top, noise="random")
            results.append((code, evaluate(sim, live=live)))
    return results


ROLLS_BACK = ("clamshell", "side-leg-lift")
SEEN_FROM_THE_FRONT = {
    "clamshell": ["feet_apart", "too_fast"],
    "side-leg-lift": [
        "toes_up",
        "over_lift",
        "small_range",
        "too_fast",
    ],
    "side-plank": ["hip_sag", "hip_pike"],
}


@pytest.mark.parametrize("pipeline", ["analyze", "live"])
@pytest.mark.parametrize("exercise", list(SEEN_FROM_THE_FRONT))
def test_benchmark_slice_front_view_realistic_noise_meets_the_targets(exercise, pipeline):
    """The same targets for live mode (causal smoothing, start gate, frame by frame) as offline."""
    rolls = ["pelvis_rollback"] if exercise in ROLLS_BACK else []
    results = _slice(exercise, SEEN_FROM_THE_FRONT[exercise] + rolls, live=pipeline == "live")
    assert all(r.count_exact for _, r in results)
    totals = tally(r for _, r in results)
    for code in SEEN_FROM_THE_FRONT[exercise]:
        t = totals.codes[code]
        assert t.tp / (t.tp + t.fn + t.unseen) >= 0.9, code
        assert t.tp / (t.tp + t.fp) >= 0.9, code
    assert totals.alarms / totals.correct <= 0.02
    if exercise in ROLLS_BACK:
        # A 30 deg roll (twice the limit) from a floor camera: ~13% of the shoulders' stack, close
        # to the pose model's noise, so the check reports only what it is sure of (3 of 4 here).
        # Live judges the set's view over its last 10 s only, so early reps have a shakier start (2 of 4).
        rolled = totals.codes["pelvis_rollback"]
        assert rolled.tp / (rolled.tp + rolled.fn + rolled.unseen) >= (0.75 if pipeline == "analyze" else 0.5)
        assert rolled.fp == 0


def test_the_camera_model_has_the_pose_models_flat_depth_and_stacked_hips_from_above():
    """Systematic errors measured on rendered video (benchmarks/pose_model_errors.py)."""
    exact = NoiseModel.level("none")
    quiet = dataclasses.replace(  # the systematic errors alone
        exact,
        limb_depth_gain=SYSTEMATIC.limb_depth_gain,
        stack_gain_straight_down=SYSTEMATIC.stack_gain_straight_down,
    )
    lift = [Fault("leg_forward", 40.0, reps=(1,))]

    def ankle_depth_range(noise):
        track = simulate("side-leg-lift", lift, noise=noise, top=Side.RIGHT, seed=3).track
        return np.ptp(track.world[:, int(L.RIGHT_ANKLE), 2])

    assert ankle_depth_range(quiet) == pytest.approx(0.1 * ankle_depth_range(exact), rel=0.05)

    def hip_spread_px(noise, view):
        track = simulate("clamshell", [], noise=noise, view=view, top=Side.RIGHT, seed=3).track
        return np.median(np.abs(track.image[:, int(L.RIGHT_HIP), 1] - track.image[:, int(L.LEFT_HIP), 1]))

    assert hip_spread_px(quiet, View.FRONT) == pytest.approx(hip_spread_px(exact, View.FRONT), rel=0.02)
    assert hip_spread_px(quiet, View.FRONT_RAISED) > 1.08 * hip_spread_px(exact, View.FRONT_RAISED)


@pytest.mark.parametrize("aimed_above_hips_m", [0.0, 0.4, -0.3])
def test_world_landmarks_face_the_ray_through_the_hips_as_the_pose_models_do(aimed_above_hips_m):
    """MediaPipe's world landmarks come from its crop round the hips, so a body off the picture's
    centre is seen from its own ray's elevation, not the optical axis's (sim/camera.py)."""
    scene = np.zeros((1, len(L), 3))  # lying on the left side along x, the front towards +z
    for name, xyz in {
        "LEFT_HIP": (0.0, 0.1, 0.0),
        "RIGHT_HIP": (0.0, 0.3, 0.0),
        "LEFT_SHOULDER": (0.5, 0.1, 0.0),
        "RIGHT_SHOULDER": (0.5, 0.3, 0.0),
        "NOSE": (0.75, 0.2, 0.1),
    }.items():
        scene[0, L[name]] = xyz
    camera = Camera(np.array([0.0, 1.2, 1.5]), np.array([0.0, 0.2 + aimed_above_hips_m, 0.0]))
    image, world = camera.project(scene)
    assert 0.0 < image[0, L.RIGHT_HIP, 1] < 1.0
    hips_ray_deg = np.degrees(np.arctan(1.0 / 1.5))
    assert facing_elevation_deg(world, Side.RIGHT) == pytest.approx([hips_ray_deg], abs=0.1)


def test_a_front_floor_camera_says_it_cannot_see_the_knee_bend_rather_than_guess():
    r = evaluate(simulate("clamshell", [Fault("knee_bend")], seed=1))
    knee_reps = [o for o in r.outcomes if "knee_bend" in o.truth]
    assert knee_reps and all("knee_bend" not in o.found and "knee_bend" in o.unseen for o in knee_reps)


def test_a_raised_camera_never_passes_straight_knees_silently_nor_guesses_a_roll_back():
    bent = evaluate(simulate("clamshell", [Fault("knee_bend", 10.0)], view=View.FRONT_RAISED, seed=2))
    assert all("knee_bend" in o.found | o.unseen for o in bent.outcomes)
    rolled = evaluate(simulate("clamshell", [Fault("pelvis_rollback")], view=View.FRONT_RAISED, seed=2))
    # From above a roll back grows the shoulders' stack: seen, and only on the reps that rolled.
    assert all("pelvis_rollback" in o.found | o.unseen for o in rolled.outcomes if o.truth)
    assert not any("pelvis_rollback" in o.found for o in rolled.outcomes if not o.truth)


def test_trunk_rotation_is_seen_from_a_raised_camera_and_said_unseen_from_a_level_one():
    """The shoulders' stacking against the hips' changes by cos(turn - elevation): level with the
    body a 30 deg turn is 13% of the stack, from above it is half of it. The simulator's raised
    camera stands 1.3 m in front, where perspective shrinks the shoulder turning away: a 30 deg
    turn reads 12-27 deg (6 of 12 seeds caught), a 40 deg one 10 of 12. (The rendered 1.7 m
    camera, further off, caught 30 deg in 3 of 3 bodies through MediaPipe.)"""
    level, raised = [], []
    for seed in (1, 2, 3, 4):
        top = Side(("left", "right")[seed % 2])
        for faults in ([], [Fault("trunk_rotation", 40.0)], [Fault("hip_sag")], [Fault("hip_pike")]):
            for view, outcomes in ((View.FRONT, level), (View.FRONT_RAISED, raised)):
                r = evaluate(simulate("side-plank", faults, seed=seed, top=top, noise="random", view=view))
                assert r.count_exact
                outcomes.extend(r.outcomes)
    assert all("trunk_rotation" in o.unseen and "trunk_rotation" not in o.found for o in level)
    turned = [o for o in raised if "trunk_rotation" in o.truth]
    assert sum("trunk_rotation" in o.found for o in turned) >= 3  # of 4
    assert not any("trunk_rotation" in o.found | o.unseen for o in raised if "trunk_rotation" not in o.truth)


@pytest.mark.parametrize("seed", [2, 4, 10, 14])
def test_a_trunk_turned_in_a_plank_seen_from_above_is_read_against_the_plank_not_the_whole_recording(seed):
    """The turn is the shoulders' stacking against the hips', each read against the body's usual
    one. The recording's median mixed the lying body and the turned frames into the plank's own
    (the shoulders 0.48 of the trunk against the held plank's 0.46), and these 30 deg turns read
    13-15 deg against the 15 limit: missed. The hold's frames are read against its start, as live."""
    turn = next(k for k in FAULTS["side-plank"] if k.code == "trunk_rotation").severe
    top = Side.RIGHT if seed % 2 else Side.LEFT
    sim = simulate("side-plank", [Fault("trunk_rotation", turn)], view=View.FRONT_RAISED, top=top, seed=seed)
    card = scorecard_from_analysis(analyze_track(sim.track, load_exercise("side-plank"))).to_dict()
    (hold,) = card["holds"]
    assert {f["code"] for f in hold["faults"]} == {"trunk_rotation"}


@pytest.mark.parametrize("view", [View.FRONT_RAISED, View.FRONT])
def test_a_trunk_turning_in_the_plank_is_reported_on_the_hold_not_again_as_the_reps_roll_back(view):
    """From above the turn moves the shoulders that the reps' roll-back check reads; the
    progressions say the rep fault follows from the hold's ([implied_by]), so the user gets the
    turn's cue alone. Level with the body the turn cannot be seen, and the head turning with the
    trunk is no roll back in a plank (plank_roll_deg leaves the face out). But there the kneeling
    plank's roll back is read from the shoulders alone (MediaPipe's hips do not confirm it in
    depth), which a trunk turning back moves as well: it is told as the body rolling back, in words
    that name the chest too. So are the plank with a leg lift's: through MediaPipe its hips turn with
    the trunk, which the simulator's do not (rendered from 0.3 m, a 30 deg turn read 18 deg in the
    hips' spread and 20 in depth, true keypoints 3 and 1), and a rep during the turn was told so."""
    for exercise in ("side-plank-clamshell", "side-plank-leg-lift"):
        told = []
        for seed in (1, 2):
            sim = simulate(exercise, [Fault("trunk_rotation")], seed=seed, view=view)
            r = evaluate(sim)
            assert r.count_exact
            (hold,) = [o for o in r.outcomes if "trunk_rotation" in o.truth]
            assert "trunk_rotation" in (hold.found if view is View.FRONT_RAISED else hold.unseen)
            told.append(any("pelvis_rollback" in o.found for o in r.outcomes))
        assert any(told) == (exercise == "side-plank-clamshell" and view is View.FRONT)
    for exercise in ("side-plank-clamshell", "side-plank-leg-lift"):
        rule = next(r for r in load_exercise(exercise).rules if r.code == "pelvis_rollback")
        assert "chest" in rule.message and "pelvis" not in rule.cue


@pytest.mark.parametrize("exercise", ["side-plank-clamshell", "side-plank-leg-lift"])
def test_a_planks_roll_back_names_the_trunk_turn_only_where_the_turn_cannot_be_checked(exercise):
    """Level with the body a turn of the trunk is "can't see", and it moves what the roll back reads:
    the roll back says it may be the turn (Rule.alike). From above the turn is checked on its own,
    so a roll back there is one."""
    for view, alike in ((View.FRONT, ["trunk_rotation"]), (View.FRONT_RAISED, [])):
        sim = simulate(exercise, [Fault("pelvis_rollback")], seed=1, view=view)
        card = scorecard_from_analysis(analyze_track(sim.track, load_exercise(exercise))).to_dict()
        (fault,) = [f for r in card["reps"] + card["holds"] for f in r["faults"]]
        assert (fault["code"], fault.get("alike", [])) == ("pelvis_rollback", alike)


def test_the_feet_are_said_unseen_while_the_shins_point_at_the_camera():
    """Straight hips put a clam's shins end-on to a floor camera; the pose model then guesses the
    ankles (rendered: the feet "parted" by 0.14-0.23 shank lengths), so the check stands down."""
    straight = evaluate(simulate("clamshell", [Fault("hip_bend")], seed=1))
    assert all("feet_apart" in o.unseen and "feet_apart" not in o.found for o in straight.outcomes)
    bent = evaluate(simulate("clamshell", [Fault("feet_apart")], seed=1))
    assert all(("feet_apart" in o.found) == ("feet_apart" in o.truth) for o in bent.outcomes)


@pytest.mark.parametrize("code", ["leg_forward", "hip_hike"])
def test_what_the_pose_model_does_not_follow_is_said_unseen_rather_than_passed(code):
    """A front camera does not see a limb move towards it (kinematics.LIMB_DEPTH_CONFIDENCE), and
    MediaPipe's hips do not follow the pelvis tilting (PELVIS_TILT_CONFIDENCE)."""
    r = evaluate(simulate("side-leg-lift", [Fault(code)], seed=1, noise="random"))
    faulty = [o for o in r.outcomes if code in o.truth]
    assert faulty and all(code in o.unseen and code not in o.found for o in faulty)


@pytest.mark.parametrize("exercise", ["side-leg-lift", "side-plank-leg-lift"])
def test_a_leg_swung_forward_is_not_told_its_toes_turn_up(exercise):
    """A leg swung forward at the hip turns a neutral foot towards the head, and seen from the front
    up across the leg (FOOT_SWUNG_TOWARDS_HIP): the simulator's 40 deg forward lifts were told
    "toes up" in 3 of these 4 plank sets and 1 of the 4 lying ones. Toes really turned up are still
    caught on every rep."""
    for seed in range(1, 5):
        top = Side(("left", "right")[seed % 2])
        forward = evaluate(simulate(exercise, [Fault("leg_forward", 40.0)], seed=seed, top=top))
        assert not any("toes_up" in o.found for o in forward.outcomes)
        turned = evaluate(simulate(exercise, [Fault("toes_up", 50.0)], seed=seed, top=top))
        assert all(("toes_up" in o.found) == ("toes_up" in o.truth) for o in turned.outcomes)


def test_a_raised_camera_reads_the_clams_knee_bend_lying_still_between_reps():
    """Read at rest in the floor's plane (knee_flexion_lying_deg), not at the top, where the
    opening thigh leaves that plane: straight knees are found in every rep, and a correct clam's
    knee is reported near its true 70 deg."""
    for seed in (1, 2):
        straight = evaluate(simulate("clamshell", [Fault("knee_bend")], view=View.FRONT_RAISED, seed=seed))
        assert all("knee_bend" in o.found for o in straight.outcomes)
        sim = simulate("clamshell", [], view=View.FRONT_RAISED, seed=seed)
        card = scorecard_from_analysis(analyze_track(sim.track, load_exercise("clamshell"))).to_dict()
        assert len(card["reps"]) == 5 and not any(r["faults"] for r in card["reps"])
        assert all(r["metrics"]["knee_flexion_deg"] == pytest.approx(70.0, abs=10.0) for r in card["reps"])


def test_a_raised_camera_sees_the_leg_lifted_too_high():
    """From above the frontal plane is squeezed by cos(elevation): a 60 deg lift read under the 45
    deg limit in the image until the squeeze was undone."""
    for seed in (1, 2):
        lifted = evaluate(simulate("side-leg-lift", [Fault("over_lift")], view=View.FRONT_RAISED, seed=seed))
        assert all(("over_lift" in o.found) == ("over_lift" in o.truth) for o in lifted.outcomes)
        correct = evaluate(simulate("side-leg-lift", [], view=View.FRONT_RAISED, seed=seed))
        assert correct.count_exact and not any(o.found for o in correct.outcomes)


def test_simulate_writes_a_track_that_analyze_scores_with_its_truth(tmp_path):
    runner = CliRunner()
    track = tmp_path / "lift.track.json"
    done = runner.invoke(
        cli, ["simulate", "-e", "side-leg-lift", "-f", "toes_up=50@1,3", "--reps", "3", "-o", str(track)]
    )
    assert done.exit_code == 0, done.output
    meta = json.loads(track.read_text())["meta"]
    assert [sorted(r["faults"]) for r in meta["truth"]["reps"]] == [["toes_up"], [], ["toes_up"]]
    out = tmp_path / "out"
    done = runner.invoke(cli, ["analyze", str(track), "-e", "side-leg-lift", "--no-video", "--out", str(out)])
    assert done.exit_code == 0, done.output
    card = json.loads((out / "scorecard.json").read_text())
    assert [sorted({f["code"] for f in r["faults"]}) for r in card["reps"]] == [["toes_up"], [], ["toes_up"]]


def test_simulate_rejects_an_unknown_shortcut_in_one_line(tmp_path):
    result = formcheck("simulate", "-e", "clamshell", "-f", "leg_forward", "-o", "x.json", cwd=tmp_path)
    assert_one_line_error(result, "Valid shortcuts: knee_bend")
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("too_fast=0", "out of range: 0.05-5 s up"),
        ("pelvis_rollback=40@9", "the set has reps 1-5"),
        ("feet_apart=wide", "Cannot read the shortcut"),
    ],
)
def test_simulate_rejects_impossible_shortcuts_in_one_line(tmp_path, fault, words):
    result = formcheck("simulate", "-e", "clamshell", "-f", fault, "-o", "x.json", cwd=tmp_path)
    assert_one_line_error(result, words)
    assert not (tmp_path / "x.json").exists()


def test_the_simulator_depends_on_pose_alone():
    """The simulator is below the checker: scoring against its truth lives above both."""
    import ast

    import formcheck.sim

    # atomic and encoding are leaves (file writing, video encoders) that the renderer uses; the
    # exercise definitions are data, read for the shortcuts' limits (never the checker's measuring).
    allowed = (
        "formcheck.sim",
        "formcheck.pose",
        "formcheck.errors",
        "formcheck.atomic",
        "formcheck.encoding",
        "formcheck.exercises",
    )
    for path in Path(formcheck.sim.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("formcheck"):
                assert node.module.startswith(allowed), f"{path.name} imports {node.module}"


def _joined(tracks: list[PoseTrack]) -> PoseTrack:
    """One recording of several takes played one after the other (a camera moved between them)."""
    t_s, offset = [], 0.0
    for track in tracks:
        t_s.append(track.t_s + offset)
        offset = t_s[-1][-1] + 1.0 / track.source.fps
    source = dataclasses.replace(tracks[0].source, frames=sum(len(t) for t in tracks))
    arrays = (np.concatenate([getattr(t, k) for t in tracks]) for k in ("image", "world", "visibility"))
    return PoseTrack(source, np.concatenate(t_s), *arrays)


def test_a_camera_carried_round_the_body_is_followed_and_counts_only_what_it_can_see():
    """Issue 13: the same clams filmed square-on, 40 deg towards the head, then from the head end.
    The scorecard says each view with its times; the first two count all their reps, the head
    end counts none (before, nothing stopped it) and says why. Each view's yaw is its hips' ray's,
    as the pose model's world landmarks face it (sim/camera.py): the framing puts the hips off
    the picture's centre."""
    takes = [simulate("clamshell", [], yaw_deg=yaw, seed=1).track for yaw in (0.0, 40.0, 85.0)]
    analysis = analyze_track(_joined(takes), load_exercise("clamshell"))
    card = scorecard_from_analysis(analysis).to_dict()
    views = card["sets"][0]["views"]
    focal = 0.5 / np.tan(np.radians(WEBCAM_HFOV_DEG / 2))
    hips_ray_deg = [
        yaw - np.degrees(np.arctan((np.nanmedian(t.image[:, [L.LEFT_HIP, L.RIGHT_HIP], 0]) - 0.5) / focal))
        for yaw, t in zip((0.0, 40.0, 85.0), takes, strict=True)
    ]
    assert [v["yaw_deg"] for v in views] == pytest.approx(hips_ray_deg, abs=5.0)
    assert [v["view"].split(",")[0] for v in views][::2] == ["square-on", "from the head end"]
    take_s = len(takes[0]) / 30.0
    for k, v in enumerate(views[1:], start=1):
        assert v["start_s"] == pytest.approx(k * take_s, abs=0.5)
    assert card["summary"]["reps"] == 10 and all(r["end_s"] < 2 * take_s for r in card["reps"])
    assert card["summary"]["faults"] == {}
    assert any(w["message"].startswith("Can't count from here") for w in card["warnings"])


def test_checks_a_camera_off_to_the_side_cannot_make_are_unseen_not_false_alarms():
    """The leg lift from 60 deg towards the feet: the abduction looks larger than it is (over_lift
    alarmed on every rep before) and the pelvis tilt changes; both are "can't see" now, and the
    reps still count."""
    sim = simulate("side-leg-lift", [], yaw_deg=-60.0, seed=1, noise="random")
    result = evaluate(sim)
    assert result.count_exact
    assert all(not o.found for o in result.outcomes)
    assert {"over_lift", "hip_hike"} <= set().union(*(o.unseen for o in result.outcomes))


def test_a_side_plank_filmed_from_behind_counts_its_hold_catches_the_sag_and_says_so():
    """Issue 13: from behind, the hips dropped and came back up; the sag is in the image plane as
    from the front. The scorecard says the camera saw the person's back, and that the working side
    is a guess there (the joints and the head's end disagree)."""
    sim = simulate("side-plank", [Fault("hip_sag")], yaw_deg=180.0, seed=1, noise="random")
    result = evaluate(sim)
    assert result.count_exact
    assert [(o.truth, o.found) for o in result.outcomes] == [({"hip_sag"}, {"hip_sag"})]
    card = scorecard_from_analysis(analyze_track(sim.track, load_exercise("side-plank"))).to_dict()
    assert [v["facing"] for v in card["sets"][0]["views"]] == ["back"]
    assert "side_uncertain" in [w["code"] for w in card["warnings"]]
    front = scorecard_from_analysis(
        analyze_track(simulate("side-plank", [], seed=1, noise="random").track, load_exercise("side-plank"))
    ).to_dict()
    assert [v["facing"] for v in front["sets"][0]["views"]] == ["front"]
    assert "side_uncertain" not in [w["code"] for w in front["warnings"]]
