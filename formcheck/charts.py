"""A set's charts for report.html: its reps' range against the exercise's smallest good one, and
its holds' length with the part held in good form, so that a range or a hold fading over a set
(fatigue, which a physical therapist looks for) shows at a glance rather than row by row.

Drawn with matplotlib as inline SVG: nothing is fetched, the text stays text in the page's font,
and it prints sharp. The SVG is deterministic (no date, fixed ids), so a report remade from its
``scorecard.json`` is the same page. matplotlib takes about 0.35 s to load, so report.py loads this
module only for a page with a chart, and live mode before its first frame.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Drawn at 6.4 x 2.1 in and scaled by the page (report.py's .chart), the size of the table's width.
_SIZE_IN = (6.4, 2.1)
# Left, bottom, right, top, as fractions of it: room for 3-digit ticks, a label on each axis. Fixed,
# not matplotlib's constrained layout, which doubles the time to draw (39 ms here, not 78): live
# mode writes its report after every rep.
_MARGINS = (0.1, 0.22, 0.98, 0.95)
# The page's colours (report.py's style): ink, rules, a fault, a hold, the good part of it.
_INK, _GRID, _LIMIT, _HELD, _GOOD_FORM = "#1d2327", "#e3e3e3", "#a1161b", "#dfe3e6", "#0a6b2d"


@dataclass(frozen=True)
class RepPoint:
    """One rep as charted: its number, its range (None: the camera could not see it) and the
    colour of its score."""

    index: int
    value: float | None
    colour: str


def range_chart_svg(reps: Sequence[RepPoint], min_range_deg: float | None, chart_id: str) -> str:
    """Each rep's range (deg), coloured by its score, with the smallest good range dashed."""
    seen = [p for p in reps if p.value is not None]

    def draw(ax: Axes) -> None:
        ax.plot([p.index for p in seen], [p.value for p in seen], color=_INK, linewidth=1, zorder=2)
        ax.scatter(
            [p.index for p in seen], [p.value for p in seen], c=[p.colour for p in seen], s=28, zorder=3
        )
        if min_range_deg is not None:
            ax.axhline(min_range_deg, color=_LIMIT, linestyle="--", linewidth=1, zorder=1)
            ax.annotate(
                f"smallest good range {min_range_deg:g}°",
                (1.0, min_range_deg),
                xycoords=("axes fraction", "data"),
                xytext=(-2, 3),
                textcoords="offset points",
                ha="right",
                color=_LIMIT,
            )
        ax.set_ylim(0, 1.2 * max([p.value for p in seen] + [min_range_deg or 0.0, 10.0]))
        ax.set_ylabel("range (°)")
        _count_axis(ax, [p.index for p in reps], "rep")

    return _svg(draw, chart_id)


def holds_chart_svg(
    index: Sequence[int], length_s: Sequence[float], good_form_s: Sequence[float], chart_id: str
) -> str:
    """Each hold's length (s) as a bar, and the part of it held in good form."""

    def draw(ax: Axes) -> None:
        ax.bar(index, length_s, width=0.6, color=_HELD, label="held", zorder=2)
        ax.bar(index, good_form_s, width=0.6, color=_GOOD_FORM, label="in good form", zorder=3)
        ax.set_ylim(0, 1.25 * max(length_s))
        ax.set_ylabel("seconds")
        ax.legend(loc="upper right", frameon=False, ncols=2)
        _count_axis(ax, list(index), "hold")

    return _svg(draw, chart_id)


def _count_axis(ax: Axes, index: list[int], noun: str) -> None:
    ax.set_xlabel(noun)
    ax.set_xlim(min(index) - 0.6, max(index) + 0.6)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _svg(draw: Callable[[Axes], None], chart_id: str) -> str:
    """A chart drawn by ``draw`` as an ``<svg>`` element to put in a page: text as text, no date,
    and ids of its own (``chart_id`` salts those it refers to; its groups' numbered ones, the same
    in every chart and never referred to, are left out), so charts share a page."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart_id, "font.size": 9}):
        fig = Figure(figsize=_SIZE_IN)
        fig.subplots_adjust(*_MARGINS)
        ax = fig.add_subplot()
        ax.grid(axis="y", color=_GRID, zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
        draw(ax)
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    return re.sub(r'<g id="[^"]*">', "<g>", text[text.index("<svg") :])
