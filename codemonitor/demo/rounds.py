"""The demonstration round: a round open now, for trying Code Monitor with synthetic data."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from codemonitor.reporting.models import Round, RoundInstrument
from codemonitor.reporting.rounds import GENEVA, latest_version

DEMO_ROUND_NUMBER = 90


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
            "publishes_at": timezone.localtime(now, GENEVA).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            + dt.timedelta(days=240),
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
