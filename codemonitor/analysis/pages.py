"""The analysis pages that several audiences share (as `registers/law_views.py` is for a law's
entry): a table's companion CSV, and a country's answers across rounds. The audience's view
decides who may see which country (`analysis.access`) and passes its template, its link to a
report and its default states; nothing here names an audience's URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from codemonitor.analysis.tables import AnalysisTable
from codemonitor.analysis.trends import UnknownCountry, country_across_rounds, states_from_query
from codemonitor.core.languages import active
from codemonitor.reporting.models import Report


def table_csv(table: AnalysisTable) -> HttpResponse:
    """A table's companion CSV, as a download."""
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.filename}"'
    return response


def country_page(
    request: HttpRequest,
    *,
    country: str,
    template: str,
    report_url: str,
    default_states: Sequence[str] | None = None,
    instrument_code: str = "nri",
    problems: list[str] | None = None,
    query: dict[str, list[str]] | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """A country's answers to the same questions in each round of a national instrument
    (`analysis.trends.country_across_rounds`), in the states the query string ticks (else
    `default_states`; None: the states that count); `?csv=<identifier>` downloads a table.
    404 for a code that names no Member State. `query`: the page's other parameters, kept in
    its links."""
    problems = list(problems or [])
    states, wrong = states_from_query(request.GET, default=default_states)
    problems += wrong
    try:
        trends = country_across_rounds(
            country, instrument_code=instrument_code, language=active(), states=states
        )
    except UnknownCountry:
        raise Http404 from None
    wanted = request.GET.get("csv", "")
    if wanted:
        table = trends.tables().get(wanted)
        if table is None:
            problems.append(_("There is no table '%(table)s' on this page.") % {"table": wanted})
        else:
            return table_csv(table)
    kept: dict[str, list[str]] = {}
    if states is not None and tuple(states) != tuple(default_states or ()):
        kept["state"] = list(states)
    kept.update(query or {})
    return render(
        request,
        template,
        {
            "title": _("%(country)s across rounds") % {"country": trends.country},
            "trends": trends,
            "problems": problems,
            "query": urlencode(kept, doseq=True),
            "report_url": report_url,
            "filter_states": Report.State.choices,
            **(context or {}),
        },
    )
