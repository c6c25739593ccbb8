"""The simulator's motion as video of a realistic body, with the exact truth beside it.

An optional part (``pip install -e ".[render]"``, after ``pip install torch==2.13.0`` or a CPU
build of PyTorch): formcheck itself never imports it. The body is ``anny`` (Apache-2.0 code,
CC0 MakeHuman-derived assets), a rigged mesh of 13,718 vertices shaped by phenotype sliders. The
simulator's segment orientations (``body.posed_body``, worked out on the body's own segment
lengths) drive its bones, so a rendered clam or plank is the same motion the landmark simulator
makes, with the same truth. ``pyrender`` draws it headless on Mesa's software EGL in a room with
a mat, a wall and furniture; camera noise is added and the frames are encoded with x264, as a
phone or webcam would.

The truth is measured from the posed body, not taken from the angles that drove it: the body's
own keypoint regressor (COCO-WholeBody joints, fitted to the mesh) gives the 3-D joints, and
they are projected through the same pinhole camera. Two things are checked on every frame, not
assumed: the body rests on the floor (its supports touch it, nothing sinks through it) and the
legs do not pass through each other (capsules fitted to the rest mesh).
"""

from __future__ import annotations

import gzip
import json
import math
import os
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from formcheck.atomic import atomic_path
from formcheck.encoding import H264Writer
from formcheck.errors import FormcheckError
from formcheck.pose.frame import PoseTrack
from formcheck.pose.geometry import angle_deg, joint_flexion_deg
from formcheck.pose.landmarks import NUM_LANDMARKS, Side
from formcheck.pose.landmarks import Landmark as L
from formcheck.sim.body import BodyShape, Posture, Support, posed_body, scene_axes, supported
from formcheck.sim.camera import WEBCAM_HFOV_DEG, Camera, NoiseModel, film
from formcheck.sim.motion import Fault, Performance, Tempo, perform

INSTALL_HINT = 'pip install torch==2.13.0 && pip install -e ".[render]"'
# Raised whenever the same take would render differently (cached renders are keyed on it).
RENDERER_VERSION = 3
# anny's model frame: x to the person's left, y backwards, z up; the simulator's body frame has
# x to the right, y forwards, z up - a half turn about z.
TO_ANNY = np.diag([-1.0, -1.0, 1.0])
MAT_TOP_M = 0.0  # the body rests on the mat's top; the floor lies a mat's thickness below
MAT_THICKNESS_M = 0.008
# Judgment: soft tissue gives where legs press together, so capsules may overlap this much.
PENETRATION_TOLERANCE_M = 0.02


def _requirements():
    """torch, anny and pyrender, or a one-line error saying how to install them."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    try:
        import anny
        import pyrender
        import torch
        import trimesh
    except ImportError as exc:
        raise FormcheckError(
            f"Rendering needs the render extra ({exc.name} is missing): {INSTALL_HINT}"
        ) from None
    return torch, anny, pyrender, trimesh


# --- Looks: body shapes, skin tones, clothes ------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """A body: anny's phenotype sliders (0..1) and the colours of skin, hair and clothes (RGB 0..1)."""

    phenotype: dict[str, float]
    skin: tuple[float, float, float]
    hair: tuple[float, float, float]
    top: tuple[float, float, float]
    bottom: tuple[float, float, float]


LOOKS = {
    "average-woman": Look(
        {"gender": 0.0, "age": 0.5, "muscle": 0.5, "weight": 0.5, "height": 0.5, "proportions": 0.5},
        skin=(0.80, 0.62, 0.52),
        hair=(0.25, 0.16, 0.10),
        top=(0.15, 0.45, 0.70),
        bottom=(0.12, 0.12, 0.14),
    ),
    "heavy-man": Look(
        {"gender": 1.0, "age": 0.6, "muscle": 0.4, "weight": 0.85, "height": 0.6, "proportions": 0.5},
        skin=(0.42, 0.28, 0.20),
        hair=(0.08, 0.07, 0.07),
        top=(0.75, 0.72, 0.68),
        bottom=(0.20, 0.24, 0.35),
    ),
    "slim-tall": Look(
        {"gender": 0.3, "age": 0.35, "muscle": 0.6, "weight": 0.25, "height": 0.85, "proportions": 0.6},
        skin=(0.62, 0.45, 0.33),
        hair=(0.55, 0.40, 0.22),
        top=(0.80, 0.25, 0.30),
        bottom=(0.45, 0.45, 0.48),
    ),
}


