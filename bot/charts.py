"""The plan chart: staffing against ABK need per unit, before and after, as a PNG."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from core.notices import UnitBar


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The chart's words, already translated by the caller."""

    title: str
    need: str
    before: str
    after: str
    axis: str


def render_plan_chart(bars: Sequence[UnitBar], labels: ChartLabels) -> bytes:
    """A horizontal grouped bar chart (need, before, after per unit), PNG bytes."""
    # Figure + Agg canvas directly: no pyplot global state, safe off the main thread.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = list(bars)[::-1]  # largest gap at the top
    height = max(2.5, 0.55 * len(rows) + 1.4)
    figure = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    positions = list(range(len(rows)))
    width = 0.27
    axes.barh(
        [p + width for p in positions],
        [b.required for b in rows],
        width,
        label=labels.need,
        color="#9e9e9e",
    )
    axes.barh(positions, [b.before for b in rows], width, label=labels.before, color="#e57373")
    axes.barh(
        [p - width for p in positions],
        [b.after for b in rows],
        width,
        label=labels.after,
        color="#4caf50",
    )
    names = [f"{b.unit_name[:28]} · {b.family[:18]}" for b in rows]
    axes.set_yticks(positions, names, fontsize=8)
    axes.set_xlabel(labels.axis)
    axes.set_title(labels.title)
    axes.legend(loc="lower right", fontsize=8)
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
