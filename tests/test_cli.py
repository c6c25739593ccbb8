"""The command line as a user meets it: outputs, and bad input as one clear line with a non-zero exit."""

from __future__ import annotations

import base64
import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import ROOT, fixture_track

from formcheck.exercises import ExerciseId


def formcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "formcheck.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


PROGRESS_LABELS = ("Analysing ", "Extracting ", "Drawing ")


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    # progress labels ("Analysing x.mp4") may come first; the error is one line, the last
    lines = [ln for ln in result.stderr.splitlines() if ln.strip() and not ln.startswith(PROGRESS_LABELS)]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and result.stderr.rstrip().endswith(lines[0])
    for w in words:
        assert w in lines[0]


def test_analyze_a_track_writes_scorecard_and_csv(tmp_path):
    out = tmp_path / "out"
    r = formcheck(
        "analyze",
        str(fixture_track("clamshell_front.mp4")),
        "--exercise",
        "clamshell",
        "--out",
        str(out),
        "--no-video",
    )
    assert r.returncode == 0, r.stderr
    card = json.loads((out / "scorecard.json").read_text())
    assert card["summary"]["reps"] == 6
    rows = (out / "reps.csv").read_text().splitlines()
    assert rows[0].startswith("kind,index,start_s,peak_s,end_s")
    assert len(rows) == 1 + 6
    assert "rep" in r.stdout and "score" in r.stdout
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


@pytest.mark.parametrize(
    ("clip", "exercise", "goal", "said"),
    [
        ("clamshell_front", "clamshell", ("--reps", "6"), "6 reps a set, reached in 1 of 1 sets (6 done)"),
        ("clamshell_front", "clamshell", ("--reps", "8"), "8 reps a set, reached in 0 of 1 sets (6 done)"),
        ("side_plank_forearm", "side-plank", ("--hold", "10"), "Goal: 10 s holds, reached by 1 of 1 holds."),
        ("side_plank_forearm", "side-plank", ("--hold", "12"), "Goal: 12 s holds, reached by 0 of 1 holds."),
    ],
)
def test_a_recorded_set_is_read_against_the_programmes_goal(tmp_path, clip, exercise, goal, said):
    """A therapist reviewing a set: did it reach the dose? (the plank held 11.3 s)"""
    out = tmp_path / "out"
    r = formcheck("analyze", str(fixture_track(clip)), "-e", exercise, *goal, "--out", str(out), "--no-video")
    assert r.returncode == 0, r.stderr
    assert said in r.stdout and said in (out / "report.html").read_text()
    card = json.loads((out / "scorecard.json").read_text())
    key = {"--reps": "reps", "--hold": "hold_s"}[goal[0]]
    assert card["goal"][key] == float(goal[1]) and "live" not in card


def test_a_goal_the_exercise_has_nothing_to_count_for_is_refused(tmp_path):
    track = str(fixture_track("clamshell_front"))
    r = formcheck("analyze", track, "-e", "clamshell", "--hold", "30", "--out", str(tmp_path / "o"))
    assert_one_line_error(r, "clamshell counts reps, not holds")
    assert not (tmp_path / "o").exists()


def test_unknown_exercise_lists_the_valid_ones(tmp_path):
    r = formcheck(
        "analyze", str(fixture_track("clamshell_front.mp4")), "--exercise", "squat", "--out", str(tmp_path)
    )
    assert_one_line_error(r, "squat", *[e.value for e in ExerciseId])


def test_missing_path(tmp_path):
    assert_one_line_error(formcheck("analyze", str(tmp_path / "nope.mp4"), "-e", "clamshell"), "nope.mp4")


