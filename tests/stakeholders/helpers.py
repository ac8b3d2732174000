"""Steps of the stakeholder journey, shared by the tests."""

from __future__ import annotations

import re

from django.test import Client

from codemonitor.reporting.models import Report

LINK_RE = re.compile(r"http://testserver(/isri/r/[^/\s]+/)")


def start_report(
    client: Client,
    round_number: int,
    *,
    email: str = "amina@example.org",
    entity: str = "Nurses Without Borders",
) -> Report:
    response = client.post(
        f"/isri/round/{round_number}/start/",
        {"email": email, "entity_name": entity, "homepage": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.get(entity_name=entity)


def link_from(message) -> str:
    from tests.smtp import Mailbox

    match = LINK_RE.search(Mailbox.body(message))
    assert match, Mailbox.body(message)
    return match[1]


def page_url(report: Report, number: int) -> str:
    return f"/isri/report/{report.uuid}/page/{number}/"


def autosave(client: Client, report: Report, key: str, value, *, version=None, page: int = 2):
    data: dict = {"field": key, "page": str(page)}
    if isinstance(value, list):
        data["value"] = value
        data["multiple"] = "1"
    else:
        data["value"] = value
    if version is None:
        version = drawn_version(report, key)
    data["version"] = str(version)
    return client.post(f"/isri/report/{report.uuid}/autosave/", data)


def drawn_version(report: Report | int, key: str) -> int:
    """The version a page drawn now would carry for a field (0: no answer yet)."""
    from codemonitor.reporting.fields import parse_key
    from codemonitor.reporting.models import Answer, PersonalAnswer

    parsed = parse_key(key)
    if parsed is None:
        return 0
    for model in (Answer, PersonalAnswer):
        found = (
            model.objects.filter(report_id=getattr(report, "pk", report), question=parsed[0])
            .filter(row=parsed[1])
            .values_list("version", flat=True)
            .first()
        )
        if found is not None:
            return int(found)
    return 0
