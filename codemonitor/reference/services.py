"""Loading reference data from the shipped data files; idempotent."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pycountry
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from codemonitor.core.audit import Action, audit_log
from codemonitor.core.languages import LANGUAGES
from codemonitor.reference.models import (
    CodeArticle,
    Language,
    MemberState,
    Region,
    RegionMembership,
    SafeguardsEdition,
    SafeguardsEntry,
)

DATA = Path(__file__).resolve().parent / "data"


class ReferenceDataError(ValueError):
    """A data file is wrong; the message says which file, which row and what."""


@dataclass
class LoadSummary:
    member_states: int
    regions: int
    safeguards: dict[int, int]
    articles: int
    languages: int

    def __str__(self) -> str:
        editions = ", ".join(f"{year}: {count}" for year, count in sorted(self.safeguards.items()))
        return (
            f"{self.member_states} Member States in {self.regions} regions; "
            f"safeguards list {editions}; {self.articles} articles of the Code; "
            f"{self.languages} languages"
        )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)
        ]


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@transaction.atomic
def reference_load(data_dir: Path = DATA) -> LoadSummary:
    """Create or update every reference table from the data files.

    Display names set by the Secretariat are kept: only the ISO names are refreshed.
    """
    for row in _rows(data_dir / "regions.csv"):
        Region.objects.update_or_create(code=row["code"], defaults={"name": row["name"]})

    changes: dict[str, list[dict[str, str]]] = {}
    for row in _rows(data_dir / "region-changes.csv"):
        changes.setdefault(row["iso3"], []).append(row)

    member_rows = _rows(data_dir / "who-member-states.csv")
    for number, row in enumerate(member_rows, start=2):
        iso3 = row["iso3"]
        country = pycountry.countries.get(alpha_3=iso3)
        if country is None:
            raise ReferenceDataError(
                f"who-member-states.csv row {number}: unknown ISO code {iso3!r}"
            )
        state, _created = MemberState.objects.update_or_create(
            iso3=iso3,
            defaults={
                "iso2": country.alpha_2,
                "numeric": country.numeric,
                "iso_name": getattr(country, "common_name", None) or country.name,
            },
        )
        periods = changes.get(iso3) or [
            {
                "region": row["who_region"],
                "valid_from": "",
                "valid_to": "",
                "source": "WHO country list",
            }
        ]
        current = [p for p in periods if not p["valid_to"]]
        if len(current) != 1 or current[0]["region"] != row["who_region"]:
            raise ReferenceDataError(
                f"region-changes.csv: the open-ended membership of {iso3} must be "
                f"{row['who_region']}, its region in who-member-states.csv"
            )
        keep = []
        for period in periods:
            membership, _ = RegionMembership.objects.update_or_create(
                member_state=state,
                valid_from=_date(period["valid_from"]),
                defaults={
                    "region_id": period["region"],
                    "valid_to": _date(period["valid_to"]),
                    "source": period.get("source", ""),
                },
            )
            keep.append(membership.pk)
        RegionMembership.objects.filter(member_state=state).exclude(pk__in=keep).delete()

    for row in _rows(data_dir / "safeguards-editions.csv"):
        SafeguardsEdition.objects.update_or_create(
            year=int(row["edition"]),
            defaults={
                "published": _date(row["published"]),
                "criteria": row["criteria"],
                "source": row["source"],
            },
        )
    with (data_dir / "safeguards-list.csv").open("rb") as handle:
        safeguards_load(handle.read(), replace=True)

    articles = json.loads((data_dir / "code_articles.json").read_text(encoding="utf-8"))
    for article in articles["articles"]:
        CodeArticle.objects.update_or_create(
            number=article["number"],
            defaults={
                "title_en": article["title_en"],
                "title_fr": article.get("title_fr", ""),
                "text_en": article["text_en"],
            },
        )
    for language in LANGUAGES:
        Language.objects.update_or_create(
            code=language.code,
            defaults={
                "english": language.english,
                "native": language.native,
                "direction": language.direction,
                "complete": language.complete,
            },
        )
    return LoadSummary(
        member_states=MemberState.objects.count(),
        regions=Region.objects.count(),
        safeguards={e.year: e.entries.count() for e in SafeguardsEdition.objects.all()},
        articles=CodeArticle.objects.count(),
        languages=Language.objects.count(),
    )


@transaction.atomic
def safeguards_load(
    data: bytes, *, replace: bool = True, user: AbstractBaseUser | None = None
) -> dict[int, int]:
    """Load safeguards list editions from CSV (`edition,iso3`; header required).

    Every edition in the file is replaced by the file's list. Returns the count per edition.
    Raises ReferenceDataError listing every bad row; nothing is saved then.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReferenceDataError("the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    fields = {name.strip().lower() for name in (reader.fieldnames or [])}
    if not {"edition", "iso3"} <= fields:
        raise ReferenceDataError("the file needs the columns 'edition' and 'iso3' in its first row")
    known = set(MemberState.objects.values_list("iso3", flat=True))
    errors: list[str] = []
    editions: dict[int, set[str]] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        edition, iso3 = row.get("edition", ""), row.get("iso3", "").upper()
        if not edition and not iso3:
            continue
        if not edition.isdigit() or not 2000 <= int(edition) <= 2100:
            errors.append(f"row {number}: edition {edition!r} is not a year")
            continue
        if iso3 not in known:
            errors.append(f"row {number}: {iso3!r} is not the ISO code of a WHO Member State")
            continue
        if iso3 in editions.setdefault(int(edition), set()):
            errors.append(f"row {number}: {iso3} is listed twice in edition {edition}")
            continue
        editions[int(edition)].add(iso3)
    if errors:
        raise ReferenceDataError("; ".join(errors))
    if not editions:
        raise ReferenceDataError("the file lists no countries")
    for year, countries in editions.items():
        edition, _ = SafeguardsEdition.objects.get_or_create(year=year)
        if replace:
            edition.entries.exclude(member_state_id__in=countries).delete()
        existing = set(edition.entries.values_list("member_state_id", flat=True))
        SafeguardsEntry.objects.bulk_create(
            SafeguardsEntry(edition=edition, member_state_id=iso3)
            for iso3 in sorted(countries - existing)
        )
    counts = {year: len(countries) for year, countries in editions.items()}
    audit_log(
        action=Action.REFERENCE_SAFEGUARDS_LOADED,
        actor=user,
        actor_label=None if user is not None else "system",
        data={"editions": {str(year): count for year, count in counts.items()}},
    )
    return counts


def region_counts(on: dt.date | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for region in RegionMembership.objects.in_force(on).values_list("region_id", flat=True):
        counts[region] = counts.get(region, 0) + 1
    return counts


def safeguards_by_region(year: int, on: dt.date | None = None) -> dict[str, int]:
    members = set(
        SafeguardsEntry.objects.filter(edition_id=year).values_list("member_state_id", flat=True)
    )
    counts: dict[str, int] = {}
    for iso3, region in RegionMembership.objects.in_force(on).values_list(
        "member_state_id", "region_id"
    ):
        if iso3 in members:
            counts[region] = counts.get(region, 0) + 1
    return counts
