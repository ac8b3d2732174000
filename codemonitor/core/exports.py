"""Every CSV and XLSX file the platform writes goes through here, so that no cell is a formula.

A spreadsheet opening an export treats a cell that starts with `=`, `+`, `-` or `@` as a formula
(and a tab or carriage return in front of one as well): a register entry such as
`=HYPERLINK("https://evil.example", "Ministry")` or `+cmd|' /C calc'!A0` would run on the
machine of whoever opens the file (CSV or formula injection). Each text cell that starts with one
of those characters is written with a single quote in front (the OWASP advice): spreadsheets
show it as text, and the quote tells a reader the value was changed.

- Numbers (`int`, `float`, `Decimal`), dates and times and empty cells (`None`) are written as
  they are: a real negative number is a number, not a formula.
- Text is always checked, even text that looks like a number: a telephone written `-5 123` or a
  value `-5` typed into a form is text and gets the quote. A few numbers written as text keep a
  visible quote; no text can ever turn into a formula.
- Anything else (a lazy translation, a model) is written as its text, and checked as text.

In an XLSX sheet every text cell is also stored as a string, never a formula or an error code,
whatever it holds.

`tests/architecture/test_exports.py` fails if a module other than this one writes CSV or XLSX
(`csv.writer`, `csv.DictWriter`, openpyxl's `Workbook`); the only other one is
`instruments/workbooks.py`, which builds XLSForm workbooks from the project's own CSV sources.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell

# What a spreadsheet may read as the start of a formula (OWASP's list).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
AS_THEY_ARE = (int, float, Decimal, dt.date, dt.datetime, dt.time)  # bool is an int


def cell_safe(value: object) -> object:
    """The value to write in a cell: text that could start a formula gets a `'` in front."""
    if value is None or isinstance(value, AS_THEY_ARE):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(TRIGGERS) else text


class SafeCsvWriter:
    """`csv.writer` whose every cell goes through `cell_safe`."""

    def __init__(self, handle: Any, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([cell_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_write(handle: Any, rows: Iterable[Iterable[object]]) -> int:
    """Write rows (the header first) to an open text file, one at a time: an export of any
    length in constant memory. Returns how many rows were written."""
    writer = SafeCsvWriter(handle)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


class _Line:
    """A file-like object that hands back what was written to it (for `csv_stream`)."""

    def write(self, text: str) -> str:
        return text


def csv_stream(rows: Iterable[Iterable[object]], *, per_chunk: int = 500) -> Iterator[bytes]:
    """Rows (the header first) as UTF-8 CSV, in chunks of `per_chunk` rows: the body of a
    streamed download (`StreamingHttpResponse`), never the whole file in memory."""
    writer = csv.writer(_Line())
    lines: list[str] = []
    for row in rows:
        lines.append(writer.writerow([cell_safe(value) for value in row]))
        if len(lines) >= per_chunk:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    """Rows (the header first) as a UTF-8 CSV file."""
    output = io.StringIO()
    SafeCsvWriter(output).writerows(rows)
    return output.getvalue().encode("utf-8")


def xlsx_append(sheet: Any, row: Iterable[object]) -> None:
    """Add a row at the bottom of an openpyxl sheet, each cell safe and each text cell stored
    as a string."""
    cells = []
    for value in row:
        cell = Cell(sheet, row=1, column=1, value=cell_safe(value))  # `append` places it
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never "f" (formula) nor "e" (an error code such as #N/A)
        cells.append(cell)
    sheet.append(cells)


def xlsx_bytes(sheets: Mapping[str, Iterable[Iterable[object]]]) -> bytes:
    """A workbook with a sheet per name, its rows (the header first) written by `xlsx_append`."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name[:31])  # Excel's longest sheet name
        for row in rows:
            xlsx_append(sheet, row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


XLSX_MAX_ROWS = 1_048_576  # the most rows a sheet of Excel holds


def xlsx_write(handle: Any, sheets: Iterable[tuple[str, Iterable[Iterable[object]]]]) -> int:
    """A workbook of any length written to an open binary file at flat memory: openpyxl's
    write-only mode keeps each sheet's rows in a temporary file, not in memory. A sheet per
    (name, rows), the header first, each cell as `xlsx_append` writes it. Returns the rows
    written. A table longer than a sheet holds goes on in further sheets, under its header."""
    workbook = Workbook(write_only=True)
    count = 0
    used: set[str] = set()

    def new_sheet(name: str) -> Any:
        title = name[:31]  # Excel's longest sheet name
        while title in used:
            title = f"{name[:27]}_{len(used)}"
        used.add(title)
        return workbook.create_sheet(title)

    def cells_of(sheet: Any, row: Iterable[object]) -> list[Any]:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=cell_safe(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cells.append(cell)
        return cells

    for name, rows in sheets:
        sheet = new_sheet(name)
        header: list[object] | None = None
        in_sheet = 0
        for row in rows:
            if header is None:
                header = list(row)
                row = header
            elif in_sheet >= XLSX_MAX_ROWS:
                # Excel reads no more rows in a sheet: the table goes on in the next one,
                # under its header again.
                sheet = new_sheet(f"{name[:27]}_2")
                sheet.append(cells_of(sheet, header))
                in_sheet = 1
            sheet.append(cells_of(sheet, row))
            in_sheet += 1
            count += 1
    workbook.save(handle)
    return count
