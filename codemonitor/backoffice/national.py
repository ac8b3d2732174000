"""The Secretariat's side of national reporting: opening a round, following every Member State,
reviewing, returning with comments, validating and reopening reports."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from codemonitor.accounts.access import secretariat_user
from codemonitor.accounts.models import User, focal_points_by_country
from codemonitor.backoffice.access import secretariat_required
from codemonitor.core.mail import mail_queue_each
from codemonitor.instruments.models import Instrument
from codemonitor.national.access import national_reports
from codemonitor.reference.models import MemberState, RegionMembership
from codemonitor.reporting.answers import answers_carry_over
from codemonitor.reporting.models import AuditEntry, Report, Round, RoundInstrument
from codemonitor.reporting.pages import ReportPages
from codemonitor.reporting.services import WorkflowError, report_next_sequence
from codemonitor.reporting.workflow import (
    report_reopen_validated,
    report_return,
    report_review_start,
    report_validate,
)


def _national_instrument(round_: Round) -> RoundInstrument:
    found = (
        round_.instruments.select_related("instrument_version__instrument")
        .filter(instrument_version__instrument__kind=Instrument.Kind.NATIONAL)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _admin(request: HttpRequest) -> User:
    user = secretariat_user(request)
    if user is None or not user.is_secretariat_admin:
        raise Http404
    return user


@transaction.atomic
def round_open_national(
    *,
    round_instrument: RoundInstrument,
    user: User,
    base_url: str,
    member_states: Iterable[str] | None = None,
) -> tuple[int, list[MemberState]]:
    """Create every Member State's report and invite its focal points.

    `member_states` (ISO3 codes) limits this to those Member States; None means all of them.
    Returns how many reports were created and the Member States without a focal point.
    """
    states = MemberState.objects.order_by("iso3")
    if member_states is not None:
        states = states.filter(pk__in=list(member_states))
    existing = set(round_instrument.reports.values_list("member_state_id", flat=True))
    sequence = report_next_sequence(round_instrument) - 1
    created = []
    for state in states:
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
    for state in states:
        people = focal_points.get(state.pk, [])
        if not people:
            without.append(state)
            continue
        report = reports[state.pk]
        link = (
            base_url
            + reverse("accounts:sign_in")
            + "?next="
            + reverse("national:page", args=[report.pk, 1])
        )
        mail_queue_each(
            people,
            template="round_invitation",
            context={
                "report": report,
                "link": link,
                "round": round_instrument.round,
                "deadline": round_instrument.closes_at,
            },
        )
    AuditEntry.objects.create(
        action="round.national.opened",
        actor=user,
        actor_label=user.get_username(),
        data={
            "round": round_instrument.round.number,
            "created": len(created),
            "without_focal_point": [s.pk for s in without],
        },
    )
    return len(created), without


@require_safe
@secretariat_required
def round_overview(request: HttpRequest, number: int) -> HttpResponse:
    """Every Member State with its report's state, last change and focal point."""
    round_ = get_object_or_404(Round, number=number)
    round_instrument = _national_instrument(round_)
    region = request.GET.get("region", "")
    state = request.GET.get("state", "")
    on = round_instrument.closes_at.date()
    regions = dict(
        RegionMembership.objects.in_force(on).values_list("member_state_id", "region_id")
    )
    reports = {r.member_state_id: r for r in round_instrument.reports.all()}
    focal_points = focal_points_by_country()
    rows = []
    for member in MemberState.objects.order_by("iso3"):
        report = reports.get(member.pk)
        row_state = report.state if report else "not_opened"
        if region and regions.get(member.pk) != region:
            continue
        if state and row_state != state:
            continue
        rows.append(
            {
                "country": member,
                "region": regions.get(member.pk, ""),
                "report": report,
                "focal_points": focal_points.get(member.pk, []),
            }
        )
    counts: dict[str, int] = {}
    for report in reports.values():
        counts[report.state] = counts.get(report.state, 0) + 1
    return render(
        request,
        "backoffice/round_overview.html",
        {
            "round": round_,
            "round_instrument": round_instrument,
            "rows": rows,
            "region": region,
            "state": state,
            "states": Report.State.choices,
            "regions": ["AFR", "AMR", "SEAR", "EUR", "EMR", "WPR"],
            "counts": counts,
            "opened": bool(reports),
            "without": [r for r in rows if not r["focal_points"]],
            "is_admin": secretariat_user(request) is not None
            and secretariat_user(request).is_secretariat_admin,  # type: ignore[union-attr]
        },
    )


@require_POST
@secretariat_required
def round_open(request: HttpRequest, number: int) -> HttpResponse:
    user = _admin(request)
    round_instrument = _national_instrument(get_object_or_404(Round, number=number))
    created, without = round_open_national(
        round_instrument=round_instrument,
        user=user,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    messages.success(
        request,
        _(
            "%(created)s national reports opened; invitations sent to the "
            "focal points. %(without)s countries have no focal point."
        )
        % {"created": created, "without": len(without)},
    )
    return redirect("backoffice:round_overview", number=number)


@require_safe
@secretariat_required
def national_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(national_reports(), pk=report_id)
    pages = ReportPages(report)
    questions = [
        (q.name, pages.text(q, "label") or q.name)
        for q in report.instrument_version.form.walk()
        if q.is_input
    ]
    entries = AuditEntry.objects.filter(report=report).select_related("actor").order_by("-at")
    return render(
        request,
        "backoffice/national_report.html",
        {
            "report": report,
            "review": pages.review(),
            "questions": questions,
            "entries": entries[:500],
            "comments": report.comments.select_related("author"),
            "people": User.objects.filter(member_state_id=report.member_state_id, is_active=True),
            "is_admin": secretariat_user(request).is_secretariat_admin,  # type: ignore[union-attr]
            "carried": report.answers.filter(carried=True).values_list("question", flat=True),
        },
    )


@require_POST
@secretariat_required
def national_report_action(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    user = _admin(request)
    report = get_object_or_404(national_reports(), pk=report_id)
    try:
        if action == "review":
            report_review_start(report=report, user=user)
        elif action == "return":
            comments: dict[tuple[str, str], str] = {}
            for key in request.POST:
                text = request.POST.get(key, "")
                if key.startswith("comment__") and text.strip():
                    comments[key.removeprefix("comment__"), ""] = text
            report_return(
                report=report, user=user, comments=comments, message=request.POST.get("message", "")
            )
        elif action == "validate":
            report_validate(report=report, user=user)
        elif action == "reopen":
            report_reopen_validated(report=report, user=user, reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Done: the report is now %(state)s.") % {"state": report.get_state_display().lower()},
        )
    return redirect("backoffice:national_report", report_id=report.pk)
