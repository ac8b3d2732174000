"""Builders for test data: XLSForm workbooks written with openpyxl."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

Rows = Sequence[Sequence[object]]

SURVEY_HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::French (fr)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "calculation",
    "appearance",
]


def xlsform(
    survey: Rows,
    choices: Rows | None = None,
    settings: Rows | None = None,
    *,
    survey_header: Sequence[str] | None = None,
) -> bytes:
    """A workbook: `survey` rows under SURVEY_HEADER (or `survey_header`); choices and settings
    rows include their own header row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(list(survey_header or SURVEY_HEADER))
    for row in survey:
        sheet.append(list(row))
    if choices is not None:
        sheet = workbook.create_sheet("choices")
        for row in choices:
            sheet.append(list(row))
    if settings is not None:
        sheet = workbook.create_sheet("settings")
        for row in settings:
            sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def minimal_survey() -> list[list[object]]:
    return [["text", "name", "Your name", "Votre nom", "yes"]]
