"""formcheck: camera-based form checking for the glute exercises physical therapists prescribe to runners."""

from formcheck.engine import ExerciseEngine, FrameMetrics
from formcheck.errors import FormcheckError
from formcheck.exercises import Exercise, ExerciseId, load_exercise
from formcheck.kinematics import Side, detect_side
from formcheck.metrics import compute_metrics
from formcheck.pipeline import Analysis, analyze_track, extract_track
from formcheck.pose import PoseFrame, PoseTrack, load_track, save_track
from formcheck.scorecard import Scorecard, scorecard_from_analysis

__all__ = [
    "Analysis",
    "Exercise",
    "ExerciseEngine",
    "ExerciseId",
    "FormcheckError",
    "FrameMetrics",
    "PoseFrame",
    "PoseTrack",
    "Scorecard",
    "Side",
    "analyze_track",
    "compute_metrics",
    "detect_side",
    "extract_track",
    "load_exercise",
    "load_track",
    "save_track",
    "scorecard_from_analysis",
]
