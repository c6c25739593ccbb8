"""What users actually have: phone videos (rotated, portrait), browser recordings, raw streams,
damaged files, image folders, repeated names, full disks. Inputs are built with ffmpeg from a
real clip; each ends in a right result or one line of error, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import fixture_track, shared_video

from formcheck.orientation import Upright
from formcheck.pose import load_track, save_track

pytestmark = pytest.mark.video

CLIP_S = 9.0  # the clamshell clip's first three reps (peaks 2.7, 5.1, 7.6 s)


def ffmpeg(*args: str) -> None:
    """ffmpeg with these arguments; a last argument "pipe:1 > FILE" streams the output to FILE."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    *args, last = args
    if last.startswith("pipe:1 > "):
        with open(last.removeprefix("pipe:1 > "), "wb") as out:
            subprocess.run(
                ["ffmpeg", "-v", "error", "-y", *args, "pipe:1"], check=True, timeout=120, stdout=out
            )
    else:
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args, last], check=True, timeout=120)


def formcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "formcheck.cli", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def one_line_error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("Error: ") and "Traceback" not in r.stderr, r.stderr
    return lines[-1]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("inputs") / "clam.mp4"
    src = shared_video("clamshell_front.mp4")
    ffmpeg("-i", str(src), "-t", str(CLIP_S), "-c:v", "libx264", "-preset", "veryfast", str(out))
    return out


def analyze(video: Path, out: Path, *extra: str) -> dict:
    r = formcheck("analyze", str(video), "--exercise", "clamshell", "--out", str(out), *extra)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return json.loads((out / "scorecard.json").read_text())


# Pixels stored turned by `transpose`, with the rotation flag that turns them back upright.
ROTATIONS = {90: ["transpose=1"], 180: ["transpose=1", "transpose=1"], 270: ["transpose=2"]}


@pytest.mark.parametrize("degrees", sorted(ROTATIONS))
def test_a_phone_recording_is_analysed_as_it_plays(clip, tmp_path, degrees):
    sideways, phone = tmp_path / "sideways.mp4", tmp_path / "phone.mp4"
    ffmpeg(
        "-i",
        str(clip),
        "-vf",
        ",".join(ROTATIONS[degrees]),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        str(sideways),
    )
    ffmpeg("-i", str(sideways), "-c", "copy", "-metadata:s:v:0", f"rotate={degrees}", str(phone))
    card = analyze(phone, tmp_path / "out")
    assert card["summary"]["reps"] == 3 and card["side"] == "right"
    # annotated.mp4 is drawn upright: its first frame matches the clip's, not a turned one
    ok, drawn = cv2.VideoCapture(str(tmp_path / "out" / "annotated.mp4")).read()
    ok2, upright = cv2.VideoCapture(str(clip)).read()
    assert ok and ok2 and drawn.shape == upright.shape
    turned = np.rot90(upright, 2)
    assert np.abs(drawn.astype(int) - upright).mean() < 0.5 * np.abs(drawn.astype(int) - turned).mean()


@pytest.mark.parametrize("degrees", sorted(ROTATIONS))
def test_a_phone_held_sideways_with_its_rotation_locked_is_turned_upright(clip, tmp_path, degrees):
    """No rotation flag to go by (a phone locked in portrait): the picture plays sideways or upside
    down, and the body in it says which way is up (orientation.py)."""
    turned = tmp_path / "turned.mp4"
    ffmpeg("-i", str(clip), "-vf", ",".join(ROTATIONS[degrees]), "-c:v", "libx264", str(turned))
    card = analyze(turned, tmp_path / "out")
    assert card["summary"]["reps"] == 3 and card["side"] == "right"
    said = [w["message"] for w in card["warnings"] if w["code"] == "turned_input"]
    assert said == [Upright((360 - degrees) % 360).words]
    ok, drawn = cv2.VideoCapture(str(tmp_path / "out" / "annotated.mp4")).read()
    ok2, upright = cv2.VideoCapture(str(clip)).read()
    assert ok and ok2 and drawn.shape == upright.shape
    error = np.abs(drawn.astype(int) - upright).mean()
    assert error < 0.5 * np.abs(drawn.astype(int) - np.rot90(upright, 2)).mean()


