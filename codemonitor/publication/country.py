"""What the public may see of one Member State: its published national reports side by side,
the entries of its registers that the Secretariat validated, and its migration figures without
those of an unpublished report.

- `public_country_answers`: its published national reports across rounds, one column per
  round, one line per question (`analysis.trends.country_across_rounds`, told which reports it
  may read); what publication never shows (`public.left_out_questions`) is left out;
- `public_laws`, `public_recruiters`: the validated entries of the laws and regulations
  database and of the record of authorised recruiters (Code Art. 7.2(a), 8.5), as the public
  lookup shows them — never an entry waiting for the Secretariat or returned to the country;
- `public_statistics`: the migration figures anyone may see — every imported figure (the OECD
  dataset and the Secretariat's other sources are published data), and a national report's
  figures only once that report is published; `public_migration_section` draws a country's
  migration section from them (`workforce.profile`).

Every function takes `now` where the embargo applies, as `public.py` does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils.safestring import SafeString

from codemonitor.analysis.trends import CountryTrends, country_across_rounds
from codemonitor.instruments.models import Instrument
from codemonitor.publication.public import all_public_reports, left_out_questions
from codemonitor.reference.models import MemberState
from codemonitor.registers.models import Law, Recruiter, Validation
from codemonitor.registers.selectors import country_laws
from codemonitor.reporting.models import Report
from codemonitor.reporting.selectors import PUBLIC_STATES
from codemonitor.workforce.models import Dataset, Statistic
from codemonitor.workforce.profile import migration_section, statistics_version

# Entries of a register listed on a country's page (the page links to the full lookup).
LISTED = 50


@dataclass
class PublicAnswers:
    """A country's published national reports of one instrument, side by side."""

    instrument: str
    trends: CountryTrends

    @property
    def columns(self) -> int:
        return len(self.trends.columns)


def public_country_answers(
    iso3: str, *, language: str, now: dt.datetime | None = None
) -> list[PublicAnswers]:
    """Per national instrument (by code), the country's published reports compared question
    by question: a few queries per instrument, whatever the number of rounds."""
    reports = list(
        all_public_reports(now=now)
        .filter(member_state_id=iso3, instrument_version__instrument__kind=Instrument.Kind.NATIONAL)
        .select_related("instrument_version__instrument")
    )
    by_code: dict[str, list[Report]] = {}
    for report in reports:
        by_code.setdefault(report.instrument_version.instrument.code, []).append(report)
    found = []
    for code, chosen in sorted(by_code.items()):
        left_out: set[str] = set()
        for report in chosen:
            left_out |= left_out_questions(report)
        trends = country_across_rounds(
            iso3,
            instrument_code=code,
            language=language,
            states=tuple(sorted(PUBLIC_STATES[Instrument.Kind.NATIONAL])),
            reports=[report.pk for report in chosen],
        )
        trends.questions = [q for q in trends.questions if q.name not in left_out]
        found.append(PublicAnswers(code, trends))
    return found


def public_laws(iso3: str) -> QuerySet[Law]:
    """A Member State's public entries of the laws and regulations database."""
    return country_laws(iso3).filter(public_laws_filter())


def public_laws_filter(*, now: dt.datetime | None = None) -> Q:
    """The entries of the laws database the public may see, as a condition on Law: validated
    ones, and of those taken from a national report only once that report is published (a
    round's content is not public before its moment)."""
    published = all_public_reports(now=now).values("pk")
    return Q(validation=Validation.VALIDATED) & (
        Q(source_report__isnull=True) | Q(source_report__in=published)
    )


def public_recruiters(iso3: str) -> QuerySet[Recruiter]:
    """A Member State's validated entries of the record of authorised recruiters."""
    return Recruiter.objects.filter(member_state_id=iso3, validation=Validation.VALIDATED).order_by(
        "legal_name", "pk"
    )


def public_statistics(*, now: dt.datetime | None = None) -> QuerySet[Statistic]:
    """The migration figures the public may see: imported ones, and those of a national report
    only while that report is published."""
    published = all_public_reports(now=now).values("pk")
    return Statistic.objects.filter(
        ~Q(dataset=Dataset.NRI) | Q(dataset=Dataset.NRI, source_report__in=published)
    )


def public_migration_section(country: MemberState, *, now: dt.datetime | None = None) -> SafeString:
    """A country's migration section drawn from the public figures (kept in the cache apart
    from the Secretariat's, under the version of the public figures)."""
    return migration_section(country, statistics=public_statistics(now=now), kind="public.")


def public_country_version(country: MemberState, *, now: dt.datetime | None = None) -> str:
    """What a country's public page shows besides its reports changes with: its validated
    register entries (how many, the latest change) and its public migration figures (three
    queries)."""
    laws = public_laws(country.pk).order_by().aggregate(count=Count("pk"), last=Max("updated_at"))
    recruiters = (
        public_recruiters(country.pk)
        .order_by()
        .aggregate(count=Count("pk"), last=Max("updated_at"))
    )
    figures = statistics_version(country, statistics=public_statistics(now=now))
    return f"{laws['count']}.{laws['last']}|{recruiters['count']}.{recruiters['last']}|{figures}"
