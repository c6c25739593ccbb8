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
