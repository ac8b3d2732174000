"""The files of what is published: a published report as PDF in one of the six languages
(`/reports/<id>.pdf?language=…`, the report's own by default), and a round's public report
(`/rounds/<n>/report/` as a standalone HTML page, `/rounds/<n>/report.pdf`), counted from its
published reports only (`publication.figures`).

Read through `publication.public` like the pages: 404 for anything under embargo, withheld or
unknown alike; kept by the browser with an ETag of the data, so that a PDF is drawn again only
when what it shows changed.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from codemonitor.core.languages import BY_CODE, active
from codemonitor.portal.published import public_response, reports_stamp, round_version
from codemonitor.publication.documents import (
    public_report_pdf,
    public_round_report,
    report_language,
)
from codemonitor.publication.public import NotPublic, public_report, public_round


def _language(request: HttpRequest, default: str) -> str:
    """`?language=` when it is one of the six languages (else `default`)."""
    wanted = str(request.GET.get("language", "")).strip()[:10]
    return wanted if wanted in BY_CODE else default


@require_safe
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        report = public_report(report_id)
    except NotPublic:
        raise Http404 from None
    language = report_language(report, _language(request, ""))
    version = f"{report.round_instrument.round.publishes_at}|{reports_stamp([report])}|{language}"

    def draw() -> HttpResponse:
        response = HttpResponse(
            public_report_pdf(report, language=language), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{report.reference}-{language}.pdf"'
        return response

    return public_response(request, "portal:report_pdf", version, draw)


def _round_report(request: HttpRequest, number: int, fmt: str) -> HttpResponse:
    try:
        round_ = public_round(number)
    except NotPublic:
        raise Http404 from None
    language = _language(request, active())
    version = f"{round_version(round_)}|{language}"

    def draw() -> HttpResponse:
        content = public_round_report(round_, language=language, fmt=fmt)
        if fmt == "pdf":
            response = HttpResponse(content, content_type="application/pdf")
            name = f"round-{round_.number}-report-{language}.pdf"
            response["Content-Disposition"] = f'inline; filename="{name}"'
            return response
        return HttpResponse(content, content_type="text/html; charset=utf-8")

    return public_response(request, f"portal:round_report_{fmt}", version, draw)


@require_safe
def round_report_html(request: HttpRequest, number: int) -> HttpResponse:
    return _round_report(request, number, "html")


@require_safe
def round_report_pdf(request: HttpRequest, number: int) -> HttpResponse:
    return _round_report(request, number, "pdf")
