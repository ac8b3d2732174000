"""PDF documents of reports: the receipt of a submitted report (WeasyPrint)."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation

from codemonitor.core.languages import BY_CODE
from codemonitor.instruments.models import InstrumentVersion
from codemonitor.instruments.schema import Form, Question
from codemonitor.reporting.models import Report
from codemonitor.reporting.presenter import ReportPages


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
                "fingerprint": report.submitted_digest[:16],
            },
        )
    return bytes(HTML(string=html).write_pdf())


def report_pdf(report: Report) -> bytes:
    """A filled-in report as PDF, in the report's language, with its state."""
    from weasyprint import HTML

    language = BY_CODE.get(report.language)
    with translation.override(language.django_code if language else "en"):
        pages = ReportPages(report)
        html = render_to_string(
            "reporting/printout.html",
            {
                "report": report,
                "instrument": report.instrument_version,
                "round": report.round_instrument.round,
                "review": pages.review(),
                "direction": language.direction if language else "ltr",
                "language": report.language,
                "blank": False,
            },
        )
    return bytes(HTML(string=html).write_pdf())


BLANK_PDF_KEPT = 7 * 24 * 3600  # seconds


def blank_pdf(version: InstrumentVersion, language: str = "en") -> bytes:
    """An instrument with every question, hint and choice, to read or fill in on paper."""
    from weasyprint import HTML

    info = BY_CODE.get(language) or BY_CODE["en"]
    form = version.form
    lines: list[tuple[int, str, list[tuple[str, str, int]]]] = []
    for number, page in enumerate(form.pages(), start=1):
        items: list[tuple[str, str, int]] = []
        _blank_nodes(form, page.children, info.code, items, 0)
        lines.append(
            (number, page.text("label", info.code, form.default_language) or page.name, items)
        )
    with translation.override(info.django_code):
        html = render_to_string(
            "reporting/printout.html",
            {
                "instrument": version,
                "review": lines,
                "direction": info.direction,
                "language": info.code,
                "blank": True,
            },
        )
    # The blank instrument holds no answer and is the same for everyone: its PDF is kept in the
    # shared cache, keyed by the page it is made from (a new version, translation or template
    # makes another page, so another key).
    key = "blank-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    pdf = bytes(HTML(string=html).write_pdf())
    cache.set(key, pdf, timeout=BLANK_PDF_KEPT)
    return pdf


def _blank_nodes(
    form: Form, nodes: list[Question], language: str, items: list[tuple[str, str, int]], depth: int
) -> None:
    from codemonitor.reference.names import country_labels

    for node in nodes:
        label = node.text("label", language, form.default_language)
        hint = node.text("hint", language, form.default_language)
        if node.kind in {"group", "repeat"}:
            if label:
                items.append((label, hint, depth))
            _blank_nodes(form, node.children, language, items, depth + 1)
        elif node.kind == "note":
            items.append((label, "", depth))
        elif node.is_input:
            detail = hint
            if node.list_name == "countries":
                detail = (hint + "\n" if hint else "") + str(
                    translation.gettext("Member States and WHO regions (%(count)s)")
                    % {"count": len(country_labels(language))}
                )
            elif node.list_name:
                options = [
                    c.label.get(language) or c.label.get(form.default_language) or c.name
                    for c in form.choices.get(node.list_name, [])
                ]
                detail = (hint + "\n" if hint else "") + "\n".join(f"☐ {o}" for o in options)
            items.append((label + (" *" if node.required == "true()" else ""), detail, depth))
