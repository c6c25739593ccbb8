"""The formcheck command: analyze, live, extract, report, exercises, simulate, render."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formcheck.analysis import (
    RESULT_FILES,
    draw_video,
    extract_with_progress,
    holds_result,
    listed,
    make_out_dir,
    open_source,
    require_person,
    result_dir,
    score_input,
)
from formcheck.errors import FormcheckError
from formcheck.exercises import Exercise, ExerciseId, all_exercises, load_exercise
from formcheck.feedback import Goal
from formcheck.interrupts import terminate_as_interrupt
from formcheck.kinematics import Side
from formcheck.orientation import TURNS_DEG


def _side(text: str) -> Side | None:
    return None if text == "auto" else Side(text)


fps_option = click.option(
    "--fps",
    type=click.FloatRange(0.1, 1000),
    default=None,
    help="Frame rate of a folder of images [default: 30].",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace an earlier result in the output folder."
)


model_option = click.option(
    "--model",
    type=click.Path(dir_okay=False),
    default=None,
    help="A MediaPipe Tasks pose landmarker .task file instead of the bundled model (see models/README.md).",
)

rotate_option = click.option(
    "--rotate",
    type=click.Choice(["auto", *map(str, TURNS_DEG)]),
    default="auto",
    show_default=True,
    help="Turn the picture clockwise by this many degrees before it is analysed (after a phone's "
    "own rotation flag); auto turns one where the body runs up and down or lies upside down.",
)

goal_reps_option = click.option(
    "--reps",
    "goal_reps",
    type=click.IntRange(1, 500),
    default=None,
    help="Your programme's reps a set: live tells 'set done' at the rep that reaches them; the "
    "scorecard and report say which sets did.",
)
goal_hold_option = click.option(
    "--hold",
    "goal_hold_s",
    type=click.FloatRange(1, 600),
    default=None,
    help="Your programme's seconds a hold: live tells 'hold done' when a hold reaches them; the "
    "scorecard and report say which holds did.",
)


exercise_option = click.option(
    "--exercise",
    "-e",
    "exercise_name",
    required=True,
    help=f"One of: {', '.join(e.value for e in ExerciseId)}.",
)


fault_option = click.option(
    "--fault",
    "-f",
    "faults",
    multiple=True,
    help="A shortcut to inject: CODE, CODE=SIZE, CODE@REPS or CODE=SIZE@REPS (e.g. pelvis_rollback=50@2,4). "
    "Repeat for several. Default size: twice the checker's limit; default reps: every second one.",
)


def side_option(help_text: str):
    return click.option(
        "--side",
        type=click.Choice(["auto", "left", "right"]),
        default="auto",
        show_default=True,
        help=help_text,
    )


def out_option(default_text: str):
    return click.option(
        "--out",
        "out",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Output folder [default: {default_text}].",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="formcheck")
def cli() -> None:
    """Check glute exercise form (clamshell, side-lying leg lift, side plank) from a video or a webcam."""


@cli.command()
@click.argument("video_or_track", type=str)
@exercise_option
@side_option("The working side (the top leg, or the side facing up).")
@out_option("formcheck_out/<name>, numbered when taken")
@overwrite_option
@click.option("--no-video", is_flag=True, help="Skip annotated.mp4.")
@fps_option
@model_option
@rotate_option
@goal_reps_option
@goal_hold_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Videos of a folder analysed at a time, each in its own process [default: one per CPU core, "
    "up to 4].",
)
def analyze(
    video_or_track: str,
    exercise_name: str,
    side: str,
    out: Path | None,
    overwrite: bool,
    no_video: bool,
    fps: float | None,
    model: str | None,
    rotate: str,
    goal_reps: int | None,
    goal_hold_s: float | None,
    jobs: int | None,
) -> None:
    """Analyse a recorded video (or a saved landmark track) and write a per-rep scorecard.

    Given a folder of videos, analyse each into its own folder (--jobs at a time) and write
    summary.csv and index.html; a folder of images alone is read as one video."""
    from formcheck.batch import default_jobs, videos_in

    exercise = load_exercise(ExerciseId.parse(exercise_name))
    goal = _goal(exercise, goal_reps, goal_hold_s)
    path = Path(video_or_track)
    if not path.exists():
        raise FormcheckError(f"No such file or folder: {path}")
    if path.is_dir() and videos_in(path):
        if fps is not None:
            raise FormcheckError("--fps is for a folder of images; a video's frame times come from the file.")
        options = ("--exercise", exercise.id, "--side", side, "--rotate", rotate)
        options += ("--no-video",) if no_video else ()
        options += ("--model", str(Path(model).resolve())) if model else ()
        options += ("--reps", str(goal_reps)) if goal_reps else ()
        options += ("--hold", str(goal_hold_s)) if goal_hold_s else ()
        _analyze_folder(path, exercise, options, out, overwrite, jobs or default_jobs())
        return
    if jobs not in (None, 1):
        raise FormcheckError("--jobs is for a folder of videos; one video is analysed by one process.")
    out_dir = result_dir(path, out, overwrite)
    turn_deg = None if rotate == "auto" else int(rotate)
    scored = score_input(path, exercise, _side(side), out_dir, fps, model, turn_deg, goal)
    click.echo(scored.card.table())
    click.echo(f"\nWrote {listed(scored.written)}")
    if no_video:
        return
    if scored.video_path is None:
        click.echo(
            "No source video to draw on (a track without its video, or an image folder): "
            "annotated.mp4 skipped.",
            err=True,
        )
        return
    click.echo(f"Wrote {draw_video(scored, out_dir)}")


def _analyze_folder(
    folder: Path, exercise: Exercise, options: tuple[str, ...], out: Path | None, overwrite: bool, jobs: int
) -> None:
    """Every video in ``folder`` into its own result folder, ``jobs`` at a time (each an analyze
    process given ``options``), then the summary."""
    from formcheck.batch import (
        Batch,
        BatchJob,
        batch_root,
        refuse_earlier_results,
        result_dirs,
        summary_line,
        videos_in,
        write_summary,
    )
    from formcheck.sources import IMAGE_EXTENSIONS

    videos = videos_in(folder)
    root = out or batch_root(folder, videos, overwrite)
    out_dirs = result_dirs(videos, root)
    refuse_earlier_results(out_dirs, overwrite)
    make_out_dir(root)
    images = sum(1 for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
    jobs = min(jobs, len(videos))
    skipped = f" ({images} images there are not analysed: a folder of images alone is one video)"
    click.echo(
        f"{folder.name}: {len(videos)} video{'s' if len(videos) > 1 else ''}, {jobs} at a time, into {root}"
        f"{skipped if images else ''}."
    )
    options += ("--overwrite",)  # earlier results refused above
    batch = [BatchJob(v, d, options) for v, d in zip(videos, out_dirs, strict=True)]
    finished = []

    def said(result) -> None:
        finished.append(result)
        click.echo(f"[{len(finished)}/{len(batch)}] {summary_line(result)}")

    try:
        results = Batch(jobs).run(batch, said)
    except KeyboardInterrupt:
        if finished:
            order = {job.video: i for i, job in enumerate(batch)}
            write_summary(sorted(finished, key=lambda r: order[r.video]), root, exercise.name)
        click.echo(f"Stopped after {len(finished)} of {len(batch)} videos; their results are in {root}.")
        raise
    csv_path, html_path = write_summary(results, root, exercise.name)
    click.echo(f"\nWrote {csv_path} and {html_path}")
    failed = [r for r in results if r.error]
    if failed:
        raise FormcheckError(
            f"{len(failed)} of {len(results)} videos could not be analysed (said above); the others' "
            f"results are in {root}."
        )


@cli.command()
@click.option("--camera", type=click.IntRange(0), default=None, help="Webcam index [default: 0].")
@click.option(
    "--source",
    type=str,
    default=None,
    help="Play a video file as if it were the camera: paced at its own frame rate, frames dropped "
    "when the checker is behind.",
)
@exercise_option
@side_option("The working side; auto also starts a new set when you switch sides.")
@out_option("formcheck_out/live-<date>-<time>")
@overwrite_option
@click.option(
    "--no-window",
    is_flag=True,
    help="Run without a window (Ctrl-C ends the session); the report then has no pictures.",
)
@click.option("--voice", is_flag=True, help="Speak the cues (needs an offline speech engine).")
@click.option("--debug", is_flag=True, help="Show frame rate, dropped frames and latency on screen.")
@click.option(
    "--countdown",
    "countdown_s",
    type=click.FloatRange(0, 30),
    default=None,
    help="Seconds counted down before counting starts [default: 3 for a camera, 0 for --source, "
    "since a recording cannot wait for it].",
)
@goal_reps_option
@goal_hold_option
@click.option(
    "--rotate",
    "turn_deg",
    type=click.Choice([str(d) for d in TURNS_DEG]),
    default="0",
    show_default=True,
    help="Turn the camera's picture clockwise by this many degrees (a camera or phone mounted "
    "sideways: you should lie across the window).",
)
@model_option
def live(
    camera: int | None,
    source: str | None,
    exercise_name: str,
    side: str,
    out: Path | None,
    overwrite: bool,
    no_window: bool,
    voice: bool,
    debug: bool,
    countdown_s: float | None,
    goal_reps: int | None,
    goal_hold_s: float | None,
    turn_deg: str,
    model: str | None,
) -> None:
    """Check your form live on a webcam: skeleton, angles, rep counter, cues as you go.

    The scorecard (scorecard.json, reps.csv, report.html) is saved after every rep or hold, and when the
    session ends: q in the window, Ctrl-C, closing the window, or the camera stopping.
    """
    import time

    from formcheck.display import NoDisplayError, NoWindow, Window
    from formcheck.live import LiveSession, run_live
    from formcheck.pipeline import LiveMeasurer
    from formcheck.pose import make_estimator
    from formcheck.readiness import COUNTDOWN_S
    from formcheck.sources import CameraSource, VideoFileSource

    exercise = load_exercise(ExerciseId.parse(exercise_name))
    goal = _goal(exercise, goal_reps, goal_hold_s)
    if out is not None and holds_result(out) and not overwrite:
        raise FormcheckError(f"{out} already holds a result; pass --overwrite or another --out.")
    if camera is not None and source is not None:
        raise FormcheckError("Use --camera N or --source VIDEO, not both.")
    if source is not None:
        from formcheck.capture import paced

        video = VideoFileSource(source, int(turn_deg))
        frames, info, is_camera = paced(video), video.info, False
    else:
        cam = CameraSource(camera or 0, int(turn_deg))
        frames, info, is_camera = cam, cam.info, True
    out_dir = make_out_dir(out or Path("formcheck_out") / time.strftime("live-%Y%m%d-%H%M%S"))
    if countdown_s is None:
        countdown_s = COUNTDOWN_S if is_camera else 0.0
    display = NoWindow()
    if not no_window:
        try:
            display = Window(f"formcheck - {exercise.name}")
        except NoDisplayError:
            click.echo(
                "No display to open a window on: running without one (Ctrl-C ends the session).", err=True
            )
    speaker = None
    if voice:
        from formcheck.feedback import make_speaker

        speaker, note = make_speaker()
        click.echo(note, err=True)
    estimator = make_estimator(model)
    session = LiveSession(
        exercise,
        LiveMeasurer(estimator, info.width, info.height),
        info,
        out_dir,
        _side(side),
        countdown_s,
        speaker,
        debug,
        notify=lambda text: click.echo(text, err=True),
        goal=goal,
    )
    keys = "q quits, space pauses, r restarts the set" if display.draws else "Ctrl-C ends the session"
    click.echo(f"{exercise.name}: watching {info.path} ({info.width}x{info.height}); {keys}.", err=True)
    click.echo(f"The scorecard is saved to {out_dir} after every rep.", err=True)
    try:
        card = run_live(frames, session, display, is_camera)
    finally:
        estimator.close()
        if speaker is not None:
            speaker.close()
    click.echo(card.table())
    click.echo(f"\nSession ended: {session.ended.words}. Live: {session.stats.line(session.clock())}.")
    click.echo(f"Wrote {listed(out_dir / name for name in RESULT_FILES[:3])}")


@cli.command()
@click.argument("video", type=str)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Track file to write (.json, or .json.gz compressed).",
)
@fps_option
@model_option
def extract(video: str, output: Path, fps: float | None, model: str | None) -> None:
    """Save the pose landmarks of every frame (a track) so scoring can be re-run without inference."""
    from formcheck.pose import is_track_path, save_track

    if not is_track_path(output):
        raise FormcheckError(f"{output}: a track file must end in .json or .json.gz.")
    if not Path(video).exists():
        raise FormcheckError(f"No such file or folder: {video}")
    source = open_source(video, fps)
    make_out_dir(output.parent if str(output.parent) else Path("."))
    track = extract_with_progress(source, model, f"Extracting {Path(video).name}")
    require_person(track, Path(video))
    save_track(track, output)
    found = int(track.has_pose.sum())
    click.echo(f"Wrote {output}: {len(track)} frames, a person in {found}.")


@cli.command()
@exercise_option
@fault_option
@click.option("--view", default="front", show_default=True, help="front, front-raised or feet-end.")
@click.option(
    "--yaw", "yaw_deg", type=click.FloatRange(-30, 30), default=0.0, help="Camera off-axis, degrees."
)
@click.option(
    "--noise",
    type=click.Choice(["none", "low", "realistic", "high"]),
    default="realistic",
    show_default=True,
    help="MediaPipe-like landmark errors (realistic = calibrated on the shared clips).",
)
@click.option("--side", "side_text", type=click.Choice(["left", "right"]), default="right", show_default=True)
@click.option("--reps", type=click.IntRange(1, 50), default=5, show_default=True, help="Reps in the set.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Track file to write (.json or .json.gz); the ground truth goes in its meta.",
)
def simulate(
    exercise_name: str,
    faults: tuple[str, ...],
    view: str,
    yaw_deg: float,
    noise: str,
    side_text: str,
    reps: int,
    seed: int,
    output: Path,
) -> None:
    """Write the landmark track of a simulated body doing an exercise, right or with shortcuts.

    `formcheck analyze TRACK` then scores it like a video's track, so you can see what each
    shortcut looks like to the checker.
    """
    from dataclasses import replace

    from formcheck.pose import is_track_path, save_track
    from formcheck.sim import FAULTS, Fault, Tempo, View
    from formcheck.sim import simulate as run_simulation

    exercise_id = ExerciseId.parse(exercise_name).value
    if not is_track_path(output):
        raise FormcheckError(f"{output}: a track file must end in .json or .json.gz.")
    parsed = [Fault.parse(f) for f in faults]
    make_out_dir(output.parent if str(output.parent) else Path("."))
    sim = run_simulation(
        exercise_id,
        parsed,
        view=View.parse(view),
        yaw_deg=yaw_deg,
        noise=noise,
        top=Side(side_text),
        tempo=replace(Tempo(), reps=reps),
        seed=seed,
    )
    save_track(sim.track, output)
    click.echo(f"Wrote {output}: {len(sim.track)} frames of simulated {exercise_id}.")

    def shortcuts(faults: dict[str, float | None]) -> str:
        return ", ".join(c if v is None else f"{c} {v:g}" for c, v in faults.items()) or "correct"

    for rep in sim.performance.reps:
        click.echo(f"  rep {rep.index}: peak at {rep.peak_s:.1f} s - {shortcuts(rep.faults)}")
    for hold in sim.performance.holds:
        click.echo(f"  hold {hold.index}: {hold.start_s:.1f}-{hold.end_s:.1f} s - {shortcuts(hold.faults)}")
    units = {k.code: k.unit for k in FAULTS[exercise_id]}
    for f in parsed:
        click.echo(f"  ({f.code} in {units[f.code]})")


@cli.command()
@exercise_option
@fault_option
@click.option("--reps", type=click.IntRange(1, 20), default=3, show_default=True, help="Reps in the set.")
@click.option(
    "--tempo",
    "up_s",
    type=click.FloatRange(0.2, 5.0),
    default=1.4,
    show_default=True,
    help="Seconds up (and down).",
)
@click.option("--side", "side_text", type=click.Choice(["left", "right"]), default="right", show_default=True)
@click.option(
    "--body", default="average-woman", show_default=True, help="average-woman, heavy-man or slim-tall."
)
@click.option("--room", default="living-room", show_default=True, help="living-room, gym or dim-bedroom.")
@click.option(
    "--camera-height",
    type=click.FloatRange(0.05, 3.0),
    default=0.3,
    show_default=True,
    help="Metres above the floor.",
)
@click.option(
    "--distance",
    type=click.FloatRange(0.5, 8.0),
    default=None,
    help="Metres from the body along the floor [default: frames the body].",
)
@click.option(
    "--yaw",
    "yaw_deg",
    type=click.FloatRange(-60, 60),
    default=0.0,
    show_default=True,
    help="Camera off the body's front, degrees.",
)
@click.option("--size", default="640x360", show_default=True, help="Frame size, WIDTHxHEIGHT.")
@click.option("--fps", type=click.FloatRange(5, 60), default=30.0, show_default=True)
@click.option(
    "--noise",
    "noise_sd",
    type=click.FloatRange(0, 20),
    default=2.0,
    show_default=True,
    help="Sensor noise, grey levels.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="MP4 to write; its truth goes beside it as NAME.truth.json.gz.",
)
def render(
    exercise_name: str,
    faults: tuple[str, ...],
    reps: int,
    up_s: float,
    side_text: str,
    body: str,
    room: str,
    camera_height: float,
    distance: float | None,
    yaw_deg: float,
    size: str,
    fps: float,
    noise_sd: float,
    seed: int,
    output: Path,
) -> None:
    """Render a realistic body doing an exercise, right or with shortcuts, to a video with its exact truth.

    Needs the render extra: pip install torch==2.13.0 && pip install -e ".[render]". The truth
    file holds per frame the body's 3-D joints, their pixels and the true angles, and per rep or
    hold the shortcuts injected; `formcheck analyze OUTPUT` then checks the video as any other.
    """
    from formcheck.sim import Fault, Tempo
    from formcheck.sim.render import Shot, Take, render_take, save_truth, truth_path

    exercise_id = ExerciseId.parse(exercise_name).value
    if output.suffix.lower() != ".mp4":
        raise FormcheckError(f"{output}: the video must end in .mp4.")
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise FormcheckError(f"Cannot read the size {size!r}: write WIDTHxHEIGHT, e.g. 640x360.") from None
    if not (64 <= width <= 3840 and 64 <= height <= 2160):
        raise FormcheckError(f"The size {size} is out of range: 64x64 to 3840x2160.")
    take = Take(
        exercise_id,
        tuple(Fault.parse(f) for f in faults),
        tempo=Tempo(reps=reps, up_s=up_s, down_s=up_s, lead_in_s=2.0),
        top=Side(side_text),
        look=body,
        room=room,
        shot=Shot(camera_height, distance, yaw_deg, width, height, fps, noise_sd=noise_sd),
        seed=seed,
    )
    make_out_dir(output.parent if str(output.parent) else Path("."))

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\rRendering: {100 * done // total}%", err=True, nl=done == total)

    rendered = render_take(take, output, progress=progress)
    save_truth(rendered.truth, truth_path(output))
    checks = rendered.truth["checks"]
    click.echo(f"Wrote {output} and {truth_path(output).name}: {len(rendered.true_track)} frames.")
    click.echo(
        f"  legs overlap at most {checks['leg_penetration_max_m'] * 100:.1f} cm; supports at most "
        + " and ".join(f"{h * 100:.1f}" for h in checks["support_above_mat_max_m"])
        + " cm above the mat."
    )


def _goal(exercise: Exercise, reps: int | None, hold_s: float | None) -> Goal:
    """The set's goal, refusing one the exercise has nothing to count for."""
    if reps is not None and exercise.reps is None:
        raise FormcheckError(f"{exercise.id} counts holds, not reps: give --hold SECONDS, not --reps.")
    if hold_s is not None and exercise.hold is None:
        raise FormcheckError(f"{exercise.id} counts reps, not holds: give --reps N, not --hold.")
    return Goal(reps, hold_s)


