"""Writing XLSForm workbooks from CSV sources and reading a workbook back as plain rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

SHEETS = ("survey", "choices", "settings")


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
    """A workbook's cells as text, row by row (trailing empty cells dropped)."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets = {}
    for sheet in workbook.worksheets:
        rows = []
        for values in sheet.iter_rows(values_only=True):
            cells = ["" if value is None else str(value) for value in values]
            while cells and cells[-1] == "":
                cells.pop()
            rows.append(cells)
        sheets[sheet.title] = rows
    workbook.close()
    return sheets
