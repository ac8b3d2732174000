"""Filling in: pages, autosave, rules from the engine, conflicts between tabs, documents."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from codemonitor.core.models import AuditEntry
from codemonitor.reporting.answers import answers_load
from codemonitor.reporting.fields import field_key, value_digest
from codemonitor.reporting.models import ReportFile
from tests.conftest import sign_in
from tests.stakeholders.helpers import autosave, link_from, page_url, start_report

pytestmark = pytest.mark.django_db

ENTITY_PAGE = 2  # background, entity, instructions, q1..q10


@pytest.fixture
def report(client, isri_round, smtp):
    return start_report(client, isri_round.round.number)


def test_pages_show_progress_and_sections(client, report) -> None:
    html = client.get(page_url(report, ENTITY_PAGE)).content.decode()
    assert "sections done" in html
    assert html.count('class="sections"') == 1
    assert "Review and submit" in html
    assert 'name="q__entity_name__"' in html
    assert 'value="Nurses Without Borders"' in html


def test_autosave_saves_one_field_and_answers_with_the_page_state(client, report) -> None:
    response = autosave(client, report, field_key("telephone"), "+41 22 555 00 00")
    data = response.json()
    assert response.status_code == 200 and data["saved"] and data["version"] == 1
    assert field_key("entity_name") in data["visible"]
    assert answers_load(report)["telephone", ""] == "+41 22 555 00 00"


def test_autosave_returns_the_instruments_message(client, report) -> None:
    data = autosave(client, report, field_key("email"), "not-an-email").json()
    assert (
        data["errors"][field_key("email")]
        == "Please enter a valid email address (e.g. name@example.org)."
    )
    assert answers_load(report)["email", ""] == "not-an-email"  # kept as typed


def test_autosave_of_a_stale_version_is_a_conflict(client, report) -> None:
    autosave(client, report, field_key("website"), "https://a.example", version=0)
    response = autosave(client, report, field_key("website"), "https://b.example", version=0)
    assert response.status_code == 409
    assert response.json() == {"conflict": True, "theirs": "https://a.example", "version": 1}


def test_autosave_refuses_unknown_fields(client, report) -> None:
    assert autosave(client, report, "q__nothing__", "x").status_code == 400
    assert autosave(client, report, "q__q1_answer__r1", "x").status_code == 400


def test_a_plain_form_saves_on_next_and_keeps_invalid_values(client, report) -> None:
    response = client.post(
        page_url(report, ENTITY_PAGE),
        {
            field_key("email"): "wrong",
            f"d{field_key('email')}": value_digest("amina@example.org"),
            f"v{field_key('email')}": "1",
            "action": "next",
        },
    )
    assert response["Location"] == page_url(report, ENTITY_PAGE + 1)
    html = client.get(page_url(report, ENTITY_PAGE)).content.decode()
    assert 'value="wrong"' in html
    assert "Please enter a valid email address (e.g. name@example.org)." in html
    assert "1 answer on this page needs attention" in html
    assert '<a href="#f-q__email__">Email</a>: Please enter a valid email address' in html


def test_relevance_comes_from_the_engine(client, isri_round, smtp) -> None:
    from codemonitor.reporting.presenter import ReportPages

    report = start_report(client, isri_round.round.number)
    pages = ReportPages(report)
    page = pages.page(ENTITY_PAGE)
    assert all(field.visible for field in page.fields)


def test_two_tabs_editing_the_same_draft_lose_nothing(client, report) -> None:
    page = page_url(report, ENTITY_PAGE)
    # Both tabs draw the page with the same values and versions.
    first = {
        field_key("telephone"): "",
        f"d{field_key('telephone')}": value_digest(None),
        f"v{field_key('telephone')}": "0",
        field_key("website"): "",
        f"d{field_key('website')}": value_digest(None),
        f"v{field_key('website')}": "0",
    }
    second = dict(first)
    first[field_key("telephone")] = "+41 22 111 11 11"  # tab one changes the telephone
    second[field_key("website")] = "https://nwb.example"  # tab two changes the website
    client.post(page, {**first, "action": "save"})
    client.post(page, {**second, "action": "save"})
    answers = answers_load(report)
    assert answers["telephone", ""] == "+41 22 111 11 11"
    assert answers["website", ""] == "https://nwb.example"


def test_the_same_field_changed_in_two_tabs_shows_both_values(client, report) -> None:
    page = page_url(report, ENTITY_PAGE)
    key = field_key("telephone")
    drawn = {f"d{key}": value_digest(None), f"v{key}": "0"}
    client.post(page, {**drawn, key: "+41 1", "action": "save"})
    response = client.post(page, {**drawn, key: "+41 2", "action": "save"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Some answers were changed elsewhere while you were editing" in html
    assert "+41 1" in html and "+41 2" in html
    assert answers_load(report)["telephone", ""] == "+41 1"
    # Keeping mine saves it over the other.
    client.post(
        page, {key: "+41 2", f"v{key}": "1", f"d{key}": value_digest("+41 1"), "action": "save"}
    )
    assert answers_load(report)["telephone", ""] == "+41 2"


def upload(client, report, name: str, content: bytes, key: str | None = None):
    handle = io.BytesIO(content)
    handle.name = name
    return client.post(
        f"/isri/report/{report.uuid}/upload/", {key or field_key("q10_documents"): handle}
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_several_documents_per_question(client, report) -> None:
    assert upload(client, report, "evidence.pdf", PDF).status_code == 200
    response = upload(client, report, "notes.txt", "Réflexions, données.\n".encode())
    files = response.json()["files"]
    assert [f["name"] for f in files] == ["evidence.pdf", "notes.txt"]
    stored = ReportFile.objects.filter(report=report)
    assert {d.content_type for d in stored} == {"application/pdf", "text/plain"}
    assert all(d.original_name not in d.file.name for d in stored)
    assert answers_load(report)["q10_documents", ""] == [str(d.pk) for d in stored]
    assert AuditEntry.objects.filter(report=report, action="report.document.added").count() == 2


def test_a_file_over_the_limit_is_refused(client, report, settings) -> None:
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    response = upload(client, report, "big.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 400
    assert response.json()["error"] == ("“big.pdf” is 1.0 MB; a document may be at most 1 MB.")
    assert not ReportFile.objects.exists()


def test_an_executable_renamed_pdf_is_refused(client, report) -> None:
    executable = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
    response = upload(client, report, "report.pdf", executable)
    assert response.status_code == 400
    assert response.json()["error"] == (
        "“report.pdf” is not a document of an accepted type (PDF, DOCX, XLSX, ODT, ODS, CSV, "
        "TXT, PNG, JPEG), whatever its name says."
    )
    windows = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
    assert upload(client, report, "x.docx", windows).status_code == 400


def test_the_report_total_is_limited(client, report, settings) -> None:
    settings.REPORT_DOCUMENTS_MAX_BYTES = 2 * len(PDF)
    upload(client, report, "a.pdf", PDF)
    upload(client, report, "b.pdf", PDF)
    response = upload(client, report, "c.pdf", PDF)
    assert response.status_code == 400
    assert response.json()["error"].startswith("The documents of a report may add up to")


def test_a_refused_upload_in_a_plain_form_keeps_the_other_answers(client, report) -> None:
    page = page_url(
        report, 13
    )  # q10: answer and documents (pages: background, entity, instructions, q1-q10)
    handle = io.BytesIO(b"\x7fELF" + b"\x00" * 50)
    handle.name = "tool.pdf"
    key = field_key("q10_answer")
    response = client.post(
        page,
        {
            key: "Other information",
            f"d{key}": value_digest(None),
            f"v{key}": "0",
            field_key("q10_documents"): handle,
            "action": "next",
        },
    )
    assert response.status_code == 400
    assert "is not a document of an accepted type" in response.content.decode()
    assert answers_load(report)["q10_answer", ""] == "Other information"


def test_documents_are_only_for_the_link_holder_and_the_secretariat(
    client, report, secretariat
) -> None:
    upload(client, report, "evidence.pdf", PDF)
    document = ReportFile.objects.get()
    url = f"/isri/report/{report.uuid}/documents/{document.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert Client().get(url).status_code == 404
    staff = Client()
    sign_in(staff, secretariat)
    assert staff.get(url).status_code == 200


def test_a_document_can_be_removed(client, report, django_capture_on_commit_callbacks) -> None:
    upload(client, report, "evidence.pdf", PDF)
    document = ReportFile.objects.get()
    path = document.file.path
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(report, 13), {"action": f"remove_file:{document.pk}"})
    assert response.status_code == 302
    assert not ReportFile.objects.exists()
    import os

    assert not os.path.exists(path)
    assert answers_load(report).get(("q10_documents", "")) is None


def test_resume_from_the_link_finds_every_answer_and_document(client, report, smtp) -> None:
    autosave(client, report, field_key("q1_answer"), "Migration increased.", page=4)
    upload(client, report, "evidence.pdf", PDF)
    other = Client()
    other.get(link_from(smtp.wait_for(1)[0]))
    html = other.get(page_url(report, 4)).content.decode()
    assert "Migration increased." in html
    assert "evidence.pdf" in other.get(page_url(report, 13)).content.decode()


def test_uploads_are_rate_limited(client, report, settings) -> None:
    settings.RATE_UPLOAD_PER_EMAIL = (2, 3600)
    assert upload(client, report, "a.pdf", PDF).status_code == 200
    assert upload(client, report, "b.pdf", PDF).status_code == 200
    response = upload(client, report, "c.pdf", PDF)
    assert response.status_code == 400
    assert response.json()["error"] == "Too many uploads from here in the last hour; please wait."
    assert ReportFile.objects.count() == 2


def test_an_answer_over_the_limit_is_refused_and_nothing_stored(client, report) -> None:
    """A 4.9 MB answer once went into the database (and twice into the audit log)."""
    before = AuditEntry.objects.count()
    for text in ("Evidence. " * 2500, "x" * 4_900_000):
        response = autosave(client, report, field_key("q1_answer"), text, page=4)
        assert response.status_code == 400
        message = response.json()["error"]
        assert message.startswith(f"This answer has {len(text.strip())} characters")
        assert response.json()["field"] == field_key("q1_answer")
    assert ("q1_answer", "") not in answers_load(report)
    assert AuditEntry.objects.count() == before
