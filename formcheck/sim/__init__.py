"""Simulated bodies doing the exercises, right and with every shortcut, filmed by a virtual camera.

Motion whose truth is known exactly: ``simulate`` returns a PoseTrack shaped like MediaPipe's
output (so ``analyze`` scores it like any video's track) and the ground truth of every rep and hold.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from formcheck.pose.frame import PoseTrack
from formcheck.pose.landmarks import Side
from formcheck.sim.body import BodyShape, JointAngles, Posture, Support, body_landmarks, pose_in_scene
from formcheck.sim.camera import Camera, NoiseModel, View, film, occluded
from formcheck.sim.motion import (
    DEFAULT_SHAPE,
    DEFAULT_TEMPO,
    FAULTS,
    Fault,
    FaultKind,
    HoldTruth,
    Performance,
    RepTruth,
    Tempo,
    perform,
)

__all__ = [
    "FAULTS",
    "BodyShape",
    "Camera",
    "Fault",
    "FaultKind",
    "HoldTruth",
    "JointAngles",
    "NoiseModel",
    "Performance",
    "Posture",
    "RepTruth",
    "Simulation",
    "Support",
    "Tempo",
    "View",
    "body_landmarks",
    "film",
    "occluded",
    "perform",
    "pose_in_scene",
    "simulate",
]


@dataclass
class Simulation:
    """A simulated recording: the track the checker sees and the truth behind it."""

    track: PoseTrack
    performance: Performance
    camera: Camera

    def truth(self) -> dict:
        """The ground truth as JSON-ready data (stored in the track's ``meta``)."""
        perf = self.performance
        return {
            **perf.reps_and_holds(),
            "frames": {k: np.round(v, 2).tolist() for k, v in perf.frame_truth.items()},
        }


def simulate(
    exercise: str,
    faults: list[Fault] = (),
    *,
    view: View = View.FRONT,
    yaw_deg: float = 0.0,
    noise: NoiseModel | str = "realistic",
    top: Side = Side.RIGHT,
    tempo: Tempo = DEFAULT_TEMPO,
    shape: BodyShape = DEFAULT_SHAPE,
    width: int = 1280,
    height: int = 720,
    fps: float = 30.0,
    seed: int = 0,
) -> Simulation:
    """A seeded simulated recording of ``exercise`` with ``faults``, seen from ``view``."""
    rng = np.random.default_rng(seed)
    noise_model = NoiseModel.level(noise) if isinstance(noise, str) else noise
    perf = perform(exercise, list(faults), shape=shape, top=top, tempo=tempo, fps=fps, rng=rng)
    scene, _ = pose_in_scene(shape, perf.angles, perf.posture, perf.lift)
    centre = np.nanmean(scene[0], axis=0)
    camera = Camera.looking_at(
        view, centre, perf.posture.head_sign, yaw_deg, shape.height_m, width=width, height=height, fps=fps
    )
    name = f"simulated {exercise}" + "".join(f" {f.code}" for f in faults)
    track = film(scene, perf.t_s, camera, noise_model, rng, path=name)
    sim = Simulation(track, perf, camera)
    track.meta = {
        "model": "formcheck simulator",
        "simulation": {
            "exercise": exercise,
            "faults": [asdict(f) for f in faults],
            "view": view.value,
            "yaw_deg": yaw_deg,
            "noise": noise if isinstance(noise, str) else "custom",
            "top": top.value,
            "seed": seed,
        },
        "truth": sim.truth(),
    }
    return sim
