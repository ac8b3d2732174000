"""Search across everything published: the text answers of the published reports of every
public round, through the analysis's full-text search (`analysis.search.text_search_in`, on
PostgreSQL's text search or SQLite's folded text), told which reports and questions it may
read.

The reports are those publication shows (`figures.public_selection`: validated national,
submitted stakeholder reports, none withheld, nothing of a round before its moment); the
questions are the searchable text questions less every report field that names or reaches the
respondent (the entity's name is shown beside a hit only where the entity agreed; its answer
is never searched, so that a name withheld is never found). A hit names its report as the
portal does: its country, or the entity that agreed.

The filters (`round`, `region`, `question`, `article`) are read from a query string and
checked against what is published; what does not exist is said in words (`problems`), never
an error page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from codemonitor.analysis.filters import whole_number
from codemonitor.analysis.round_report import article_of, questions_by_article
from codemonitor.analysis.search import QUERY_LIMIT, SearchResults, text_search_in
from codemonitor.analysis.selection import Selection
from codemonitor.analysis.text_index import searchable_questions
from codemonitor.instruments.schema import Form
from codemonitor.publication.figures import public_selection, round_uses
from codemonitor.publication.public import entity_questions, public_rounds
from codemonitor.reference.models import CodeArticle
from codemonitor.reference.names import REGION_NAMES, country_labels
from codemonitor.reporting.models import Round, RoundInstrument
from codemonitor.reporting.selectors import REGIONS

PER_PAGE = 20


def public_text_questions(form: Form) -> dict[str, int | None]:
    """The text questions of a form that the public search reads: {name: its article of the
    Code (None for none)} — never personal data, nor a report field that names or reaches the
    respondent (`round_report.questions_by_article` leaves those out)."""
    searchable = searchable_questions(form)
    # What names or describes an entity is never searched, whether it agreed to be named or
    # not (publication.public.entity_questions).
    describing = entity_questions(form)
    return {
        question.name: number
        for number, questions in questions_by_article(form).items()
        for question in questions
        if question.kind == "text"
        and question.name in searchable
        and question.name not in describing
    }


@dataclass(frozen=True)
class SearchFilters:
    query: str = ""
    round: int | None = None
    region: str = ""
    question: str = ""
    article: int | None = None
    page: int = 1
    problems: tuple[str, ...] = ()

    def params(self, **changes: Any) -> dict[str, str]:
        """The filters as a query string's parameters (empty ones left out)."""
        found = {
            "q": self.query,
            "round": str(self.round or ""),
            "region": self.region,
            "question": self.question,
            "article": str(self.article or ""),
        }
        found.update({key: str(value) for key, value in changes.items()})
        return {key: value for key, value in found.items() if value}


def _first(query: Mapping[str, Any], key: str, limit: int = 100) -> str:
    value = query.get(key, "")
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())[:limit]


def search_filters(
    query: Mapping[str, Any], rounds: list[Round], articles: list[int]
) -> SearchFilters:
    """The filters of a query string, each checked; what is wrong named and dropped."""
    problems: list[str] = []
    text = " ".join(str(query.get("q", "") or "").split())
    if len(text) > QUERY_LIMIT:
        problems.append(
            _("Only the first %(count)s characters of the words typed are looked for.")
            % {"count": QUERY_LIMIT}
        )
    number: int | None = None
    wanted = _first(query, "round")
    if wanted:
        number = whole_number(wanted, most=10**6)
        if number not in {item.number for item in rounds}:
            problems.append(
                _("There is no published round %(round)s: every published round is searched.")
                % {"round": wanted}
            )
            number = None
    region = _first(query, "region").upper()
    if region and region not in REGIONS:
        problems.append(
            _("'%(region)s' is not a WHO region: every region is searched.") % {"region": region}
        )
        region = ""
    article: int | None = None
    wanted = _first(query, "article")
    if wanted:
        article = article_of(wanted)
        if article not in articles:
            problems.append(
                _("There is no article %(article)s of the Code: every article is searched.")
                % {"article": wanted}
            )
            article = None
    question = _first(query, "question")  # checked against the published instruments'
    page = whole_number(_first(query, "page"), most=10**6) or 1
    return SearchFilters(
        query=text[:QUERY_LIMIT],
        round=number,
        region=region,
        question=question,
        article=article,
        page=page,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class PublicHit:
    report_id: int
    reference: str
    round_number: int
    round_title: str
    instrument: str
    # The country of a national report, a stakeholder's entity where it agreed, else "".
    name: str
    national: bool
    question: str
    question_label: str
    passage: SafeString


@dataclass
class PublicResults:
    filters: SearchFilters
    hits: list[PublicHit] = field(default_factory=list)
    total: int = 0
    reports: int = 0
    page: int = 1
    pages: int = 1
    problems: list[str] = field(default_factory=list)
    searched: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True)
