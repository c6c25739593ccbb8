"""Rendered bodies with exact truth: the sample videos, and `formcheck render` end to end.

The sample videos are checked against their truth files; the true keypoints need no MediaPipe
and no torch. Rendering itself needs the render extra (installed in CI); without it those tests
skip with the install line.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import FIXTURES, ROOT

from formcheck.evaluate import Outcome, SequenceResult, evaluate_track, tally, truth_reps_and_holds
from formcheck.exercises import load_exercise
from formcheck.pipeline import analyze_track
from formcheck.pose.landmarks import Landmark as L
from formcheck.pose.landmarks import Side
from formcheck.pose.track_io import load_track
from formcheck.report import report_html, text_table
from formcheck.scorecard import scorecard_from_analysis
from formcheck.sim import FAULTS
from formcheck.sim.render import PENETRATION_TOLERANCE_M, load_truth, true_keypoint_track, truth_path

SAMPLES = ROOT / "sample_videos"
NAMES = [f"{e}_{n}" for e, kinds in FAULTS.items() for n in ["correct"] + [k.code for k in kinds]]
BASE_CORRECT = ["clamshell_correct", "side-leg-lift_correct", "side-plank_correct"]
# The joints the checks measure, to compare MediaPipe's with the truth.
JOINTS = [int(L[f"{s}_{p}"]) for s in ("LEFT", "RIGHT") for p in ("SHOULDER", "HIP", "KNEE", "ANKLE")]
has_render = all(importlib.util.find_spec(m) for m in ("torch", "anny", "pyrender"))


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_and_shortcut_has_a_sample_video_that_matches_its_truth(name):
    video = SAMPLES / f"{name}.mp4"
    truth = load_truth(truth_path(video))
    capture = cv2.VideoCapture(str(video))
    frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    capture.release()
    assert size == (640, 360)
    assert frames == len(truth["frames"]["t_s"]) == len(truth["frames"]["landmarks_3d_m"])
    exercise, _, fault = name.partition("_")
    injected = {c for item in truth["reps"] + truth["holds"] for c in item["faults"]}
    assert injected == (set() if fault == "correct" else {fault} | (injected - {fault}))
    if fault != "correct":
        assert fault in injected
    checks = truth["checks"]
    assert checks["lowest_point_min_m"] >= -0.001  # nothing sinks through the mat
    assert (
        checks["leg_penetration_max_m"] <= PENETRATION_TOLERANCE_M
    )  # the legs never pass through each other


def test_the_truth_measures_the_posed_joints_not_only_the_driving_angles():
    """A clam on straight knees (knee_bend at twice its limit) measures straight on the posed joints too."""

    def knee(name: str) -> float:
        frames = load_truth(truth_path(SAMPLES / f"{name}.mp4"))["frames"]
        return float(np.median(frames["joint_angles_deg"]["knee_flexion_deg"]))

    assert knee("clamshell_knee_bend") < 30.0 < knee("clamshell_correct")


@pytest.mark.parametrize("name", BASE_CORRECT)
def test_the_true_keypoints_of_correct_form_are_counted_exactly_and_raise_no_fault(name):
    truth = load_truth(truth_path(SAMPLES / f"{name}.mp4"))
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(true_keypoint_track(truth), load_exercise(name.split("_")[0]), reps, holds)
    assert result.count_exact, (result.counted_reps, result.counted_holds)
    assert not any(o.found for o in result.outcomes)


def _mediapipe_track(video):
    from formcheck.pipeline import extract_track
    from formcheck.pose import PoseLandmarkerEstimator
    from formcheck.sources import VideoFileSource

    source = VideoFileSource(video)
    estimator = PoseLandmarkerEstimator()
    try:
        return extract_track(source, source.info, estimator)
    finally:
        estimator.close()


@pytest.mark.video
@pytest.mark.parametrize("name", NAMES)
def test_mediapipe_finds_the_rendered_body_where_the_truth_puts_it(name):
    video = SAMPLES / f"{name}.mp4"
    truth = load_truth(truth_path(video))
    track = _mediapipe_track(video)
    whole = track.slice(0, len(track))
    assert whole.has_pose.mean() >= 0.98
    found = whole.image[:, JOINTS, :2] * [640, 360]
    true_px = np.asarray(truth["frames"]["landmarks_2d_px"])[:, JOINTS]
    error_px = np.linalg.norm(found - true_px, axis=-1)
    assert np.nanmedian(error_px) < 12.0, np.nanmedian(error_px, axis=0)


def _hike_of_each_rep_deg(track, truth) -> list[float]:
    """The pelvis tilt's rise over each true rep, against the second before it."""
    from formcheck.pipeline import analyze_track

    frames = list(analyze_track(track, load_exercise("side-leg-lift")).frames())
    t_s = np.array([f.t_s for f in frames])
    tilt = np.array([f.metrics.values["pelvis_tilt_deg"] for f in frames])
    rises = []
    for rep in truth["reps"]:
        before = tilt[(t_s >= rep["start_s"] - 1.0) & (t_s < rep["start_s"])]
        during = tilt[(t_s >= rep["start_s"]) & (t_s <= rep["end_s"])]
        rises.append(float(np.nanmax(during) - np.nanmedian(before)))
    return rises


