"""A round is public from a moment (Geneva time), no longer from a day; a report may be withheld
from its round's publication. A day already set becomes midnight of that day in Geneva; a round
already public then counts as published (its people are not told again that it is).

Going back is refused while a report is withheld (the old schema cannot keep it out), and a
moment that is not midnight becomes the next day (never public earlier than decided)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import migrations, models

GENEVA = ZoneInfo("Europe/Zurich")


def day_to_moment(apps, schema_editor):
    Round = apps.get_model("reporting", "Round")
    now = dt.datetime.now(dt.UTC)
    for round_ in Round.objects.exclude(publication_date=None):
        day = round_.publication_date
        round_.publishes_at = dt.datetime(day.year, day.month, day.day, tzinfo=GENEVA)
        if round_.publishes_at <= now:
            round_.published_at = round_.publishes_at
        round_.save(update_fields=["publishes_at", "published_at"])


def moment_to_day(apps, schema_editor):
    Report = apps.get_model("reporting", "Report")
    if Report.objects.filter(withheld=True).exists():
        raise RuntimeError(
            "Reports are withheld from publication: the earlier schema cannot keep them out. "
            "Release them (or keep this migration) before going back."
        )
    Round = apps.get_model("reporting", "Round")
    for round_ in Round.objects.exclude(publishes_at=None):
        local = round_.publishes_at.astimezone(GENEVA)
        day = local.date()
        if local.time() != dt.time(0, 0):
            day += dt.timedelta(days=1)  # never public earlier than decided
        round_.publication_date = day
        round_.save(update_fields=["publication_date"])


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0005_report_submitted_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="withheld",
            field=models.BooleanField(default=False, verbose_name="withheld from publication"),
        ),
        migrations.AddField(
            model_name="round",
            name="published_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="made public"
            ),
        ),
        migrations.AddField(
            model_name="round",
            name="publishes_at",
            field=models.DateTimeField(
                blank=True,
                help_text=(
                    "Nothing of the round is public before this moment, Geneva time (after the "
                    "Health Assembly); without one, nothing of it ever is."
                ),
                null=True,
                verbose_name="public from",
            ),
        ),
        migrations.RunPython(day_to_moment, moment_to_day),
        migrations.RemoveField(
            model_name="round",
            name="publication_date",
        ),
    ]
