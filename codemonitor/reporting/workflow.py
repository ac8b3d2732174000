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

from codemonitor.accounts.models import Role, User, focal_points_by_country
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.links import NATIONAL_REPORT_SIGN_IN, link
from codemonitor.core.mail import mail_queue_each
from codemonitor.instruments.engine import Evaluation
from codemonitor.reference.models import MemberState
from codemonitor.reporting.answers import answers_carry_over, answers_digest, answers_load
from codemonitor.reporting.models import QuestionComment, Report, RoundInstrument
from codemonitor.reporting.services import WorkflowError, report_next_sequence
from codemonitor.reporting.signals import (
    report_submitted,
    report_unvalidated,
    report_validated,
)

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


def _audit(report: Report, user: User, action: Action, **data: object) -> None:
    audit_log(action=action, target=report, actor=user, data=data)


@transaction.atomic
def round_open_national(
    *,
    round_instrument: RoundInstrument,
    user: User,
    base_url: str,
    member_states: Iterable[str] | None = None,
) -> tuple[int, list[MemberState]]:
    """Create every Member State's report (or those of `member_states`, ISO3 codes) and invite
    its focal points. Countries that already have a report keep it.

    Returns how many reports were created and the Member States without a focal point.
    """
    countries = MemberState.objects.order_by("iso3")
    if member_states is not None:
        countries = countries.filter(iso3__in=list(member_states))
    existing = set(round_instrument.reports.values_list("member_state_id", flat=True))
    sequence = report_next_sequence(round_instrument) - 1
    created = []
    for state in countries:
        if state.pk in existing:
            continue
        sequence += 1
        created.append(
            Report(
                round_instrument=round_instrument,
                instrument_version=round_instrument.instrument_version,
                sequence=sequence,
                member_state=state,
                entity_name=state.name,
            )
        )
    Report.objects.bulk_create(created)
    for report in created:
        answers_carry_over(report=report)
    focal_points = focal_points_by_country()
    reports = {r.member_state_id: r for r in round_instrument.reports.all()}
    without = []
    for state in countries:
        people = focal_points.get(state.pk, [])
        if not people:
            without.append(state)
            continue
        report = reports[state.pk]
        mail_queue_each(
            people,
            template="round_invitation",
            context={
                "report": report,
                "link": link(NATIONAL_REPORT_SIGN_IN, report, base_url=base_url),
                "round": round_instrument.round,
                "deadline": round_instrument.closes_at,
            },
        )
    audit_log(
        action=Action.ROUND_NATIONAL_OPENED,
        target=round_instrument.round,
        actor=user,
        data={
            "round": round_instrument.round.number,
            "created": len(created),
            "without_focal_point": [s.pk for s in without],
        },
    )
    return len(created), without


def national_report_submit(*, report: Report, user: User, now: dt.datetime | None = None) -> None:
    """The focal point submits (or resubmits) the country's report; late is accepted, marked."""
    if not (user.is_focal_point and user.member_state_id == report.member_state_id):
        raise WorkflowError(_("Only the focal point of the country can submit its report."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(report, {State.DRAFT, State.RETURNED}, "submit")
        checked = answers_load(locked)
        problems = Evaluation(
            locked.instrument_version.form, checked, language=locked.language
        ).problems()
        if problems:
            raise WorkflowError(
                _("Some answers need attention before the report can be submitted."), problems
            )
        resubmission = locked.state == State.RETURNED
        locked.state = State.SUBMITTED
        locked.submitted_at = now
        locked.is_late = now >= locked.round_instrument.closes_at
        locked.submitted_digest = answers_digest(checked)
        locked.save(update_fields=["state", "submitted_at", "is_late", "submitted_digest"])
        QuestionComment.objects.filter(report=locked, resolved_at__isnull=True).update(
            resolved_at=now
        )
        _audit(
            locked,
            user,
            Action.REPORT_RESUBMITTED if resubmission else Action.REPORT_SUBMITTED,
            late=locked.is_late,
            answers=locked.submitted_digest,
        )
        report_submitted.send(sender=Report, report=locked, user=user)
        _notify(locked, [*_secretariat(), *_people_of(locked)], "submitted", user)
    report.refresh_from_db()


def report_review_start(*, report: Report, user: User) -> None:
    _secretariat_admin(user)
    with transaction.atomic():
        locked = _locked(report, {State.SUBMITTED}, "review")
        locked.state = State.IN_REVIEW
        locked.save(update_fields=["state"])
        _audit(locked, user, Action.REPORT_REVIEW_STARTED)
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
            Action.REPORT_RETURNED,
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
        _audit(locked, user, Action.REPORT_VALIDATED)
        report_validated.send(sender=Report, report=locked, user=user)
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
        _audit(locked, user, Action.REPORT_REOPENED, reason=reason.strip()[:5000])
        report_unvalidated.send(sender=Report, report=locked, user=user)
        _notify(locked, _people_of(locked), "reopened", user, reason.strip())
    report.refresh_from_db()


def _secretariat_admin(user: User) -> None:
    if not user.is_secretariat_admin:
        raise WorkflowError(_("Only a Secretariat administrator can do this."))
