"""Review, submit once, confirmation, receipt (PDF and email), deadline, reopening."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from codemonitor.core.models import AuditEntry
from codemonitor.reporting.fields import field_key
from codemonitor.reporting.models import Report
from tests.conftest import sign_in
from tests.downloads import assert_download
from tests.pdf import pdf_text
from tests.smtp import Mailbox
from tests.stakeholders.helpers import autosave, link_from, page_url, start_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified(client, isri_round, smtp):
    """A started report whose respondent has opened the emailed link."""
    report = start_report(client, isri_round.round.number)
    client.get(link_from(smtp.wait_for(1)[0]))
    autosave(client, report, field_key("q1_answer"), "Nurse emigration doubled since 2021.", page=4)
    autosave(client, report, field_key("q1_source_countries"), ["GHA", "NGA"], page=4)
    return report


def test_review_lists_every_answer_with_a_way_back(client, verified) -> None:
    html = client.get(f"/isri/report/{verified.uuid}/review/").content.decode()
    assert "Nurse emigration doubled since 2021." in html
    assert "Ghana, Nigeria" in html
    assert html.count(">Change</a>") == 13
    assert "Submit the report" in html


def test_submit_once_with_confirmation_receipt_and_email(
    client, verified, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/isri/report/{verified.uuid}/submit/")
    assert response["Location"] == f"/isri/report/{verified.uuid}/done/"
    verified.refresh_from_db()
    assert verified.state == Report.State.SUBMITTED
    done = client.get(response["Location"]).content.decode()
    assert verified.reference in done
    assert verified.reference.startswith("ISRI-") and verified.reference.endswith("-000001")
    receipt = client.get(f"/isri/report/{verified.uuid}/receipt.pdf")
    assert_download(receipt, "application/pdf", f"{verified.reference}.pdf")
    text = pdf_text(receipt.content)
    assert verified.reference in text
    assert "Nurse emigration doubled since 2021." in text
    assert verified.round_instrument.round.title.split(" (")[0] in text
    messages = smtp.wait_for(2)
    receipt_mail = messages[1]
    assert verified.reference in receipt_mail["Subject"]
    [(name, attached)] = Mailbox.attachments(receipt_mail)
    assert name == f"{verified.reference}.pdf"
    assert "Nurse emigration doubled since 2021." in pdf_text(attached)


def test_a_double_submit_makes_one_submission_and_one_email(
    client, verified, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/isri/report/{verified.uuid}/submit/")
        second = client.post(f"/isri/report/{verified.uuid}/submit/")
    assert second["Location"] == f"/isri/report/{verified.uuid}/done/"
    assert AuditEntry.objects.filter(report=verified, action="report.submitted").count() == 1
    smtp.wait_for(2)  # sent from this thread: all there already (tests/smtp.py), none to come
    assert len(smtp.messages) == 2  # the link, then one receipt


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_make_one_submission(isri_round, smtp) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    from codemonitor.reporting.models import ReportContact
    from codemonitor.reporting.services import report_submit, stakeholder_report_start

    report = stakeholder_report_start(
        round_instrument=isri_round, email="a@example.org", entity_name="Concurrent", language="en"
    )
    ReportContact.objects.filter(report=report).update(email_verified_at=timezone.now())
    results: list[bool] = []

    def submit() -> None:
        results.append(report_submit(report=Report.objects.get(pk=report.pk)))
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


@pytest.mark.django_db(transaction=True)
def test_a_save_racing_the_submission_is_refused(isri_round, smtp) -> None:
    """Saves accepted after the submission's check once left submitted reports with a required
    answer empty. Here a save arrives while the submission holds the report: it waits, then
    finds the report submitted and is refused; the submitted answers are the ones checked."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")
    from django.db import connections, transaction

    from codemonitor.reporting.answers import ReportClosed, answer_save, answers_load
    from codemonitor.reporting.services import stakeholder_report_start

    report = stakeholder_report_start(
        round_instrument=isri_round, email="a@example.org", entity_name="Racing", language="en"
    )
    answer_save(report=report, question="q1_answer", value="Checked")
    outcome: list[object] = []
    backend: list[int] = []
    connected = threading.Event()

    def late_save() -> None:
        try:
            connection.ensure_connection()
            backend.append(connection.connection.info.backend_pid)
            connected.set()
            answer_save(report=Report.objects.get(pk=report.pk), question="q1_answer", value=None)
            outcome.append("saved")
        except ReportClosed:
            outcome.append("refused")
        finally:
            connected.set()
            connections.close_all()

    waited = False
    with transaction.atomic():
        # What report_submit does first: lock the report, then check and mark it submitted.
        Report.objects.select_for_update().get(pk=report.pk)
        saver = threading.Thread(target=late_save)
        saver.start()
        assert connected.wait(30)
        with connection.cursor() as cursor:
            for _attempt in range(5000):  # until the save waits on the report's lock (bounded)
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend[0]]
                )
                row = cursor.fetchone()
                if row and row[0] == "Lock":
                    waited = True
                    break
        Report.objects.filter(pk=report.pk).update(state=Report.State.SUBMITTED)
    saver.join()
    assert waited, "the save did not wait for the submission's lock on the report"
    assert outcome == ["refused"]
    assert answers_load(report)["q1_answer", ""] == "Checked"


