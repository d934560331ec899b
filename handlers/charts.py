"""The plan chart for a phone: staff against ABK need, before and after, per unit, as a PNG.

Telegram shows a photo in a chat about 330 px wide on a small phone. The chart is drawn 840 px
wide (4.2 in at 200 dpi), so an 11-point label is still about 12 px high at that width. At most
`MAX_ROWS` rows: the (unit, jabatan) pairs the plan changes, largest gap to ABK need first. Each
row names the unit and the jabatan in full (wrapped, never cut), draws the "after" bar (blue)
inside the "before" bar (orange), a black mark at the need, and the numbers at the bar's end:
"22 → 19 (−3)", bold when the plan changes the row. Colours are from the
Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays distinct for the
common colour-vision deficiencies and also differs in lightness.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from core.domain.notices import UnitBar

#: At most this many rows (a phone screen holds about this many before scrolling).
MAX_ROWS = 10
#: Okabe–Ito orange (before) and blue (after); black for the need mark.
BEFORE_COLOUR = "#E69F00"
AFTER_COLOUR = "#0072B2"
NEED_COLOUR = "#000000"
#: The jabatan under each unit name, dark grey (still over 7:1 contrast on white).
FAMILY_COLOUR = "#444444"
#: Characters per label line at 11 pt in a 5-inch-wide figure.
LABEL_WIDTH = 34
WIDTH_INCHES = 4.2
DPI = 200
#: Characters per title line at 12 pt bold.
TITLE_WIDTH = 34


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The chart's words, already translated by the caller (the title carries the date in
    the reader's language)."""

    title: str
    need: str
    before: str
    after: str
    axis: str


def chart_rows(bars: Sequence[UnitBar], limit: int = MAX_ROWS) -> list[UnitBar]:
    """The rows to draw: those the plan changes, largest gap to need (before) first; if the
    plan changes nothing, the largest gaps. At most LIMIT."""
    changed = [b for b in bars if b.after != b.before]
    pool = changed or list(bars)
    ordered = sorted(pool, key=lambda b: (-abs(b.before - b.required), b.unit_name, b.family))
    return ordered[:limit]


def row_label(bar: UnitBar) -> str:
    """The unit's full name, then the jabatan, each wrapped (never shortened, so never
    ambiguous)."""
    lines = textwrap.wrap(bar.unit_name, LABEL_WIDTH) or [bar.unit_code]
    if bar.family:
        lines.extend(textwrap.wrap(bar.family, LABEL_WIDTH))
    return "\n".join(lines)


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else f"\u2212{-value}"


def render_plan_chart(bars: Sequence[UnitBar], labels: ChartLabels) -> bytes:
    """A phone-sized horizontal bar chart (before, after, need per row), PNG bytes."""
    # Figure + Agg canvas directly: no pyplot global state, safe off the main thread.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = chart_rows(bars)
    label_lines = [row_label(b).count("\n") + 1 for b in rows]
    title = "\n".join(textwrap.wrap(labels.title, TITLE_WIDTH))
    title_lines = title.count("\n") + 1
    # Each row: its label lines, then one bar pair drawn on the same line (the blue "after"
    # bar inside the wider orange "before" bar), in "row units" of about 0.27 inch.
    pitches = [0.7 * n + 1.55 for n in label_lines]
    head = 0.55 + 0.25 * title_lines
    height = max(2.6, 0.27 * sum(pitches) + head)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.03, 0.01, 0.94, 1 - head / height - 0.01))
    top = sum(pitches)
    biggest = max([b.before for b in rows] + [b.after for b in rows] + [b.required for b in rows])
    span = max(1.0, biggest * 1.45)
    y = top
    for bar, pitch, lines in zip(rows, pitches, label_lines, strict=True):
        name_lines = textwrap.wrap(bar.unit_name, LABEL_WIDTH) or [bar.unit_code]
        axes.text(0, y - 0.05, "\n".join(name_lines), va="top", ha="left", fontsize=11)
        if bar.family:
            family = "\n".join(textwrap.wrap(bar.family, LABEL_WIDTH))
            axes.text(
                0,
                y - 0.05 - 0.7 * len(name_lines),
                family,
                va="top",
                ha="left",
                fontsize=11,
                color=FAMILY_COLOUR,
            )
        bar_y = y - 0.7 * lines - 0.72
        axes.barh(bar_y, bar.before, 0.8, color=BEFORE_COLOUR)
        axes.barh(bar_y, bar.after, 0.4, color=AFTER_COLOUR)
        axes.plot(
            [bar.required, bar.required], [bar_y - 0.55, bar_y + 0.55], color=NEED_COLOUR, lw=2.4
        )
        change = bar.after - bar.before
        figures = f"{bar.before} \u2192 {bar.after}" + (f" ({_signed(change)})" if change else "")
        right = max(bar.before, bar.after, bar.required) + span * 0.02
        axes.text(
            right,
            bar_y,
            figures,
            va="center",
            fontsize=11,
            fontweight="bold" if change else "normal",
        )
        y -= pitch
    axes.set_xlim(0, span)
    axes.set_ylim(0, top)
    axes.axis("off")
    figure.suptitle(title, fontsize=12, fontweight="bold", x=0.03, ha="left", y=0.997)
    handles = [
        Patch(color=BEFORE_COLOUR, label=labels.before),
        Patch(color=AFTER_COLOUR, label=labels.after),
        Line2D([0], [0], color=NEED_COLOUR, linewidth=2.2, label=labels.need),
    ]
    figure.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.02, 1 - (0.12 + 0.25 * title_lines) / height),
        ncol=3,
        fontsize=10,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
