"""The draft report of a round in the back office: what it will contain, and its downloads.

`/backoffice/analysis/report/?round=N&lang=xx` describes the report (its instruments, the
articles their questions concern, the reports it counts) with a button per format;
`/backoffice/analysis/report.<fmt>` generates it (DOCX, HTML or PDF) and audits that it did.
The same page answers `?csv=<table identifier>` with that table's companion CSV, which the
generated HTML links to. Everything is built by `analysis/round_report.py`; these views only
choose the round and language and serve the file.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from codemonitor.accounts.access import secretariat_required, secretariat_user
from codemonitor.analysis.document import Links, Query
from codemonitor.analysis.filters import round_instruments, whole_number
from codemonitor.analysis.pages import table_csv
from codemonitor.analysis.round_report import (
    FORMATS,
    FormatRefused,
    round_report_build,
    round_report_generate,
    round_report_plan,
)
from codemonitor.analysis.tables import AnalysisTable
from codemonitor.backoffice.analysis import no_rounds
from codemonitor.core.languages import BY_CODE, LANGUAGES
from codemonitor.core.links import (
    ANALYSIS_COMPLETENESS_LIST,
    ANALYSIS_REPORT_CSV,
    ANALYSIS_REPORT_LIST,
    link,
    link_register,
)
from codemonitor.reporting.models import Round


def analysis_links_register() -> None:
    """Tell the domain where the generated report's links go (for `manage.py round_report`):
    the tabulation's list of the reports behind a number, the completeness' list behind a
    figure, and a table's CSV."""

    def report_list(querystring: str) -> str:
        return f"{reverse('backoffice:analysis_reports')}?{querystring}"

    def completeness_list(querystring: str) -> str:
        return f"{reverse('backoffice:analysis_completeness_list')}?{querystring}"

    def report_csv(number: int, language: str, identifier: str) -> str:
        query = urlencode({"round": number, "lang": language, "csv": identifier})
        return f"{reverse('backoffice:analysis_report')}?{query}"

    link_register(ANALYSIS_REPORT_LIST, report_list)
    link_register(ANALYSIS_COMPLETENESS_LIST, completeness_list)
    link_register(ANALYSIS_REPORT_CSV, report_csv)


def _links(request: HttpRequest, round_: Round, language: str) -> Links:
    """Absolute addresses (the HTML is a file that leaves the site), as registered above."""
    site = request.build_absolute_uri("/")

    def reports(query: Query) -> str:
        return link(ANALYSIS_REPORT_LIST, urlencode(query, doseq=True), base_url=site)

    def completeness(query: Query) -> str:
        return link(ANALYSIS_COMPLETENESS_LIST, urlencode(query, doseq=True), base_url=site)

    def csv(table: AnalysisTable) -> str:
        return link(ANALYSIS_REPORT_CSV, round_.number, language, table.identifier, base_url=site)

    return Links(reports=reports, completeness=completeness, csv=csv)


def _choice(request: HttpRequest) -> tuple[Round | None, str, list[str]]:
    """The round (`round`, else the newest with an instrument) and the report's language
    (`lang`, else English); what was asked for but does not exist, for the page to say."""
    problems: list[str] = []
    available = round_instruments()
    rounds: dict[int, Round] = {}
    for item in available:
        rounds.setdefault(item.round.number, item.round)
    if not rounds:
        return None, "en", problems
    chosen = rounds[max(rounds)]
    wanted = request.GET.get("round", "").strip()[:10]
    if wanted:
        if whole_number(wanted) in rounds:
            chosen = rounds[int(wanted)]
        else:
            problems.append(
                _("There is no round %(round)s with an instrument: showing round %(shown)s.")
                % {"round": wanted, "shown": chosen.number}
            )
    language = request.GET.get("lang", "en").strip()[:10] or "en"
    if language not in BY_CODE:
        problems.append(
            _("'%(language)s' is not a language of the platform.") % {"language": language}
        )
        language = "en"
    return chosen, language, problems


def _page(
    request: HttpRequest,
    round_: Round,
    language: str,
    problems: list[str],
    status: int = 200,
) -> HttpResponse:
    available = round_instruments()
    rounds: dict[int, str] = {}
    for item in available:
        rounds.setdefault(item.round.number, item.round.title)
    return render(
        request,
        "backoffice/analysis/report.html",
        {
            "title": _("Draft report of the round"),
            "plan": round_report_plan(round_),
            "round": round_,
            "language": language,
            "rounds": sorted(rounds.items(), reverse=True),
            "report_languages": LANGUAGES,
            "formats": list(FORMATS),
            "query": urlencode({"round": round_.number, "lang": language}),
            "problems": problems,
        },
        status=status,
    )


@require_safe
@secretariat_required
def analysis_report(request: HttpRequest) -> HttpResponse:
    """What the report of a round will contain, and its downloads; `?csv=` a table's CSV."""
    round_, language, problems = _choice(request)
    if round_ is None:
        return no_rounds(request, _("No reporting round has an instrument yet."))
    identifier = request.GET.get("csv", "").strip()[:200]
    if identifier:
        table = round_report_build(round_, language=language).table(identifier)
        if table is not None:
            return table_csv(table)
        problems.append(
            _("The report of %(round)s has no table '%(identifier)s'.")
            % {"round": round_.title, "identifier": identifier}
        )
        return _page(request, round_, language, problems, status=404)
    return _page(request, round_, language, problems)


@require_safe
@secretariat_required
def analysis_report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The report of a round generated as DOCX, HTML or PDF (audited)."""
    round_, language, problems = _choice(request)
    if round_ is None:
        return no_rounds(request, _("No reporting round has an instrument yet."))
    if problems:
        return _page(request, round_, language, problems, status=400)
    try:
        generated = round_report_generate(
            round_,
            fmt,
            language=language,
            links=_links(request, round_, language),
            user=secretariat_user(request),
        )
    except FormatRefused as refused:
        return _page(request, round_, language, [str(refused)], status=404)
    response = HttpResponse(generated.content, content_type=generated.content_type)
    response["Content-Disposition"] = f'attachment; filename="{generated.filename}"'
    return response
