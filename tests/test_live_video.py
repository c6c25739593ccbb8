"""`formcheck live` on the real clips, played as a camera at real-time pace through MediaPipe."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import fixture_track, kept_frames, shared_video
from test_cli import assert_one_line_error, formcheck

from formcheck.exercises import load_exercise
from formcheck.pipeline import analyze_track
from formcheck.pose import load_track

pytestmark = pytest.mark.video

CLIPS = [
    ("clamshell_front.mp4", "clamshell"),
    ("side_lying_leg_lift_edited.mp4", "side-leg-lift"),
    ("side_plank_forearm.mp4", "side-plank"),
    ("side_plank_straight_arm_short.mp4", "side-plank"),
]


def live_command(clip: str, exercise: str, out) -> list[str]:
    return [
        sys.executable,
        "-m",
        "formcheck.cli",
        "live",
        "--source",
        str(shared_video(clip)),
        "--exercise",
        exercise,
        "--out",
        str(out),
        "--no-window",
    ]


@pytest.mark.parametrize(("clip", "exercise"), CLIPS)
def test_live_plays_a_video_as_a_camera(tmp_path, clip, exercise):
    """Real time through the CLI. How many frames a busy machine drops is not ours to fix in a
    test, so the counts are checked only when none was dropped (the seeded tests below and in
    test_live.py pin the counts under drops deterministically)."""
    offline = analyze_track(load_track(fixture_track(clip)), load_exercise(exercise)).engine
    r = subprocess.run(live_command(clip, exercise, tmp_path), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "scorecard.json").read_text())
    live = card["live"]
    assert live["frames_processed"] + live["frames_dropped"] == live["frames_captured"]
    if live["frames_dropped"] == 0:
        assert card["summary"]["reps"] == len(offline.reps), (live, r.stdout)
        assert card["summary"]["holds"] == len(offline.holds)
    assert card["live"]["ended_by"] == "source_ended"
    assert card["live"]["latency_ms"]["p95"] is not None
    assert "Session ended: the video ended" in r.stdout


def _ctrl_c_as_in_a_terminal() -> None:
    """A job a shell starts in the background inherits Ctrl-C ignored, and so would the session
    started from it: the signal is given back its default, as in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_mid_session_leaves_a_valid_scorecard_with_the_reps_so_far(tmp_path):
    proc = subprocess.Popen(
        live_command("clamshell_front.mp4", "clamshell", tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    scorecard = tmp_path / "scorecard.json"
    deadline = time.monotonic() + 60
    reps = 0
    while reps < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
        if scorecard.exists():
            reps = json.loads(scorecard.read_text())["summary"]["reps"]  # always whole: atomic writes
    assert reps >= 2, "two reps were not saved in time"
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    card = json.loads(scorecard.read_text())
    assert card["live"]["ended_by"] == "interrupted"
    assert 2 <= card["summary"]["reps"] < 6  # stopped well before the clip's sixth rep
    assert "Session ended: interrupted (Ctrl-C)" in stdout and "rep" in stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_camera_that_cannot_open_says_how_to_pick_another(tmp_path):
    r = formcheck("live", "--camera", "9", "--exercise", "clamshell", "--out", str(tmp_path), "--no-window")
    assert_one_line_error(r, "Camera 9 cannot be opened", "--camera N", "--source VIDEO")


def test_live_bad_input_is_one_line(tmp_path):
    r = formcheck("live", "--source", str(tmp_path / "nope.mp4"), "-e", "clamshell", "--out", str(tmp_path))
    assert_one_line_error(r, "No such file")
    video = shared_video("clamshell_front.mp4")
    r = formcheck("live", "--camera", "0", "--source", str(video), "-e", "clamshell", "--out", str(tmp_path))
    assert_one_line_error(r, "not both")
    r = formcheck("live", "--source", str(video), "-e", "squat", "--out", str(tmp_path))
    assert_one_line_error(r, "Unknown exercise", "clamshell")


@pytest.mark.parametrize("seed", [0, 1])
def test_live_through_mediapipe_at_10_fps_with_bursts_of_drops(tmp_path, seed):
    """The real pose model on the frames a slow machine would keep (seeded, so it repeats)."""
    import time as clock

    from formcheck.capture import Captured
    from formcheck.live import EndReason, LiveSession
    from formcheck.pipeline import LiveMeasurer
    from formcheck.pose import make_estimator
    from formcheck.sources import VideoFileSource

    source = VideoFileSource(shared_video("clamshell_front.mp4"))
    frames = list(source)
    t_s = [t for _, t, _ in frames]
    keep = kept_frames(t_s, 10, seed)
    offline = analyze_track(
        load_track(fixture_track("clamshell_front.mp4")), load_exercise("clamshell")
    ).engine
    estimator = make_estimator()
    try:
        info = source.info
        session = LiveSession(
            load_exercise("clamshell"),
            LiveMeasurer(estimator, info.width, info.height),
            info,
            tmp_path,
            countdown_s=0,
        )
        for i in keep:
            index, t, image = frames[i]
            session.step(Captured(index, t, image, clock.monotonic()))
        card = session.finish(EndReason.SOURCE_ENDED).to_dict()
    finally:
        estimator.close()
    finished = [r for r in offline.reps if r.end_s <= t_s[keep[-1]] - 0.5]
    peaks = [r["peak_s"] for r in card["reps"]]
    assert len(finished) <= len(peaks) <= len(offline.reps)
    for rep in finished:
        assert any(abs(p - rep.peak_s) < 0.4 for p in peaks), (rep.peak_s, peaks)


def test_live_takes_a_holds_goal_and_refuses_one_the_exercise_lacks(tmp_path):
    """The real forearm plank is held 11 s, well past a 5 s goal (whether a goal near its length is
    reached is pinned without real-time pacing in test_live.py); reps are no goal for a plank, nor a
    hold for a clam, refused before the camera opens."""
    command = live_command("side_plank_forearm.mp4", "side-plank", tmp_path) + ["--hold", "5"]
    r = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    line = "Goal: 5 s holds, reached by 1 of 1 holds."
    assert line in r.stdout and line in (tmp_path / "report.html").read_text()
    r = formcheck("live", "--camera", "9", "-e", "side-plank", "--reps", "10", "--no-window")
    assert_one_line_error(r, "side-plank counts holds, not reps", "--hold SECONDS")
    r = formcheck("live", "--camera", "9", "-e", "clamshell", "--hold", "30", "--no-window")
    assert_one_line_error(r, "clamshell counts reps, not holds", "--reps N")


def test_a_camera_mounted_sideways_is_turned_as_asked(tmp_path):
    """The forearm plank played as a camera on its side: turned back with --rotate, the hold is
    counted as from an upright camera (held 11 s; unturned, nothing is). Frames a busy machine
    drops may cut the hold in two, so its time is what is checked."""
    from test_field_inputs import ffmpeg

    sideways = tmp_path / "sideways.mp4"
    upright = shared_video("side_plank_forearm.mp4")
    ffmpeg("-i", str(upright), "-vf", "transpose=1", "-c:v", "libx264", str(sideways))
    command = live_command("side_plank_forearm.mp4", "side-plank", tmp_path / "out")
    command[command.index("--source") + 1] = str(sideways)
    r = subprocess.run([*command, "--rotate", "270"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "out" / "scorecard.json").read_text())
    assert card["holds"] and sum(h["duration_s"] for h in card["holds"]) > 9.0
