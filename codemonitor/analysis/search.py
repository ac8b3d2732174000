"""Full-text search across the text answers of a round, or of every round of an instrument.

`text_search(filters, query, …)` searches the text answers of the reports that
`selection_for(filters)` chooses (region, safeguards status, states, language), optionally of
one question, and answers a page of hits, best first, each with its passages highlighted (safe
HTML: everything escaped, then the hits marked with `<mark>`) and its source: the report, and
its country (national) or entity (stakeholder). Personal questions and `PersonalAnswer` rows
are never read (`text_index.searchable_questions`).

The query is what people type into a search box: words (all of them must be found), a
"phrase in quotes" (its words in that order), `-word` (not this word), `or` between
alternatives.

- PostgreSQL: its full-text search on the index's `search` tsvector (GIN index), with the
  text search configuration of each report's language (`text_index.configuration`): the words
  sought are stemmed as the report's language stems them (French "infirmière" finds
  "infirmières"), and, the index holding the folded text too, found with or without their
  accents; ranked by `ts_rank`; the words found marked by `ts_headline`.
- SQLite: each word sought must begin a word of the folded text (lower case, no accents), a
  phrase's words one after the other; a `LIKE` on the folded text narrows the rows first;
  ranked by the number of hits.

Reports whose answers are fixed (submitted, in review, validated) are read from the index
(`text_index`, brought up to date first); drafts and returned reports, only when the state
filter asks for them, from their answer rows as they are now.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from codemonitor.analysis.filters import AnalysisFilters, round_instruments
from codemonitor.analysis.models import AnswerText
from codemonitor.analysis.selection import ReportRow, Selection, selection_for
from codemonitor.analysis.text_index import (
    CONFIGURATIONS,
    INDEXED_STATES,
    MARKER,
    SIMPLE,
    TextAnswer,
    answer_texts,
    fold,
    folded_column,
    search_vector_sql,
    searchable_questions,
    text_index_refresh,
)
from codemonitor.core.text import CONTROL
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import RoundInstrument

PER_PAGE = 20
QUERY_LIMIT = 200  # characters of a query
WORDS_LIMIT = 12  # words sought at most
CONTEXT = 90  # characters shown around a hit
FRAGMENTS = 3  # passages shown per answer at most
# ts_headline marks hits with these; control characters never reach a stored answer
# (`core.text`, `reporting.fields`), so they cannot be confused with the text.
START, STOP = "\x01", "\x02"
HEADLINE_OPTIONS = f"HighlightAll=true, StartSel={START}, StopSel={STOP}"
WORD = re.compile(r"\w+")


# -- the query -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a phrase (folded words in order); `negated`: must not be found."""

    words: tuple[str, ...]
    negated: bool = False


# A query is alternatives (`or`), each a set of terms that must all hold.
Alternative = tuple[Term, ...]
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def query_clean(query: str) -> str:
    return " ".join(CONTROL.sub(" ", query or "").split())[:QUERY_LIMIT]


def parse_query(query: str) -> tuple[Alternative, ...]:
    """The query's alternatives, as PostgreSQL's `websearch_to_tsquery` reads it."""
    alternatives: list[list[Term]] = [[]]
    count = 0
    for match in TOKEN.finditer(query_clean(query)):
        minus, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.lower() == "or":
            if alternatives[-1]:
                alternatives.append([])
            continue
        negated = bool(minus)
        text = phrase if phrase is not None else bare or ""
        if phrase is None and text.startswith("-"):
            negated, text = True, text[1:]
        words = tuple(WORD.findall(fold(text)))
        if not words or count >= WORDS_LIMIT:
            continue
        count += len(words)
        alternatives[-1].append(Term(words, negated))
    return tuple(tuple(terms) for terms in alternatives if terms)


def sought_words(alternatives: Iterable[Alternative]) -> set[str]:
    return {
        word for terms in alternatives for term in terms if not term.negated for word in term.words
    }


# -- folding with positions, and matching ----------------------------------------------------


