"""Hostile landmark tracks: each gives a one-line error (FormcheckError) or the right result,
never a traceback and never a silently wrong answer. A seeded fuzz of a real track, and the cases
seen in the field."""

from __future__ import annotations

import copy
import gzip
import json
import math
import random

import pytest
from conftest import fixture_track

from formcheck.errors import FormcheckError
from formcheck.exercises import load_exercise
from formcheck.pipeline import analyze_track
from formcheck.pose import load_track
from formcheck.pose.track_io import track_from_dict, track_to_dict
from formcheck.scorecard import scorecard_from_analysis

CLAM = load_exercise("clamshell")


@pytest.fixture(scope="module")
def real_track_data() -> dict:
    """The first 4 s of the real clamshell track (one rep), as JSON data."""
    data = track_to_dict(load_track(fixture_track("clamshell_front.mp4")))
    data["frames"] = data["frames"][:120]
    return json.loads(json.dumps(data))


@pytest.fixture
def original(real_track_data) -> dict:
    return copy.deepcopy(real_track_data)


def outcome(data: object) -> dict | FormcheckError:
    """What a user gets: the scorecard's summary, or the one-line error. Anything else raises."""
    try:
        track = track_from_dict(data, "fuzzed.json")
    except FormcheckError as exc:
        return exc
    card = scorecard_from_analysis(analyze_track(track, CLAM))
    card.to_json()  # strict JSON: raises on NaN or infinity
    return card.to_dict()["summary"]


# -- the mutations -------------------------------------------------------------------------------

BAD_TYPES = ["x", None, [], {}, True, "1.5"]
NON_FINITE = [math.nan, math.inf, -math.inf]
HUGE = [1e12, -1e12, 1e300, 10**40]


def frame_with_pose(data: dict, rng: random.Random) -> dict:
    return rng.choice([f for f in data["frames"] if "image" in f])


def number_slot(data: dict, rng: random.Random) -> tuple[object, object]:
    """A container and key holding a number that must be finite and plausible."""
    f = frame_with_pose(data, rng)
    return rng.choice(
        [
            (data["source"], "fps"),
            (data["source"], "width"),
            (data["source"], "height"),
            (f, "t"),
            (f["image"], rng.randrange(99)),
            (f["world"], rng.randrange(99)),
            (f["visibility"], rng.randrange(33)),
        ]
    )


def mutate(data: dict, rng: random.Random) -> tuple[str, str]:
    """Change ``data`` in place; returns (what was done, the expected outcome: error/same/any)."""
    kind = rng.choice(["remove", "retype", "non_finite", "huge", "reorder", "repeat", "scale", "benign"])
    if kind == "remove":
        f = frame_with_pose(data, rng)
        container, key = rng.choice(
            [(data, "schema"), (data, "source"), (data, "frames"), (data["source"], "fps"),
             (data["source"], "width"), (data["source"], "height"), (f, "t"), (f, "world"), (f, "visibility")]
        )  # fmt: skip
        del container[key]
        return f"removed {key}", "error"
    if kind == "retype":
        container, key = number_slot(data, rng)
        if rng.random() < 0.3:
            container, key = rng.choice(
                [(data, "source"), (data, "frames"), (frame_with_pose(data, rng), "image")]
            )
        container[key] = rng.choice(BAD_TYPES)
        return f"{key} became {container[key]!r}", "error"
    if kind == "non_finite":
        container, key = number_slot(data, rng)
        container[key] = rng.choice(NON_FINITE)
        return f"{key} became {container[key]}", "error"
    if kind == "huge":
        container, key = number_slot(data, rng)
        container[key] = rng.choice(HUGE)
        return f"{key} became {container[key]:g}", "error"
    frames = data["frames"]
    if kind == "reorder":
        i, j = sorted(rng.sample(range(len(frames)), 2))
        frames[i]["t"], frames[j]["t"] = frames[j]["t"], frames[i]["t"]
        return f"times of frames {i} and {j} swapped", "error"
    if kind == "repeat":
        i = rng.randrange(len(frames) - 1)
        frames[i + 1]["t"] = frames[i]["t"]
        return f"frame {i + 1} repeats frame {i}'s time", "error"
    if kind == "scale":
        factor = rng.choice([1e12, 1e6, 1e-6, 1e-9])
        for f in frames:
            f["t"] *= factor
        return f"times scaled by {factor:g}", "error"
    change = rng.choice(["path", "meta", "extra"])
    if change == "path":
        data["source"]["path"] = rng.choice(["", "somewhere/else.mp4", "ünïcode.mov"])
    elif change == "meta":
        data.pop("meta", None)
    else:
        data["extra"] = {"note": [1, 2, {"x": None}]}
    return f"benign change of {change}", "same"


def test_300_mutations_of_a_real_track(original):
    expected = outcome(original)
    assert isinstance(expected, dict) and expected["reps"] == 1
    rng = random.Random(20261125)
    seen = {"error": 0, "same": 0}
    for n in range(320):
        data = copy.deepcopy(original)
        what, expect = mutate(data, rng)
        got = outcome(data)  # any exception other than FormcheckError fails the test here
        if expect == "error":
            assert isinstance(got, FormcheckError), f"mutation {n} ({what}) was accepted: {got}"
            assert "\n" not in str(got)
        else:
            assert got == expected, f"mutation {n} ({what}) changed the result: {got}"
        seen[expect] += 1
    assert seen["error"] > 200 and seen["same"] > 20


# -- the cases seen in the field -----------------------------------------------------------------


def test_equal_times_are_refused(original):
    original["frames"][11]["t"] = original["frames"][10]["t"]
    assert "frame times must increase" in str(outcome(original))


def test_nan_times_are_refused(original):
    original["frames"][5]["t"] = math.nan
    assert "needs a time" in str(outcome(original))


def test_a_non_finite_coordinate_is_refused(original):
    frame_with_pose(original, random.Random(1))["image"][30] = math.inf
    assert "frame" in str(outcome(original)) and "malformed" in str(outcome(original))


def test_times_in_the_wrong_unit_are_refused(original):
    for f in original["frames"]:
        f["t"] *= 1e12
    assert isinstance(outcome(original), FormcheckError)


def test_deeply_nested_json_is_one_line(tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(FormcheckError, match="not a readable track file"):
        load_track(path)
    gz = tmp_path / "nested.json.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    with pytest.raises(FormcheckError, match="not a readable track file"):
        load_track(gz)