@pytest.mark.video
def test_mediapipes_hips_do_not_follow_a_hip_hike_so_it_is_said_unseen():
    """Why PELVIS_TILT_CONFIDENCE is 0: the sample's second lift hikes the pelvis 20 deg. The true
    hip centres show it; MediaPipe's hips (placed from the thighs) rise no more than on the correct
    lifts. Should a pose model follow the pelvis, this fails and the rule can be trusted again."""
    video = SAMPLES / "side-leg-lift_hip_hike.mp4"
    truth = load_truth(truth_path(video))
    assert [r["faults"] for r in truth["reps"]] == [{}, {"hip_hike": 20.0}, {}]
    true_rises = _hike_of_each_rep_deg(true_keypoint_track(truth), truth)
    assert true_rises[1] - max(true_rises[0], true_rises[2]) > 8.0
    track = _mediapipe_track(video)
    model_rises = _hike_of_each_rep_deg(track, truth)
    assert model_rises[1] - max(model_rises[0], model_rises[2]) < 3.0, model_rises
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, load_exercise("side-leg-lift"), reps, holds)
    assert result.count_exact and all("hip_hike" in o.unseen and not o.found for o in result.outcomes)


def _rendered_fixture(name: str):
    """MediaPipe's landmarks of a benchmark render (benchmarks/rendered_accuracy.py, committed as a
    track, so no pose model runs) and the render's true reps."""
    truth = json.loads((FIXTURES / f"{name}.truth.json").read_text())
    return load_track(FIXTURES / f"{name}.track.json.gz"), truth


def test_from_above_a_clams_range_is_its_true_opening_and_small_reps_alone_are_flagged():
    """From 1.7 m the heavy body's correct clams (true 46-54 deg) open 18-26 deg in the picture,
    under the small_range limit; their knee's turn about the hip-foot line reads the true opening.
    A 15 deg rep among full ones is still flagged."""
    track, truth = _rendered_fixture("rendered_clamshell_correct_heavy_1.7m")
    card = scorecard_from_analysis(analyze_track(track, load_exercise("clamshell"))).to_dict()
    true_ranges = [r["metrics"]["range_deg"] for r in truth["reps"]]
    assert [r["metrics"]["range_deg"] for r in card["reps"]] == pytest.approx(true_ranges, abs=8.0)
    assert [r["faults"] for r in card["reps"]] == [[], [], []]
    track, truth = _rendered_fixture("rendered_clamshell_small_range_average_1.7m")
    card = scorecard_from_analysis(analyze_track(track, load_exercise("clamshell"))).to_dict()
    assert [[f["code"] for f in r["faults"]] for r in card["reps"]] == [[], ["small_range"], []]
    assert card["reps"][1]["metrics"]["range_deg"] == pytest.approx(
        truth["reps"][1]["metrics"]["range_deg"], abs=6.0
    )


