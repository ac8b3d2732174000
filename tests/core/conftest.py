"""Fixtures for the platform's shared services: the real Redis on 127.0.0.1."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.core.cache import caches

from codemonitor.settings import cache_config

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_client() -> redis.Redis:
    """A client of the machine's Redis, or a skip saying why there is none."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(f"Redis is not reachable on 127.0.0.1:6379 ({error}); .ci/run starts it")
    return client


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of this test's own, removed afterwards (the Redis is shared)."""
    client = redis_client()
    prefix = f"codemonitor-test-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def redis_cache(settings, redis_prefix):
    """The cache configured as CACHE_URL=redis://127.0.0.1:6379/0 configures it."""
    settings.CACHES = {"default": {**cache_config(REDIS_URL), "KEY_PREFIX": redis_prefix}}
    return caches["default"]
