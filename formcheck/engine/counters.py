"""The two state machines: reps (with hysteresis around a resting level) and holds."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from enum import Enum

from formcheck.exercises import HoldSpec, RepSpec

# The resting level is the lowest signal over this many seconds of rest.
REST_WINDOW_S = 3.0
# ...of the signal's running median over this many samples, so one wild frame (a cross-dissolve,
# a landmark swap) cannot become the resting level: from a base 40 degrees too low, the next rep
# could never come back down far enough to end, and every later rep was lost.
REST_MEDIAN_SAMPLES = 3
# A steady rest must have been seen this long before the first rep may start.
MIN_REST_S = 0.3
# Small reps (issue 12: a clam opened 5-15 deg shows 3-8 deg in the image): after a still rest the
# start rise drops towards the exercise's quiet_start_rise, to this many times the spread of the
# quietest second of rest seen in the set (ending QUIET_LAG_S ago, so a rep's own slow start is not
# taken for noise; the quietest, so a rep's settling is not either: the simulator's 15 deg clams
# right after full ones, from above, rose 6 deg in the image within a 1.3 s rest that spread 1.6).
QUIET_SPREAD_FACTOR = 4.0
QUIET_SPAN_S = 1.0
QUIET_LAG_S = 0.3
# A rep smaller than the spec's min_range must last this long: a deliberate small rep, not the
# pose model's wander at rest (judgment: the shared clam clip wanders 9 deg and back in 0.9 s at
# rest; clinical reps take about 2 s up and 2 s down).
SMALL_REP_MIN_S = 1.0
# A rep has also ended when its signal settles in the lower half of its range, still to within a
# quarter of its start rise for this long: a rest, though above the end level. From a steep camera
# the pose model read a kneeling clam's closing knee about 7-8 deg below its rest for a second
# (rendered from 1.7 m, a pike or a trunk turn in the plank); that dip became the next rep's base,
# the rep came back to rest at about 40% of a range measured from there, above the 35% end level,
# and merged with the one after. Judgment: rendered rests between reps last 1-1.5 s.
SETTLE_S = 0.5
SETTLE_BAND = 0.25
# A rep ends where its signal falls to its end level, unless it is seen back above it within this
# time: a shorter drop is the pose model losing the joint for a frame or two, not the movement's end.
# Rendered kneeling clams from 1.7 m (slim body): MediaPipe's opening knee fell to rest for 0.07 s
# mid-rep (two frames at 15 frames/s) and back; the rep was split in two, and a piece was told
# too_fast or small_range. The shared edited leg-lift clip fell for 0.13 s (five frames at 30) and
# then its cross-dissolve threw the leg up: a fall that only a cut, the signal's loss or the set's end
# follows ends the rep too. Judgment, between the two.
END_CONFIRM_S = 0.1
# A rep or hold whose signal cannot be measured this long is abandoned.
LOST_SIGNAL_S = 2.0
# A hold's entry must persist this long (brief wobbles do not start it), and so must the hips' return
# from a dip (brief wobbles do not end it): lying after a rendered kneeling plank, MediaPipe's hips
# read back above the exit for 0.2-0.3 s at a time (its bottom knee jumping), and the hold ran 2.1 s on.
HOLD_DEBOUNCE_S = 0.3
# The hips down for less than this and back up is a dip inside the hold (its sag rule judges it),
# not the hold's end; a hold that does end is dated from when they went down. Judgment: real dips
# to the floor and back take about 1 s; resting between holds takes longer.
HOLD_DIP_S = 2.0
# A hold's own level (for its exit_fraction) is its signal over this first stretch.
HOLD_LEVEL_S = 1.0
# Tempo is timed to and from this share of the rep's range, so a pause at the top is not
# counted as slow lifting (and noise on the plateau does not move the timing)...
TOP_FRACTION = 0.9
# ...and the lift from the last moment below this share of it where that came before the rep's
# start, as a small rep's does: its start band (half its start rise) is a third of it (rendered
# 5 deg clams from 0.9 m rose 2.3-2.4 deg in the picture through MediaPipe; timed from that band
# their lifts of 1.3-1.5 s read 0.33 s, too fast; from the bottom tenth 0.93-1.2); or where a rep
# waited there for SETTLE_S after its start, from the end of that wait (rendered kneeling clam from
# 1.7 m, the slim body's quick rep: started on the rise out of a dip below rest, timed from there,
# 1.1 s, and passed).
BOTTOM_FRACTION = 0.1


def _note_rest(rest: deque, t_s: float, value: float) -> None:
    """Add a sample of rest and drop those older than REST_WINDOW_S."""
    rest.append((t_s, value))
    while t_s - rest[0][0] > REST_WINDOW_S:
        rest.popleft()


class RepPhase(str, Enum):
    REST = "rest"
    UP = "up"


class Change(Enum):
    """What a frame changed in a rep or a hold."""

    START = "start"
    END = "end"
    ABORT = "abort"  # a rep under way lost its signal: it is dropped, not counted


@dataclass
class RepCounter:
    """Counts reps of a signal that rises from a resting level and comes back.

    A rep starts when the signal rises ``start_rise`` above its base (the resting level, or the
    lowest point since the last rep when the person did not come all the way down), peaks, and
    ends when it falls back below ``end_fraction`` of its range and is not seen back above it at
    once (END_CONFIRM_S: a joint lost for a frame is no end), or comes to rest in its lower half
    (SETTLE_S: a base the pose model read too low cannot hold it up). Anything smaller than
    ``min_range`` is jitter, not a rep. The gap between the start and end thresholds is the
    hysteresis that stops noise around one threshold from double-counting. After a still rest the
    start rise (and min_range with it) drops towards ``quiet_start_rise``, so small reps count.
    """

    spec: RepSpec
    phase: RepPhase = RepPhase.REST
    rest_level: float | None = None
    peak: float = 0.0
    peak_s: float = 0.0
    base: float = 0.0
    start_rise: float = 0.0  # the rise that started the current rep (see _start_rise)
    end_s: float = 0.0  # when the last rep ended: its fall below the end level, or its settling
    _below_end_s: float | None = None  # first frame of the current rep's stay at or below its end level
    _fell_s: float | None = None  # ...of its latest such stay, if it came back up
    _quiet_rise: float | None = None
    _rest: deque = field(default_factory=deque)
    _floor: float | None = None
    _low_s: float | None = None  # last still down, within a quarter of the spec's start rise
    _still_s: float | None = None  # ... within half of the start rise in use (a quiet one)
    _start_full_s: float = 0.0
    _start_small_s: float = 0.0
    _last_seen_s: float | None = None
    _armed: bool = False
    _trace: list[tuple[float, float]] = field(default_factory=list)  # (t_s, value) of the current rep
    _lead: list[tuple[float, float]] = field(default_factory=list)  # ...and of the rest before it
    _recent: deque = field(default_factory=lambda: deque(maxlen=REST_MEDIAN_SAMPLES))

    def reset(self) -> None:
        self.phase = RepPhase.REST
        self.rest_level = self._floor = self._low_s = self._still_s = self._quiet_rise = None
        self._below_end_s = self._fell_s = None
        self._armed = False
        self._rest.clear()
        self._recent.clear()

    def _rest_is_steady(self, t_s: float) -> bool:
        """The last MIN_REST_S of rest stayed within half a start rise: a real resting position,
        not a movement already under way when counting began."""
        if t_s - self._rest[0][0] < MIN_REST_S:
            return False
        recent = [v for t, v in self._rest if t_s - t <= MIN_REST_S]
        return max(recent) - min(recent) <= 0.5 * self.spec.start_rise

    def _start_rise(self) -> float:
        """The rise that starts a rep now: the spec's, or less after a still rest (down to its
        quiet_start_rise), so small reps count where the signal is quiet enough to show them."""
        return self._quiet_rise if self._quiet_rise is not None else self.spec.start_rise

    def _judge_stillness(self, t_s: float) -> None:
        """Judge the start rise from the rest so far (only while the signal is down), never above the
        set's quietest so far: the noise is the camera's and the pose model's, not the rest's."""
        quiet, end_s = self.spec.quiet_start_rise, t_s - QUIET_LAG_S
        if quiet is None or end_s - self._rest[0][0] < QUIET_SPAN_S:
            return
        window = [v for t, v in self._rest if end_s - QUIET_SPAN_S <= t <= end_s]
        if not window:  # frames dropped for longer than the lag
            return
        rise = min(self.spec.start_rise, max(quiet, QUIET_SPREAD_FACTOR * (max(window) - min(window))))
        self._quiet_rise = rise if self._quiet_rise is None else min(rise, self._quiet_rise)

    @property
    def min_range(self) -> float:
        """The smallest range the current rep counts with (in proportion to its start rise)."""
        return self.spec.min_range_for(self.start_rise)

    @property
    def _steady(self) -> float:
        """The running median of the last few values (one wild frame does not move it)."""
        return sorted(self._recent)[len(self._recent) // 2]

    def at_peak(self, value: float) -> bool:
        """Near the top of the current rep (for rules that apply at the peak)."""
        if self.phase is not RepPhase.UP:
            return False
        return value - self.base >= max(0.75 * (self.peak - self.base), self.min_range)

    def update(self, t_s: float, value: float | None) -> Change | None:
        """Feed one frame (None = signal not measurable): the rep's start, end or abort, or None."""
        if value is None:
            if self._last_seen_s is not None and t_s - self._last_seen_s > LOST_SIGNAL_S:
                ended = self.stop()
                was_up = self.phase is RepPhase.UP
                self.reset()
                self._last_seen_s = None
                return Change.END if ended else Change.ABORT if was_up else None
            down_s = self._down_for(t_s)  # came down, then unseen: nothing says it went on
            return self._end(down_s, t_s, self._steady) if down_s is not None else None
        self._last_seen_s = t_s
        self._recent.append(value)
        if self.phase is RepPhase.REST:
            steady = self._steady
            _note_rest(self._rest, t_s, steady)
            self.rest_level = min(v for _, v in self._rest)
            self._floor = steady if self._floor is None else min(self._floor, steady)
            base = max(self.rest_level, self._floor)
            # Still down: a rep that follows starts from here, and the rest's stillness is judged again.
            if value <= base + 0.25 * self.spec.start_rise:
                self._low_s = t_s
            if value <= base + 0.5 * self._start_rise():
                self._still_s = t_s
                self._judge_stillness(t_s)
            start_rise = self._start_rise()
            self._armed = self._armed or self._rest_is_steady(t_s)
            if self._armed and value >= base + start_rise:
                self.phase, self.base, self.start_rise = RepPhase.UP, base, start_rise
                self._start_full_s = self._low_s if self._low_s is not None else t_s
                self._start_small_s = self._still_s if self._still_s is not None else t_s
                self.peak, self.peak_s = value, t_s
                self._trace = [(t_s, value)]
                self._lead = [(t, v) for t, v in self._rest if t < t_s]  # (this frame is the trace's)
                self._below_end_s = self._fell_s = None
                return Change.START
            return None
        self._trace.append((t_s, value))
        if value > self.peak:
            self.peak, self.peak_s = value, t_s
        if value > self.base + self.spec.end_fraction * (self.peak - self.base):
            self._below_end_s = None
        elif self._below_end_s is None:
            self._below_end_s = self._fell_s = t_s
        ends = [s for s in (self._down_for(t_s), self._settled_since(t_s)) if s is not None]
        return self._end(min(ends), t_s, value) if ends else None

    def _down_for(self, t_s: float) -> float | None:
        """When the rep fell to its end level, if it has not been seen back above it since, for
        END_CONFIRM_S; else None."""
        down_s = self._below_end_s
        return (
            down_s
            if self.phase is RepPhase.UP and down_s is not None and t_s - down_s >= END_CONFIRM_S
            else None
        )

    def _end(self, end_s: float, t_s: float, value: float) -> Change:
        """End the rep at ``end_s`` (decided at ``t_s``): the rest starts from ``value``."""
        self.phase, self.end_s = RepPhase.REST, end_s
        self._below_end_s = self._fell_s = None
        self._floor = max(value, self._steady)
        self._low_s = self._still_s = t_s
        self._rest.clear()
        self._rest.append((t_s, self._floor))
        return Change.END

    def stop(self) -> bool:
        """The set, the shot or the signal ended: whether a rep under way had come back down to its
        end level (for less than END_CONFIRM_S, or since risen again: the shared edited leg-lift
        clip's cross-dissolve threw the leg up just after a lift came down), and so ends at its
        latest fall there (``end_s``), with its peak before it."""
        if self.phase is not RepPhase.UP or self._fell_s is None:
            return False
        self._trace = [(t, v) for t, v in self._trace if t <= self._fell_s]
        self.peak_s, self.peak = max(self._trace, key=lambda tv: tv[1])
        self.phase, self.end_s = RepPhase.REST, self._fell_s
        self._below_end_s = self._fell_s = None
        return True

    def _settled_since(self, t_s: float) -> float | None:
        """When the rep came to rest in the lower half of its range, if it has stayed there, still,
        for SETTLE_S (see there); else None. The stretch is read from the last value seen at least
        SETTLE_S ago, so a signal lost meanwhile is no rest (the shared leg-lift clip replayed at
        10 frames/s: one value after 1.3 s unseen ended a rep that then went on rising)."""
        start = next(
            (i for i in range(len(self._trace) - 1, -1, -1) if t_s - self._trace[i][0] >= SETTLE_S), None
        )
        if start is None:
            return None
        values = [v for _, v in self._trace[start:]]
        if (
            max(values) > self.base + 0.5 * self.range
            or max(values) - min(values) > SETTLE_BAND * self.start_rise
        ):
            return None
        return self._trace[start][0]

    @property
    def range(self) -> float:
        return self.peak - self.base

    @property
    def start_s(self) -> float:
        """When the current rep left its rest: a full-size rep from a quarter of the spec's start
        rise (noise at rest cannot backdate it), a small one from the tighter quiet band."""
        return self._start_small_s if self.range < self.spec.min_range else self._start_full_s

    def counts(self, end_s: float) -> bool:
        """Whether the rep just ended is one: big enough, and a small one slow enough to be meant."""
        if self.range < self.min_range:
            return False
        return self.range >= self.spec.min_range or end_s - self.start_s >= SMALL_REP_MIN_S

    def tempo_s(self, end_s: float) -> tuple[float, float]:
        """(up_s, down_s): from the start (or from last leaving the bottom of the range, where that
        came first, or after a wait there) to first reaching the top of the range, and from last
        leaving it to the end."""
        top = self.base + TOP_FRACTION * self.range
        at_top = [t for t, v in self._trace if v >= top] or [self.peak_s]
        bottom = self.base + BOTTOM_FRACTION * self.range
        lift_start = self._waited_at_bottom_s(bottom, at_top[0])
        if lift_start is None:
            below = [t for t, v in self._lead + self._trace if v <= bottom and t <= at_top[0]]
            lift_start = min(self.start_s, below[-1]) if below else self.start_s
        return at_top[0] - lift_start, end_s - at_top[-1]

    def _waited_at_bottom_s(self, bottom: float, until_s: float) -> float | None:
        """The end of the rep's last wait at the bottom of its range before ``until_s``: at or below
        ``bottom`` for SETTLE_S since it started (a start on the rise out of a dip below rest)."""
        left_s = since_s = None
        for t, v in self._trace:
            if t > until_s:
                break
            if v > bottom:
                since_s = None
                continue
            since_s = t if since_s is None else since_s
            if t - since_s >= SETTLE_S:
                left_s = t
        return left_s