def fold_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text (as `text_index.fold`) and, for each of its characters, the index of
    the character of `text` it comes from."""
    chars: list[str] = []
    origin: list[int] = []
    space = True  # at the start: leading blanks go
    for index, char in enumerate(text):
        if char.isascii():
            pieces = " " if CONTROL.match(char) else char.lower()
        else:
            decomposed = unicodedata.normalize("NFKD", char.casefold())
            pieces = "".join(c for c in decomposed if not unicodedata.combining(c))
        for piece in pieces:
            if piece.isspace():
                if space:
                    continue
                piece, space = " ", True
            else:
                space = False
            chars.append(piece)
            origin.append(index)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return "".join(chars), origin


@dataclass(frozen=True)
class Token:
    word: str
    start: int  # in the original text
    end: int


def tokens_of(text: str) -> list[Token]:
    folded, origin = fold_with_positions(text)
    return [
        Token(m.group(), origin[m.start()], origin[m.end() - 1] + 1) for m in WORD.finditer(folded)
    ]


def _term_spans(tokens: Sequence[Token], term: Term) -> list[tuple[int, int]]:
    size = len(term.words)
    spans = []
    for at in range(len(tokens) - size + 1):
        if all(tokens[at + k].word.startswith(term.words[k]) for k in range(size)):
            spans.append((tokens[at].start, tokens[at + size - 1].end))
    return spans


def match(text: str, alternatives: Sequence[Alternative]) -> list[tuple[int, int]] | None:
    """Where the query is found in `text` (spans in the original text), or None."""
    tokens = tokens_of(text)
    found: list[tuple[int, int]] | None = None
    for terms in alternatives:
        spans: list[tuple[int, int]] = []
        holds = True
        for term in terms:
            hits = _term_spans(tokens, term)
            if term.negated:
                holds = not hits
            else:
                holds = bool(hits)
                spans.extend(hits)
            if not holds:
                break
        if holds:
            found = (found or []) + spans
    return found


# -- highlighted passages --------------------------------------------------------------------


def _merged(spans: Iterable[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Spans in order, overlapping ones joined, and those only a space or a punctuation mark
    apart (the words of a phrase) marked as one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged:
            last_start, last_end = merged[-1]
            gap = text[last_end:start]
            if start <= last_end or (len(gap) <= 3 and not WORD.search(gap)):
                merged[-1] = (last_start, max(last_end, end))
                continue
        merged.append((start, end))
    return merged


def _window(text: str, start: int, end: int) -> tuple[int, int]:
    low, high = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    if low > 0:  # begin at a word
        space = text.find(" ", low, start)
        low = space + 1 if space != -1 else low
    if high < len(text):
        space = text.rfind(" ", end, high)
        high = space if space != -1 else high
    return low, high


def passage_html(text: str, spans: Iterable[tuple[int, int]]) -> SafeString:
    """The passages of `text` around the hits, escaped, the hits in `<mark>`."""
    marks = _merged(spans, text)
    if not marks:
        short = text[: 2 * CONTEXT]
        return mark_safe(escape(short) + ("…" if len(short) < len(text) else ""))  # noqa: S308
    windows: list[tuple[int, int]] = []
    if len(text) <= 3 * CONTEXT:
        windows = [(0, len(text))]
    else:
        for start, end in marks:
            low, high = _window(text, start, end)
            if windows and low <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(windows[-1][1], high))
            else:
                windows.append((low, high))
    parts = []
    for low, high in windows[:FRAGMENTS]:
        html = ["…" if low > 0 else ""]
        at = low
        for start, end in marks:
            if end <= low or start >= high:
                continue
            start, end = max(start, low), min(end, high)
            html.append(escape(text[at:start]))
            html.append(f"<mark>{escape(text[start:end])}</mark>")
            at = end
        html.append(escape(text[at:high]))
        html.append("…" if high < len(text) else "")
        parts.append("".join(html))
    # Every piece of the text went through `escape`; the only markup is ours.
    return mark_safe(" ".join(parts))  # noqa: S308


def _phrases_only(
    text: str, spans: Sequence[tuple[int, int]], alternatives: Sequence[Alternative]
) -> list[tuple[int, int]]:
    """When only phrases are sought, the marks of their words where they stand together (the
    database marks each word it finds, also alone)."""
    positive = [term for terms in alternatives for term in terms if not term.negated]
    merged = _merged(spans, text)
    if not positive or any(len(term.words) == 1 for term in positive):
        return merged
    shortest = min(len(term.words) for term in positive)
    kept = [(s, e) for s, e in merged if len(WORD.findall(text[s:e])) >= shortest]
    return kept or merged


def _headline_spans(marked: str, plain: str) -> list[tuple[int, int]] | None:
    """The spans ts_headline marked, in `plain` (None if the text came back otherwise)."""
    spans = []
    stripped: list[str] = []
    length = 0
    start: int | None = None
    for char in marked:
        if char == START:
            start = length
        elif char == STOP:
            if start is not None:
                spans.append((start, length))
            start = None
        else:
            stripped.append(char)
            length += 1
    if "".join(stripped) != plain:
        return None
    return spans


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    report_id: int
    reference: str
    round_number: int
    round_title: str
    instrument: str
    state: str
    national: bool
    # A national report's Member State (ISO3) and its name; a stakeholder report's entity.
    member_state: str
    country: str
    entity: str
    publish_name: bool
    question: str
    question_label: str
    row: str
    language: str
    passage: SafeString
    rank: float

    @property
    def source(self) -> str:
        return self.country if self.national else self.entity


@dataclass
class SearchResults:
    query: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0  # answers found
    reports: int = 0  # reports they are in
    page: int = 1
    pages: int = 1
    per_page: int = PER_PAGE
    searched: list[RoundInstrument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Whether drafts or returned reports were read from their answer rows.
    live: bool = False

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True)
class _Doc:
    report_id: int
    round_instrument_id: int
    question: str
    row: str
    language: str
    text: str
    rank: float
    spans: tuple[tuple[int, int], ...] | None = None


@dataclass
class _Scope:
    round_instrument: RoundInstrument
    selection: Selection
    # The text questions searched; () for every searchable one.
    questions: tuple[str, ...]
    # Fixed reports to read from the index; None when they are every report the index holds.
    indexed: set[int] | None
    live: list[TextAnswer]


def text_search(
    filters: AnalysisFilters,
    query: str,
    *,
    question: str = "",
    all_rounds: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchResults:
    """A page of the text answers that `query` finds among the reports the filters choose
    (every round of the instrument with `all_rounds`), best first."""
    typed = " ".join(CONTROL.sub(" ", query or "").split())
    query = query_clean(query)
    results = SearchResults(query=query, per_page=per_page)
    if len(typed) > len(query):
        results.problems.append(
            _("Only the first %(count)s characters of the words typed are looked for.")
            % {"count": QUERY_LIMIT}
        )
    form = filters.round_instrument.instrument_version.form
    if question:
        known = form.questions().get(question)
        if known is None or known.kind != "text":
            results.problems.append(
                _(
                    "'%(question)s' is not a text question of this instrument: every text "
                    "question is searched."
                )
                % {"question": question}
            )
            question = ""
        elif known.personal:
            results.problems.append(
                _("'%(question)s' holds personal data, which is never searched.")
                % {"question": question}
            )
            question = ""
    if not query:
        return results
    if not parse_query(query):
        results.problems.append(_("Type the words to look for."))
        return results
    scopes = [
        _scope(selection_for(item), (question,) if question else ())
        for item in _rounds(filters, all_rounds)
    ]
    return _search(results, scopes, page, per_page)


def text_search_in(
    chosen: Sequence[tuple[Selection, Collection[str]]],
    query: str,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchResults:
    """A page of the text answers that `query` finds in the reports of some selections (of
    any round instruments), each with the text questions searched in it (empty: every
    searchable one; a question that is not searchable is never read), best first. For a
    caller that chose the reports itself (publication: the published reports only)."""
    results = SearchResults(query=query_clean(query), per_page=per_page)
    if not results.query:
        return results
    if not parse_query(results.query):
        results.problems.append(_("Type the words to look for."))
        return results
    scopes = []
    for selection, questions in chosen:
        searchable = searchable_questions(
            selection.filters.round_instrument.instrument_version.form
        )
        wanted = tuple(sorted(set(questions) & set(searchable)))
        if questions and not wanted:
            continue  # none of the questions asked is searched in this instrument
        scopes.append(_scope(selection, wanted))
    return _search(results, scopes, page, per_page)


def _search(
    results: SearchResults, scopes: list[_Scope], page: int, per_page: int
) -> SearchResults:
    query = results.query
    alternatives = parse_query(query)
    results.searched = [scope.round_instrument for scope in scopes]
    results.live = any(scope.live for scope in scopes)
    scopes = [scope for scope in scopes if scope.indexed is None or scope.indexed or scope.live]
    if not scopes:
        return results
    if connection.vendor == "postgresql":
        docs, total, reports = _search_postgresql(scopes, query, page, per_page)
    else:
        docs, total, reports = _search_folded(scopes, alternatives, page, per_page)
    results.total, results.reports = total, reports
    results.pages = max(1, -(-total // per_page))
    results.page = min(max(page, 1), results.pages)
    if docs is None:  # the page asked for was past the last: the last page
        if connection.vendor == "postgresql":
            docs, _t, _r = _search_postgresql(scopes, query, results.page, per_page)
        else:
            docs, _t, _r = _search_folded(scopes, alternatives, results.page, per_page)
    results.hits = _hits(docs or [], scopes, alternatives)
    return results


def _rounds(filters: AnalysisFilters, all_rounds: bool) -> list[AnalysisFilters]:
    if not all_rounds:
        return [filters]
    code = filters.instrument.code
    return [
        filters if item.pk == filters.round_instrument.pk else filters.with_(round_instrument=item)
        for item in round_instruments()
        if item.instrument_version.instrument.code == code
    ]


def _scope(selection: Selection, questions: tuple[str, ...]) -> _Scope:
    round_instrument = selection.filters.round_instrument
    searchable = searchable_questions(round_instrument.instrument_version.form)
    if questions and not set(questions) <= set(searchable):
        # Another round's form has no such question.
        return _Scope(round_instrument, selection, questions, set(), [])
    rows = selection.reports
    held = text_index_refresh(round_instrument)
    fixed = {row.id for row in rows if row.state in INDEXED_STATES}
    editable = [(row.id, row.language) for row in rows if row.state not in INDEXED_STATES]
    live = answer_texts(round_instrument, editable, questions=list(questions) or None)
    # The index holds every fixed report of the round instrument: when the selection has them
    # all, no list of reports needs to go with the query.
    return _Scope(
        round_instrument, selection, questions, None if len(fixed) == held else fixed, live
    )


# -- PostgreSQL ------------------------------------------------------------------------------


def _configurations() -> list[tuple[str | None, str]]:
    """(language code, configuration) of each branch; None: every other language."""
    return [*CONFIGURATIONS.items(), (None, SIMPLE)]


def _tsquery(name: str) -> str:
    return (
        f"(websearch_to_tsquery('{name}'::regconfig, %(q)s)"
        f" || websearch_to_tsquery('{name}'::regconfig, %(qf)s))"
    )


def _language_is(code: str | None) -> str:
    if code is not None:
        return f"language = '{code}'"
    others = ", ".join(f"'{code}'" for code in CONFIGURATIONS)
    return f"language NOT IN ({others})"


def _per_row(make: Any) -> str:
    """A CASE over the row's language choosing `make(configuration)`."""
    branches = " ".join(
        f"WHEN language = '{code}' THEN {make(name)}" for code, name in CONFIGURATIONS.items()
    )
    return f"CASE {branches} ELSE {make(SIMPLE)} END"


