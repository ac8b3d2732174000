"""`manage.py analysis_index [--round N]`: rebuild the search index of the text answers."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from codemonitor.analysis.text_index import text_index_rebuild
from codemonitor.reporting.models import RoundInstrument


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index of the text answers of submitted reports "
        "(every round, or one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--round", type=int, help="only this round (its number)")

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = RoundInstrument.objects.select_related(
            "round", "instrument_version__instrument"
        ).order_by("round__number", "instrument_version__instrument__code")
        if options["round"] is not None:
            chosen = chosen.filter(round__number=options["round"])
            if not chosen.exists():
                raise CommandError(f"round {options['round']} has no instrument")
        for round_instrument in chosen:
            began = time.monotonic()
            reports, answers = text_index_rebuild(round_instrument)
            code = round_instrument.instrument_version.instrument.code.upper()
            self.stdout.write(
                f"Round {round_instrument.round.number} {code}: {reports} reports, "
                f"{answers} text answers indexed in {time.monotonic() - began:.1f} s"
            )
        if connection.vendor == "postgresql":
            # Fresh statistics, so that the planner reads the new rows through their indexes.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE analysis_answertext")
