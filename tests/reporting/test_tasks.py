"""Background work goes through the database queue and the worker command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from codemonitor.core.models import AuditEntry
from codemonitor.reporting.models import ReportContact
from codemonitor.reporting.services import report_submit, stakeholder_report_start
from tests.smtp import Mailbox

# The worker closes its database connections when it is done, as it should: the test runs
# outside a transaction so that this does not end it.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_receipt_is_queued_and_sent_by_the_worker(
    isri_round, smtp, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    report = stakeholder_report_start(
        round_instrument=isri_round, email="q@example.org", entity_name="Queue Test", language="en"
    )
    ReportContact.objects.filter(report=report).update(email_verified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=report)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert smtp.messages == []
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    [message] = smtp.wait_for(1)
    assert report.reference in message["Subject"]
    [(name, _content)] = Mailbox.attachments(message)
    assert name == f"{report.reference}.pdf"
    assert AuditEntry.objects.filter(report=report, action="report.receipt.sent").exists()
