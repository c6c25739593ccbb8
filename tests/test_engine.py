"""The engine on synthetic metric streams whose truth is known exactly."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from formcheck.engine import ExerciseEngine, FaultRaised, FrameMetrics, RepCompleted
from formcheck.exercises import Exercise, TooHigh, load_exercise

FPS = 30.0
SETUP_OK = {
    "torso_facing_ratio": 0.5,
    "torso_tilt_deg": 5.0,
    "limbs_hanging_ratio": 0.25,
    "body_in_frame_ratio": 1.0,
    "body_visibility": 0.9,
}


def run(
    exercise: str | Exercise,
    signals: dict[str, np.ndarray],
    confidence: dict[str, float | np.ndarray] | None = None,
    setup: dict[str, float] | None = None,
    cuts: tuple[int, ...] = (),
):
    """Feed per-frame metric arrays (all the same length) through a fresh engine; a confidence is
    one number or one per frame; ``cuts`` are the frames that follow a cut."""
    engine = ExerciseEngine(exercise if isinstance(exercise, Exercise) else load_exercise(exercise))
    n = len(next(iter(signals.values())))
    events = []
    base = {**SETUP_OK, **(setup or {})}
    for i in range(n):
        values = {**base, **{k: float(v[i]) for k, v in signals.items()}}
        conf = {k: 1.0 for k in values} | {
            k: float(np.broadcast_to(c, n)[i]) for k, c in (confidence or {}).items()
        }
        events.extend(engine.update(FrameMetrics(i / FPS, values, conf, True, cut=i in cuts)))
    events.extend(engine.finish())
    return engine, events


def body_line(line: np.ndarray) -> dict[str, np.ndarray]:
    """The plank's line as hip_pike reads it and as hip_sag does (the same where a sag can be seen)."""
    return {"body_line_deg": line, "body_line_sag_deg": line}


def clam_reps(
    n_reps: int,
    rest_s: float = 1.0,
    up_s: float = 1.0,
    top_s: float = 0.3,
    down_s: float = 1.0,
    gap_s: float = 0.8,
    low: float = 5.0,
    high: float = 55.0,
    tail_s: float = 1.0,
) -> np.ndarray:
    """Raised-cosine reps from ``low`` to ``high``; peaks at rest_s + up_s + top_s/2 + k * period."""
    parts = [np.full(int(rest_s * FPS), low)]
    for _ in range(n_reps):
        up = low + (high - low) * (1 - np.cos(np.linspace(0, math.pi, int(up_s * FPS)))) / 2
        parts += [up, np.full(int(top_s * FPS), high), up[::-1], np.full(int(gap_s * FPS), low)]
    parts.append(np.full(int(tail_s * FPS), low))
    return np.concatenate(parts)


def reps_of(events):
    return [e.rep for e in events if isinstance(e, RepCompleted)]


def test_counts_clean_reps_with_their_peaks():
    signal = clam_reps(5)
    engine, events = run("clamshell", {"thigh_opening_deg": signal})
    reps = reps_of(events)
    assert len(reps) == 5
    period = 1.0 + 0.3 + 1.0 + 0.8
    for k, rep in enumerate(reps):
        assert rep.peak_s == pytest.approx(1.0 + 1.0 + 0.15 + k * period, abs=0.2)
        assert rep.metrics["range_deg"] == pytest.approx(50.0, abs=0.5)
        assert rep.faults == []
        assert rep.score == 100


def test_jitter_around_the_start_threshold_never_counts():
    rng = np.random.default_rng(1)
    signal = 5.0 + 12.0 + rng.uniform(-4, 4, int(20 * FPS))  # hovers around rest + start_rise
    signal[:30] = 5.0
    _, events = run("clamshell", {"thigh_opening_deg": signal})
    assert reps_of(events) == []


def test_jitter_at_the_end_threshold_does_not_double_count():
    rng = np.random.default_rng(2)
    rep = clam_reps(1, tail_s=0.0, gap_s=0.0)
    hover = 5.0 + 0.35 * 50 + rng.uniform(-3, 3, int(3 * FPS))  # wobbling at the end threshold
    signal = np.concatenate([rep[: int(len(rep) * 0.8)], hover, np.full(60, 5.0)])
    _, events = run("clamshell", {"thigh_opening_deg": signal})
    assert len(reps_of(events)) == 1


def test_a_long_pause_at_the_top_is_one_rep_and_not_slow_lifting():
    _, events = run("clamshell", {"thigh_opening_deg": clam_reps(2, top_s=6.0)})
    reps = reps_of(events)
    assert len(reps) == 2
    assert reps[0].end_s - reps[0].start_s > 6.0
    # tempo is the lift and the lowering, not the pause at the top
    assert reps[0].metrics["up_s"] < 2.5 and reps[0].metrics["down_s"] < 2.5


def test_small_reps_are_counted_and_flagged_after_a_still_rest():
    """Issue 12: a 5 deg clam shows about 3 deg in the image; after a still rest (1.6 s) it counts."""
    for opening in (3.5, 10.0, 18.0):
        _, events = run("clamshell", {"thigh_opening_deg": clam_reps(3, rest_s=2.0, high=5.0 + opening)})
        reps = reps_of(events)
        assert len(reps) == 3, opening
        assert all([f.code for f in r.faults] == ["small_range"] for r in reps)
        assert all(r.metrics["range_deg"] == pytest.approx(opening, abs=0.1) for r in reps)


