"""Write a round's open data package to a folder, for the Secretariat's archive and for mirrors.

    python manage.py export_round 5 --output /srv/archive/round-5

By default the package is the public one: the round must be public, and holds what the portal
publishes. `--unpublished` writes the reports the publication shows whatever the date (the
Secretariat's archive before the embargo ends); `--personal` adds the personal answers and
contacts to it. Either is audited like a download from the back office.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from codemonitor.core.languages import BY_CODE
from codemonitor.publication.files import package_write
from codemonitor.publication.opendata import PUBLIC
from codemonitor.publication.public import NotPublic
from codemonitor.publication.services import PublicationRefused, round_data_export
from codemonitor.reporting.models import Round


class Command(BaseCommand):
    help = "Write a round's open data package (datapackage.json, CSV files, codebook) to a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round", type=int, help="the round's number")
        parser.add_argument("--output", required=True, help="the folder to write (made if need be)")
        parser.add_argument(
            "--unpublished",
            action="store_true",
            help="the reports the publication shows, whatever the date (the Secretariat's archive)",
        )
        parser.add_argument(
            "--personal",
            action="store_true",
            help="with --unpublished: the personal answers and contacts too (audited)",
        )
        parser.add_argument(
            "--language", default="en", help="the language of the labels and the codebook"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        round_ = Round.objects.filter(number=options["round"]).first()
        if round_ is None:
            raise CommandError(f"There is no round {options['round']}.")
        if options["personal"] and not options["unpublished"]:
            raise CommandError("--personal needs --unpublished: personal data are never public.")
        if options["language"] not in BY_CODE:
            raise CommandError(
                f"Unknown language {options['language']!r}: one of {', '.join(BY_CODE)}."
            )
        folder = Path(options["output"])
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"{folder} exists and is not a folder.")
        scope = PUBLIC
        if options["unpublished"]:
            try:
                scope = round_data_export(
                    round_=round_,
                    user=None,
                    personal=options["personal"],
                    file_format="zip",
                    actor_label="manage.py export_round",
                )
            except PublicationRefused as refused:
                raise CommandError(str(refused)) from None
        try:
            descriptor = package_write(round_, folder, scope=scope, language=options["language"])
        except NotPublic:
            raise CommandError(
                f"Round {round_.number} is not public yet: use --unpublished for the "
                "Secretariat's archive."
            ) from None
        if scope.personal:
            # Personal data: readable by the account that wrote them only.
            folder.chmod(0o700)
            for path in folder.rglob("*"):
                path.chmod(0o700 if path.is_dir() else 0o600)
        self.stdout.write(
            f"Round {round_.number}: {len(descriptor['resources'])} resources written to "
            f"{folder} (version {descriptor['version']})."
        )