@dataclass(frozen=True)
class Room:
    """Wall, floor and mat colours, the light (a lamp's strength, the ambient share), furniture."""

    wall: tuple[float, float, float] = (0.78, 0.76, 0.70)
    floor: tuple[float, float, float] = (0.55, 0.42, 0.30)
    mat: tuple[float, float, float] = (0.35, 0.55, 0.45)
    light: float = 3.0
    ambient: float = 0.35
    furniture: bool = True


ROOMS = {
    "living-room": Room(),
    "gym": Room(wall=(0.55, 0.58, 0.62), floor=(0.25, 0.25, 0.27), mat=(0.60, 0.20, 0.50), light=4.0),
    "dim-bedroom": Room(wall=(0.60, 0.52, 0.45), floor=(0.70, 0.62, 0.50), mat=(0.20, 0.30, 0.55), light=1.6),
}


@dataclass(frozen=True)
class Shot:
    """The camera: height of the lens above the floor, horizontal distance to the body's middle (None:
    as close as frames the whole set), turn about the vertical (0: square to the body's front),
    frame size and rate, sensor noise (sd in grey levels) and x264's quality (CRF)."""

    height_m: float = 0.3
    distance_m: float | None = None
    yaw_deg: float = 0.0
    width: int = 640
    height: int = 360
    fps: float = 30.0
    hfov_deg: float = WEBCAM_HFOV_DEG
    noise_sd: float = 2.0
    crf: int = 26

    def camera(self, points: np.ndarray) -> Camera:
        """The camera aimed at the middle of ``points`` (every landmark of the set, scene metres).

        Without a distance it stands as close as keeps every point of the whole set inside the
        frame with a 6% margin (what a user framing themselves does); with one it stands there.
        """
        flat = points.reshape(-1, 3)
        flat = flat[~np.isnan(flat).any(axis=1)]
        lo, hi = flat.min(axis=0), flat.max(axis=0)
        target = np.array([(lo[0] + hi[0]) / 2, 0.2, (lo[2] + hi[2]) / 2])
        yaw = math.radians(self.yaw_deg)

        def placed(distance: float) -> Camera:
            position = target + distance * np.array([math.sin(yaw), 0.0, math.cos(yaw)])
            position[1] = self.height_m
            return Camera(position, target, self.hfov_deg, self.width, self.height, self.fps)

        if self.distance_m is not None:
            return placed(self.distance_m)
        distance = 0.8
        while distance < 12.0:
            cam = placed(distance)
            cam_xyz = cam.to_camera(flat)
            u = cam.focal_px * cam_xyz[:, 0] / cam_xyz[:, 2] / self.width + 0.5
            v = cam.focal_px * cam_xyz[:, 1] / cam_xyz[:, 2] / self.height + 0.5
            if (cam_xyz[:, 2] > 0.3).all() and ((u > 0.06) & (u < 0.94) & (v > 0.06) & (v < 0.94)).all():
                return cam
            distance *= 1.05
        return placed(distance)


def elevation_deg(camera: Camera) -> float:
    """How far the camera looks down at its target, degrees (0: level)."""
    d = camera.position - camera.target
    return math.degrees(math.atan2(d[1], math.hypot(d[0], d[2])))


# --- Posing anny from the simulator's segments ------------------------------------------------------

# Each driven bone: (the simulator segment that turns it, whether its rest direction is first
# straightened to anatomical zero - anny's rest pose has the arms out and the knees and elbows
# bent). Every other bone follows its parent rigidly. Spine bones blend pelvis into trunk.
_DRIVEN = {"root": ("pelvis", False), "neck01": ("head", False)}
for _a, _s in (("L", "left"), ("R", "right")):
    _DRIVEN |= {
        f"pelvis.{_a}": ("pelvis", False),
        f"upperleg01.{_a}": (f"thigh.{_s}", True),
        f"upperleg02.{_a}": (f"thigh.{_s}", True),
        f"lowerleg01.{_a}": (f"shank.{_s}", True),
        f"lowerleg02.{_a}": (f"shank.{_s}", True),
        f"clavicle.{_a}": ("trunk", False),
        f"upperarm01.{_a}": (f"upper_arm.{_s}", True),
        f"upperarm02.{_a}": (f"upper_arm.{_s}", True),
        f"lowerarm01.{_a}": (f"forearm.{_s}", True),
        f"lowerarm02.{_a}": (f"forearm.{_s}", True),
    }
_SPINE = {"spine05": 0.1, "spine04": 0.3, "spine03": 0.5, "spine02": 0.7, "spine01": 0.9}