def test_the_range_is_read_in_the_bodys_terms_where_they_are_seen():
    """From a raised camera the clam's image angle shrinks (a correct 50 deg clam shows ~20): its
    range, and small_range, come from the knee's turn about the hip-foot line at the peak against
    the rest before it. Where that is not seen, the counted image angle's range stands in."""
    signal = clam_reps(3, high=22.0)  # every rep opens 17 deg in the picture...
    turn = (signal - 5.0) / 17.0 * np.array([50.0]).repeat(len(signal))  # ...and 50 in the body
    rep3 = slice(int(6.6 * FPS), len(signal))
    turn[rep3] *= 0.2  # ...but the third only 10
    _, events = run("clamshell", {"thigh_opening_deg": signal, "knee_opening_deg": turn + 3.0})
    reps = reps_of(events)
    # (the rest's last second holds the start of the rise: its median is a little up)
    assert [r.metrics["range_deg"] for r in reps] == pytest.approx([50.0, 50.0, 10.0], abs=2.0)
    assert [[f.code for f in r.faults] for r in reps] == [[], [], ["small_range"]]
    _, events = run(
        "clamshell", {"thigh_opening_deg": signal, "knee_opening_deg": turn}, {"knee_opening_deg": 0.0}
    )
    reps = reps_of(events)
    assert [r.metrics["range_deg"] for r in reps] == pytest.approx([17.0, 17.0, 17.0], abs=0.1)
    assert all([f.code for f in r.faults] == ["small_range"] for r in reps)


def test_a_movement_below_the_quiet_floor_or_a_twitch_is_not_a_rep():
    _, events = run("clamshell", {"thigh_opening_deg": clam_reps(3, high=5.0 + 1.5)})
    assert reps_of(events) == []
    twitches = clam_reps(3, high=5.0 + 6.0, up_s=0.2, top_s=0.0, down_s=0.2)  # 0.4 s each
    _, events = run("clamshell", {"thigh_opening_deg": twitches})
    assert reps_of(events) == []


def test_a_small_reps_lift_is_timed_from_the_bottom_of_its_range_as_a_full_ones():
    """A small rep starts from a band half its start rise above the rest, a third of a 2.4 deg
    rep: timed from there, a 0.9 s lift read 0.40 s, at the too-fast limit. From the bottom tenth of
    its range (or its start, where earlier) to the top tenth, a raised-cosine lift takes about 59% of
    its time, whatever its size."""
    for opening in (2.4, 40.0):
        signal = clam_reps(3, rest_s=2.0, up_s=0.9, high=5.0 + opening)
        _, events = run("clamshell", {"thigh_opening_deg": signal})
        reps = reps_of(events)
        assert len(reps) == 3, opening
        assert [r.metrics["up_s"] for r in reps] == pytest.approx([0.59 * 0.9] * 3, abs=0.07), opening
        assert all("too_fast" not in [f.code for f in r.faults] for r in reps), opening


def test_small_reps_need_a_rest_quieter_than_they_are():
    """A rest that jitters 3 deg peak to peak keeps most of the 12 deg start rise: jitter alone
    never counts, and 4 deg reps in it cannot be told from it."""
    rng = np.random.default_rng(3)
    for opening in (0.0, 4.0):
        signal = clam_reps(3, rest_s=2.0, high=5.0 + opening, gap_s=2.0)
        noisy = signal + rng.uniform(-1.5, 1.5, len(signal))
        _, events = run("clamshell", {"thigh_opening_deg": noisy})
        assert reps_of(events) == [], opening


def test_a_small_rep_right_after_a_full_one_counts_by_the_sets_quietest_rest():
    """The settling after a full rep is no quieter than the noise of the camera and the pose model
    that the set's first rest showed: a small rep there counts by the quietest rest (the simulator's
    15 deg clams from above rose 6 deg in the image after a 1.3 s rest that spread 1.6)."""
    signal = clam_reps(2, rest_s=2.0, gap_s=1.3, high=45.0)  # the first rest lies perfectly still
    gap = slice(int((2.0 + 2.3) * FPS), int((2.0 + 2.3 + 1.3) * FPS))
    signal[gap] += 0.8 * np.sin(np.linspace(0.0, 6 * math.pi, gap.stop - gap.start))  # settling
    second = slice(gap.stop, gap.stop + int(2.3 * FPS))
    signal[second] = 5.0 + (signal[second] - 5.0) * 6.0 / 40.0  # the second opens 6 deg
    _, events = run("clamshell", {"thigh_opening_deg": signal})
    reps = reps_of(events)
    assert [r.metrics["range_deg"] for r in reps] == pytest.approx([40.0, 6.0], abs=1.0)
    assert [[f.code for f in r.faults] for r in reps] == [[], ["small_range"]]


def test_a_rep_that_settles_above_its_end_level_after_a_dip_below_rest_ends_there():
    """From a steep camera the pose model read a kneeling clam's closing knee 7-8 deg below its
    rest for about a second: that dip became the next rep's base, and that rep, back at rest but
    above 35% of a range measured from the dip, merged with the one after it."""
    signal = clam_reps(3, rest_s=2.0, gap_s=1.5, high=25.0)
    period = 1.0 + 0.3 + 1.0 + 1.5
    first_end = 2.0 + 2.3
    dip = slice(int(first_end * FPS), int((first_end + 1.0) * FPS))
    signal[dip] -= 12.0 * np.sin(np.linspace(0.0, math.pi, dip.stop - dip.start))
    _, events = run("clamshell", {"thigh_opening_deg": signal})
    reps = reps_of(events)
    assert len(reps) == 3
    # the others end at 35% of the way down (0.6 s into a raised-cosine lowering), the second when
    # it came to rest, not where the next one does
    down_at = [first_end - 0.4, first_end + period, first_end - 0.4 + 2 * period]
    assert [r.end_s for r in reps] == pytest.approx(down_at, abs=0.1)
    assert [r.metrics["range_deg"] for r in reps[::2]] == pytest.approx([20.0, 20.0], abs=0.5)


