"""The registers and the migration figures, as the read API gives them: only what is public.

- Designated national authorities: the public register (`publication.public`:
  `PUBLIC_AUTHORITY_FIELDS`, the institution and its official contact, never a person's
  address or telephone).
- Laws and regulations, authorised recruiters: the entries the Secretariat validated, read
  through the registers' own selectors (`law_search`, `recruiter_search`, `recruiter_lookup`),
  never a document, a note of the Secretariat or who changed what.
- Migration statistics: the public figures (`publication.country.public_statistics`: the
  imported datasets, a national report's figures once that report is published), and with a
  token those of the national reports its owner may read (`api.scope.readable_statistics`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop as N_
from ninja import Query, Router

from codemonitor.api.paging import page_of, paged
from codemonitor.api.readers import reader_of
from codemonitor.api.schemas import (
    AuthorityPage,
    ErrorOut,
    LawPage,
    LawQuery,
    RecruiterPage,
    RecruiterQuery,
    StatisticPage,
    StatisticQuery,
    unknown_parameters,
)
from codemonitor.api.schemas import CountryQuery as AuthorityQuery
from codemonitor.api.scope import readable_statistics
from codemonitor.publication.country import public_laws_filter
from codemonitor.publication.public import PUBLIC_AUTHORITY_FIELDS
from codemonitor.reference.models import MemberState
from codemonitor.registers.models import Law, NationalAuthority, Recruiter, Validation
from codemonitor.registers.selectors import (
    LawFilters,
    RecruiterFilters,
    law_search,
    recruiter_lookup,
    recruiter_search,
)
from codemonitor.workforce.selectors import StatisticsFilter, statistics_filtered

router = Router(tags=["registers"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 429: ErrorOut}


def _texts(value: object) -> list[str]:
    """A list of words as stored (JSON): its texts only."""
    return (
        [str(item) for item in value if item not in (None, "")] if isinstance(value, list) else []
    )


@router.get(
    "/authorities",
    response={200: AuthorityPage, **ERRORS},
    url_name="authorities",
    summary=N_("Designated national authorities"),
    description=N_(
        "The register of designated national authorities that WHO publishes (Code Art. "
        "7.4), by country: the authority, its institution and official contact."
    ),
)
def authorities(request: HttpRequest, query: Query[AuthorityQuery]) -> dict[str, Any]:
    unknown_parameters(request, AuthorityQuery)
    entries = NationalAuthority.objects.all()
    if query.region is not None:
        entries = entries.filter(member_state__in=MemberState.objects.in_region(query.region))
    found, following = page_of(
        entries.values("member_state_id", *PUBLIC_AUTHORITY_FIELDS),
        listing="authorities",
        key="member_state_id",
        cursor=query.cursor,
        limit=query.limit,
        kind=str,
    )
    return paged(
        found,
        following,
        query.limit,
        lambda row: {
            "country": row["member_state_id"],
            **{name: row[name] for name in PUBLIC_AUTHORITY_FIELDS},
        },
    )


def _law_out(law: Law) -> dict[str, Any]:
    return {
        "id": law.pk,
        "country": law.member_state_id,
        "title": law.title,
        "title_en": law.title_en,
        "title_fr": law.title_fr,
        "kind": law.kind,
        "number": law.number,
        "issuing_body": law.issuing_body,
        "status": law.status,
        "abstract": law.abstract,
        "url": law.url,
        "language": law.language,
        "keywords": _texts(law.keywords),
        "articles": [article.number for article in law.articles.all()],
        "events": [
            {"kind": event.kind, "date": event.date, "note": event.note}
            for event in law.events.all()
        ],
    }


@router.get(
    "/laws",
    response={200: LawPage, **ERRORS},
    url_name="laws",
    summary=N_("Laws"),
    description=N_(
        "The database of laws and regulations (Code Art. 7.2(b)): the entries the "
        "Secretariat validated, with their events and the articles of the Code they "
        "implement."
    ),
)
def laws(request: HttpRequest, query: Query[LawQuery]) -> dict[str, Any]:
    unknown_parameters(request, LawQuery)
    found, following = page_of(
        law_search(
            LawFilters(
                text=" ".join((query.q or "").split()),
                country=(query.country or "").upper(),
                region=query.region or "",
                kind=query.kind or "",
                article=query.article,
                year=query.year,
                status=query.status or "",
                validation=Validation.VALIDATED,
            )
        ).filter(public_laws_filter()),
        listing="laws",
        key="pk",
        cursor=query.cursor,
        limit=query.limit,
    )
    return paged(found, following, query.limit, _law_out)


def _recruiter_out(recruiter: Recruiter) -> dict[str, Any]:
    return {
        "id": recruiter.pk,
        "country": recruiter.member_state_id,
        "legal_name": recruiter.legal_name,
        "other_names": _texts(recruiter.other_names),
        "licence_number": recruiter.licence_number,
        "issuing_authority": recruiter.issuing_authority,
        "status": recruiter.status,
        "valid_from": recruiter.valid_from,
        "valid_to": recruiter.valid_to,
        "source_url": recruiter.source_url,
        "last_verified": recruiter.last_verified,
    }


@router.get(
    "/recruiters",
    response={200: RecruiterPage, **ERRORS},
    url_name="recruiters",
    summary=N_("Authorised recruiters"),
    description=N_(
        "The record of authorised recruiters (Code Art. 8.5): the entries the Secretariat"
        " validated, as the public lookup shows them; `q` looks a name or licence number "
        "up as it does."
    ),
)
def recruiters(request: HttpRequest, query: Query[RecruiterQuery]) -> dict[str, Any]:
    unknown_parameters(request, RecruiterQuery)
    country = (query.country or "").upper()
    entries: QuerySet[Recruiter]
    if query.q is not None and query.q.strip():
        entries = recruiter_lookup(query.q, country=country)
    else:
        entries = recruiter_search(
            RecruiterFilters(country=country, validation=Validation.VALIDATED)
        )
    if query.status is not None:
        entries = entries.filter(status=query.status)
    found, following = page_of(
        entries, listing="recruiters", key="pk", cursor=query.cursor, limit=query.limit
    )
    return paged(found, following, query.limit, _recruiter_out)


STATISTIC_FIELDS = (
    "id",
    "dataset",
    "destination_code",
    "destination_id",
    "origin_code",
    "origin_id",
    "population",
    "occupation",
    "measure",
    "year",
    "value",
    "unit",
    "flag",
    "flag_note",
    "source_report_id",
)


@router.get(
    "/statistics",
    response={200: StatisticPage, **ERRORS},
    url_name="statistics",
    summary=N_("Migration statistics"),
    description=N_(
        "Health personnel migration figures (Code Art. 7.2(a)): the imported datasets "
        "(the OECD Health Workforce Migration dataset…), and the figures of the national "
        "reports you may read (the published ones, without a token)."
    ),
)
def statistics(request: HttpRequest, query: Query[StatisticQuery]) -> dict[str, Any]:
    unknown_parameters(request, StatisticQuery)
    chosen = statistics_filtered(
        StatisticsFilter(
            destination=(query.destination or "").upper(),
            origin=(query.origin or "").upper(),
            occupation=query.occupation or "",
            population=query.population or "",
            measure=query.measure or "",
            year=query.year,
            dataset=query.dataset or "",
        )
    )
    chosen &= readable_statistics(reader_of(request), now=timezone.now())
    found, following = page_of(
        chosen.values(*STATISTIC_FIELDS),
        listing="statistics",
        key="id",
        cursor=query.cursor,
        limit=query.limit,
    )
    return paged(
        found,
        following,
        query.limit,
        lambda row: {
            **{name: row[name] for name in STATISTIC_FIELDS if not name.endswith("_id")},
            "destination": row["destination_id"],
            "origin": row["origin_id"],
            "value": float(row["value"]),
            "source_report": row["source_report_id"],
        },
    )
