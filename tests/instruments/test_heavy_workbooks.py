"""Workbooks that would cost a worker too much to open are refused before they are, with the
sheet and cell named: a bomb of a sheet, huge cells, rows and columns past the limits."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from django.core.management import call_command

from codemonitor.instruments.models import Instrument
from codemonitor.instruments.workbooks import WorkbookRefused, workbook_sheets
from codemonitor.instruments.xlsform import check_workbook
from tests.builders import minimal_survey, xlsform
from tests.conftest import sign_in
from tests.memory import peak_memory

MB = 1024 * 1024
UPLOAD = "/backoffice/instruments/upload/"
SHEET = "xl/worksheets/sheet1.xml"
SHARED = "xl/sharedStrings.xml"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SETTINGS = [["form_id", "form_title", "version"], ["pilot", "Pilot", "1"]]


def with_parts(data: bytes, parts: dict[str, Callable[[io.BufferedIOBase], object]]) -> bytes:
    """The workbook `data` with `parts` written anew (each by a function writing to it)."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as original,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as made,
    ):
        for info in original.infolist():
            if info.filename not in parts:
                made.writestr(info, original.read(info))
        for name, write in parts.items():
            with made.open(name, "w") as part:
                write(part)
    return output.getvalue()


def sheet_of(rows: Iterable[bytes], dimension: str = "") -> Callable[[io.BufferedIOBase], None]:
    def write(part: io.BufferedIOBase) -> None:
        part.write(f"<worksheet {MAIN}>{dimension}<sheetData>".encode())
        for row in rows:
            part.write(row)
        part.write(b"</sheetData></worksheet>")

    return write


def with_shared_texts(data: bytes, texts: list[str], sheet: Iterable[bytes]) -> bytes:
    """The workbook with a table of shared texts (as Excel writes them) and a new sheet 1."""
    with zipfile.ZipFile(io.BytesIO(data)) as original:
        types = original.read("[Content_Types].xml").decode()
        rels = original.read("xl/_rels/workbook.xml.rels").decode()
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    rels = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdTexts" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )

    def table(part: io.BufferedIOBase) -> None:
        part.write(f'<sst {MAIN} count="{len(texts)}">'.encode())
        for text in texts:
            part.write(f"<si><t>{text}</t></si>".encode())
        part.write(b"</sst>")

    return with_parts(
        data,
        {
            "[Content_Types].xml": lambda part: part.write(types.encode()),
            "xl/_rels/workbook.xml.rels": lambda part: part.write(rels.encode()),
            SHARED: table,
            SHEET: sheet_of(sheet),
        },
    )


def varied_text(length: int) -> str:
    """Text that does not compress much (so the archive's checks let it through)."""
    words = (f"{n * 7919 % 100003:x}" for n in range(length))
    return " ".join(words)[:length]


def errors(data: bytes) -> list[str]:
    return [str(error) for error in check_workbook(data).errors]


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """An XLSForm whose survey sheet holds one inline text of 100 MB: a few hundred KB."""

    def huge(part: io.BufferedIOBase) -> None:
        part.write(
            f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'.encode()
        )
        chunk = b"A" * MB
        for _ in range(100):
            part.write(chunk)
        part.write(b"</t></is></c></row></sheetData></worksheet>")

    path = Path(tmp_path_factory.mktemp("bomb")) / "pilot.xlsx"
    path.write_bytes(with_parts(xlsform(minimal_survey(), settings=SETTINGS), {SHEET: huge}))
    assert path.stat().st_size < MB
    return path


@pytest.mark.django_db
def test_a_workbook_bomb_is_refused_by_the_upload_page(client, secretariat, reference, bomb):
    sign_in(client, secretariat)
    client.get(UPLOAD)  # the page's first drawing is not what is measured
    upload = io.BytesIO(bomb.read_bytes())
    upload.name = "pilot.xlsx"
    response, peak = peak_memory(lambda: client.post(UPLOAD, {"workbook": upload}))
    html = response.content.decode()
    assert response.status_code == 422
    assert "The form was refused: 1 error" in html
    assert "the file would expand to more than 20 MB when opened" in html
    assert not Instrument.objects.filter(code="pilot").exists()
    assert peak < 20 * MB


def test_checkform_says_why_a_workbook_bomb_is_refused(bomb, capsys) -> None:
    with pytest.raises(SystemExit) as exit_code:
        call_command("checkform", str(bomb))
    assert exit_code.value.code == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{bomb}: 1 error",
        "  workbook: the file would expand to more than 20 MB when opened",
    ]


def inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def survey_with_label(label: str) -> bytes:
    """A survey whose one question has `label` (written as is: openpyxl would cut it)."""
    rows = [
        f'<row r="1">{inline("A1", "type")}{inline("B1", "name")}{inline("C1", "label")}</row>',
        f'<row r="2">{inline("A2", "text")}{inline("B2", "name")}{inline("C2", label)}</row>',
    ]
    workbook = xlsform(minimal_survey(), settings=SETTINGS)
    return with_parts(workbook, {SHEET: sheet_of(row.encode() for row in rows)})


def test_a_cell_longer_than_excel_allows_is_refused_with_its_place() -> None:
    assert errors(survey_with_label(varied_text(32_768))) == [
        "survey row 2, column C: the cell has more than 32767 characters"
    ]
    assert errors(survey_with_label(varied_text(32_767))) == []


def test_a_shared_text_longer_than_excel_allows_is_refused_where_a_cell_uses_it() -> None:
    rows = [
        b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>',
        b'<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>',
    ]
    texts = ["type", "name", "text", varied_text(40_000)]
    data = with_shared_texts(xlsform(minimal_survey(), settings=SETTINGS), texts, rows)
    assert errors(data) == ["survey row 2, column B: the cell has more than 32767 characters"]


def test_a_sheet_with_too_many_columns_is_refused_with_the_cell() -> None:
    header = ["type", "name", "label", *(f"extra_{n}" for n in range(198))]
    data = xlsform([["text", "name", "Name"]], settings=SETTINGS, survey_header=header)
    assert errors(data) == ["survey row 1, column GS: the sheet has more than 200 columns"]


def test_a_row_of_a_million_cells_is_refused_before_openpyxl_builds_it(settings) -> None:
    # So many cells compress far past the ratio of archive_check: let them through it, to see
    # that the sheet's own reading stops them too.
    settings.ARCHIVE_MAX_RATIO = 10_000
    cells = b'<c r="A1" t="inlineStr"><is><t>x</t></is></c>' * 1000

    def row() -> Iterable[bytes]:
        yield b'<row r="1">'
        for _ in range(400):
            yield cells
        yield b"</row>"

    data = with_parts(xlsform(minimal_survey(), settings=SETTINGS), {SHEET: sheet_of(row())})
    found, peak = peak_memory(lambda: errors(data))
    assert found == ["survey row 1, column A: the sheet has more than 200 columns"]
    assert peak < 20 * MB


def test_a_sheet_with_too_many_rows_is_refused() -> None:
    rows = (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>r{n}</t></is></c></row>'.encode()
        for n in range(1, 20_002)
    )
    data = with_parts(xlsform(minimal_survey(), settings=SETTINGS), {SHEET: sheet_of(rows)})
    with pytest.raises(WorkbookRefused) as refused:
        workbook_sheets(data)
    error = refused.value
    assert (error.message, error.sheet, error.row) == (
        "the sheet has more than 20000 rows",
        "survey",
        20_001,
    )


def test_a_sheet_is_as_big_as_what_it_holds_whatever_size_it_declares() -> None:
    rows = [
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c></row>',
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>text</t></is></c></row>',
    ]
    dimension = '<dimension ref="A1:XFD1048576"/>'
    data = with_parts(
        xlsform(minimal_survey(), settings=SETTINGS), {SHEET: sheet_of(rows, dimension)}
    )
    assert workbook_sheets(data)["survey"] == [["type"], ["text"]]


def test_all_the_text_of_a_workbook_together_is_bounded() -> None:
    # One shared text of 30,000 characters in 400 cells: 12 million characters to hold.
    rows = (f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>'.encode() for n in range(1, 401))
    data = with_shared_texts(
        xlsform(minimal_survey(), settings=SETTINGS), [varied_text(30_000)], rows
    )
    assert errors(data) == [
        "survey row 334: the workbook holds more than 10000000 characters of text"
    ]


def test_too_many_shared_texts_are_refused_before_openpyxl_loads_them() -> None:
    data = with_shared_texts(
        xlsform(minimal_survey(), settings=SETTINGS), [str(n) for n in range(200_001)], []
    )
    assert errors(data) == ["workbook: the workbook holds more than 200000 different texts"]


def test_a_workbook_that_declares_a_document_type_is_refused() -> None:
    def laughs(part: io.BufferedIOBase) -> None:
        part.write(
            b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
            + f"<worksheet {MAIN}><sheetData/></worksheet>".encode()
        )

    data = with_parts(xlsform(minimal_survey(), settings=SETTINGS), {SHEET: laughs})
    assert errors(data) == ["workbook: the file is not an Excel workbook (.xlsx)"]
