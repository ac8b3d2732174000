"""Reading the free text: the full-text search, an answer with its coded passages, the
codebook and the coded passages of a round (the Secretariat's pages).

Both Secretariat roles search, code and keep the codebook (coding changes nothing of a
report); everyone else gets 404 (`analysis.access.analyst`). The searching, counting and
coding are the analysis app's (`search.py`, `coding.py`): these views read the request,
call them and draw the result. Bad input is a message on the page, never an error page.
"""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from codemonitor.accounts.access import secretariat_required
from codemonitor.accounts.models import User
from codemonitor.analysis.access import analyst
from codemonitor.analysis.coding import (
    CodedAnswer,
    CodingRefused,
    code_create,
    code_remove,
    code_update,
    codebook,
    codebook_ensure,
    coded_answer,
    coded_passages,
    coding_add,
    coding_counts,
    coding_remove,
    coding_update,
)
from codemonitor.analysis.filters import AnalysisFilters, whole_number
from codemonitor.analysis.models import Code, Coding
from codemonitor.analysis.pages import table_csv
from codemonitor.analysis.search import text_search
from codemonitor.analysis.selection import selection_for
from codemonitor.analysis.text_index import searchable_questions
from codemonitor.backoffice.analysis import (
    NoRounds,
    analysis_filters,
    filters_context,
    no_rounds,
)
from codemonitor.core.text import CONTROL
from codemonitor.reference.models import CodeArticle
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Report

TRUE = {"1", "on", "true", "yes"}


def _page_number(request: HttpRequest) -> int:
    return whole_number(request.GET.get("page", "1"), most=99_999) or 1


def _hidden(filters: AnalysisFilters, **extra: str) -> list[tuple[str, str]]:
    """The filters (and `extra`) as hidden fields of a form."""
    pairs: list[tuple[str, str]] = []
    for key, value in filters.query(**extra).items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, str(item)))
    return pairs


def _text_questions(filters: AnalysisFilters) -> list[tuple[str, str]]:
    form = filters.round_instrument.instrument_version.form
    language = (get_language() or "en").split("-")[0]
    questions = form.questions()
    return [
        (name, questions[name].text("label", language, form.default_language) or name)
        for name in searchable_questions(form)
    ]


