"""The scorecard as people read it: the terminal table and ``report.html``, one page to share.

Both are drawn from the scorecard's JSON form (DESIGN.md's ``formcheck.scorecard/1``), so a
scorecard read back from disk (``formcheck report``) reads exactly as it did when it was written,
and a physical therapist sent only ``scorecard.json`` sees what the runner saw.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import json
import math
import re
from html import escape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import NamedTuple

from formcheck.atomic import atomic_path, write_synced
from formcheck.errors import FormcheckError
from formcheck.exercises import load_exercise
from formcheck.livestats import EndReason
from formcheck.stills import Stills

SCHEMA = "formcheck.scorecard/1"
# How a measure the camera could not see is shown in the table, the CSV and the report (null in the JSON).
UNSEEN = "unseen"
# Scores at or above these are coloured good and fair in report.html (judgment: a warning costs a
# rep 8-16 points, an error 20-40; a hold scores the share of it held in good form).
GOOD_SCORE, FAIR_SCORE = 90, 75
# A set is charted from this many reps (whose range was seen) or holds: a trend needs a few points,
# and fewer read at a glance from the table (judgment).
MIN_REPS_CHARTED, MIN_HOLDS_CHARTED = 4, 2

# -- reading a scorecard back ------------------------------------------------------------------------

_NUMBER = "number"
_FAULT = {"code": str, "severity": str, "message": str}
_REP = {
    "index": int,
    "start_s": _NUMBER,
    "end_s": _NUMBER,
    "score": _NUMBER,
    "metrics": dict,
    "faults": [_FAULT | {"at_s": _NUMBER}],
}
_HOLD = {
    "index": int,
    "start_s": _NUMBER,
    "end_s": _NUMBER,
    "duration_s": _NUMBER,
    "good_form_s": _NUMBER,
    "score": _NUMBER,
    "faults": [_FAULT | {"start_s": _NUMBER, "end_s": _NUMBER}],
}
_SCORECARD = {
    "schema": str,
    "exercise": str,
    "side": str,
    "source": {"path": str, "fps": _NUMBER, "frames": int, "frames_with_pose": int},
    "reps": [_REP],
    "holds": [_HOLD],
    "warnings": [{"code": str, "at_s": _NUMBER, "message": str}],
}


def _check(value, spec, where: str) -> None:
    """Raise naming the first field of ``value`` that does not have the shape ``spec`` gives."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise ValueError(f"{where or 'the file'} is not an object")
        for key, sub in spec.items():
            if key not in value:
                raise ValueError(f"{where + '.' if where else ''}{key} is missing")
            _check(value[key], sub, f"{where + '.' if where else ''}{key}")
    elif isinstance(spec, list):
        if not isinstance(value, list):
            raise ValueError(f"{where} is not a list")
        for i, item in enumerate(value):
            _check(item, spec[0], f"{where}[{i}]")
    elif spec == _NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{where} is not a number")
    elif isinstance(value, bool) or not isinstance(value, spec):
        raise ValueError(f"{where} is not {'a string' if spec is str else 'an ' + spec.__name__}")


def _check_alike(card: dict) -> None:
    """A fault's optional "alike": the codes of the shortcuts it may be instead."""
    for kind in ("reps", "holds"):
        for i, x in enumerate(card[kind]):
            for j, f in enumerate(x["faults"]):
                alike = f.get("alike", [])
                if not isinstance(alike, list) or not all(isinstance(c, str) for c in alike):
                    raise ValueError(f"{kind}[{i}].faults[{j}].alike is not a list of fault codes")


