"""Writing XLSForm workbooks from CSV sources, and reading workbooks that people upload.

Reading is bounded before the spreadsheet library holds anything: the archive is checked
(codemonitor/core/archives.py), then every XML part is read once as a stream, counting the
rows and columns of a sheet, the characters of each cell and the shared texts, and only then
is the workbook opened with openpyxl (read-only). openpyxl builds a whole row, and the whole
table of shared texts, before anyone sees them; the stream stops at the first cell past a
limit, and the refusal names its sheet and cell. While openpyxl's rows are read, the length
of each value (a shared text is only known there) and of all of them together are counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import xml.parsers.expat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from codemonitor.core.archives import ArchiveLimits, ArchiveRefused, archive_check

SHEETS = ("survey", "choices", "settings")

# What a workbook that people upload may hold.
MAX_ROWS = 20_000  # per sheet
MAX_COLUMNS = 200  # per sheet
MAX_CELL_CHARS = 32_767  # per cell: Excel's own limit
MAX_TEXTS = 200_000  # different texts of the workbook (its shared strings)
MAX_TEXT_CHARS = 10_000_000  # all cells read, together
_CHUNK = 64 * 1024


def csv_sheets(folder: Path) -> dict[str, list[list[str]]]:
    sheets = {}
    for name in SHEETS:
        path = folder / f"{name}.csv"
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as handle:
                sheets[name] = list(csv.reader(handle))
    return sheets


def build_workbook(folder: Path) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in csv_sheets(folder).items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append([cell if cell != "" else None for cell in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "C2" if name == "survey" else "A2"
    # A fixed timestamp keeps the built file the same from one build to the next.
    fixed = dt.datetime(2024, 1, 1)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "Code Monitor"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def workbook_sheets(data: bytes) -> dict[str, list[list[str]]]:
    """A workbook's cells as text, row by row (trailing empty cells dropped).

    Raises WorkbookRefused for a workbook past the limits.
    """
    workbook = workbook_open(data)
    sheets = {}
    try:
        for sheet in workbook.worksheets:
            rows = []
            for values in workbook.rows(sheet):
                cells = ["" if value is None else str(value) for value in values]
                while cells and cells[-1] == "":
                    cells.pop()
                rows.append(cells)
            sheets[sheet.title] = rows
    finally:
        workbook.close()
    return sheets


class WorkbookRefused(ValueError):
    """Why a workbook is not read, and where: the sheet ("" for the workbook as a whole), the
    1-based row (0 for none) and the cell's column letter ("" for none)."""

    def __init__(self, message: str, sheet: str = "", row: int = 0, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.sheet = sheet
        self.row = row
        self.column = column


@dataclass
class _Problem:
    part: str
    message: str
    row: int = 0
    column: str = ""


@dataclass
class _Structure:
    """What names the sheets, gathered from every part: (part, sheet name, relationship id)
    from the workbook, (part, id, target) from the relationship parts."""

    sheets: list[tuple[str, str, str]] = field(default_factory=list)
    relationships: list[tuple[str, str, str]] = field(default_factory=list)

    def sheet_of(self, part: str) -> str:
        """The name of the sheet stored in `part`, or "" when none is found."""
        for rels_part, identifier, target in self.relationships:
            folder, _sep, rels_name = rels_part.rpartition("_rels/")
            path = target[1:] if target.startswith("/") else posixpath.normpath(folder + target)
            if path != part:
                continue
            source = folder + rels_name.removesuffix(".rels")
            for sheet_part, name, sheet_identifier in self.sheets:
                if sheet_part == source and sheet_identifier == identifier:
                    return name
        return ""


class _Stop(Exception):
    pass


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - 64)
        if number > MAX_COLUMNS:
            break  # enough to say it is too far; absurd references stay small numbers
    return number