def test_the_submission_records_the_fingerprint_of_what_it_checked(
    client, verified, smtp, django_capture_on_commit_callbacks
) -> None:
    from codemonitor.reporting.answers import answers_digest, answers_load

    checked = answers_load(verified)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/isri/report/{verified.uuid}/submit/")
    verified.refresh_from_db()
    assert verified.submitted_digest == answers_digest(checked)
    entry = AuditEntry.objects.get(report=verified, action="report.submitted")
    assert entry.data["answers"] == verified.submitted_digest
    text = pdf_text(client.get(f"/isri/report/{verified.uuid}/receipt.pdf").content)
    assert verified.submitted_digest[:16] in text


def test_no_receipt_for_answers_changed_after_a_reopening(client, verified, smtp) -> None:
    from codemonitor.reporting.answers import answer_save
    from codemonitor.reporting.services import receipt_send, report_submit

    assert report_submit(report=verified)
    verified.refresh_from_db()
    Report.objects.filter(pk=verified.pk).update(state=Report.State.DRAFT)
    answer_save(report=verified, question="q1_answer", value="Changed after reopening")
    Report.objects.filter(pk=verified.pk).update(state=Report.State.SUBMITTED)
    receipt_send.call(verified.pk)
    entry = AuditEntry.objects.filter(report=verified).latest("pk")
    assert entry.action == "report.receipt.failed"
    # Sent synchronously above: only the private link arrived, no receipt of other answers.
    assert len(smtp.messages) == 1


def test_submission_needs_the_emailed_link(client, isri_round, smtp) -> None:
    report = start_report(client, isri_round.round.number)
    review = client.get(f"/isri/report/{report.uuid}/review/").content.decode()
    assert "To submit, open the private link we sent to amina@example.org" in review
    response = client.post(f"/isri/report/{report.uuid}/submit/", follow=True)
    assert (
        "Open the private link we sent to amina@example.org to confirm the address; you "
        "can submit from that link."
    ) in response.content.decode()
    report.refresh_from_db()
    assert report.state == Report.State.DRAFT


def test_answers_that_need_attention_block_submission(client, verified) -> None:
    autosave(client, verified, field_key("email"), "", page=2)
    review = client.get(f"/isri/report/{verified.uuid}/review/").content.decode()
    assert "1 answer needs attention before you can submit" in review
    assert "Submit the report" not in review
    response = client.post(f"/isri/report/{verified.uuid}/submit/", follow=True)
    assert (
        "Some answers need attention before the report can be submitted."
        in response.content.decode()
    )


def test_no_submission_after_the_deadline_but_drafts_stay_readable(client, verified) -> None:
    verified.round_instrument.closes_at = timezone.now()
    verified.round_instrument.save()
    response = client.post(f"/isri/report/{verified.uuid}/submit/", follow=True)
    assert (
        "The deadline has passed: this report can no longer be submitted. It stays readable."
    ) in response.content.decode()
    page = client.get(page_url(verified, 4))
    assert page.status_code == 200
    assert "Nurse emigration doubled since 2021." in page.content.decode()


def test_a_submitted_report_is_read_only_for_the_respondent(client, verified) -> None:
    client.post(f"/isri/report/{verified.uuid}/submit/")
    html = client.get(page_url(verified, 4)).content.decode()
    assert "This report has been submitted" in html and "readonly" in html
    response = autosave(client, verified, field_key("q1_answer"), "changed", page=4)
    assert response.status_code == 409
    posted = client.post(page_url(verified, 4), {field_key("q1_answer"): "changed"})
    assert posted["Location"] == f"/isri/report/{verified.uuid}/done/"


def test_the_secretariat_lists_searches_opens_and_reopens(client, verified, secretariat):
    client.post(f"/isri/report/{verified.uuid}/submit/")
    staff = Client()
    sign_in(staff, secretariat)
    listing = staff.get("/backoffice/stakeholder-reports/?q=amina@example").content.decode()
    assert verified.reference in listing and "Submitted" in listing
    assert (
        verified.reference
        not in staff.get("/backoffice/stakeholder-reports/?q=nobody").content.decode()
    )
    detail = staff.get(f"/backoffice/stakeholder-reports/{verified.pk}/").content.decode()
    assert "Nurse emigration doubled since 2021." in detail
    assert "report.submitted" in detail
    staff.post(
        f"/backoffice/stakeholder-reports/{verified.pk}/reopen/",
        {"reason": "Respondent asked to add data"},
    )
    verified.refresh_from_db()
    assert verified.state == Report.State.DRAFT
    entry = AuditEntry.objects.get(report=verified, action="report.reopened")
    assert entry.actor == secretariat and entry.data == {"reason": "Respondent asked to add data"}
    assert autosave(client, verified, field_key("q1_answer"), "More", page=4).status_code == 200


def test_the_secretariat_pages_are_closed_to_others(client, verified, django_user_model):
    assert Client().get("/backoffice/stakeholder-reports/").status_code == 302
    outsider = django_user_model.objects.create_user("x", "x@example.org", "pw-123456789xyz")
    other = Client()
    other.force_login(outsider)
    assert other.get("/backoffice/stakeholder-reports/").status_code == 404
    assert other.get(f"/backoffice/stakeholder-reports/{verified.pk}/").status_code == 404
    assert other.post(f"/backoffice/stakeholder-reports/{verified.pk}/reopen/").status_code == 404