@cli.command()
@click.argument("scorecard", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The page to write [default: report.html beside the scorecard].",
)
def report(scorecard: Path, output: Path | None) -> None:
    """Print a saved scorecard.json (or a result folder's) as a table and write it as report.html
    (with the pictures of the report.html beside it, if one was written with them). Given a batch's
    folder (analyze FOLDER), remake each result's report.html beside its scorecard."""
    from formcheck.report import batch_scorecards, read_scorecard, read_stills, text_table, write_report

    batch = batch_scorecards(scorecard)
    if batch:
        if output is not None:
            raise FormcheckError(
                f"{scorecard} holds {len(batch)} results: -o names one page, so give one of them, "
                "or leave -o out to remake each one's report.html beside its scorecard."
            )
        cards = [(path, read_scorecard(path)) for path in batch]  # all read and checked before any is written
        for path, card in cards:
            write_report(path.parent / "report.html", card, read_stills(path.parent / "report.html"))
            click.echo(f"{path.parent.name}: {text_table(card).splitlines()[0]}")
        click.echo(f"\nWrote {len(cards)} reports in {scorecard}")
        return
    card = read_scorecard(scorecard)
    beside = (scorecard if scorecard.is_dir() else scorecard.parent) / "report.html"
    output = output or beside
    make_out_dir(output.parent if str(output.parent) else Path("."))
    write_report(output, card, read_stills(beside))
    click.echo(text_table(card))
    click.echo(f"\nWrote {output}")