def test_a_joint_lost_for_a_frame_or_two_mid_rep_does_not_split_it():
    """From 1.7 m MediaPipe lost a kneeling clam's opening knee for 0.07-0.13 s mid-rep: the rep was
    split, and a piece told too_fast or small_range. A rep ends only where it stays down (0.1 s)."""
    signal = clam_reps(3, rest_s=2.0)
    period = 1.0 + 0.3 + 1.0 + 0.8
    for at_s in (2.0 + period + 0.5, 2.0 + 2 * period + 1.1):  # mid-lift, and at the top
        signal[int(at_s * FPS) : int(at_s * FPS) + 3] = 5.0  # 3 frames back at rest: 0.07 s
    _, events = run("clamshell", {"thigh_opening_deg": signal})
    reps = reps_of(events)
    assert len(reps) == 3
    assert [r.metrics["range_deg"] for r in reps] == pytest.approx([50.0] * 3, abs=0.5)
    assert all(r.faults == [] for r in reps)
    assert [r.metrics["up_s"] for r in reps] == pytest.approx([0.6] * 3, abs=0.1)


def test_a_set_that_ends_as_a_rep_comes_down_counts_it():
    """The video ends two frames after the last rep fell below its end level: not yet confirmed,
    but the rep is over, and it ends where it fell."""
    signal = clam_reps(2, tail_s=0.0, gap_s=0.0)
    last_top = int((1.0 + 2.3 + 1.0 + 0.3) * FPS)  # the end of the second rep's pause at the top
    down = last_top + int(np.argmax(signal[last_top:] <= 5.0 + 0.35 * 50.0))
    _, events = run("clamshell", {"thigh_opening_deg": signal[: down + 2]})
    reps = reps_of(events)
    assert len(reps) == 2
    assert reps[1].end_s == pytest.approx(down / FPS, abs=0.01)


def test_a_quick_lift_after_a_wait_at_the_bottom_is_timed_from_leaving_it():
    """From 1.7 m the pose model read a kneeling clam's closing knee below its rest; coming back up
    from that dip started the next rep, which then waited a second at the bottom before a quick
    lift. The lift is timed from leaving the bottom of the range, so it is told too fast."""
    first = clam_reps(1, rest_s=2.0, gap_s=0.5, tail_s=0.0)
    dip = 5.0 - 4.0 * np.sin(np.linspace(0.0, math.pi, int(0.6 * FPS)))  # 4 deg below rest
    quick = clam_reps(1, rest_s=1.0, up_s=0.25, tail_s=1.0)
    _, events = run("clamshell", {"thigh_opening_deg": np.concatenate([first, dip, quick])})
    reps = reps_of(events)
    assert len(reps) == 2
    assert reps[1].metrics["up_s"] < 0.4
    assert [f.code for f in reps[1].faults] == ["too_fast"]


def test_getting_into_position_never_counts():
    signal = clam_reps(3)
    _, events = run("clamshell", {"thigh_opening_deg": signal}, setup={"torso_facing_ratio": 0.1})
    assert reps_of(events) == []
    engine, _ = run("clamshell", {"thigh_opening_deg": signal}, setup={"torso_facing_ratio": 0.1})
    assert [w.code for w in engine.warnings] == ["setup_mismatch"]


def test_a_movement_at_the_very_start_is_not_a_rep():
    # The video starts mid-movement: no steady rest seen before it, so it cannot be a rep.
    signal = clam_reps(2, rest_s=0.0)[10:]
    _, events = run("clamshell", {"thigh_opening_deg": signal})
    assert len(reps_of(events)) == 1


def test_feet_apart_is_raised_when_it_happens_and_not_for_a_blip():
    signal = clam_reps(2)
    gap = np.full(len(signal), 0.2)
    rep2_peak = int((1.0 + 3.1 + 1.15) * FPS)
    gap[rep2_peak - 10 : rep2_peak + 10] = 0.5  # sustained 0.66 s in rep 2
    gap[int(2.15 * FPS) : int(2.15 * FPS) + 3] = 0.5  # a 0.1 s blip in rep 1
    _, events = run("clamshell", {"thigh_opening_deg": signal, "feet_gap_ratio": gap})
    reps = reps_of(events)
    assert reps[0].faults == []
    (fault,) = reps[1].faults
    assert fault.code == "feet_apart"
    assert fault.value == pytest.approx(0.3, abs=1e-6)
    assert fault.limit == 0.15
    assert fault.at_s == pytest.approx((rep2_peak - 10) / FPS + 0.2, abs=0.05)
    raised = [e for e in events if isinstance(e, FaultRaised)]
    assert raised and raised[0].t_s == fault.at_s and raised[0].cue == "Keep your feet together"


@pytest.mark.parametrize("elevation_deg", [20.0, 50.0])
def test_from_above_the_feet_rule_flags_a_wide_gap_and_cannot_see_a_small_one(elevation_deg):
    """From above a feet gap turns towards the lens and reads smaller (FEET_GAP_UNDERSTATED_ABOVE_DEG):
    a gap read past the limit is still a fault, one within it is "can't see", not "good"; a lower
    camera sees both. Reps 1 and 4 part the feet 0.10 from rest, rep 2 0.30, rep 3 0.40 for 0.1 s."""
    signal = clam_reps(4)
    gap = np.full(len(signal), 0.2)
    peaks = [int((2.15 + k * 3.1) * FPS) for k in range(4)]
    gap[peaks[0] - 10 : peaks[0] + 10] = 0.3
    gap[peaks[1] - 10 : peaks[1] + 10] = 0.5
    gap[peaks[2] : peaks[2] + 3] = 0.6
    gap[peaks[3] - 10 : peaks[3] + 10] = 0.3
    signals = {
        "thigh_opening_deg": signal,
        "feet_gap_ratio": gap,
        "view_elevation_deg": np.full(len(signal), elevation_deg),
    }
    engine, events = run("clamshell", signals)
    reps = reps_of(events)
    assert [[f.code for f in r.faults] for r in reps] == [[], ["feet_apart"], [], []]
    assert (reps[0].metrics["feet_gap_ratio"] is None) == (elevation_deg > 37)
    assert (reps[3].metrics["feet_gap_ratio"] is None) == (elevation_deg > 37)
    assert reps[1].metrics["feet_gap_ratio"] is not None
    warned = [w.message for w in engine.warnings if "'feet_apart'" in w.message]
    assert (elevation_deg > 37) == any("catches only large ones" in m for m in warned)


