"""Saving and loading landmark tracks (``formcheck extract``), so scoring never needs inference again.

A track is JSON (gzip-compressed when the name ends in ``.gz``)::

    {"schema": "formcheck.track/1",
     "source": {"path": ..., "fps": ..., "width": ..., "height": ..., "frames": ...},
     "meta": {"model": ...},
     "frames": [{"t": 0.033, "image": [99 numbers], "world": [99], "visibility": [33]},
                {"t": 0.066}]}        # a frame without a person has only "t"
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np

from formcheck.atomic import atomic_write_bytes
from formcheck.errors import FormcheckError
from formcheck.pose.frame import PoseTrack, SourceInfo
from formcheck.pose.landmarks import NUM_LANDMARKS

TRACK_SCHEMA = "formcheck.track/1"


def is_track_path(path: str | Path) -> bool:
    name = str(path).lower()
    return name.endswith((".json", ".json.gz"))


def _round(values: np.ndarray, digits: int) -> list[float]:
    return [round(float(v), digits) for v in values.ravel()]


def track_to_dict(track: PoseTrack, digits: tuple[int, int, int] = (5, 4, 3)) -> dict:
    """JSON-ready track; ``digits`` rounds image, world and visibility values."""
    image_digits, world_digits, vis_digits = digits
    frames = []
    for i, t in enumerate(track.t_s):
        entry: dict = {"t": round(float(t), 4)}
        if not math.isnan(track.image[i, 0, 0]):
            entry["image"] = _round(track.image[i], image_digits)
            entry["world"] = _round(track.world[i], world_digits)
            entry["visibility"] = _round(track.visibility[i], vis_digits)
        frames.append(entry)
    s = track.source
    return {
        "schema": TRACK_SCHEMA,
        "source": {"path": s.path, "fps": s.fps, "width": s.width, "height": s.height, "frames": len(frames)},
        "meta": track.meta,
        "frames": frames,
    }


def save_track(track: PoseTrack, path: str | Path, digits: tuple[int, int, int] = (5, 4, 3)) -> None:
    """Write a track atomically; ``digits`` as in ``track_to_dict`` (4, 3, 2 keeps 0.1 px and 1 mm)."""
    data = json.dumps(track_to_dict(track, digits), separators=(",", ":")).encode()
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    atomic_write_bytes(Path(path), data)


def load_track(path: str | Path) -> PoseTrack:
    path = Path(path)
    if not path.is_file():
        raise FormcheckError(f"No such track file: {path}")
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        data = json.loads(raw)
    except (OSError, EOFError, ValueError) as exc:
        raise FormcheckError(f"{path} is not a readable track file ({exc.__class__.__name__}).") from None
    return track_from_dict(data, str(path))


def track_from_dict(data: object, name: str = "track") -> PoseTrack:
    def bad(why: str) -> FormcheckError:
        return FormcheckError(f"{name} is not a valid formcheck track: {why}.")

    if not isinstance(data, dict) or data.get("schema") != TRACK_SCHEMA:
        raise bad(f'expected "schema": "{TRACK_SCHEMA}"')
    src, frames = data.get("source"), data.get("frames")
    if not isinstance(src, dict) or not isinstance(frames, list):
        raise bad('it needs a "source" object and a "frames" list')
    try:
        source = SourceInfo(
            path=str(src.get("path", "")),
            fps=float(src["fps"]),
            width=int(src["width"]),
            height=int(src["height"]),
            frames=len(frames),
        )
    except (KeyError, TypeError, ValueError):
        raise bad("the source needs fps, width and height") from None
    n = len(frames)
    t_s = np.empty(n)
    image = np.full((n, NUM_LANDMARKS, 3), np.nan)
    world = np.full((n, NUM_LANDMARKS, 3), np.nan)
    visibility = np.zeros((n, NUM_LANDMARKS))
    try:
        for i, f in enumerate(frames):
            t_s[i] = float(f["t"])
            if "image" in f:
                image[i] = np.asarray(f["image"], dtype=float).reshape(NUM_LANDMARKS, 3)
                world[i] = np.asarray(f["world"], dtype=float).reshape(NUM_LANDMARKS, 3)
                visibility[i] = np.asarray(f["visibility"], dtype=float).reshape(NUM_LANDMARKS)
    except (KeyError, TypeError, ValueError):
        raise bad(
            f"frame {i} is malformed (each needs t, and image/world/visibility of 33 landmarks)"
        ) from None
    if n and np.any(np.diff(t_s) < 0):
        raise bad("frame times go backwards")
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    return PoseTrack(source, t_s, image, world, visibility, meta)
