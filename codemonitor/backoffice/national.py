"""The Secretariat's side of national reporting: opening a round, following every Member State,
reviewing, returning with comments, validating and reopening reports."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from codemonitor.accounts.access import (
    is_secretariat_admin,
    secretariat_admin,
    secretariat_admin_required,
    secretariat_required,
)
from codemonitor.accounts.models import User, focal_points_by_country
from codemonitor.core.audit import audit_trail
from codemonitor.core.text import text_plain
from codemonitor.instruments.models import Instrument
from codemonitor.reference.models import MemberState
from codemonitor.reporting.models import Report, Round, RoundInstrument
from codemonitor.reporting.presenter import ReportPages
from codemonitor.reporting.selectors import (
    REGIONS,
    carried_questions,
    deadline_date,
    national_reports,
    regions_on,
    report_state_counts,
    reports_by_country,
)
from codemonitor.reporting.services import WorkflowError
from codemonitor.reporting.workflow import (
    report_reopen_validated,
    report_return,
    report_review_start,
    report_validate,
    round_open_national,
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


@require_safe
@secretariat_required
def round_overview(request: HttpRequest, number: int) -> HttpResponse:
    """Every Member State with its report's state, last change and focal point."""
    round_ = get_object_or_404(Round, number=number)
    round_instrument = _national_instrument(round_)
    region = request.GET.get("region", "")
    state = request.GET.get("state", "")
    regions = regions_on(deadline_date(round_instrument))
    reports = reports_by_country(round_instrument)
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
    counts = report_state_counts(round_instrument)
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
            "regions": REGIONS,
            "counts": counts,
            "opened": bool(reports),
            "without": [r for r in rows if not r["focal_points"]],
            "is_admin": is_secretariat_admin(request),
            # The moment typed in a refused form, to correct it (else the round's own).
            "publishes_at_typed": request.GET.get("publishes_at", "")[:40],
        },
    )


@require_POST
@secretariat_admin_required
def round_open(request: HttpRequest, number: int) -> HttpResponse:
    user = secretariat_admin(request)
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
    entries = audit_trail(report).order_by("-at", "-pk")
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
            "is_admin": is_secretariat_admin(request),
            "carried": carried_questions(report),
        },
    )


@require_POST
@secretariat_admin_required
def national_report_action(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    user = secretariat_admin(request)
    report = get_object_or_404(national_reports(), pk=report_id)
    try:
        if action == "review":
            report_review_start(report=report, user=user)
        elif action == "return":
            comments: dict[tuple[str, str], str] = {}
            for key in request.POST:
                text = text_plain(request.POST.get(key, ""))
                if key.startswith("comment__") and text.strip():
                    comments[key.removeprefix("comment__"), ""] = text
            report_return(
                report=report,
                user=user,
                comments=comments,
                message=text_plain(request.POST.get("message", "")),
            )
        elif action == "validate":
            report_validate(report=report, user=user)
        elif action == "reopen":
            report_reopen_validated(
                report=report,
                user=user,
                reason=text_plain(request.POST.get("reason", ""), limit=1000),
            )
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
