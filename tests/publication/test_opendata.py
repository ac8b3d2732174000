"""The open data of a round (publication.opendata, files, codebook, `export_round`): the package
validates with frictionless, holds exactly the published reports, never personal data, and its
choice codes and labels are the instrument's; the Secretariat's archive is audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import frictionless
import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from codemonitor.core.models import AuditEntry
from codemonitor.instruments.engine import Evaluation
from codemonitor.instruments.schema import COUNTRIES_LIST
from codemonitor.publication.codebook import CSV_HEADER, codebook_rows
from codemonitor.publication.files import (
    package_write,
    package_zip,
    round_json,
    round_xlsx,
    table_csv,
    table_json,
)
from codemonitor.publication.opendata import (
    InstrumentTables,
    Scope,
    package_version,
    round_tables,
)
from codemonitor.publication.public import NotPublic
from codemonitor.publication.services import report_withhold
from codemonitor.reporting.models import Answer
from tests.publication.conftest import (
    DOCUMENT_NAME,
    ENTITY,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_WEBSITE,
)

pytestmark = pytest.mark.django_db
PLANTED = (PLANTED_NAME, PLANTED_EMAIL, PLANTED_PHONE, DOCUMENT_NAME, PLANTED_WEBSITE)


def _after(round_) -> Scope:
    return Scope(now=round_["moment"] + dt.timedelta(minutes=1))


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _all_text(folder: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in {".csv", ".json", ".html"}
    )


def test_the_package_validates_and_holds_the_published_reports_only(round_, tmp_path) -> None:
    scope = _after(round_)
    descriptor = package_write(round_["round"], tmp_path, scope=scope)
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    names = [resource["name"] for resource in descriptor["resources"]]
    assert names[0] == "countries"
    for expected in (
        "national_reports",
        "national_answers",
        "stakeholder_reports",
        "stakeholder_answers",
        "authorities",
        "laws",
        "recruiters",
        "statistics",
        "codebook",
    ):
        assert expected in names
    national = _rows(tmp_path / "data" / "national_reports.csv")
    assert [int(row["report_id"]) for row in national] == [round_["national"].pk]
    assert national[0]["country"] == round_["national"].member_state_id
    stakeholders = _rows(tmp_path / "data" / "stakeholder_reports.csv")
    by_id = {int(row["report_id"]): row for row in stakeholders}
    assert set(by_id) == {round_["named"].pk, round_["unnamed"].pk}
    # The entity's name only where it agreed, in its column and among the answers.
    assert by_id[round_["named"].pk]["entity"] == ENTITY
    assert by_id[round_["unnamed"].pk]["entity"] == ""
    assert by_id[round_["unnamed"].pk].get("entity_name", "") == ""
    answers = _rows(tmp_path / "data" / "stakeholder_answers.csv")
    assert {int(row["report_id"]) for row in answers} <= set(by_id)
    assert not [
        row
        for row in answers
        if int(row["report_id"]) == round_["unnamed"].pk and row["question"] == "entity_name"
    ]
    # Never personal data, contacts or documents' names anywhere in the package.
    text = _all_text(tmp_path)
    for planted in PLANTED:
        assert planted not in text
    pdf = (tmp_path / "codebook.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert descriptor["version"] == package_version(round_["round"], scope)
    assert descriptor["version"].startswith(f"{round_['round'].number}.")
    assert descriptor["licenses"][0]["name"]


def test_nothing_before_the_moment_and_the_archive_is_audited(round_, tmp_path) -> None:
    before = Scope(now=round_["moment"] - dt.timedelta(seconds=1))
    with pytest.raises(NotPublic):
        round_tables(round_["round"], scope=before)
    with pytest.raises(CommandError, match="not public yet"):
        call_command(
            "export_round",
            str(round_["round"].number),
            output=str(tmp_path / "x"),
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="needs --unpublished"):
        call_command(
            "export_round",
            str(round_["round"].number),
            output=str(tmp_path / "x"),
            personal=True,
            stdout=io.StringIO(),
        )
    # The Secretariat's archive: the reports the publication will show, whatever the date.
    call_command(
        "export_round",
        str(round_["round"].number),
        output=str(tmp_path / "archive"),
        unpublished=True,
        stdout=io.StringIO(),
    )
    entry = AuditEntry.objects.get(action="round.data.exported")
    assert entry.data["personal"] is False
    assert frictionless.validate(tmp_path / "archive" / "datapackage.json").valid
    assert {
        int(row["report_id"]) for row in _rows(tmp_path / "archive/data/national_reports.csv")
    } == {round_["national"].pk}
    assert PLANTED_EMAIL not in _all_text(tmp_path / "archive")
    # With personal data: only on the explicit choice, audited as such.
    call_command(
        "export_round",
        str(round_["round"].number),
        output=str(tmp_path / "personal"),
        unpublished=True,
        personal=True,
        stdout=io.StringIO(),
    )
    assert AuditEntry.objects.filter(action="round.data.exported", data__personal=True).count() == 1
    assert (tmp_path / "personal" / "data" / "stakeholder_reports.csv").stat().st_mode & 0o077 == 0
    personal = _all_text(tmp_path / "personal")
    assert PLANTED_EMAIL in personal
    assert PLANTED_NAME in personal
    assert DOCUMENT_NAME not in personal  # documents are never in the data
    with pytest.raises(ValueError):
        Scope(embargo=True, personal=True)


def test_withheld_reports_and_unknown_rounds(round_, people, tmp_path) -> None:
    report_withhold(report=round_["unnamed"], user=people["admin"], reason="Under review")
    tables = {table.name: table for table in round_tables(round_["round"], scope=_after(round_))}
    ids = [row[0] for row in tables["stakeholder_reports"].rows(False)]
    assert ids == [round_["named"].pk]
    with pytest.raises(CommandError, match="no round"):
        call_command("export_round", "999", output=str(tmp_path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Unknown language"):
        call_command(
            "export_round",
            str(round_["round"].number),
            output=str(tmp_path),
            language="xx",
            stdout=io.StringIO(),
        )


def test_choice_codes_and_labels_are_the_instruments(round_) -> None:
    use = round_["isri"]
    form = use.instrument_version.form
    tables = InstrumentTables(use, "stakeholder", _after(round_), "fr")
    reports = tables.tables()[0]
    checked = 0
    for column in reports.columns:
        question = form.questions().get(column.question)
        if question is None or question.kind != "select_one":
            continue
        if question.list_name == COUNTRIES_LIST:
            continue
        expected = [
            (choice.name, choice.label.get("fr") or choice.label[form.default_language])
            for choice in form.choices[question.list_name]
        ]
        assert list(column.categories) == expected
        assert column.descriptor()["constraints"]["enum"] == [code for code, _ in expected]
        checked += 1
    assert checked
    # The labels in the package's language instead of the codes; a code no longer in the list
    # (the fixture's "union") is left empty in the typed table, kept in the answers table.
    Answer.objects.filter(report=round_["named"], question="stakeholder_category").update(
        value="ngo"
    )
    category = next(column for column in reports.columns if column.name == "stakeholder_category")
    labels = dict(category.categories)
    header = reports.header
    place = header.index("stakeholder_category")
    by_id = {row[0]: row[place] for row in reports.rows(False)}
    assert by_id == {round_["named"].pk: "ngo", round_["unnamed"].pk: None}
    by_id = {row[0]: row[place] for row in reports.rows(True)}
    assert by_id == {round_["named"].pk: labels["ngo"], round_["unnamed"].pk: "union"}
    answers = next(table for table in tables.tables() if table.name == "stakeholder_answers")
    kept = {row[0]: row[3] for row in answers.rows(False) if row[1] == "stakeholder_category"}
    assert kept == {round_["named"].pk: "ngo", round_["unnamed"].pk: "union"}


def test_the_formats_agree(round_) -> None:
    scope = _after(round_)
    tables = round_tables(round_["round"], scope=scope)
    reports = next(table for table in tables if table.name == "stakeholder_reports")
    as_csv = list(csv.DictReader(io.StringIO(b"".join(table_csv(reports)).decode())))
    as_json = json.loads(b"".join(table_json(reports)))
    assert [int(row["report_id"]) for row in as_csv] == [row["report_id"] for row in as_json]
    everything = json.loads(b"".join(round_json(round_["round"], tables, scope=scope)))
    assert everything["package"]["name"].endswith(str(round_["round"].number))
    assert len(everything["tables"]["stakeholder_reports"]) == len(as_json)
    workbook_file = io.BytesIO()
    round_xlsx(workbook_file, tables)
    workbook = load_workbook(io.BytesIO(workbook_file.getvalue()), read_only=True)
    sheet = workbook["stakeholder_reports"]
    assert len(list(sheet.iter_rows(values_only=True))) == len(as_json) + 1
    archive_file = io.BytesIO()
    package_zip(round_["round"], archive_file, scope=scope)
    with zipfile.ZipFile(io.BytesIO(archive_file.getvalue())) as archive:
        names = set(archive.namelist())
        assert {"datapackage.json", "codebook.csv", "codebook.pdf"} <= names
        assert "data/stakeholder_reports.csv" in names
        text = "".join(archive.read(name).decode() for name in names if not name.endswith(".pdf"))
    for planted in PLANTED:
        assert planted not in text


def test_a_stale_answer_the_rules_hide_is_left_out(round_) -> None:
    """An answer to a question the form's rules no longer show is not published."""
    use = round_["nri"]
    report = round_["national"]
    form = use.instrument_version.form
    answers = {
        (question, row): value
        for question, row, value in Answer.objects.filter(report=report).values_list(
            "question", "row", "value"
        )
    }
    evaluation = Evaluation(form, answers)
    ruled = next(
        question
        for question in form.walk()
        if question.relevant
        and question.kind == "text"
        and not question.personal
        and not form.repeat_path().get(question.name)
        and not evaluation.relevant(question.name)
    )
    Answer.objects.update_or_create(
        report=report,
        round_instrument=use,
        question=ruled.name,
        row="",
        defaults={"value": "STALE"},
    )
    tables = {t.name: t for t in round_tables(round_["round"], scope=_after(round_))}
    assert [row for row in tables["national_answers"].rows(False) if row[1] == ruled.name] == []
    header = tables["national_reports"].header
    (row,) = list(tables["national_reports"].rows(False))
    assert row[header.index(ruled.name)] is None


def test_the_codebook_has_every_question_in_six_languages(round_) -> None:
    rows = list(codebook_rows(round_["round"]))
    assert rows[0] == CSV_HEADER
    for code in ("en", "fr", "es", "ar", "zh", "ru"):
        assert f"label_{code}" in rows[0]
    names = {(row[0], row[1]) for row in rows[1:]}
    for use in round_["round"].instruments.all():
        form = use.instrument_version.form
        code = use.instrument_version.instrument.code
        for question in form.walk():
            if question.kind in {"group", "note", "start", "end", "today"}:
                continue
            assert (code, question.name) in names
    personal = [row for row in rows[1:] if row[4] == "personal"]
    assert personal and all(row[3] == "" for row in personal)
