"""Deadline reminders for national reports, sent by the background worker.

On each reminder day (by default 30, 14, 7 and 1 days before the deadline, Geneva time) the focal
points of every country whose report is not yet submitted get an email. A row in ReminderSent,
unique per report and day, is written in the same transaction as the email is queued: a restarted
or doubled worker never sends a reminder twice.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from codemonitor.accounts.models import focal_points_by_country
from codemonitor.core.links import NATIONAL_REPORT_PAGE, link
from codemonitor.core.mail import mail_queue_each
from codemonitor.instruments.models import Instrument
from codemonitor.reporting.models import ReminderSent, Report, RoundInstrument

GENEVA = ZoneInfo("Europe/Zurich")
PENDING_STATES = (Report.State.DRAFT, Report.State.RETURNED)


def geneva_today() -> dt.date:
    return timezone.localtime(timezone.now(), GENEVA).date()


def reminders_send(*, today: dt.date | None = None) -> int:
    """Send the reminders due on `today` (Geneva); returns how many reports were reminded."""
    today = today or geneva_today()
    days = set(settings.REMINDER_DAYS)
    sent = 0
    focal_points = focal_points_by_country()
    uses = RoundInstrument.objects.filter(
        instrument_version__instrument__kind=Instrument.Kind.NATIONAL
    ).select_related("round")
    for use in uses:
        deadline = timezone.localtime(use.closes_at, GENEVA).date()
        left = (deadline - today).days
        if left not in days or timezone.localtime(use.opens_at, GENEVA).date() > today:
            continue
        for report in use.reports.filter(state__in=PENDING_STATES).select_related(
            "member_state", "round_instrument__round"
        ):
            people = focal_points.get(str(report.member_state_id), [])
            if not people:
                continue
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(report=report, days_before=left, sent_on=today)
                    mail_queue_each(
                        people,
                        template="reminder",
                        context={
                            "report": report,
                            "days": left,
                            "link": link(NATIONAL_REPORT_PAGE, report),
                            "deadline": use.closes_at,
                        },
                    )
            except IntegrityError:
                continue  # already reminded for this day
            sent += 1
    return sent


@task()
def reminders_run(today: str | None = None) -> int:
    """Send today's reminders, then plan the next run for tomorrow morning (Geneva)."""
    day = dt.date.fromisoformat(today) if today else geneva_today()
    count = reminders_send(today=day)
    if today is None:
        reminders_schedule()
    return count


def reminders_schedule(now: dt.datetime | None = None) -> bool:
    """Queue the next daily run (06:00 Geneva) unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path="codemonitor.reporting.reminders.reminders_run", status="READY"
    ).exists()
    if waiting:
        return False
    now = now or timezone.now()
    local = timezone.localtime(now, GENEVA)
    next_run = (local + dt.timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    reminders_run.using(run_after=next_run).enqueue()
    return True
