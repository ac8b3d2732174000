"""The read side of the registers, shared by every audience (the country's pages, the back
office, the public portal): views never rebuild these queries.

What the public may see of a register is decided here (validated entries only), not in the
views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from codemonitor.core.text import text_folded
from codemonitor.instruments.schema import Form
from codemonitor.reference.models import CodeArticle, MemberState, Region
from codemonitor.registers.laws import law_inverse_relations
from codemonitor.registers.models import Law, LawChange, LawEvent, Recruiter, Validation
from codemonitor.registers.recruiters import licence_key
from codemonitor.reporting.models import Answer, Report
from codemonitor.reporting.selectors import country_reports

MAX_WORDS = 10


@dataclass(frozen=True)
class LawFilters:
    """What a search asks for; every filter is optional (empty: any)."""

    text: str = ""
    country: str = ""
    region: str = ""
    kind: str = ""
    article: int | None = None
    year: int | None = None
    status: str = ""
    validation: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as a GET query (for the pages' links and the export)."""
        values = {
            "q": self.text,
            "country": self.country,
            "region": self.region,
            "type": self.kind,
            "article": str(self.article or ""),
            "year": str(self.year or ""),
            "status": self.status,
            "validation": self.validation,
        }
        return {name: value for name, value in values.items() if value}


def _whole(value: str, low: int, high: int) -> int | None:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        return None
    number = int(value)
    return number if low <= number <= high else None


def _code(value: object, length: int) -> str:
    """A country's or region's code from a query: letters and digits only (a NUL byte never
    reaches the database), else nothing."""
    code = str(value).strip().upper()
    return code if code.isascii() and code.isalnum() and len(code) <= length else ""


def law_filters(params: Mapping[str, str]) -> LawFilters:
    """Filters from a GET query; what is not understood is left out, never an error."""
    kind = params.get("type", "")
    status = params.get("status", "")
    validation = params.get("validation", "")
    return LawFilters(
        text=" ".join(str(params.get("q", "")).split())[:200],
        country=_code(params.get("country", ""), 3),
        region=_code(params.get("region", ""), 4),
        kind=kind if kind in Law.Kind.values else "",
        article=_whole(str(params.get("article", "")), 1, 32767),
        year=_whole(str(params.get("year", "")), 1800, 2200),
        status=status if status in Law.Status.values else "",
        validation=validation if validation in Validation.values else "",
    )


def law_search(filters: LawFilters) -> QuerySet[Law]:
    """Entries matching every filter, with their country, events and articles (no N+1).

    Text: every folded word must be in the entry's search text. Region: the countries in it
    today. Year: an event (adopted, in force…) in that year.
    """
    laws = Law.objects.select_related("member_state").prefetch_related(
        Prefetch("events", queryset=LawEvent.objects.order_by("date", "pk")),
        Prefetch("articles", queryset=CodeArticle.objects.order_by("number")),
    )
    for word in text_folded(filters.text).split()[:MAX_WORDS]:
        laws = laws.filter(search_text__contains=word)
    if filters.country:
        laws = laws.filter(member_state_id=filters.country)
    if filters.region:
        laws = laws.filter(member_state__in=MemberState.objects.in_region(filters.region))
    if filters.kind:
        laws = laws.filter(kind=filters.kind)
    if filters.status:
        laws = laws.filter(status=filters.status)
    if filters.validation:
        laws = laws.filter(validation=filters.validation)
    if filters.article:
        through = Law.articles.through
        laws = laws.filter(
            Exists(through.objects.filter(law_id=OuterRef("pk"), codearticle_id=filters.article))
        )
    if filters.year:
        laws = laws.filter(
            Exists(
                LawEvent.objects.filter(
                    law_id=OuterRef("pk"),
                    date__gte=dt.date(filters.year, 1, 1),
                    date__lt=dt.date(filters.year + 1, 1, 1),
                )
            )
        )
    return laws.order_by("member_state_id", "title", "pk")


def country_laws(member_state_id: str) -> QuerySet[Law]:
    return law_search(LawFilters(country=member_state_id))


def law_pending() -> QuerySet[Law]:
    """Entries awaiting the Secretariat's validation, the oldest change first."""
    return law_search(LawFilters(validation=Validation.PENDING)).order_by("updated_at", "pk")


def law_filter_choices() -> dict[str, object]:
    """What the search form offers."""
    return {
        "countries": MemberState.objects.order_by("iso3"),
        "regions": Region.objects.order_by("code"),
        "kinds": Law.Kind.choices,
        "statuses": Law.Status.choices,
        "validations": Validation.choices,
        "articles": CodeArticle.objects.order_by("number"),
    }


# -- NRI answers that belong in the laws database ---------------------------------------------

REGISTER_LAWS = "laws"


def register_questions(form: Form, register: str) -> list[str]:
    """The text questions an instrument marks for a register (its `register` column)."""
    return [
        question.name
        for question in form.walk()
        if question.kind == "text" and getattr(question, "register", "") == register
    ]


@dataclass(frozen=True)
class ReportAnswer:
    """An answer of the country's national report that can become an entry."""

    answer_id: int
    report: Report
    question: str
    label: str
    text: str
    used: bool  # an entry already names this report and question


