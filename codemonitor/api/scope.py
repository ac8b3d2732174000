"""What one asker of the read API may read: the one place the API decides it.

- Anonymous (and a token whose owner has no role): what is published, read through
  `publication.public` as the portal's pages read it — public rounds, published reports
  (`all_public_reports`, `public_report`, `public_country_reports`), nothing else of a round.
- A national user's token (focal point, contributor): that, and their own Member State's
  national reports in every state, as their national pages show them
  (`reporting.selectors.country_reports`, the query behind `national.access`).
- A Secretariat token: every report of every round, published or not (synthetic
  demonstration reports only in the demonstration round, as everywhere).

Whoever asks, a report's answers are its public answers (`public_answers`, `left_out_questions`:
never a personal answer, the contact address, the entity's name without its consent or a
document) and its name its public name (`public_name`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from codemonitor.api.readers import Reader
from codemonitor.publication.country import public_statistics
from codemonitor.publication.public import (
    NotPublic,
    all_public_reports,
    public_report,
    public_round,
    public_rounds,
)
from codemonitor.reporting.models import Report, Round
from codemonitor.reporting.selectors import country_reports
from codemonitor.workforce.models import Dataset, Statistic


def readable_reports(reader: Reader, *, now: dt.datetime) -> QuerySet[Report]:
    """Every report `reader` may read (unordered, nothing joined)."""
    if reader.secretariat:
        return Report.objects.filter(Q(is_demo=False) | Q(round_instrument__round__is_demo=True))
    public = all_public_reports(now=now)
    if reader.country is not None:
        own = country_reports(reader.country).order_by().values("pk")
        return Report.objects.filter(Q(pk__in=public.values("pk")) | Q(pk__in=own))
    return public


def with_public_flag(
    reports: QuerySet[Report], reader: Reader, *, now: dt.datetime
) -> QuerySet[Report]:
    """`reports` with `is_public`, whether each is published now, for an asker who may read
    some that are not (an anonymous one reads only published reports: no need to ask)."""
    if reader.anonymous:
        return reports
    return reports.annotate(is_public=Exists(all_public_reports(now=now).filter(pk=OuterRef("pk"))))


def readable_report(reader: Reader, pk: int, *, now: dt.datetime) -> Report:
    """One report `reader` may read, with its round, country and form; NotPublic for any
    other id, whether it exists or not."""
    if reader.anonymous:
        return public_report(pk, now=now)
    found = (
        readable_reports(reader, now=now)
        .select_related("round_instrument__round", "member_state", "instrument_version__instrument")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotPublic(pk)
    return found


def readable_rounds(reader: Reader, *, now: dt.datetime) -> QuerySet[Round]:
    """The rounds `reader` may read: the public ones; a national user's also those their
    country reports in; the Secretariat's every round."""
    if reader.secretariat:
        return Round.objects.all()
    public = public_rounds(now=now)
    if reader.country is not None:
        own = country_reports(reader.country).order_by().values("round_instrument__round_id")
        return Round.objects.filter(Q(pk__in=public.values("pk")) | Q(pk__in=own))
    return public


def readable_round(reader: Reader, number: int, *, now: dt.datetime) -> Round:
    if reader.anonymous:
        return public_round(number, now=now)
    found = readable_rounds(reader, now=now).filter(number=number).first()
    if found is None:
        raise NotPublic(number)
    return found


def readable_statistics(reader: Reader, *, now: dt.datetime) -> QuerySet[Statistic]:
    """The migration figures `reader` may read: the public ones (`publication.country`: every
    imported figure, a national report's once that report is published), and the figures of
    the national reports they may read besides."""
    public = public_statistics(now=now)
    if reader.anonymous:
        return public
    reports = readable_reports(reader, now=now).order_by().values("pk")
    return Statistic.objects.filter(
        Q(pk__in=public.values("pk")) | Q(dataset=Dataset.NRI, source_report__in=reports)
    )
