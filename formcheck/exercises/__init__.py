"""Exercise definitions (one TOML file each) and their loader."""

from formcheck.exercises.loader import (
    REP_METRICS,
    Cause,
    Exercise,
    ExerciseId,
    HoldSpec,
    JointLabel,
    Phase,
    Reference,
    RepSpec,
    Rule,
    SetupCheck,
    Severity,
    TooHigh,
    all_exercises,
    load_exercise,
)

__all__ = [
    "REP_METRICS",
    "Cause",
    "Exercise",
    "ExerciseId",
    "HoldSpec",
    "JointLabel",
    "Phase",
    "Reference",
    "RepSpec",
    "Rule",
    "SetupCheck",
    "Severity",
    "TooHigh",
    "all_exercises",
    "load_exercise",
]
