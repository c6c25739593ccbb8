"""A live session as a state machine: measured frames in, what happened out.

Getting ready (the start gate) hands over to a set's engine; a side switch closes the set and
gets ready for the next; pause and restart come in as calls. Nothing here reads a camera, draws,
writes a file or knows the time of day: the runner (``live.py``) does that with what ``step``
returns.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.engine import Event, ExerciseEngine, FrameMetrics, HoldEnded, RepCompleted, Warning
from formcheck.engine.setup import Problem, frame_problems
from formcheck.exercises import Exercise
from formcheck.feedback import NO_GOAL, Coach, Cue, CueKind, Goal, HoldCalls
from formcheck.kinematics import Side, side_from_votes, side_votes
from formcheck.overlay import DisplayState
from formcheck.pipeline import LiveFrame
from formcheck.pose import Landmark as L
from formcheck.readiness import GateState, StartGate
from formcheck.scorecard import ExerciseSet

# The frames a new set's engine is primed with: the start position just held still, so it knows
# the resting level and the set-up is already confirmed when counting starts.
PRIME_S = 1.0
# The head at the other end of the frame for this long, in the start position, is a side switch.
SWITCH_S = 2.0
# The side on top is voted over this much of the recent past.
SIDE_WINDOW_S = 2.0
# The head's end of the frame counts only when this share of recent frames agree on it.
HEAD_AGREEMENT = 0.8


class SideWatch:
    """Which side is on top, over the last few seconds.

    The side is voted from MediaPipe's left/right labels, as offline. A real switch of sides also
    moves the head to the other end of the frame (for someone facing the camera), which a mere
    swap of labels does not - so switches are judged by the head.
    """

    def __init__(self, window_s: float = SIDE_WINDOW_S):
        self.window_s = window_s
        # per frame with a person: (t_s, side vote, head end or None when the face is not seen)
        self._frames: deque[tuple[float, float, float | None]] = deque()

    def update(self, t_s: float, image: np.ndarray | None, visibility: np.ndarray | None) -> None:
        if image is not None and visibility is not None:
            vote = float(side_votes(image[None], visibility[None])[0])
            hip_x = (image[L.LEFT_HIP, 0] + image[L.RIGHT_HIP, 0]) / 2
            head = float(np.sign(image[L.NOSE, 0] - hip_x)) if visibility[L.NOSE] >= 0.5 else None
            self._frames.append((t_s, vote, head))
        while self._frames and t_s - self._frames[0][0] > self.window_s:
            self._frames.popleft()

    @property
    def side(self) -> Side | None:
        return side_from_votes(sum(vote for _, vote, _ in self._frames))

    @property
    def head_end(self) -> int | None:
        """+1 when the head is at the right of the frame, -1 at the left, None when unclear."""
        ends = [head for _, _, head in self._frames if head is not None]
        if len(ends) < 3:
            return None
        mean = sum(ends) / len(ends)
        if abs(mean) < 2 * HEAD_AGREEMENT - 1:
            return None
        return 1 if mean > 0 else -1


@dataclass
class Step:
    """What one frame did: the engine's events, lines for the person at the terminal, and whether
    the scorecard changed enough to be saved now (a rep or hold finished, a set ended)."""

    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    save: bool = False


class SessionMachine:
    """The sets of one live session: getting ready, counting, switching sides."""

    def __init__(
        self,
        exercise: Exercise,
        side: Side | None = None,
        countdown_s: float = 3.0,
        coach: Coach | None = None,
        goal: Goal = NO_GOAL,
    ):
        self.exercise, self.fixed_side, self.goal = exercise, side, goal
        self.gate = StartGate(exercise, countdown_s)
        self.side_watch = SideWatch()
        self.coach: Coach = coach or Coach()
        self.hold_calls = HoldCalls(goal_s=goal.hold_s)
        self.display = DisplayState(goal=self.goal)
        self.sets: list[ExerciseSet] = []
        self.finished_warnings: list[Warning] = []
        self.engine: ExerciseEngine | None = None
        self.set_side: Side | None = None
        self.set_start_s = 0.0
        self.last_problem: Problem | None = None
        self.last_t_s = 0.0
        self._set_head_end: int | None = None
        self._switch_since: float | None = None
        self._switched = False
        self._primer: deque[FrameMetrics] = deque()
        self._last_countdown: int | None = None
        self._countdowns = 0
        self._resume_cut = False

    # -- what it shows -----------------------------------------------------------------------------
    @property
    def side(self) -> Side:
        return self.fixed_side or self.set_side or self.side_watch.side or Side.RIGHT

    @property
    def set_index(self) -> int:
        return len(self.sets) + 1

    @property
    def counting(self) -> bool:
        return self.engine is not None

    # -- one frame ---------------------------------------------------------------------------------
    def step(self, live: LiveFrame, level: float | None) -> Step:
        """Take one measured frame (``level``: its brightness, None without pixels)."""
        m = live.metrics
        self.last_t_s = t = m.t_s
        if self._resume_cut:
            m, self._resume_cut = replace(m, cut=True), False
        self.side_watch.update(t, live.image, live.visibility)
        step = Step()
        if self.engine is None:
            step.events = self._get_ready(live, m, level)
            if self.engine is not None:
                step.notes.append(f"Counting set {self.set_index} ({self.side.value} side).")
        elif self._sides_switched(m):
            step.events, step.save, self._switched = self._end_set(t), True, True
            step.notes.append(
                f"Side switch: set {self.set_index - 1} ended; get ready for set {self.set_index}."
            )
        else:
            step.events = self.engine.update(m)
        self.display.apply(t, step.events)
        self.display.blind = self.engine.blind_metrics if self.engine is not None else frozenset()
        timer = self.engine.hold_timer if self.engine is not None else None
        held = timer is not None and timer.active and not timer.dipping  # a dip may be the hold ending
        self.coach.offer(t, self.hold_calls.cues(t, timer.start_s if held else None))
        self.display.cue = self.coach.apply(t, self.exercise, step.events, self.goal)
        self.display.note = self.coach.note
        step.save |= any(isinstance(e, (RepCompleted, HoldEnded)) for e in step.events)
        return step

    def _get_ready(self, live: LiveFrame, m: FrameMetrics, level: float | None) -> list[Event]:
        t = m.t_s
        self._primer.append(m)
        while t - self._primer[0].t_s > PRIME_S:
            self._primer.popleft()
        problems = frame_problems(self.exercise, m, live.image, live.visibility, level)
        before = self.gate.state
        state = self.gate.update(t, problems, m)
        self.last_problem = problems[0] if problems else None
        cues = []
        if self.last_problem is not None:
            cues.append(Cue(self.last_problem.text, CueKind.SETUP, key=f"problem:{self.last_problem.code}"))
        else:
            self.coach.retract("problem:")  # fixed: stop showing it
            if state is GateState.HOLDING and before is GateState.WAITING:
                cues.append(Cue("Hold still in the start position", CueKind.INFO, key="hold-still"))
        if state is GateState.COUNTDOWN:
            if before is not GateState.COUNTDOWN:
                self._countdowns += 1  # a countdown that starts over is said again
            n = self.gate.seconds_left(t)
            if n != self._last_countdown:
                cues.append(Cue(str(n), CueKind.SETUP, key=f"countdown{self._countdowns}:{n}"))
            self._last_countdown = n
        else:
            self._last_countdown = None
        self.coach.offer(t, cues)
        if state is not GateState.GO:
            return []
        return self._start_set(t)

    def _start_set(self, t_s: float) -> list[Event]:
        if self.fixed_side is not None:
            side = self.fixed_side
        elif self._switched and self.sets and self.side_watch.side is None:
            side = Side(self.sets[-1].side).other  # the head moved ends, the labels can't tell
        else:
            side = self.side_watch.side or Side.RIGHT
        # The set starts with the start position it was primed with (a hold may already be on).
        self.set_side, self.set_start_s = side, self._primer[0].t_s if self._primer else t_s
        self._set_head_end, self._switch_since, self._switched = self.side_watch.head_end, None, False
        self.engine = ExerciseEngine(self.exercise, side_given=self.fixed_side is not None)
        self.display = DisplayState(goal=self.goal)
        self.coach.offer(t_s, [Cue(f"Go! Set {self.set_index}, {side.value} side", CueKind.SETUP, key="go")])
        events: list[Event] = []
        for m in self._primer:  # the start position just held: rest level, set-up confirmed
            events += self.engine.update(m)
        self._primer.clear()
        return events

    def _sides_switched(self, m: FrameMetrics) -> bool:
        if self.fixed_side is not None or self._set_head_end is None:
            return False
        head = self.side_watch.head_end
        in_position = m.has_pose and not self.engine.setup.failed_checks(m)
        if head is None or head == self._set_head_end or not in_position:
            self._switch_since = None
            return False
        self._switch_since = m.t_s if self._switch_since is None else self._switch_since
        return m.t_s - self._switch_since >= SWITCH_S

    def _end_set(self, t_s: float) -> list[Event]:
        """Close the current set (an open hold ends, an unfinished rep is dropped) and get ready
        for the next one."""
        events = self.engine.finish()
        self.sets.append(self.current_set(t_s))
        self.finished_warnings += self.engine.warnings
        self.engine, self.set_side = None, None
        self.gate.reset()
        self._primer.clear()
        return events

    def current_set(self, end_s: float) -> ExerciseSet:
        return ExerciseSet(
            self.set_index,
            self.set_side.value,
            list(self.engine.reps),
            list(self.engine.holds),
            round(self.set_start_s, 2),
            round(end_s, 2),
            self.engine.views.windows,
        )

    # -- calls from the person -----------------------------------------------------------------
    def resume(self) -> None:
        """After a pause: an open rep is dropped, and the start position must be seen again."""
        if self.engine is not None:
            self._resume_cut = True
        else:
            self.gate.reset()

    def restart_set(self) -> str | None:
        """Throw away the current set's reps and start it again from the start position."""
        note = None
        if self.engine is not None:
            note = f"Set {self.set_index} restarted: its {len(self.engine.reps)} reps are discarded."
        self.engine, self.set_side = None, None
        self.display = DisplayState(goal=self.goal)
        self.gate.reset()
        self._primer.clear()
        return note

    def finish(self) -> None:
        """Close the set in progress: an open hold ends now, an unfinished rep is dropped."""
        if self.engine is not None:
            self.engine.finish()
            self.sets.append(self.current_set(self.last_t_s))
            self.finished_warnings += self.engine.warnings
            self.engine = None

    def results(self) -> tuple[list[ExerciseSet], list[Warning]]:
        """The sets and warnings so far, the set in progress included."""
        sets, warnings = list(self.sets), list(self.finished_warnings)
        if self.engine is not None:
            sets.append(self.current_set(self.last_t_s))
            warnings += self.engine.warnings
        if not sets and self.last_problem is not None:  # never got going: say why
            warnings.append(Warning(self.last_problem.code, self.last_t_s, self.last_problem.text + "."))
        return sets, warnings
