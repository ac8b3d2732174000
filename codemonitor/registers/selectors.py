"""The registers' read side: the queries that pages of several audiences share.

What the public may see of a register is decided here (validated entries only), not in the
views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from codemonitor.core.text import text_folded
from codemonitor.reference.models import MemberState
from codemonitor.registers.models import Recruiter, Validation
from codemonitor.registers.recruiters import licence_key

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
