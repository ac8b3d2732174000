"""The country's own answers across rounds, for its national users.

The same comparison as the Secretariat's (`analysis.trends.country_across_rounds`), of the
user's own country only: there is no parameter naming a country, the country is the account's
(`analysis.access.analysis_scope`). The Secretariat uses the back office's page of any country;
here it finds nothing (404), as does anyone without a national account. The reports compared
are those in the states that count (submitted, in review, validated, returned after a
submission) unless the user ticks others. Each table's CSV is the same URL with
`?csv=<identifier>`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.analysis.access import analysis_scope
from codemonitor.analysis.trends import UnknownCountry, country_across_rounds, states_from_query
from codemonitor.core.languages import active
from codemonitor.reporting.models import Report


@require_safe
def analysis(request: HttpRequest) -> HttpResponse:
    country = analysis_scope(request)  # 404 for anyone who is neither national nor Secretariat
    if not country:
        raise Http404  # the Secretariat: its page of a country is in the back office
    states, problems = states_from_query(request.GET)
    try:
        trends = country_across_rounds(country, language=active(), states=states)
    except UnknownCountry:
        raise Http404 from None
    wanted = request.GET.get("csv", "")
    if wanted:
        table = trends.tables().get(wanted)
        if table is None:
            problems.append(_("There is no table '%(table)s' on this page.") % {"table": wanted})
        else:
            response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{table.filename}"'
            return response
    query = {"state": list(states)} if states is not None else {}
    return render(
        request,
        "national/analysis.html",
        {
            "title": _("%(country)s across rounds") % {"country": trends.country},
            "trends": trends,
            "problems": problems,
            "query": urlencode(query, doseq=True),
            "report_url": "national:review",
            "filter_states": Report.State.choices,
        },
    )
