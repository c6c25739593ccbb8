"""The camera's view through a set, from the per-frame estimates: the windows the scorecard
reports (a new one whenever the camera is moved round the body), and the warning when it stands
too far round for the exercise to be counted at all."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from formcheck.engine.events import FrameMetrics, Warning
from formcheck.exercises import TooHigh

# A new window starts when the camera has stood this far round from the window's view for this long.
VIEW_CHANGE_DEG = 20.0
VIEW_CHANGE_AFTER_S = 1.0
REFERENCE_FRAMES = 15
# Words for the view (judgment): square-on within SQUARE_ON_DEG, "from the head (feet) end" past
# END_ON_DEG; floor level below LOW_CAMERA_DEG of elevation, raised from RAISED_CAMERA_DEG
# (kinematics' roll-back thresholds, where what the camera sees of the clam changes).
SQUARE_ON_DEG = 15.0
END_ON_DEG = 60.0
LOW_CAMERA_DEG = 20.0
RAISED_CAMERA_DEG = 35.0
# A window faces the camera (or away) when its clear frames' facing votes average at least this
# (+ or -), over at least this many frames (judgment: shared front clips vote +1 in every clear
# frame, rendered planks from behind mostly -1).
FACING_AGREEMENT = 0.5
FACING_MIN_FRAMES = 10
# The camera too far round to count must last this long before it is said.
OFF_VIEW_AFTER_S = 1.0
# A view higher than the exercise is read from (Exercise.too_high) is judged from its window's
# median once the window is this long, and again each time it has grown as much (judgment:
# MediaPipe's elevation swings within each rep; a window's median is not worth taking every frame).
TOO_HIGH_AFTER_S = 2.0


def view_words(yaw_deg: float, elevation_deg: float) -> str:
    """The view in plain words, e.g. "40 deg towards the feet, raised"."""
    end = "head" if yaw_deg > 0 else "feet"
    if abs(yaw_deg) < SQUARE_ON_DEG:
        where = "square-on"
    elif abs(yaw_deg) < END_ON_DEG:
        where = f"{abs(yaw_deg):.0f} deg towards the {end}"
    else:
        where = f"from the {end} end"
    if elevation_deg < LOW_CAMERA_DEG:
        height = "floor level"
    elif elevation_deg < RAISED_CAMERA_DEG:
        height = "halfway up"
    else:
        height = "raised"
    return f"{where}, {height}"


@dataclass
class ViewWindow:
    """A stretch of the set seen from one view (medians of its frames)."""

    start_s: float
    end_s: float
    yaws: list[float] = field(default_factory=list, repr=False)
    elevations: list[float] = field(default_factory=list, repr=False)
    facing_votes: list[float] = field(default_factory=list, repr=False)  # facing_camera_vote

    @property
    def yaw_deg(self) -> float:
        return statistics.median(self.yaws)

    @property
    def settled_yaw_deg(self) -> float:
        """The view the window started with (its first REFERENCE_FRAMES), to compare frames with."""
        return statistics.median(self.yaws[:REFERENCE_FRAMES])

    @property
    def elevation_deg(self) -> float:
        return statistics.median(self.elevations)

    @property
    def facing(self) -> str:
        """ "front", "back" (facing away, or the pose model swapped left and right) or "unclear"."""
        votes = [v for v in self.facing_votes if v != 0.0]
        if len(votes) < FACING_MIN_FRAMES:
            return "unclear"
        mean = sum(votes) / len(votes)
        return "front" if mean >= FACING_AGREEMENT else "back" if mean <= -FACING_AGREEMENT else "unclear"

    def to_dict(self) -> dict:
        words = view_words(self.yaw_deg, self.elevation_deg)
        return {
            "start_s": round(self.start_s, 2),
            "end_s": round(self.end_s, 2),
            "yaw_deg": round(self.yaw_deg, 1),
            "elevation_deg": round(self.elevation_deg, 1),
            "facing": self.facing,
            "view": words + (", facing away" if self.facing == "back" else ""),
        }


@dataclass
class ViewLog:
    """Follows the view frame by frame; ``windows`` is the set's views in time order."""

    windows: list[ViewWindow] = field(default_factory=list)
    _turned: ViewWindow | None = None  # frames seen from a new view, not yet long enough
    _off_since_s: float | None = None
    _off_warned: bool = False
    _back_since_s: float | None = None
    _high_warned: bool = False
    _high_judged_s: float = 0.0  # when the view was last judged against Exercise.too_high

    def update(self, m: FrameMetrics) -> None:
        yaw, elevation = m.values.get("camera_yaw_deg"), m.values.get("camera_elevation_deg")
        if not m.has_pose or yaw is None or elevation is None or math.isnan(yaw) or math.isnan(elevation):
            return
        facing = m.values.get("facing_camera_vote", 0.0)
        facing = 0.0 if facing is None or math.isnan(facing) else facing
        if not self.windows:
            self.windows.append(ViewWindow(m.t_s, m.t_s, [yaw], [abs(elevation)], [facing]))
            return
        current = self.windows[-1]
        if abs(yaw - current.settled_yaw_deg) > VIEW_CHANGE_DEG:
            self._turned = self._turned or ViewWindow(m.t_s, m.t_s)
            self._turned.yaws.append(yaw)
            self._turned.elevations.append(abs(elevation))
            self._turned.facing_votes.append(facing)
            self._turned.end_s = m.t_s
            if m.t_s - self._turned.start_s >= VIEW_CHANGE_AFTER_S:
                current.end_s = self._turned.start_s
                self.windows.append(self._turned)
                self._turned = None
            return
        if self._turned is not None:  # a brief turn: its frames belong to this view after all
            current.yaws += self._turned.yaws
            current.elevations += self._turned.elevations
            current.facing_votes += self._turned.facing_votes
            self._turned = None
        current.yaws.append(yaw)
        current.elevations.append(abs(elevation))
        current.facing_votes.append(facing)
        current.end_s = m.t_s

    def facing_away(self) -> bool:
        """Most of the set was seen from behind (its windows' clear facing votes, together)."""
        window = ViewWindow(0.0, 0.0, facing_votes=[v for w in self.windows for v in w.facing_votes])
        return window.facing == "back"

    def too_high_warning(self, m: FrameMetrics, limit: TooHigh) -> Warning | None:
        """A camera_view warning, once a set, when the view has looked down from above the
        exercise's limit (its window's median, judged every TOO_HIGH_AFTER_S of the window)."""
        if self._high_warned or not self.windows:
            return None
        window = self.windows[-1]
        if min(window.end_s - window.start_s, window.end_s - self._high_judged_s) < TOO_HIGH_AFTER_S:
            return None
        self._high_judged_s = window.end_s
        if window.elevation_deg < limit.elevation_deg:
            return None
        self._high_warned = True
        return Warning(
            "camera_view",
            m.t_s,
            f"The camera looks down on you from about {window.elevation_deg:.0f} deg: {limit.words}.",
        )

    def off_view_warning(self, m: FrameMetrics, off: bool) -> Warning | None:
        """A camera_view warning when the camera has stood too far round to count (``off``) for
        OFF_VIEW_AFTER_S; again only after it was back in view as long."""
        if not off:
            self._off_since_s = None
            self._back_since_s = m.t_s if self._back_since_s is None else self._back_since_s
            if m.t_s - self._back_since_s >= OFF_VIEW_AFTER_S:
                self._off_warned = False
            return None
        self._back_since_s = None
        self._off_since_s = m.t_s if self._off_since_s is None else self._off_since_s
        if self._off_warned or m.t_s - self._off_since_s < OFF_VIEW_AFTER_S:
            return None
        self._off_warned = True
        yaw = m.values.get("camera_yaw_deg", 0.0)
        return Warning(
            "camera_view",
            m.t_s,
            f"Can't count from here: the camera stands {abs(yaw):.0f} deg towards your "
            f"{'head' if yaw > 0 else 'feet'} - stand it square in front of you, side-on to your body.",
        )
