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
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Max, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.core.languages import LANGUAGES, active
from codemonitor.instruments.models import Instrument
from codemonitor.publication.country import (
    LISTED,
    public_country_answers,
    public_country_version,
    public_laws,
    public_migration_section,
    public_recruiters,
)
from codemonitor.publication.figures import round_figures
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
from codemonitor.reporting.models import Report, Round

CACHE_SECONDS = 300
PAGE_CACHE_MAX_BYTES = 4 * 1024 * 1024  # a larger public response is drawn each time
STAKEHOLDERS_PER_PAGE = 100  # stakeholder reports listed per page of a round
# The page weight budget of a public page: its HTML, with its charts drawn inline as SVG (the
# stylesheet, 13 KB, is kept by the browser; no script, no image, no web font), for a round in
# which every Member State reported — about 30 KB over the wire compressed, a few seconds on a
# slow mobile connection. The heavy drawings (the networks of the countries named, whose pairs
# grow with the reports) are left to the round's report, a document to download.
# tests/publication/test_public_portal.py holds every public page to it.
PAGE_BUDGET_BYTES = 200_000
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


def _shared(request: HttpRequest) -> bool:
    """The page is the same for everyone who asks it so: a visitor without an account or a
    session (a stakeholder holding a report has one), with no message waiting. Such a page
    holds no form token (the language form is a GET form for them: `views.language_choose`)."""
    user = getattr(request, "user", None)
    return (
        not getattr(user, "is_authenticated", False)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not len(messages.get_messages(request))  # len: reading them would use them up
    )


def _etag(request: HttpRequest, template: str, version: str, *, shared: bool = False) -> str:
    """What a page shows depends on its data (`version`: what changes when it does), the
    language, who is signed in (the header names them), the browser's form token (the page's
    language form carries it, but for a shared page) and the release — never on the masked
    tokens that differ on every drawing, which an ETag of the content would include."""
    user = getattr(request, "user", None)
    parts = [
        template,
        version,
        active(),
        str(getattr(user, "pk", "") or ""),
        # The form token's secret: the browser's (before drawing), or the one the drawn page
        # holds and sends it (after), so that the next request's ETag is the same.
        "" if shared else str(request.META.get("CSRF_COOKIE", "")),
        _release_digest(),
    ]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'


def _public(
    request: HttpRequest,
    template: str,
    version: str | Callable[[], str],
    context: Callable[[], dict[str, Any]],
) -> HttpResponse:
    """A public page with its validators: 304 when the browser has this version already (the
    page is not even drawn; never while a message waits to be shown), else drawn, kept
    privately for five minutes with its ETag."""
    return public_response(request, template, version, lambda: render(request, template, context()))


def public_response(
    request: HttpRequest,
    name: str,
    version: str | Callable[[], str],
    draw: Callable[[], HttpResponse],
) -> HttpResponse:
    """Any public response (a page, a PDF) named `name` with its validators, as `_public` does:
    `draw` is called only when the browser does not have this version already."""
    if callable(version):
        version = _VERSIONS.get(f"{name}|{request.get_full_path()}", version)
    shared = _shared(request)
    etag = _etag(request, name, version, shared=shared)
    unchanged = get_conditional_response(request, etag=etag)
    if (
        unchanged is not None
        and unchanged.status_code == 304
        and not len(messages.get_messages(request))  # len: reading them would use them up
    ):
        unchanged["ETag"] = etag
        _cache_control(unchanged, shared=shared)
        return unchanged
    if not shared:
        response = draw()
        response["ETag"] = _etag(request, name, version)
        _cache_control(response, shared=False)
        return response
    # The same for every such visitor: drawn once per version, language and address, then
    # kept in the shared cache (every worker, every machine) until the version changes.
    key = "public-page:" + hashlib.sha256(f"{etag}|{request.get_full_path()}".encode()).hexdigest()
    kept = _KEPT.get(key) or cache.get(key)
    if isinstance(kept, tuple) and len(kept) == 2:
        response = HttpResponse(kept[0], content_type=kept[1])
        _KEPT.put(key, kept)
    else:
        response = draw()
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and len(response.content) <= PAGE_CACHE_MAX_BYTES
        ):
            kept = (response.content, response["Content-Type"])
            cache.set(key, kept, settings.PUBLIC_PAGE_SECONDS)
            _KEPT.put(key, kept)
    response["ETag"] = etag
    _cache_control(response, shared=True)
    return response


class _Kept:
    """The process's own copies of the last shared pages it sent (at most `limit` bytes, the
    least recently sent dropped first), in front of the shared cache: a page asked again is
    sent without a trip to the cache's store. Keyed like the shared cache (a new version is
    a new key), so nothing kept here is ever stale."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: str, value: tuple[bytes, str]) -> None:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return
            self.items[key] = value
            self.size += len(value[0])
            while self.size > self.limit and self.items:
                _old, dropped = self.items.popitem(last=False)
                self.size -= len(dropped[0])

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0


_KEPT = _Kept(32 * 1024 * 1024)


class _Versions:
    """The versions of the busiest public pages, worked out at most once every
    `PUBLIC_VERSION_SECONDS` per process (0: on every request): under load, a page kept in the
    cache is then sent without a query for its version. A change shows within that time."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[float, str]] = {}
        self.lock = threading.Lock()

    def get(self, key: str, work_out: Callable[[], str]) -> str:
        seconds = settings.PUBLIC_VERSION_SECONDS
        if seconds <= 0:
            return work_out()
        now = time.monotonic()
        with self.lock:
            found = self.items.get(key)
        if found is not None and now - found[0] < seconds:
            return found[1]
        version = work_out()
        with self.lock:
            if len(self.items) > 10_000:  # addresses with every query string: start again
                self.items.clear()
            self.items[key] = (now, version)
        return version

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_VERSIONS = _Versions()


