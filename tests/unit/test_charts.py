"""The approvers' chart for a phone: at most 10 changed rows, full names, colour-blind-safe."""

from __future__ import annotations

import io

from PIL import Image

from core.domain.notices import UnitBar
from handlers.charts import (
    AFTER_COLOUR,
    BEFORE_COLOUR,
    MAX_ROWS,
    ChartLabels,
    chart_rows,
    render_plan_chart,
    row_label,
)

LABELS = ChartLabels(
    "Pegawai dibanding kebutuhan ABK · 30 November 2026",
    "Kebutuhan ABK",
    "Sebelum",
    "Sesudah",
    "pegawai",
)


def bars() -> list[UnitBar]:
    """12 changed rows with growing gaps and 3 unchanged rows with the largest gaps."""
    changed = [
        UnitBar(
            f"U{i:02d}",
            f"SD Negeri {i} Kecamatan Karangrejo Kabupaten Sidaharja",
            "Guru Ahli Pertama",
            10.0,
            10 + i,
            9 + i,
        )
        for i in range(12)
    ]
    unchanged = [UnitBar(f"X{i}", f"Unit Tetap {i}", "Analis", 2.0, 40, 40) for i in range(3)]
    return changed + unchanged


def test_at_most_ten_rows_all_changed_by_the_plan_largest_gap_first() -> None:
    rows = chart_rows(bars())
    assert len(rows) == MAX_ROWS == 10
    assert all(r.after != r.before for r in rows)
    gaps = [abs(r.before - r.required) for r in rows]
    assert gaps == sorted(gaps, reverse=True) and gaps[0] == 11


def test_labels_keep_the_full_name_and_jabatan_wrapped_not_cut() -> None:
    bar = bars()[0]
    label = row_label(bar)
    assert " ".join(label.split("\n")) == f"{bar.unit_name} {bar.family}"
    assert all(len(line) <= 34 for line in label.split("\n"))
    # two units whose names differ only at the end stay distinguishable
    assert row_label(bars()[1]) != row_label(bars()[10])


def test_the_png_is_phone_width_with_okabe_ito_colours() -> None:
    image = Image.open(io.BytesIO(render_plan_chart(bars(), LABELS))).convert("RGB")
    width, height = image.size
    assert width == 840 and height < 3 * width
    colours = {c for _, c in image.getcolors(maxcolors=1 << 20) or []}
    for hex_colour in (BEFORE_COLOUR, AFTER_COLOUR):
        rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, hex_colour
    # the red/green pair of equal lightness the old chart used is gone
    assert (229, 115, 115) not in colours and (76, 175, 80) not in colours
