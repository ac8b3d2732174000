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

from codemonitor.accounts.models import Role, User
from codemonitor.demo.reports import demo_reports_create
from codemonitor.demo.rounds import demo_round_ensure
from codemonitor.instruments.services import instruments_load_shipped
from codemonitor.reference.services import reference_load
from codemonitor.reporting.models import Report
from codemonitor.reporting.rounds import rounds_load_history


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
        self._account(
            "secretariat", "secretariat@example.org", Role.SECRETARIAT_ADMIN, None, superuser=True
        )
        if not options["no_demo"]:
            # A demonstration focal point, for a country whose report is in the demo round.
            report = (
                Report.objects.filter(
                    round_instrument__round__is_demo=True,
                    member_state__isnull=False,
                    state=Report.State.DRAFT,
                )
                .order_by("member_state_id")
                .first()
            )
            if report is not None and not User.objects.filter(username="focal-point").exists():
                self._account(
                    "focal-point",
                    "focal.point@example.org",
                    Role.FOCAL_POINT,
                    report.member_state_id,
                )

    def _account(
        self, username: str, email: str, role: str, country: str | None, *, superuser: bool = False
    ) -> None:
        password_file = settings.DATA_DIR / f"{username}-password.txt"
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User(
                username=username,
                email=email,
                role=role,
                member_state_id=country,
                is_staff=superuser,
                is_superuser=superuser,
            )
            user.set_password(password)
            user.save()
            settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        elif not user.role:
            user.role, user.member_state_id = role, country
            user.save(update_fields=["role", "member_state"])
        where = f" for {user.member_state_id}" if user.member_state_id else ""
        self.stdout.write(
            f"Account {username} ({user.get_role_display()}{where}): password in {password_file}"
        )