@pytest.mark.parametrize("too_high", [False, True])
def test_a_rule_a_camera_too_high_cannot_see_is_said_unseen_and_never_checked(too_high):
    """A rep-end rule (the range's) named unseen by [too_high] is not checked once the camera is seen
    from that high, and its measure is reported unseen: 17 deg clams are told small only where it is not."""
    clam = load_exercise("clamshell")
    limit = TooHigh(elevation_deg=45.0, words="lower the camera", unseen=("small_range",))
    exercise = replace(clam, too_high=limit) if too_high else clam
    signal = clam_reps(3, high=22.0)
    elevation = {"camera_elevation_deg": np.full(len(signal), 60.0), "camera_yaw_deg": np.zeros(len(signal))}
    engine, events = run(exercise, {"thigh_opening_deg": signal, **elevation})
    reps = reps_of(events)
    assert [r.metrics["range_deg"] for r in reps] == [None if too_high else 17.0] * 3
    assert [[f.code for f in r.faults] for r in reps] == [[] if too_high else ["small_range"]] * 3
    said = [w.message for w in engine.warnings if "'small_range' is not checked" in w.message]
    assert len(said) == too_high


def test_unseen_metric_raises_no_fault_but_says_it_cannot_see():
    signal = clam_reps(3)
    knee = np.full(len(signal), 5.0)  # would break the knee_bend limit...
    engine, events = run(
        "clamshell",
        {"thigh_opening_deg": signal, "knee_flexion_lying_deg": knee},
        confidence={"knee_flexion_lying_deg": 0.1},
    )  # ...but the camera cannot see it
    assert all(not r.faults for r in reps_of(events))
    camera = [w for w in engine.warnings if w.code == "camera_view" and "'knee_bend'" in w.message]
    assert len(camera) == 1 and "raise the camera" in camera[0].message


def test_a_fault_only_glimpsed_is_raised_but_a_blip_among_good_frames_is_not():
    """min_duration_s passes blips; a bend seen for two frames at the edge of its peak, and broken
    in both, is all the evidence there is (a knee comes in and out of a camera's view)."""
    signal = clam_reps(2, low=0.0, high=35.0)
    knee, seen = np.zeros(len(signal)), np.zeros(len(signal))
    rep1_peak, rep2_peak = int(2.15 * FPS), int(5.25 * FPS)
    knee[rep1_peak : rep1_peak + 2], seen[rep1_peak : rep1_peak + 2] = 40.0, 1.0  # glimpsed bent
    seen[rep2_peak - 8 : rep2_peak + 8] = 1.0  # seen straight at the top...
    knee[rep2_peak : rep2_peak + 2] = 40.0  # ...but for a two-frame dip
    knee_metric = "knee_flexion_lifted_deg"  # the knee_bent rule's
    _, events = run("side-leg-lift", {"leg_abduction_deg": signal, knee_metric: knee}, {knee_metric: seen})
    first, second = reps_of(events)
    assert [(f.code, f.value) for f in first.faults] == [("knee_bent", 40.0)]
    assert second.faults == []


def test_a_run_of_breaches_bridges_a_flicker_out_of_view_but_not_a_long_gap():
    """A limb flickering out of view for a few frames does not end a run of breaches; two glimpses a
    second apart are not a held fault (rendered forward lift from 0.3 m: MediaPipe's foot, swung
    towards the hip and so unseen for 1.1 s, read turned up just before and just after, and the rep
    was told "toes up"; the true keypoints never were)."""
    signal = clam_reps(2, low=0.0, high=35.0, top_s=1.5)
    toes, seen = np.full(len(signal), 10.0), np.ones(len(signal))
    glimpse1, glimpse2, held = int(2.0 * FPS), int(3.0 * FPS), int(6.5 * FPS)
    toes[glimpse1 : glimpse1 + 2] = toes[glimpse2 : glimpse2 + 2] = 40.0  # rep 1: glimpsed up, 0.9 s apart
    seen[glimpse1 + 2 : glimpse2] = 0.0
    toes[held : held + 12] = 40.0  # rep 2: up for 0.4 s, out of view for 0.17 s of it
    seen[held + 4 : held + 9] = 0.0
    _, events = run(
        "side-leg-lift", {"leg_abduction_deg": signal, "toes_up_deg": toes}, {"toes_up_deg": seen}
    )
    assert [[f.code for f in r.faults] for r in reps_of(events)] == [[], ["toes_up"]]


def test_a_set_up_judged_at_rest_is_read_from_the_rest_before_each_rep():
    """The clam's knee bend is read lying still (phase "rest"): the opening thigh leaves the plane
    it is measured in, so what it reads at the top says nothing. A straight knee in the rest before
    rep 2 is that rep's fault, raised as the rep starts; the top's readings are ignored."""
    signal = clam_reps(3)
    knee = np.where(signal > 10.0, 5.0, 70.0)  # every top reads straight, every rest bent...
    rep2_rest = slice(int(3.3 * FPS), int(4.2 * FPS))
    knee[rep2_rest] = 10.0  # ...but the rest before rep 2, which is straight
    _, events = run("clamshell", {"thigh_opening_deg": signal, "knee_flexion_lying_deg": knee})
    reps = reps_of(events)
    assert [[f.code for f in r.faults] for r in reps] == [[], ["knee_bend"], []]
    assert [r.metrics["knee_flexion_deg"] for r in reps] == [70.0, 10.0, 70.0]  # as reported
    raised = next(e for e in events if isinstance(e, FaultRaised) and e.fault.code == "knee_bend")
    assert reps[1].start_s - 0.3 <= raised.t_s <= reps[1].start_s + 0.5


