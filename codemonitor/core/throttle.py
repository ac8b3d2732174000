"""Rate limits every worker process and machine counts alike.

The counters live where THROTTLE_STORE says: rows in the database (the default), or the shared
cache (Redis), counted with its atomic add and incr. Either way `throttle_hit` is the one entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from codemonitor.core.models import Throttle

# Every window in use is an hour or less: rows older than this are over and can go.
THROTTLE_KEEP = dt.timedelta(days=1)


def _window(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def throttle_hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one use of `key`; True if it is still within `limit` uses in the current window."""
    # Keys hold IP addresses and email addresses: store a digest, not the address.
    digest = hashlib.sha256(key.encode()).hexdigest()
    start = _window(timezone.now(), window_seconds)
    if settings.THROTTLE_STORE == "cache":
        count = _cache_count(digest, start, window_seconds)
    else:
        count = _database_count(digest, start)
    return count <= limit


def throttle_reached(key: str, *, limit: int, window_seconds: int) -> bool:
    """Whether `key` has been counted `limit` times in the current window (counts nothing).

    With `throttle_hit` on failures only, a limit on failures: the successes of the right person
    are not counted, and once `limit` failures are in, every further try is refused.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()
    start = _window(timezone.now(), window_seconds)
    if settings.THROTTLE_STORE == "cache":
        count = int(caches["default"].get(throttle_cache_key(digest, start)) or 0)
    else:
        found = Throttle.objects.filter(key=digest, window_start=start).values_list(
            "count", flat=True
        )
        count = found.first() or 0
    return count >= limit


def _database_count(digest: str, start: dt.datetime) -> int:
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
        return Throttle.objects.get(key=digest, window_start=start).count


def throttle_cache_key(digest: str, start: dt.datetime) -> str:
    return f"throttle:{digest}:{int(start.timestamp())}"


def _cache_count(digest: str, start: dt.datetime, window_seconds: int) -> int:
    cache = caches["default"]
    name = throttle_cache_key(digest, start)
    # The counter outlives its window by a minute, for clocks that differ between machines.
    timeout = window_seconds + 60
    for _attempt in range(3):
        cache.add(name, 0, timeout=timeout)  # atomic: only the first process creates it
        try:
            return int(cache.incr(name))  # atomic on Redis (INCR)
        except ValueError:
            continue  # expired between add and incr: create it again
    raise RuntimeError(f"rate-limit counter {name} could not be counted")


def throttle_clear_old(before: dt.datetime) -> int:
    return Throttle.objects.filter(window_start__lt=before).delete()[0]


def throttle_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the database counters of windows that are long over; returns how many."""
    return throttle_clear_old((now or timezone.now()) - THROTTLE_KEEP)


def client_ip(request: HttpRequest) -> str:
    """The client's address, which a client cannot choose.

    With TRUSTED_PROXY_HOPS = N proxies in front of the application, each appending the address
    it saw to X-Forwarded-For, the client is the N-th entry from the right: entries further left
    were sent by the client itself and are ignored. Without trusted proxies, the TCP peer.
    """
    peer = str(request.META.get("REMOTE_ADDR", ""))
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if hops <= 0 or not forwarded:
        return peer
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return peer
    candidate = entries[-hops] if len(entries) >= hops else entries[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
