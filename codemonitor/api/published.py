"""The rounds, their reports and answers, and the Member States, as the read API gives them.

Every list is read through `api.scope` (which reads `publication.public` for everyone without
a token) in a fixed number of queries, whatever its length, and answered a page at a time
(`api.paging`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop as N_
from ninja import Query, Router
from ninja.params import functions

from codemonitor.api.errors import not_found
from codemonitor.api.paging import page_of, paged
from codemonitor.api.readers import Reader, reader_of
from codemonitor.api.schemas import (
    ISO3,
    LARGEST_ID,
    AnswerPage,
    AnswerQuery,
    CountryDetailOut,
    CountryPage,
    CountryQuery,
    ErrorOut,
    NoQuery,
    ReportDetailOut,
    ReportPage,
    ReportQuery,
    RoundOut,
    RoundPage,
    RoundQuery,
    unknown_parameters,
)
from codemonitor.api.scope import (
    readable_report,
    readable_reports,
    readable_round,
    readable_rounds,
    with_public_flag,
)
from codemonitor.instruments.models import Instrument
from codemonitor.publication.public import (
    NotPublic,
    all_public_reports,
    left_out_questions,
    public_answers,
    public_authority,
    public_country_reports,
    public_name,
    round_public,
    rule_hidden,
)
from codemonitor.reference.models import MemberState
from codemonitor.reporting.models import Answer, Report, Round, RoundInstrument
from codemonitor.reporting.selectors import deadline_date, geneva_date, regions_on

router = Router(tags=["published"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 429: ErrorOut}
ONE_ERRORS: dict[int, Any] = {**ERRORS, 404: ErrorOut}
# What a list of reports joins, and leaves out (the forms: only a report's own page needs one).
REPORT_JOINS = ("round_instrument__round", "member_state", "instrument_version__instrument")
HEAVY = ("instrument_version__schema", "instrument_version__source")


# -- rounds ---------------------------------------------------------------------------------------


def _round_out(round_: Round, counts: Counter[int], now: dt.datetime) -> dict[str, Any]:
    return {
        "number": round_.number,
        "year": round_.year,
        "title": round_.title,
        "reported_to": round_.report_to,
        "public_from": round_.publishes_at,
        "published": round_public(round_, now=now),
        "instruments": [
            {
                "instrument": use.instrument_version.instrument.code,
                "kind": use.instrument_version.instrument.kind,
                "version": use.instrument_version.version,
                "opens_at": use.opens_at,
                "closes_at": use.closes_at,
                "published_reports": counts.get(use.pk, 0),
            }
            for use in round_.instruments.all()
        ],
    }


def _with_instruments(rounds: QuerySet[Round]) -> QuerySet[Round]:
    uses = RoundInstrument.objects.select_related("instrument_version__instrument").defer(
        "instrument_version__schema", "instrument_version__source"
    )
    return rounds.prefetch_related(Prefetch("instruments", queryset=uses.order_by("pk")))


def _published_counts(rounds: list[Round], now: dt.datetime) -> Counter[int]:
    """Published reports per round instrument of `rounds` (one query)."""
    rows = (
        all_public_reports(now=now)
        .filter(round_instrument__round__in=rounds)
        .order_by()
        .values_list("round_instrument_id")
        .annotate(count=Count("pk"))
    )
    return Counter(dict(rows))


@router.get(
    "/rounds",
    response={200: RoundPage, **ERRORS},
    url_name="rounds",
    summary=N_("Reporting rounds"),
    description=N_("The rounds you may read, by number: without a token those that are public."),
)
def rounds(request: HttpRequest, query: Query[RoundQuery]) -> dict[str, Any]:
    unknown_parameters(request, RoundQuery)
    now = timezone.now()
    found, following = page_of(
        _with_instruments(readable_rounds(reader_of(request), now=now)),
        listing="rounds",
        key="number",
        cursor=query.cursor,
        limit=query.limit,
    )
    counts = _published_counts(found, now)
    return paged(found, following, query.limit, lambda round_: _round_out(round_, counts, now))


@router.get(
    "/rounds/{number}",
    response={200: RoundOut, **ONE_ERRORS},
    url_name="round",
    summary=N_("One round"),
    description=N_("One round: 404 for a round under embargo as for one that does not exist."),
)
def round_(
    request: HttpRequest, number: Annotated[int, functions.Path(ge=1, le=32767)]
) -> dict[str, Any]:
    unknown_parameters(request, NoQuery)
    now = timezone.now()
    try:
        found = readable_round(reader_of(request), number, now=now)
    except NotPublic:
        raise not_found() from None
    found = _with_instruments(Round.objects.filter(pk=found.pk)).get()
    return _round_out(found, _published_counts([found], now), now)


# -- reports --------------------------------------------------------------------------------------


def _in_region(reports: QuerySet[Report], region: str) -> Q:
    """National reports of Member States in `region` as of their round instrument's deadline
    (a query for the round instruments, one per deadline)."""
    condition = Q(pk__in=[])
    uses = RoundInstrument.objects.filter(
        pk__in=reports.filter(member_state__isnull=False).order_by().values("round_instrument_id")
    )
    regions: dict[dt.date, dict[str, str]] = {}
    for use in uses:
        day = deadline_date(use)
        if day not in regions:
            regions[day] = regions_on(day)
        members = [iso3 for iso3, code in regions[day].items() if code == region]
        condition |= Q(round_instrument_id=use.pk, member_state_id__in=members)
    return condition


def filtered_reports(reports: QuerySet[Report], query: ReportQuery) -> QuerySet[Report]:
    """The reports the filters choose (the portal's: round, kind, instrument, country, region;
    a country and a region choose national reports, by their Member State)."""
    if query.round is not None:
        reports = reports.filter(round_instrument__round__number=query.round)
    if query.kind is not None:
        reports = reports.filter(instrument_version__instrument__kind=query.kind)
    if query.instrument is not None:
        reports = reports.filter(instrument_version__instrument__code=query.instrument)
    if query.country is not None:
        reports = reports.filter(member_state_id=query.country.upper())
    if query.region is not None:
        reports = reports.filter(_in_region(reports, query.region))
    return reports


def report_out(report: Report) -> dict[str, Any]:
    instrument = report.instrument_version.instrument
    return {
        "id": report.pk,
        "reference": report.reference,
        "round": report.round_instrument.round.number,
        "instrument": instrument.code,
        "kind": instrument.kind,
        "version": report.instrument_version.version,
        "country": report.member_state_id,
        "name": public_name(report) or None,
        "language": report.language,
        "state": report.state,
        "submitted_at": report.submitted_at,
        "published": bool(getattr(report, "is_public", True)),
    }


@router.get(
    "/reports",
    response={200: ReportPage, **ERRORS},
    url_name="reports",
    summary=N_("Reports"),
    description=N_(
        "The reports you may read, by id: without a token the published ones (validated "
        "national reports, submitted stakeholder reports of public rounds)."
    ),
)
def reports(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    unknown_parameters(request, ReportQuery)
    now = timezone.now()
    reader = reader_of(request)
    chosen = filtered_reports(readable_reports(reader, now=now), query)
    found, following = page_of(
        with_public_flag(chosen.select_related(*REPORT_JOINS).defer(*HEAVY), reader, now=now),
        listing="reports",
        key="pk",
        cursor=query.cursor,
        limit=query.limit,
    )
    return paged(found, following, query.limit, report_out)


@router.get(
    "/reports/{report_id}",
    response={200: ReportDetailOut, **ONE_ERRORS},
    url_name="report",
    summary=N_("One report with its answers"),
    description=N_(
        "One report and its answers by question name: 404 for a report you may not read "
        "(under embargo, not validated, withheld, another country's) as for one that does"
        " not exist."
    ),
)
def report(
    request: HttpRequest, report_id: Annotated[int, functions.Path(ge=1, le=LARGEST_ID)]
) -> dict[str, Any]:
    unknown_parameters(request, NoQuery)
    now = timezone.now()
    reader = reader_of(request)
    try:
        found = readable_report(reader, report_id, now=now)
    except NotPublic:
        raise not_found() from None
    if not reader.anonymous:
        found.is_public = all_public_reports(now=now).filter(pk=found.pk).exists()  # type: ignore[attr-defined]
    answers = public_answers(found)
    return {
        **report_out(found),
        "answers": {question: value for (question, row), value in answers.items() if not row},
        "repeat_answers": [
            {"report": found.pk, "question": question, "row": row, "value": value}
            for (question, row), value in sorted(answers.items())
            if row
        ],
    }


# -- answers, long --------------------------------------------------------------------------------


def _shown(reports: QuerySet[Report]) -> Q:
    """The answers publication shows of `reports`: what `left_out_questions` leaves out depends
    on a report's form and on its consent to be named only, so it is worked out once for each
    pair of them (two queries) and applied in the database."""
    pairs = list(
        reports.order_by()
        .values("instrument_version_id", "publish_entity_name")
        .annotate(sample=Min("pk"))
    )
    samples = Report.objects.select_related("instrument_version").in_bulk(
        [pair["sample"] for pair in pairs]
    )
    condition = Q(pk__in=[])
    for pair in pairs:
        left_out = left_out_questions(samples[pair["sample"]])
        condition |= Q(
            report__instrument_version_id=pair["instrument_version_id"],
            report__publish_entity_name=pair["publish_entity_name"],
        ) & ~Q(question__in=sorted(left_out))
    return condition


def _not_hidden(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A page of answers less those the form's rules hide (`public.rule_hidden`, as on the
    report's pages): the page's reports and their public answers read at once (two queries,
    whatever the page's length). A page may so hold fewer lines than its limit; the cursor
    goes on from its last line all the same."""
    ids = {row["report_id"] for row in rows}
    if not ids:
        return list(rows)
    reports = Report.objects.select_related("instrument_version").in_bulk(ids)
    ruled = {
        pk
        for pk, report in reports.items()
        if any(question.relevant for question in report.instrument_version.form.walk())
    }
    if not ruled:
        return list(rows)
    stored: dict[int, dict[tuple[str, str], Any]] = {pk: {} for pk in ruled}
    for report_id, question, row, value in Answer.objects.filter(report_id__in=ruled).values_list(
        "report_id", "question", "row", "value"
    ):
        stored[report_id][question, row] = value
    hidden: set[tuple[int, str, str]] = set()
    for pk in ruled:
        report = reports[pk]
        left_out = left_out_questions(report)
        public = {key: value for key, value in stored[pk].items() if key[0] not in left_out}
        hidden |= {
            (pk, question, row)
            for question, row in rule_hidden(report.instrument_version.form, public)
        }
    return [row for row in rows if (row["report_id"], row["question"], row["row"]) not in hidden]


