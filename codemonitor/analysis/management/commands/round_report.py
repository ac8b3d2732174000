"""`manage.py round_report ROUND --format docx|html|pdf --output FILE`: the draft report of a
round, as the back office's download makes it (`--language`, and `--csv-dir DIR` to write every
table's companion CSV there, which the HTML then links to)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codemonitor.analysis.document import Links, Query
from codemonitor.analysis.round_report import FORMATS, round_report_generate
from codemonitor.analysis.tables import AnalysisTable
from codemonitor.core.languages import BY_CODE
from codemonitor.core.links import (
    ANALYSIS_COMPLETENESS_LIST,
    ANALYSIS_REPORT_CSV,
    ANALYSIS_REPORT_LIST,
    link,
)
from codemonitor.reporting.models import Round


def _registered(name: str, *args: object) -> bool:
    try:
        link(name, *args)
    except LookupError:
        return False
    return True


class Command(BaseCommand):
    help = "Generate the draft report of a reporting round as DOCX, HTML or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round", type=int, help="the round's number")
        parser.add_argument("--format", choices=sorted(FORMATS), required=True)
        parser.add_argument("--output", type=Path, required=True, help="the file to write")
        parser.add_argument(
            "--language", default="en", choices=sorted(BY_CODE), help="the report's language"
        )
        parser.add_argument(
            "--csv-dir", type=Path, default=None, help="write every table's CSV in this folder"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        number: int = options["round"]
        round_ = Round.objects.filter(number=number).first()
        if round_ is None:
            raise CommandError(f"There is no round {number}.")
        if not round_.instruments.exists():
            raise CommandError(f"Round {number} has no instrument: there is nothing to report.")
        output: Path = options["output"]
        language: str = options["language"]
        csv_dir: Path | None = options["csv_dir"]
        links = self.links(number, language, output, csv_dir)
        generated = round_report_generate(
            round_,
            options["format"],
            language=language,
            links=links,
            actor_label="manage.py round_report",
        )
        try:
            output.write_bytes(generated.content)
            written = 0
            if csv_dir is not None:
                csv_dir.mkdir(parents=True, exist_ok=True)
                for table in generated.document.tables():
                    (csv_dir / table.filename).write_bytes(table.csv())
                    written += 1
        except OSError as error:
            raise CommandError(f"{error.filename}: {error.strerror}") from None
        layout = generated.document.layout()
        self.stdout.write(
            f"{output}: {round_.title}, {len(layout.numbered('table'))} tables, "
            f"{len(layout.numbered('figure'))} figures, {len(layout.footnotes)} notes"
            + (f"; {written} CSV files in {csv_dir}" if csv_dir is not None else "")
        )

    def links(self, number: int, language: str, output: Path, csv_dir: Path | None) -> Links:
        """The lists behind the numbers in the back office (SITE_URL); each table's CSV
        beside the output when written, else in the back office too."""

        def lister(name: str) -> Callable[[Query], str] | None:
            if not _registered(name, ""):
                return None
            return lambda query: link(name, urlencode(query, doseq=True))

        csv = None
        if csv_dir is not None:
            folder = os.path.relpath(csv_dir.resolve(), output.resolve().parent)

            def csv(table: AnalysisTable) -> str:
                return Path(folder, table.filename).as_posix()

        elif _registered(ANALYSIS_REPORT_CSV, number, language, ""):

            def csv(table: AnalysisTable) -> str:
                return link(ANALYSIS_REPORT_CSV, number, language, table.identifier)

        return Links(
            reports=lister(ANALYSIS_REPORT_LIST),
            completeness=lister(ANALYSIS_COMPLETENESS_LIST),
            csv=csv,
        )
