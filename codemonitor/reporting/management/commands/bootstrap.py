"""`manage.py bootstrap`: everything a fresh installation needs after `migrate` (idempotent).

Reference data, the shipped instruments, the history of rounds, the demonstration round with
synthetic reports (only when it has none), and a Secretariat account whose password is written
to DATA_DIR/secretariat-password.txt the first time.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from codemonitor.accounts.models import User
from codemonitor.instruments.services import instruments_load_shipped
from codemonitor.reference.services import reference_load
from codemonitor.reporting.demo import demo_reports_create
from codemonitor.reporting.models import Report
from codemonitor.reporting.rounds import demo_round_ensure, rounds_load_history


class Command(BaseCommand):
    help = (
        "Load reference data, instruments, rounds and the demo round; create a Secretariat account."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--national", type=int, default=30)
        parser.add_argument("--stakeholders", type=int, default=50)
        parser.add_argument("--no-demo", action="store_true", help="no demonstration round")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Reference data: {reference_load()}")
        for result in instruments_load_shipped():
            self.stdout.write(
                f"Instrument {result.version}: {'stored' if result.created else 'unchanged'}"
            )
        self.stdout.write(f"Rounds of history: {rounds_load_history()}")
        if not options["no_demo"]:
            round_ = demo_round_ensure()
            if not Report.objects.filter(round_instrument__round=round_).exists():
                summary = demo_reports_create(
                    round_=round_,
                    national=options["national"],
                    stakeholders=options["stakeholders"],
                )
                self.stdout.write(f"{round_}: {summary}")
        password_file = settings.DATA_DIR / "secretariat-password.txt"
        if not User.objects.filter(username="secretariat").exists():
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("secretariat", "secretariat@example.org", password)
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        self.stdout.write(f"Secretariat account: secretariat (password in {password_file})")
