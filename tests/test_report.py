"""report.html drawn from a scorecard's JSON: safe to open whatever the JSON holds, and readable
from any formcheck.scorecard/1, including one from before sets were added."""

from __future__ import annotations

import base64
import json
import re

import cv2
import numpy as np
import pytest

from formcheck.errors import FormcheckError
from formcheck.report import read_scorecard, read_stills, report_html, text_table
from formcheck.stills import RecentStills, still_frames


def minimal_card(**changes) -> dict:
    """DESIGN.md's formcheck.scorecard/1 as first written: no sets, no set on the reps."""
    card = {
        "schema": "formcheck.scorecard/1",
        "exercise": "clamshell",
        "side": "right",
        "source": {"path": "clips/monday.mp4", "fps": 30.0, "frames": 484, "frames_with_pose": 484},
        "summary": {"reps": 2, "holds": 0, "mean_score": 88.0, "faults": {"pelvis_rollback": 1}},
        "reps": [
            {
                "index": 1,
                "start_s": 1.9,
                "end_s": 3.6,
                "score": 100,
                "metrics": {"range_deg": 52.0},
                "faults": [],
            },
            {
                "index": 2,
                "start_s": 4.1,
                "end_s": 5.9,
                "score": 76,
                "metrics": {"range_deg": None, "knee_flexion_deg": 47.0},
                "faults": [
                    {
                        "code": "pelvis_rollback",
                        "severity": "warning",
                        "at_s": 5.0,
                        "value": 22.0,
                        "limit": 15.0,
                        "message": "Your pelvis rolled back",
                    }
                ],
            },
        ],
        "holds": [],
        "warnings": [{"code": "camera_view", "at_s": 0.0, "message": "Can't see the knee bend"}],
    }
    card.update(changes)
    return card


def test_a_scorecard_without_sets_reads_as_one_set_with_its_unseen_range_said_so():
    card = minimal_card()
    page = report_html(card)
    assert page.count("<tr><td class=n>") == 2 and "Set 2" not in page
    assert '<span class="unseen">unseen</span>' in page.split("<tr><td class=n>2</td>")[1]
    assert "Can&#x27;t see the knee bend" in page
    assert "<b>Pelvis rollback</b> (1&times;: rep 2) - Your pelvis rolled back" in page
    table = text_table(card)
    assert table.splitlines()[0] == "clamshell - working side: right - 2 reps, 0 holds, mean score 88"
    assert "unseen" in table.splitlines()[3] and table.splitlines()[3].endswith("pelvis_rollback")


def test_whatever_the_json_holds_is_shown_as_text_never_as_markup():
    hostile = '<script>alert("x")</script>'
    card = minimal_card(source={"path": f"/tmp/{hostile}.mp4", "fps": 30, "frames": 9, "frames_with_pose": 9})
    card["reps"][1]["faults"][0]["message"] = hostile
    card["reps"][1]["faults"][0]["alike"] = [hostile]
    card["warnings"][0]["message"] = hostile
    page = report_html(card)
    assert "<script" not in page and page.count("&lt;script&gt;") >= 3


def test_an_exercise_this_version_does_not_know_is_shown_by_its_id():
    card = minimal_card(exercise="single-leg-bridge", reps=[], summary={})
    assert "<h1>single-leg-bridge</h1>" in report_html(card)
    assert "Nothing was counted" in report_html(card)


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda c: c["source"].pop("fps"), "source.fps is missing"),
        (lambda c: c["reps"][1]["faults"][0].update(at_s="soon"), "reps[1].faults[0].at_s is not a number"),
        (lambda c: c["reps"][0].update(score=True), "reps[0].score is not a number"),
        (lambda c: c.update(warnings={}), "warnings is not a list"),
        (lambda c: c.update(sets=[{"index": "one", "side": "left"}]), "sets[0].index is not an int"),
        (
            lambda c: c["reps"][1]["faults"][0].update(alike="trunk_rotation"),
            "reps[1].faults[0].alike is not a list of fault codes",
        ),
    ],
)
def test_a_damaged_scorecard_is_refused_naming_the_file_and_field(tmp_path, change, field):
    card = minimal_card()
    change(card)
    path = tmp_path / "scorecard.json"
    path.write_text(json.dumps(card))
    with pytest.raises(FormcheckError, match=f"^{re.escape(f'{path}: {field}.')}$"):
        read_scorecard(path)