@cli.command()
@click.option("--verbose", "-v", is_flag=True, help="Show every check's limit and its source.")
def exercises(verbose: bool) -> None:
    """List the exercises, their checks, the sources of their limits and their glute activation."""
    for ex in all_exercises():
        click.secho(f"{ex.id}", bold=True, nl=False)
        click.echo(f" - {ex.name}")
        click.echo(f"  {ex.summary}")
        click.echo(f"  Glute activation: {ex.activation}")
        click.echo(f"  Camera: {ex.camera}")
        if ex.too_high:
            click.echo(f"  Said from {ex.too_high.elevation_deg:g} deg above you: {ex.too_high.words}")
            if ex.too_high.unseen:
                click.echo(f"  Not checked from there: {', '.join(ex.too_high.unseen)}")
        click.echo("  Checks:")
        for rule in ex.rules:
            click.echo(f"    {rule.code:<16} {rule.what}: {rule.limit_text}  ({rule.severity.value})")
            click.echo(f"    {'':<16} source: {rule.source}")
            if rule.implied_by:
                causes = " or ".join(map(str, rule.implied_by))
                click.echo(f"    {'':<16} follows from {causes}: with it, only that is reported")
            if rule.alike:
                alike = " or ".join(rule.alike)
                click.echo(f"    {'':<16} may be {alike} instead where that is not checked: it reads alike")
            if verbose:
                click.echo(f'    {"":<16} cue: "{rule.cue}"')
        click.echo()


def main() -> None:
    """Entry point: user errors are one line on stderr and a non-zero exit, never a traceback."""
    try:
        with terminate_as_interrupt():
            cli(standalone_mode=False)
    except FormcheckError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a full disk, a folder that went away, a device error while writing
        where = f" ({exc.filename})" if exc.filename else ""
        click.echo(f"Error: {exc.strerror or exc}{where}.", err=True)
        sys.exit(3)


if __name__ == "__main__":
    main()