@pytest.mark.parametrize(
    "name",
    ["rendered_clamshell_small_range_5deg_average_0.9m", "rendered_clamshell_small_range_8deg_average_1.7m"],
)
def test_a_clam_opened_5_to_8_deg_is_counted_and_told_small_not_fast(name):
    """Issue 12: small reps down to about 5 deg. A 5 deg clam from 0.9 m rose 2.4 deg in MediaPipe's
    picture and an 8 deg one from 1.7 m 2.8, under the old quiet floor's 3.1: neither was counted.
    With the floor lowered alone, the 5 deg one's 1.5 s lift, timed from its start band, read 0.33 s:
    too fast."""
    track, truth = _rendered_fixture(name)
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, load_exercise("clamshell"), reps, holds)
    assert result.count_exact
    assert [o.found for o in result.outcomes] == [set(), {"small_range"}, set()]


def test_from_above_feet_apart_is_said_unseen_where_the_gap_turns_towards_the_lens():
    """From 1.7 m a feet gap of 0.30 shank lengths (twice the limit) turns mostly towards the lens:
    on the average body it read 0.10 through MediaPipe (0.03 on true keypoints) and was passed as
    good. It is now "can't see", as are the correct reps' feet; a wider gap would still be flagged."""
    track, truth = _rendered_fixture("rendered_clamshell_feet_apart_average_1.7m")
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, load_exercise("clamshell"), reps, holds)
    assert result.count_exact
    assert [o.truth for o in result.outcomes] == [set(), {"feet_apart"}, set()]
    assert all("feet_apart" in o.unseen and "feet_apart" not in o.found for o in result.outcomes)
    analysis = analyze_track(track, load_exercise("clamshell"))
    card = scorecard_from_analysis(analysis).to_dict()
    assert any("catches only large ones" in w["message"] for w in card["warnings"])


def test_from_above_a_leg_lifts_roll_back_is_caught_by_the_hips_stack():
    """From 1.7 m MediaPipe puts the camera 30-43 deg above a leg lift, where the shoulders alone
    cannot tell a roll: the hips' spread, which the lifting leg leaves alone, catches it."""
    track, truth = _rendered_fixture("rendered_side-leg-lift_pelvis_rollback_slim_1.7m")
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, load_exercise("side-leg-lift"), reps, holds)
    assert result.count_exact
    assert ["pelvis_rollback" in o.found for o in result.outcomes] == [False, True, False]


@pytest.mark.parametrize(
    "name",
    ["rendered_side-leg-lift_pelvis_rollback_heavy_0.9m", "rendered_clamshell_pelvis_rollback_slim_0.9m"],
)
def test_from_halfway_up_a_roll_back_is_caught_by_the_face_turning_up(name):
    """From 0.9 m a 30 deg roll back barely changes the stacks' spreads (cos(roll - elevation)): the
    leg lift's was passed silently and the clam's said "can't see". The face turns up with the
    rolling trunk, and only on the rep that rolls."""
    track, truth = _rendered_fixture(name)
    reps, holds = truth_reps_and_holds(truth)
    exercise = load_exercise(name.split("_")[1])
    result = evaluate_track(track, exercise, reps, holds)
    assert result.count_exact
    assert ["pelvis_rollback" in o.found for o in result.outcomes] == [False, True, False]


def test_from_a_floor_camera_the_face_overrules_the_stacks_on_a_clam_that_does_not_roll():
    """From 0.3 m MediaPipe's shoulders and depth on the slim body's first clam read a 16 deg roll
    back (the opening knee drags them); its face, which turns with a rolling trunk, read 3."""
    track, truth = _rendered_fixture("rendered_clamshell_small_range_slim_0.3m")
    card = scorecard_from_analysis(analyze_track(track, load_exercise("clamshell"))).to_dict()
    assert [[f["code"] for f in r["faults"]] for r in card["reps"]] == [[], ["small_range"], []]


