"""The workflow of national reports. Each transition is one function that checks who may do it
and from which state, saves, writes the audit entry and queues the emails, in one transaction.

    draft ──submit──▶ submitted ──review──▶ in review ──return──▶ returned ──submit──▶ …
                                                └──validate──▶ validated ──reopen──▶ returned
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import Role, User
from codemonitor.core.mail import mail_queue_each
from codemonitor.instruments.engine import Evaluation
from codemonitor.reporting.answers import answers_load
from codemonitor.reporting.models import AuditEntry, QuestionComment, Report
from codemonitor.reporting.services import WorkflowError

State = Report.State


def _people_of(report: Report) -> list[User]:
    return list(
        User.objects.filter(
            member_state_id=report.member_state_id,
            is_active=True,
            role__in=[Role.FOCAL_POINT, Role.CONTRIBUTOR],
        )
    )


def _secretariat() -> list[User]:
    return list(User.objects.filter(role=Role.SECRETARIAT_ADMIN, is_active=True))


def _notify(
    report: Report, people: Iterable[User], event: str, by: User, comment: str = ""
) -> None:
    mail_queue_each(
        people,
        template="report_state",
        context={
            "report": report,
            "event": event,
            "by": by,
            "comment": comment,
            "country": report.member_state.name if report.member_state else "",
        },
    )


def _locked(report: Report, allowed: Iterable[str], action: str) -> Report:
    # Lock the report's row only: PostgreSQL refuses to lock the outer-joined country.
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("round_instrument__round", "member_state")
        .get(pk=report.pk)
    )
    if locked.state not in set(allowed):
        raise WorkflowError(
            _("This cannot be done now: the report is %(state)s.")
            % {"state": locked.get_state_display().lower()}
        )
    return locked


def _audit(report: Report, user: User, action: str, **data: object) -> None:
    AuditEntry.objects.create(
        report=report, action=action, actor=user, actor_label=user.get_username(), data=data
    )


def national_report_submit(*, report: Report, user: User, now: dt.datetime | None = None) -> None:
    """The focal point submits (or resubmits) the country's report; late is accepted, marked."""
    if not (user.is_focal_point and user.member_state_id == report.member_state_id):
        raise WorkflowError(_("Only the focal point of the country can submit its report."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(report, {State.DRAFT, State.RETURNED}, "submit")
        problems = Evaluation(
            locked.instrument_version.form, answers_load(locked), language=locked.language
        ).problems()
        if problems:
            raise WorkflowError(
                _("Some answers need attention before the report can be submitted."), problems
            )
        resubmission = locked.state == State.RETURNED
        locked.state = State.SUBMITTED
        locked.submitted_at = now
        locked.is_late = now >= locked.round_instrument.closes_at
        locked.save(update_fields=["state", "submitted_at", "is_late"])
        QuestionComment.objects.filter(report=locked, resolved_at__isnull=True).update(
            resolved_at=now
        )
        _audit(
            locked,
            user,
            "report.resubmitted" if resubmission else "report.submitted",
            late=locked.is_late,
        )
        _notify(locked, [*_secretariat(), *_people_of(locked)], "submitted", user)
    report.refresh_from_db()


def report_review_start(*, report: Report, user: User) -> None:
    _secretariat_admin(user)
    with transaction.atomic():
        locked = _locked(report, {State.SUBMITTED}, "review")
        locked.state = State.IN_REVIEW
        locked.save(update_fields=["state"])
        _audit(locked, user, "report.review_started")
        _notify(locked, _people_of(locked), "in_review", user)
    report.refresh_from_db()


def report_return(
    *, report: Report, user: User, comments: Mapping[tuple[str, str], str], message: str = ""
) -> None:
    """Return a report to its country with comments attached to individual questions."""
    _secretariat_admin(user)
    comments = {key: text.strip() for key, text in comments.items() if text.strip()}
    if not comments and not message.strip():
        raise WorkflowError(_("Say what needs to change: comment on at least one question."))
    with transaction.atomic():
        locked = _locked(report, {State.SUBMITTED, State.IN_REVIEW}, "return")
        questions = locked.instrument_version.form.questions()
        for (question, row), text in comments.items():
            if question not in questions:
                raise WorkflowError(
                    _("“%(name)s” is not a question of this report.") % {"name": question}
                )
            QuestionComment.objects.create(
                report=locked, question=question, row=row, text=text[:5000], author=user
            )
        locked.state = State.RETURNED
        locked.save(update_fields=["state"])
        _audit(
            locked,
            user,
            "report.returned",
            message=message.strip()[:5000],
            comments={f"{q}[{r}]" if r else q: t for (q, r), t in comments.items()},
        )
        _notify(locked, _people_of(locked), "returned", user, message.strip())
    report.refresh_from_db()


def report_validate(*, report: Report, user: User) -> None:
    _secretariat_admin(user)
    with transaction.atomic():
        locked = _locked(report, {State.IN_REVIEW}, "validate")
        locked.state = State.VALIDATED
        locked.save(update_fields=["state"])
        _audit(locked, user, "report.validated")
        _notify(locked, _people_of(locked), "validated", user)
    report.refresh_from_db()


def report_reopen_validated(*, report: Report, user: User, reason: str) -> None:
    _secretariat_admin(user)
    if not reason.strip():
        raise WorkflowError(_("Give the reason for reopening the report."))
    with transaction.atomic():
        locked = _locked(report, {State.VALIDATED}, "reopen")
        locked.state = State.RETURNED
        locked.save(update_fields=["state"])
        _audit(locked, user, "report.reopened", reason=reason.strip()[:5000])
        _notify(locked, _people_of(locked), "reopened", user, reason.strip())
    report.refresh_from_db()


def _secretariat_admin(user: User) -> None:
    if not user.is_secretariat_admin:
        raise WorkflowError(_("Only a Secretariat administrator can do this."))
