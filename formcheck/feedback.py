"""Cues for the person exercising: one at a time, the most important first, never nagging.

The ``Coach`` turns engine events (and live set-up guidance) into ``Cue``s and chooses the one
to show and say, and shows what the camera cannot check on a line of its own. Words come from the
exercise definitions (each rule's ``cue``, the exercise's ``good_rep`` / ``good_hold``). A
``Speaker`` says cues aloud in its own thread, so speech never holds up the camera.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from formcheck.engine import Event, FaultRaised, HoldEnded, HoldStarted, RepCompleted, SetupWarning
from formcheck.exercises import Exercise, Severity

# How long a cue stays on screen, how long the same cue stays quiet after it was given, and how
# long a cue may wait behind a more important one before it is about a moment that has passed.
SHOW_S = 2.5
COOLDOWN_S = 6.0
MAX_WAIT_S = 1.5
# A hold this good (score) earns praise at its end.
GOOD_HOLD_SCORE = 80
# A plank's time so far is called this often while it is held: lying on your side you hear it rather
# than read it (judgment: home programmes prescribe side-plank holds of 10-60 s).
HOLD_CALL_EVERY_S = 10.0
SEVERITY_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


class CueKind(IntEnum):
    """What a cue is about; a higher kind wins when two compete."""

    INFO = 0  # rep counts, "hold it"
    PRAISE = 1  # a good rep or hold
    TIME = 2  # a hold's time so far: above praise, which a progression's reps earn every few seconds
    SETUP = 3  # what to fix about the camera or the position
    GOAL = 4  # the set's reps or the hold's time reached (Goal): said once
    FAULT = 5  # a shortcut, the moment it happens
    # What the camera cannot check, or a set-up the engine noticed: a fact for the set, not a
    # moment, so it has a line of its own and competes with none of the above (Coach.note).
    NOTE = 6


@dataclass(frozen=True)
class Goal:
    """What the person's programme asks of a set (``formcheck live --reps/--hold``): its reps, a
    hold's seconds. Told once when reached; counting goes on after it."""

    reps: int | None = None
    hold_s: float | None = None

    def to_dict(self) -> dict:
        return {"reps": self.reps, "hold_s": self.hold_s}


NO_GOAL = Goal()


@dataclass(frozen=True)
class Cue:
    text: str
    kind: CueKind
    rank: int = 0  # order within a kind: higher first
    key: str = ""  # what counts as "the same cue" for the cooldown; the text by default

    @property
    def priority(self) -> tuple[int, int]:
        return int(self.kind), self.rank

    @property
    def cooldown_key(self) -> str:
        return self.key or self.text


def cues_from_events(exercise: Exercise, events: list[Event], goal: Goal = NO_GOAL) -> list[Cue]:
    """The cues a frame's engine events call for, ranked by severity and then by the rule's place
    in the exercise definition (the physical therapist lists the most important check first); the
    rep that reaches the set's goal says so in its own words."""
    order = {code: len(exercise.fault_codes) - i for i, code in enumerate(exercise.fault_codes)}
    cues = []
    for e in events:
        if isinstance(e, FaultRaised):
            rank = SEVERITY_RANK[e.fault.severity] * 100 + order.get(e.fault.code, 0)
            cues.append(Cue(e.cue, CueKind.FAULT, rank, e.fault.code))
        elif isinstance(e, RepCompleted):
            n = e.rep.index
            said = f"Rep {n}" if e.rep.faults else f"{exercise.good_rep} - {n}"
            if n == goal.reps:
                cues.append(Cue(f"{said} - set done", CueKind.GOAL, key=f"rep{n}"))
            elif e.rep.faults:
                cues.append(Cue(said, CueKind.INFO, key=f"rep{n}"))
            else:
                cues.append(Cue(said, CueKind.PRAISE, key=f"rep{n}"))
        elif isinstance(e, HoldStarted):
            cues.append(Cue("Hold it", CueKind.INFO, key=f"hold{e.index}"))
        elif isinstance(e, HoldEnded):
            h = e.hold
            good = h.score >= GOOD_HOLD_SCORE
            text = (
                f"{exercise.good_hold} - {h.duration_s:.0f} seconds"
                if good
                else f"{h.duration_s:.0f} seconds"
            )
            cues.append(Cue(text, CueKind.PRAISE if good else CueKind.INFO, key=f"held{h.index}"))
        elif isinstance(e, SetupWarning):
            text = e.warning.message.split(" - ")[0]
            cues.append(Cue(text, CueKind.NOTE, key=f"{e.warning.code}: {text}"))
    return cues


