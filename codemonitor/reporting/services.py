"""Workflow of reports: start, submit, reopen. Each checks, saves and audits in one transaction."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.links import STAKEHOLDER_PRIVATE_LINK, link
from codemonitor.core.mail import mail_send
from codemonitor.core.throttle import throttle_hit
from codemonitor.instruments.engine import Evaluation, Problem
from codemonitor.reporting.answers import answer_save, answers_digest, answers_load
from codemonitor.reporting.models import (
    Report,
    ReportContact,
    ReportLink,
    RoundInstrument,
)
from codemonitor.reporting.signals import report_submitted

log = logging.getLogger(__name__)


class WorkflowError(Exception):
    """A transition that is not allowed now; the message says why, for the person asking."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


def report_next_sequence(round_instrument: RoundInstrument) -> int:
    """The number the next report of a round instrument gets (`ISRI-2024-000123`)."""
    top = Report.objects.filter(round_instrument=round_instrument).aggregate(top=Max("sequence"))
    return (top["top"] or 0) + 1


def stakeholder_report_start(
    *,
    round_instrument: RoundInstrument,
    email: str,
    entity_name: str,
    language: str,
    now: dt.datetime | None = None,
) -> Report:
    """Start a stakeholder report (its private link is sent by `report_links_send`)."""
    now = now or timezone.now()
    if now < round_instrument.opens_at:
        raise WorkflowError(_("Reporting has not opened yet."))
    if now >= round_instrument.closes_at:
        raise WorkflowError(
            _("The deadline for this report has passed: no new report can be started.")
        )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    round_instrument=round_instrument,
                    instrument_version=round_instrument.instrument_version,
                    sequence=report_next_sequence(round_instrument),
                    entity_name=entity_name[:300],
                    language=language,
                    created_at=now,
                    updated_at=now,
                )
                break
        except IntegrityError:  # two starts took the same number: take the next one
            continue
    else:
        raise WorkflowError(_("The report could not be started; please try again."))
    with transaction.atomic():
        ReportContact.objects.create(report=report, email=email)
        # The answers the instrument declares for the entity's name and the contact address
        # start with what the person gave to start the report.
        declared = report.instrument_version.form.report_fields()
        if "entity_name" in declared:
            answer_save(report=report, question=declared["entity_name"], value=entity_name)
        if "contact_email" in declared:
            answer_save(report=report, question=declared["contact_email"], value=email)
        audit_log(
            action=Action.REPORT_STARTED,
            target=report,
            actor_label="respondent",
            data={"language": language},
        )
    return report


def report_link_open(*, token: str) -> Report | None:
    """The report a private link opens; confirms the email address it was sent to."""
    from codemonitor.reporting.models import token_digest

    link = (
        ReportLink.objects.select_related("report").filter(token_digest=token_digest(token)).first()
    )
    if link is None:
        return None
    now = timezone.now()
    with transaction.atomic():
        ReportLink.objects.filter(pk=link.pk).update(last_used_at=now)
        confirmed = ReportContact.objects.filter(
            report=link.report, email_verified_at__isnull=True
        ).update(email_verified_at=now)
        if confirmed:
            audit_log(
                action=Action.REPORT_EMAIL_CONFIRMED,
                target=link.report,
                actor_label="respondent",
                at=now,
            )
    return link.report


