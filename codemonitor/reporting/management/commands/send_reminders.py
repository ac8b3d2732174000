"""`manage.py send_reminders [--date YYYY-MM-DD] [--schedule]`: deadline reminders.

The worker runs them every morning once `--schedule` (or `make run`) has queued the first run;
this command also sends the reminders of a given day at once (idempotent: never twice).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codemonitor.reporting.reminders import reminders_schedule, reminders_send


class Command(BaseCommand):
    help = "Send today's deadline reminders, or plan the daily run in the background worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to send for (default: today, Geneva)")
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="queue the daily run for the worker instead of sending now",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            queued = reminders_schedule()
            self.stdout.write("Daily reminders queued." if queued else "Already queued.")
            return
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date {options['date']!r} is not a date (YYYY-MM-DD)"
                ) from None
        count = reminders_send(today=day)
        self.stdout.write(f"Reminders sent for {count} report(s).")
