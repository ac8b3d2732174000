"""`manage.py checkform FILE.xlsx`: check an XLSForm as an upload would.

Prints every error (sheet, row, column, what is wrong) and exits 1 when there is any; prints a
one-line summary and exits 0 when the form is good. Never ends in a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from codemonitor.instruments.xlsform import check_file


class Command(BaseCommand):
    help = "Check an XLSForm workbook and list every error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="XLSForm workbooks (.xlsx)")
        parser.add_argument("--quiet-warnings", action="store_true", help="do not print warnings")

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for path in options["files"]:
            try:
                result = check_file(path)
            except Exception as exc:  # the promise: a message, never a traceback
                self.stdout.write(
                    f"{path}: the form could not be checked ({type(exc).__name__}: {exc})"
                )
                failed = True
                continue
            if not options["quiet_warnings"]:
                for warning in result.warnings:
                    self.stdout.write(f"{path}: warning: {warning}")
            if result.ok:
                self.stdout.write(f"{path}: OK — {result.summary()}")
            else:
                failed = True
                count = len(result.errors)
                self.stdout.write(f"{path}: {count} error{'s' if count != 1 else ''}")
                for error in result.errors:
                    self.stdout.write(f"  {error}")
        if failed:
            sys.exit(1)