def test_from_above_a_kneeling_plank_says_it_cannot_see_a_sag_and_still_catches_its_pike():
    """From 1.7 m (60-66 deg down) MediaPipe reads a straight kneeling plank 164-173 deg (true
    keypoints 177-183), and this piking set was told a sag at 164.2 as it settled, and a knee bent
    past the clam's 130 deg on the piking rep (139; true keypoints 131: the picture bends it)."""
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_hip_pike_average_1.7m")
    exercise = load_exercise("side-plank-clamshell")
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, exercise, reps, holds)
    assert result.count_exact
    assert [o.found for o in result.outcomes] == [set(), set(), set(), {"hip_pike"}]
    assert all("hip_sag" in o.unseen for o in result.outcomes)
    # The hold's pike (its window 5.5-9.5 s) is made during the first rep, which is labelled
    # correct (the rep's own form was): the benchmark knows a fault found there is the hold's.
    assert [o.truth for o in result.outcomes] == [set(), set(), set(), {"hip_pike"}]
    assert [o.during for o in result.outcomes] == [{"hip_pike"}, set(), set(), set()]
    warnings = scorecard_from_analysis(analyze_track(track, exercise)).to_dict()["warnings"]
    assert any("'hip_sag' is not checked" in w["message"] and "hip height" in w["message"] for w in warnings)
    # ...and the set is told at its start that the camera is too high for a kneeling plank
    (high,) = [w for w in warnings if "looks down on you" in w["message"]]
    assert high["at_s"] <= 2.5 and "loses your opening knee" in high["message"]


def test_the_tally_tells_one_shortcut_told_as_another_from_an_alarm_on_good_form():
    """Precision and the false-alarm rate count them all; the breakdown says which were which."""
    outcomes = [
        Outcome({"leg_forward"}, {"toes_up"}, {"leg_forward"}, True),  # a forward lift told toes up
        Outcome(set(), {"pelvis_rollback"}, set(), True, during={"trunk_rotation"}),  # a plank's turn
        Outcome(set(), {"toes_up"}, set(), True),  # good form told a fault
        Outcome({"toes_up"}, {"toes_up"}, set(), True),
        Outcome(set(), set(), set(), True),
    ]
    totals = tally([SequenceResult(5, 5, 0, 0, outcomes)])
    toes, rolled = totals.codes["toes_up"], totals.codes["pelvis_rollback"]
    assert (toes.tp, toes.fp, toes.fp_on_other) == (1, 2, 1)
    assert (rolled.fp, rolled.fp_on_other) == (1, 1)
    assert (totals.correct, totals.alarms, totals.alarms_during_hold_faults) == (3, 2, 1)
    # The same calls naming the true shortcut as one they may be (Fault.alike): neither right nor
    # wrong, and no alarm; a fault naming another, or naming one on good form, still is.
    outcomes[0].alike = {"toes_up": {"leg_forward"}}
    outcomes[1].alike = {"pelvis_rollback": {"trunk_rotation"}}
    outcomes[2].alike = {"toes_up": {"leg_forward"}}
    totals = tally([SequenceResult(5, 5, 0, 0, outcomes)])
    toes, rolled = totals.codes["toes_up"], totals.codes["pelvis_rollback"]
    assert (toes.tp, toes.fp, toes.named_alike) == (1, 1, 1)
    assert (toes.precision, toes.strict_precision) == (0.5, 1 / 3)
    assert (rolled.fp, rolled.named_alike, rolled.strict_precision) == (0, 1, 0.0)
    assert (totals.correct, totals.alarms, totals.alarms_during_hold_faults) == (3, 1, 0)
    assert totals.named_alike == 1


