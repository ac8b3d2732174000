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

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from codemonitor.analysis.access import analysis_scope
from codemonitor.analysis.pages import country_page


@require_safe
def analysis(request: HttpRequest) -> HttpResponse:
    country = analysis_scope(request)  # 404 for anyone who is neither national nor Secretariat
    if not country:
        raise Http404  # the Secretariat: its page of a country is in the back office
    return country_page(
        request, country=country, template="national/analysis.html", report_url="national:review"
    )
