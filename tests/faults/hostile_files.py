"""Hostile spreadsheets, built the way a tool would write them: a real template from the bot,
then one part swapped for one that unfolds (a shared-strings table or styles of hundreds of
megabytes compressed to a few hundred kilobytes; a sheet with too many rows or cells)."""

from __future__ import annotations

import io
import zipfile

SHARED_STRINGS_TYPE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)
SHARED_STRINGS_CONTENT = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _rewrite(
    xlsx: bytes, replace: dict[str, bytes], stream: tuple[str, bytes, bytes, int] | None
) -> bytes:
    """XLSX with parts replaced; STREAM = (part, head, repeated chunk, times) written streamed."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if stream is not None and info.filename == stream[0]:
                continue
            data = replace.get(info.filename, source.read(info.filename))
            target.writestr(info.filename, data)
        if stream is not None:
            name, head, chunk, times = stream
            with target.open(name, "w") as part:
                part.write(head)
                for _ in range(times):
                    part.write(chunk)
                part.write(b"</sst>" if name.endswith("sharedStrings.xml") else b"")
    return out.getvalue()


def shared_strings_bomb(xlsx: bytes, megabytes: int) -> bytes:
    """XLSX whose shared-strings table unpacks to about MEGABYTES (referenced like Excel does)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    rels = source.read("xl/_rels/workbook.xml.rels").replace(
        b"</Relationships>",
        f'<Relationship Id="rIdBomb" Type="{SHARED_STRINGS_TYPE}" '
        'Target="sharedStrings.xml"/></Relationships>'.encode(),
    )
    types = source.read("[Content_Types].xml").replace(
        b"</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_CONTENT}"/>'
        "</Types>".encode(),
    )
    chunk = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    times = megabytes * 1_000_000 // len(chunk)
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{SHEET_NS}">'.encode()
    return _rewrite(
        xlsx,
        {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types},
        ("xl/sharedStrings.xml", head, chunk, times),
    )


def styles_bomb(xlsx: bytes, megabytes: int) -> bytes:
    """XLSX whose styles part unpacks to about MEGABYTES (XML comments, as padding tools do)."""
    original = zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/styles.xml")
    padding = b"<!--" + b"-" * 0 + b"x" * 100_000 + b"-->"
    times = megabytes * 10
    return _rewrite(xlsx, {}, ("xl/styles.xml", original, padding, times))


def sheet_with_rows(xlsx: bytes, rows: int, cells_per_row: int = 1) -> bytes:
    """XLSX whose first sheet has ROWS rows of CELLS_PER_ROW numeric cells."""
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SHEET_NS}"><sheetData>'
    ).encode()
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(cells_per_row))
    chunk = f"<row>{cells}</row>".encode()
    built = _rewrite(xlsx, {}, ("xl/worksheets/sheet1.xml", head, chunk, rows))
    # close the sheet: append the end tags by rewriting once more (small)
    source = zipfile.ZipFile(io.BytesIO(built))
    data = source.read("xl/worksheets/sheet1.xml") + b"</sheetData></worksheet>"
    return _rewrite(built, {"xl/worksheets/sheet1.xml": data}, None)