def read_scorecard(path: Path) -> dict:
    """A scorecard.json (or a result folder's) read back and checked, with a one-line error naming the
    file and field."""
    path = Path(path)
    if path.is_dir():
        if not (path / "scorecard.json").is_file():
            raise FormcheckError(f"{path} holds no scorecard.json, nor do the folders in it.")
        path = path / "scorecard.json"
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormcheckError(f"No such file: {path}") from None
    except OSError as exc:
        raise FormcheckError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormcheckError(f"{path} is not a formcheck scorecard: not JSON ({exc}).") from None
    schema = card.get("schema") if isinstance(card, dict) else None
    if schema != SCHEMA:
        raise FormcheckError(f"{path} is not a formcheck scorecard (schema {schema!r}; expected {SCHEMA!r}).")
    try:
        _check(card, _SCORECARD, "")
        _check_alike(card)
        for i, s in enumerate(card.get("sets") or []):
            _check(s, {"index": int, "side": str}, f"sets[{i}]")
    except ValueError as exc:
        raise FormcheckError(f"{path}: {exc}.") from None
    return card


def batch_scorecards(folder: Path) -> list[Path]:
    """The scorecards of a batch's results (``analyze FOLDER``: one folder per video), when
    ``folder`` is a batch's folder rather than one result's; else none."""
    folder = Path(folder)
    if not folder.is_dir() or (folder / "scorecard.json").is_file():
        return []
    return sorted(folder.glob("*/scorecard.json"))


# -- what both views share ----------------------------------------------------------------------------


def _sets(card: dict) -> list[tuple[dict, list[dict], list[dict]]]:
    """Each set with its reps and holds (a scorecard without ``sets`` is one set)."""
    sets = card.get("sets") or [{"index": 1, "side": card["side"]}]
    return [
        (
            s,
            [r for r in card["reps"] if r.get("set", 1) == s["index"]],
            [h for h in card["holds"] if h.get("set", 1) == s["index"]],
        )
        for s in sets
    ]


def _mean_score(reps: list[dict], holds: list[dict]) -> float | None:
    scores = [x["score"] for x in reps + holds]
    return round(sum(scores) / len(scores), 1) if scores else None


class _Facts(NamedTuple):
    """What the report shows of the exercise: its name, its extra rep column (metric, heading)
    and the smallest good range (small_range's min), where this version knows the exercise."""

    name: str
    column: tuple[str, str] | None = None
    min_range_deg: float | None = None


@functools.cache
def _exercise_facts(exercise_id: str) -> _Facts:
    """Read once (a live session writes its report after every rep); an exercise this version
    lacks is shown by its id."""
    try:
        exercise = load_exercise(exercise_id)
    except FormcheckError:
        return _Facts(exercise_id)
    ranges = [r.min for r in exercise.rules if r.metric == "range_deg" and r.min is not None]
    return _Facts(exercise.name, exercise.report_column, ranges[0] if ranges else None)


def degrees_text(value: float | None) -> str:
    return UNSEEN if value is None else f"{value:5.0f}°"


# -- the terminal table -------------------------------------------------------------------------------


def text_table(card: dict) -> str:
    """The readable summary printed at the end of a run."""
    column = _exercise_facts(card["exercise"]).column
    mean = _mean_score(card["reps"], card["holds"])
    lines = [
        f"{card['exercise']} - working side: {card['side']} - {len(card['reps'])} reps, "
        f"{len(card['holds'])} holds" + (f", mean score {mean:g}" if mean is not None else "")
    ]
    sets = _sets(card)
    for s, reps, holds in sets:
        if len(sets) > 1:
            set_mean = _mean_score(reps, holds)
            score = f", mean score {set_mean:g}" if set_mean is not None else ""
            lines.append(f"set {s['index']} ({s['side']} side): {len(reps)} reps, {len(holds)} holds{score}")
        lines.extend(_set_lines(reps, holds, column))
    goal = _goal_text(card)
    if goal:
        lines.append(goal)
    for w in card["warnings"]:
        lines.append(f"! {w['at_s']:5.1f}s {w['code']}: {w['message']}")
    return "\n".join(lines)


def _fault_label(fault: dict) -> str:
    """A fault's code, and those of the shortcuts the camera could not tell it from."""
    return fault["code"] + "".join(f" or {c}" for c in fault.get("alike", []))


