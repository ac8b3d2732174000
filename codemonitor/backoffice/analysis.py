"""The Secretariat's analysis of a round: the shared parts of its pages.

Every analysis page reads its filters with `analysis_filters(request)` (the query string:
round, instrument, region, safeguards, state, language), draws them with the form in
`backoffice/analysis/base.html` and shows its tables with `backoffice/analysis/_table.html`
(each with its source line and CSV download). The figures come from the analysis app; these
views only choose, draw and serve them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.accounts.access import secretariat_required
from codemonitor.analysis.filters import (
    SAFEGUARDS_CHOICES,
    AnalysisFilters,
    FiltersRefused,
    round_instruments,
)
from codemonitor.reporting.models import Report
from codemonitor.reporting.selectors import REGIONS


class NoRounds(Exception):
    """There is no round with an instrument: the page says so."""


def analysis_filters(request: HttpRequest, *, country: str = "") -> AnalysisFilters:
    """The filters of the request's query string (what does not exist is named in
    `problems`, never an error page); NoRounds when there is nothing to analyse."""
    try:
        return AnalysisFilters.from_query(request.GET, country=country)
    except FiltersRefused as refused:
        raise NoRounds(str(refused)) from refused


def filters_context(filters: AnalysisFilters) -> dict[str, object]:
    """What `backoffice/analysis/base.html` needs to draw the filter form."""
    available = round_instruments()
    rounds: dict[int, str] = {}
    for item in available:
        rounds.setdefault(item.round.number, item.round.title)
    return {
        "filters": filters,
        "filter_rounds": sorted(rounds.items(), reverse=True),
        "filter_instruments": [
            item for item in available if item.round.number == filters.round.number
        ],
        "filter_regions": REGIONS,
        "filter_safeguards": SAFEGUARDS_CHOICES,
        "filter_states": Report.State.choices,
        "filter_languages": filters.round_instrument.instrument_version.form.languages,
    }


def no_rounds(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "backoffice/analysis/no_rounds.html", {"message": message}, status=200)


@require_safe
@secretariat_required
def analysis_home(request: HttpRequest) -> HttpResponse:
    """The analysis of a round: where each view of it is."""
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    return render(
        request,
        "backoffice/analysis/home.html",
        {**filters_context(filters), "title": _("Analysis of the round")},
    )
