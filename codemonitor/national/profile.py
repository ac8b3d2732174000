"""The country's own profile, for its national users: what the platform holds about it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from codemonitor.accounts.access import national_user
from codemonitor.registers.access import register_reader
from codemonitor.workforce.profile import country_profile


@require_safe
def profile(request: HttpRequest) -> HttpResponse:
    user = national_user(request)
    if user is None or user.member_state is None:
        raise Http404
    register_reader(request, user.member_state.pk)  # the one rule for a country's registers
    return render(
        request,
        "national/profile.html",
        {"profile": country_profile(user.member_state), "account": user},
    )