def test_corrupt_video(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video" * 20)
    r = formcheck("analyze", str(bad), "-e", "clamshell", "--out", str(tmp_path / "o"))
    assert_one_line_error(r, "broken.mp4")
    assert not (tmp_path / "o" / "scorecard.json").exists()


def test_empty_video_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert_one_line_error(
        formcheck("analyze", str(empty), "-e", "clamshell", "--out", str(tmp_path)), "empty.mp4"
    )


def test_malformed_track(tmp_path):
    bad = tmp_path / "bad.track.json"
    bad.write_text(
        '{"schema": "formcheck.track/1", "source": {"fps": 30, "width": 10, "height": 10},'
        ' "frames": [{"t": 0, "image": [1, 2]}]}'
    )
    assert_one_line_error(
        formcheck("analyze", str(bad), "-e", "clamshell", "--out", str(tmp_path)), "bad.track.json"
    )
    bad.write_text("{ not json")
    assert_one_line_error(
        formcheck("analyze", str(bad), "-e", "clamshell", "--out", str(tmp_path)), "bad.track.json"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_output_folder_that_cannot_be_written(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    r = formcheck(
        "analyze", str(fixture_track("clamshell_front.mp4")), "-e", "clamshell", "--out", str(locked / "sub")
    )
    assert_one_line_error(r, "output folder")


def test_output_path_that_is_a_file(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    r = formcheck(
        "analyze", str(fixture_track("clamshell_front.mp4")), "-e", "clamshell", "--out", str(afile / "sub")
    )
    assert_one_line_error(r, "output folder")


def test_missing_model_file(tmp_path, tiny_video):
    r = formcheck(
        "extract", str(tiny_video), "-o", str(tmp_path / "t.json"), "--model", str(tmp_path / "missing.task")
    )
    assert_one_line_error(r, "missing.task", "not found")


def test_invalid_model_file(tmp_path, tiny_video):
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"not a model")
    r = formcheck("extract", str(tiny_video), "-o", str(tmp_path / "t.json"), "--model", str(bad))
    assert_one_line_error(r, "bad.task", "not a valid")


def test_video_without_a_person(tmp_path, tiny_video):
    out = tmp_path / "o"
    r = formcheck("analyze", str(tiny_video), "-e", "side-plank", "--out", str(out))
    assert_one_line_error(r, "No person", "empty_room.mp4")
    assert not (out / "scorecard.json").exists()
    r = formcheck("extract", str(tiny_video), "-o", str(tmp_path / "t.json"))
    assert_one_line_error(r, "No person")
    assert not (tmp_path / "t.json").exists()


def test_the_exercises_are_the_toml_files_shipped():
    """An exercise is data: its TOML file is all it takes (DESIGN.md's ids are the file names)."""
    from formcheck import exercises as package

    shipped = sorted(p.stem for p in Path(package.__file__).parent.glob("*.toml"))
    assert [e.value for e in ExerciseId] == shipped
    assert "clamshell" in shipped and "side-plank-leg-lift" in shipped


def test_an_exercise_declares_its_overlay_and_report_column_and_mistakes_name_file_and_field():
    from formcheck.errors import FormcheckError
    from formcheck.exercises import load_exercise
    from formcheck.exercises.loader import (
        _hold_spec,
        _implied_by_hold,
        _own_versions,
        _parse,
        _too_high,
        tomllib,
    )  # tomli before Python 3.11

    assert [(j.metric, j.joint) for j in load_exercise("side-plank-clamshell").overlay] == [
        ("body_line_deg", "hip"),  # the hold's line at the hip, the clam's knee bend at the knee
        ("knee_flexion_deg", "knee"),
    ]
    text = (Path(__file__).parents[1] / "formcheck" / "exercises" / "clamshell.toml").read_text()
    for good, bad, words in (
        ('joint = "knee", label', 'joint = "toe", label', ["clamshell.toml [overlay]", "'toe'", "ankle"]),
        (
            'column = { metric = "knee_flexion_deg"',
            'column = { metric = "leg_abduction_deg"',
            ["[reps] report"],
        ),
        (
            'report_at_rest = { knee_flexion_deg = "knee_flexion_lying_deg"',
            'report_at_rest = { knee_deg = "knee_flexion_lying_deg"',
            ["clamshell.toml [reps]", "'report_at_rest' names 'knee_deg'", "not in 'report'"],
        ),
        (
            'report_at_rest = { knee_flexion_deg = "knee_flexion_lying_deg"',
            'report_at_rest = { knee_flexion_deg = "knee_lying_deg"',
            ["clamshell.toml [reps] report_at_rest", "unknown metric 'knee_lying_deg'"],
        ),
        (
            'range = "knee_opening_deg"',
            'range = "knee_opening"',
            ["clamshell.toml [reps] range", "unknown metric 'knee_opening'"],
        ),
    ):
        assert good in text
        broken = text.replace(good, bad)
        with pytest.raises(FormcheckError) as err:
            _parse("clamshell", tomllib.loads(broken))
        assert all(w in str(err.value) for w in words)
    lift = (Path(__file__).parents[1] / "formcheck" / "exercises" / "side-leg-lift.toml").read_text()
    with pytest.raises(FormcheckError) as err:
        _parse(
            "side-leg-lift",
            tomllib.loads(lift.replace('implied_by = ["over_lift"]', 'implied_by = ["overlift"]')),
        )
    assert all(w in str(err.value) for w in ("side-leg-lift.toml rule 'hip_hike'", "implied_by", "overlift"))
    assert lift.count('alike = ["leg_forward"]') == 2
    for bad, words in (
        ('alike = ["leg_fwd"]', ["side-leg-lift.toml rule 'toes_up': 'alike'", "leg_fwd"]),
        ('alike = ["leg_forward.max"]', ["side-leg-lift.toml rule 'toes_up'", "'alike'", "without a limit"]),
        ('alike = "leg_forward"', ["side-leg-lift.toml rule 'toes_up'", "'alike' must be a list"]),
    ):
        with pytest.raises(FormcheckError) as err:
            _parse("side-leg-lift", tomllib.loads(lift.replace('alike = ["leg_forward"]', bad, 1)))
        assert all(w in str(err.value) for w in words), str(err.value)
    reported_from = (("knee_flexion_deg", "knee_flexion_lifted_deg"),)
    assert load_exercise("side-leg-lift").reps.report_from == reported_from
    for good, bad, words in (
        ("report_from = { knee_flexion_deg", "report_from = { knee_deg", ["'report_from' names 'knee_deg'"]),
        ('= "knee_flexion_lifted_deg" }', '= "knee_lifted_deg" }', ["report_from", "unknown metric"]),
    ):
        assert good in lift
        with pytest.raises(FormcheckError) as err:
            _parse("side-leg-lift", tomllib.loads(lift.replace(good, bad)))
        assert all(w in str(err.value) for w in ["side-leg-lift.toml [reps]", *words])
    progression = (
        Path(__file__).parents[1] / "formcheck" / "exercises" / "side-plank-clamshell.toml"
    ).read_text()
    # its [[rules]] change the hold's rules (the plank's) and the reps' (the clam's) of their code
    clam, plank = load_exercise("clamshell"), load_exercise("side-plank")
    plank_text = (Path(__file__).parents[1] / "formcheck" / "exercises" / "side-plank.toml").read_text()
    bases = (tomllib.loads(plank_text), tomllib.loads(text))
    with pytest.raises(FormcheckError) as err:
        _own_versions(
            plank.rules + clam.rules,
            clam.reps,
            tomllib.loads(progression.replace('code = "knee_bend"', 'code = "knee_bent"')),
            bases,
            "side-plank-clamshell.toml",
        )
    assert all(w in str(err.value) for w in ("side-plank-clamshell.toml", "[[rules]]", "knee_bent"))
    # a progression's own [reps] changes the fields it gives of the rep exercise's (report_from was
    # once ignored there without a word), and names any it cannot change
    own = tomllib.loads(progression)
    rules, reps = _own_versions(plank.rules + clam.rules, clam.reps, own, bases, "side-plank-clamshell.toml")
    assert (reps.report_at_rest, reps.range_metric) == ((), "thigh_opening_frontal_deg")
    # (the kneeling plank's trunk turn is told to be kept by feel, not to raise the camera)
    assert {r.code: r.unseen_hint for r in rules}["trunk_rotation"].startswith("keep your chest facing")
    own["reps"]["report_from"] = {"knee_flexion_deg": "knee_flexion_lying_deg"}
    _, reps = _own_versions(plank.rules + clam.rules, clam.reps, own, bases, "side-plank-clamshell.toml")
    assert reps.report_from == (("knee_flexion_deg", "knee_flexion_lying_deg"),)
    assert reps.range_metric == "thigh_opening_frontal_deg" and reps.signal == clam.reps.signal
    for changes, words in (
        ({"min_range": 5.0}, ["side-plank-clamshell.toml [reps]", "min_range", "report_from, range"]),
        ({"report_from": {"knee_deg": "knee_flexion_lying_deg"}}, ["'report_from' names 'knee_deg'"]),
    ):
        with pytest.raises(FormcheckError) as err:
            _own_versions(
                plank.rules + clam.rules,
                clam.reps,
                {**own, "reps": {**own["reps"], **changes}},
                bases,
                "side-plank-clamshell.toml",
            )
        assert all(w in str(err.value) for w in words)
    drop = "max_drop_from_hold_start = 15.0"
    for old, new, words in (
        ("exit_rise_fraction = 0.35\n", "", ["side-plank.toml [hold]", "'enter_rise'", "together"]),
        ("exit_rise_fraction = 0.35", "exit_rise_fraction = 1.5", ["side-plank.toml [hold]", "(not) 1"]),
        (drop, "max_drop_from_hold_start = -15.0", ["side-plank.toml rule 'hip_sag'", "above 0"]),
        (
            drop,
            f'{drop}\nreference = "hold_start"',
            ["rule 'hip_sag'", "max_drop_from_hold_start", "absolute"],
        ),
    ):
        assert old in plank_text
        with pytest.raises(FormcheckError) as err:
            _parse("side-plank", tomllib.loads(plank_text.replace(old, new)))
        assert all(w in str(err.value) for w in words)
    # a progression's own [hold] changes the hold exercise's fields, checked as the rest
    kneeling = {**tomllib.loads(plank_text)["hold"], **tomllib.loads(progression)["hold"]}
    assert _hold_spec(kneeling, "side-plank-clamshell.toml [hold]").enter == 0.29
    with pytest.raises(FormcheckError) as err:
        _hold_spec({**kneeling, "enter": 0.05}, "side-plank-clamshell.toml [hold]")
    assert all(w in str(err.value) for w in ("side-plank-clamshell.toml [hold]", "'exit'", "'enter'"))
    # [too_high]: the camera height an exercise is misread from, the words that say so, and the
    # rules not checked from there
    kneeling_clam = load_exercise("side-plank-clamshell")
    assert kneeling_clam.too_high.elevation_deg == 55.0
    assert kneeling_clam.too_high.unseen == ("hip_sag", "feet_apart", "small_range", "trunk_rotation")
    assert load_exercise("side-plank").too_high is None
    for table, words in (
        ({"elevation_deg": 95.0, "words": "lower it"}, ["'elevation_deg'", "between 0 and 90"]),
        (
            {"elevation_deg": 55.0, "word": "lower it"},
            ["unknown keys ['word']", "elevation_deg, words, unseen"],
        ),
        ({"elevation_deg": 55.0, "words": " "}, ["'words'", "non-empty"]),
        (
            {"elevation_deg": 55.0, "words": "lower it", "unseen": ["feet_apart", "toes_up"]},
            ["'unseen'", "hip_sag"],
        ),
        ({"elevation_deg": 55.0, "words": "lower it", "unseen": "feet_apart"}, ["'unseen'", "rule codes"]),
    ):
        with pytest.raises(FormcheckError) as err:
            _too_high({"too_high": table}, "side-plank-clamshell.toml", kneeling_clam.rules)
        assert all(w in str(err.value) for w in ["side-plank-clamshell.toml [too_high]", *words])
    # ...and where the kneeling clam cannot see a fault it never advises the camera [too_high] calls
    # too high (the lying clam's and the plank's advice is to raise it)
    assert all("raise" not in r.unseen_hint for r in kneeling_clam.rules)
    assert any("raise" in r.unseen_hint for r in plank.rules + clam.rules)
    for table, words in (
        ({"pelvis_rollback": ["trunk_rotaton"]}, ["'pelvis_rollback'", "no hold rule", "trunk_rotaton"]),
        ({"hip_sag": ["trunk_rotation"]}, ["'hip_sag' is no rep rule", "feet_apart"]),
        ({"pelvis_rollback": ["trunk_rotation.above"]}, ["'trunk_rotation.above'", ".min, .max"]),
        ({"pelvis_rollback": ["hip_sag.max"]}, ["hip_sag above its max", "no max limit"]),
    ):
        with pytest.raises(FormcheckError) as err:
            _implied_by_hold(clam.rules, plank.rules, {"implied_by": table}, "side-plank-clamshell.toml")
        assert all(w in str(err.value) for w in ["side-plank-clamshell.toml [implied_by]", *words])


def test_exercises_lists_checks_sources_and_activation():
    r = formcheck("exercises")
    assert r.returncode == 0
    for e in ExerciseId:
        assert e.value in r.stdout
    for code in (
        "feet_apart",
        "pelvis_rollback",
        "leg_forward",
        "toes_up",
        "hip_hike",
        "hip_sag",
        "trunk_rotation",
    ):
        assert code in r.stdout
    assert "Boren" in r.stdout and "%MVIC" in r.stdout and "source:" in r.stdout
    assert "Said from 55 deg above you: from this high the pose model loses your opening knee" in r.stdout
    assert "Not checked from there: hip_sag, feet_apart" in r.stdout
    assert r.stdout.count("may be leg_forward instead where that is not checked") == 4
    assert r.stdout.count("may be trunk_rotation instead where that is not checked") == 2


@pytest.mark.video
def test_a_kill_while_the_video_is_written_ends_like_ctrl_c_and_leaves_no_partial_file(
    tmp_path, monkeypatch, capsys
):
    """SIGTERM (a closed terminal, ``kill``) while annotated.mp4 is being drawn: exit 130, the
    scorecard already written stays, and no temporary file is left beside it. The signal is sent
    at a known frame, in process: sent from outside on reading "Drawing", it could land after the
    video was complete, or (once) while its temporary file was being made."""
    import signal

    import formcheck.video
    from formcheck.cli import main

    drawn = []

    def draw_then_kill(*args, **kwargs):
        drawn.append(1)
        if len(drawn) == 5:
            signal.raise_signal(signal.SIGTERM)

    video = Path(__file__).resolve().parent.parent / "sample_videos" / "clamshell_correct.mp4"
    out = tmp_path / "out"
    monkeypatch.setattr(formcheck.video, "draw_frame", draw_then_kill)
    monkeypatch.setattr(
        sys, "argv", ["formcheck", "analyze", str(video), "-e", "clamshell", "--out", str(out)]
    )
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130 and len(drawn) == 5
    assert "Interrupted." in capsys.readouterr().err
    assert (out / "scorecard.json").exists() and not (out / "annotated.mp4").exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler was put back


def test_an_interrupt_while_the_temporary_file_is_prepared_leaves_nothing_behind(tmp_path, monkeypatch):
    """atomic_path takes charge of its temporary file from the moment it exists: an interrupt while
    it is being prepared (here, its permissions set) removes it."""
    import formcheck.atomic

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(formcheck.atomic.os, "chmod", interrupted)
    with pytest.raises(KeyboardInterrupt), formcheck.atomic.atomic_path(tmp_path / "scorecard.json"):
        pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name, exercise",
    [
        ("rendered_clamshell_pelvis_rollback_slim_0.9m", "clamshell"),
        ("rendered_side-plank-clamshell_hip_sag_average_0.9m", "side-plank-clamshell"),
    ],
)
def test_the_report_page_says_every_rep_hold_shortcut_and_camera_note_and_is_remade_from_the_json(
    tmp_path, name, exercise
):
    """report.html is what a therapist is sent: every rep and hold with its score, every shortcut
    with its advice, every camera note; `formcheck report` remakes it, and the table, from the JSON."""
    out = tmp_path / "out"
    track = Path(__file__).parent / "fixtures" / f"{name}.track.json.gz"
    r = formcheck("analyze", str(track), "-e", exercise, "--out", str(out), "--no-video")
    assert r.returncode == 0, r.stderr
    card = json.loads((out / "scorecard.json").read_text())
    page = (out / "report.html").read_text()
    assert card["summary"]["faults"], "the fixture must hold a shortcut for this test to mean anything"
    body = page.split("<h2>Reps and holds</h2>")[1]
    rows = re.findall(
        r'<tr><td class=n>(\d+)</td><td class=n>([\d.]+)-([\d.]+) s</td>.*?score \w+">(\d+)<', body
    )
    expected = [(x["index"], x["start_s"], x["end_s"], x["score"]) for x in card["reps"] + card["holds"]]
    assert [(int(i), float(a), float(b), int(s)) for i, a, b, s in rows] == [
        (i, pytest.approx(a, abs=0.051), pytest.approx(b, abs=0.051), s) for i, a, b, s in expected
    ]
    for x in card["reps"] + card["holds"]:
        for f in x["faults"]:
            assert html.escape(f["message"]) in body
    for w in card["warnings"]:
        assert html.escape(w["message"]) in page
    # remade from the JSON alone, elsewhere: the same page, and the table analyze printed
    moved = tmp_path / "sent" / "scorecard.json"
    moved.parent.mkdir()
    moved.write_text((out / "scorecard.json").read_text())
    r2 = formcheck("report", str(moved))
    assert r2.returncode == 0, r2.stderr
    assert (moved.parent / "report.html").read_text() == page
    assert r2.stdout.split("\nWrote")[0] == r.stdout.split("\nWrote")[0]
    r3 = formcheck("report", str(out), "-o", str(tmp_path / "mine.html"))  # a result folder
    assert r3.returncode == 0 and (tmp_path / "mine.html").read_text() == page


@pytest.mark.parametrize(
    "content, words",
    [
        (None, ["No such file"]),
        ('{"reps": [', ["not JSON"]),
        ('{"schema": "something/else"}', ["not a formcheck scorecard", "something/else"]),
        ("drop reps[0].score", ["reps[0].score is missing"]),
        ("set holds to 3", ["holds is not a list"]),
    ],
)
def test_report_of_a_broken_scorecard_is_one_line_naming_the_field(tmp_path, content, words):
    path = tmp_path / "scorecard.json"
    if content is not None and content.startswith(("drop", "set")):
        out = tmp_path / "out"
        formcheck(
            "analyze",
            str(fixture_track("clamshell_front.mp4")),
            "-e",
            "clamshell",
            "--out",
            str(out),
            "--no-video",
        )
        card = json.loads((out / "scorecard.json").read_text())
        if content.startswith("drop"):
            del card["reps"][0]["score"]
        else:
            card["holds"] = 3
        content = json.dumps(card)
    if content is not None:
        path.write_text(content)
    r = formcheck("report", str(path))
    assert_one_line_error(r, *words)
    assert not (tmp_path / "report.html").exists()


def clinic_folder(tmp_path: Path) -> Path:
    """Two of the sample clips under other names, a file that is no video, a note and a picture."""
    clips = tmp_path / "clinic"
    clips.mkdir()
    shutil.copy(ROOT / "sample_videos" / "clamshell_feet_apart.mp4", clips / "anna.mp4")
    shutil.copy(ROOT / "sample_videos" / "clamshell_correct.mp4", clips / "ben.MOV")
    shutil.copy(ROOT / "sample_videos" / "side-plank_correct.mp4", clips / "dora plank (1).mp4")
    (clips / "carl.webm").write_bytes(b"not a video")
    (clips / "notes.txt").write_text("Monday's patients")
    (clips / "cover.png").write_bytes(b"\x89PNG")
    return clips


def test_a_folder_of_videos_is_analysed_jobs_at_a_time_each_into_its_own_folder_with_a_summary(tmp_path):
    clips = clinic_folder(tmp_path)
    r = formcheck(
        "analyze", str(clips), "-e", "clamshell", "--jobs", "2", "--no-video", "--reps", "3", cwd=tmp_path
    )
    # the bad file is said, and the exit is an error, but the others are analysed
    assert_one_line_error(r, "1 of 4 videos could not be analysed")
    assert "4 videos, 2 at a time" in r.stdout and "1 images there are not analysed" in r.stdout
    done = sorted(ln.split("]")[0] for ln in r.stdout.splitlines() if ln.startswith("["))
    assert done == ["[1/4", "[2/4", "[3/4", "[4/4"]
    # a video of another exercise: nothing counted, and why
    assert "dora plank (1).mp4: 0 reps, 0 holds, mean score -, shortcuts: nothing counted: " in r.stdout
    root = tmp_path / "formcheck_out" / "clinic"
    anna = json.loads((root / "anna" / "scorecard.json").read_text())
    ben = json.loads((root / "ben" / "scorecard.json").read_text())
    assert (anna["summary"]["reps"], anna["summary"]["faults"]) == (3, {"feet_apart": 1})
    assert (ben["summary"]["reps"], ben["summary"]["faults"]) == (3, {})
    assert anna["goal"] == ben["goal"] == {"reps": 3, "hold_s": None}  # each video read against it
    assert (root / "anna" / "report.html").is_file() and not (root / "anna" / "annotated.mp4").exists()
    with open(root / "summary.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(x["video"], x["reps"], x["faults"], x["result"]) for x in rows] == [
        ("anna.mp4", "3", "feet_apart:1", "anna"),
        ("ben.MOV", "3", "", "ben"),
        ("carl.webm", "0", "", ""),
        ("dora plank (1).mp4", "0", "", "dora plank (1)"),
    ]
    assert "cannot be read as a video" in rows[2]["error"]
    index = (root / "index.html").read_text()
    assert "nothing counted" in index.split("dora plank (1).mp4")[-1].split("</tr>")[0]
    assert 'href="anna/report.html"' in index and 'href="ben/report.html"' in index
    assert "carl.webm</td><td colspan=4>could not be analysed" in index
    assert not [p for p in root.rglob(".*")]  # no temporary file left anywhere
    # run again: never over the first batch; into a folder of its own, or refused with --out
    again = formcheck(
        "analyze", str(clips), "-e", "clamshell", "--out", str(root), "--no-video", cwd=tmp_path
    )
    assert_one_line_error(again, "already holds a result", "--overwrite")
    assert json.loads((root / "anna" / "scorecard.json").read_text()) == anna
    # a batch's folder: the report command remakes each result's page (its pictures kept) and
    # refuses -o, which names one page; a damaged scorecard stops it before any page is written
    pages = {name: (root / name / "report.html").read_text() for name in ("anna", "ben", "dora plank (1)")}
    (root / "anna" / "report.html").write_text("an old page")
    remade = formcheck("report", str(root))
    assert remade.returncode == 0, remade.stderr
    assert "anna: clamshell - working side: right - 3 reps, 0 holds, mean score 97" in remade.stdout
    assert "Wrote 3 reports in" in remade.stdout
    assert {name: (root / name / "report.html").read_text() for name in pages} == pages
    assert_one_line_error(
        formcheck("report", str(root), "-o", "x.html"), "holds 3 results", "-o names one page"
    )
    (root / "ben" / "scorecard.json").write_text("{}")
    (root / "anna" / "report.html").write_text("an old page")
    assert_one_line_error(formcheck("report", str(root)), "ben/scorecard.json is not a formcheck scorecard")
    assert (root / "anna" / "report.html").read_text() == "an old page"
    assert_one_line_error(
        formcheck("report", str(tmp_path)), "holds no scorecard.json, nor do the folders in it"
    )


def test_a_batch_stopped_midway_keeps_what_finished_and_stops_every_video_under_way(tmp_path):
    clips = clinic_folder(tmp_path)
    command = [sys.executable, "-m", "formcheck.cli", "analyze", str(clips), "-e", "clamshell", "-j", "2"]
    batch = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = tmp_path / "formcheck_out" / "clinic"
    for _ in range(600):  # a video under way: its folder is made once it has opened
        if root.is_dir() and any(p.is_dir() for p in root.iterdir()):
            break
        time.sleep(0.1)
    batch.terminate()  # SIGTERM, as a process manager or a closed terminal sends it
    out, err = batch.communicate(timeout=120)
    assert batch.returncode == 130 and "Traceback" not in err, err
    assert "Stopped after" in out
    finished = [ln for ln in out.splitlines() if ln.startswith("[")]
    summary = root / "summary.csv"
    assert len(summary.read_text().splitlines()) - 1 == len(finished) if finished else not summary.exists()
    assert not [p for p in root.rglob(".*")]  # nothing half-written
    still_running = [
        p
        for p in Path("/proc").glob("[0-9]*")
        if str(clips).encode() in _cmdline(p) and p.name != str(batch.pid)
    ]
    assert not still_running


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def test_a_video_of_another_exercise_that_counts_nothing_says_why(tmp_path):
    """A real side plank read as clamshells: its lying start passes the set-up check and no rep
    comes; a bare '0 reps' would leave the user guessing."""
    track = str(fixture_track("side_plank_straight_arm_short.mp4"))
    codes = {}
    for exercise in ("clamshell", "side-plank"):
        r = formcheck("analyze", track, "-e", exercise, "--no-video", "--out", str(tmp_path / exercise))
        assert r.returncode == 0, r.stderr
        card = json.loads((tmp_path / exercise / "scorecard.json").read_text())
        codes[exercise] = (
            card["summary"]["reps"] + card["summary"]["holds"],
            [w["code"] for w in card["warnings"]],
        )
    assert codes["clamshell"] == (0, ["nothing_counted"])
    assert codes["side-plank"][0] == 1 and "nothing_counted" not in codes["side-plank"][1]


def test_the_report_shows_each_faulty_rep_as_the_annotated_video_drew_it(tmp_path):
    """A therapist reading report.html sees the moment: a picture of each rep with a shortcut, at
    its top, from annotated.mp4 (skeleton, angles, the cue); none for a clean rep."""
    out = tmp_path / "out"
    r = formcheck(
        "analyze",
        str(ROOT / "sample_videos" / "clamshell_feet_apart.mp4"),
        "-e",
        "clamshell",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    card = json.loads((out / "scorecard.json").read_text())
    assert [len(rep["faults"]) > 0 for rep in card["reps"]] == [False, True, False]
    page = (out / "report.html").read_text()
    rows = page.split("<tr><td class=n>")[1:]
    pictures = [
        re.findall(
            r'<img class="still" id="still-rep-1-\d+" alt="[^"]*" src="data:image/jpeg;base64,([^"]+)"',
            row,
        )
        for row in rows
    ]
    assert [len(p) for p in pictures] == [0, 1, 0]
    still = cv2.imdecode(np.frombuffer(base64.b64decode(pictures[1][0]), np.uint8), cv2.IMREAD_COLOR)
    assert still.shape[1] == 360
    # the frame of rep 2's top, as drawn in annotated.mp4
    video = cv2.VideoCapture(str(out / "annotated.mp4"))
    frames = []
    while True:
        ok, frame = video.read()
        if not ok:
            break
        frames.append(frame)
    size = (still.shape[1], still.shape[0])
    apart = [
        np.mean(np.abs(cv2.resize(f, size, interpolation=cv2.INTER_AREA) - still.astype(float)))
        for f in frames
    ]
    top = round(card["reps"][1]["peak_s"] * card["source"]["fps"])
    assert abs(int(np.argmin(apart)) - top) <= 1  # JPEG and H.264 apart, the frame the still is
    # remade from its scorecard, here or elsewhere, the page keeps its picture; from the scorecard
    # sent on its own there is no picture to keep
    assert formcheck("report", str(out)).returncode == 0
    assert (out / "report.html").read_text() == page
    assert (
        formcheck("report", str(out / "scorecard.json"), "-o", str(tmp_path / "again.html")).returncode == 0
    )
    assert (tmp_path / "again.html").read_text() == page
    sent = tmp_path / "sent"
    sent.mkdir()
    shutil.copy(out / "scorecard.json", sent)
    assert formcheck("report", str(sent / "scorecard.json")).returncode == 0
    assert "<img" not in (sent / "report.html").read_text()


@pytest.mark.parametrize(("cores", "jobs"), [({0}, 1), ({0, 1}, 2), (set(range(16)), 4)])
def test_a_folder_is_analysed_one_video_per_core_it_may_use_up_to_four(monkeypatch, cores, jobs):
    """Without --jobs: each process takes about 400 MB, so more cores than four are left alone."""
    from formcheck.batch import default_jobs

    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: cores, raising=False)
    assert default_jobs() == jobs


def test_jobs_are_refused_for_one_video_but_one_job_is_harmless(tmp_path):
    video = ROOT / "sample_videos" / "clamshell_correct.mp4"
    r = formcheck(
        "analyze", str(video), "-e", "clamshell", "-j", "2", "--no-video", "--out", str(tmp_path / "a")
    )
    assert_one_line_error(r, "--jobs is for a folder of videos")
    r = formcheck(
        "analyze", str(video), "-e", "clamshell", "-j", "1", "--no-video", "--out", str(tmp_path / "b")
    )
    assert r.returncode == 0, r.stderr