@dataclass
class _Live:
    """The answers of drafts and returned reports, sent along with the query."""

    docs: list[tuple[int, TextAnswer]] = field(default_factory=list)  # (round instrument, answer)

    def arrays(self, chosen: Sequence[int] | None = None) -> dict[str, list[Any]]:
        keys = range(len(self.docs)) if chosen is None else chosen
        picked = [(key, *self.docs[key]) for key in keys]
        return {
            "live_key": [-(key + 1) for key, _ri, _item in picked],
            "live_ri": [ri for _key, ri, _item in picked],
            "live_report": [item.report_id for _k, _r, item in picked],
            "live_question": [item.question for _k, _r, item in picked],
            "live_row": [item.row for _k, _r, item in picked],
            "live_language": [item.language for _k, _r, item in picked],
            "live_text": [item.text for _k, _r, item in picked],
            "live_folded": [folded_column(item.text) for _k, _r, item in picked],
        }


LIVE_ROWS = (
    "unnest(%(live_key)s::bigint[], %(live_ri)s::bigint[], %(live_report)s::bigint[], "
    "%(live_question)s::text[], %(live_row)s::text[], %(live_language)s::text[], "
    "%(live_text)s::text[], %(live_folded)s::text[]) AS d(key, round_instrument_id, report_id, "
    "question, row, language, text, folded)"
)