def test_a_fault_that_follows_from_another_is_not_reported_apart():
    """A pelvis rolling back turns the leg and its toes up with it: stacking the hips is the fix,
    so a lift with both reports the roll only (side-leg-lift.toml: toes_up implied_by)."""
    signal = clam_reps(2, low=0.0, high=35.0)
    roll, toes = np.zeros(len(signal)), np.zeros(len(signal))
    rep1, rep2 = slice(int(1.5 * FPS), int(3.0 * FPS)), slice(int(4.6 * FPS), int(6.1 * FPS))
    roll[rep1], toes[rep1] = 30.0, 45.0  # rolled back, toes up with it
    toes[rep2] = 45.0  # stacked, toes turned up at the hip
    _, events = run(
        "side-leg-lift", {"leg_abduction_deg": signal, "pelvis_roll_hips_deg": roll, "toes_up_deg": toes}
    )
    first, second = reps_of(events)
    assert [f.code for f in first.faults] == ["pelvis_rollback"]
    assert [f.code for f in second.faults] == ["toes_up"]


def test_an_over_lift_whose_foot_reads_turned_up_is_reported_as_the_lift():
    """A leg lifted past 45 deg takes the pelvis with it, and MediaPipe reads its neutral foot turned
    up (rendered 60 deg lifts: 8-38 deg at the top; true keypoints -6 to 2): lifting lower is the
    fix (side-leg-lift.toml: toes_up implied_by over_lift)."""
    signal = clam_reps(2, low=0.0, high=60.0)
    toes = np.where(signal > 40.0, 38.0, 0.0)  # both tops read the toes past the 30 deg limit
    _, events = run("side-leg-lift", {"leg_abduction_deg": signal, "toes_up_deg": toes})
    assert [[f.code for f in r.faults] for r in reps_of(events)] == [["over_lift"], ["over_lift"]]


def test_a_clam_that_rolls_back_is_not_told_to_open_further():
    """A pelvis rolling back turns the opening thigh out of the picture's plane, so the rep reads
    small; the fix is to open only as far as the pelvis stays still (clamshell.toml: small_range
    implied_by). The rendered kneeling roll back from 0.3 m read small on the true keypoints."""
    signal = clam_reps(2, low=0.0, high=30.0)
    turn = 0.4 * signal  # both open 12 deg about the hip-foot line, under the 20 deg limit
    roll = np.zeros(len(signal))
    roll[int(1.5 * FPS) : int(3.0 * FPS)] = 30.0  # the first rolls back as it opens
    _, events = run(
        "clamshell", {"thigh_opening_deg": signal, "knee_opening_deg": turn, "pelvis_roll_deg": roll}
    )
    first, second = reps_of(events)
    assert first.metrics["range_deg"] == pytest.approx(12.0, abs=0.5)
    assert [f.code for f in first.faults] == ["pelvis_rollback"]
    assert [f.code for f in second.faults] == ["small_range"]


def test_a_bent_knee_that_reads_as_an_over_lift_is_reported_as_the_knee():
    """From above a bent knee's foot, behind the body, lifts the hip-ankle line the lift is read
    from: straightening the knee is the fix (side-leg-lift.toml: over_lift implied_by)."""
    signal = clam_reps(2, low=0.0, high=55.0)  # both read past the 45 deg over-lift limit...
    knee = np.zeros(len(signal))
    knee[int(1.5 * FPS) : int(3.0 * FPS)] = 40.0  # ...the first on a bent knee
    _, events = run("side-leg-lift", {"leg_abduction_deg": signal, "knee_flexion_lifted_deg": knee})
    first, second = reps_of(events)
    assert [f.code for f in first.faults] == ["knee_bent"]
    assert [f.code for f in second.faults] == ["over_lift"]
    # reported as the rule read it ([reps] report_from), under the scorecard's name
    assert [r.metrics["knee_flexion_deg"] for r in (first, second)] == [40.0, 0.0]


def test_too_fast_reps_are_flagged():
    _, events = run("clamshell", {"thigh_opening_deg": clam_reps(2, up_s=0.3, down_s=0.3)})
    assert all("too_fast" in [f.code for f in r.faults] for r in reps_of(events))


def test_pelvis_rollback_compares_with_the_persons_own_start():
    signal = clam_reps(2)
    roll = np.full(len(signal), 6.0)  # a set-up a little rolled already is the person's own start
    peak2 = int((1.0 + 3.1 + 1.15) * FPS)
    roll[peak2 - 15 : peak2 + 15] = 6.0 + 25.0
    _, events = run("clamshell", {"thigh_opening_deg": signal, "pelvis_roll_deg": roll})
    reps = reps_of(events)
    assert reps[0].faults == []
    assert [f.code for f in reps[1].faults] == ["pelvis_rollback"]
    assert reps[1].faults[0].value == pytest.approx(25.0, abs=0.1)


def plank(hold_s: float, lying_s: float = 1.5):
    lift = np.concatenate(
        [
            np.full(int(lying_s * FPS), 0.08),
            np.full(int(hold_s * FPS), 0.3),
            np.full(int(lying_s * FPS), 0.08),
        ]
    )
    return lift