def test_from_above_a_leg_turned_out_is_not_taken_for_a_roll_and_its_toes_up_is_caught():
    """The toes' turn is read against the pelvis's roll (a roll back turns them up too). From 1.7 m
    the hips' own spread moves as the leg turns out, so that roll took 14 deg off a 50 deg turn on
    the true keypoints; through MediaPipe this plank lift read 30.8 against the 30 limit for less
    than its 0.2 s, and was missed. The roll is now read without the hips' spread."""
    exercise = load_exercise("side-plank-leg-lift")
    track, truth = _rendered_fixture("rendered_side-plank-leg-lift_toes_up_average_1.7m")
    result = evaluate_track(track, exercise, *truth_reps_and_holds(truth))
    assert result.count_exact
    assert [o.truth for o in result.outcomes[:3]] == [set(), {"toes_up"}, set()]
    assert [o.found for o in result.outcomes] == [set(), {"toes_up"}, set(), set()]


@pytest.mark.parametrize(
    ("name", "told", "alike"),
    [
        ("rendered_side-plank-clamshell_trunk_rotation_average_0.3m", "pelvis_rollback", "trunk_rotation"),
        ("rendered_side-plank-clamshell_pelvis_rollback_average_0.3m", "pelvis_rollback", "trunk_rotation"),
        ("rendered_side-leg-lift_leg_forward_average_0.9m", "toes_up", "leg_forward"),
    ],
)
def test_a_fault_the_camera_cannot_tell_from_an_unseen_one_names_it(name, told, alike):
    """From a floor camera the kneeling plank's shoulders shrink alike when the trunk turns back on
    the pelvis and when the pelvis rolls back (true keypoints too), and the turn itself is "can't
    see": the rep during the turn was told a roll back. Through MediaPipe a leg swung forward, which
    no front camera sees, turned the foot up. Each such fault now says which shortcut it may be
    instead, in the scorecard, the table and the report; the benchmark counts it apart."""
    exercise = load_exercise(name.split("_")[1])
    track, truth = _rendered_fixture(name)
    card = scorecard_from_analysis(analyze_track(track, exercise)).to_dict()
    faults = [f for r in card["reps"] for f in r["faults"]]
    assert [f["code"] for f in faults] == [told]
    assert faults[0]["alike"] == [alike]
    assert f"'{alike}' is not checked" in " ".join(w["message"] for w in card["warnings"])
    assert f"{told} or {alike}" in text_table(card)
    assert f"It may be {alike.replace('_', ' ')} instead" in report_html(card)
    result = evaluate_track(track, exercise, *truth_reps_and_holds(truth))
    totals = tally([result])
    assert result.count_exact and totals.alarms == 0 and totals.codes[told].fp == 0
    assert totals.codes[told].tp + totals.codes[told].named_alike == 1


def test_from_above_a_kneeling_clam_says_it_cannot_see_the_feet_rather_than_part_them():
    """From 1.7 m (55 deg down) MediaPipe's top ankle follows the opening knee it loses: this body's
    correct feet read 0.24 shank lengths apart on its last rep (the limit is 0.15). Its roll back is
    still caught; the feet and the sag are said not checked, at the start, with the camera's height."""
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_pelvis_rollback_heavy_1.7m")
    exercise = load_exercise("side-plank-clamshell")
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, exercise, reps, holds)
    assert result.count_exact
    assert [o.found for o in result.outcomes] == [set(), {"pelvis_rollback"}, set(), set()]
    warnings = scorecard_from_analysis(analyze_track(track, exercise)).to_dict()["warnings"]
    said = {
        c: w for w in warnings for c in ("hip_sag", "feet_apart") if f"'{c}' is not checked" in w["message"]
    }
    assert said.keys() == {"hip_sag", "feet_apart"}
    assert all(w["at_s"] <= 2.5 and "hip height" in w["message"] for w in said.values())