def test_a_portrait_video_with_the_person_across_the_narrow_frame(clip, tmp_path):
    portrait = tmp_path / "portrait.mp4"
    ffmpeg(
        "-i",
        str(clip),
        "-vf",
        "scale=540:-2,pad=540:960:0:(oh-ih)/2:color=gray",
        "-c:v",
        "libx264",
        str(portrait),
    )
    card = analyze(portrait, tmp_path / "out", "--no-video")
    assert card["summary"]["reps"] == 3


def test_a_browser_recording_of_unknown_length(clip, tmp_path):
    webm = tmp_path / "recording.webm"
    # streamed as a browser's MediaRecorder does: no duration, no frame count in the file
    ffmpeg("-i", str(clip), "-c:v", "libvpx", "-b:v", "1M", "-f", "webm", f"pipe:1 > {webm}")
    assert cv2.VideoCapture(str(webm)).get(cv2.CAP_PROP_FRAME_COUNT) <= 0  # the length is unknown
    card = analyze(webm, tmp_path / "out")
    assert card["summary"]["reps"] == 3
    assert card["source"]["frames"] == 270


def test_a_raw_h264_stream(clip, tmp_path):
    raw = tmp_path / "stream.h264"
    ffmpeg("-i", str(clip), "-c:v", "libx264", "-f", "h264", str(raw))
    card = analyze(raw, tmp_path / "out", "--no-video")
    assert card["summary"]["reps"] == 3


def test_a_photo_named_like_a_video(tmp_path, clip):
    photo = tmp_path / "photo.mp4"
    ffmpeg("-i", str(clip), "-frames:v", "1", "-f", "image2", "-c:v", "mjpeg", str(photo))
    line = one_line_error(formcheck("analyze", str(photo), "-e", "clamshell", "--out", str(tmp_path / "o")))
    assert "single picture" in line


def test_a_cut_off_video_is_analysed_up_to_where_it_stops(tmp_path):
    whole, cut = tmp_path / "whole.mp4", tmp_path / "cut.mp4"
    ffmpeg(
        "-i", str(shared_video("clamshell_front.mp4")), "-c", "copy", "-movflags", "+faststart", str(whole)
    )
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    r = formcheck("analyze", str(cut), "-e", "clamshell", "--out", str(tmp_path / "out"), "--no-video")
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "out" / "scorecard.json").read_text())
    stop = [w for w in card["warnings"] if w["code"] == "truncated_input"]
    assert len(stop) == 1 and 3.0 < stop[0]["at_s"] < 8.0
    assert card["summary"]["reps"] < 6
    # one plain line, no FFmpeg noise
    assert (
        "could not be decoded past" in r.stderr and "partial file" not in r.stderr and "[mov" not in r.stderr
    )


