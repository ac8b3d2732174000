"""Member States' profiles for the Secretariat: the list of countries with what each has, and
one country's profile (its authority, laws, recruiters and migration figures)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from codemonitor.accounts.access import secretariat_required
from codemonitor.reference.models import MemberState
from codemonitor.workforce.profile import countries_overview, country_profile


@require_safe
@secretariat_required
def countries(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/countries.html", {"rows": countries_overview()})


@require_safe
@secretariat_required
def country(request: HttpRequest, iso3: str) -> HttpResponse:
    code = iso3.upper()
    if not (code.isascii() and code.isalpha() and len(code) == 3):
        raise Http404  # nothing else is a country's code (a NUL byte never reaches PostgreSQL)
    state = get_object_or_404(MemberState, pk=code)
    return render(request, "backoffice/country.html", {"profile": country_profile(state)})
