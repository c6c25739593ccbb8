"""One input analysed into its result folder: opened, its landmarks extracted (with a progress
display), scored, written, and drawn on (the ``analyze`` command; a folder of videos runs that
command once per video, batch.py)."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from formcheck.errors import FormcheckError
from formcheck.exercises import Exercise
from formcheck.feedback import NO_GOAL, Goal
from formcheck.kinematics import Side


def make_out_dir(path: Path) -> Path:
    """Create the output folder and prove it is writable before any long work starts."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".formcheck-write-test-"):
            pass
    except OSError as exc:
        raise FormcheckError(f"Cannot write to the output folder {path}: {exc.strerror or exc}.") from None
    return path


RESULT_FILES = ("scorecard.json", "reps.csv", "report.html", "annotated.mp4")


def holds_result(path: Path) -> bool:
    return any((path / name).exists() for name in RESULT_FILES)


def result_dir(input_path: Path, out: Path | None, overwrite: bool) -> Path:
    """Where a result goes, never over an earlier result unless ``overwrite``: the default is
    formcheck_out/<the input's whole name less its extension>, numbered -2, -3... when taken."""
    if out is not None:
        if holds_result(out) and not overwrite:
            raise FormcheckError(f"{out} already holds a result; pass --overwrite or another --out.")
        return out
    name = input_path.name
    for suffix in (".track.json.gz", ".track.json", ".json.gz", ".json", input_path.suffix):
        if suffix and name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    base = Path("formcheck_out") / (name or "analysis")
    candidate, n = base, 1
    while holds_result(candidate) and not overwrite:
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def listed(paths) -> str:
    *first, last = [str(p) for p in paths]
    return f"{', '.join(first)} and {last}" if first else last


class Progress:
    """A progress bar when the length is known; a running frame count when it is not (a browser
    recording, a raw stream), drawn only on a terminal."""

    def __init__(self, label: str, total: int):
        self.label, self.done = label, 0
        self._bar = None
        self._tty = sys.stderr.isatty()
        if total:
            self._bar = click.progressbar(
                length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True
            )
        else:
            click.echo(label, err=True)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def update(self, _index: int = 0) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self._tty and self.done % 30 == 0:
            click.echo(f"\r{self.label}: {self.done} frames", err=True, nl=False)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
        elif self._tty:
            click.echo(f"\r{self.label}: {self.done} frames", err=True)


def require_person(track, path: Path) -> None:
    if not track.has_pose.any():
        raise FormcheckError(
            f"No person was found in {path.name} - the whole body and face must be in view, in good light."
        )


def open_source(source_path: str, fps: float | None):
    """Open a video, GIF or image folder (a one-line error if it can't be read)."""
    from formcheck.sources import ImageFolderSource, VideoFileSource

    path = Path(source_path)
    source = ImageFolderSource(path, fps or 30.0) if path.is_dir() else VideoFileSource(path)
    if isinstance(source, ImageFolderSource):
        click.echo(
            f"{Path(source_path).name}: a folder of {source.info.frames} images, taken as "
            f"{source.info.fps:g} frames a second{'' if fps else ' (say another rate with --fps)'}.",
            err=True,
        )
    elif fps is not None:
        raise FormcheckError("--fps is for a folder of images; a video's frame times come from the file.")
    return source


def extract_with_progress(source, model: str | None, label: str):
    """Run pose estimation over an opened video, GIF or image folder, with a progress display."""
    from formcheck.pipeline import extract_track
    from formcheck.pose import make_estimator
    from formcheck.sources import VideoFileSource, prefetched

    estimator = make_estimator(model)
    try:
        with Progress(label, source.info.frames) as progress:
            track = extract_track(prefetched(source), source.info, estimator, on_frame=progress.update)
    finally:
        estimator.close()
    if len(track) < 2:
        name = Path(source.info.path).name
        raise FormcheckError(f"{name} holds a single picture; formcheck needs a video.")
    if isinstance(source, VideoFileSource) and source.stopped_at_s is not None:
        track.meta["truncated_at_s"] = round(source.stopped_at_s, 2)
        click.echo(
            f"Warning: {Path(source.info.path).name} could not be decoded past {source.stopped_at_s:.1f} s "
            f"(damaged or cut off); analysed what could be read.",
            err=True,
        )
    return track


@dataclass
class Scored:
    """An input scored and its scorecard written; ``video_path`` is what annotated.mp4 is drawn on."""

    analysis: object  # pipeline.Analysis
    card: object  # scorecard.Scorecard
    written: tuple[Path, ...]
    video_path: Path | None


def score_input(
    path: Path,
    exercise: Exercise,
    side: Side | None,
    out_dir: Path,
    fps: float | None = None,
    model: str | None = None,
    turn_deg: int | None = None,
    goal: Goal = NO_GOAL,
) -> Scored:
    """Read a video, GIF, image folder or track, score it, and write its scorecard to ``out_dir``
    (made only once the input has opened, so a bad input leaves no empty folder). The picture is
    turned clockwise by ``turn_deg``, or where it is judged to run sideways or upside down (None);
    the scorecard keeps the programme's ``goal`` its sets are read against."""
    from formcheck.engine import Warning
    from formcheck.orientation import TurnedTrack, Upright, judge_upright
    from formcheck.pipeline import analyze_track
    from formcheck.pose import is_track_path, load_track
    from formcheck.scorecard import scorecard_from_analysis

    if is_track_path(path):
        track = load_track(path)
        video_path = Path(track.source.path)
        video_path = video_path if video_path.is_file() and not is_track_path(video_path) else None
        make_out_dir(out_dir)
    else:
        source = open_source(str(path), fps)
        make_out_dir(out_dir)
        track = extract_with_progress(source, model, f"Analysing {path.name}")
        video_path = path if path.is_file() else None
    require_person(track, path)
    upright = judge_upright(track) if turn_deg is None else Upright(turn_deg)
    track.meta["turned_deg"] = upright.turn_deg  # annotated.mp4 turns its frames alike (not a file's say)
    if upright.turn_deg:
        track = TurnedTrack(track, upright.turn_deg)
    said = turn_deg is None and upright.code  # judged, not asked for: said, and kept in the scorecard
    if said:
        click.echo(f"{path.name}: {upright.words}", err=True)
    analysis = analyze_track(track, exercise, side)
    card = scorecard_from_analysis(analysis)
    if said:
        card.warnings.insert(0, Warning(upright.code, 0.0, upright.words))
    if goal != NO_GOAL:
        card.goal = goal.to_dict()
    return Scored(analysis, card, card.write(out_dir), video_path)


def draw_video(scored: Scored, out_dir: Path) -> str:
    """Draw annotated.mp4, then write report.html again with a picture of each shortcut as drawn
    there; what was written, as words."""
    import json

    from formcheck.report import write_report
    from formcheck.stills import jpeg_still, still_frames
    from formcheck.video import render_annotated

    card = json.loads(scored.card.to_json())
    wanted = still_frames(card, scored.analysis.track.t_s)
    stills: dict[tuple[str, int, int], bytes] = {}

    def keep(index: int, frame) -> None:
        if index in wanted:
            jpeg = jpeg_still(frame)
            stills.update((key, jpeg) for key in wanted[index])

    path = out_dir / "annotated.mp4"
    with Progress("Drawing annotated video", len(scored.analysis.track)) as shown:
        note = render_annotated(
            scored.analysis, scored.video_path, path, on_frame=shown.update, on_drawn=keep
        )
    if stills:
        write_report(out_dir / "report.html", card, stills)
    return f"{path}{f' ({note})' if note else ''}"