def public_caches_clear() -> None:
    """Forget the process's kept pages and versions (tests, whose databases come and go)."""
    _KEPT.clear()
    _VERSIONS.clear()


def _cache_control(response: HttpResponse, *, shared: bool) -> None:
    """A shared page may be kept by any cache (a proxy in front included); any other one by
    the browser alone."""
    if shared:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    else:
        patch_cache_control(response, private=True, max_age=CACHE_SECONDS)


def reports_stamp(reports: Iterable[Report]) -> str:
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

    def version() -> str:
        return f"{round_version(round_)}|page={request.GET.get('page', '')[:12]}"

    def context() -> dict[str, Any]:
        language = active()
        labels = country_labels(language)
        # The figures count the published reports (publication.figures.public_selection);
        # the lists below are the same reports, each with the regions it counts in.
        figures = round_figures(round_, language=language)
        national: list[dict[str, Any]] = []
        stakeholder: list[dict[str, Any]] = []
        stakeholder_page = None
        for item in figures:
            by_id = item.selection.by_id()
            if item.national:
                ids = [row.id for row in item.selection.reports]
                reports = Report.objects.filter(pk__in=ids).select_related("member_state")
                for report in reports.order_by("sequence"):
                    regions = by_id[report.pk].regions
                    national.append(
                        {
                            "report": report,
                            "country": labels.get(str(report.member_state_id), public_name(report)),
                            "region": ", ".join(
                                str(REGION_NAMES.get(code, code)) for code in sorted(regions)
                            ),
                        }
                    )
            else:
                # Stakeholder reports may be tens of thousands: listed a page at a time.
                ordered = sorted(by_id)
                stakeholder_page = Paginator(ordered, STAKEHOLDERS_PER_PAGE).get_page(
                    request.GET.get("page")
                )
                shown = (
                    Report.objects.filter(pk__in=list(stakeholder_page))
                    .select_related("round_instrument__round", "instrument_version__instrument")
                    .defer("instrument_version__source", "instrument_version__schema")
                    .order_by("sequence")
                )
                stakeholder.extend(
                    {"report": report, "name": public_name(report)} for report in shown
                )
        national.sort(key=lambda item: item["country"].casefold())
        return {
            "round": round_,
            "national": national,
            "stakeholder": stakeholder,
            "stakeholder_page": stakeholder_page,
            "figures": figures,
            "pdf_languages": LANGUAGES,
            "current": language,
        }

    return _public(request, "portal/round.html", version, context)


def round_version(round_: Round) -> str:
    """What a round's page and documents show changes with: the round, and each published
    report (which it is, and when it last changed: every answer saved moves it)."""
    uses = list(
        round_.instruments.select_related("instrument_version__instrument").defer(
            "instrument_version__schema", "instrument_version__source"
        )
    )
    # Which reports (their number and the sum of their ids: a report withheld or released
    # changes both) and when the last of them changed: one aggregate per instrument, whatever
    # the number of reports.
    stamps = [
        "{count}:{ids}:{last}".format(
            **public_reports(use).aggregate(
                count=Count("pk"), ids=Sum("pk"), last=Max("updated_at")
            )
        )
        for use in uses
    ]
    return f"{round_.pk}@{round_.publishes_at}:{round_.title}:{round_.report_to}|" + "|".join(
        stamps
    )


@require_safe
def report_page(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        report = public_report(report_id)
    except NotPublic:
        raise Http404 from None
    version = f"{report.round_instrument.round.publishes_at}|{reports_stamp([report])}"

    def context() -> dict[str, Any]:
        pages = public_pages(report, language=active())
        name = public_name(report) or _("An organisation that asked not to be named")
        if report.member_state_id:
            name = country_labels(active()).get(str(report.member_state_id), name)
        return {
            "report": report,
            "name": name,
            "review": pages.review(),
            "pages": pages,
            "pdf_languages": LANGUAGES,
        }

    return _public(request, "portal/report.html", version, context)


@require_safe
def country_page(request: HttpRequest, iso3: str) -> HttpResponse:
    code = iso3.strip().upper()
    if not (code.isascii() and code.isalpha() and len(code) == 3):
        raise Http404
    country = MemberState.objects.filter(pk=code).first()
    if country is None:
        raise Http404

    def version() -> str:
        authority = public_authority(code)
        reports = public_country_reports(code).select_related(None).only("pk", "updated_at")
        return f"{authority}|{reports_stamp(reports)}|{public_country_version(country)}"

    def context() -> dict[str, Any]:
        language = active()
        laws = public_laws(code)
        recruiters = public_recruiters(code)
        return {
            "country": country,
            "name": country_labels(language).get(code, country.name),
            "authority": public_authority(code),
            "reports": list(public_country_reports(code)),
            "answers": public_country_answers(code, language=language),
            "laws": list(laws[:LISTED]),
            "laws_count": laws.count(),
            "recruiters": list(recruiters[:LISTED]),
            "recruiters_count": recruiters.count(),
            "migration": public_migration_section(country),
        }

    return _public(request, "portal/country.html", version, context)