def test_a_hold_is_timed():
    lift = plank(10.0)
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))})
    (hold,) = engine.holds
    assert hold.start_s == pytest.approx(1.5, abs=0.05)
    assert hold.duration_s == pytest.approx(10.0, abs=0.1)
    assert hold.score == 100 and hold.faults == []


def test_sagging_during_a_hold_costs_good_form_time():
    lift = plank(10.0)
    line = np.full(len(lift), 178.0)
    line[int(5 * FPS) : int(8 * FPS)] = 155.0  # 3 s of sag in the middle
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(line)})
    (hold,) = engine.holds
    (fault,) = hold.faults
    assert fault.code == "hip_sag"
    assert fault.end_s - fault.start_s == pytest.approx(3.0, abs=0.1)
    assert hold.good_form_s == pytest.approx(7.0, abs=0.15)
    assert hold.score == pytest.approx(70, abs=2)


def test_a_sag_is_a_drop_from_the_holds_own_start_or_a_line_below_the_limit():
    """hip_sag: below 165, or 15 below the line held over the hold's first second (a kneeling body's
    straight line reads 178-185 by body and camera, so a 22 deg sag ended at 165-166 and passed)."""

    def hold_faults(start: float, sagged: float) -> list[tuple[str, float]]:
        lift = plank(10.0)
        line = np.full(len(lift), start)
        line[int(5 * FPS) : int(8 * FPS)] = sagged  # 3 s in the middle
        engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(line)})
        (hold,) = engine.holds
        return [(f.code, f.limit) for f in hold.faults]

    assert hold_faults(184.0, 167.0) == [("hip_sag", 169.0)]  # 17 down from its start
    assert hold_faults(184.0, 171.0) == []  # 13 down
    assert hold_faults(172.0, 166.0) == []  # above 165, 6 down
    assert hold_faults(168.0, 163.0) == [("hip_sag", 165.0)]  # started low: the limit itself


def test_a_wobble_does_not_end_a_hold():
    lift = plank(10.0)
    lift[int(6 * FPS) : int(6 * FPS) + 4] = 0.1  # 0.13 s dip
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))})
    assert len(engine.holds) == 1


def test_a_dip_to_the_floor_and_back_is_a_sag_inside_the_hold():
    """Issue 13: hips dropped twice and came back up; both dips are sags, the hold runs on."""
    lift = plank(10.0)
    line = np.full(len(lift), 178.0)
    for start_s in (4.0, 7.5):  # two 1 s dips, the hips nearly on the floor
        dip = slice(int(start_s * FPS), int((start_s + 1.0) * FPS))
        lift[dip], line[dip] = 0.04, 150.0
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(line)})
    (hold,) = engine.holds
    assert hold.duration_s == pytest.approx(10.0, abs=0.1)
    assert [f.code for f in hold.faults] == ["hip_sag", "hip_sag"]
    assert hold.good_form_s == pytest.approx(8.0, abs=0.15)


def test_lying_down_with_glimpses_of_the_hips_back_up_ends_the_hold_when_they_went_down():
    """Lying after a rendered kneeling plank, MediaPipe's hips read back above the exit for 0.2-0.3 s
    at a time: those glimpses do not keep the hold going; hips back up for longer than the entry's
    debounce do (a dip), as in a real recovery."""

    def timed(glimpse_s: float) -> list[float]:
        lift = np.concatenate([plank(8.0, lying_s=1.5), np.full(int(3.0 * FPS), 0.08)])
        for start_s in (10.2, 10.9, 11.6, 12.3):  # the hold ended at 9.5
            lift[int(start_s * FPS) : int((start_s + glimpse_s) * FPS)] = 0.3
        engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))})
        return [h.duration_s for h in engine.holds]

    assert timed(0.2) == pytest.approx([8.0], abs=0.1)
    assert timed(0.0) == pytest.approx([8.0], abs=0.1)
    # Back up for 0.5 s each time: each is a return, the hips never down for HOLD_DIP_S.
    assert timed(0.5)[0] > 11.0


def test_a_set_that_ends_lying_down_during_a_glimpse_of_the_hips_ends_the_hold_when_they_went_down():
    """A rendered kneeling plank filmed from 1.7 m: its video ended 1.9 s after the body lay down,
    as MediaPipe's hips read back above the exit for 0.2 s. That glimpse is no return, so the hold
    ends where the hips went down, and the line read lying (a sag) is not the hold's."""

    def hold_of(glimpse_s: float):
        lift = np.concatenate([plank(8.0), np.full(int(0.4 * FPS), 0.08)])  # lying from 9.5 s
        lift[len(lift) - int(glimpse_s * FPS) :] = 0.3
        line = np.where(lift > 0.2, 178.0, 150.0)  # lying reads far below the held line
        engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(line)})
        (hold,) = engine.holds
        return hold

    for glimpse_s in (0.0, 0.2):
        hold = hold_of(glimpse_s)
        assert hold.end_s == pytest.approx(9.5, abs=0.05)
        assert hold.faults == []
    # Back up for 0.5 s at the end: a return, the hold runs to the end with its dip a sag.
    hold = hold_of(0.5)
    assert hold.end_s == pytest.approx(11.4 - 1 / FPS, abs=0.05)
    assert [f.code for f in hold.faults] == ["hip_sag"]


def test_resting_on_the_floor_between_holds_ends_the_first():
    lift = np.concatenate([plank(4.0), plank(4.0)])  # 3 s on the floor between them
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))})
    assert [h.duration_s for h in engine.holds] == pytest.approx([4.0, 4.0], abs=0.1)