def test_a_rep_top_and_a_hold_shortcut_on_the_same_frame_both_get_their_picture():
    fault = {"code": "x", "severity": "warning", "message": "m"}
    card = {
        "reps": [
            {"index": 1, "start_s": 1.0, "peak_s": 2.0, "faults": [fault | {"at_s": 1.8}]},
            {"index": 2, "start_s": 3.0, "peak_s": 3.5, "faults": []},
        ],
        "holds": [{"index": 1, "start_s": 0.5, "faults": [fault | {"start_s": 1.5, "end_s": 2.52}]}],
    }
    t_s = np.arange(0, 5, 0.1)  # 10 frames a second
    assert still_frames(card, t_s) == {20: [("rep", 1, 1), ("hold", 1, 1)]}


def test_live_keeps_a_picture_once_its_moment_is_gone_and_drops_a_discarded_sets():
    """Frames are kept every_s apart for kept_s; a picture chosen stays when its frame has left
    them, a record re-counted at another moment (its set restarted) gets that moment's, and one
    no longer faulty (or gone) has none."""
    stills = RecentStills(every_s=0.2, kept_s=1.0)

    def card(peak_s: float | None) -> dict:
        faults = [] if peak_s is None else [{"code": "x", "severity": "warning", "message": "m"}]
        return {
            "reps": [{"index": 1, "set": 2, "start_s": 0.0, "peak_s": peak_s or 0.0, "faults": faults}],
            "holds": [],
        }

    def frame(level: int) -> np.ndarray:
        return np.full((36, 64, 3), level, np.uint8)

    def level(jpeg: bytes) -> float:
        return float(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE).mean())

    for i in range(11):  # t 0.0-1.0 s, a frame every 0.1 s: those at 0.0, 0.2, ... kept
        stills.offer(i / 10, frame(10 * i))
    first = stills.pictures(card(0.5))  # 0.4 and 0.6 are kept; 0.4 is first of the nearest
    assert level(first["rep", 2, 1]) == pytest.approx(40, abs=2)
    for i in range(11, 31):
        stills.offer(i / 10, frame(10 * i % 250))
    assert stills.pictures(card(0.5)) == first  # its frame has gone; the picture stays
    assert level(stills.pictures(card(2.8))["rep", 2, 1]) == pytest.approx(280 % 250, abs=2)
    assert stills.pictures(card(None)) == {}
    assert stills.pictures(card(0.5)) == {}  # the frame is gone, and so is the picture


def test_a_pages_pictures_read_back_are_its_own_and_a_damaged_one_is_left_out(tmp_path):
    card = minimal_card()
    card["reps"][0]["faults"] = card["reps"][1]["faults"]
    stills = {("rep", 1, 1): b"\xff\xd8first", ("rep", 1, 2): b"\xff\xd8second", ("rep", 1, 9): b"none"}
    page = tmp_path / "report.html"
    page.write_text(report_html(card, stills))
    assert read_stills(page) == {k: v for k, v in stills.items() if k != ("rep", 1, 9)}  # no rep 9
    page.write_text(page.read_text().replace(base64.b64encode(b"\xff\xd8first").decode(), "not base64!"))
    assert read_stills(page) == {("rep", 1, 2): b"\xff\xd8second"}
    assert read_stills(tmp_path / "missing.html") == {}


def _chart(page: str, n: int) -> str:
    """The n-th chart's SVG in a page."""
    return page.split('<figure class="chart">')[n + 1].split("</svg>")[0]