def law_report_answers(member_state_id: str, language: str = "en") -> list[ReportAnswer]:
    """The country's NRI answers to the questions marked `register` = `laws`, newest round
    first (only answers with text)."""
    found: list[ReportAnswer] = []
    used = set(
        Law.objects.filter(
            member_state_id=member_state_id, source_report__isnull=False
        ).values_list("source_report_id", "source_question")
    )
    for report in country_reports(member_state_id).select_related("instrument_version"):
        form = report.instrument_version.form
        names = register_questions(form, REGISTER_LAWS)
        if not names:
            continue
        questions = form.questions()
        for answer in Answer.objects.filter(report=report, question__in=names).order_by(
            "question", "row"
        ):
            if not isinstance(answer.value, str) or not answer.value.strip():
                continue
            question = questions[answer.question]
            found.append(
                ReportAnswer(
                    answer_id=answer.pk,
                    report=report,
                    question=answer.question,
                    label=question.text("label", language, form.default_language),
                    text=answer.value,
                    used=(report.pk, answer.question) in used,
                )
            )
    return found


def law_report_answer(member_state_id: str, answer_id: int) -> ReportAnswer | None:
    """One of `law_report_answers`, by the answer's id (None if it is not one of them)."""
    for found in law_report_answers(member_state_id):
        if found.answer_id == answer_id:
            return found
    return None


# -- one entry's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LawHistoryRow:
    change: LawChange
    changed: list[str]  # labels of what differs from the version before


HISTORY_LABELS = {
    "events": _("events"),
    "relations": _("relations"),
    "articles": _("articles of the Code"),
    "keywords": _("keywords"),
    "document": _("full text"),
    "document_sha256": "",
    "source": _("source of the entry"),
    "validation": _("validation"),
    "validation_note": _("note of the Secretariat"),
}


def _label(name: str) -> str:
    if name in HISTORY_LABELS:
        return str(HISTORY_LABELS[name])
    try:
        return str(getattr(Law._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


def law_history(law: Law) -> list[LawHistoryRow]:
    """The entry's versions, newest first, each with what it changed."""
    changes = list(law.changes.select_related("changed_by").order_by("changed_at", "pk"))
    rows: list[LawHistoryRow] = []
    before: dict[str, object] = {}
    for change in changes:
        data = change.data if isinstance(change.data, dict) else {}
        changed = [
            label
            for name, value in data.items()
            if before and before.get(name) != value and (label := _label(name))
        ]
        rows.append(LawHistoryRow(change, changed))
        before = data
    return rows[::-1]


def law_page(law: Law) -> dict[str, object]:
    """What an entry's page shows besides the entry: its history, what it amends or repeals and
    what amends or repeals it, its articles."""
    return {
        "law": law,
        "events": law.events.order_by("date", "pk"),
        "relations": law.relations.select_related("other").order_by("kind", "other__title"),
        "inverse": law_inverse_relations(law),
        "articles": law.articles.order_by("number"),
        "history": law_history(law),
    }


# -- Authorised recruiters -------------------------------------------------------------------

# Words sought at most (a longer query is cut): each is one more condition on the search text.
RECRUITER_QUERY_WORDS = 8


@dataclass(frozen=True)
class RecruiterFilters:
    """What a list of recruiters is narrowed to; every part optional."""

    text: str = ""  # words of a name, or a licence number
    country: str = ""  # ISO3
    region: str = ""  # WHO region code (membership in force today)
    status: str = ""
    validation: str = ""


def _text_condition(text: str) -> Q | None:
    """A name's words (each found in the folded search text) or a licence number (its key)."""
    words = text_folded(text).split()[:RECRUITER_QUERY_WORDS]
    if not words:
        return None
    by_words = Q()
    for word in words:
        by_words &= Q(search_text__contains=word)
    key = licence_key(text)
    return by_words | Q(licence_key=key) if key else by_words


def recruiter_search(filters: RecruiterFilters) -> QuerySet[Recruiter]:
    """Entries of every country (any validation), for the Secretariat and a country's users
    (who pass their own country)."""
    found = Recruiter.objects.select_related("member_state")
    if condition := _text_condition(filters.text):
        found = found.filter(condition)
    if filters.country:
        found = found.filter(member_state_id=filters.country.upper()[:3])
    if filters.region:
        found = found.filter(
            member_state__in=MemberState.objects.in_region(filters.region[:4].upper())
        )
    if filters.status in Recruiter.Status.values:
        found = found.filter(status=filters.status)
    if filters.validation in Validation.values:
        found = found.filter(validation=filters.validation)
    return found.order_by("member_state__iso3", "legal_name", "pk")


def recruiter_lookup(text: str, *, country: str = "") -> QuerySet[Recruiter]:
    """The public lookup: validated entries only, by name or licence number, in one country or
    all."""
    condition = _text_condition(text)
    if condition is None:
        return Recruiter.objects.none()
    found = Recruiter.objects.filter(condition, validation=Validation.VALIDATED)
    if country:
        found = found.filter(member_state_id=country.upper()[:3])
    return found.select_related("member_state").order_by("legal_name", "member_state__iso3", "pk")


def recruiter_valid_on(recruiter: Recruiter, on: dt.date) -> bool:
    """Whether `on` is within the entry's validity (open ends count as valid)."""
    if recruiter.valid_from and on < recruiter.valid_from:
        return False
    return not (recruiter.valid_to and on > recruiter.valid_to)


def recruiter_counts(member_state_id: str) -> dict[str, int]:
    """A country's entries by validation state."""
    counts = dict.fromkeys(Validation.values, 0)
    for value in Recruiter.objects.filter(member_state_id=member_state_id).values_list(
        "validation", flat=True
    ):
        counts[value] += 1
    return counts
