"""Opening files people upload, safely: the one entry for every spreadsheet the bot reads.

A small XLSX can unfold into gigabytes (a zip bomb: a shared-strings table, styles or a sheet
compressed 1000:1) or into millions of rows. So, before any spreadsheet library sees it:

1. `check_upload` measures what the file really unpacks to, part by part (shared strings,
   styles, sheets, everything in the zip), by decompressing it in a stream and stopping at the
   limit (the sizes written in the zip's directory are not trusted), and counts the rows of
   every sheet and the cells of its widest row with a streaming XML parse. A CSV is checked
   for its size and line count.
2. `parse_with_budget` runs the check and then the parser (a module-level function, which the
   process imports by its module and name) in a separate Python process with a memory limit
   (RLIMIT_AS) and a wall-clock limit: the bot's event loop keeps answering everyone else
   meanwhile, and a file that still needs too much is stopped without harming the bot.

Every refusal is `UnsafeFile` with a message key `error.file_<detail>` and the limit that was
hit, so the person is told what to change.

Files the bot writes are made safe too: `keep_text_cells` stores every text cell as text, so a
name imported or typed as `=HYPERLINK(...)` never opens as a live formula.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import pickle
import sys
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, TypeVarTuple
from xml.etree.ElementTree import ParseError, iterparse

from core.domain.errors import InvalidInput, MessageValue

MB = 1_000_000
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class FileBudget:
    """Limits for one uploaded file (bytes, counts, seconds)."""

    max_bytes: int = 20 * MB  # the file as uploaded
    max_part_bytes: int = 40 * MB  # any one part once unpacked (sheet, shared strings, styles)
    max_unpacked_bytes: int = 80 * MB  # all parts together once unpacked
    max_parts: int = 500
    max_rows: int = 100_000
    max_columns: int = 200
    seconds: float = 30.0  # wall clock for checking and parsing together
    memory_bytes: int = 1_500 * MB  # address space of the parsing process


class UnsafeFile(InvalidInput):
    """The file is refused before or while parsing; `key` names which limit, `values` its size."""

    key = "error.file_unsafe"

    def __init__(self, detail: str = "unsafe", **values: MessageValue) -> None:
        super().__init__(detail, **values)
        self.key = f"error.file_{detail}"


def check_upload(data: bytes, budget: FileBudget) -> None:
    """Raise UnsafeFile unless DATA (an XLSX/zip, or text such as CSV) stays within BUDGET."""
    if len(data) > budget.max_bytes:
        raise UnsafeFile("too_large", megabytes=_mb(budget.max_bytes))
    if not data.startswith(b"PK"):
        lines = data.count(b"\n") + 1
        if lines > budget.max_rows + 1:
            raise UnsafeFile("too_many_rows", rows=budget.max_rows)
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnsafeFile("unreadable") from None
    if len(parts) > budget.max_parts:
        raise UnsafeFile("too_many_parts", parts=budget.max_parts)
    total = 0
    for part in parts:
        size = _unpacked_size(archive, part, budget.max_part_bytes)
        total += size
        if total > budget.max_unpacked_bytes:
            raise UnsafeFile("unpacked_too_large", megabytes=_mb(budget.max_unpacked_bytes))
    for part in parts:
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            _check_sheet_shape(archive, part, budget)


def _unpacked_size(archive: zipfile.ZipFile, part: zipfile.ZipInfo, limit: int) -> int:
    """The bytes PART really unpacks to, stopping as soon as it passes LIMIT."""
    size = 0
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UnsafeFile("part_too_large", part=part.filename, megabytes=_mb(limit))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise UnsafeFile("unreadable") from None
    return size


def _check_sheet_shape(
    archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: FileBudget
) -> None:
    """The rows a sheet holds and the cells in its widest row, streamed. (A lone cell far
    away, e.g. at row 200,000, is one row here: parsers read only as far as they need.)"""
    rows = 0
    cells_in_row = 0
    try:
        with archive.open(part) as stream:
            for _event, element in iterparse(stream, events=("start",)):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "row":
                    rows += 1
                    cells_in_row = 0
                    if rows > budget.max_rows:
                        raise UnsafeFile("too_many_rows", rows=budget.max_rows)
                elif tag == "c":
                    cells_in_row += 1
                    if cells_in_row > budget.max_columns:
                        raise UnsafeFile("too_many_columns", columns=budget.max_columns)
                element.clear()
    except (ParseError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnsafeFile("unreadable") from None


def _mb(size: int) -> int:
    return max(1, size // MB)


Arguments = TypeVarTuple("Arguments")
Result = TypeVar("Result")


async def parse_with_budget(
    parser: Callable[[bytes, *Arguments], Result],
    data: bytes,
    *arguments: *Arguments,
    budget: FileBudget = FileBudget(),
) -> Result:
    """PARSER(DATA, *ARGUMENTS) run in its own process after `check_upload`, within BUDGET's
    memory and time; returns its result or raises what it raised (its own errors, or
    UnsafeFile). The event loop is free meanwhile. PARSER must be a module-level function (the
    process imports it by name); ARGUMENTS and the result cross the processes pickled. Raises
    ValueError for a parser that cannot be imported by name (a lambda, a nested function)."""
    target = f"{parser.__module__}:{parser.__qualname__}"
    if "." in parser.__qualname__ or parser.__module__ == "__main__":
        raise ValueError(f"{target}: not a module-level function another process can import")
    request = pickle.dumps((target, data, arguments, budget))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "core.usecases.safe_files",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(request), timeout=budget.seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise UnsafeFile("too_slow", seconds=int(budget.seconds)) from None
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0 or not output:
        # Killed for memory (the allocator failed outside Python) or crashed.
        raise UnsafeFile("too_much_memory", megabytes=_mb(budget.memory_bytes))
    status, value = pickle.loads(output)
    if status == "ok":
        result: Result = value  # what PARSER returned, unpickled
        return result
    raise value


def _worker() -> None:
    """The parsing process: limits first, then check, then parse; the answer is pickled."""
    target, data, arguments, budget = pickle.load(sys.stdin.buffer)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (budget.memory_bytes, budget.memory_bytes))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on this platform
        pass
    result: tuple[str, Any]
    try:
        check_upload(data, budget)
        module_name, _, function_name = target.partition(":")
        function = getattr(importlib.import_module(module_name), function_name)
        result = ("ok", function(data, *arguments))
    except MemoryError:
        result = ("error", UnsafeFile("too_much_memory", megabytes=_mb(budget.memory_bytes)))
    except Exception as error:  # noqa: BLE001 - handed to the caller to raise
        result = ("error", error)
    try:
        answer = pickle.dumps(result)
        pickle.loads(answer)
    except Exception:  # noqa: BLE001 - an error that cannot cross processes
        answer = pickle.dumps(("error", UnsafeFile("unreadable")))
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    # Run the imported module's worker, so that what it raises pickles as
    # core.usecases.safe_files.*.
    importlib.import_module("core.usecases.safe_files")._worker()


class TextCell(Protocol):
    """The part of a spreadsheet cell `keep_text_cells` uses (openpyxl's `Cell`): its type, "f"
    for a formula, "s" for text."""

    data_type: str


class CellSheet(Protocol):
    """The part of a worksheet `keep_text_cells` uses (openpyxl's `Worksheet`)."""

    def iter_rows(self) -> Iterable[Iterable[TextCell]]: ...


class CellBook(Protocol):
    """The part of a workbook `keep_text_cells` uses (openpyxl's `Workbook`)."""

    @property
    def worksheets(self) -> Iterable[CellSheet]: ...


def keep_text_cells(book: CellBook) -> None:
    """Store every text cell of the openpyxl workbook BOOK as text, not as a formula.

    openpyxl turns any string starting with "=" into a formula, so a name from an agency file
    or a reason typed in the chat (`=HYPERLINK("…")`, `=cmd|…`) would run or link when the
    file is opened. The workbooks the bot writes hold no formulas of their own.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