def report_submit(
    *,
    report: Report,
    actor_label: str = "respondent",
    user: User | None = None,
    now: dt.datetime | None = None,
    allow_late: bool = False,
) -> bool:
    """Submit a draft. Returns True if this call submitted it, False if it already was.

    A retried or doubled request finds the report submitted and does nothing: one submission,
    one email.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.state != Report.State.DRAFT:
            report.refresh_from_db()
            return False
        late = now >= locked.round_instrument.closes_at
        if late and not allow_late:
            raise WorkflowError(
                _(
                    "The deadline has passed: this report can no longer be "
                    "submitted. It stays readable."
                )
            )
        contact = ReportContact.objects.filter(report=locked).first()
        if contact is not None and contact.email_verified_at is None:
            raise WorkflowError(
                _(
                    "Open the private link we sent to %(email)s to confirm the "
                    "address; you can submit from that link."
                )
                % {"email": contact.email}
            )
        checked = answers_load(locked)
        evaluation = Evaluation(
            locked.instrument_version.form,
            checked,
            language=locked.language,
            today=timezone.localdate(),
        )
        problems = evaluation.problems()
        if problems:
            raise WorkflowError(
                _("Some answers need attention before the report can be submitted."), problems
            )
        locked.state = Report.State.SUBMITTED
        locked.submitted_at = now
        locked.is_late = late
        locked.submitted_digest = answers_digest(checked)
        locked.save(update_fields=["state", "submitted_at", "is_late", "submitted_digest"])
        audit_log(
            action=Action.REPORT_SUBMITTED,
            target=locked,
            actor=user,
            actor_label=actor_label,
            at=now,
            data={"answers": locked.submitted_digest},
        )
        report_submitted.send(sender=Report, report=locked, user=user)
        report_id = locked.pk
        transaction.on_commit(lambda: receipt_send.enqueue(report_id))
    report.refresh_from_db()
    return True


@task()
def receipt_send(report_id: int) -> None:
    """Email the receipt (with its PDF) of a submitted report; runs in the background worker."""
    from codemonitor.reporting.receipt import receipt_pdf

    report = Report.objects.select_related("round_instrument__round", "contact").get(pk=report_id)
    contact = getattr(report, "contact", None)
    if contact is None:
        return
    if report.state != Report.State.SUBMITTED or (
        report.submitted_digest and answers_digest(answers_load(report)) != report.submitted_digest
    ):
        # Reopened (and perhaps changed) before the worker came to it: a receipt would show
        # answers that are not the ones submitted. The next submission sends its own.
        audit_log(
            action=Action.REPORT_RECEIPT_FAILED,
            target=report,
            actor_label="system",
            data={"reason": "reopened before the receipt was sent"},
        )
        return
    try:
        mail_send(
            to=[contact.email],
            template="receipt",
            language=report.language,
            context={"report": report, "round": report.round_instrument.round},
            attachments=[(f"{report.reference}.pdf", receipt_pdf(report), "application/pdf")],
        )
    except Exception:  # the submission stands; the receipt can be downloaded again
        log.exception("receipt email for %s failed", report.reference)
        audit_log(action=Action.REPORT_RECEIPT_FAILED, target=report, actor_label="system")
    else:
        audit_log(action=Action.REPORT_RECEIPT_SENT, target=report, actor_label="system")


def report_reopen(*, report: Report, user: User, reason: str = "") -> None:
    """The Secretariat reopens a submitted stakeholder report for the respondent."""
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.state == Report.State.DRAFT:
            raise WorkflowError(_("The report is already open."))
        locked.state = Report.State.DRAFT
        locked.save(update_fields=["state"])
        audit_log(
            action=Action.REPORT_REOPENED,
            target=locked,
            actor=user,
            data={"reason": reason},
        )
    report.refresh_from_db()


def report_links_send(*, report: Report, base_url: str) -> None:
    """Email a new private link to the report's contact address.

    The email holds nothing the requester typed (see email/private_link.body.txt): the address
    is not confirmed yet, so it must not carry a stranger's words.
    """
    contact = report.contact
    token = ReportLink.issue(report)
    mail_send(
        to=[contact.email],
        template="private_link",
        language=report.language,
        context={
            "report": report,
            "round": report.round_instrument.round,
            "link": link(STAKEHOLDER_PRIVATE_LINK, token, base_url=base_url),
            "deadline": report.round_instrument.closes_at,
        },
    )
    audit_log(action=Action.REPORT_LINK_SENT, target=report, actor_label="system")


def report_links_request(*, round_instrument: RoundInstrument, email: str, base_url: str) -> None:
    """Ask the worker to send fresh private links for the reports of an address in a round.

    The request only queues the task, whether or not the address has reports: the answer takes
    the same time and does the same database work either way, and so reveals nothing.
    """
    round_instrument_id = round_instrument.pk
    address = email.strip().lower()
    transaction.on_commit(
        lambda: report_links_resend.enqueue(round_instrument_id, address, base_url)
    )


@task()
def report_links_resend(round_instrument_id: int, email: str, base_url: str) -> int:
    """Email a fresh private link for each report of `email` in a round (in the worker).

    At most RATE_LINK_PER_EMAIL such emails reach one address per hour, however many reports
    were started for it: each email counts, not each request. Returns how many were sent.
    """
    limit, window = settings.RATE_LINK_PER_EMAIL
    contacts = ReportContact.objects.select_related(
        "report__round_instrument__round", "report__instrument_version"
    ).filter(email=email, report__round_instrument_id=round_instrument_id)
    sent = 0
    for contact in contacts.order_by("report__sequence"):
        if not throttle_hit(f"link:sent:{email}", limit=limit, window_seconds=window):
            break
        report_links_send(report=contact.report, base_url=base_url)
        sent += 1
    return sent
