"""`manage.py statistics_from_reports`: the NRI statistics again from every validated report.

Validating a report makes its statistics at once; this rebuilds them all, e.g. after a form's
`statistic` column changed, or after data were restored. Idempotent: a second run changes
nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from codemonitor.workforce.reports import statistics_from_reports


class Command(BaseCommand):
    help = "Rebuild the statistics of the national reports (NRI) from every validated report."

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = statistics_from_reports()
        self.stdout.write(
            "NRI statistics: {created} created, {updated} updated, {unchanged} unchanged, "
            "{removed} removed, {superseded} left to a later round's report.".format(
                **outcome.as_dict()
            )
        )