def test_a_hold_seen_from_above_starts_from_its_rise_above_the_floor():
    """From a high camera the hips read lower both down and up (rendered: 0.06-0.10 and 0.16-0.20
    at 1.7 m): a clear rise from the floor before it starts the hold under the fixed entry."""
    lift = plank(6.0) * 0.55  # 0.044 down, 0.165 up
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))})
    (hold,) = engine.holds
    assert hold.start_s == pytest.approx(1.5, abs=0.05)
    assert hold.duration_s == pytest.approx(6.0, abs=0.1)


def test_a_hold_ends_back_at_its_rest_even_after_a_dip_as_the_lift_began():
    """The start of a lift can dip (a rendered kneeling plank read 0.03 for 0.2 s against a rest of
    0.10): the rest is its median, so coming back down to it still ends the hold."""
    lift = plank(6.0) * 0.55 + 0.055  # 0.10 down, 0.22 up
    lift[int(1.3 * FPS) : int(1.5 * FPS)] = 0.03
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))})
    (hold,) = engine.holds
    assert hold.duration_s == pytest.approx(6.0, abs=0.1)


def test_a_hold_resumed_after_its_signal_was_lost_still_ends_at_its_rest():
    """A hold whose signal goes unseen for over 2 s (a rendered kneeling plank's bottom knee, from
    0.3 m) ends and resumes with no rest seen between: it rose from the rest before, so lying back
    down to it (above 60% of the hold's level) ends it, and the lowering is no sag."""
    lift = plank(12.0) * 0.55 + 0.17  # 0.21 lying, 0.33 up
    line = np.where(lift > 0.27, 178.0, 163.0)  # lying kneeling reads a bent line
    seen = np.ones(len(lift))
    seen[int(2.0 * FPS) : int(4.5 * FPS)] = 0.0  # 2.5 s unseen just after the hold began
    signals = {"hip_lift_ratio": lift, **body_line(line)}
    engine, _ = run("side-plank-clamshell", signals, {"hip_lift_ratio": seen})
    (hold,) = engine.holds
    assert hold.end_s == pytest.approx(13.5, abs=0.1)
    assert hold.faults == []


def test_hips_down_that_read_high_from_a_floor_camera_are_not_a_hold():
    """Without a rise from the floor the fixed entry stands: lying propped with the hips down reads
    up to 0.17 from a floor camera, and neither that nor its noise is a hold."""
    rng = np.random.default_rng(3)
    lift = 0.165 + rng.uniform(-0.01, 0.01, int(12 * FPS))
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))})
    assert engine.holds == []


def test_a_plank_whose_hips_read_low_up_and_down_is_timed_from_its_rise():
    """From a steep camera (a rendered kneeling plank through MediaPipe, 64 deg above it) the hips
    read -0.09 lying and 0.06 held, both under the spec's fixed exit: the rise from the rest seen
    before is what starts the hold, and coming back down ends it."""
    lift = plank(10.0, lying_s=2.0) - 0.17  # 0.08 -> -0.09 lying, 0.3 -> 0.13 ...
    lift[lift > 0] = 0.06  # ... held at 0.06
    engine, _ = run("side-plank", {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))})
    (hold,) = engine.holds
    assert hold.start_s == pytest.approx(2.0, abs=0.05)
    assert hold.duration_s == pytest.approx(10.0, abs=0.1)


def test_a_rest_before_a_cut_does_not_lower_the_next_scenes_entry():
    """An edited video cuts from a high camera (hips down read 0.05) to a floor camera (hips down
    read 0.165): the new scene's lying is measured against its own rest, so it is no hold."""
    before = np.full(int(3 * FPS), 0.05)
    after = np.full(int(8 * FPS), 0.165)
    lift = np.concatenate([before, after])
    signals = {"hip_lift_ratio": lift, **body_line(np.full(len(lift), 178.0))}
    engine, _ = run("side-plank", signals, cuts=(len(before),))
    assert engine.holds == []


def test_progression_counts_reps_only_during_the_hold():
    n = int(14 * FPS)
    lift = np.full(n, 0.08)
    lift[int(1 * FPS) : int(12 * FPS)] = 0.3
    opening = np.full(n, 5.0)
    clams = clam_reps(3, rest_s=0.0, tail_s=0.0)
    opening[int(2 * FPS) : int(2 * FPS) + len(clams)] = clams
    opening[int(12.2 * FPS) : int(13.5 * FPS)] = 50.0  # after the hold: not a rep
    engine, _ = run(
        "side-plank-clamshell",
        {"hip_lift_ratio": lift, **body_line(np.full(n, 178.0)), "thigh_opening_deg": opening},
    )
    assert len(engine.holds) == 1
    assert len(engine.reps) == 3


def kneeling_clams(n_reps: int = 2):
    """A kneeling plank held 1-13 s with clam reps from 2.5 s, and where their tops are."""
    n = int(14 * FPS)
    lift = np.full(n, 0.08)
    lift[int(1 * FPS) : int(13 * FPS)] = 0.3
    opening = np.full(n, 5.0)
    clams = clam_reps(n_reps, rest_s=1.5, tail_s=0.0)
    opening[int(2.5 * FPS) : int(2.5 * FPS) + len(clams)] = clams
    signals = {"hip_lift_ratio": lift, **body_line(np.full(n, 178.0)), "thigh_opening_deg": opening}
    return signals, opening > 20.0


