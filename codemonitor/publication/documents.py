"""The documents of what is published, as files: a published report as PDF in one of the six
languages, and a round's public report (`figures.public_round_document`) as HTML or PDF.

A report's PDF is drawn from `public.public_pages` only — the answers publication shows, the
form's rules applied, the questions it leaves out not drawn — never from the report's stored
answers as a whole, and names the report as the portal does (its country, or its entity only
where the entity agreed). The caller checks that the report is public (`public_report`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from codemonitor.analysis.document import html_text, pdf_bytes
from codemonitor.core.languages import BY_CODE
from codemonitor.publication.figures import public_round_document
from codemonitor.publication.public import public_name, public_pages
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Report, Round
from codemonitor.reporting.selectors import GENEVA


def report_language(report: Report, wanted: str = "") -> str:
    """The language a published report is drawn in: `wanted` when it is one of the six, else
    the report's own (else English)."""
    if wanted in BY_CODE:
        return wanted
    return report.language if report.language in BY_CODE else "en"


def public_report_html(report: Report, *, language: str) -> str:
    """The page a published report's PDF is made from, in `language`."""
    info = BY_CODE.get(language) or BY_CODE["en"]
    with translation.override(info.django_code):
        pages = public_pages(report, language=info.code)
        name = public_name(report) or _("An organisation that asked not to be named")
        if report.member_state_id:
            name = country_labels(info.code).get(str(report.member_state_id), name)
        round_ = report.round_instrument.round
        return render_to_string(
            "publication/report_pdf.html",
            {
                "report": report,
                "name": name,
                "round": round_,
                "instrument": report.instrument_version,
                "review": pages.review(),
                "translated": pages.instrument_translated,
                "submitted": _day(report.submitted_at),
                "published": _day(round_.publishes_at),
                "direction": info.direction,
                "language": info.code,
            },
        )


def _day(when: dt.datetime | None) -> str:
    return timezone.localtime(when, GENEVA).strftime("%Y-%m-%d") if when else ""


# How long a drawn PDF is kept: it is keyed by the page it is drawn from, so a change of what
# it shows (an answer, a translation, a template) draws another.
PDF_KEPT = 7 * 24 * 3600  # seconds


def _kept_pdf(html: str, draw: Callable[[], bytes]) -> bytes:
    """The PDF of a page, drawn once per page (WeasyPrint takes seconds) and kept in the
    shared cache."""
    key = "publication-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    pdf = draw()
    cache.set(key, pdf, timeout=PDF_KEPT)
    return pdf


def public_report_pdf(report: Report, *, language: str) -> bytes:
    """A published report as PDF (WeasyPrint), in `language`."""
    html = public_report_html(report, language=language)

    def draw() -> bytes:
        from weasyprint import HTML  # imported here: loading it takes a moment

        return bytes(HTML(string=html).write_pdf())

    return _kept_pdf(html, draw)


def public_round_report(round_: Round, *, language: str, fmt: str) -> bytes:
    """The round's public report as "html" or "pdf", in `language`."""
    info = BY_CODE.get(language) or BY_CODE["en"]
    with translation.override(info.django_code):
        document = public_round_document(round_, language=info.code)
    html = html_text(document)
    if fmt == "pdf":
        return _kept_pdf(html, lambda: pdf_bytes(document))
    return html.encode()
