"""`manage.py load_instruments`: store the XLSForms shipped in forms/ (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from codemonitor.instruments.services import InstrumentRefused, instruments_load_shipped


class Command(BaseCommand):
    help = "Check and store the instruments shipped with Code Monitor (forms/*.xlsx)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = instruments_load_shipped()
        except InstrumentRefused as refused:
            raise CommandError(f"a shipped instrument is refused: {refused}") from None
        for result in results:
            state = "stored" if result.created else "unchanged"
            self.stdout.write(f"{result.version}: {state} — {result.check.summary()}")
