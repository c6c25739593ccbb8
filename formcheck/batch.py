"""A folder of videos analysed N at a time (``analyze FOLDER --jobs N``), for a clinic's recordings:
a result folder per video, then ``summary.csv`` and ``index.html`` linking every report. A video
that fails is said in one line and does not stop the others."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from formcheck.analysis import holds_result
from formcheck.atomic import atomic_path, write_synced
from formcheck.errors import FormcheckError
from formcheck.report import html_page, read_scorecard
from formcheck.sources import VIDEO_EXTENSIONS

# What a folder is taken to hold as videos (a raw H.264 stream too, as a single input is).
BATCH_EXTENSIONS = (*VIDEO_EXTENSIONS, ".h264")


# Videos analysed at a time unless --jobs says: one per core, up to this many. Each analyze process
# takes about 400 MB, and MediaPipe runs its own threads too; on this project's 2-core machine 8
# sample videos took 58 s one at a time and 32 s two at a time (judgment beyond 2 cores).
MAX_DEFAULT_JOBS = 4


def default_jobs() -> int:
    """One per CPU core this process may run on, up to MAX_DEFAULT_JOBS."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, MAX_DEFAULT_JOBS))


def videos_in(folder: Path) -> list[Path]:
    """The folder's videos, in name order (not its subfolders')."""
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in BATCH_EXTENSIONS),
        key=lambda p: p.name.lower(),
    )


def result_dirs(videos: list[Path], root: Path) -> list[Path]:
    """root/<video name less its extension>; videos that share a name keep their extension apart."""
    stems = [v.stem for v in videos]
    return [root / (v.stem if stems.count(v.stem) == 1 else v.name.replace(".", "_")) for v in videos]


def batch_root(folder: Path, videos: list[Path], overwrite: bool) -> Path:
    """formcheck_out/<folder name>, numbered -2, -3... when an earlier batch's results are there."""
    base = Path("formcheck_out") / folder.resolve().name
    candidate, n = base, 1
    while not overwrite and (
        (candidate / "summary.csv").exists() or any(map(holds_result, result_dirs(videos, candidate)))
    ):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


@dataclass(frozen=True)
class BatchJob:
    video: Path
    out_dir: Path
    options: tuple[str, ...]  # analyze's own options, passed on (exercise, side, --no-video, model)


@dataclass
class BatchResult:
    video: Path
    out_dir: Path
    reps: int = 0
    holds: int = 0
    mean_score: float | None = None
    faults: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # the scorecard's warning codes, each once
    why_none: str | None = None  # nothing counted: why, as the scorecard's first set-up warning says
    error: str | None = None
    seconds: float = 0.0

    @property
    def shortcuts(self) -> str:
        if self.why_none:
            return f"nothing counted: {self.why_none}"
        return ", ".join(f"{code} x{n}" for code, n in sorted(self.faults.items())) or "none"


class Batch:
    """Each video is analysed by ``formcheck analyze VIDEO`` in a process of its own, ``workers`` at
    a time: the same run, errors and atomic outputs as one video's, its own pose model, and a child
    that can be stopped cleanly (SIGTERM ends it like Ctrl-C) whatever it is doing."""

    def __init__(self, workers: int):
        self.workers = workers
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def _analyze(self, job: BatchJob) -> BatchResult:
        started = time.perf_counter()
        result = BatchResult(job.video, job.out_dir)
        command = [
            sys.executable,
            "-m",
            "formcheck.cli",
            "analyze",
            str(job.video),
            "--out",
            str(job.out_dir),
        ]
        with self._lock:
            if self._stopping:
                result.error = "not started: the batch was stopped"
                return result
            child = subprocess.Popen(
                [*command, *job.options],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
            )
            self._running.add(child)
        try:
            _, err = child.communicate()
        finally:
            with self._lock:
                self._running.discard(child)
        result.seconds = time.perf_counter() - started
        if child.returncode != 0:
            said = [ln[len("Error: ") :] for ln in err.splitlines() if ln.startswith("Error: ")]
            result.error = said[-1] if said else f"stopped (exit code {child.returncode})"
            return result
        try:
            card = read_scorecard(job.out_dir / "scorecard.json")
        except FormcheckError as exc:
            result.error = str(exc)
            return result
        result.reps, result.holds = len(card["reps"]), len(card["holds"])
        result.mean_score = card["summary"].get("mean_score")
        result.faults = dict(card["summary"].get("faults") or {})
        result.warnings = list(dict.fromkeys(w["code"] for w in card["warnings"]))
        setup = [w["message"] for w in card["warnings"] if w["code"] != "camera_view"]
        if not result.reps and not result.holds:
            result.why_none = setup[0] if setup else "no rep or hold was seen"
        return result

    def run(self, jobs: list[BatchJob], on_done: Callable[[BatchResult], None]) -> list[BatchResult]:
        """The jobs' results in their order, ``on_done`` called as each finishes. Interrupted, the
        videos under way are stopped (their outputs are atomic) and the interrupt raised."""
        done: dict[Path, BatchResult] = {}
        pool = ThreadPoolExecutor(max_workers=self.workers)
        try:
            for future in as_completed([pool.submit(self._analyze, job) for job in jobs]):
                result = future.result()
                done[result.video] = result
                on_done(result)
        except BaseException:
            with self._lock:
                self._stopping = True
                for child in self._running:
                    child.terminate()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return [done[job.video] for job in jobs]


