"""The cache every worker and machine shares: a database table by default, Redis on request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
from django.core.cache import caches
from django.db import connection

from tests.core.conftest import REDIS_URL, redis_client
from tests.test_settings import ROOT, settings_for

KEY = "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789"


def django_in_subprocess(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python with Django set up from these environment variables only."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "CACHE_URL", "THROTTLE_STORE", "CACHE_KEY_PREFIX"}
    }
    script = "import django\ndjango.setup()\n" + textwrap.dedent(code)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "codemonitor.settings", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_default_cache_is_the_database_table_made_by_migrate(db) -> None:
    cache = caches["default"]
    assert type(cache).__name__ == "DatabaseCache"
    # The test database was built by migrating: core.0002 created the table.
    assert "codemonitor_cache" in connection.introspection.table_names()
    cache.set("greeting", {"text": "hello"}, timeout=60)
    assert cache.get("greeting") == {"text": "hello"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM codemonitor_cache")
        assert cursor.fetchone()[0] >= 1
    assert cache.add("greeting", "again") is False


def test_createcachetable_after_migrate_is_harmless(db) -> None:
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
    call_command("createcachetable", "codemonitor_cache", verbosity=0)
    assert "codemonitor_cache" in connection.introspection.table_names()


def test_cache_url_selects_redis_and_it_works_against_the_real_redis() -> None:
    client = redis_client()
    prefix = f"codemonitor-test-{uuid.uuid4().hex}"
    try:
        result = django_in_subprocess(
            {
                "SECRET_KEY": KEY,
                "CACHE_URL": REDIS_URL,
                "CACHE_KEY_PREFIX": prefix,
                "THROTTLE_STORE": "cache",
            },
            """
            import json
            from django.conf import settings
            from django.core.cache import cache
            cache.set("x", 41)
            value = cache.incr("x")
            print(json.dumps([settings.CACHES["default"], settings.THROTTLE_STORE, value]))
            """,
        )
        assert result.returncode == 0, result.stderr
        config, store, value = json.loads(result.stdout)
        assert config == {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
        assert store == "cache"
        assert value == 42
        # The value is in Redis itself, under the prefix, where another machine reads it.
        assert int(client.get(f"{prefix}:1:x")) == 42
    finally:
        client.delete(f"{prefix}:1:x")


def test_the_redis_cache_in_this_process(redis_cache, redis_prefix) -> None:
    redis_cache.set("report:1", ["a", "b"], timeout=30)
    assert redis_cache.get("report:1") == ["a", "b"]
    assert redis_cache.add("counter", 0, timeout=30) is True
    assert redis_cache.add("counter", 0, timeout=30) is False
    assert redis_cache.incr("counter") == 1
    assert 0 < redis_client().ttl(f"{redis_prefix}:1:counter") <= 30


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CACHE_URL": "memcached://127.0.0.1:11211"}, "CACHE_URL must be"),
        ({"THROTTLE_STORE": "cache"}, "THROTTLE_STORE=cache needs CACHE_URL=redis"),
        ({"THROTTLE_STORE": "memory"}, "THROTTLE_STORE must be one of database, cache"),
        ({"SESSION_STORE": "cache"}, "SESSION_STORE must be one of db, cached_db"),
        ({"STORAGE_BACKEND": "s3"}, "STORAGE_BACKEND=s3 needs S3_BUCKET"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be one of filesystem, s3"),
    ],
)
def test_bad_values_are_refused_saying_which_variable(env, message) -> None:
    result = settings_for({"SECRET_KEY": KEY, **env}, "settings.CACHES")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_defaults_are_database_everything() -> None:
    result = settings_for(
        {"SECRET_KEY": KEY},
        "__import__('json').dumps([settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE,"
        " settings.THROTTLE_STORE, settings.STORAGES['default']['BACKEND']])",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "django.core.cache.backends.db.DatabaseCache",
        "django.contrib.sessions.backends.db",
        "database",
        "django.core.files.storage.FileSystemStorage",
    ]


def test_sessions_can_also_be_kept_in_the_cache() -> None:
    result = settings_for(
        {"SECRET_KEY": KEY, "SESSION_STORE": "cached_db"}, "settings.SESSION_ENGINE"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.contrib.sessions.backends.cached_db"
