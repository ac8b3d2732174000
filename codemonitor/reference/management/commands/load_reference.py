"""`manage.py load_reference`: load or refresh the reference data (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from codemonitor.reference.services import ReferenceDataError, reference_load


class Command(BaseCommand):
    help = "Load the Member States, regions, safeguards list, articles of the Code and languages."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = reference_load()
        except ReferenceDataError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Reference data loaded: {summary}")
