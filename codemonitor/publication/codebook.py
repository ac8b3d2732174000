"""The codebook of a round's open data: every question of its instruments, what it asks in the
six languages, its type, its choices, its rules and the article of the Code it concerns, and
where its answers are in the data package (or why they are not: personal data, documents).

Drawn as CSV (one row per question), as an HTML page and as PDF, from the same rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from codemonitor.core.languages import BY_CODE, LANGUAGES
from codemonitor.instruments.schema import COUNTRIES_LIST, Form, Question
from codemonitor.publication.opendata import EXPORTED_KINDS, instrument_prefixes, resource_name
from codemonitor.publication.public import form_left_out
from codemonitor.reporting.models import Round, RoundInstrument

CODES = tuple(language.code for language in LANGUAGES)
PDF_KEPT = 7 * 24 * 3600  # seconds


@dataclass
class Entry:
    """One question of the codebook."""

    instrument: str
    name: str
    kind: str
    table: str  # where its answers are; empty when they are never published
    published: str  # "yes", or why not: "personal", "document", "contact", "none" (no answer)
    article: str
    required: str
    relevant: str
    constraint: str
    calculation: str
    choice_list: str
    labels: dict[str, str] = field(default_factory=dict)  # language -> label
    hints: dict[str, str] = field(default_factory=dict)
    # language -> [(code, label)]
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def codebook_entries(round_: Round) -> list[tuple[RoundInstrument, list[Entry]]]:
    """Each instrument of a round with the codebook of its questions, in the form's order."""
    found = []
    for use, prefix in instrument_prefixes(round_):
        version = use.instrument_version
        found.append((use, list(_entries(version.form, prefix, version.instrument.code))))
    return found


def _entries(form: Form, prefix: str, code: str) -> Iterator[Entry]:
    left_out = form_left_out(form)
    paths = form.repeat_path()
    for question in form.walk():
        if question.kind in {"group", "note", "start", "end", "today"}:
            continue
        exported = question.kind in EXPORTED_KINDS or question.kind == "calculate"
        path = paths.get(question.name, ())
        if question.kind == "repeat":
            table, published = resource_name(f"{prefix}_{question.name}"), "yes"
        elif question.personal:
            table, published = "", "personal"
        elif question.kind == "file":
            table, published = "", "document"
        elif question.name in left_out:
            table, published = "", "contact"
        elif not exported:
            table, published = "", "none"
        else:
            table = resource_name(f"{prefix}_{path[-1]}") if path else f"{prefix}_reports"
            published = "yes"
        yield Entry(
            instrument=code,
            name=question.name,
            kind=question.kind,
            table=table,
            published=published,
            article=question.article,
            required=question.required,
            relevant=question.relevant,
            constraint=question.constraint,
            calculation=question.calculation,
            choice_list=question.list_name,
            labels={lang: question.text("label", lang, form.default_language) for lang in CODES},
            hints={lang: question.hint.get(lang, "") for lang in CODES},
            choices=_choices(form, question),
        )


def _choices(form: Form, question: Question) -> dict[str, list[tuple[str, str]]]:
    if not question.kind.startswith("select_") or question.list_name == COUNTRIES_LIST:
        return {}
    listed = form.choices.get(question.list_name, [])
    return {
        lang: [
            (
                choice.name,
                choice.label.get(lang)
                or choice.label.get(form.default_language)
                or next(iter(choice.label.values()), choice.name),
            )
            for choice in listed
        ]
        for lang in CODES
    }


CSV_HEADER = [
    "instrument",
    "question",
    "type",
    "table",
    "published",
    "code_article",
    "required",
    "relevant",
    "constraint",
    "calculation",
    "choice_list",
    *(f"label_{code}" for code in CODES),
    *(f"choices_{code}" for code in CODES),
]


def codebook_rows(round_: Round) -> Iterator[list[object]]:
    """The codebook as CSV rows, the header first; a choice list as `code=label` pairs
    separated by ` | `; the built-in list of countries is named, not listed."""
    yield list(CSV_HEADER)
    for _use, entries in codebook_entries(round_):
        for entry in entries:
            yield [
                entry.instrument,
                entry.name,
                entry.kind,
                entry.table,
                entry.published,
                entry.article,
                entry.required,
                entry.relevant,
                entry.constraint,
                entry.calculation,
                entry.choice_list,
                *(entry.labels.get(code, "") for code in CODES),
                *(
                    " | ".join(f"{name}={label}" for name, label in entry.choices.get(code, []))
                    for code in CODES
                ),
            ]


def codebook_context(round_: Round, language: str) -> dict[str, Any]:
    """What the codebook's page and PDF show, in `language` (with every language's label)."""
    info = BY_CODE.get(language) or BY_CODE["en"]
    return {
        "round": round_,
        "instruments": codebook_entries(round_),
        "language": info.code,
        "languages": LANGUAGES,
        "direction": info.direction,
    }


def codebook_html(round_: Round, language: str = "en") -> str:
    """The codebook as a document of its own (for the PDF and the archive's folder)."""
    info = BY_CODE.get(language) or BY_CODE["en"]
    with translation.override(info.django_code):
        return render_to_string(
            "publication/codebook_document.html",
            {**codebook_context(round_, info.code), "title": _("Codebook")},
        )


def codebook_pdf(round_: Round, language: str = "en") -> bytes:
    """The codebook as PDF, kept in the shared cache by the page it is drawn from (the same
    for everyone; a new instrument version, translation or template draws another)."""
    from weasyprint import HTML  # imported here: loading it takes a moment

    html = codebook_html(round_, language)
    key = "codebook-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    cached = cache.get(key)
    if isinstance(cached, bytes):
        return cached
    pdf = bytes(HTML(string=html).write_pdf())
    cache.set(key, pdf, timeout=PDF_KEPT)
    return pdf