def _set_lines(reps: list[dict], holds: list[dict], column: tuple[str, str] | None) -> list[str]:
    """A set's reps and holds as text; ``column`` is the exercise's extra rep column."""
    lines = []
    if reps:
        metric, heading = column or ("", "")
        width = max(len(heading), 6)
        lines.append(f"{'rep':>3}  {'time':>12}  {'range':>6}  {heading:>{width}}  {'score':>5}  shortcuts")
        for r in reps:
            shown = degrees_text(r["metrics"].get(metric)) if metric else ""
            lines.append(
                f"{r['index']:>3}  {r['start_s']:5.1f}-{r['end_s']:5.1f}s  "
                f"{degrees_text(r['metrics'].get('range_deg')):>6}  "
                f"{shown:>{width}}  {r['score']:>5}  "
                f"{', '.join(_fault_label(f) for f in r['faults']) or 'none'}"
            )
    if holds:
        lines.append(f"{'hold':>4}  {'time':>12}  {'length':>7}  {'good form':>9}  {'score':>5}  shortcuts")
        for h in holds:
            codes = ", ".join(sorted({_fault_label(f) for f in h["faults"]})) or "none"
            lines.append(
                f"{h['index']:>4}  {h['start_s']:5.1f}-{h['end_s']:5.1f}s  {h['duration_s']:6.1f}s  "
                f"{h['good_form_s']:8.1f}s  {h['score']:>5}  {codes}"
            )
    return lines