def refuse_earlier_results(out_dirs: list[Path], overwrite: bool) -> None:
    taken = [d for d in out_dirs if holds_result(d)]
    if taken and not overwrite:
        raise FormcheckError(
            f"{taken[0]} already holds a result ({len(taken)} of the {len(out_dirs)} videos' folders do); "
            "pass --overwrite or another --out."
        )


def summary_line(result: BatchResult) -> str:
    if result.error:
        return f"{result.video.name}: failed - {result.error}"
    score = "-" if result.mean_score is None else f"{result.mean_score:g}"
    return (
        f"{result.video.name}: {result.reps} reps, {result.holds} holds, mean score {score}, "
        f"shortcuts: {result.shortcuts} ({result.seconds:.0f} s)"
    )


def summary_csv(results: list[BatchResult], root: Path) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["video", "reps", "holds", "mean_score", "faults", "warnings", "result", "error"])
    for r in results:
        faults = ";".join(f"{code}:{n}" for code, n in sorted(r.faults.items()))
        folder = "" if r.error else r.out_dir.relative_to(root).as_posix()
        row = [
            r.video.name,
            r.reps,
            r.holds,
            r.mean_score,
            faults,
            ";".join(r.warnings),
            folder,
            r.error or "",
        ]
        writer.writerow(row)
    return out.getvalue()


def index_html(results: list[BatchResult], root: Path, exercise_name: str) -> str:
    """One page listing every video with a link to its report."""
    rows = []
    for r in results:
        if r.error:
            rows.append(
                f"<tr><td>{escape(r.video.name)}</td><td colspan=4>could not be analysed: "
                f"{escape(r.error)}</td></tr>"
            )
            continue
        link = f"{r.out_dir.relative_to(root).as_posix()}/report.html"
        score = "-" if r.mean_score is None else f"{r.mean_score:g}"
        rows.append(
            f'<tr><td><a href="{escape(link)}">{escape(r.video.name)}</a></td><td>{r.reps}</td>'
            f"<td>{r.holds}</td><td>{score}</td><td>{escape(r.shortcuts)}</td></tr>"
        )
    header = "<tr><th>Video</th><th>Reps</th><th>Holds</th><th>Mean score</th><th>Shortcuts</th></tr>"
    body = [f"<h1>{escape(exercise_name)}: {len(results)} videos</h1>", f"<table>{header}", *rows, "</table>"]
    return html_page(f"formcheck - {exercise_name} - {len(results)} videos", body)


def write_summary(results: list[BatchResult], root: Path, exercise_name: str) -> tuple[Path, Path]:
    """summary.csv and index.html in the batch's folder, both or neither."""
    csv_path, html_path = root / "summary.csv", root / "index.html"
    with atomic_path(html_path) as html_tmp, atomic_path(csv_path) as csv_tmp:
        write_synced(csv_tmp, summary_csv(results, root).encode("utf-8"))
        write_synced(html_tmp, index_html(results, root, exercise_name).encode("utf-8"))
    return csv_path, html_path
