"""Reading the tables people import: a CSV file in whatever shape a spreadsheet or a statistics
site wrote it, or the first sheet of an XLSX workbook, row by row with its line number.

A CSV file is read as a stream, never whole: the encoding is found from its first bytes (a byte
order mark for UTF-8 or UTF-16; otherwise UTF-8 when the start decodes as UTF-8, else Windows
code page 1252, as Excel writes it), and the delimiter from its first line (comma, semicolon,
tab or bar). A workbook passes the same checks as an uploaded XLSForm
(codemonitor/instruments/workbooks.py) before anything reads it.

Every refusal is a `TableRefused` that says what is wrong and on which line.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _

from codemonitor.instruments.workbooks import WorkbookRefused, workbook_open

# The longest cell a CSV file may have (csv's own default is 128 KB).
MAX_CELL_CHARS = 32_767
MAX_COLUMNS = 200
_HEAD = 64 * 1024
_DELIMITERS = (",", ";", "\t", "|")
# Bytes that did not decode, kept by the "surrogateescape" handler so the line can be named.
_UNDECODED = re.compile("[\udc80-\udcff]")


class TableRefused(ValueError):
    """Why a file is not read, and where: `line` is 1-based, 0 for the file as a whole."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


@dataclass
class Table:
    """A table's headings (the first row with anything in it) and its other rows."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    format: str  # "csv" or "xlsx"


def _encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a CSV file from its first bytes, and the length of its byte order mark."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0  # the codec reads the mark itself
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut at the end of the sample is still UTF-8.
        if len(head) < _HEAD or error.start < len(head) - 4:
            return "cp1252", 0
    return "utf-8", 0


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in _DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).strip()


def _csv_rows(source: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    head = source.read(_HEAD)
    source.seek(0)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TableRefused(_("the file is neither a CSV file nor an XLSX workbook"))
    encoding, skip = _encoding(head)
    source.seek(skip)
    text = io.TextIOWrapper(source, encoding=encoding, errors="surrogateescape", newline="")
    line = 0
    try:
        first = text.readline()
        reader = csv.reader(
            itertools.chain([first], text), delimiter=_delimiter(first), strict=False
        )
        for cells in reader:
            line = reader.line_num
            if len(cells) > MAX_COLUMNS:
                raise TableRefused(
                    _("the row has more than %(limit)s columns") % {"limit": MAX_COLUMNS}, line
                )
            for cell in cells:
                # A NUL past the sample: PostgreSQL cannot store it (nor JSON with it).
                if _UNDECODED.search(cell) or "\x00" in cell:
                    raise TableRefused(
                        _("the file is not text in %(encoding)s; save it as CSV (UTF-8)")
                        % {"encoding": encoding.upper()},
                        line,
                    )
                if len(cell) > MAX_CELL_CHARS:
                    raise TableRefused(
                        _("a cell holds more than %(limit)s characters")
                        % {"limit": MAX_CELL_CHARS},
                        line,
                    )
            yield line, [cell.replace("\ufeff", "").strip() for cell in cells]
    except UnicodeDecodeError:  # UTF-16 cut in the middle of a character
        raise TableRefused(
            _("the file is not text in %(encoding)s; save it as CSV (UTF-8)")
            % {"encoding": encoding.upper()},
            line + 1,
        ) from None
    except csv.Error as error:
        raise TableRefused(
            _("the CSV file cannot be read (%(error)s)") % {"error": error}, line + 1
        ) from None
    finally:
        text.detach()


def _workbook_rows(source: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    try:
        workbook = workbook_open(source.read())
    except WorkbookRefused as refused:
        raise TableRefused(
            _("the workbook is refused: %(reason)s") % {"reason": refused.message}
        ) from None
    try:
        sheets = workbook.worksheets
        if not sheets:
            return
        try:
            for line, values in enumerate(workbook.rows(sheets[0]), start=1):
                cells = [cell_text(value) for value in values]
                while cells and cells[-1] == "":
                    cells.pop()
                yield line, cells
        except WorkbookRefused as refused:
            raise TableRefused(refused.message, refused.row) from None
    finally:
        workbook.close()


def _format(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableRefused(
            _("this is an old Excel workbook (.xls); save it as .xlsx or as CSV and send it again")
        )
    return "csv"


def table_open(source: IO[bytes]) -> Table:
    """The table in a file (CSV or XLSX, told by its content, not its name).

    Rows with nothing in them are skipped; the first row with something is the headings.
    Raises TableRefused for a file that cannot be read, now or while its rows are read.
    """
    source.seek(0)
    kind = _format(source.read(8))
    source.seek(0)
    raw = _workbook_rows(source) if kind == "xlsx" else _csv_rows(source)
    rows = ((line, cells) for line, cells in raw if any(cells))
    first = next(rows, None)
    if first is None:
        raise TableRefused(_("the file holds no table"))
    headers = [cell.strip() for cell in first[1]]
    return Table(headers=headers, rows=rows, format=kind)


def heading_key(heading: str) -> str:
    """A heading as compared: lower case, single spaces, no punctuation around it."""
    folded = "".join(ch if ch.isalnum() else " " for ch in heading.casefold())
    return " ".join(folded.split())
