"""core.usecases.safe_files: what a file unpacks to is measured part by part before any parser sees
it,
and parsing runs in its own process within a memory and time budget."""

from __future__ import annotations

import pytest

from core.domain.errors import InvalidInput
from core.usecases.safe_files import MB, FileBudget, UnsafeFile, check_upload, parse_with_budget
from handlers.workload_sheet import TEMPLATE_BUDGET, TemplateInfo, build_template
from tests.faults.hostile_files import shared_strings_bomb, sheet_with_rows, styles_bomb
from tests.unit import greedy_parsers

TEMPLATE = build_template(TemplateInfo("PKM-A", "Perawat Terampil", "2026-10"), [])


def test_a_shared_strings_bomb_under_one_megabyte_is_refused_naming_the_part() -> None:
    bomb = shared_strings_bomb(TEMPLATE, megabytes=200)
    assert len(bomb) < MB
    with pytest.raises(UnsafeFile) as refused:
        check_upload(bomb, TEMPLATE_BUDGET)
    assert refused.value.key == "error.file_part_too_large"
    assert refused.value.values == {"part": "xl/sharedStrings.xml", "megabytes": 10}


def test_a_styles_bomb_is_refused_naming_the_part() -> None:
    bomb = styles_bomb(TEMPLATE, megabytes=30)
    with pytest.raises(UnsafeFile) as refused:
        check_upload(bomb, TEMPLATE_BUDGET)
    assert refused.value.values["part"] == "xl/styles.xml"


def test_parts_that_are_each_small_but_together_too_big_are_refused() -> None:
    budget = FileBudget(max_part_bytes=8 * MB, max_unpacked_bytes=5 * MB)
    with pytest.raises(UnsafeFile) as refused:
        check_upload(styles_bomb(TEMPLATE, megabytes=6), budget)
    assert refused.value.key == "error.file_unpacked_too_large"


def test_rows_and_cells_are_counted_before_parsing() -> None:
    with pytest.raises(UnsafeFile) as rows:
        check_upload(sheet_with_rows(TEMPLATE, 5_001), TEMPLATE_BUDGET)
    assert rows.value.key == "error.file_too_many_rows" and rows.value.values == {"rows": 5000}
    with pytest.raises(UnsafeFile) as columns:
        check_upload(sheet_with_rows(TEMPLATE, 3, cells_per_row=51), TEMPLATE_BUDGET)
    assert columns.value.key == "error.file_too_many_columns"
    check_upload(sheet_with_rows(TEMPLATE, 4_000, cells_per_row=4), TEMPLATE_BUDGET)


def test_a_csv_is_checked_for_size_and_lines() -> None:
    budget = FileBudget(max_bytes=1000, max_rows=10)
    check_upload(b"a,b\n" * 10, budget)
    with pytest.raises(UnsafeFile) as lines:
        check_upload(b"a,b\n" * 11, budget)
    assert lines.value.key == "error.file_too_many_rows"
    with pytest.raises(UnsafeFile) as size:
        check_upload(b"x" * 1001, budget)
    assert size.value.key == "error.file_too_large"


async def test_parsing_that_takes_too_long_is_stopped() -> None:
    budget = FileBudget(seconds=2.0)
    with pytest.raises(UnsafeFile) as refused:
        await parse_with_budget(greedy_parsers.spin, b"x", budget=budget)
    assert refused.value.key == "error.file_too_slow" and refused.value.values == {"seconds": 2}


async def test_parsing_that_wants_too_much_memory_is_stopped() -> None:
    budget = FileBudget(memory_bytes=600 * MB)
    with pytest.raises(UnsafeFile) as refused:
        await parse_with_budget(greedy_parsers.hog, b"x", budget=budget)
    assert refused.value.key == "error.file_too_much_memory"


async def test_the_parser_result_and_its_own_refusals_cross_back() -> None:
    assert await parse_with_budget(greedy_parsers.size, b"abc", 4) == 7
    with pytest.raises(InvalidInput) as refused:
        await parse_with_budget(greedy_parsers.refuse, b"abc")
    assert refused.value.values == {"line": 7}


async def test_a_parser_the_process_cannot_import_by_name_is_refused_before_it_starts() -> None:
    def nested(data: bytes) -> int:
        return len(data)

    with pytest.raises(ValueError, match="module-level"):
        await parse_with_budget(nested, b"abc")
    with pytest.raises(ValueError, match="module-level"):
        await parse_with_budget(lambda data: data, b"abc")