@pytest.mark.parametrize("live", [False, True])
def test_from_above_a_kneeling_clam_whose_knee_is_lost_is_not_told_its_full_reps_are_small(live):
    """From 1.7 m (66 deg down) MediaPipe loses this slim body's opening knee mid-rep: its correct
    50-degree clams read 21-24 degrees (live 13-17, under the 20 limit), where small clams from there
    read 9-19. The range is said not checked, with the camera's height, and no rep is told small."""
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_feet_apart_slim_1.7m")
    exercise = load_exercise("side-plank-clamshell")
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, exercise, reps, holds, live)
    assert result.count_exact
    assert all("small_range" not in o.found for o in result.outcomes)
    assert all("small_range" in o.unseen for o in result.outcomes[:3])
    card = scorecard_from_analysis(analyze_track(track, exercise))
    assert [r["metrics"]["range_deg"] for r in card.to_dict()["reps"]] == [None] * 3
    ranges = re.findall(r"^  [123] +[\d.]+- *[\d.]+s +(\S+)", card.table(), flags=re.MULTILINE)
    assert ranges == ["unseen"] * 3


@pytest.mark.parametrize(
    "name",
    [
        "rendered_side-plank-clamshell_correct_heavy_0.3m",
        "rendered_side-plank-clamshell_pelvis_rollback_heavy_0.9m",
    ],
)
def test_a_kneeling_plank_from_lower_down_is_not_told_the_camera_is_too_high(name):
    """Rendered through MediaPipe from 0.3 m and 0.9 m a kneeling body is seen from at most 30 deg up,
    from 1.7 m mostly 55 or more: only there is it told to lower the camera ([too_high])."""
    track, _ = _rendered_fixture(name)
    card = scorecard_from_analysis(analyze_track(track, load_exercise("side-plank-clamshell"))).to_dict()
    assert card["reps"] and not [w for w in card["warnings"] if "looks down on you" in w["message"]]


def test_from_above_a_side_plank_is_timed_by_how_far_its_hips_rose():
    """From 1.7 m MediaPipe reads the average body's forearm plank 0.16-0.17 up (true keypoints
    0.21-0.22), under the hold's 0.18 entry, so no hold was timed and its sag went unsaid. The hips
    rose 0.10 above their rest on the floor (0.06-0.07), and a rise is a hold from any height."""
    track, truth = _rendered_fixture("rendered_side-plank_hip_sag_average_1.7m")
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, load_exercise("side-plank"), reps, holds)
    assert result.count_exact
    assert [o.found for o in result.outcomes] == [{"hip_sag"}]
    card = scorecard_from_analysis(analyze_track(track, load_exercise("side-plank"))).to_dict()
    (hold,) = card["holds"]
    assert hold["start_s"] == pytest.approx(truth["holds"][0]["start_s"], abs=0.3)
    assert hold["end_s"] == pytest.approx(truth["holds"][0]["end_s"], abs=0.3)


def test_a_kneeling_side_plank_is_timed_from_its_lift_not_from_lying_down():
    """Kneeling, the body pivots on a lever half as long, so lying down the heavy body's hips read
    0.23 up from 0.3 m, over the side plank's 0.18 entry: its hold was timed from 0.0, the set's
    first frame, not from 3.0, when it lifted. The kneeling plank enters at its own 0.29."""
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_correct_heavy_0.3m")
    reps, holds = truth_reps_and_holds(truth)
    result = evaluate_track(track, load_exercise("side-plank-clamshell"), reps, holds)
    assert result.count_exact
    assert not any(o.found for o in result.outcomes)
    card = scorecard_from_analysis(analyze_track(track, load_exercise("side-plank-clamshell"))).to_dict()
    (hold,) = card["holds"]
    assert hold["start_s"] == pytest.approx(truth["holds"][0]["start_s"], abs=0.3)


