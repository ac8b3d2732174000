"""`manage.py maintenance [--schedule]`: daily housekeeping, now or in the background worker.

Removes rate-limit counters of windows long over and expired sessions. With `--schedule` (run by
`make run`) it queues the daily run at 03:00 Geneva instead, unless one is already waiting.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from codemonitor.core.maintenance import maintenance_prune, maintenance_schedule


class Command(BaseCommand):
    help = "Remove old rate-limit counters and expired sessions, or plan the daily run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="queue the daily run (03:00 Geneva) for the worker instead of running now",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = maintenance_schedule()
            self.stdout.write("Daily maintenance queued." if queued else "Already queued.")
            return
        removed = maintenance_prune()
        self.stdout.write(f"Removed {removed} old rate-limit counter(s) and expired sessions.")