def test_a_progressions_trunk_turn_is_judged_between_its_reps():
    """The working leg drags the pose model's top hip while a rep is under way, so the turn read
    against it swings with every rep (side-plank.toml: trunk_rotation in phase hold_rest); a turn
    held between the reps is the fault."""
    signals, tops = kneeling_clams()
    dragged = np.where(tops, -25.0, 0.0)  # past the 15 deg limit at every rep's top
    engine, _ = run("side-plank-clamshell", {**signals, "trunk_rotation_deg": dragged})
    assert len(engine.reps) == 2
    assert [f.code for h in engine.holds for f in h.faults] == []
    assert all(r.faults == [] for r in engine.reps)
    turned = dragged.copy()
    turned[int(10.5 * FPS) : int(12 * FPS)] = -25.0  # after the reps, still in the hold
    engine, _ = run("side-plank-clamshell", {**signals, "trunk_rotation_deg": turned})
    assert [f.code for h in engine.holds for f in h.faults] == ["trunk_rotation"]
    # a plank alone judges every frame of its hold
    engine, _ = run("side-plank", {**signals, "trunk_rotation_deg": dragged})
    assert [f.code for h in engine.holds for f in h.faults] == ["trunk_rotation"] * 2


def test_a_trunk_turn_within_a_rep_is_the_holds_where_the_reps_roll_back_confirms_it():
    """Read through a rep, the turn is the hold's fault only where the rep's own roll back (from
    the shoulders) saw it too; the rep's roll back is then put down to the turn (implied_by)."""
    signals, tops = kneeling_clams()
    second = tops & (np.arange(len(tops)) > int(6 * FPS))
    turn = np.where(second, 25.0, 0.0)  # the shoulders turn back on the pelvis
    roll = np.where(second, 25.0, 0.0)
    engine, _ = run(
        "side-plank-clamshell", {**signals, "trunk_rotation_deg": turn, "plank_roll_shoulders_deg": roll}
    )
    assert [f.code for h in engine.holds for f in h.faults] == ["trunk_rotation"]
    assert [f.code for r in engine.reps for f in r.faults] == []


def test_a_pelvis_rolling_back_under_held_shoulders_is_the_reps_roll_back_not_a_trunk_turn():
    """In a plank the arm holds the shoulders, so a pelvis rolling back under them reads as the
    trunk turned the other way (below trunk_rotation's min). That is the rep's roll back itself,
    not its cause: the rep is told to stop rolling back and the hold keeps no trunk turn (rendered
    from 1.7 m, true keypoints: both progressions' roll backs were put down to a -31 deg turn)."""
    signals, tops = kneeling_clams()
    second = tops & (np.arange(len(tops)) > int(6 * FPS))
    under = np.where(second, -25.0, 0.0)  # the pelvis rolls back further than the shoulders
    roll = np.where(second, 25.0, 0.0)
    engine, _ = run(
        "side-plank-clamshell", {**signals, "trunk_rotation_deg": under, "plank_roll_shoulders_deg": roll}
    )
    assert [f.code for h in engine.holds for f in h.faults] == []
    assert [[f.code for f in r.faults] for r in engine.reps] == [[], ["pelvis_rollback"]]


def test_a_leg_lift_planks_roll_back_read_while_its_hips_pike_is_put_down_to_the_pike():
    """From above, hips piking up spread the hips' stack as a roll back does (rendered leg-lift plank
    from 1.7 m, true keypoints: a 200 deg pike read a 16.6 deg roll on its rep), so the rep's roll
    back at the time of a pike is reported as the pike; one without it is the rep's own."""
    n = int(14 * FPS)
    lift, line, leg = np.full(n, 0.08), np.full(n, 178.0), np.zeros(n)
    lift[int(1 * FPS) : int(13 * FPS)] = 0.3
    lifts = clam_reps(2, low=0.0, high=35.0, rest_s=1.5, tail_s=0.0)
    leg[int(2.5 * FPS) : int(2.5 * FPS) + len(lifts)] = lifts
    tops = leg > 20.0
    roll = np.where(tops, 20.0, 0.0)  # both reps read a roll back at their tops...
    second = np.arange(n) > int(6 * FPS)
    line[second & (leg > 5.0)] = 205.0  # ...the second while the hips pike
    signals = {
        "hip_lift_ratio": lift,
        **body_line(line),
        "leg_abduction_deg": leg,
        "plank_roll_deg": roll,
    }
    engine, _ = run("side-plank-leg-lift", signals)
    assert [[f.code for f in r.faults] for r in engine.reps] == [["pelvis_rollback"], []]
    assert [f.code for h in engine.holds for f in h.faults] == ["hip_pike"]


def test_a_reps_range_is_read_against_the_rest_before_a_dip_that_hid_its_rise():
    """A plank's hips dipping stops the count (no rep with the hips down); a clam that opened
    meanwhile is measured from the rest before the dip, not from its own half-open thigh."""
    signals, _ = kneeling_clams(n_reps=1)
    lift, opening = signals["hip_lift_ratio"], signals["thigh_opening_deg"]
    rise = np.flatnonzero(np.diff(opening) > 0)[0]
    lift[rise : rise + int(0.8 * FPS)] = 0.1  # the hips dip while the knee opens
    signals["thigh_opening_frontal_deg"] = opening
    engine, _ = run("side-plank-clamshell", signals)
    (rep,) = engine.reps
    assert rep.metrics["range_deg"] == pytest.approx(50.0, abs=1.0)
    assert rep.faults == []


def test_overlay_text_and_its_outline_line_up():
    """The dark outline hugs the letters (OpenCV 5 widens a thicker stroke, which once doubled
    every word on the overlay)."""
    import numpy as np

    from formcheck.overlay import _text

    img = np.full((60, 900, 3), (0, 140, 220), np.uint8)
    _text(
        img,
        "Can't see the knee bend from this camera, so 'knee_bend' is not checked",
        (8, 40),
        0.5,
        (255, 255, 255),
    )
    white = np.flatnonzero((img > 230).all(axis=2).any(axis=0))
    dark = np.flatnonzero((img < 40).all(axis=2).any(axis=0))
    assert white.size and dark.size
    assert abs(dark.max() - white.max()) <= 3 and abs(dark.min() - white.min()) <= 3