def _documents(scopes: Sequence[_Scope], live: _Live) -> tuple[str, dict[str, Any]]:
    """The documents searched, as a SQL union (`key`: the index row's id, or minus the position
    of a live answer), and its parameters."""
    params: dict[str, Any] = {}
    sources = []
    for number, scope in enumerate(scopes):
        conditions = [f"t.round_instrument_id = %(ri{number})s"]
        params[f"ri{number}"] = scope.round_instrument.pk
        if scope.questions:
            conditions.append(f"t.question = ANY(%(questions{number})s)")
            params[f"questions{number}"] = list(scope.questions)
        else:
            conditions.append("t.question <> ''")
        if scope.indexed is not None:
            conditions.append(f"t.report_id = ANY(%(ids{number})s)")
            params[f"ids{number}"] = sorted(scope.indexed)
        if scope.indexed is None or scope.indexed:
            sources.append(
                "SELECT t.id AS key, t.report_id, t.round_instrument_id, t.question, t.row, "  # noqa: S608 (our SQL; values are parameters)
                "t.language, t.search FROM analysis_answertext t WHERE " + " AND ".join(conditions)
            )
        live.docs.extend((scope.round_instrument.pk, item) for item in scope.live)
    if live.docs:
        params.update(live.arrays())
        sources.append(
            "SELECT d.key, d.report_id, d.round_instrument_id, d.question, d.row, d.language, "  # noqa: S608 (our SQL; values are parameters)
            f"{search_vector_sql('d')} AS search FROM {LIVE_ROWS}"
        )
    return " UNION ALL ".join(sources), params


