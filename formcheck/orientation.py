"""Which way is up: a recording whose body runs up and down the picture, or lies upside down in it.

A phone locked in portrait and held sideways records the scene turned a quarter (its rotation
flag then says portrait, so the picture plays sideways), and every exercise here is done lying
across the picture. The pose model turns with the picture (the clamshell clip turned a quarter
and back: 1.2-1.6 px median error on the body's joints, 640x360), so the landmarks are turned,
not the video analysed again.

Which of the two turns that lay the body across is upright is gravity's, and the pose model has
none. Two cues carry it: the trunk rises from the hips to the shoulders (the shoulders are wider
than the hips, and a plank holds them up on the arm), and the leg that moves is the top one (it
lifts against gravity, from the other one). Both turn over with the picture.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from formcheck.pose.frame import PoseTrack, SourceInfo
from formcheck.pose.landmarks import NUM_LANDMARKS
from formcheck.pose.landmarks import Landmark as L

if TYPE_CHECKING:
    from formcheck.pipeline import Track

TURNS_DEG = (0, 90, 180, 270)  # clockwise, as a picture is turned
# A trunk's rise towards the shoulders (sine of its angle up the picture) that counts as a whole
# vote. Upright, it rose in all 369 rendered sets (0.014-0.36: planks 0.17-0.36), the 28 committed
# tracks and the shared clips (clamshell 0.046, leg lift 0.060, planks 0.25-0.29); a glute bridge,
# lying on the back with the hips up, falls (-0.29).
TRUNK_RISE_VOTE = 0.1
# How much more the top leg's knee swings about its hip than the bottom one's (deg, 5th to 95th
# percentile) that counts as a whole vote: 20-70 in the clamshell and leg-lift sets, about 0 in a
# plank; a kneeling plank's clam from 1.7 m read -14 (rendered), the edited leg-lift clip -6.5.
LEG_SWING_VOTE_DEG = 20.0
# Turned over only below this (the sum of the two votes, each -1..1): upright, the lowest was
# +0.28 (the edited leg-lift clip), and the shared clips turned over read -0.92 to -1.47 (the leg
# lift's -0.36, too close to call, is left as it plays). The glute bridge read -0.83. Between it
# and 0 the picture is left as it plays and said to be maybe upside down: upright, no track of
# these exercises read below 0 (397), and of them turned over, 381 read below this, 15 between.
UPSIDE_DOWN_BELOW = -0.9
# Of the two quarter turns, the one the votes pick is called sure from here (the edited leg-lift
# clip turned a quarter read 0.35, every other shared clip 0.9 or more).
SURE_FROM = 0.5
JUDGED_FRAMES = 3000  # a long recording is judged from frames spread over it
SLICE_FRAMES = 1800
_ROTATE_CODES = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


@dataclass(frozen=True)
class Upright:
    """The clockwise turn that puts the body upright, and whether the cues were clear."""

    turn_deg: int = 0
    sure: bool = True

    @property
    def code(self) -> str | None:
        """The scorecard's warning: turned, or left as it plays and maybe upside down; else None."""
        if self.turn_deg:
            return "turned_input"
        return None if self.sure else "orientation_uncertain"

    @property
    def words(self) -> str:
        if self.turn_deg == 0:
            return (
                ""
                if self.sure
                else (
                    "The picture may be upside down (your body does not show which way is up): "
                    "if it is, give --rotate 180."
                )
            )
        why = "upside down" if self.turn_deg == 180 else "sideways (your body ran up and down it)"
        other = (self.turn_deg + 180) % 360
        doubt = "" if self.sure else f" - not sure which way up: if it is wrong, give --rotate {other}"
        return f"The picture was {why}: analysed turned {self.turn_deg} degrees clockwise{doubt}."


def turn_frame(frame: np.ndarray, turn_deg: int) -> np.ndarray:
    """A picture turned clockwise by ``turn_deg`` (0, 90, 180 or 270)."""
    return frame if turn_deg == 0 else cv2.rotate(frame, _ROTATE_CODES[turn_deg])