def test_from_halfway_up_a_kneeling_planks_roll_back_is_said_unseen_not_passed():
    """From 0.9 m (27 deg above the body) MediaPipe's hips put the heavy body's kneeling plank 12 deg
    up, where the low camera's cues read a roll back as the shoulders' spread shrinking; seen from
    27 deg it barely moves for a 30 deg roll, so the roll back was passed silently. The plank's face,
    held in line with its trunk, reads the camera 20 deg up: "can't see". From the floor (the face
    level, -4 deg) the roll is still checked."""
    exercise = load_exercise("side-plank-clamshell")
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_pelvis_rollback_heavy_0.9m")
    result = evaluate_track(track, exercise, *truth_reps_and_holds(truth))
    assert result.count_exact
    assert [o.truth for o in result.outcomes[:3]] == [set(), {"pelvis_rollback"}, set()]
    reps = result.outcomes[:3]
    assert all("pelvis_rollback" in o.unseen and "pelvis_rollback" not in o.found for o in reps)
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_correct_heavy_0.3m")
    result = evaluate_track(track, exercise, *truth_reps_and_holds(truth))
    assert not any("pelvis_rollback" in o.unseen for o in result.outcomes)


def test_from_the_floor_a_kneeling_planks_roll_back_is_read_from_the_shoulders_alone():
    """From 0.3 m MediaPipe's hips turned in depth by 8 deg on the kneeling plank's 30 deg roll back
    (true keypoints 30), and as the shoulders' confirmation they passed it silently; the shoulders'
    spread alone reads it. Correct clams from there stay clear of the limit."""
    exercise = load_exercise("side-plank-clamshell")
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_pelvis_rollback_average_0.3m")
    result = evaluate_track(track, exercise, *truth_reps_and_holds(truth))
    assert result.count_exact
    assert [o.truth for o in result.outcomes[:3]] == [set(), {"pelvis_rollback"}, set()]
    assert ["pelvis_rollback" in o.found for o in result.outcomes[:3]] == [False, True, False]
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_correct_heavy_0.3m")
    result = evaluate_track(track, exercise, *truth_reps_and_holds(truth))
    assert not any(o.found for o in result.outcomes)


def test_a_kneeling_plank_is_timed_when_its_bottom_shank_points_at_a_low_camera():
    """From 0.3 m the slim body's bottom shank points at the lens (0.04-0.17 of its thigh in the
    picture), and under its straightened top leg MediaPipe's knee angle there read under 60 deg in
    60% of the held frames: taken for a straight leg, the plank's hips read as lying, the hold was
    timed 5.4 s short and its first rep, cut by the hold's late start, was told small_range. The
    short shank says kneeling too."""
    track, truth = _rendered_fixture("rendered_side-plank-clamshell_knee_bend_slim_0.3m")
    exercise = load_exercise("side-plank-clamshell")
    result = evaluate_track(track, exercise, *truth_reps_and_holds(truth))
    assert result.count_exact
    assert result.metric_errors["hold_s"] == [pytest.approx(0.0, abs=0.5)]
    assert not any("small_range" in o.found for o in result.outcomes)


@pytest.mark.parametrize("height", ["0.3m", "0.9m"])
def test_a_kneeling_planks_sag_is_read_against_the_line_it_started_from(height):
    """From 0.3 m the average body's straight kneeling line reads 182 (true keypoints 184.5: the line
    through the bottom knee), and its 22 deg sag ended at 165.2 through MediaPipe, passed against the
    165 limit. From 0.9 m it read 179.9 and the sag 166.0, 13.8 below its start, passed against the
    side plank's 15 below it too: kneeling, 12 below the hold's start is a sag. (The correct
    kneeling plank from 0.3 m stays clear: the test above.)"""
    track, truth = _rendered_fixture(f"rendered_side-plank-clamshell_hip_sag_average_{height}")
    card = scorecard_from_analysis(analyze_track(track, load_exercise("side-plank-clamshell"))).to_dict()
    (hold,) = card["holds"]
    (sag,) = hold["faults"]
    window = truth["holds"][0]["fault_windows"]["hip_sag"]
    assert sag["code"] == "hip_sag" and window[0] - 0.5 <= sag["start_s"] <= window[1]
    assert 165.0 < sag["value"] < sag["limit"] < 172.0
    assert all(r["faults"] == [] for r in card["reps"])
    if height == "0.9m":  # the side plank's 15 below the start would have passed it
        assert sag["value"] > sag["limit"] - 3.0


