"""Reporting rounds: the history of past rounds, and finding a round's instruments."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from codemonitor.core.audit import Action
from codemonitor.core.models import AuditEntry
from codemonitor.instruments.models import Instrument, InstrumentVersion
from codemonitor.reporting.models import Round, RoundInstrument

DATA = Path(__file__).resolve().parent / "data"
GENEVA = ZoneInfo("Europe/Zurich")


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
    # Public once the 78th World Health Assembly has discussed it (A78/..., 27 May 2025) —
    # unless the Secretariat has decided otherwise since (moved or removed the moment): a
    # later bootstrap never undoes that.
    decided = AuditEntry.objects.filter(
        action=Action.ROUND_PUBLICATION_CHANGED,
        target_type=ContentType.objects.get_for_model(Round),
        target_id=fifth.pk,
    ).exists()
    fields = ["opens_at"]
    if not decided:
        fifth.publishes_at = _geneva(2025, 5, 27, 0, 0)
        fields.append("publishes_at")
    fifth.save(update_fields=fields)
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


def round_instrument_for(round_: Round, kind: str) -> RoundInstrument | None:
    return (
        round_.instruments.select_related("instrument_version__instrument")
        .filter(instrument_version__instrument__kind=kind)
        .first()
    )


STAKEHOLDER = Instrument.Kind.STAKEHOLDER
NATIONAL = Instrument.Kind.NATIONAL