# Clothes by the bone a vertex mostly follows: a T-shirt with short sleeves, 3/4 leggings.
_TOP_BONES = ("spine", "clavicle", "shoulder01", "upperarm01")
_BOTTOM_BONES = ("root", "pelvis", "upperleg", "lowerleg01")
# Legs as capsules: (the bone at one end, the bone at the other, the bones whose skin they hold).
_LEG_SEGMENTS = (("upperleg01", "lowerleg01", "upperleg"), ("lowerleg01", "foot", "lowerleg"))


def _align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking direction ``a`` to direction ``b``."""
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis)
    if s < 1e-9:
        return np.eye(3)
    return Rotation.from_rotvec(axis / s * math.atan2(s, float(a @ b))).as_matrix()


class Body:
    """anny shaped by a ``Look``: posed from the simulator's segments, its mesh and keypoints."""

    def __init__(self, look: Look):
        torch, anny, _, _ = _requirements()
        self._torch = torch
        self.model = _anny_model()
        self.keypoints = anny.KeypointsRegressor.coco(self.model)
        self.phenotype = {k: torch.tensor([v], dtype=torch.float64) for k, v in look.phenotype.items()}
        with torch.no_grad():
            rest = self.model(phenotype_kwargs=self.phenotype)
        self.faces = self.model.get_triangular_faces().numpy()
        self.rest_vertices = rest["vertices"][0].numpy()
        self.rest_poses = rest["bone_poses"][0].numpy()
        self.labels = list(self.model.bone_labels)
        parents = [int(p) for p in self.model.bone_parents]
        self._index = {b: i for i, b in enumerate(self.labels)}
        # Each bone's driver (segment, spine blend) and straightening, inherited down the tree.
        self._driver: list[tuple[str, float]] = []
        self._straighten: list[np.ndarray] = []
        for i, bone in enumerate(self.labels):
            if bone in _SPINE:
                self._driver.append(("spine", _SPINE[bone]))
                self._straighten.append(np.eye(3))
            elif bone in _DRIVEN:
                segment, straighten = _DRIVEN[bone]
                self._driver.append((segment, 0.0))
                along = self.rest_poses[i, :3, 1]  # a bone's own y axis runs from its head to its tail
                self._straighten.append(
                    _align(along, np.array([0.0, 0.0, -1.0])) if straighten else np.eye(3)
                )
            else:
                self._driver.append(self._driver[parents[i]])
                self._straighten.append(self._straighten[parents[i]])
        weights = self.model.vertex_bone_weights.numpy()
        bones = self.model.vertex_bone_indices.numpy()
        self.vertex_bone = np.array(self.labels)[bones[np.arange(len(bones)), weights.argmax(axis=1)]]
        self._extra_keypoints = self._face_vertices()
        self.radii = self._leg_radii()
        self.shape = self._shape()

    def region(self, *prefixes: str) -> np.ndarray:
        """Indices of the vertices that mostly follow a bone whose name starts with one of ``prefixes``."""
        return np.flatnonzero([b.startswith(prefixes) for b in self.vertex_bone])

    def colours(self, look: Look) -> np.ndarray:
        """Per-vertex RGB: skin, hair on the back and top of the head, clothes by bone."""
        rgb = np.tile(np.asarray(look.skin), (len(self.rest_vertices), 1))
        rgb[self.region(*_TOP_BONES)] = look.top
        rgb[self.region(*_BOTTOM_BONES)] = look.bottom
        head = self.region("head", "neck03")
        v = self.rest_vertices[head]
        eyes = self._rest_keypoint("left_eye")
        scalp = (v[:, 2] > eyes[2] + 0.04) | ((v[:, 1] > eyes[1] + 0.07) & (v[:, 2] > eyes[2] - 0.06))
        rgb[head[scalp]] = look.hair
        rgb[self.region("eye.")] = (0.1, 0.08, 0.07)
        return rgb

    def _rest_keypoint(self, label: str) -> np.ndarray:
        i = self.keypoints.labels.index(label)
        return self.keypoints.regression_weights[i].numpy() @ self.rest_vertices

    def _face_vertices(self) -> dict[int, int]:
        """Mesh vertices for the landmarks the regressor lacks (inner and outer eye corners, mouth)."""
        out = {}
        nose = self._rest_keypoint("nose")
        for side, sign in (("LEFT", 1.0), ("RIGHT", -1.0)):
            eye = self._rest_keypoint(f"{side.lower()}_eye")
            targets = {
                f"{side}_EYE_INNER": eye + [-sign * 0.014, -0.005, 0.0],
                f"{side}_EYE_OUTER": eye + [sign * 0.014, 0.0, 0.0],
                f"MOUTH_{side}": nose + [sign * 0.022, 0.01, -0.045],
            }
            for name, point in targets.items():
                out[int(L[name])] = int(np.argmin(np.linalg.norm(self.rest_vertices - point, axis=1)))
        return out

    def _shape(self) -> BodyShape:
        """The simulator's body with this body's own segment lengths (its bones' heads at rest), so
        the motion is worked out on the skeleton it drives. The clam's hinge runs from the hip to the
        ankle of the posed shape: worked out on the simulator's default thigh (0.23 of the height; the
        slim body's is 0.27), it missed this ankle and a correct clam parted the slim body's feet by
        0.08 shank lengths (0.10 between its ankle keypoints)."""
        heads = self.rest_poses[:, :3, 3]

        def span(a: str, b: str) -> float:
            return float(np.linalg.norm(heads[self._index[a]] - heads[self._index[b]]))

        def mid(bone: str) -> np.ndarray:
            return (heads[self._index[f"{bone}.L"]] + heads[self._index[f"{bone}.R"]]) / 2

        height_m = float(np.ptp(self.rest_vertices[:, 2]))
        return BodyShape(
            height_m=height_m,
            hip_width=span("upperleg01.L", "upperleg01.R") / height_m,
            shoulder_width=span("upperarm01.L", "upperarm01.R") / height_m,
            trunk=float(np.linalg.norm(mid("upperarm01") - mid("upperleg01"))) / height_m,
            thigh=span("upperleg01.L", "lowerleg01.L") / height_m,
            shank=span("lowerleg01.L", "foot.L") / height_m,
            upper_arm=span("upperarm01.L", "lowerarm01.L") / height_m,
            forearm=span("lowerarm01.L", "wrist.L") / height_m,
        )

    def _leg_radii(self) -> dict[str, tuple[float, float]]:
        """Each leg segment's skin radius near its two ends (median distance from the bone line):
        tapered capsules, as a thigh is thicker at the hip than at the knee."""
        radii = {}
        heads = self.rest_poses[:, :3, 3]
        for start, end, skin in _LEG_SEGMENTS:
            a, b = heads[self._index[f"{start}.L"]], heads[self._index[f"{end}.L"]]
            v = self.rest_vertices[self.region(skin)]
            v = v[v[:, 0] > 0]  # the left leg
            t = np.clip((v - a) @ (b - a) / ((b - a) @ (b - a)), 0, 1)
            r = np.linalg.norm(v - (a + t[:, None] * (b - a)), axis=1)
            radii[start] = (
                float(np.median(r[(t > 0.1) & (t < 0.3)])),
                float(np.median(r[(t > 0.7) & (t < 0.9)])),
            )
        return radii

    def pose(self, frames: dict[str, Rotation]) -> dict[str, np.ndarray]:
        """Vertices (N, V, 3), bone heads (N, B, 3) and the 33 landmarks (N, 33, 3), in the body frame."""
        torch = self._torch
        n = len(frames["pelvis"])
        to_anny = Rotation.from_matrix(TO_ANNY)
        segment = {k: to_anny * r * to_anny.inv() for k, r in frames.items()}
        spine_turn = (segment["pelvis"].inv() * segment["trunk"]).as_rotvec()
        orient = np.zeros((n, len(self.labels), 4, 4))
        orient[..., 3, 3] = 1.0
        for i, (name, w) in enumerate(self._driver):
            r = segment["pelvis"] * Rotation.from_rotvec(w * spine_turn) if name == "spine" else segment[name]
            orient[:, i, :3, :3] = r.as_matrix() @ self._straighten[i] @ self.rest_poses[i, :3, :3]
        with torch.no_grad():
            out = self.model(
                pose_parameters=torch.from_numpy(orient),
                phenotype_kwargs={k: v.expand(n) for k, v in self.phenotype.items()},
                pose_parameterization="world-orient",
            )
            coco = self.keypoints(out).numpy()
        vertices = out["vertices"].numpy()
        heads = out["bone_poses"][:, :, :3, 3].numpy()
        back = TO_ANNY.T  # anny's frame to the simulator's body frame
        landmarks = np.full((n, NUM_LANDMARKS, 3), np.nan)
        for k, label in enumerate(self.keypoints.labels):
            name = label.upper().replace("BIG_TOE", "FOOT_INDEX")
            if name in L.__members__:
                landmarks[:, int(L[name])] = coco[:, k]
        for lm, vertex in self._extra_keypoints.items():
            landmarks[:, lm] = vertices[:, vertex]
        for side, a in (("LEFT", "L"), ("RIGHT", "R")):
            for lm, bone in (("INDEX", "finger2-1"), ("PINKY", "finger5-1"), ("THUMB", "finger1-2")):
                landmarks[:, int(L[f"{side}_{lm}"])] = heads[:, self._index[f"{bone}.{a}"]]
        return {"vertices": vertices @ back.T, "heads": heads @ back.T, "landmarks": landmarks @ back.T}

    def head(self, heads: np.ndarray, bone: str) -> np.ndarray:
        return heads[:, self._index[bone]]


