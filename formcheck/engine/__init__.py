"""The rule engine: rep and hold state machines, rule evaluation, scoring, set-up checks."""

from formcheck.engine.engine import ExerciseEngine
from formcheck.engine.events import (
    Event,
    Fault,
    FaultRaised,
    FrameMetrics,
    HoldEnded,
    HoldRecord,
    HoldStarted,
    RepCompleted,
    RepRecord,
    RepStarted,
    SetupWarning,
    Warning,
)

__all__ = [
    "Event",
    "ExerciseEngine",
    "Fault",
    "FaultRaised",
    "FrameMetrics",
    "HoldEnded",
    "HoldRecord",
    "HoldStarted",
    "RepCompleted",
    "RepRecord",
    "RepStarted",
    "SetupWarning",
    "Warning",
]
