"""Pictures of the shortcuts for report.html: which moment shows each one, and that moment's drawn
frame, small, as JPEG. ``analyze`` takes them while it draws annotated.mp4 (``still_frames``);
``live`` keeps its recent drawn frames and picks from them whenever it saves (``RecentStills``).
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

# Wide enough to see the skeleton and its angles, small enough that a page of thirty reps stays well
# under a megabyte (about 20 KB each at 640x360).
STILL_WIDTH_PX = 360
STILL_JPEG_QUALITY = 80
# Live keeps a drawn frame this often, for this long: a rep's top is then at most a tenth of a second
# off, and a hold's shortcut is found for holds up to three minutes long (about 15 MB at 360 px).
LIVE_STILL_EVERY_S = 0.2
LIVE_STILLS_KEPT_S = 180.0
# A kept frame further than this from the moment wanted (frames dropped, a pause) is not that moment.
LIVE_STILL_TOLERANCE_S = 0.5

StillKey = tuple[str, int, int]  # ("rep" or "hold", set index, its index)
Stills = dict[StillKey, bytes]  # -> JPEG


def still_times(card: dict) -> dict[StillKey, float]:
    """When each faulty rep and hold of a scorecard (its JSON form) is pictured: a rep at its top,
    where the shortcuts grow to their fullest; a hold in the middle of its longest shortcut."""
    wanted: dict[StillKey, float] = {}
    for rep in card["reps"]:
        if rep["faults"]:
            wanted["rep", rep.get("set", 1), rep["index"]] = rep.get("peak_s", rep["start_s"])
    for hold in card["holds"]:
        if hold["faults"]:
            span = max(hold["faults"], key=lambda f: f["end_s"] - f["start_s"])
            wanted["hold", hold.get("set", 1), hold["index"]] = (span["start_s"] + span["end_s"]) / 2
    return wanted


def still_frames(card: dict, t_s: np.ndarray) -> dict[int, list[StillKey]]:
    """The frames (indexes into ``t_s``) that picture the card's shortcuts, each with its records."""
    frames: dict[int, list[StillKey]] = {}
    for key, time_s in still_times(card).items():
        frames.setdefault(int(np.argmin(np.abs(t_s - time_s))), []).append(key)
    return frames


def jpeg_still(frame: np.ndarray) -> bytes:
    """A drawn frame, scaled to STILL_WIDTH_PX wide, as JPEG."""
    height, width = frame.shape[:2]
    scale = min(1.0, STILL_WIDTH_PX / width)
    small = cv2.resize(frame, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, STILL_JPEG_QUALITY])
    return data.tobytes() if ok else b""


class RecentStills:
    """Live: the frames the window showed lately, one every LIVE_STILL_EVERY_S as JPEG, from which
    each faulty rep and hold gets its picture when the scorecard is saved. A record keeps its
    picture once its moment has left the window; a set discarded (restarted) loses its pictures."""

    def __init__(self, every_s: float = LIVE_STILL_EVERY_S, kept_s: float = LIVE_STILLS_KEPT_S):
        self.every_s, self.kept_s = every_s, kept_s
        self._recent: deque[tuple[float, bytes]] = deque()
        self._chosen: dict[StillKey, tuple[float, bytes]] = {}  # -> (the moment wanted, its JPEG)

    def offer(self, t_s: float, drawn: np.ndarray) -> None:
        """A frame as the window shows it, kept if it is time for the next one."""
        if self._recent and t_s - self._recent[-1][0] < 0.9 * self.every_s:  # a camera's times jitter
            return
        self._recent.append((t_s, jpeg_still(drawn)))
        while t_s - self._recent[0][0] > self.kept_s:
            self._recent.popleft()

    def pictures(self, card: dict) -> Stills:
        """A picture for each faulty rep and hold of ``card`` (its JSON form) that one was kept for."""
        times = np.array([t for t, _ in self._recent])
        chosen: dict[StillKey, tuple[float, bytes]] = {}
        for key, want_s in still_times(card).items():
            earlier = self._chosen.get(key)
            if earlier is not None and earlier[0] == want_s:
                chosen[key] = earlier
            elif len(times):
                i = int(np.argmin(np.abs(times - want_s)))
                if abs(times[i] - want_s) <= LIVE_STILL_TOLERANCE_S:
                    chosen[key] = (want_s, self._recent[i][1])
        self._chosen = chosen
        return {key: jpeg for key, (_, jpeg) in chosen.items()}
