"""`manage.py buildform forms/NAME`: build `forms/NAME.xlsx` from the folder's CSV sheets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codemonitor.instruments.workbooks import build_workbook


class Command(BaseCommand):
    help = "Build an XLSForm workbook from a folder of CSV files (survey, choices, settings)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folders", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        for folder in options["folders"]:
            folder = Path(str(folder).rstrip("/"))
            if not (folder / "survey.csv").is_file():
                raise CommandError(f"{folder} has no survey.csv")
            target = folder.with_suffix(".xlsx")
            target.write_bytes(build_workbook(folder))
            self.stdout.write(f"{target} written")
