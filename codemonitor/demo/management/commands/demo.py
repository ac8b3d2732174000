"""`manage.py demo --national N --stakeholders M`: add synthetic reports to the demo round."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codemonitor.demo.reports import demo_reports_create
from codemonitor.demo.rounds import demo_round_ensure
from codemonitor.reporting.models import Report


class Command(BaseCommand):
    help = "Fill the demonstration round with synthetic national and stakeholder reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--national",
            type=int,
            default=20,
            help="national reports to add (at most one per Member State)",
        )
        parser.add_argument(
            "--stakeholders", type=int, default=40, help="stakeholder reports to add"
        )
        parser.add_argument("--seed", type=int, default=2024, help="random seed")
        parser.add_argument(
            "--reset", action="store_true", help="delete the demo round's reports first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["national"] < 0 or options["stakeholders"] < 0:
            raise CommandError("--national and --stakeholders cannot be negative")
        round_ = demo_round_ensure()
        if not round_.instruments.exists():
            raise CommandError("no instrument is loaded: run `manage.py load_instruments` first")
        if options["reset"]:
            Report.objects.filter(round_instrument__round=round_).delete()
        summary = demo_reports_create(
            round_=round_,
            national=options["national"],
            stakeholders=options["stakeholders"],
            seed=options["seed"],
        )
        self.stdout.write(f"{round_}: added {summary}")
