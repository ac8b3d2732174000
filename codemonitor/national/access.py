"""Who may open a national report: the one place that decides it (country scoping).

A national user (focal point or contributor) sees and changes only their own Member State's
reports; the Secretariat reads every report. Everyone else gets 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from codemonitor.accounts.access import national_user, secretariat_user
from codemonitor.reporting.models import Report
from codemonitor.reporting.selectors import national_reports

EDITABLE_STATES = frozenset({Report.State.DRAFT, Report.State.RETURNED})


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