def _search_postgresql(
    scopes: Sequence[_Scope], query: str, page: int, per_page: int
) -> tuple[list[_Doc] | None, int, int]:
    """One query finds, counts and ranks the answers and answers the page's keys; a second
    draws the page's highlights."""
    live = _Live()
    docs, params = _documents(scopes, live)
    params.update({"q": query, "qf": fold(query)})
    found = " OR ".join(
        f"({_language_is(code)} AND search @@ {_tsquery(name)})" for code, name in _configurations()
    )
    sql = (
        f"WITH docs AS NOT MATERIALIZED ({docs}), "  # noqa: S608 (our SQL; values are parameters)
        "found AS MATERIALIZED (SELECT key, report_id, round_instrument_id, question, row, "
        f"ts_rank(search, {_per_row(_tsquery)}) AS rank FROM docs WHERE {found}) "
        "SELECT counted.total, counted.reports, page.key, page.report_id, "
        "page.round_instrument_id, page.question, page.row, page.rank "
        "FROM (SELECT count(*) AS total, count(DISTINCT report_id) AS reports FROM found) counted "
        "LEFT JOIN LATERAL (SELECT * FROM found ORDER BY rank DESC, report_id, question, row "
        "LIMIT %(limit)s OFFSET %(offset)s) page ON true "
        "ORDER BY page.rank DESC, page.report_id, page.question, page.row"
    )
    params.update({"limit": per_page, "offset": (max(page, 1) - 1) * per_page})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        total, reports = rows[0][0], rows[0][1]
        keys = [row[2] for row in rows if row[2] is not None]
        if not keys:
            return (None if total and page > 1 else []), total, reports
        texts = _headlines(cursor, keys, live, query)
    page_docs = []
    for _total, _reports, key, report_id, ri, question, row, rank in rows:
        language, text, spans = texts[key]
        page_docs.append(_Doc(report_id, ri, question, row, language, text, float(rank), spans))
    return page_docs, total, reports


def _headlines(
    cursor: Any, keys: Sequence[int], live: _Live, query: str
) -> dict[int, tuple[str, str, tuple[tuple[int, int], ...] | None]]:
    """The page's answers: {key: (language, text, spans of the words found)}."""
    configuration = _per_row(lambda name: f"'{name}'::regconfig")
    per_row = _per_row(_tsquery)
    options = HEADLINE_OPTIONS
    headline = (
        f"ts_headline({configuration}, text, {per_row}, %(options)s), "
        f"CASE WHEN folded = '' THEN '' ELSE "
        f"ts_headline({configuration}, folded, {per_row}, %(options)s) END"
    )
    params: dict[str, Any] = {"q": query, "qf": fold(query), "options": options}
    params["keys"] = [key for key in keys if key > 0]
    params.update(live.arrays([-key - 1 for key in keys if key < 0]))
    cursor.execute(
        f"SELECT t.id, t.language, t.text, {headline} FROM analysis_answertext t "  # noqa: S608 (our SQL; values are parameters)
        "WHERE t.id = ANY(%(keys)s) UNION ALL "
        f"SELECT d.key, d.language, d.text, {headline} FROM {LIVE_ROWS}",
        params,
    )
    found = {}
    for key, language, text, marked, marked_folded in cursor.fetchall():
        spans = _headline_spans(marked, text) or []
        if marked_folded:
            folded, origin = fold_with_positions(text)
            for start, end in _headline_spans(marked_folded, folded) or []:
                spans.append((origin[start], origin[end - 1] + 1))
        found[key] = (language, text, tuple(spans) or None)
    return found


