"""The full pipeline on real video: decoding, MediaPipe, scoring, the annotated video."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import fixture_track, shared_video

from formcheck.pose import load_track

pytestmark = pytest.mark.video


def test_analyze_the_clamshell_video_end_to_end(tmp_path, labels):
    video = shared_video("clamshell_front.mp4")
    out = tmp_path / "out"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "formcheck.cli",
            "analyze",
            str(video),
            "--exercise",
            "clamshell",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    card = json.loads((out / "scorecard.json").read_text())
    assert card["summary"]["reps"] == labels["clamshell_front.mp4"]["reps"]
    assert card["side"] == "right"
    import cv2

    cap = cv2.VideoCapture(str(out / "annotated.mp4"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 484
    # stderr holds no MediaPipe / TensorFlow Lite log noise
    assert "W0000" not in r.stderr and "XNNPACK" not in r.stderr and "INFO:" not in r.stderr


def test_extract_reproduces_the_committed_track(tmp_path):
    video = shared_video("side_plank_straight_arm_short.mp4")
    out = tmp_path / "t.track.json.gz"
    r = subprocess.run(
        [sys.executable, "-m", "formcheck.cli", "extract", str(video), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr
    new, old = load_track(out), load_track(fixture_track("side_plank_straight_arm_short.mp4"))
    assert len(new) == len(old) == 133
    np.testing.assert_allclose(new.t_s, old.t_s, atol=1e-3)
    assert np.nanmax(np.abs(new.image[:, :, :2] - old.image[:, :, :2])) < 0.01


def test_the_person_is_found_again_after_leaving_the_frame():
    """Frames of the clam, then 1.5 s of an empty room, then the clam again."""
    import cv2

    from formcheck.pose import PoseLandmarkerEstimator

    cap = cv2.VideoCapture(str(shared_video("clamshell_front.mp4")))
    frames = [cap.read()[1] for _ in range(180)]
    cap.release()
    empty = np.full_like(frames[0], 90)
    sequence = frames[:60] + [empty] * 45 + frames[60:180]
    estimator = PoseLandmarkerEstimator()
    try:
        found = [estimator.process(f, i, i / 30.0).has_pose for i, f in enumerate(sequence)]
    finally:
        estimator.close()
    assert all(found[:60])
    assert not any(found[60:105])
    assert all(found[110:])  # found again within 5 frames of coming back


def test_repeated_and_rounded_frame_times_are_accepted():
    """Variable-rate sources can give two frames the same millisecond, or the same time twice."""
    import cv2

    from formcheck.pose import PoseLandmarkerEstimator

    cap = cv2.VideoCapture(str(shared_video("clamshell_front.mp4")))
    frames = [cap.read()[1] for _ in range(4)]
    cap.release()
    estimator = PoseLandmarkerEstimator()
    try:
        times = [0.0, 0.0002, 0.0002, 0.0101]
        poses = [estimator.process(f, i, t) for i, (f, t) in enumerate(zip(frames, times, strict=True))]
    finally:
        estimator.close()
    assert [p.t_s for p in poses] == [0.0, 0.0002, 0.0002, 0.0101]
    assert all(p.has_pose for p in poses)
    assert all(p.world is not None and p.world.shape == (33, 3) for p in poses)
