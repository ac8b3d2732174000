"""`manage.py publish_due [--schedule]`: publish the rounds whose moment has come (and tell their
reports' people), or with `--schedule` queue the hourly task that does (never a second one)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from codemonitor.publication.notices import publication_due, publication_schedule


class Command(BaseCommand):
    help = "Publish the rounds whose publication moment has come, or queue the hourly task."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help="queue the hourly task instead of running now"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = publication_schedule()
            self.stdout.write("publication task queued" if queued else "publication task waiting")
            return
        for round_ in publication_due():
            self.stdout.write(f"round {round_.number} published")