class HoldCalls:
    """A hold's time so far, called once at every HOLD_CALL_EVERY_S ("20 seconds"), and once when
    it reaches the goal's (``goal_s``; "30 seconds - hold done", in place of that moment's call)."""

    def __init__(self, every_s: float = HOLD_CALL_EVERY_S, goal_s: float | None = None):
        self.every_s, self.goal_s = every_s, goal_s
        # The hold called about (its start), the last call's number, and whether its goal was told.
        self._called: tuple[float | None, int, bool] = (None, 0, False)

    def cues(self, t_s: float, held_since_s: float | None) -> list[Cue]:
        """The call due at ``t_s`` for a hold timed from ``held_since_s`` (None: no hold)."""
        if held_since_s is None:
            return []
        held_s = t_s - held_since_s
        n = int(held_s // self.every_s)
        hold, called, told = self._called
        if hold != held_since_s:
            called, told = 0, False
        cues = []
        key = f"held {held_since_s}"
        if self.goal_s is not None and not told and held_s >= self.goal_s:
            cues.append(Cue(f"{self.goal_s:g} seconds - hold done", CueKind.GOAL, key=f"{key} goal"))
            called, told = max(called, n), True
        elif n >= 1 and n > called:
            cues.append(Cue(f"{n * self.every_s:.0f} seconds", CueKind.TIME, key=f"{key} {n}"))
            called = n
        self._called = held_since_s, called, told
        return cues


class Coach:
    """Picks the one cue to show: a more important cue replaces the one on screen, a lesser one
    waits its turn (briefly), and a cue given within its cooldown is not given again.

    Notes (CueKind.NOTE) are shown on their own line, one after another, each given in a frame
    that gave no cue, so a voice says it after that cue. On the cues' line a note outranked a rep's
    praise and a hold's time call and showed for 2.5 s, while they may wait 1.5 s: in 30 simulated
    live sets 34 of 174 praises and 11 of 42 time calls were never given."""

    def __init__(
        self,
        show_s: float = SHOW_S,
        cooldown_s: float = COOLDOWN_S,
        max_wait_s: float = MAX_WAIT_S,
        on_cue: Callable[[Cue], None] | None = None,
    ):
        self.show_s, self.cooldown_s, self.max_wait_s = show_s, cooldown_s, max_wait_s
        self.on_cue = on_cue
        self.current: Cue | None = None
        self._until_s = -1.0
        self._pending: list[tuple[float, Cue]] = []
        self._last_given: dict[str, float] = {}
        self.note: Cue | None = None
        self._note_until_s = -1.0
        self._notes: list[Cue] = []  # waiting, in the order they came

    def _cooling(self, cue: Cue, t_s: float) -> bool:
        last = self._last_given.get(cue.cooldown_key)
        return last is not None and t_s - last < self.cooldown_s

    def _give(self, cue: Cue, t_s: float) -> None:
        if cue.kind is CueKind.NOTE:
            self.note, self._note_until_s = cue, t_s + self.show_s
        else:
            self.current, self._until_s = cue, t_s + self.show_s
        self._last_given[cue.cooldown_key] = t_s
        if self.on_cue is not None:
            self.on_cue(cue)

    def offer(self, t_s: float, cues: list[Cue]) -> None:
        for cue in cues:
            waiting = [c for _, c in self._pending] + self._notes
            if any(c.cooldown_key == cue.cooldown_key for c in waiting) or self._cooling(cue, t_s):
                continue
            if cue.kind is CueKind.NOTE:
                self._notes.append(cue)
            else:
                self._pending.append((t_s, cue))

    def update(self, t_s: float) -> Cue | None:
        """The cue on screen at ``t_s`` (None when there is nothing to say); the note on its own
        line is ``note``."""
        gave = self._update_cue(t_s)
        if self.note is not None and t_s >= self._note_until_s:
            self.note = None
        if self.note is None and self._notes and not gave:
            self._give(self._notes.pop(0), t_s)
        return self.current

    def _update_cue(self, t_s: float) -> bool:
        """Whether a cue was given at ``t_s``."""
        self._pending = [(t, c) for t, c in self._pending if t_s - t <= self.max_wait_s]
        showing = self.current is not None and t_s < self._until_s
        if self._pending:
            best_t, best = max(self._pending, key=lambda tc: (tc[1].priority, tc[0]))
            if not showing or best.priority > self.current.priority:
                self._pending.remove((best_t, best))
                self._give(best, t_s)
                return True
        if not showing:
            self.current = None
        return False

    def retract(self, key_prefix: str) -> None:
        """Take down a cue that is no longer true (a set-up problem just fixed), shown or waiting."""
        self._pending = [(t, c) for t, c in self._pending if not c.cooldown_key.startswith(key_prefix)]
        if self.current is not None and self.current.cooldown_key.startswith(key_prefix):
            self.current, self._until_s = None, -1.0

    def apply(self, t_s: float, exercise: Exercise, events: list[Event], goal: Goal = NO_GOAL) -> Cue | None:
        """Offer the cues a frame's events call for and return the cue on screen."""
        self.offer(t_s, cues_from_events(exercise, events, goal))
        return self.update(t_s)


# -- speech ----------------------------------------------------------------------------------------


class Speaker:
    """Says cues aloud in its own thread; a newer cue replaces one still waiting to be said.

    ``factory`` makes, inside that thread (some engines must be used from the thread that made
    them), a callable that speaks one phrase and returns when done. It raises if the engine is
    not usable; ``start`` then re-raises it.
    """

    def __init__(self, factory: Callable[[], Callable[[str], None]], name: str):
        self.name = name
        self._factory = factory
        self._next: str | None = None
        self._cond = threading.Condition()
        self._closed = False
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="formcheck-voice", daemon=True)

    def start(self, timeout_s: float = 5.0) -> Speaker:
        self._thread.start()
        if not self._started.wait(timeout_s):
            raise RuntimeError("the speech engine did not start")
        if self._error is not None:
            raise self._error
        return self

    def say(self, text: str) -> None:
        with self._cond:
            self._next = text
            self._cond.notify()

    def _run(self) -> None:
        try:
            speak = self._factory()
        except Exception as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            return
        finally:
            self._started.set()
        while True:
            with self._cond:
                while self._next is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                text, self._next = self._next, None
            try:
                speak(text)
            except Exception:  # noqa: BLE001 - a failing voice must never stop the session
                return

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)


