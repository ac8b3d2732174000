"""Reporting rounds: the history of past rounds and the demonstration round."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from codemonitor.instruments.models import Instrument, InstrumentVersion
from codemonitor.reporting.models import Round, RoundInstrument

DATA = Path(__file__).resolve().parent / "data"
GENEVA = ZoneInfo("Europe/Zurich")
DEMO_ROUND_NUMBER = 90


def _geneva(year: int, month: int, day: int, hour: int = 23, minute: int = 59) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=GENEVA)


def latest_version(code: str) -> InstrumentVersion | None:
    return (
        InstrumentVersion.objects.filter(instrument__code=code)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def rounds_load_history() -> int:
    """Create or update rounds 1–5 from `data/rounds.csv`; link round 5 to the 2024 instruments."""
    with (DATA / "rounds.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        Round.objects.update_or_create(
            number=int(row["number"]),
            defaults={
                "year": int(row["year"]),
                "title": row["title"],
                "report_to": row["report_to"],
                "designated_authorities": int(row["designated_authorities"] or 0) or None,
                "national_reports_count": int(row["national_reports"] or 0) or None,
                "notes": row["notes"],
            },
        )
    fifth = Round.objects.get(number=5)
    fifth.opens_at = _geneva(2024, 4, 1, 0, 0)
    fifth.publication_date = dt.date(2025, 5, 27)
    fifth.save(update_fields=["opens_at", "publication_date"])
    deadlines = {"isri": _geneva(2024, 7, 31), "nri": _geneva(2024, 8, 31)}
    for code, closes_at in deadlines.items():
        version = InstrumentVersion.objects.filter(
            instrument__code=code, version__startswith="2024"
        ).first()
        if version is not None:
            RoundInstrument.objects.update_or_create(
                round=fifth,
                instrument_version__instrument__code=code,
                defaults={
                    "instrument_version": version,
                    "opens_at": fifth.opens_at,
                    "closes_at": closes_at,
                },
            )
    return len(rows)


@transaction.atomic
def demo_round_ensure(now: dt.datetime | None = None) -> Round:
    """The demonstration round: open now, with the latest ISRI and NRI, deadlines ahead."""
    now = now or timezone.now()
    today = timezone.localtime(now, GENEVA).date()
    round_, _created = Round.objects.get_or_create(
        number=DEMO_ROUND_NUMBER,
        defaults={
            "year": today.year,
            "title": f"Demonstration round ({today.year}) — synthetic data",
            "is_demo": True,
            "opens_at": now - dt.timedelta(days=30),
            "publication_date": today + dt.timedelta(days=240),
            "notes": "A round for trying Code Monitor. Every report in it is synthetic.",
        },
    )
    deadlines = {"isri": 60, "nri": 90}
    for code, days in deadlines.items():
        version = latest_version(code)
        if (
            version is None
            or round_.instruments.filter(instrument_version__instrument__code=code).exists()
        ):
            continue
        closes = timezone.localtime(now, GENEVA) + dt.timedelta(days=days)
        RoundInstrument.objects.create(
            round=round_,
            instrument_version=version,
            opens_at=round_.opens_at or now,
            closes_at=closes.replace(hour=23, minute=59, second=0, microsecond=0),
        )
    return round_


def round_instrument_for(round_: Round, kind: str) -> RoundInstrument | None:
    return (
        round_.instruments.select_related("instrument_version__instrument")
        .filter(instrument_version__instrument__kind=kind)
        .first()
    )


STAKEHOLDER = Instrument.Kind.STAKEHOLDER
NATIONAL = Instrument.Kind.NATIONAL