class _PartScan:
    """One XML part read as a stream of events, counting; stops at the first thing too big.

    Worksheet parts have rows (`row`) of cells (`c`, with `v` or inline text); the table of
    shared texts has items (`si`). The rules hold in any part, whatever its name, since a
    workbook may put its sheets anywhere.
    """

    def __init__(self, part: str, structure: _Structure) -> None:
        self.part = part
        self.structure = structure
        self.problem: _Problem | None = None
        self.row = 0
        self.cells = 0
        self.column = 0
        self.cell = ""
        self.in_cell = False
        self.cell_chars = 0
        self.texts = 0

    def refuse(self, message: str, *, cell: bool = False) -> None:
        self.problem = _Problem(self.part, message, self.row, self.cell if cell else "")
        raise _Stop

    def start(self, name: str, attributes: dict[str, str]) -> None:
        tag = name.rpartition(":")[2]
        if tag == "row":
            number = attributes.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
            self.cells = self.column = 0
            if self.row > MAX_ROWS:
                self.refuse(_("the sheet has more than %(limit)s rows") % {"limit": MAX_ROWS})
        elif tag == "c":
            reference = attributes.get("r", "")
            letters = reference.rstrip("0123456789").upper()
            self.cells += 1
            self.column = (
                _column_number(letters)
                if letters.isalpha() and letters.isascii()
                else self.column + 1
            )
            self.cell = letters if letters.isalpha() else ""
            if self.cells > MAX_COLUMNS or self.column > MAX_COLUMNS:
                self.refuse(
                    _("the sheet has more than %(limit)s columns") % {"limit": MAX_COLUMNS},
                    cell=True,
                )
            self.in_cell = True
            self.cell_chars = 0
        elif tag == "si":
            self.texts += 1
            if self.texts > MAX_TEXTS:
                self.refuse(
                    _("the workbook holds more than %(limit)s different texts")
                    % {"limit": MAX_TEXTS}
                )
        elif tag == "sheet":
            identifier = next(
                (v for k, v in attributes.items() if ":" in k and k.endswith(":id")), ""
            )
            self.structure.sheets.append((self.part, attributes.get("name", ""), identifier))
        elif tag == "Relationship":
            self.structure.relationships.append(
                (self.part, attributes.get("Id", ""), attributes.get("Target", ""))
            )

    def end(self, name: str) -> None:
        if name.rpartition(":")[2] == "c":
            self.in_cell = False

    def characters(self, data: str) -> None:
        if self.in_cell:
            self.cell_chars += len(data)
            if self.cell_chars > MAX_CELL_CHARS:
                self.refuse(_cell_too_long(), cell=True)

    def declaration(self, *args: Any) -> None:
        # Workbooks never declare a document type; one that does may define entities.
        self.refuse(_("the file is not an Excel workbook (.xlsx)"))

    def read(self, source: IO[bytes]) -> _Problem | None:
        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        parser.StartDoctypeDeclHandler = self.declaration
        parser.EntityDeclHandler = self.declaration
        try:
            while chunk := source.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Stop:
            pass
        except xml.parsers.expat.ExpatError:
            # Not XML from here on (some parts, as old VML drawings, never are): whoever
            # parses it next stops at the same place.
            pass
        return self.problem


def _cell_too_long() -> str:
    return _("the cell has more than %(limit)s characters") % {"limit": MAX_CELL_CHARS}


def _looks_like_xml(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16
        return True
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def _scan(archive: zipfile.ZipFile) -> tuple[_Problem | None, _Structure]:
    """The first problem of the XML parts, and what names the sheets (every part is read, so
    that the sheet of a problem can be named; each stops at its own first problem)."""
    structure = _Structure()
    first = None
    for info in archive.infolist():
        with archive.open(info) as part:
            head = part.read(64)
        if not _looks_like_xml(head):
            continue
        with archive.open(info) as part:
            problem = _PartScan(info.filename, structure).read(part)
        first = first or problem
    return first, structure


class ReadWorkbook:
    """A workbook that passed the checks, opened read-only; `rows` reads a sheet, bounded."""

    def __init__(self, data: bytes) -> None:
        source = io.BytesIO(data)
        try:
            archive_check(source, ArchiveLimits.for_workbooks())
        except ArchiveRefused as refused:
            raise WorkbookRefused(str(refused)) from None
        with zipfile.ZipFile(source) as archive:
            problem, structure = _scan(archive)
        if problem is not None:
            sheet = structure.sheet_of(problem.part) if problem.row else ""
            raise WorkbookRefused(problem.message, sheet, problem.row, problem.column)
        source.seek(0)
        self.book = load_workbook(source, read_only=True, data_only=True)
        self.text_chars = 0

    @property
    def worksheets(self) -> list[Any]:
        return list(self.book.worksheets)

    def rows(self, sheet: Any) -> Iterator[tuple[Any, ...]]:
        """The sheet's values row by row, each row as long as its last cell."""
        # A sheet's declared size may be anything: rows and columns are those it holds.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            for index, value in enumerate(values, start=1):
                if value is None:
                    continue
                length = len(value) if isinstance(value, str) else 0
                self.text_chars += length
                if length > MAX_CELL_CHARS:
                    raise WorkbookRefused(
                        _cell_too_long(), sheet.title, number, get_column_letter(index)
                    )
                if self.text_chars > MAX_TEXT_CHARS:
                    raise WorkbookRefused(
                        _("the workbook holds more than %(limit)s characters of text")
                        % {"limit": MAX_TEXT_CHARS},
                        sheet.title,
                        number,
                    )
            yield values

    def close(self) -> None:
        self.book.close()


def workbook_open(data: bytes) -> ReadWorkbook:
    """A workbook that people sent, checked and opened; raises WorkbookRefused saying why not."""
    return ReadWorkbook(data)
