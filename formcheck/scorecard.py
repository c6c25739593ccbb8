"""The Scorecard (DESIGN.md's ``formcheck.scorecard/1``) and its JSON, CSV and terminal writers."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from formcheck.atomic import atomic_write_text
from formcheck.engine import Fault, HoldRecord, RepRecord, Warning
from formcheck.pose import SourceInfo

SCHEMA = "formcheck.scorecard/1"


def _fault_dict(f: Fault, in_hold: bool) -> dict:
    d = {"code": f.code, "severity": f.severity}
    if in_hold:
        d.update(start_s=round(f.start_s, 2), end_s=round(f.end_s, 2))
    else:
        d["at_s"] = round(f.at_s, 2)
    d.update(value=f.value, limit=f.limit, message=f.message)
    return d


@dataclass
class Scorecard:
    exercise: str
    side: str
    source: SourceInfo
    frames_with_pose: int
    reps: list[RepRecord] = field(default_factory=list)
    holds: list[HoldRecord] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    @property
    def fault_counts(self) -> dict[str, int]:
        faults = [f.code for r in self.reps for f in r.faults] + [
            f.code for h in self.holds for f in h.faults
        ]
        return dict(Counter(faults))

    @property
    def mean_score(self) -> float | None:
        scores = [r.score for r in self.reps] + [h.score for h in self.holds]
        return round(sum(scores) / len(scores), 1) if scores else None

    def to_dict(self) -> dict:
        s = self.source
        return {
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
                }
                for r in self.reps
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
                }
                for h in self.holds
            ],
            "warnings": [asdict(w) | {"at_s": round(w.at_s, 2)} for w in self.warnings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def to_csv(self) -> str:
        """One row per rep and per hold, the rep metrics as columns."""
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
            ]
        )
        for r in self.reps:
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
                    *("" if r.metrics.get(k) is None else r.metrics[k] for k in metric_names),
                    ";".join(f.code for f in r.faults),
                ]
            )
        for h in self.holds:
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
                ]
            )
        return out.getvalue()

    def write(self, out_dir: Path) -> tuple[Path, Path]:
        """Write scorecard.json and reps.csv atomically."""
        json_path, csv_path = out_dir / "scorecard.json", out_dir / "reps.csv"
        atomic_write_text(csv_path, self.to_csv())
        atomic_write_text(json_path, self.to_json())
        return json_path, csv_path

    def table(self) -> str:
        """The readable summary printed at the end of a run."""
        lines = [
            f"{self.exercise} - working side: {self.side} - {len(self.reps)} reps, {len(self.holds)} holds"
            + (f", mean score {self.mean_score:g}" if self.mean_score is not None else "")
        ]
        if self.reps:
            lines.append(f"{'rep':>3}  {'time':>12}  {'range':>6}  {'knee bend':>9}  {'score':>5}  shortcuts")
            for r in self.reps:
                knee = r.metrics.get("knee_flexion_deg")
                lines.append(
                    f"{r.index:>3}  {r.start_s:5.1f}-{r.end_s:5.1f}s  {r.metrics['range_deg']:5.0f}°  "
                    f"{'  -  ' if knee is None else f'{knee:5.0f}°':>9}  {r.score:>5}  "
                    f"{', '.join(f.code for f in r.faults) or 'none'}"
                )
        if self.holds:
            lines.append(
                f"{'hold':>4}  {'time':>12}  {'length':>7}  {'good form':>9}  {'score':>5}  shortcuts"
            )
            for h in self.holds:
                codes = ", ".join(sorted({f.code for f in h.faults})) or "none"
                lines.append(
                    f"{h.index:>4}  {h.start_s:5.1f}-{h.end_s:5.1f}s  {h.duration_s:6.1f}s  "
                    f"{h.good_form_s:8.1f}s  {h.score:>5}  {codes}"
                )
        for w in self.warnings:
            lines.append(f"! {w.at_s:5.1f}s {w.code}: {w.message}")
        return "\n".join(lines)


def scorecard_from_analysis(analysis) -> Scorecard:
    track = analysis.track
    info = track.source
    source = SourceInfo(info.path, info.fps, info.width, info.height, len(track))
    return Scorecard(
        analysis.exercise.id,
        analysis.side.value,
        source,
        int(track.has_pose.sum()),
        list(analysis.engine.reps),
        list(analysis.engine.holds),
        list(analysis.engine.warnings),
    )
