"""Cross-cutting records: rate-limit counters."""

from __future__ import annotations

from django.db import models


class Throttle(models.Model):
    """How many times a key (an action and an IP address or email) was used in a window."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="throttle_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.count}"
