"""`manage.py export_migration_data --output FILE.csv`: every statistic, as a researcher
downloads them (destination, origin, population, occupation, measure, year, value, unit, flag,
source), written row by row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codemonitor.core.exports import csv_write
from codemonitor.workforce.selectors import statistics_filtered, statistics_rows


class Command(BaseCommand):
    help = "Export every health personnel migration statistic as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, required=True, help="the CSV file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["output"]
        try:
            with path.open("w", encoding="utf-8", newline="") as handle:
                written = csv_write(handle, statistics_rows(statistics_filtered()))
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        self.stdout.write(f"{path}: {written - 1} statistics")
