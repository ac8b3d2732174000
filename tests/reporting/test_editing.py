"""The editing services change a report from `(report, evaluation)` alone: no page presenter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.http import QueryDict
from django.utils import timezone

from codemonitor.core.models import AuditEntry
from codemonitor.instruments.services import instrument_version_upload
from codemonitor.reporting.answers import StaleAnswer, answers_load
from codemonitor.reporting.editing import (
    answer_confirm,
    field_save,
    page_save,
    report_evaluation,
    row_add,
    row_remove,
)
from codemonitor.reporting.fields import field_key, value_digest
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, Round, RoundInstrument
from tests.builders import xlsform

pytestmark = pytest.mark.django_db

HEADER = ["type", "name", "label::English (en)", "relevant", "personal_data", "report_field"]
SURVEY = [
    ["begin_group", "about", "About you"],
    ["text", "org", "Organisation", "", "", "entity_name"],
    ["select_one yn", "consent", "May WHO publish the name?", "", "", "entity_name_consent"],
    ["text", "mail", "Email", "", "yes", "contact_email"],
    ["end_group", "", ""],
    ["begin_group", "people", "People"],
    ["begin_repeat", "staff", "Staff member"],
    ["text", "staff_name", "Name", "", "yes"],
    ["integer", "staff_years", "Years"],
    ["file", "staff_cv", "CV"],
    ["end_repeat", "", ""],
    ["end_group", "", ""],
]
CHOICES = [["list_name", "name", "label::English (en)"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]


@pytest.fixture
def report(reference) -> Report:
    data = xlsform(
        SURVEY,
        CHOICES,
        [["form_id", "version"], ["isri", "edit-1"]],
        survey_header=HEADER,
    )
    version = instrument_version_upload(data=data, filename="isri.xlsx").version
    now = timezone.now()
    round_ = Round.objects.create(number=71, year=2026, title="Editing round")
    use = RoundInstrument.objects.create(
        round=round_,
        instrument_version=version,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
    )
    return Report.objects.create(round_instrument=use, instrument_version=version, sequence=1)


def test_one_field_is_saved_with_only_an_evaluation(report) -> None:
    evaluation = report_evaluation(report)
    saved = field_save(
        report=report,
        evaluation=evaluation,
        key=field_key("org"),
        raw="  Nurses' Union ",
        version=0,
    )
    assert (saved.value, saved.version) == ("Nurses' Union", 1)
    assert evaluation.answers["org", ""] == "Nurses' Union"
    assert answers_load(report) == {("org", ""): "Nurses' Union"}
    with pytest.raises(StaleAnswer):
        field_save(report=report, evaluation=evaluation, key=field_key("org"), raw="x", version=0)
    with pytest.raises(KeyError):
        field_save(report=report, evaluation=evaluation, key="q__nope__", raw="x", version=None)


def test_the_report_keeps_the_fields_its_instrument_declares(report) -> None:
    evaluation = report_evaluation(report)
    field_save(report=report, evaluation=evaluation, key=field_key("org"), raw="Union", version=0)
    field_save(report=report, evaluation=evaluation, key=field_key("consent"), raw="yes", version=0)
    report.refresh_from_db()
    assert (report.entity_name, report.publish_entity_name) == ("Union", True)
    field_save(report=report, evaluation=evaluation, key=field_key("consent"), raw="no", version=1)
    report.refresh_from_db()
    assert report.publish_entity_name is False


def test_a_page_saves_only_what_changed(report) -> None:
    evaluation = report_evaluation(report)
    field_save(report=report, evaluation=evaluation, key=field_key("org"), raw="Old", version=0)
    data = QueryDict(mutable=True)
    for name, value, stored in [("org", "Old", "Old"), ("mail", "a@example.org", None)]:
        key = field_key(name)
        data[key] = value
        data[f"d{key}"] = value_digest(stored)
        data[f"v{key}"] = "1" if stored else "0"
    result = page_save(report=report, evaluation=evaluation, page=1, data=data)
    assert (result.saved, result.conflicts) == (1, [])
    assert PersonalAnswer.objects.get(report=report, question="mail").value == "a@example.org"


def test_removing_a_row_removes_and_audits_every_answer_in_it(report) -> None:
    evaluation = report_evaluation(report)
    first = row_add(report=report, evaluation=evaluation, repeat="staff")
    second = row_add(report=report, evaluation=evaluation, repeat="staff")
    for row, name, years in [(first, "Ana Lima", "3"), (second, "Ben Okafor", "7")]:
        for question, raw in [("staff_name", name), ("staff_years", years)]:
            field_save(
                report=report,
                evaluation=evaluation,
                key=field_key(question, row),
                raw=raw,
                version=0,
            )
    before = AuditEntry.objects.filter(report=report, action="report.answer.removed").count()
    assert before == 0

    removed = row_remove(report=report, evaluation=evaluation, repeat="staff", row=first)

    assert removed == 2
    entries = AuditEntry.objects.filter(report=report, action="report.answer.removed")
    assert sorted(entry.data["question"] for entry in entries) == ["staff_name", "staff_years"]
    assert all(entry.data["row"] == first for entry in entries)
    assert not Answer.objects.filter(report=report, row=first).exists()
    assert not PersonalAnswer.objects.filter(report=report, row=first).exists()
    assert evaluation.rows("staff") == [second]
    assert ("staff_years", first) not in evaluation.answers
    assert answers_load(report)["staff", ""] == [second]
    with pytest.raises(KeyError):
        row_remove(report=report, evaluation=evaluation, repeat="staff", row=first)


def test_no_personal_value_ever_reaches_the_audit_log(report) -> None:
    planted = "Zygmunt Planted-Secret"
    evaluation = report_evaluation(report)
    row = row_add(report=report, evaluation=evaluation, repeat="staff")
    key = field_key("staff_name", row)
    field_save(report=report, evaluation=evaluation, key=key, raw=planted, version=0)
    field_save(report=report, evaluation=evaluation, key=key, raw=planted + " II", version=1)
    field_save(
        report=report,
        evaluation=evaluation,
        key=field_key("mail"),
        raw="planted.secret@example.org",
        version=0,
    )
    row_remove(report=report, evaluation=evaluation, repeat="staff", row=row)

    entries = list(AuditEntry.objects.all())
    text = " ".join(f"{e.action} {e.actor_label} {e.data}" for e in entries)
    assert "Planted-Secret" not in text
    assert "planted.secret" not in text
    changed = [e for e in entries if e.data.get("question") == "staff_name"]
    assert len(changed) == 3  # two changes and the removal, each said without the value
    assert all(e.data["personal"] and "old" not in e.data for e in changed)
    # Digests still tell the values apart.
    assert changed[0].data["new_digest"] == changed[1].data["old_digest"]
    assert changed[0].data["new_digest"] != changed[1].data["new_digest"]


def test_confirming_a_carried_answer_keeps_its_value(report) -> None:
    Answer.objects.create(
        report=report,
        round_instrument=report.round_instrument,
        question="org",
        value="From last round",
        carried=True,
    )
    evaluation = report_evaluation(report)
    assert answer_confirm(report=report, evaluation=evaluation, question="org", row="")
    stored = Answer.objects.get(report=report, question="org")
    assert (stored.value, stored.carried) == ("From last round", False)
    assert not answer_confirm(report=report, evaluation=evaluation, question="mail", row="")


def test_removing_a_row_removes_its_documents(report, django_capture_on_commit_callbacks) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from codemonitor.reporting.documents import document_add
    from codemonitor.reporting.models import ReportFile

    evaluation = report_evaluation(report)
    row = row_add(report=report, evaluation=evaluation, repeat="staff")
    kept = row_add(report=report, evaluation=evaluation, repeat="staff")
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    for where in (row, kept):
        document_add(
            report=report,
            question="staff_cv",
            row=where,
            upload=SimpleUploadedFile("cv.pdf", pdf, content_type="application/pdf"),
        )
    stored = ReportFile.objects.get(report=report, row=row)
    path = stored.file.path

    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the row is gone
        row_remove(report=report, evaluation=evaluation, repeat="staff", row=row)

    assert list(ReportFile.objects.filter(report=report).values_list("row", flat=True)) == [kept]
    assert AuditEntry.objects.filter(report=report, action="report.document.removed").count() == 1
    assert not Path(path).exists()


def test_only_a_table_row_can_be_removed(report) -> None:
    evaluation = report_evaluation(report)
    field_save(report=report, evaluation=evaluation, key=field_key("consent"), raw="yes", version=0)
    with pytest.raises(KeyError):
        row_remove(report=report, evaluation=evaluation, repeat="consent", row="yes")
    assert answers_load(report)["consent", ""] == "yes"