@pytest.mark.skipif(
    not has_render, reason='needs the render extra: pip install torch==2.13.0 && pip install -e ".[render]"'
)
def test_render_writes_a_video_and_its_truth_that_analyze_counts(tmp_path):
    from click.testing import CliRunner

    from formcheck.cli import cli

    video = tmp_path / "clam.mp4"
    runner = CliRunner()
    args = ["render", "-e", "clamshell", "-f", "feet_apart@1", "--reps", "1", "--fps", "12", "-o", str(video)]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    truth = load_truth(truth_path(video))
    assert [set(r["faults"]) for r in truth["reps"]] == [{"feet_apart"}]
    assert truth["checks"]["leg_penetration_max_m"] <= PENETRATION_TOLERANCE_M
    out = tmp_path / "out"
    done = runner.invoke(cli, ["analyze", str(video), "-e", "clamshell", "--no-video", "--out", str(out)])
    assert done.exit_code == 0, done.output
    card = json.loads((out / "scorecard.json").read_text())
    assert [sorted(f["code"] for f in r["faults"]) for r in card["reps"]] == [["feet_apart"]]


def test_render_without_its_extra_or_with_a_bad_size_says_so_in_one_line(tmp_path):
    from test_cli import assert_one_line_error, formcheck

    result = formcheck("render", "-e", "clamshell", "--size", "640by360", "-o", "x.mp4", cwd=tmp_path)
    assert_one_line_error(result, "WIDTHxHEIGHT")
    result = formcheck("render", "-e", "clamshell", "-o", "x.avi", cwd=tmp_path)
    assert_one_line_error(result, "must end in .mp4")
    result = formcheck("render", "-e", "clamshell", "--body", "giant", "-o", "x.mp4", cwd=tmp_path)
    assert_one_line_error(result, "Valid bodies: average-woman, heavy-man, slim-tall")
    # Without torch (hidden here from the child process) it says how to install the extra.
    hide_torch = (
        "import sys\n"
        "class Hidden:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(name, name=name)\n"
        "sys.meta_path.insert(0, Hidden())\n"
        "from formcheck.cli import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", hide_torch, "render", "-e", "clamshell", "-o", "x.mp4"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert_one_line_error(result, "needs the render extra (", "is missing): pip install torch==2.13.0")
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob(".*"))


@pytest.mark.skipif(
    not has_render, reason='needs the render extra: pip install torch==2.13.0 && pip install -e ".[render]"'
)
def test_a_rendered_clam_opens_about_its_own_ankle_so_a_correct_one_keeps_its_feet_together():
    """The clam's hinge is worked out on the body's own leg lengths: on the simulator's default thigh
    (0.23 of the height, the slim body's is 0.27) the slim body's feet parted by 0.08 shank lengths."""
    from formcheck.sim.body import posed_body
    from formcheck.sim.motion import Tempo, perform
    from formcheck.sim.render import LOOKS, Body

    body = Body(LOOKS["slim-tall"])
    shape = body.shape
    perf = perform("clamshell", [], shape=shape, tempo=Tempo(reps=1, lead_in_s=1.0), fps=10.0)
    heads = body.pose(posed_body(shape, perf.angles, Side.RIGHT)[1])["heads"]
    right, left = (heads[:, body.labels.index(f"foot.{a}")] for a in "RL")
    gap_m = np.linalg.norm(right - left, axis=1)
    assert np.ptp(perf.frame_truth["movement_deg"]) > 40.0  # the knee opened
    assert np.max(np.abs(gap_m - gap_m[0])) < 0.02 * shape.m(shape.shank)