@router.get(
    "/answers",
    response={200: AnswerPage, **ERRORS},
    url_name="answers",
    summary=N_("Answers, one per line"),
    description=N_(
        "The answers of the reports you may read, one line per (report, question, row): "
        "the reports' filters, one report, one question. Never personal data, the contact"
        " address, an entity's name without its consent, or documents."
    ),
)
def answers(request: HttpRequest, query: Query[AnswerQuery]) -> dict[str, Any]:
    unknown_parameters(request, AnswerQuery)
    chosen = filtered_reports(readable_reports(reader_of(request), now=timezone.now()), query)
    if query.report is not None:
        chosen = chosen.filter(pk=query.report)
    rows = Answer.objects.filter(report__in=chosen.order_by().values("pk")).filter(_shown(chosen))
    if query.question is not None:
        rows = rows.filter(question=query.question)
    found, following = page_of(
        rows.values("id", "report_id", "question", "row", "value"),
        listing="answers",
        key="id",
        cursor=query.cursor,
        limit=query.limit,
    )
    return paged(
        _not_hidden(found),
        following,
        query.limit,
        lambda row: {
            "report": row["report_id"],
            "question": row["question"],
            "row": row["row"],
            "value": row["value"],
        },
    )


# -- Member States ------------------------------------------------------------------------------


