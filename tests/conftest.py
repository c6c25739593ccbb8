"""Shared test helpers: the real clips (from ../shared/videos), their labels and their committed tracks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_VIDEOS = ROOT.parent / "shared" / "videos"


@pytest.fixture(scope="session")
def labels() -> dict:
    path = SHARED_VIDEOS / "labels.json"
    if not path.exists():
        pytest.skip("../shared/videos is not present")
    return json.loads(path.read_text())["clips"]


def fixture_track(clip: str) -> Path:
    return FIXTURES / (clip.removesuffix(".mp4") + ".track.json.gz")


def shared_video(clip: str) -> Path:
    path = SHARED_VIDEOS / clip
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory) -> Path:
    """A short synthetic video of an empty room (no person)."""
    import cv2
    import numpy as np

    path = tmp_path_factory.mktemp("video") / "empty_room.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (160, 120))
    for i in range(20):
        frame = np.full((120, 160, 3), 40 + i * 5, dtype=np.uint8)
        cv2.rectangle(frame, (20, 80), (140, 110), (90, 60, 30), -1)
        writer.write(frame)
    writer.release()
    return path


def kept_frames(t_s, fps: float, seed: int, burst_p: float = 0.1) -> list[int]:
    """Which frames a slow, irregular reader keeps: about ``fps`` a second with jittered spacing,
    and now and then a burst of 0.2-0.5 s dropped (a busy machine), seeded so runs repeat."""
    import numpy as np

    rng = np.random.default_rng(seed)
    keep, next_t = [], float("-inf")
    for i, t in enumerate(t_s):
        if t >= next_t:
            keep.append(i)
            next_t = (
                t + rng.uniform(0.7, 1.3) / fps + (rng.uniform(0.2, 0.5) if rng.random() < burst_p else 0.0)
            )
    return keep
