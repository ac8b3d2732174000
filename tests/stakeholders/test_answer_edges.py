"""What an answer may not be, and when it may not change (attack findings of issue 8)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from codemonitor.core.models import AuditEntry
from codemonitor.reporting.answers import ReportClosed, answer_save, answers_load
from codemonitor.reporting.documents import document_add
from codemonitor.reporting.fields import field_key, value_digest
from codemonitor.reporting.models import Report, ReportFile
from tests.stakeholders.helpers import autosave, page_url, start_report

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def report(client, isri_round, smtp):
    return start_report(client, isri_round.round.number)


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
def test_a_control_character_is_refused_with_a_message(client, report, character) -> None:
    """NUL was a 500 on PostgreSQL, and the page's script then retried it forever."""
    before = AuditEntry.objects.count()
    response = autosave(client, report, field_key("telephone"), f"+41 22{character} 555")
    assert response.status_code == 400
    body = response.json()
    assert "invisible control character" in body["error"]
    assert f"U+{ord(character):04X}" in body["error"]
    assert ("telephone", "") not in answers_load(report)
    assert AuditEntry.objects.count() == before


def test_tabs_and_line_breaks_are_text(client, report) -> None:
    response = autosave(client, report, field_key("q1_answer"), "One\tTwo\r\nThree\rFour", page=4)
    assert response.status_code == 200
    assert answers_load(report)["q1_answer", ""] == "One\tTwo\nThree\nFour"


def test_a_page_sent_without_javascript_keeps_what_was_refused(client, report) -> None:
    key, other = field_key("telephone"), field_key("website")
    response = client.post(
        page_url(report, 2),
        {
            key: "+41\x00 22",
            f"d{key}": value_digest(None),
            f"v{key}": "0",
            other: "https://nwb.example",
            f"d{other}": value_digest(None),
            f"v{other}": "0",
            "action": "next",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some answers could not be saved" in html
    assert "invisible control character (U+0000)" in html
    assert 'value="+41\x00 22"' in html or "+41\x00 22" in html  # still in its field
    answers = answers_load(report)
    assert ("telephone", "") not in answers
    assert answers["website", ""] == "https://nwb.example"  # the rest of the page is saved


def test_a_choice_list_no_question_has_is_refused(client, report) -> None:
    response = autosave(client, report, field_key("q1_answer"), ["x"] * 2000, page=4)
    assert response.status_code == 400
    assert ("q1_answer", "") not in answers_load(report)


def test_a_save_without_a_version_does_not_overwrite(client, report) -> None:
    assert autosave(client, report, field_key("website"), "https://a.example").status_code == 200
    response = client.post(
        f"/isri/report/{report.uuid}/autosave/",
        {"field": field_key("website"), "value": "https://b.example", "page": "2"},
    )
    assert response.status_code == 409
    assert response.json()["theirs"] == "https://a.example"
    assert answers_load(report)["website", ""] == "https://a.example"


def test_autosave_is_rate_limited_per_report(client, report, settings) -> None:
    settings.RATE_AUTOSAVE_PER_REPORT = (3, 3600)
    codes = [
        autosave(client, report, field_key("website"), f"https://{n}.example").status_code
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert answers_load(report)["website", ""] == "https://2.example"


def test_autosave_is_rate_limited_per_address(client, isri_round, smtp, settings) -> None:
    settings.RATE_AUTOSAVE_PER_IP = (2, 3600)
    first = start_report(client, isri_round.round.number)
    codes = [
        autosave(client, first, field_key("website"), f"https://{n}.example").status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_no_answer_of_a_submitted_report_changes(client, report) -> None:
    """The check is made under the report's lock, on the stored state — not on what the request
    read before (here an object read while the report was still a draft)."""
    stale = Report.objects.get(pk=report.pk)
    Report.objects.filter(pk=report.pk).update(state=Report.State.SUBMITTED)
    with pytest.raises(ReportClosed):
        answer_save(report=stale, question="website", value="https://late.example")
    upload = SimpleUploadedFile("late.pdf", PDF, content_type="application/pdf")
    with pytest.raises(ReportClosed):
        document_add(report=stale, question="q10_documents", row="", upload=upload)
    assert ("website", "") not in answers_load(report)
    assert not ReportFile.objects.filter(report=report).exists()


def test_pages_sent_without_javascript_count_against_the_save_limits(
    client, report, settings
) -> None:
    """Without this, the page form saved every changed field with no limit at all."""
    settings.RATE_AUTOSAVE_PER_REPORT = (3, 3600)
    key = field_key("website")

    def send(value: str) -> int:
        response = client.post(
            page_url(report, 2),
            {key: value, f"d{key}": "changed", f"v{key}": "0", "action": "save"},
        )
        return int(response.status_code)

    codes = [send(f"https://{n}.example") for n in range(3)]
    assert codes[0] == 302
    refused = client.post(
        page_url(report, 2), {key: "https://late.example", f"d{key}": "x", f"v{key}": "0"}
    )
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many saves in a short time" in html
    assert "https://late.example" in html  # still in its field
    assert answers_load(report)["website", ""] != "https://late.example"


def test_the_choices_of_one_answer_are_held_to_the_text_limit(client, report) -> None:
    response = autosave(client, report, field_key("q1_source_countries"), ["x" * 199] * 150, page=4)
    assert response.status_code == 400
    assert ("q1_source_countries", "") not in answers_load(report)


def test_digits_that_are_not_ascii_are_not_numbers(client, report) -> None:
    response = client.post(
        f"/isri/report/{report.uuid}/autosave/",
        {"field": field_key("website"), "value": "https://a.example", "version": "²"},
    )
    assert response.status_code == 200  # read as "no answer yet"
    page = client.post(page_url(report, 2), {"action": "remove_file:²"})
    assert page.status_code == 302


def test_the_reports_own_copy_follows_the_stored_answers(client, report) -> None:
    """A save made with an evaluation read before another person's save of the consent once
    put the older consent back into the report's flag."""
    from codemonitor.reporting.editing import field_save, report_evaluation

    declared = report.instrument_version.form.report_fields()
    consent, entity = declared["entity_name_consent"], declared["entity_name"]
    stale = report_evaluation(report)  # read before the consent is given
    answer_save(report=report, question=consent, value="yes")
    Report.objects.filter(pk=report.pk).update(publish_entity_name=True)  # as that save did
    field_save(
        report=Report.objects.get(pk=report.pk),
        evaluation=stale,
        key=field_key(entity),
        raw="Nurses Without Borders International",
        version=1,
    )
    report.refresh_from_db()
    assert report.entity_name == "Nurses Without Borders International"
    assert report.publish_entity_name is True
