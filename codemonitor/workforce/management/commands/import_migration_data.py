"""`manage.py import_migration_data FILE [--dry-run]`: import a file of the OECD Health Workforce
Migration dataset (OECD.Stat CSV or SDMX-CSV) and print its summary.

Exits 0 when every row was stored (or was already), 1 when the file could not be read or any
row was refused (each one listed with its line number).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codemonitor.workforce.imports import StatisticsRefused, statistics_import, summary_lines


class Command(BaseCommand):
    help = "Import health personnel migration statistics (OECD.Stat CSV or SDMX-CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV (or XLSX) file as downloaded")
        parser.add_argument(
            "--dry-run", action="store_true", help="read and compare everything, store nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            handle = path.open("rb")
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        with handle:
            try:
                summary = statistics_import(
                    handle,
                    name=path.name,
                    actor_label="manage.py import_migration_data",
                    dry_run=options["dry_run"],
                )
            except StatisticsRefused as refused:
                raise CommandError(f"{path}: {refused}") from None
        for line in summary_lines(summary):
            self.stdout.write(line)
        if summary.refused:
            count = len(summary.refused)
            raise CommandError(
                f"{path}: {count} {'row' if count == 1 else 'rows'} refused", returncode=1
            )
