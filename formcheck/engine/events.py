"""What the engine emits, and the records a scorecard is made of."""

from __future__ import annotations

from dataclasses import dataclass, field

from formcheck.exercises import Severity


@dataclass(frozen=True)
class FrameMetrics:
    """One frame's measurements, as the engine sees them (no landmarks, no pixels)."""

    t_s: float
    values: dict[str, float]
    confidence: dict[str, float]
    has_pose: bool
    cut: bool = False  # the first frame after a cut in an edited video: nothing carries across it


@dataclass
class Fault:
    """A shortcut seen in a rep (``at_s``) or during a span of a hold (``start_s``..``end_s``)."""

    code: str
    severity: Severity
    value: float
    limit: float
    message: str
    at_s: float | None = None
    start_s: float | None = None
    end_s: float | None = None
    # Other shortcuts it may be: the camera could not check them, and they move its measure too
    # (Rule.alike).
    alike: tuple[str, ...] = ()


@dataclass
class RepRecord:
    index: int
    start_s: float
    peak_s: float
    end_s: float
    score: int
    metrics: dict[str, float | None]
    faults: list[Fault] = field(default_factory=list)


@dataclass
class HoldRecord:
    index: int
    start_s: float
    end_s: float
    duration_s: float
    good_form_s: float
    score: int
    faults: list[Fault] = field(default_factory=list)


@dataclass(frozen=True)
class Warning:  # noqa: A001 - the scorecard's own word
    code: str
    at_s: float
    message: str


@dataclass(frozen=True)
class RepStarted:
    t_s: float
    index: int


@dataclass(frozen=True)
class RepCompleted:
    t_s: float
    rep: RepRecord


@dataclass(frozen=True)
class HoldStarted:
    t_s: float
    index: int


@dataclass(frozen=True)
class HoldEnded:
    t_s: float
    hold: HoldRecord


@dataclass(frozen=True)
class FaultRaised:
    t_s: float
    fault: Fault
    cue: str


@dataclass(frozen=True)
class SetupWarning:
    t_s: float
    warning: Warning


Event = RepStarted | RepCompleted | HoldStarted | HoldEnded | FaultRaised | SetupWarning