def turn_pose_track(track: PoseTrack, turn_deg: int) -> PoseTrack:
    """The track's landmarks as the picture turned clockwise by ``turn_deg`` shows them."""
    image, world = track.image.copy(), track.world.copy()
    for _ in range(turn_deg // 90):
        image[..., :2] = _quarter_turned(image[..., :2], 1.0)
        world[..., :2] = _quarter_turned(world[..., :2], 0.0)
    source = _turned_source(track.source, turn_deg)
    return PoseTrack(source, track.t_s, image, world, track.visibility, track.meta)


class TurnedTrack:
    """A track (in memory or spooled to disk) read slice by slice as the turned picture shows it."""

    def __init__(self, track: Track, turn_deg: int):
        self._track, self.turn_deg = track, turn_deg
        self.source = _turned_source(track.source, turn_deg)
        self.meta = track.meta

    def __len__(self) -> int:
        return len(self._track)

    @property
    def t_s(self) -> np.ndarray:
        return self._track.t_s

    @property
    def has_pose(self) -> np.ndarray:
        return self._track.has_pose

    def slice(self, start: int, stop: int) -> PoseTrack:
        return turn_pose_track(self._track.slice(start, stop), self.turn_deg)


def judge_upright(track: Track) -> Upright:
    """The turn that lays the body across the picture the right way up; none where the body does
    not lie across one way or the other (a camera at the feet sees it run up the picture too, but
    with its sides stacked along it). Read from up to JUDGED_FRAMES frames spread over the track."""
    px = _pixels(track)
    if len(px) == 0:
        return Upright()
    body = _mid(px, "SHOULDER") - _mid(px, "ANKLE")
    stack = sum(np.abs(px[:, L[f"LEFT_{j}"]] - px[:, L[f"RIGHT_{j}"]]) for j in ("HIP", "SHOULDER"))
    along_y = np.abs(body[:, 1]) > np.abs(body[:, 0])
    stacked_y = stack[:, 1] > stack[:, 0]
    if np.mean(along_y & ~stacked_y) > 0.5:
        score = _upright_votes(_quarter_turned(px, track.source.height))
        return Upright(90 if score >= 0 else 270, abs(score) >= SURE_FROM)
    if np.mean(~along_y & stacked_y) > 0.5:
        votes = _upright_votes(px)
        return Upright(180) if votes < UPSIDE_DOWN_BELOW else Upright(0, sure=votes >= 0)
    return Upright()


def _quarter_turned(xy: np.ndarray, height: float) -> np.ndarray:
    """Points (x right, y down) as a quarter turn clockwise shows them, in a picture ``height``
    high (1 for normalised coordinates, 0 for axes through the origin)."""
    return np.stack([height - xy[..., 1], xy[..., 0]], axis=-1)


def _turned_source(source: SourceInfo, turn_deg: int) -> SourceInfo:
    if turn_deg in (90, 270):
        return replace(source, width=source.height, height=source.width)
    return source


def _pixels(track: Track) -> np.ndarray:
    """Image landmarks in pixels, in frames spread over the track where the trunk's four corners
    are seen, read a slice at a time (a long recording waits on disk)."""
    corners = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
    step = max(1, len(track) // JUDGED_FRAMES)
    kept = []
    for start in range(0, len(track), SLICE_FRAMES):
        part = track.slice(start, start + SLICE_FRAMES)
        picked = part.has_pose & (np.min(part.visibility[:, corners], axis=1) > 0.5)
        picked &= (start + np.arange(len(part))) % step == 0
        kept.append(part.image[picked, :, :2] * [track.source.width, track.source.height])
    return np.concatenate(kept) if kept else np.empty((0, NUM_LANDMARKS, 2))


def _mid(px: np.ndarray, joint: str) -> np.ndarray:
    return (px[:, L[f"LEFT_{joint}"]] + px[:, L[f"RIGHT_{joint}"]]) / 2


def _upright_votes(px: np.ndarray) -> float:
    """The two cues' votes for the picture as it is (-2..2, positive: upright)."""
    trunk = _mid(px, "SHOULDER") - _mid(px, "HIP")
    rise = np.median(-trunk[:, 1] / np.maximum(np.linalg.norm(trunk, axis=1), 1e-6))
    right_on_top = np.median(px[:, L.LEFT_HIP, 1] - px[:, L.RIGHT_HIP, 1]) > 0
    trunk_deg = np.degrees(np.arctan2(trunk[:, 1], trunk[:, 0]))
    swings = []
    for side in ("LEFT", "RIGHT"):
        thigh = px[:, L[f"{side}_KNEE"]] - px[:, L[f"{side}_HIP"]]
        deg = np.degrees(np.arctan2(thigh[:, 1], thigh[:, 0])) - trunk_deg
        deg = (deg - np.median(deg) + 180.0) % 360.0 - 180.0
        swings.append(np.percentile(deg, 95) - np.percentile(deg, 5))
    top_more = swings[1] - swings[0] if right_on_top else swings[0] - swings[1]
    return float(np.clip(rise / TRUNK_RISE_VOTE, -1, 1) + np.clip(top_more / LEG_SWING_VOTE_DEG, -1, 1))