def test_an_image_folder_at_its_own_frame_rate(clip, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    ffmpeg("-i", str(clip), "-vf", "fps=10", str(folder / "f%04d.jpg"))
    r = formcheck("analyze", str(folder), "-e", "clamshell", "--out", str(tmp_path / "at10"), "--fps", "10")
    assert r.returncode == 0, r.stderr
    card = json.loads((tmp_path / "at10" / "scorecard.json").read_text())
    assert card["summary"]["reps"] == 3
    assert "too_fast" not in card["summary"]["faults"]
    assert card["source"]["fps"] == 10
    assert "taken as 10 frames a second" in r.stderr
    r = formcheck("analyze", str(folder), "-e", "clamshell", "--out", str(tmp_path / "at30"))
    assert "taken as 30 frames a second (say another rate with --fps)" in r.stderr


def test_fps_is_refused_for_a_video(clip, tmp_path):
    line = one_line_error(
        formcheck("analyze", str(clip), "-e", "clamshell", "--fps", "10", "--out", str(tmp_path))
    )
    assert "--fps is for a folder of images" in line


# -- where results go ----------------------------------------------------------------------------


def dated_track(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    shutil.copy(fixture_track("side_plank_forearm.mp4"), path)
    return path


def test_results_never_overwrite_each_other(tmp_path):
    a = dated_track(tmp_path, "plank.2026.01.05.json.gz")
    b = dated_track(tmp_path, "plank.2026.01.06.json.gz")
    for track in (a, b, a):
        assert (
            formcheck("analyze", str(track), "-e", "side-plank", "--no-video", cwd=tmp_path).returncode == 0
        )
    made = sorted(p.name for p in (tmp_path / "formcheck_out").iterdir())
    assert made == ["plank.2026.01.05", "plank.2026.01.05-2", "plank.2026.01.06"]
    r = formcheck("analyze", str(a), "-e", "side-plank", "--no-video", "--overwrite", cwd=tmp_path)
    assert r.returncode == 0 and len(list((tmp_path / "formcheck_out").iterdir())) == 3
    line = one_line_error(
        formcheck(
            "analyze", str(a), "-e", "side-plank", "--out", "formcheck_out/plank.2026.01.06", cwd=tmp_path
        )
    )
    assert "already holds a result" in line


def test_no_output_folder_for_an_input_that_does_not_open(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 5000)
    one_line_error(formcheck("analyze", str(broken), "-e", "clamshell", cwd=tmp_path))
    assert not (tmp_path / "formcheck_out").exists()


# -- a full disk ---------------------------------------------------------------------------------


def on_a_small_disk(size_kb: int, command: str, tmp_path: Path) -> tuple[str, str]:
    """Run ``command`` (a shell line; $DISK is the mount) with a tmpfs of ``size_kb`` mounted in a
    private mount namespace; return its stdout and stderr (the disk is gone afterwards)."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a private mount namespace here")
    disk = tmp_path / f"disk{size_kb}"
    disk.mkdir()
    script = f'mount -t tmpfs -o size={size_kb}k tmpfs "$DISK" && {command}'
    r = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={"DISK": str(disk), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    return r.stdout, r.stderr


def test_a_full_disk_leaves_complete_files_or_none(tmp_path):
    track = load_track(fixture_track("clamshell_front.mp4"))
    # point the track at the clip wherever ../shared is on this machine, so annotated.mp4 is drawn
    track.source = replace(track.source, path=str(shared_video("clamshell_front.mp4")))
    path = tmp_path / "clam.track.json.gz"
    save_track(track, path)
    run = f'{sys.executable} -m formcheck.cli analyze {path} -e clamshell --out "$DISK/out"'
    check_json = "import json, sys; json.load(open(sys.argv[1])); print('valid json')"
    scorecard = '"$DISK/out/scorecard.json"'
    report = f'echo "exit=$?"; ls -a "$DISK/out"; test -f {scorecard}'
    report += f' && {sys.executable} -c "{check_json}" {scorecard}'
    # room for the scorecard, not for the video
    out, err = on_a_small_disk(64, f"{run}; {report}", tmp_path)
    assert "exit=3" in out and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("Error: No space left on device")
    assert "annotated.mp4" in err.strip().splitlines()[-1]
    listed = out.split("exit=3")[1].split()
    assert [n for n in listed if n not in ("valid", "json")] == [
        ".",
        "..",
        "report.html",
        "reps.csv",
        "scorecard.json",
    ]
    assert "valid json" in out  # complete, not half-written
    # no room even for the scorecard: no file at all, and one line
    out, err = on_a_small_disk(4, f"{run}; {report}", tmp_path)
    assert "exit=3" in out and "Traceback" not in err, err
    assert out.split("exit=3")[1].split() == [".", ".."]


def test_simulate_on_a_full_disk_says_so_in_one_line(tmp_path):
    run = f'{sys.executable} -m formcheck.cli simulate -e clamshell -o "$DISK/sim.json"'
    out, err = on_a_small_disk(8, f'{run}; echo "exit=$?"; ls -a "$DISK"', tmp_path)
    assert "exit=3" in out and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("Error: No space left on device")
    assert out.split("exit=3")[1].split() == [".", ".."]


def test_extract_on_a_full_disk_says_so_in_one_line(tmp_path):
    clip = shared_video("side_plank_straight_arm_short.mp4")
    run = f'{sys.executable} -m formcheck.cli extract {clip} -o "$DISK/plank.track.json.gz"'
    out, err = on_a_small_disk(8, f'{run}; echo "exit=$?"; ls -a "$DISK"', tmp_path)
    assert "exit=3" in out and "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("Error: No space left on device")
    assert out.split("exit=3")[1].split() == [".", ".."]
