"""Rate limits kept in the database, so that every worker process counts the same hits."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from codemonitor.core.models import Throttle


def _window(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def throttle_hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one use of `key`; True if it is still within `limit` uses in the current window."""
    # Keys hold IP addresses and email addresses: store a digest, not the address.
    digest = hashlib.sha256(key.encode()).hexdigest()
    start = _window(timezone.now(), window_seconds)
    with transaction.atomic():
        updated = Throttle.objects.filter(key=digest, window_start=start).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    Throttle.objects.create(key=digest, window_start=start, count=1)
            except IntegrityError:
                Throttle.objects.filter(key=digest, window_start=start).update(count=F("count") + 1)
        count = Throttle.objects.get(key=digest, window_start=start).count
    return count <= limit


def throttle_clear_old(before: dt.datetime) -> int:
    return Throttle.objects.filter(window_start__lt=before).delete()[0]


def client_ip(request: HttpRequest) -> str:
    """The client's address; behind a trusted proxy, the first X-Forwarded-For entry."""
    from django.conf import settings

    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))
