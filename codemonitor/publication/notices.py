"""The publication task: a round whose moment has come is marked published, and the people of
each of its published reports are told, each in their language — a national report's focal
points, a stakeholder report's contact address.

Run hourly by the background worker (`publication_run`, queued by `manage.py publish_due
--schedule`, which `make run` calls). Marking a round and queueing its emails happen in one
transaction, and each report's notice is a `PublicationNotice` row unique per report: a task run
twice, or restarted half-way, never tells anyone twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from codemonitor.accounts.models import focal_points_by_country
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.mail import mail_queue, mail_queue_each
from codemonitor.publication.models import PublicationNotice
from codemonitor.publication.public import public_reports
from codemonitor.reporting.models import ReportContact, Round

TASK_PATH = "codemonitor.publication.notices.publication_run"
LOG = logging.getLogger(__name__)


def publication_due(*, now: dt.datetime | None = None) -> list[Round]:
    """Mark every round whose publication moment has passed (and that is not marked yet) as
    published and tell its reports' people; returns the rounds marked. In rounds marked
    before, the reports that became public since (validated later) are told too. Demonstration
    rounds never: their synthetic reports name real Member States, whose people are not told.
    A round that fails is logged and left for the next run; the others go on."""
    now = now or timezone.now()
    marked: list[Round] = []
    due = Round.objects.filter(publishes_at__lte=now, is_demo=False).values_list(
        "pk", "published_at"
    )
    for pk, published_at in due:
        try:
            with transaction.atomic():
                round_ = Round.objects.select_for_update().get(pk=pk)
                if not round_.is_published(now):
                    continue  # the moment moved meanwhile
                if round_.published_at is None:
                    round_.published_at = now
                    round_.save(update_fields=["published_at"])
                    told = _tell(round_, now)
                    audit_log(
                        action=Action.ROUND_PUBLISHED,
                        actor_label="system",
                        target=round_,
                        data={"round": round_.number, "reports_told": told},
                    )
                    marked.append(round_)
                else:
                    _tell(round_, now, since=published_at)
        except Exception:
            LOG.exception("publication of round %s failed; the next run tries again", pk)
    return marked


def _tell(round_: Round, now: dt.datetime, *, since: dt.datetime | None = None) -> int:
    """Queue one notice per published report of the round not told yet (with `since`, a run
    after the round was published: those that became public since); returns how many."""
    focal_points = focal_points_by_country()
    told = 0
    for round_instrument in round_.instruments.select_related("instrument_version__instrument"):
        reports = public_reports(round_instrument, now=now).select_related(
            "member_state", "round_instrument__round", "instrument_version__instrument"
        )
        if since is not None:
            told_already = PublicationNotice.objects.filter(
                report__round_instrument=round_instrument
            )
            # Every report public now and not told yet: validated after the round was
            # published, or released by the Secretariat after being withheld (a release does
            # not change the report itself, so its last change says nothing).
            reports = reports.exclude(pk__in=told_already.values("report_id"))
        contacts = dict(
            ReportContact.objects.filter(report__in=reports).values_list("report_id", "email")
        )
        for report in reports:
            people = focal_points.get(str(report.member_state_id), [])
            address = contacts.get(report.pk, "")
            if not people and not address:
                continue
            try:
                with transaction.atomic():
                    PublicationNotice.objects.create(
                        report=report, sent_at=now, recipients=len(people) or 1
                    )
            except IntegrityError:
                continue  # told already
            context = {"report": report, "round": round_}
            if people:
                mail_queue_each(people, template="report_published", context=context)
            else:
                mail_queue(
                    to=[address],
                    template="report_published",
                    language=report.language,
                    context={**context, "person": None},
                )
            told += 1
    return told


@task()
def publication_run(now: str | None = None) -> int:
    """Publish what is due; the next run (the top of the next hour) is planned whatever
    happens to this one."""
    moment = dt.datetime.fromisoformat(now) if now else None
    try:
        return len(publication_due(now=moment))
    finally:
        if now is None:
            publication_schedule()


def publication_schedule(now: dt.datetime | None = None) -> bool:
    """Queue the next hourly run unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").exists():
        return False
    now = now or timezone.now()
    next_run = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    publication_run.using(run_after=next_run).enqueue()
    return True
