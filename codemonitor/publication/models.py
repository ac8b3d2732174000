"""What publication keeps: which report's people were told that it is public (once each)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from codemonitor.reporting.models import Report


class PublicationNotice(models.Model):
    """The email that told a published report's people that it is public: one per report, written
    in the transaction that queues it, so that a restarted or doubled task never tells twice."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    # How many addresses it went to (focal points of the country, or the report's contact).
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("publication notice")
        verbose_name_plural = _("publication notices")

    def __str__(self) -> str:
        return f"notice of {self.report_id}"