@dataclass
class HoldTimer:
    """Times a hold: the signal rising above its entry starts it, falling below its exit for
    longer than a dip ends it. Both are the spec's fixed levels, or (where the spec gives an
    ``enter_rise`` and the rest before was seen) levels above that rest's own level."""

    spec: HoldSpec
    active: bool = False
    start_s: float = 0.0
    level: float | None = None  # the signal's median over the hold's first HOLD_LEVEL_S
    # The rest's median before the hold (enter_rise only); where none was seen since the last hold,
    # that one's: a hold resumed after its signal was lost rose from the same rest (a rendered
    # kneeling plank's bottom knee went unseen 2 s; resumed without it, the hold's exit fell to 60%
    # of its level, under the lying position's, and the lowering was timed as a sag).
    rest_level: float | None = None
    _level_samples: list[float] = field(default_factory=list)
    _above_since: float | None = None
    _below_since: float | None = None
    _back_since: float | None = None  # back above the exit during a dip
    _last_seen_s: float | None = None
    # (t_s, value) of the last REST_WINDOW_S not holding, below the spec's fixed entry
    _rest: deque = field(default_factory=deque)

    def _rest_median(self) -> float | None:
        """The rest's median over the last REST_WINDOW_S, once MIN_REST_S of it was seen: its median,
        not its lowest, as the start of a lift can dip (a rendered kneeling plank's read 0.03 for
        0.2 s against a rest of 0.10), and the rise itself is a small part of the window."""
        seen_s = self._rest[-1][0] - self._rest[0][0] if self._rest else 0.0
        if self.spec.enter_rise is None or seen_s < MIN_REST_S:
            return None
        return statistics.median(v for _, v in self._rest)

    def forget_rest(self) -> None:
        """After a cut the rest before it is another scene's: a lift is measured from the new one."""
        self._rest.clear()
        self.rest_level = None
        self._above_since = None

    @property
    def enter_level(self) -> float:
        """The spec's enter, or less: ``enter_rise`` above the rest's level, however low that reads
        (not floored at the spec's exit: from a steep camera a plank's hips can read below it up
        and down, as a rendered kneeling plank's did through MediaPipe from 1.7 m, 64 deg above
        it: -0.09 lying, 0.06 held; its hold was timed only at the clam reps' tops, 0 reps counted)."""
        rest = self._rest_median()
        if rest is None:
            return self.spec.enter
        return min(self.spec.enter, rest + self.spec.enter_rise)

    def update(
        self, t_s: float, value: float | None, allowed: bool, posed_since_s: float | None = None
    ) -> Change | None:
        """Returns START (with ``start_s`` backdated to when the signal first rose, but not before
        ``posed_since_s``, when the start position began to be seen), END or None."""
        if value is None:
            if self.active and self._last_seen_s is not None and t_s - self._last_seen_s > LOST_SIGNAL_S:
                self.active = False
                return Change.END
            return None
        self._last_seen_s = t_s
        if not self.active:
            # Hips up by the fixed entry are no rest, even before the hold may start: live, a plank
            # already up when counting begins took them for its rest, and its exit came within
            # 0.01 of its own level (the simulator's raised side planks: split in 3 of 4 sets).
            if value < self.spec.enter:
                _note_rest(self._rest, t_s, value)
            if value >= self.enter_level:
                self._above_since = t_s if self._above_since is None else self._above_since
                if allowed and t_s - self._above_since >= HOLD_DEBOUNCE_S:
                    self.active, self._below_since, self._back_since = True, None, None
                    self.start_s = max(self._above_since, posed_since_s or self._above_since)
                    self.level, self._level_samples = None, []
                    rest = self._rest_median()
                    self.rest_level = rest if rest is not None else self.rest_level
                    self._rest.clear()
                    return Change.START
            else:
                self._above_since = None
            return None
        if self.level is None:
            self._level_samples.append(value)
            if t_s - self.start_s >= HOLD_LEVEL_S:
                self.level = statistics.median(self._level_samples)
        if value < self.exit_level or not allowed:
            self._below_since = t_s if self._below_since is None else self._below_since
            self._back_since = None
            if t_s - self._below_since >= HOLD_DIP_S:
                self.active, self._above_since = False, None
                return Change.END
        elif self._below_since is not None:
            self._back_since = t_s if self._back_since is None else self._back_since
            if t_s - self._back_since >= HOLD_DEBOUNCE_S:
                self._below_since = self._back_since = None
        return None

    @property
    def exit_level(self) -> float:
        """Below this the hips are down: ``exit_rise_fraction`` of the way up from the rest to this
        hold's own level; without a rest seen, the spec's exit or its exit_fraction of the level."""
        if self.rest_level is not None and self.level is not None:
            return self.rest_level + self.spec.exit_rise_fraction * (self.level - self.rest_level)
        return max(self.spec.exit, self.spec.exit_fraction * (self.level or 0.0))

    def above_rest(self, value: float | None, fraction: float) -> bool:
        """Whether ``value`` is at least ``fraction`` of the way up from the rest before this hold to
        its level (False where either is not known)."""
        if value is None or self.rest_level is None or self.level is None:
            return False
        return value - self.rest_level >= fraction * (self.level - self.rest_level)

    @property
    def dipping(self) -> bool:
        """In a hold with the hips down now: a dip so far, the hold's end if it lasts."""
        return self.active and self._below_since is not None and self._back_since is None

    def stop(self, t_s: float) -> float:
        """End the hold now (the set or the shot ended); returns its end, the dip's start if in one:
        hips back up for less than HOLD_DEBOUNCE_S have not returned yet (a rendered kneeling plank
        filmed from 1.7 m: lying at its end, MediaPipe's hips read above the exit for 0.2 s as the
        video ended, and the hold ran 2.4 s on, its lying told as a sag)."""
        if self._below_since is None:
            self._below_since = t_s
        self.active = False
        return self._below_since

    @property
    def end_s(self) -> float:
        """When the hold ended: the first frame of the drop that ended it."""
        return self._below_since if self._below_since is not None else self._last_seen_s or self.start_s
