"""The Scorecard (DESIGN.md's ``formcheck.scorecard/1``) and its writers: JSON, CSV, and (from the
JSON form, in report.py) the terminal table and report.html."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from formcheck.atomic import atomic_path, write_synced
from formcheck.engine import Fault, HoldRecord, RepRecord, Warning
from formcheck.engine.views import ViewWindow
from formcheck.pose import SourceInfo
from formcheck.report import SCHEMA, UNSEEN, report_html, text_table
from formcheck.stills import Stills


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _fault_dict(f: Fault, in_hold: bool) -> dict:
    d = {"code": f.code, "severity": f.severity.value}
    if in_hold:
        d.update(start_s=round(f.start_s, 2), end_s=round(f.end_s, 2))
    else:
        d["at_s"] = round(f.at_s, 2)
    d.update(value=f.value, limit=f.limit, message=f.message)
    if f.alike:
        d["alike"] = list(f.alike)
    return d


@dataclass
class ExerciseSet:
    """The reps or holds done on one side in one go. A recording is one set; a live session adds a
    set each time the person switches sides."""

    index: int
    side: str
    reps: list[RepRecord] = field(default_factory=list)
    holds: list[HoldRecord] = field(default_factory=list)
    start_s: float | None = None
    end_s: float | None = None
    views: list[ViewWindow] = field(default_factory=list)  # the camera's view, window by window

    @property
    def mean_score(self) -> float | None:
        return _mean_score(self.reps, self.holds)


def _mean_score(reps: list[RepRecord], holds: list[HoldRecord]) -> float | None:
    scores = [r.score for r in reps] + [h.score for h in holds]
    return round(sum(scores) / len(scores), 1) if scores else None


@dataclass
class Scorecard:
    exercise: str
    side: str  # the first set's working side
    source: SourceInfo
    frames_with_pose: int
    sets: list[ExerciseSet] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    live: dict | None = None  # a live session's own figures (frames dropped, latency, how it ended, goal)
    goal: dict | None = None  # analyze's: the programme's reps a set and seconds a hold (--reps, --hold)

    @property
    def reps(self) -> list[RepRecord]:
        return [r for s in self.sets for r in s.reps]

    @property
    def holds(self) -> list[HoldRecord]:
        return [h for s in self.sets for h in s.holds]

    @property
    def fault_counts(self) -> dict[str, int]:
        faults = [f.code for r in self.reps for f in r.faults] + [
            f.code for h in self.holds for f in h.faults
        ]
        return dict(Counter(faults))

    @property
    def mean_score(self) -> float | None:
        return _mean_score(self.reps, self.holds)

    def to_dict(self) -> dict:
        s = self.source
        card = {
            "schema": SCHEMA,
            "exercise": self.exercise,
            "side": self.side,
            "source": {
                "path": s.path,
                "fps": round(s.fps, 3),
                "frames": s.frames,
                "frames_with_pose": self.frames_with_pose,
            },
            "summary": {
                "reps": len(self.reps),
                "holds": len(self.holds),
                "mean_score": self.mean_score,
                "faults": self.fault_counts,
            },
            "reps": [
                {
                    "index": r.index,
                    "start_s": r.start_s,
                    "peak_s": r.peak_s,
                    "end_s": r.end_s,
                    "score": r.score,
                    "metrics": r.metrics,
                    "faults": [_fault_dict(f, False) for f in r.faults],
                    "set": x.index,
                }
                for x in self.sets
                for r in x.reps
            ],
            "holds": [
                {
                    "index": h.index,
                    "start_s": h.start_s,
                    "end_s": h.end_s,
                    "duration_s": h.duration_s,
                    "good_form_s": h.good_form_s,
                    "score": h.score,
                    "faults": [_fault_dict(f, True) for f in h.faults],
                    "set": x.index,
                }
                for x in self.sets
                for h in x.holds
            ],
            "warnings": [asdict(w) | {"at_s": round(w.at_s, 2)} for w in self.warnings],
            "sets": [
                {
                    "index": x.index,
                    "side": x.side,
                    "start_s": None if x.start_s is None else round(x.start_s, 2),
                    "end_s": None if x.end_s is None else round(x.end_s, 2),
                    "reps": len(x.reps),
                    "holds": len(x.holds),
                    "mean_score": x.mean_score,
                    "views": [v.to_dict() for v in x.views],
                }
                for x in self.sets
            ],
        }
        if self.goal is not None:
            card["goal"] = self.goal
        if self.live is not None:
            card["live"] = self.live
        return card

    def to_json(self) -> str:
        """Strict JSON: a value that could not be measured (NaN, infinite) is null."""
        return json.dumps(_finite(self.to_dict()), indent=2, allow_nan=False) + "\n"

    def to_csv(self) -> str:
        """One row per rep and per hold, the rep metrics as columns, then the set and its side."""
        metric_names = list(dict.fromkeys(k for r in self.reps for k in r.metrics))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "kind",
                "index",
                "start_s",
                "peak_s",
                "end_s",
                "duration_s",
                "good_form_s",
                "score",
                *metric_names,
                "faults",
                "set",
                "side",
            ]
        )
        for x in self.sets:
            self._csv_rows(writer, x, metric_names)
        return out.getvalue()

    @staticmethod
    def _csv_rows(writer, x: ExerciseSet, metric_names: list[str]) -> None:
        for r in x.reps:
            writer.writerow(
                [
                    "rep",
                    r.index,
                    r.start_s,
                    r.peak_s,
                    r.end_s,
                    round(r.end_s - r.start_s, 2),
                    "",
                    r.score,
                    *(UNSEEN if r.metrics.get(k) is None else r.metrics[k] for k in metric_names),
                    ";".join(f.code for f in r.faults),
                    x.index,
                    x.side,
                ]
            )
        for h in x.holds:
            writer.writerow(
                [
                    "hold",
                    h.index,
                    h.start_s,
                    "",
                    h.end_s,
                    h.duration_s,
                    h.good_form_s,
                    h.score,
                    *([""] * len(metric_names)),
                    ";".join(f.code for f in h.faults),
                    x.index,
                    x.side,
                ]
            )

    def write(self, out_dir: Path, stills: Callable[[dict], Stills] | None = None) -> tuple[Path, Path, Path]:
        """Write scorecard.json, reps.csv and report.html atomically, all or none (``stills``: the
        report's pictures for the card's JSON form)."""
        paths = out_dir / "scorecard.json", out_dir / "reps.csv", out_dir / "report.html"
        card_json = self.to_json()
        card = json.loads(card_json)  # the report is the JSON's
        texts = card_json, self.to_csv(), report_html(card, stills(card) if stills else None)
        with (
            atomic_path(paths[2]) as html_tmp,
            atomic_path(paths[1]) as csv_tmp,
            atomic_path(paths[0]) as json_tmp,
        ):
            for tmp, text in zip((json_tmp, csv_tmp, html_tmp), texts, strict=True):
                write_synced(tmp, text.encode("utf-8"))
        return paths

    def table(self) -> str:
        """The readable summary printed at the end of a run."""
        return text_table(_finite(self.to_dict()))


def scorecard_from_analysis(analysis) -> Scorecard:
    track = analysis.track
    info = track.source
    source = SourceInfo(info.path, info.fps, info.width, info.height, len(track))
    engine = analysis.engine
    t = track.t_s
    one_set = ExerciseSet(
        1,
        analysis.side.value,
        list(engine.reps),
        list(engine.holds),
        float(t[0]),
        float(t[-1]),
        engine.views.windows,
    )
    warnings = input_warnings(track.meta) + list(engine.warnings)
    return Scorecard(
        analysis.exercise.id,
        analysis.side.value,
        source,
        int(track.has_pose.sum()),
        [one_set],
        warnings + nothing_counted(analysis.exercise, one_set, warnings),
    )


# Set-up warnings that already say why a recording may count nothing.
SETUP_CODES = ("no_person", "out_of_frame", "low_visibility", "setup_mismatch")


def nothing_counted(exercise, counted: ExerciseSet, warnings: list[Warning]) -> list[Warning]:
    """A recording with no rep or hold, and no set-up warning to say why, says so: the usual cause
    is another exercise's video (a side plank read as clamshells starts from the same lying pose)."""
    if counted.reps or counted.holds or any(w.code in SETUP_CODES for w in warnings):
        return []
    what = f"{exercise.name.lower()} {'rep' if exercise.reps else 'hold'}"
    return [
        Warning(
            "nothing_counted",
            counted.end_s or 0.0,
            f"No {what} was seen - check that the video is of this exercise (--exercise), filmed as "
            "its set-up advice says (formcheck exercises).",
        )
    ]


def input_warnings(meta: dict) -> list[Warning]:
    """What the input itself lacked, noted in the track's meta when it was read."""
    stopped = meta.get("truncated_at_s")
    if not isinstance(stopped, (int, float)) or not math.isfinite(stopped):
        return []
    return [
        Warning(
            "truncated_input",
            float(stopped),
            f"The video could not be decoded past {stopped:.1f} s (damaged or cut off); "
            "only what came before was analysed.",
        )
    ]