def test_a_set_of_reps_is_charted_as_its_range_fades_against_the_smallest_good_range():
    """Each rep the camera saw is a dot at its range in its score's colour, left to right; one it
    could not see has none; fewer than four reps are read from the table alone."""
    fault = {"code": "small_range", "severity": "warning", "at_s": 1.0, "message": "m"}
    ranges, scores = [41.0, 37.0, None, 30.0, 18.0], [100, 100, 100, 92, 84]
    reps = [
        {
            "index": i + 1,
            "start_s": i,
            "end_s": i + 0.9,
            "score": s,
            "metrics": {"range_deg": r},
            "faults": [],
        }
        for i, (r, s) in enumerate(zip(ranges, scores, strict=True))
    ]
    reps[-1]["faults"] = [fault]
    page = report_html(minimal_card(reps=reps))
    assert page.count('<figure class="chart">') == 1
    svg = _chart(page, 0)
    dots = re.findall(r'<use xlink:href="#C[^"]*" x="([\d.]+)" y="([\d.]+)" style="fill: (#\w+)', svg)
    assert [c for _, _, c in dots] == ["#0a6b2d", "#0a6b2d", "#0a6b2d", "#8a5a00"]
    x, y = np.array([float(d[0]) for d in dots]), np.array([float(d[1]) for d in dots])
    assert np.all(np.diff(x) > 0) and np.all(np.diff(y) > 0)  # later reps right, smaller ranges lower
    assert np.diff(y)[1] / np.diff(y)[0] == pytest.approx((37 - 30) / (41 - 37), rel=0.01)  # to scale
    assert "smallest good range 20°" in svg  # clamshell.toml's small_range
    assert report_html(minimal_card(reps=reps[:4])).count("<svg") == 0  # 3 seen


def test_a_set_of_holds_is_charted_as_bars_of_their_length_and_good_form_and_remade_the_same():
    fault = {"code": "hip_sag", "severity": "warning", "start_s": 40.0, "end_s": 48.0, "message": "m"}
    holds = [
        {
            "index": 1,
            "start_s": 2.0,
            "end_s": 32.0,
            "duration_s": 30.0,
            "good_form_s": 30.0,
            "score": 100,
            "faults": [],
        },
        {
            "index": 2,
            "start_s": 36,
            "end_s": 56,
            "duration_s": 20.0,
            "good_form_s": 12.0,
            "score": 60,
            "faults": [fault],
        },
    ]
    card = minimal_card(exercise="side-plank", reps=[], holds=holds)
    card["sets"] = [{"index": 1, "side": "right"}]
    page = report_html(card)
    svg = _chart(page, 0)

    def heights(fill: str) -> list[float]:
        bars = re.findall(
            r'<path d="M [\d.]+ ([\d.]+) \s*L [\d.]+ [\d.]+ \s*L [\d.]+ ([\d.]+) [^"]*" [^>]*fill: ' + fill,
            svg,
        )
        return [float(bottom) - float(top) for bottom, top in bars][:2]  # the legend's swatches follow

    held, good = heights("#dfe3e6"), heights("#0a6b2d")
    assert held[1] / held[0] == pytest.approx(20 / 30, rel=0.01)
    assert good[0] == pytest.approx(held[0]) and good[1] / held[0] == pytest.approx(12 / 30, rel=0.01)
    assert report_html(json.loads(json.dumps(card))) == page  # a scorecard read back remakes the same page


def test_charts_of_several_sets_share_a_page_without_sharing_an_id():
    reps = [
        {
            "index": i,
            "set": s,
            "start_s": i,
            "end_s": i + 0.9,
            "score": 100,
            "metrics": {"range_deg": 40.0},
            "faults": [],
        }
        for s in (1, 2)
        for i in range(1, 5)
    ]
    card = minimal_card(reps=reps, sets=[{"index": 1, "side": "right"}, {"index": 2, "side": "left"}])
    page = report_html(card)
    assert page.count('<figure class="chart">') == 2
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and re.findall(r'href="#([^"]+)"', _chart(page, 1))[0] in ids
