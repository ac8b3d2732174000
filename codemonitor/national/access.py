"""Who may open a national report: the one place that decides it (country scoping).

A national user (focal point or contributor) sees and changes only their own Member State's
reports; the Secretariat reads every report. Everyone else gets 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from codemonitor.accounts.access import national_user, secretariat_user
from codemonitor.instruments.models import Instrument
from codemonitor.reporting.models import Report

EDITABLE_STATES = frozenset({Report.State.DRAFT, Report.State.RETURNED})


def national_reports() -> QuerySet[Report]:
    return (
        Report.objects.select_related(
            "round_instrument__round", "member_state", "instrument_version__instrument"
        )
        .defer("instrument_version__source", "instrument_version__schema")
        .filter(
            member_state__isnull=False,
            instrument_version__instrument__kind=Instrument.Kind.NATIONAL,
        )
    )


def get_national_report(
    request: HttpRequest, report_id: str | int, *, write: bool = False
) -> Report:
    """The report if this request may see it (with `write`: change its answers), else 404."""
    try:
        pk = int(report_id)
    except (TypeError, ValueError):
        raise Http404 from None
    report = national_reports().filter(pk=pk).first()
    if report is None:
        raise Http404
    user = national_user(request)
    if user is not None and user.member_state_id == report.member_state_id:
        return report
    if not write and secretariat_user(request) is not None:
        return report
    raise Http404


def can_edit(request: HttpRequest, report: Report) -> bool:
    user = national_user(request)
    return (
        user is not None
        and user.member_state_id == report.member_state_id
        and report.state in EDITABLE_STATES
    )
