"""Rate limits count alike in every process, in the database or in the shared cache (Redis);
the client's address they count cannot be chosen by the client."""

from __future__ import annotations

import hashlib
import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from codemonitor.core.models import Throttle
from codemonitor.core.throttle import (
    _window,
    throttle_cache_key,
    throttle_hit,
    throttle_hits,
    throttle_reached,
)
from tests.core.conftest import redis_client


@pytest.fixture(params=["database", "cache"])
def store(request, settings) -> str:
    name = str(request.param)
    settings.THROTTLE_STORE = name
    if name == "cache":
        request.getfixturevalue("redis_cache")
    return name


def fresh_key() -> str:
    return f"test:ip:{uuid.uuid4()}"


@pytest.mark.django_db
def test_uses_up_to_the_limit_pass_and_keys_count_apart(store) -> None:
    key, other = fresh_key(), fresh_key()
    hits = [throttle_hit(key, limit=3, window_seconds=3600) for _ in range(5)]
    assert hits == [True, True, True, False, False]
    assert throttle_hit(other, limit=3, window_seconds=3600) is True


@pytest.mark.django_db
def test_several_keys_are_counted_together_each_against_its_limit(store) -> None:
    """Autosave counts per report and per address on every save: every key is counted, the
    answer is whether all are within their limits."""
    report, address = fresh_key(), fresh_key()
    answers = [throttle_hits((report, 2, 60), (address, 3, 3600)) for _ in range(4)]
    assert answers == [True, True, False, False]
    assert throttle_hit(address, limit=5, window_seconds=3600) is True  # counted 4 times before
    assert throttle_hit(address, limit=5, window_seconds=3600) is False


@pytest.mark.django_db
def test_the_database_counts_several_keys_in_one_statement(settings) -> None:
    from django.test.utils import CaptureQueriesContext

    settings.THROTTLE_STORE = "database"
    with CaptureQueriesContext(connection) as queries:
        throttle_hits((fresh_key(), 5, 60), (fresh_key(), 5, 3600), (fresh_key(), 5, 900))
    assert len(queries) == 1
    with pytest.raises(ValueError):
        key = fresh_key()
        throttle_hits((key, 5, 60), (key, 9, 60))


@pytest.mark.django_db
def test_reached_reads_the_count_without_counting(store) -> None:
    key = fresh_key()
    assert [throttle_reached(key, limit=2, window_seconds=3600) for _ in range(3)] == [False] * 3
    throttle_hit(key, limit=2, window_seconds=3600)
    assert not throttle_reached(key, limit=2, window_seconds=3600)
    throttle_hit(key, limit=2, window_seconds=3600)
    assert throttle_reached(key, limit=2, window_seconds=3600)
    assert throttle_hit(key, limit=2, window_seconds=3600) is False  # the third use


@pytest.mark.django_db
def test_each_store_keeps_the_counter_where_it_says(store, settings) -> None:
    key = fresh_key()
    for _ in range(4):
        throttle_hit(key, limit=10, window_seconds=3600)
    digest = hashlib.sha256(key.encode()).hexdigest()
    start = _window(timezone.now(), 3600)
    if store == "database":
        row = Throttle.objects.get(key=digest)
        assert (row.window_start, row.count) == (start, 4)
    else:
        assert not Throttle.objects.exists()
        from django.core.cache import cache

        raw = cache.make_key(throttle_cache_key(digest, start))
        client = redis_client()
        assert int(client.get(raw)) == 4
        # The counter goes by itself once its window (and a minute's grace) is over.
        assert 3600 < client.ttl(raw) <= 3660
    assert key not in str(list(Throttle.objects.values_list("key", flat=True)))  # digests only


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_counted_exactly(store) -> None:
    if store == "database" and connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database cannot serve several threads' transactions; "
            "the database store is counted concurrently on PostgreSQL (.ci/run's second pass)"
        )
    key = fresh_key()
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def hit_five_times() -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(5):
                allowed = throttle_hit(key, limit=12, window_seconds=3600)
                with lock:
                    results.append(allowed)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hit_five_times) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(results) == 30
    assert results.count(True) == 12


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),  # no trusted proxy: the header is ignored
        (1, "", "10.0.0.2"),
        (1, "203.0.113.9", "203.0.113.9"),  # a proxy that replaces the header
        (1, "198.51.100.66, 203.0.113.9", "203.0.113.9"),  # appended to what the client sent
        (2, "198.51.100.66, 203.0.113.9, 192.0.2.10", "203.0.113.9"),  # balancer, then proxy
        (2, "203.0.113.9", "203.0.113.9"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_cannot_be_chosen_by_the_client(
    rf, settings, hops, forwarded, expected
) -> None:
    from codemonitor.core.throttle import client_ip

    settings.TRUSTED_PROXY_HOPS = hops
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# Through the views: behind one proxy the client is the entry the proxy appended, and what the
# client wrote to the left of it changes nothing.


def post_start(client, number: int, email: str, entity: str, **extra):
    return client.post(
        f"/isri/round/{number}/start/", {"email": email, "entity_name": entity}, **extra
    )


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_sign_in_limits(settings, fp_a) -> None:
    from tests.conftest import PASSWORD

    settings.TRUSTED_PROXY_HOPS = 1
    proxy = Client(REMOTE_ADDR="10.0.0.1")

    def sign_in(n: int, username: str, password: str, client: str = "203.0.113.66"):
        return proxy.post(
            "/account/sign-in/",
            {"username": username, "password": password},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {client}",
        )

    # The back-off of an (account, address) pair.
    statuses = [sign_in(n, fp_a.email, "wrong").status_code for n in range(1, 8)]
    assert statuses == [400] * 4 + [429] * 3
    assert sign_in(99, fp_a.email, PASSWORD).status_code == 429
    # The limit on every sign-in from one address.
    settings.RATE_SIGN_IN_PER_IP = (3, 900)
    statuses = [
        sign_in(n, f"guess{n}@example.org", "wrong", "203.0.113.88").status_code
        for n in range(1, 6)
    ]
    assert statuses == [400, 400, 400, 429, 429]
    # The account's owner, another client of the same proxy, signs in.
    assert sign_in(1, fp_a.email, PASSWORD, "203.0.113.77").status_code == 302


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_start_limit(isri_round, smtp, settings) -> None:
    settings.TRUSTED_PROXY_HOPS = 1
    settings.RATE_START_PER_IP = (2, 3600)
    number = isri_round.round.number
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    statuses = [
        post_start(
            proxy,
            number,
            f"f{n}@example.org",
            f"Forged {n}",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}, 203.0.113.66",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
    # Another client behind the same proxy is counted apart.
    other = post_start(
        proxy, number, "other@example.org", "Other", HTTP_X_FORWARDED_FOR="203.0.113.77"
    )
    assert other.status_code == 302