def _pyttsx3() -> Callable[[str], None]:
    import pyttsx3

    if sys.platform.startswith("linux") and shutil.which("aplay") is None:
        raise RuntimeError("pyttsx3 plays speech with aplay on Linux, which is missing (alsa-utils)")
    engine = pyttsx3.init()
    engine.setProperty("rate", 165)

    def speak(text: str) -> None:
        engine.say(text)
        engine.runAndWait()

    return speak


def _speech_command() -> Callable[[str], None]:
    exe = shutil.which("espeak-ng") or shutil.which("espeak") or shutil.which("say")
    if exe is None:
        raise RuntimeError("no espeak-ng, espeak or say command")

    def speak(text: str) -> None:
        subprocess.run([exe, text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    return speak


VOICE_HELP = (
    "Spoken cues need an offline speech engine: pip install 'formcheck[voice]' (pyttsx3), "
    "and on Linux also espeak-ng and aplay (e.g. sudo apt install espeak-ng alsa-utils)"
)
SPEECH_ENGINES: tuple[tuple[str, Callable[[], Callable[[str], None]]], ...] = (
    ("pyttsx3", _pyttsx3),
    ("speech command", _speech_command),
)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def make_speaker(engines=SPEECH_ENGINES) -> tuple[Speaker | None, str]:
    """The first speech engine that works here, or None and a note saying what to install
    (cues are then shown on screen only)."""
    problems = []
    for name, factory in engines:
        try:
            return Speaker(factory, name).start(), f"Spoken cues on ({name})."
        except Exception as exc:  # noqa: BLE001 - any failure means this engine is not usable here
            problems.append(f"{name}: {_first_line(exc)}")
    return None, f"{VOICE_HELP}; none works here ({'; '.join(problems)}), so cues are on screen only."