class QuestionChoice:
    name: str
    label: str
    instrument: str


@dataclass
class SearchForm:
    """What the search form offers: the published rounds, the regions, the text questions of
    the published instruments, the Code's articles."""

    rounds: list[Round]
    regions: list[tuple[str, str]]
    questions: list[QuestionChoice]
    articles: list[tuple[int, str]]


def search_form(language: str, *, now: dt.datetime | None = None) -> SearchForm:
    rounds = list(public_rounds(now=now))
    seen: dict[str, QuestionChoice] = {}
    for round_ in rounds:
        for use in round_uses(round_):
            form = use.instrument_version.form
            lang = language if language in form.languages else form.default_language
            questions = form.questions()
            for name in public_text_questions(form):
                label = questions[name].text("label", lang, form.default_language) or name
                seen.setdefault(
                    name,
                    QuestionChoice(
                        name, label[:120], use.instrument_version.instrument.code.upper()
                    ),
                )
    articles = [(a.number, a.title(language)) for a in CodeArticle.objects.order_by("number")]
    return SearchForm(
        rounds=rounds,
        regions=[(code, str(REGION_NAMES.get(code, code))) for code in REGIONS],
        questions=list(seen.values()),
        articles=articles,
    )


def _scopes(
    filters: SearchFilters, rounds: list[Round], now: dt.datetime | None
) -> tuple[list[tuple[Selection, list[str]]], bool]:
    """The published reports searched, each selection with its questions; whether the
    question asked for is a text question of any published instrument."""
    chosen: list[tuple[Selection, list[str]]] = []
    question_known = False
    for round_ in rounds:
        if filters.round is not None and round_.number != filters.round:
            continue
        uses: list[RoundInstrument] = round_uses(round_)
        for use in uses:
            questions = public_text_questions(use.instrument_version.form)
            if filters.question:
                if filters.question not in questions:
                    continue
                question_known = True
                questions = {filters.question: questions[filters.question]}
            if filters.article is not None:
                questions = {
                    name: article
                    for name, article in questions.items()
                    if article == filters.article
                }
            if not questions or not filters.query:
                continue  # nothing to search: the reports are not even read
            selection = public_selection(use, region=filters.region, now=now)
            if selection.reports:
                chosen.append((selection, sorted(questions)))
    return chosen, question_known


def public_search(
    query: Mapping[str, Any], *, language: str, now: dt.datetime | None = None
) -> PublicResults:
    """A page of the published text answers the query string's `q` finds, with its filters
    (see the module), best first."""
    rounds = list(public_rounds(now=now))
    articles = list(CodeArticle.objects.values_list("number", flat=True))
    filters = search_filters(query, rounds, articles)
    found = PublicResults(filters=filters, problems=list(filters.problems))
    chosen, question_known = _scopes(filters, rounds, now)
    if filters.question and not question_known:
        found.problems.append(
            _(
                "'%(question)s' is not a text question of a published instrument: every "
                "question is searched."
            )
            % {"question": filters.question}
        )
        filters = SearchFilters(**{**filters.__dict__, "question": ""})
        found.filters = filters
        chosen, _known = _scopes(filters, rounds, now)
    if not filters.query:
        return found
    found.searched = True
    results: SearchResults = text_search_in(
        chosen, filters.query, page=filters.page, per_page=PER_PAGE
    )
    found.problems.extend(results.problems)
    found.total, found.reports = results.total, results.reports
    found.page, found.pages = results.page, results.pages
    names = country_labels(language)
    for hit in results.hits:
        found.hits.append(
            PublicHit(
                report_id=hit.report_id,
                reference=hit.reference,
                round_number=hit.round_number,
                round_title=hit.round_title,
                instrument=hit.instrument,
                name=(
                    names.get(hit.member_state, hit.member_state)
                    if hit.national
                    else (hit.entity if hit.publish_name else "")
                ),
                national=hit.national,
                question=hit.question,
                question_label=hit.question_label,
                passage=hit.passage,
            )
        )
    return found