def answer_url(report_id: int, question: str, row: str = "", **query: str) -> str:
    url = reverse("backoffice:analysis_answer", args=[report_id, question])
    params = {"row": row, **query} if row else dict(query)
    params = {key: value for key, value in params.items() if value}
    return f"{url}?{urlencode(params)}" if params else url


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on (`next`, a path of the analysis), else `default`."""
    wanted = request.POST.get("next", "")
    if wanted.startswith("/backoffice/analysis/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(wanted)
    return HttpResponseRedirect(default)


# -- search ----------------------------------------------------------------------------------


@require_safe
@secretariat_required
def analysis_search(request: HttpRequest) -> HttpResponse:
    """Full-text search across the text answers of a round (or of every round)."""
    analyst(request)
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    query = request.GET.get("q", "")
    question = request.GET.get("question", "").strip()[:100]
    all_rounds = request.GET.get("all_rounds", "") in TRUE
    results = text_search(
        filters, query, question=question, all_rounds=all_rounds, page=_page_number(request)
    )
    extra = {"q": results.query, "question": question, "all_rounds": "1" if all_rounds else ""}
    here = reverse("backoffice:analysis_search")
    pages = {}
    if results.has_previous:
        pages["previous"] = f"{here}?{filters.querystring(**extra, page=str(results.page - 1))}"
    if results.has_next:
        pages["next"] = f"{here}?{filters.querystring(**extra, page=str(results.page + 1))}"
    hits = [
        (
            hit,
            answer_url(
                hit.report_id,
                hit.question,
                hit.row,
                round=str(hit.round_number),
                instrument=hit.instrument.lower(),
            ),
        )
        for hit in results.hits
    ]
    return render(
        request,
        "backoffice/analysis/search.html",
        {
            **filters_context(filters),
            "title": _("Search the text answers"),
            "results": results,
            "hits": hits,
            "question": question,
            "all_rounds": all_rounds,
            "questions": _text_questions(filters),
            "hidden": _hidden(filters),
            "search_hidden": [(k, v) for k, v in extra.items() if v],
            "pages": pages,
            "state_labels": dict(Report.State.choices),
        },
    )


# -- an answer and its coded passages --------------------------------------------------------


def _segments(text: str, codings: list[Coding]) -> list[tuple[str, list[Coding]]]:
    """The answer cut where coded passages begin and end: (text, the codings over it)."""
    spans = [(c.start, c.end, c) for c in codings if c.start is not None and c.end is not None]
    cuts = sorted(
        {0, len(text), *[start for start, _e, _c in spans], *[end for _s, end, _c in spans]}
    )
    pieces = []
    for low, high in itertools.pairwise(cuts):
        if low >= high or high > len(text):
            continue
        over = [c for start, end, c in spans if start <= low and high <= end]
        pieces.append((text[low:high], over))
    return pieces


def _locate(text: str, passage: str) -> tuple[int, int] | None:
    """The first place `passage` stands in `text` (then the same words, whatever the blank
    space and case between them)."""
    found = text.find(passage)
    if found != -1:
        return found, found + len(passage)
    words = passage.split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)
    matched = pattern.search(text)
    return (matched.start(), matched.end()) if matched else None


def _int(value: str) -> int | None:
    return whole_number(value, most=99_999_999)


def _code_of(request: HttpRequest, report: Report) -> Code:
    code_id = _int(request.POST.get("code", ""))
    code = (
        Code.objects.filter(pk=code_id, round_id=report.round_instrument.round_id).first()
        if code_id is not None
        else None
    )
    if code is None:
        raise CodingRefused(_("Choose a code of this round's codebook."))
    return code


def _add_coding(request: HttpRequest, user: User, answer: CodedAnswer) -> None:
    code = _code_of(request, answer.report)
    passage = request.POST.get("passage", "")
    start, end = _int(request.POST.get("start", "")), _int(request.POST.get("end", ""))
    whole = request.POST.get("whole", "") in TRUE
    if whole:
        start = end = None
    elif start is not None and end is not None and answer.text[start:end] == passage:
        pass  # the selection made in the page, as the script sent it
    elif passage.strip():
        located = _locate(answer.text, passage.strip())
        if located is None:
            raise CodingRefused(
                _(
                    "This passage is not in the answer: copy it from the answer as it is "
                    "written, or code the whole answer."
                )
            )
        start, end = located
    else:
        raise CodingRefused(_("Select or paste the passage to code, or code the whole answer."))
    coding_add(
        code=code,
        report=answer.report,
        question=answer.question,
        row=answer.row,
        start=start,
        end=end,
        user=user,
        quote=request.POST.get("quote", "") in TRUE,
        note=request.POST.get("note", ""),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@secretariat_required
def analysis_answer(request: HttpRequest, report_id: int, question: str) -> HttpResponse:
    """One text answer in full with its coded passages, and the form to code a passage."""
    user = analyst(request)
    row = (request.GET.get("row") or "").strip()[:200]
    if CONTROL.search(question) or CONTROL.search(row):
        raise Http404  # no question or row is named so (and PostgreSQL cannot store NUL)
    report = get_object_or_404(
        Report.objects.select_related(
            "round_instrument__round", "instrument_version__instrument", "member_state"
        ),
        pk=report_id,
    )
    here = answer_url(report.pk, question, row)
    problem = ""
    answer: CodedAnswer | None = None
    try:
        answer = coded_answer(report, question, row)
    except CodingRefused as refused:
        problem = refused.message
    if request.method == "POST":
        if answer is None:
            messages.error(request, problem)
            return redirect(here)
        try:
            _add_coding(request, user, answer)
        except CodingRefused as refused:
            messages.error(request, refused.message)
            # What the analyst typed stays in the form.
            request.session["analysis_coding_form"] = {
                key: request.POST.get(key, "")[:5000] for key in ("passage", "note", "code")
            }
        else:
            messages.success(request, _("The passage is coded."))
        return redirect(here)
    round_ = report.round_instrument.round
    codings = list(
        Coding.objects.filter(report=report, question=question, row=row)
        .select_related("code", "analyst")
        .order_by("start", "pk")
    )
    form = report.instrument_version.form
    known = form.questions().get(question)
    language = (get_language() or "en").split("-")[0]
    label = known.text("label", language, form.default_language) if known else question
    if report.member_state_id:
        source = country_labels(language).get(report.member_state_id, report.member_state_id)
    else:
        source = report.entity_name
    kept = request.session.pop("analysis_coding_form", {})
    return render(
        request,
        "backoffice/analysis/answer.html",
        {
            "title": _("An answer and its coded passages"),
            "report": report,
            "round": round_,
            "question": question,
            "question_label": label,
            "row": row,
            "source": source,
            "answer": answer,
            "problem": problem,
            "segments": _segments(answer.text, codings) if answer else [],
            "codings": codings,
            "whole_codings": [c for c in codings if c.start is None],
            "codes": codebook(round_),
            "kept": kept,
            "here": here,
            "search_url": reverse("backoffice:analysis_search")
            + "?"
            + urlencode(
                {
                    "round": round_.number,
                    "instrument": report.instrument_version.instrument.code,
                }
            ),
        },
    )


# -- the codebook ----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@secretariat_required
def analysis_codebook(request: HttpRequest) -> HttpResponse:
    """A round's codebook: its codes, a new one, or the Code's articles as codes."""
    user = analyst(request)
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    round_ = filters.round
    here = f"{reverse('backoffice:analysis_codebook')}?{filters.querystring()}"
    if request.method == "POST":
        try:
            if request.POST.get("action") == "seed":
                before = Code.objects.filter(round=round_).count()
                codes = codebook_ensure(round_, user=user)
                messages.success(
                    request,
                    _("%(count)s articles of the Code added to the codebook.")
                    % {"count": len(codes) - before},
                )
            else:
                code = code_create(
                    round_=round_,
                    label=request.POST.get("label", ""),
                    description=request.POST.get("description", ""),
                    article=_int(request.POST.get("article", "")),
                    user=user,
                )
                messages.success(request, _("“%(label)s” is in the codebook.") % {"label": code})
        except CodingRefused as refused:
            messages.error(request, refused.message)
        return redirect(here)
    codes = codebook(round_)
    used: dict[int, int] = {}
    for code_id in Coding.objects.filter(code__round=round_).values_list("code_id", flat=True):
        used[code_id] = used.get(code_id, 0) + 1
    return render(
        request,
        "backoffice/analysis/codebook.html",
        {
            **filters_context(filters),
            "title": _("Codebook of the round"),
            "codes": [(code, used.get(code.pk, 0)) for code in codes],
            "articles": list(CodeArticle.objects.order_by("number")),
            "here": here,
        },
    )


@require_POST
@secretariat_required
def analysis_code(request: HttpRequest, code_id: int) -> HttpResponse:
    """Change a code of the codebook, or remove it."""
    user = analyst(request)
    code = get_object_or_404(Code.objects.select_related("round"), pk=code_id)
    default = f"{reverse('backoffice:analysis_codebook')}?{urlencode({'round': code.round.number})}"
    try:
        if request.POST.get("action") == "remove":
            code_remove(code=code, user=user)
            messages.success(request, _("The code is removed from the codebook."))
        else:
            code_update(
                code=code,
                label=request.POST.get("label", ""),
                description=request.POST.get("description", ""),
                article=_int(request.POST.get("article", "")),
                user=user,
            )
            messages.success(request, _("The code is changed."))
    except CodingRefused as refused:
        messages.error(request, refused.message)
    return _back(request, default)


# -- coded passages --------------------------------------------------------------------------


@require_safe
@secretariat_required
def analysis_codings(request: HttpRequest) -> HttpResponse:
    """What the coded passages add up to, and the passages themselves (of one code)."""
    analyst(request)
    try:
        filters = analysis_filters(request)
    except NoRounds as empty:
        return no_rounds(request, str(empty))
    selection = selection_for(filters)
    table = coding_counts(selection)
    if request.GET.get("csv") == table.identifier:
        return table_csv(table)
    codes = codebook(filters.round)
    chosen = _int(request.GET.get("code", ""))
    code = next((item for item in codes if item.pk == chosen), None)
    quotes_only = request.GET.get("quotes", "") in TRUE
    passages = coded_passages(selection, code=code, quotes_only=quotes_only)
    here = reverse("backoffice:analysis_codings")
    extra: dict[str, str] = {
        "code": str(code.pk) if code else "",
        "quotes": "1" if quotes_only else "",
    }
    context: dict[str, Any] = {
        **filters_context(filters),
        "title": _("Coded passages"),
        "table": table,
        "drill_url": here,
        "csv_url": f"{here}?{filters.querystring(csv=table.identifier)}",
        "codes": codes,
        "code": code,
        "quotes_only": quotes_only,
        "passages": [
            (passage, answer_url(passage.report_id, passage.question, passage.row))
            for passage in passages
        ],
        "here": f"{here}?{filters.querystring(**extra)}",
        "hidden": _hidden(filters),
        "extra_hidden": [(k, v) for k, v in extra.items() if v],
    }
    return render(request, "backoffice/analysis/codings.html", context)


@require_POST
@secretariat_required
def analysis_coding(request: HttpRequest, coding_id: int) -> HttpResponse:
    """Recode a coded passage (another code, span, quote or note), or remove it."""
    user = analyst(request)
    coding = get_object_or_404(
        Coding.objects.select_related("report__round_instrument"), pk=coding_id
    )
    default = answer_url(coding.report_id, coding.question, coding.row)
    action = request.POST.get("action", "recode")
    try:
        if action == "remove":
            coding_remove(coding=coding, user=user)
            messages.success(request, _("The coded passage is removed."))
        elif action == "quote":
            coding_update(coding=coding, user=user, quote=request.POST.get("quote", "") in TRUE)
            messages.success(request, _("The coded passage is changed."))
        else:
            code = None
            if request.POST.get("code"):
                code = _code_of(request, coding.report)
            start, end = _int(request.POST.get("start", "")), _int(request.POST.get("end", ""))
            whole = request.POST.get("whole", "") in TRUE
            if not whole and (start is None) != (end is None):
                raise CodingRefused(
                    _("A passage has a start and an end (or code the whole answer).")
                )
            coding_update(
                coding=coding,
                user=user,
                code=code,
                start=start,
                end=end,
                whole=whole,
                # A checkbox sends nothing when unticked: the form says it has the field.
                quote=request.POST.get("quote", "") in TRUE
                if "quote_field" in request.POST
                else None,
                note=request.POST.get("note") if "note" in request.POST else None,
            )
            messages.success(request, _("The coded passage is changed."))
    except CodingRefused as refused:
        messages.error(request, refused.message)
    return _back(request, default)
