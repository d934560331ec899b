"""ABK arithmetic: docs/domain.md's worked example and the category edges."""

from __future__ import annotations

import pytest

from core.domain.abk import (
    CategoryThresholds,
    annualise_monthly,
    efficiency_category,
    round_half_up,
    round_half_up_to,
    workload_figures,
    workload_minutes,
)


def test_domain_worked_example_one_person_too_many() -> None:
    figures = workload_figures(76_200, staff_in_post=2)
    assert round(figures.required_fte, 2) == 1.02
    assert figures.efficiency is not None and round(figures.efficiency, 2) == 0.51
    assert figures.category == "D"
    assert figures.required_headcount == 1
    assert figures.surplus == pytest.approx(2 - 1.016)


def test_workload_minutes_is_volume_times_norma_waktu() -> None:
    assert workload_minutes([(100, 30), (12, 250)]) == 100 * 30 + 12 * 250


@pytest.mark.parametrize(
    ("ej", "category"),
    [
        (1.01, "A"),
        (1.00, "B"),
        (0.90, "B"),
        (0.89, "C"),
        (0.70, "C"),
        (0.69, "D"),
        (0.50, "D"),
        (0.49, "E"),
    ],
)
def test_category_edges_follow_domain_thresholds(ej: float, category: str) -> None:
    assert efficiency_category(ej) == category


def test_thresholds_are_settings() -> None:
    strict = CategoryThresholds(a_above=1.2, b_from=1.0, c_from=0.8, d_from=0.6)
    assert efficiency_category(1.1, strict) == "B"


def test_half_up_rounding_is_not_bankers_rounding() -> None:
    assert round_half_up(2.5) == 3
    assert round_half_up(0.5) == 1
    assert round_half_up(1.49) == 1
    assert round_half_up_to(1.016, 2) == 1.02
    assert round_half_up_to(0.125, 2) == 0.13


def test_empty_unit_has_need_but_no_efficiency() -> None:
    figures = workload_figures(150_000, staff_in_post=0)
    assert figures.required_fte == 2.0
    assert figures.efficiency is None and figures.category is None


def test_monthly_volume_is_annualised() -> None:
    assert annualise_monthly(10) == 120


def test_zero_wke_is_refused() -> None:
    with pytest.raises(ValueError):
        workload_figures(1.0, 1, wke_minutes=0)
