"""PDF documents of reports: the receipt of a submitted report (WeasyPrint)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from codemonitor.reference.languages import BY_CODE
from codemonitor.reporting.models import Report
from codemonitor.reporting.pages import ReportPages


def receipt_pdf(report: Report) -> bytes:
    """Every answer, the round and the time of submission, in the report's language."""
    from weasyprint import HTML  # imported here: loading it takes a moment

    language = BY_CODE.get(report.language)
    with translation.override(language.django_code if language else "en"):
        pages = ReportPages(report)
        html = render_to_string(
            "reporting/receipt.html",
            {
                "report": report,
                "round": report.round_instrument.round,
                "instrument": report.instrument_version,
                "review": pages.review(),
                "submitted_at": timezone.localtime(report.submitted_at)
                if report.submitted_at
                else None,
                "direction": language.direction if language else "ltr",
                "language": report.language,
            },
        )
    return bytes(HTML(string=html).write_pdf())
