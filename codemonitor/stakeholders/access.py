"""Who may open a stakeholder report: the one place that decides it.

A respondent has no account. The browser that started a report, and any browser that opened one
of its private links, holds it in its session; the Secretariat may read every report. Everyone
else gets 404, so a report's existence is never confirmed to outsiders.
"""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from codemonitor.accounts.access import is_secretariat
from codemonitor.reporting.models import Report

SESSION_KEY = "stakeholder_reports"


def grant(request: HttpRequest, report: Report) -> None:
    held = list(request.session.get(SESSION_KEY, []))
    if str(report.uuid) not in held:
        held.append(str(report.uuid))
        request.session[SESSION_KEY] = held[-50:]


def holds(request: HttpRequest, report: Report) -> bool:
    return str(report.uuid) in request.session.get(SESSION_KEY, [])


def get_stakeholder_report(
    request: HttpRequest, report_uuid: str | uuid.UUID, *, write: bool = False
) -> Report:
    """The report if this request may see it (and, with `write`, change it), else 404."""
    try:
        key = uuid.UUID(str(report_uuid))
    except ValueError:
        raise Http404 from None
    report = (
        # The workbook and the form (large) stay in the database: the form is cached per process.
        Report.objects.select_related("round_instrument__round", "instrument_version__instrument")
        .defer("instrument_version__source", "instrument_version__schema")
        .filter(
            uuid=key, member_state__isnull=True, instrument_version__instrument__kind="stakeholder"
        )
        .first()
    )
    if report is None:
        raise Http404
    if holds(request, report):
        return report
    if not write and is_secretariat(request):
        return report
    raise Http404
