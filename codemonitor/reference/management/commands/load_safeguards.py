"""`manage.py load_safeguards FILE.csv`: load a safeguards list edition (columns edition,iso3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codemonitor.reference.services import ReferenceDataError, safeguards_load


class Command(BaseCommand):
    help = "Load one or more editions of the WHO health workforce support and safeguards list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file with the columns edition,iso3")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            counts = safeguards_load(data)
        except ReferenceDataError as error:
            raise CommandError(f"{path}: {error}") from None
        for year, count in sorted(counts.items()):
            self.stdout.write(f"Safeguards list {year}: {count} countries")
