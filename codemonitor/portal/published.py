"""The public portal's pages of what is published: the rounds, a round's reports, a report, a
Member State's reports and its designated national authority.

Every page reads through `publication.public` (the embargo's one read side): a round before its
publication moment, a report that is not published (not validated, not submitted, withheld,
or of a round still under embargo) and an id that does not exist all answer the same 404. No
account, no JavaScript; kept by the browser for five minutes (private: the pages carry the
language form's token) with an ETag, so that a reload of an unchanged page is a 304.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.core.languages import active
from codemonitor.instruments.models import Instrument
from codemonitor.publication.public import (
    NotPublic,
    public_authority,
    public_country_reports,
    public_name,
    public_pages,
    public_report,
    public_reports,
    public_round,
    public_rounds,
)
from codemonitor.reference.models import MemberState
from codemonitor.reference.names import REGION_NAMES, country_labels
from codemonitor.reporting.models import Report
from codemonitor.reporting.selectors import REGIONS, deadline_date, regions_on

CACHE_SECONDS = 300
TEMPLATES = Path(__file__).resolve().parent / "templates" / "portal"
SITE_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
LOCALE = Path(__file__).resolve().parents[1] / "locale"


@functools.cache
def _release_digest() -> str:
    """The templates and translations as deployed: a new release changes every ETag."""
    digest = hashlib.sha256()
    for folder, pattern in ((TEMPLATES, "*.html"), (SITE_TEMPLATES, "*.html"), (LOCALE, "*.mo")):
        for path in sorted(folder.rglob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _etag(request: HttpRequest, template: str, version: str) -> str:
    """What a page shows depends on its data (`version`: what changes when it does), the
    language, who is signed in (the header names them), the browser's form token (the page's
    language form carries it) and the release — never on the masked tokens that differ on
    every drawing, which an ETag of the content would include."""
    user = getattr(request, "user", None)
    parts = [
        template,
        version,
        active(),
        str(getattr(user, "pk", "") or ""),
        # The form token's secret: the browser's (before drawing), or the one the drawn page
        # holds and sends it (after), so that the next request's ETag is the same.
        str(request.META.get("CSRF_COOKIE", "")),
        _release_digest(),
    ]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def _public(
    request: HttpRequest, template: str, version: str, context: Callable[[], dict[str, Any]]
) -> HttpResponse:
    """A public page with its validators: 304 when the browser has this version already (the
    page is not even drawn; never while a message waits to be shown), else drawn, kept
    privately for five minutes with its ETag."""
    etag = _etag(request, template, version)
    unchanged = get_conditional_response(request, etag=etag)
    if (
        unchanged is not None
        and unchanged.status_code == 304
        and not len(messages.get_messages(request))  # len: reading them would use them up
    ):
        unchanged["ETag"] = etag
        patch_cache_control(unchanged, private=True, max_age=CACHE_SECONDS)
        return unchanged
    response = render(request, template, context())
    response["ETag"] = _etag(request, template, version)
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response


def _stamp(reports: Iterable[Report]) -> str:
    """The version of a list of reports: which they are and when each last changed."""
    return ";".join(f"{report.pk}@{report.updated_at.isoformat()}" for report in reports)


@require_safe
def rounds(request: HttpRequest) -> HttpResponse:
    found: list[dict[str, Any]] = []
    for round_ in public_rounds().prefetch_related("instruments__instrument_version__instrument"):
        counts: Counter[str] = Counter()
        for use in round_.instruments.all():
            counts[use.instrument_version.instrument.kind] += public_reports(use).count()
        found.append(
            {
                "round": round_,
                "national": counts.get(Instrument.Kind.NATIONAL, 0),
                "stakeholder": counts.get(Instrument.Kind.STAKEHOLDER, 0),
            }
        )
    version = ";".join(
        f"{item['round'].pk}@{item['round'].publishes_at}:{item['round'].title}:"
        f"{item['round'].report_to}:{item['national']}:{item['stakeholder']}"
        for item in found
    )
    return _public(request, "portal/rounds.html", version, lambda: {"rounds": found})


@require_safe
def round_page(request: HttpRequest, number: int) -> HttpResponse:
    try:
        round_ = public_round(number)
    except NotPublic:
        raise Http404 from None
    uses = list(round_.instruments.select_related("instrument_version__instrument"))
    published = {
        use.pk: list(
            public_reports(use)
            .select_related(
                "member_state", "round_instrument__round", "instrument_version__instrument"
            )
            .order_by("sequence")
        )
        for use in uses
    }
    version = f"{round_.pk}@{round_.publishes_at}:{round_.title}:{round_.report_to}|" + "|".join(
        _stamp(reports) for reports in published.values()
    )

    def context() -> dict[str, Any]:
        labels = country_labels(active())
        national: list[dict[str, Any]] = []
        stakeholder: list[dict[str, Any]] = []
        by_region: Counter[str] = Counter()
        for use in uses:
            if use.instrument_version.instrument.kind == Instrument.Kind.NATIONAL:
                region_of = regions_on(deadline_date(use))
                for report in published[use.pk]:
                    region = region_of.get(str(report.member_state_id), "")
                    by_region[region] += 1
                    national.append(
                        {
                            "report": report,
                            "country": labels.get(str(report.member_state_id), public_name(report)),
                            "region": REGION_NAMES.get(region, region),
                        }
                    )
            else:
                for report in published[use.pk]:
                    stakeholder.append({"report": report, "name": public_name(report)})
        national.sort(key=lambda item: item["country"].casefold())
        return {
            "round": round_,
            "national": national,
            "stakeholder": stakeholder,
            "regions": [(REGION_NAMES.get(code, code), by_region.get(code, 0)) for code in REGIONS],
        }

    return _public(request, "portal/round.html", version, context)


@require_safe
def report_page(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        report = public_report(report_id)
    except NotPublic:
        raise Http404 from None
    version = f"{report.round_instrument.round.publishes_at}|{_stamp([report])}"

    def context() -> dict[str, Any]:
        pages = public_pages(report, language=active())
        name = public_name(report) or _("An organisation that asked not to be named")
        if report.member_state_id:
            name = country_labels(active()).get(str(report.member_state_id), name)
        return {"report": report, "name": name, "review": pages.review(), "pages": pages}

    return _public(request, "portal/report.html", version, context)


@require_safe
def country_page(request: HttpRequest, iso3: str) -> HttpResponse:
    code = iso3.strip().upper()
    if not (code.isascii() and code.isalpha() and len(code) == 3):
        raise Http404
    country = MemberState.objects.filter(pk=code).first()
    if country is None:
        raise Http404
    authority = public_authority(code)
    reports = list(public_country_reports(code))
    version = f"{authority}|{_stamp(reports)}"
    return _public(
        request,
        "portal/country.html",
        version,
        lambda: {
            "country": country,
            "name": country_labels(active()).get(code, country.name),
            "authority": authority,
            "reports": reports,
        },
    )
