"""The public portal: what anyone may look up without an account.

The lookup of authorised recruiters lets a health worker check, in every country at once, whether
a recruiter is on a country's record: by name (its words, case and accents aside) or by licence
number (spaces, dots, dashes and slashes aside). Only entries the Secretariat validated are
shown (`registers.selectors.recruiter_lookup` decides). A plain GET form, no JavaScript needed,
kept by browsers and proxies for five minutes, limited per address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from codemonitor.core.throttle import client_key, throttle_hit
from codemonitor.reference.models import MemberState
from codemonitor.registers.models import Recruiter
from codemonitor.registers.selectors import recruiter_lookup, recruiter_valid_on

PER_PAGE = 20
CACHE_SECONDS = 300

STATUS_EXPLAINED: dict[str, object] = {
    Recruiter.Status.AUTHORISED: gettext_lazy(
        "Authorised: the issuing authority allows this recruiter to operate."
    ),
    Recruiter.Status.SUSPENDED: gettext_lazy(
        "Suspended: the recruiter may not operate while the suspension lasts."
    ),
    Recruiter.Status.REVOKED: gettext_lazy(
        "Revoked: the authority withdrew the licence; the recruiter may not operate under it."
    ),
    Recruiter.Status.EXPIRED: gettext_lazy(
        "Expired: the licence was not renewed; the recruiter may not operate under it."
    ),
    Recruiter.Status.SURRENDERED: gettext_lazy(
        "Surrendered: the holder gave the licence up; it no longer operates under it."
    ),
    Recruiter.Status.PENDING: gettext_lazy(
        "Application pending: the recruiter is not authorised yet."
    ),
}


class LookupForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Name of the recruiter, or its licence number"),
        max_length=200,
        required=False,
    )
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [
            ("", _("All countries")),
            *((state.pk, state.name) for state in MemberState.objects.order_by("iso3")),
        ]


@require_safe
def recruiter_lookup_view(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "searched": False}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        limit, window = settings.RATE_LOOKUP_PER_IP
        if not throttle_hit(f"lookup:ip:{client_key(request)}", limit=limit, window_seconds=window):
            response = render(
                request,
                "portal/throttled.html",
                {"minutes": max(1, window // 60)},
                status=429,
            )
            response["Retry-After"] = str(window)
            patch_cache_control(response, no_store=True)
            return response
        found = recruiter_lookup(form.cleaned_data["q"], country=form.cleaned_data["country"])
        page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
        today = timezone.localdate()
        context.update(
            {
                "searched": True,
                "page_obj": page,
                "results": [
                    {
                        "recruiter": recruiter,
                        "explained": STATUS_EXPLAINED.get(recruiter.status, ""),
                        "valid_today": recruiter_valid_on(recruiter, today),
                    }
                    for recruiter in page
                ],
                "today": today,
                "query": urlencode(
                    {
                        "q": form.cleaned_data["q"],
                        **(
                            {"country": form.cleaned_data["country"]}
                            if form.cleaned_data["country"]
                            else {}
                        ),
                    }
                )
                + "&",
            }
        )
    response = render(
        request, "portal/recruiters.html", context, status=400 if form.errors else 200
    )
    if not form.errors:
        # Kept by the browser only: the page carries the language form's CSRF token and may
        # set its cookie, which a shared cache must never hand to someone else.
        patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response
