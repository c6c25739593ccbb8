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
import os
from pathlib import Path

import numpy as np

from formcheck.atomic import atomic_path
from formcheck.errors import FormcheckError
from formcheck.pose.frame import PoseTrack, SourceInfo
from formcheck.pose.landmarks import NUM_LANDMARKS

TRACK_SCHEMA = "formcheck.track/1"


def is_track_path(path: str | Path) -> bool:
    name = str(path).lower()
    return name.endswith((".json", ".json.gz"))


def _round(values: np.ndarray, digits: int) -> list[float]:
    return [round(float(v), digits) for v in values.ravel()]


def _frame_entries(track: PoseTrack, digits: tuple[int, int, int]) -> list[dict]:
    image_digits, world_digits, vis_digits = digits
    frames = []
    for i, t in enumerate(track.t_s):
        entry: dict = {"t": round(float(t), 4)}
        if not math.isnan(track.image[i, 0, 0]):
            entry["image"] = _round(track.image[i], image_digits)
            entry["world"] = _round(track.world[i], world_digits)
            entry["visibility"] = _round(track.visibility[i], vis_digits)
        frames.append(entry)
    return frames


def _header(track) -> dict:
    s = track.source
    return {
        "schema": TRACK_SCHEMA,
        "source": {"path": s.path, "fps": s.fps, "width": s.width, "height": s.height, "frames": len(track)},
        "meta": track.meta,
    }


def track_to_dict(track: PoseTrack, digits: tuple[int, int, int] = (5, 4, 3)) -> dict:
    """JSON-ready track; ``digits`` rounds image, world and visibility values."""
    return {**_header(track), "frames": _frame_entries(track, digits)}


# Frames written at a time: a long recording is never held whole in memory as JSON.
SAVE_CHUNK_FRAMES = 2000


def save_track(track, path: str | Path, digits: tuple[int, int, int] = (5, 4, 3)) -> None:
    """Write a track (a PoseTrack, or a SpooledTrack of any length) atomically, a chunk of frames
    at a time; ``digits`` as in ``track_to_dict`` (4, 3, 2 keeps 0.1 px and 1 mm)."""
    compact = {"separators": (",", ":")}
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as raw:
        out = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if str(path).endswith(".gz") else raw
        )
        out.write(json.dumps(_header(track), **compact)[:-1].encode() + b',"frames":[')
        for start in range(0, len(track), SAVE_CHUNK_FRAMES):
            entries = _frame_entries(track.slice(start, start + SAVE_CHUNK_FRAMES), digits)
            out.write(("," if start else "").encode() + json.dumps(entries, **compact)[1:-1].encode())
        out.write(b"]}")
        if out is not raw:
            out.close()
        raw.flush()
        os.fsync(raw.fileno())


# What a plausible track holds. Image coordinates are fractions of the frame (a landmark may lie
# off-frame, not a hundred frames away); world coordinates are metres; times are seconds.
MAX_ABS_IMAGE = 100.0
MAX_ABS_WORLD_M = 100.0
MAX_T_S = 1e6  # eleven days
MAX_FRAME_GAP_S = 3600.0
MAX_MEDIAN_FRAME_GAP_S = 10.0  # 0.1 frames a second, the slowest --fps
MAX_FPS = 1000.0
MIN_MEDIAN_FRAME_GAP_S = 0.5 / MAX_FPS
MAX_SIDE_PX = 100_000


def load_track(path: str | Path) -> PoseTrack:
    path = Path(path)
    if not path.is_file():
        raise FormcheckError(f"No such track file: {path}")
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        data = json.loads(raw)
    except (OSError, EOFError, ValueError, RecursionError) as exc:
        raise FormcheckError(f"{path} is not a readable track file ({exc.__class__.__name__}).") from None
    return track_from_dict(data, str(path))


def _is_number(value: object) -> bool:
    return type(value) in (int, float)  # not bool, not a string that looks like a number


def _numbers(values: object, count: int, limit: float) -> np.ndarray | None:
    """``count`` finite numbers within +-limit, or None."""
    if not isinstance(values, list) or len(values) != count or not all(map(_is_number, values)):
        return None
    array = np.array(values, dtype=float)
    return array if np.all(np.abs(array) <= limit) else None  # NaN and inf fail too


def track_from_dict(data: object, name: str = "track") -> PoseTrack:
    """A track from its JSON form, checked: anything a formcheck track cannot hold is a one-line
    error naming what is wrong, never a silently wrong analysis."""

    def bad(why: str) -> FormcheckError:
        return FormcheckError(f"{name} is not a valid formcheck track: {why}.")

    if not isinstance(data, dict) or data.get("schema") != TRACK_SCHEMA:
        raise bad(f'expected "schema": "{TRACK_SCHEMA}"')
    src, frames = data.get("source"), data.get("frames")
    if not isinstance(src, dict) or not isinstance(frames, list):
        raise bad('it needs a "source" object and a "frames" list')
    fps, width, height = src.get("fps"), src.get("width"), src.get("height")
    if not (_is_number(fps) and 0 < fps <= MAX_FPS):
        raise bad(f"the source's fps must be a number from 0 to {MAX_FPS:g}")
    if not all(type(v) is int and 0 < v <= MAX_SIDE_PX for v in (width, height)):
        raise bad("the source's width and height must be whole numbers of pixels")
    if not isinstance(src.get("path", ""), str):
        raise bad("the source's path must be text")
    source = SourceInfo(str(src.get("path", "")), float(fps), width, height, len(frames))
    n = len(frames)
    if n == 0:
        raise bad("it has no frames")
    t_s = np.empty(n)
    image = np.full((n, NUM_LANDMARKS, 3), np.nan)
    world = np.full((n, NUM_LANDMARKS, 3), np.nan)
    visibility = np.zeros((n, NUM_LANDMARKS))
    for i, f in enumerate(frames):
        if not isinstance(f, dict) or not _is_number(f.get("t")) or not abs(f["t"]) <= MAX_T_S:
            raise bad(f"frame {i} needs a time t in seconds")
        t_s[i] = f["t"]
        if "image" not in f:
            continue  # no person in this frame
        xyz = _numbers(f["image"], 3 * NUM_LANDMARKS, MAX_ABS_IMAGE)
        metres = _numbers(f.get("world"), 3 * NUM_LANDMARKS, MAX_ABS_WORLD_M)
        seen = _numbers(f.get("visibility"), NUM_LANDMARKS, 1.0)
        if xyz is None or metres is None or seen is None or np.any(seen < 0):
            raise bad(
                f"frame {i} is malformed (image and world need 99 finite numbers each, "
                "visibility 33 from 0 to 1)"
            )
        image[i], world[i] = xyz.reshape(NUM_LANDMARKS, 3), metres.reshape(NUM_LANDMARKS, 3)
        visibility[i] = seen
    gaps = np.diff(t_s)
    if np.any(gaps <= 0):
        i = int(np.argmax(gaps <= 0))
        raise bad(f"frame times must increase (frames {i} and {i + 1}: {t_s[i]:g} s, then {t_s[i + 1]:g} s)")
    if n > 1 and (
        not MIN_MEDIAN_FRAME_GAP_S <= np.median(gaps) <= MAX_MEDIAN_FRAME_GAP_S
        or np.max(gaps) > MAX_FRAME_GAP_S
    ):
        raise bad(f"frame times are not seconds of video (median gap {np.median(gaps):g} s)")
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    return PoseTrack(source, t_s, image, world, visibility, meta)