@cache
def _anny_model():
    torch, anny, _, _ = _requirements()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    # Plain linear blend skinning in torch: as fast here as anny's default Warp kernels, which
    # print their start-up on stdout.
    return anny.Anny(phenotypes="default", skinning_method="lbs").to(torch.float64)


# --- Laying the body on the mat ------------------------------------------------------------------


def _turn_about_z(points: np.ndarray, pivot: np.ndarray, rad: np.ndarray) -> np.ndarray:
    """Rotate (N, K, 3) points about the scene's Z axis through per-frame ``pivot`` (N, 3)."""
    c, s = np.cos(rad)[:, None], np.sin(rad)[:, None]
    d = points - pivot[:, None]
    x = c * d[..., 0] - s * d[..., 1]
    y = s * d[..., 0] + c * d[..., 1]
    return np.stack([x, y, d[..., 2]], axis=-1) + pivot[:, None]


# Turns tried when resting the body on the mat (radians): it rocks to the stable side nearest 0.
_ROCK = np.radians(np.arange(-40.0, 40.01, 0.25))


def rest_on_mat(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rock each frame's body (scene axes) about the camera axis onto the mat, as a rigid body settles
    on the edge of its lower outline below its centre of mass, and set it down there: nothing sinks.

    Returns the turn (N,) radians and the lift to add (N,) metres.
    """
    n = len(vertices)
    turn = np.zeros(n)
    sample = vertices[:, ::3, :2].astype(np.float64)
    com = vertices[..., :2].mean(axis=1)
    c, s = np.cos(_ROCK), np.sin(_ROCK)
    for i in range(n):
        # Height after a turn by each angle: y' = x sin + y cos (about the scene's Z axis).
        low = (sample[i, :, 0:1] * s + sample[i, :, 1:2] * c).min(axis=0)
        energy = com[i, 0] * s + com[i, 1] * c - low
        minima = np.flatnonzero((energy <= np.roll(energy, 1)) & (energy <= np.roll(energy, -1)))
        minima = minima[(minima > 0) & (minima < len(_ROCK) - 1)]
        turn[i] = _ROCK[minima[np.argmin(np.abs(_ROCK[minima]))]] if len(minima) else 0.0
    turned = _turn_about_z(vertices, np.zeros((n, 3)), turn)
    return turn, MAT_TOP_M - turned[..., 1].min(axis=1)


def support_heights_m(body: Body, vertices: np.ndarray, posture: Posture) -> np.ndarray:
    """(N, 2) the lowest height of the body's two intended supports above the mat: bottom hip and
    chest or upper arm when lying; feet (knee) and forearm (hand) in a plank."""
    bottom = "L" if posture.top is Side.RIGHT else "R"
    if posture.support is Support.LYING:
        ends = ((f"pelvis.{bottom}", f"upperleg01.{bottom}"), ("spine01", "spine02", f"upperarm01.{bottom}"))
    else:
        kneeling = posture.support is Support.FOREARM_KNEES
        straight_arm = posture.support is Support.HAND_FEET
        ends = (
            (f"lowerleg01.{bottom}",) if kneeling else (f"foot.{bottom}", f"lowerleg02.{bottom}"),
            (f"wrist.{bottom}",) if straight_arm else (f"lowerarm01.{bottom}", f"lowerarm02.{bottom}"),
        )
    return np.stack([vertices[:, body.region(*e), 1].min(axis=1) for e in ends], axis=1) - MAT_TOP_M


def leg_penetration_m(body: Body, heads: np.ndarray) -> np.ndarray:
    """Per frame, how deep the two legs' tapered capsules overlap (0: apart or touching)."""
    t = np.linspace(0.0, 1.0, 21)
    depth = np.zeros(len(heads))
    for s1, e1, _ in _LEG_SEGMENTS:
        p1, q1 = body.head(heads, f"{s1}.L"), body.head(heads, f"{e1}.L")
        a = p1[:, None] + t[None, :, None] * (q1 - p1)[:, None]
        ra = np.interp(t, [0, 1], body.radii[s1])
        for s2, e2, _ in _LEG_SEGMENTS:
            p2, q2 = body.head(heads, f"{s2}.R"), body.head(heads, f"{e2}.R")
            b = p2[:, None] + t[None, :, None] * (q2 - p2)[:, None]
            rb = np.interp(t, [0, 1], body.radii[s2])
            gap = np.linalg.norm(a[:, :, None] - b[:, None, :], axis=-1) - ra[:, None] - rb[None, :]
            depth = np.maximum(depth, -gap.min(axis=(1, 2)))
    return np.maximum(depth, 0.0)


# --- The room and the camera --------------------------------------------------------------------


def _box(trimesh, size, centre, rgb):
    mesh = trimesh.creation.box(extents=size)
    mesh.apply_translation(centre)
    mesh.visual.vertex_colors = np.append(np.asarray(rgb) * 255, 255).astype(np.uint8)
    return mesh


class Studio:
    """A pyrender scene: floor, back wall, mat, furniture, lights, and a camera; the body is swapped in
    for every frame."""

    def __init__(self, room: Room, camera: Camera, centre: np.ndarray, rng: np.random.Generator):
        _, _, pyrender, trimesh = _requirements()
        self._pyrender, self._trimesh = pyrender, trimesh
        self.scene = pyrender.Scene(bg_color=[*room.wall, 1.0], ambient_light=[room.ambient] * 3)
        cx, cz = float(centre[0]), float(centre[2])
        floor_y = MAT_TOP_M - MAT_THICKNESS_M
        parts = [
            _box(trimesh, (14.0, 0.02, 14.0), (cx, floor_y - 0.01, cz), room.floor),
            _box(trimesh, (14.0, 4.0, 0.05), (cx, floor_y + 2.0, cz - 2.2), room.wall),
            _box(trimesh, (1.9, MAT_THICKNESS_M, 0.65), (cx, floor_y + MAT_THICKNESS_M / 2, cz), room.mat),
        ]
        if room.furniture:  # a sofa-like block and a cupboard at the wall, sized and coloured by the seed
            for side in (-1, 1):
                w, h = rng.uniform(0.6, 1.4), rng.uniform(0.4, 1.1)
                x = cx + side * rng.uniform(1.4, 2.4)
                parts.append(
                    _box(trimesh, (w, h, 0.5), (x, floor_y + h / 2, cz - 1.8), rng.uniform(0.15, 0.8, 3))
                )
        for part in parts:
            self.scene.add(pyrender.Mesh.from_trimesh(part, smooth=False))
        f = camera.focal_px
        lens = pyrender.IntrinsicsCamera(f, f, camera.width / 2, camera.height / 2, znear=0.05, zfar=30.0)
        right, down, forward = camera.rotation
        pose = np.eye(4)
        pose[:3, :3] = np.column_stack([right, -down, -forward])  # OpenGL: x right, y up, looking down -z
        pose[:3, 3] = camera.position
        self.scene.add(lens, pose=pose)
        lamp = np.eye(4)  # from above and in front, tilted towards the mat
        lamp[:3, :3] = Rotation.from_euler("xy", [-55.0, 20.0], degrees=True).as_matrix()
        self.scene.add(pyrender.DirectionalLight(intensity=room.light), pose=lamp)
        self._renderer = pyrender.OffscreenRenderer(camera.width, camera.height)
        self._body_node = None

    def frame(self, vertices: np.ndarray, faces: np.ndarray, colours: np.ndarray) -> np.ndarray:
        """The RGB picture of the body posed at ``vertices`` (scene coordinates)."""
        mesh = self._trimesh.Trimesh(vertices, faces, vertex_colors=colours, process=False)
        if self._body_node is not None:
            self.scene.remove_node(self._body_node)
        self._body_node = self.scene.add(self._pyrender.Mesh.from_trimesh(mesh, smooth=True))
        rgb, _ = self._renderer.render(self.scene)
        return rgb

    def close(self) -> None:
        self._renderer.delete()


# --- A rendered set ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Take:
    """Everything that makes one rendered set: the motion and how it was filmed."""

    exercise: str
    faults: tuple[Fault, ...] = ()
    tempo: Tempo = Tempo(reps=3, lead_in_s=2.0)
    top: Side = Side.RIGHT
    look: str = "average-woman"
    room: str = "living-room"
    shot: Shot = field(default_factory=Shot)
    seed: int = 0

    def __post_init__(self):
        for value, table, one, many in (
            (self.look, LOOKS, "body", "bodies"),
            (self.room, ROOMS, "room", "rooms"),
        ):
            if value not in table:
                raise FormcheckError(f"Unknown {one} {value!r}. Valid {many}: {', '.join(table)}.")

    def describe(self) -> dict:
        data = asdict(self) | {"renderer_version": RENDERER_VERSION}
        data["faults"] = [asdict(f) for f in self.faults]
        data["top"] = self.top.value
        return data


@dataclass
class Rendered:
    """What ``render_take`` made: the truth (JSON-ready) and the true-keypoint track."""

    truth: dict
    true_track: PoseTrack


BATCH = 48  # frames posed at once: anny's forward pass is batched


def render_take(take: Take, video_path: Path, progress=None) -> Rendered:
    """Render ``take`` to ``video_path`` (H.264 MP4, written atomically) and return its truth."""
    look, room = LOOKS[take.look], ROOMS[take.room]
    shot = take.shot
    rng = np.random.default_rng(take.seed)
    body = Body(look)
    perf = perform(
        take.exercise,
        list(take.faults),
        shape=body.shape,
        top=take.top,
        tempo=take.tempo,
        fps=shot.fps,
        rng=rng,
    )
    posture = perf.posture
    angles, incline = supported(body.shape, perf.angles, posture, perf.lift)
    n = len(perf.t_s)
    colours = (np.column_stack([body.colours(look), np.ones(len(body.rest_vertices))]) * 255).astype(np.uint8)
    landmarks = np.zeros((n, NUM_LANDMARKS, 3))
    contacts_support = np.zeros((n, 2))
    lowest = np.zeros(n)
    penetration = np.zeros(n)
    # Pose in batches; keep the scene vertices of a batch until they are drawn.
    poses = []
    for start in range(0, n, BATCH):
        sl = slice(start, min(start + BATCH, n))
        frames = posed_body(body.shape, _slice_angles(angles, sl, n), take.top)[1]
        posed = body.pose(frames)
        axes = scene_axes(posture, incline[sl], sl.stop - sl.start)
        verts = np.einsum("nij,nvj->nvi", axes, posed["vertices"])
        marks = np.einsum("nij,nvj->nvi", axes, posed["landmarks"])
        turn, lift = rest_on_mat(verts)
        up = np.array([0.0, 1.0, 0.0]) * lift[:, None, None]
        verts = _turn_about_z(verts, np.zeros((len(verts), 3)), turn) + up
        landmarks[sl] = _turn_about_z(marks, np.zeros((len(marks), 3)), turn) + up
        contacts_support[sl] = support_heights_m(body, verts, posture)
        # Only a plank that is fully up must stand on its supports; lying, both must touch.
        if posture.support is not Support.LYING:
            contacts_support[sl][perf.lift[sl] < 1.0] = np.nan
        lowest[sl] = verts[..., 1].min(axis=1)
        penetration[sl] = leg_penetration_m(body, posed["heads"])
        poses.append(verts.astype(np.float32))
        if progress:
            progress(sl.stop, 2 * n)
    camera = shot.camera(landmarks)
    studio = Studio(room, camera, camera.target, rng)
    video_path = Path(video_path)
    try:
        with atomic_path(video_path) as tmp:
            writer = H264Writer(tmp, shot.fps, shot.width, shot.height, crf=shot.crf)
            try:
                done = 0
                for verts in poses:
                    for v in verts:
                        rgb = studio.frame(v, body.faces, colours).astype(np.float32)
                        if shot.noise_sd > 0:
                            rgb += rng.normal(0.0, shot.noise_sd, rgb.shape)
                        writer.write(np.clip(rgb, 0, 255).astype(np.uint8)[..., ::-1])
                        done += 1
                        if progress:
                            progress(n + done, 2 * n)
                writer.close()
            except BaseException:
                writer.abort()
                raise
    finally:
        studio.close()
    none = NoiseModel.level("none")
    true_track = film(landmarks, perf.t_s, camera, none, np.random.default_rng(0), path=str(video_path))
    truth = _truth(
        take, perf, camera, landmarks, true_track, contacts_support, lowest, penetration, body.shape.height_m
    )
    return Rendered(truth, true_track)


def _slice_angles(angles, sl: slice, n: int):
    """The frames ``sl`` of per-frame angles (constants stay as they are)."""

    def cut(value):
        if is_dataclass(value):
            return replace(value, **{f.name: cut(getattr(value, f.name)) for f in fields(value)})
        arr = np.asarray(value, dtype=float)
        return arr[sl] if arr.ndim and arr.shape[0] == n else value

    return cut(angles)


def _truth(take, perf: Performance, camera: Camera, landmarks, track, support, lowest, penetration, height_m):
    image = track.image
    px = np.round(image[..., :2] * [camera.width, camera.height], 1)
    return {
        "made_by": "formcheck render",
        "take": take.describe(),
        "camera": {
            "position_m": np.round(camera.position, 3).tolist(),
            "elevation_deg": round(elevation_deg(camera), 1),
            "target_m": np.round(camera.target, 3).tolist(),
            "hfov_deg": camera.hfov_deg,
            "width": camera.width,
            "height": camera.height,
            "fps": camera.fps,
        },
        "body_height_m": round(height_m, 3),
        **perf.reps_and_holds(),
        "checks": {
            "support_above_mat_max_m": np.round(np.nanmax(support, axis=0), 4).tolist(),
            "lowest_point_min_m": round(float(np.min(lowest)), 4),
            "leg_penetration_max_m": round(float(np.max(penetration)), 4),
        },
        "frames": {
            "t_s": np.round(perf.t_s, 4).tolist(),
            "landmarks_3d_m": np.round(landmarks, 4).tolist(),
            "landmarks_2d_px": px.tolist(),
            "visibility": np.round(track.visibility, 2).tolist(),
            "angles_deg": {k: np.round(v, 2).tolist() for k, v in perf.frame_truth.items()},
            "joint_angles_deg": {
                k: np.round(v, 2).tolist()
                for k, v in joint_angles_deg(landmarks, take.top, perf.posture).items()
            },
        },
    }


def joint_angles_deg(landmarks: np.ndarray, top: Side, posture: Posture) -> dict[str, np.ndarray]:
    """The angles formcheck reports, measured in 3-D on the posed body's joints (scene, Y up).

    These, not the angles that drove the bones, are what a camera can at best see: the skin a
    keypoint is read from bends less than the bones under it (a 20 deg sag driven into the plank
    bends the shoulder-hip-ankle line ~15 deg).
    """
    t, b = top.value.upper(), top.other.value.upper()

    def j(name: str) -> np.ndarray:
        return landmarks[:, int(L[name])]

    shoulders = (j("LEFT_SHOULDER") + j("RIGHT_SHOULDER")) / 2
    hips = (j("LEFT_HIP") + j("RIGHT_HIP")) / 2
    foot_end = "KNEE" if posture.support is Support.FOREARM_KNEES else "ANKLE"
    feet = (j(f"LEFT_{foot_end}") + j(f"RIGHT_{foot_end}")) / 2
    line = angle_deg(shoulders - hips, feet - hips)
    # Above the shoulder-to-feet line (a pike) reads over 180, as formcheck's body line does.
    along = (hips - feet) @ np.array([1.0, 0.0, 0.0])
    reach = (shoulders - feet)[:, 0]
    on_line_y = feet[:, 1] + (shoulders - feet)[:, 1] * np.divide(
        along, reach, out=np.zeros_like(along), where=reach != 0
    )
    return {
        "knee_flexion_deg": joint_flexion_deg(j(f"{t}_HIP"), j(f"{t}_KNEE"), j(f"{t}_ANKLE")),
        "hip_flexion_deg": 180.0 - angle_deg(shoulders - hips, j(f"{b}_KNEE") - j(f"{b}_HIP")),
        "thigh_opening_deg": angle_deg(j(f"{t}_KNEE") - j(f"{t}_HIP"), j(f"{b}_KNEE") - j(f"{b}_HIP")),
        "body_line_deg": np.where(hips[:, 1] > on_line_y, 360.0 - line, line),
    }


def truth_path(video_path: Path) -> Path:
    """Where a rendered video's truth lies: ``NAME.truth.json.gz`` beside ``NAME.mp4``."""
    video_path = Path(video_path)
    return video_path.with_name(video_path.stem + ".truth.json.gz")


def save_truth(truth: dict, path: Path) -> None:
    with atomic_path(path) as tmp, gzip.open(tmp, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(truth, fh, separators=(",", ":"))


def load_truth(path: Path) -> dict:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise FormcheckError(f"Cannot read the truth file {path}: {exc}") from None


def true_keypoint_track(truth: dict) -> PoseTrack:
    """The body's true keypoints as the track MediaPipe would give with no error at all."""
    cam = truth["camera"]
    camera = Camera(
        np.asarray(cam["position_m"]),
        np.asarray(cam["target_m"]),
        cam["hfov_deg"],
        cam["width"],
        cam["height"],
        cam["fps"],
    )
    frames = truth["frames"]
    return film(
        np.asarray(frames["landmarks_3d_m"], dtype=float),
        np.asarray(frames["t_s"]),
        camera,
        NoiseModel.level("none"),
        np.random.default_rng(0),
        path="true keypoints",
    )
