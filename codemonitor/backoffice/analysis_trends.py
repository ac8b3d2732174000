"""The Secretariat's view of a country across rounds: its answers to the same question in each
round side by side, numeric answers as trends, what changed since the previous round.

The figures come from `analysis.trends.country_across_rounds`; the page shows every report
state unless the analyst narrows them (each round's column says its report's state). Each
table's CSV is the same URL with `?csv=<identifier>`.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.accounts.access import secretariat_required
from codemonitor.analysis.pages import country_page
from codemonitor.analysis.trends import ALL_STATES
from codemonitor.core.languages import active
from codemonitor.instruments.models import Instrument
from codemonitor.reference.models import MemberState
from codemonitor.reference.names import country_labels


def _code(text: str) -> str:
    code = text.strip().upper()
    if not (code.isascii() and code.isalpha() and len(code) == 3):
        return ""  # nothing else is a country's code (a NUL byte never reaches PostgreSQL)
    return code


def national_instrument(request: HttpRequest, problems: list[str]) -> tuple[str, list[str]]:
    """The national instrument asked for (`?instrument=`), else the NRI; and every national
    instrument's code, for the form."""
    codes = list(
        Instrument.objects.filter(kind=Instrument.Kind.NATIONAL)
        .order_by("code")
        .values_list("code", flat=True)
    )
    wanted = request.GET.get("instrument", "").strip()[:100]
    if wanted and wanted not in codes:
        problems.append(_("There is no national instrument '%(code)s'.") % {"code": wanted})
        wanted = ""
    return wanted or ("nri" if "nri" in codes or not codes else codes[0]), codes


@require_safe
@secretariat_required
def analysis_country(request: HttpRequest, iso3: str) -> HttpResponse:
    code = _code(iso3)
    if not code:
        raise Http404
    problems: list[str] = []
    instrument, instruments = national_instrument(request, problems)
    return country_page(
        request,
        country=code,
        template="backoffice/analysis/country.html",
        report_url="backoffice:national_report",
        default_states=ALL_STATES,
        instrument_code=instrument,
        problems=problems,
        query={"instrument": [instrument]} if instrument != "nri" else {},
        context={"instruments": instruments, "instrument": instrument},
    )


@require_safe
@secretariat_required
def analysis_countries(request: HttpRequest) -> HttpResponse:
    """Choosing a country: by its code or its name (`?country=`); without one, every Member
    State. A single match goes straight to its page."""
    wanted = request.GET.get("country", "").strip()[:100]
    names = country_labels(active())
    members = set(MemberState.objects.values_list("pk", flat=True))
    countries = sorted(
        ((iso3, names.get(iso3, iso3)) for iso3 in members), key=lambda item: item[1]
    )
    message = ""
    if wanted:
        code = _code(wanted)
        if code in members:
            return redirect("backoffice:analysis_country", iso3=code)
        folded = wanted.casefold()
        countries = [item for item in countries if folded in item[1].casefold()]
        if len(countries) == 1:
            return redirect("backoffice:analysis_country", iso3=countries[0][0])
        if not countries:
            message = _("No Member State is called '%(name)s'.") % {"name": wanted}
    return render(
        request,
        "backoffice/analysis/countries.html",
        {
            "title": _("Countries across rounds"),
            "countries": countries,
            "wanted": wanted,
            "message": message,
        },
    )
