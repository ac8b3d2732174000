"""The Secretariat's decisions about publication: when a round becomes public, and which
reports are withheld from it (administrators only; every change audited by
`publication.services`). What is public is decided by `publication.public`, never here."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from codemonitor.accounts.access import secretariat_admin, secretariat_admin_required
from codemonitor.publication.services import (
    PublicationRefused,
    report_release,
    report_withhold,
    round_publication_set,
)
from codemonitor.reporting.models import Report, Round

MOMENT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


# The years a publication moment may fall in (a year 1 would not even convert to UTC).
YEARS = range(2000, 2201)


def _moment(text: str) -> dt.datetime | None:
    """A moment typed in the form (Geneva time), or None when it is no moment."""
    for pattern in (MOMENT_FORMAT, f"{MOMENT_FORMAT}:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            found = dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
        return found if found.year in YEARS else None
    return None


@require_POST
@secretariat_admin_required
def round_publication(request: HttpRequest, number: int) -> HttpResponse:
    """Set or clear the moment a round becomes public."""
    round_ = get_object_or_404(Round, number=number)
    back = reverse("backoffice:round_overview", args=[round_.number])
    typed = request.POST.get("publishes_at", "").strip()[:40]
    if request.POST.get("clear") == "1":
        moment = None
    else:
        moment = _moment(typed)
        if moment is None:
            messages.error(
                request,
                _(
                    "'%(value)s' is not a date and time: give the moment the round becomes "
                    "public as YYYY-MM-DD HH:MM, Geneva time."
                )
                % {"value": typed or _("(nothing)")},
            )
            return redirect(f"{back}?{urlencode({'publishes_at': typed})}#publication")
    try:
        round_publication_set(round_=round_, publishes_at=moment, user=secretariat_admin(request))
    except PublicationRefused as refused:
        messages.error(request, str(refused))
        return redirect(f"{back}?{urlencode({'publishes_at': typed})}#publication")
    if moment is None:
        messages.success(request, _("The round has no publication date: nothing of it is public."))
    else:
        messages.success(request, _("Publication date saved."))
    return redirect(f"{back}#publication")


def _report_page(report: Report) -> str:
    if report.member_state_id:
        return reverse("backoffice:national_report", args=[report.pk])
    return reverse("backoffice:stakeholder_report", args=[report.pk])


@require_POST
@secretariat_admin_required
def report_publication(request: HttpRequest, report_id: int, decision: str) -> HttpResponse:
    """Withhold a report from its round's publication (with a reason), or put it back."""
    report = get_object_or_404(Report, pk=report_id)
    user = secretariat_admin(request)
    try:
        if decision == "withhold":
            report_withhold(report=report, reason=request.POST.get("reason", ""), user=user)
            messages.success(request, _("The report is withheld from publication."))
        elif decision == "release":
            report_release(report=report, user=user)
            messages.success(request, _("The report is back in the round's publication."))
        else:
            messages.error(request, _("Choose to withhold the report or to put it back."))
    except PublicationRefused as refused:
        messages.error(request, str(refused))
    return redirect(f"{_report_page(report)}#publication")
