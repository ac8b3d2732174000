"""`manage.py worker`: the background worker (receipts, reminders, emails), for production.

The same options as django_tasks_db's `db_worker`, which it runs, plus `--max-backoff`; unlike
`db_worker` it does not end when the database goes away but waits and reconnects
(codemonitor/core/worker.py). Whatever starts it should still start it again if it ends:
`make run` runs it under `python -m codemonitor.supervise`, a server under systemd
(docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from codemonitor.core.worker import ResilientWorker


class Command(db_worker.Command):
    help = "Run the background worker; it waits out database outages and reconnects."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--max-backoff",
            type=db_worker.valid_interval,
            default=30.0,
            help="the longest pause, in seconds, between two tries to reach the database "
            "during an outage (1, 2, 4 … up to this; default: %(default)r)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            max_backoff=options["max_backoff"],
        )
        if options["reload"] and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # in the reloaded child only
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