# -- SQLite (and any other database): the folded text ----------------------------------------


def _search_folded(
    scopes: Sequence[_Scope], alternatives: Sequence[Alternative], page: int, per_page: int
) -> tuple[list[_Doc] | None, int, int]:
    narrowing = Q()
    for terms in alternatives:
        words = Q()
        for term in terms:
            if not term.negated:
                for word in term.words:
                    # The folded text, or the text itself where it is ASCII (LIKE ignores the
                    # case of ASCII letters).
                    words &= Q(folded__contains=word) | Q(folded="", text__contains=word)
        narrowing |= words
    found: list[_Doc] = []
    order: dict[tuple[int, str], int] = {}
    for scope in scopes:
        ri = scope.round_instrument
        for name, position in searchable_questions(ri.instrument_version.form).items():
            order[ri.pk, name] = position
        candidates: list[tuple[int, str, str, str, str]] = []
        if scope.indexed is None or scope.indexed:
            stored = AnswerText.objects.filter(round_instrument=ri).exclude(question=MARKER)
            if scope.questions:
                stored = stored.filter(question__in=scope.questions)
            for item in stored.filter(narrowing).values_list(
                "report_id", "question", "row", "language", "text"
            ):
                if scope.indexed is None or item[0] in scope.indexed:
                    candidates.append(item)
        candidates.extend(
            (item.report_id, item.question, item.row, item.language, item.text)
            for item in scope.live
        )
        for report_id, question, row, language, text in candidates:
            spans = match(text, alternatives)
            if spans is not None:
                found.append(
                    _Doc(
                        report_id,
                        ri.pk,
                        question,
                        row,
                        language,
                        text,
                        float(len(spans)),
                        tuple(spans),
                    )
                )
    found.sort(
        key=lambda doc: (
            -doc.rank,
            doc.report_id,
            order.get((doc.round_instrument_id, doc.question), 0),
            doc.row,
        )
    )
    total, reports = len(found), len({doc.report_id for doc in found})
    if (page - 1) * per_page >= total and page > 1:
        return None, total, reports
    start = (max(page, 1) - 1) * per_page
    return found[start : start + per_page], total, reports


# -- hits ------------------------------------------------------------------------------------


def _hits(
    docs: Sequence[_Doc], scopes: Sequence[_Scope], alternatives: Sequence[Alternative]
) -> list[SearchHit]:
    language = (get_language() or "en").split("-")[0]
    names = country_labels(language)
    by_ri = {scope.round_instrument.pk: scope for scope in scopes}
    rows: dict[int, ReportRow] = {}
    for scope in scopes:
        rows.update(scope.selection.by_id())
    hits = []
    for doc in docs:
        scope = by_ri[doc.round_instrument_id]
        ri = scope.round_instrument
        report = rows[doc.report_id]
        form = ri.instrument_version.form
        question = form.questions().get(doc.question)
        label = (
            question.text("label", language, form.default_language) if question else doc.question
        )
        # The database's marks (words in other forms too) and the words as typed (a phrase
        # whole, with the little words the database leaves out).
        found = (*(doc.spans or ()), *(match(doc.text, alternatives) or ()))
        spans = _phrases_only(doc.text, found, alternatives)
        hits.append(
            SearchHit(
                report_id=doc.report_id,
                reference=report.reference,
                round_number=ri.round.number,
                round_title=ri.round.title,
                instrument=ri.instrument_version.instrument.code.upper(),
                state=report.state,
                national=bool(report.member_state),
                member_state=report.member_state,
                country=names.get(report.member_state, report.member_state),
                entity=report.entity_name,
                publish_name=report.publish_name,
                question=doc.question,
                question_label=label,
                row=doc.row,
                language=doc.language,
                passage=passage_html(doc.text, spans),
                rank=doc.rank,
            )
        )
    return hits
