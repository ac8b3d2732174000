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
from django.db import connection
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
    return throttle_hits((key, limit, window_seconds))


def throttle_hits(*checks: tuple[str, int, int], weight: int = 1) -> bool:
    """Count `weight` uses of each `(key, limit, window_seconds)`; True if every one is still
    within its limit. Each key is counted, whatever the others say; in the database all of them
    are counted by one statement (this runs on every autosave)."""
    now = timezone.now()
    # Keys hold IP addresses and email addresses: store a digest, not the address.
    counted = [
        (hashlib.sha256(key.encode()).hexdigest(), limit, window, _window(now, window))
        for key, limit, window in checks
    ]
    if settings.THROTTLE_STORE == "cache":
        counts = [
            _cache_count(digest, start, window, weight) for digest, _limit, window, start in counted
        ]
    else:
        found = _database_counts(
            [(digest, start) for digest, _limit, _window, start in counted], weight
        )
        counts = [found[digest, start] for digest, _limit, _window, start in counted]
    return all(count <= limit for count, (_d, limit, _w, _s) in zip(counts, counted, strict=True))


def _database_counts(
    keys: list[tuple[str, dt.datetime]], weight: int = 1
) -> dict[tuple[str, dt.datetime], int]:
    """Add one to each (digest, window) counter, creating it at 1: one INSERT … ON CONFLICT DO
    UPDATE … RETURNING (PostgreSQL, SQLite 3.35+), atomic however many processes count."""
    if len({digest for digest, _start in keys}) != len(keys):
        raise ValueError("a key is counted twice in one call")  # one row may change once
    table = connection.ops.quote_name(Throttle._meta.db_table)
    rows = ", ".join(["(%s, %s, %s)"] * len(keys))
    params: list[str | int | None] = []
    for digest, start in keys:
        adapted = connection.ops.adapt_datetimefield_value(start)
        params += [digest, adapted if adapted is None else str(adapted), weight]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, window_start, count) VALUES {rows} "  # noqa: S608
            f"ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + EXCLUDED.count "
            "RETURNING key, count",
            params,
        )
        returned = {str(key): int(count) for key, count in cursor.fetchall()}
    return {(digest, start): returned[digest] for digest, start in keys}


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


def throttle_cache_key(digest: str, start: dt.datetime) -> str:
    return f"throttle:{digest}:{int(start.timestamp())}"


def _cache_count(digest: str, start: dt.datetime, window_seconds: int, weight: int = 1) -> int:
    cache = caches["default"]
    name = throttle_cache_key(digest, start)
    # The counter outlives its window by a minute, for clocks that differ between machines.
    timeout = window_seconds + 60
    for _attempt in range(3):
        cache.add(name, 0, timeout=timeout)  # atomic: only the first process creates it
        try:
            return int(cache.incr(name, weight))  # atomic on Redis (INCRBY)
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


def client_key(request: HttpRequest) -> str:
    """The client's address as rate limits count it: an IPv4 address, or the /64 network of an
    IPv6 address (a single host is usually given a whole /64, and could otherwise take a new
    address for every request)."""
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
