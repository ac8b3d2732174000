"""Requests to Code Monitor while its database is down, in a process of their own.

    DATABASE_URL=postgres://…@127.0.0.1:<closed port>/x python -m tests.outage < requests.json

Reads a JSON list of requests ({"method", "path", "headers", "cookies", "data"}) on standard
input, sends each with Django's test client (the whole stack: middleware, views, error
handlers) and prints a JSON list of responses ({"status", "headers", "body"}). The tests start
it with a DATABASE_URL nobody listens on, so every query fails as in an outage: a real
connection refused, nothing stubbed. Error pages include tests/error_urls.py's.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codemonitor.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    answers = []
    with override_settings(ROOT_URLCONF="tests.error_urls"):
        for request in json.load(sys.stdin):
            client = Client(raise_request_exception=False, headers=request.get("headers", {}))
            for name, value in request.get("cookies", {}).items():
                client.cookies[name] = value
            send = getattr(client, request.get("method", "get"))
            response = send(request["path"], request.get("data") or {})
            answers.append(
                {
                    "status": response.status_code,
                    "headers": dict(response.headers),
                    "body": response.content.decode("utf-8", "replace"),
                }
            )
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