# -- report.html --------------------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2327;max-width:62rem;
margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0}h2{font-size:1.15rem;margin:1.8rem 0 .5rem}
.sub{color:#555;margin:.2rem 0 1rem}
.tiles{display:flex;gap:.8rem;flex-wrap:wrap}
.tile{border:1px solid #ddd;border-radius:8px;padding:.5rem .9rem}
.tile b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;margin:.3rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e3e3e3;vertical-align:top}
th{font-weight:600;background:#f6f7f7}td.n{text-align:right;white-space:nowrap}
.good{color:#0a6b2d}.fair{color:#8a5a00}.poor{color:#a1161b}.score{font-weight:700}
.fault{margin:0 0 .25rem}.fault b{color:#a1161b}.unseen{color:#777;font-style:italic}
.chart{margin:.6rem 0 .2rem}.chart svg{display:block;width:100%;max-width:46rem;height:auto}
.chart figcaption{color:#555;font-size:.85rem}
.still{display:block;width:360px;max-width:100%;margin:.3rem 0;border-radius:4px}
ul{padding-left:1.2rem}li{margin:.2rem 0}footer{color:#777;font-size:.85rem;margin-top:2rem}
@media print{body{margin:0;max-width:none}}
"""


# The colours of report.html's good, fair and poor scores (_STYLE), for its charts.
_SCORE_COLOURS = {"good": "#0a6b2d", "fair": "#8a5a00", "poor": "#a1161b", "": "#777777"}


def _score_class(score: float | None) -> str:
    if score is None:
        return ""
    return "good" if score >= GOOD_SCORE else "fair" if score >= FAIR_SCORE else "poor"


def _fault_name(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _alike_text(codes: list[str]) -> str:
    """Why a fault names others (its "alike"), in words."""
    if not codes:
        return ""
    names = " or ".join(_fault_name(c).lower() for c in codes)
    return f" It may be {names} instead: this camera could not check that, and it reads the same."


def _cell_degrees(value: float | None) -> str:
    return f'<span class="unseen">{UNSEEN}</span>' if value is None else f"{value:.0f}°"


def _faults_html(faults: list[dict], in_hold: bool) -> str:
    if not faults:
        return '<span class="good">none</span>'
    items = []
    for f in faults:
        when = f"{f['start_s']:.1f}-{f['end_s']:.1f} s" if in_hold else f"at {f['at_s']:.1f} s"
        items.append(
            f'<p class="fault"><b>{escape(_fault_name(f["code"]))}</b> ({when}): '
            f"{escape(f['message'] + _alike_text(f.get('alike', [])))}</p>"
        )
    return "".join(items)


def _work_on(card: dict) -> str:
    """Each shortcut seen, most frequent first, with its advice and where it happened."""
    seen: dict[str, dict] = {}
    for kind, records in (("rep", card["reps"]), ("hold", card["holds"])):
        for x in records:
            for f in x["faults"]:
                entry = seen.setdefault(f["code"], {"message": f["message"], "where": [], "alike": []})
                entry["alike"] += [c for c in f.get("alike", []) if c not in entry["alike"]]
                where = f"{kind} {x['index']}"
                if where not in entry["where"]:
                    entry["where"].append(where)
    if not seen:
        counted = card["reps"] or card["holds"]
        return (
            "<p>No shortcut seen in the checks this camera could make.</p>"
            if counted
            else "<p>Nothing was counted: no rep or hold was seen.</p>"
        )
    rows = sorted(seen.items(), key=lambda kv: -len(kv[1]["where"]))
    items = "".join(
        f"<li><b>{escape(_fault_name(code))}</b> ({len(e['where'])}&times;: {escape(', '.join(e['where']))})"
        f" - {escape(e['message'] + _alike_text(e['alike']))}</li>"
        for code, e in rows
    )
    return f"<ul>{items}</ul>"


def _notes(card: dict) -> str:
    camera = [w for w in card["warnings"] if w["code"] == "camera_view"]
    other = [w for w in card["warnings"] if w["code"] != "camera_view"]
    parts = []
    for title, warnings in (("The camera", camera), ("Notes", other)):
        if warnings:
            items = "".join(f"<li>{w['at_s']:.1f} s: {escape(w['message'])}</li>" for w in warnings)
            parts.append(f"<h2>{title}</h2><ul>{items}</ul>")
    return "".join(parts)


def _still(stills: Stills, kind: str, set_index: int, record: dict) -> str:
    jpeg = stills.get((kind, set_index, record["index"]))
    if not jpeg:
        return ""
    name, alt = f"still-{kind}-{set_index}-{record['index']}", f"{kind} {record['index']} at its shortcut"
    data = base64.b64encode(jpeg).decode()
    return f'<img class="still" id="{name}" alt="{alt}" src="data:image/jpeg;base64,{data}">'


_STILL_IMG = re.compile(
    r'<img class="still" id="still-(rep|hold)-(\d+)-(\d+)" alt="[^"]*" src="data:image/jpeg;base64,([^"]+)">'
)


def read_stills(path: Path) -> Stills:
    """The pictures of a report.html formcheck wrote (none if there is no such page): remaking a
    page from its scorecard keeps the pictures taken from the video or the live window."""
    try:
        page = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    stills: Stills = {}
    for kind, set_index, index, data in _STILL_IMG.findall(page):
        with contextlib.suppress(binascii.Error):  # a page edited by hand keeps the pictures it can
            stills[kind, int(set_index), int(index)] = base64.b64decode(data, validate=True)
    return stills


def _set_html(
    s: dict, reps: list[dict], holds: list[dict], facts: _Facts, several: bool, stills: Stills
) -> str:
    parts = []
    if several:
        parts.append(f"<h2>Set {s['index']} - {escape(s['side'])} side</h2>")
    views = [v for v in s.get("views") or [] if isinstance(v, dict) and isinstance(v.get("view"), str)]
    if views:
        said = "; ".join(
            escape(v["view"])
            + (f" ({v['start_s']:.0f}-{v['end_s']:.0f} s)" if len(views) > 1 and "start_s" in v else "")
            for v in views
        )
        parts.append(f"<p class=sub>Camera: {said}.</p>")
    parts.extend(_charts(s["index"], reps, holds, facts.min_range_deg))
    if reps:
        metric, heading = facts.column or ("", "")
        extra = f"<th>{escape(heading.capitalize())}</th>" if metric else ""
        rows = "".join(
            f"<tr><td class=n>{r['index']}</td><td class=n>{r['start_s']:.1f}-{r['end_s']:.1f} s</td>"
            f"<td class=n>{_cell_degrees(r['metrics'].get('range_deg'))}</td>"
            + (f"<td class=n>{_cell_degrees(r['metrics'].get(metric))}</td>" if metric else "")
            + f'<td class="n score {_score_class(r["score"])}">{r["score"]}</td>'
            f"<td>{_faults_html(r['faults'], False)}{_still(stills, 'rep', s['index'], r)}</td></tr>"
            for r in reps
        )
        parts.append(
            f"<table><tr><th>Rep</th><th>Time</th><th>Range</th>{extra}<th>Score</th><th>Shortcuts</th></tr>"
            f"{rows}</table>"
        )
    if holds:
        rows = "".join(
            f"<tr><td class=n>{h['index']}</td><td class=n>{h['start_s']:.1f}-{h['end_s']:.1f} s</td>"
            f"<td class=n>{h['duration_s']:.1f} s</td><td class=n>{h['good_form_s']:.1f} s</td>"
            f'<td class="n score {_score_class(h["score"])}">{h["score"]}</td>'
            f"<td>{_faults_html(h['faults'], True)}{_still(stills, 'hold', s['index'], h)}</td></tr>"
            for h in holds
        )
        parts.append(
            "<table><tr><th>Hold</th><th>Time</th><th>Length</th><th>Good form</th><th>Score</th>"
            f"<th>Shortcuts</th></tr>{rows}</table>"
        )
    if not reps and not holds:
        parts.append("<p>No rep or hold counted in this set.</p>")
    return "".join(parts)


def _charts(set_index: int, reps: list[dict], holds: list[dict], min_range_deg: float | None) -> list[str]:
    """The set's charts: its reps' range, its holds' length, where there are enough to show a trend
    (of reps whose range the camera saw)."""
    from formcheck.charts import RepPoint, holds_chart_svg, range_chart_svg

    charts = []
    if sum(r["metrics"].get("range_deg") is not None for r in reps) >= MIN_REPS_CHARTED:
        points = [
            RepPoint(r["index"], r["metrics"].get("range_deg"), _SCORE_COLOURS[_score_class(r["score"])])
            for r in reps
        ]
        svg = range_chart_svg(points, min_range_deg, f"range-{set_index}")
        charts.append(_figure(svg, "Each rep's range, its dot coloured by its score as in the table."))
    if len(holds) >= MIN_HOLDS_CHARTED:
        svg = holds_chart_svg(
            [h["index"] for h in holds],
            [h["duration_s"] for h in holds],
            [h["good_form_s"] for h in holds],
            f"holds-{set_index}",
        )
        charts.append(_figure(svg, "Each hold's length, and the part of it held in good form."))
    return charts


def _figure(svg: str, caption: str) -> str:
    return f'<figure class="chart">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def _live_line(live: dict) -> str:
    ended = live.get("ended_by")
    if ended in {e.value for e in EndReason}:
        ended = EndReason(ended).words
    bits = [f"ended: {escape(str(ended))}" if ended else "under way"]
    if isinstance(live.get("duration_s"), (int, float)):
        bits.append(f"{live['duration_s']:.0f} s long")
    if isinstance(live.get("frames_dropped"), int) and isinstance(live.get("frames_captured"), int):
        bits.append(f"{live['frames_dropped']} of {live['frames_captured']} camera frames dropped")
    return f"<p class=sub>Live session: {', '.join(bits)}.</p>"


def _goal_text(card: dict) -> str | None:
    """How the sets met the programme's goal (analyze's ``goal``, a live session's ``live.goal``),
    in words; None without one."""
    live = card.get("live")
    goal = card.get("goal") or (live.get("goal") if isinstance(live, dict) else None)
    if not isinstance(goal, dict):
        return None
    said = []
    reps, hold_s = goal.get("reps"), goal.get("hold_s")
    sets = _sets(card)
    if isinstance(reps, int) and not isinstance(reps, bool):
        counts = [len(set_reps) for _, set_reps, _ in sets if set_reps]
        met = sum(n >= reps for n in counts)
        done = f" ({', '.join(map(str, counts))} done)" if counts else ""
        said.append(f"{reps} reps a set, reached in {met} of {len(counts)} sets{done}")
    if isinstance(hold_s, (int, float)) and not isinstance(hold_s, bool):
        lengths = [h["duration_s"] for _, _, holds in sets for h in holds]
        met = sum(length >= hold_s for length in lengths)
        said.append(f"{hold_s:g} s holds, reached by {met} of {len(lengths)} holds")
    return "Goal: " + "; ".join(said) + "." if said else None


def _counted(n: int, noun: str) -> tuple[str, str]:
    return str(n), noun if n == 1 else f"{noun}s"


def _formcheck_version() -> str:
    try:
        return version("formcheck")
    except PackageNotFoundError:
        return "(unknown version)"


def write_report(path: Path, card: dict, stills: Stills | None = None) -> Path:
    """report.html, atomically."""
    with atomic_path(path) as tmp:
        write_synced(tmp, report_html(card, stills).encode("utf-8"))
    return path


def report_html(card: dict, stills: Stills | None = None) -> str:
    """A self-contained page (no scripts, nothing fetched) that prints and mails as it shows;
    ``stills``: a JPEG of each faulty rep and hold, as annotated.mp4 drew it or the live window
    showed it."""
    facts = _exercise_facts(card["exercise"])
    source = card["source"]
    video = Path(source["path"]).name or source["path"]
    mean = _mean_score(card["reps"], card["holds"])
    faults = sum(len(x["faults"]) for x in card["reps"] + card["holds"])
    tiles = [_counted(len(card["reps"]), "rep")] if card["reps"] or not card["holds"] else []
    tiles += [_counted(len(card["holds"]), "hold")] if card["holds"] else []
    shown_mean = f'<span class="{_score_class(mean)}">{mean:g}</span>' if mean is not None else "-"
    tiles += [(shown_mean, "mean score"), _counted(faults, "shortcut")]
    sets = _sets(card)
    body = [
        f"<h1>{escape(facts.name)}</h1>",
        f"<p class=sub>{escape(video)} - working side: {escape(card['side'])}</p>",
        '<div class="tiles">'
        + "".join(f'<div class="tile"><b>{value}</b>{label}</div>' for value, label in tiles)
        + "</div>",
    ]
    if isinstance(card.get("live"), dict):
        body.append(_live_line(card["live"]))
    goal = _goal_text(card)
    if goal:
        body.append(f"<p class=sub>{escape(goal)}</p>")
    body.append(f"<h2>What to work on</h2>{_work_on(card)}")
    body.append(_notes(card))
    if len(sets) == 1:
        body.append("<h2>Reps and holds</h2>")
    body.extend(_set_html(s, reps, holds, facts, len(sets) > 1, stills or {}) for s, reps, holds in sets)
    pose = f"{source['frames_with_pose']} of {source['frames']} frames with a person found"
    body.append(
        f"<footer>formcheck {escape(_formcheck_version())} - {escape(source['path'])} - "
        f"{source['fps']:g} frames a second, {pose}. A rep scores 100 less 8 for each warning and 20 for "
        "each error, up to twice that the further past its limit; a hold scores the share of it held in good "
        f"form. A measure the camera could not see is shown as <i>{UNSEEN}</i>.</footer>"
    )
    return html_page(f"formcheck - {facts.name} - {video}", body)


def html_page(title: str, body: list[str]) -> str:
    """A page of formcheck's: its style inline, nothing fetched."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