@router.get(
    "/countries",
    response={200: CountryPage, **ERRORS},
    url_name="countries",
    summary=N_("Member States"),
    description=N_(
        "The Member States of WHO, by ISO 3166 alpha-3 code, with their WHO region today."
    ),
)
def countries(request: HttpRequest, query: Query[CountryQuery]) -> dict[str, Any]:
    unknown_parameters(request, CountryQuery)
    today = geneva_date()
    states = MemberState.objects.all()
    if query.region is not None:
        states = states.in_region(query.region, today)
    found, following = page_of(
        states, listing="countries", key="iso3", cursor=query.cursor, limit=query.limit, kind=str
    )
    region_of = regions_on(today)
    return paged(
        found,
        following,
        query.limit,
        lambda state: {
            "iso3": state.iso3,
            "iso2": state.iso2,
            "name": state.name,
            "region": region_of.get(state.iso3),
        },
    )


def _country_reports(reader: Reader, iso3: str, now: dt.datetime) -> list[Report]:
    if reader.anonymous:
        return list(public_country_reports(iso3, now=now))
    return list(
        with_public_flag(
            readable_reports(reader, now=now).filter(
                member_state_id=iso3,
                instrument_version__instrument__kind=Instrument.Kind.NATIONAL,
            ),
            reader,
            now=now,
        )
        .select_related("round_instrument__round", "instrument_version__instrument")
        .defer(*HEAVY)
        .order_by("-round_instrument__round__number")
    )


@router.get(
    "/countries/{iso3}",
    response={200: CountryDetailOut, **ONE_ERRORS},
    url_name="country",
    summary=N_("One Member State"),
    description=N_(
        "A Member State with its designated national authority (the public register: the "
        "institution and its official contact) and its national reports you may read."
    ),
)
def country(
    request: HttpRequest, iso3: Annotated[str, functions.Path(pattern=ISO3)]
) -> dict[str, Any]:
    unknown_parameters(request, NoQuery)
    code = iso3.upper()
    state = MemberState.objects.filter(pk=code).first()
    if state is None:
        raise not_found()
    now = timezone.now()
    authority = public_authority(code)
    return {
        "iso3": state.iso3,
        "iso2": state.iso2,
        "name": state.name,
        "region": state.region_on(geneva_date()),
        "authority": {"country": code, **authority} if authority else None,
        "reports": [
            {
                "id": found.pk,
                "reference": found.reference,
                "round": found.round_instrument.round.number,
                "published": bool(getattr(found, "is_public", True)),
            }
            for found in _country_reports(reader_of(request), code, now)
        ],
    }
