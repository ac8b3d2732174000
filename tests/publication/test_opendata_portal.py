"""The open data on the portal (/rounds/<n>/data/…, /rounds/<n>/codebook…) and the Secretariat's
archive download in the back office: nothing before the moment, for anyone; then only what is
published, never personal data; the archive audited, personal data only on an explicit choice."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import frictionless
import pytest
from django.test import Client
from openpyxl import load_workbook

from codemonitor.core.models import AuditEntry
from tests.conftest import sign_in
from tests.publication.conftest import (
    DOCUMENT_NAME,
    PLANTED_EMAIL,
    PLANTED_NAME,
    PLANTED_PHONE,
    PLANTED_WEBSITE,
)
from tests.publication.test_portal import move_the_clock, visitors

__all__ = ["visitors"]
pytestmark = pytest.mark.django_db
PLANTED = (PLANTED_NAME, PLANTED_EMAIL, PLANTED_PHONE, DOCUMENT_NAME, PLANTED_WEBSITE)


def data_urls(number: int) -> list[str]:
    base = f"/rounds/{number}"
    return [
        f"{base}/data/",
        f"{base}/data/datapackage.json",
        f"{base}/data/datapackage.zip",
        f"{base}/data/all.xlsx",
        f"{base}/data/all.json",
        f"{base}/data/national_reports.csv",
        f"{base}/data/stakeholder_reports.json",
        f"{base}/data/stakeholder_answers.csv?labels=1&language=fr",
        f"{base}/codebook/",
        f"{base}/codebook.csv",
        f"{base}/codebook.pdf?language=ar",
    ]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _texts(response) -> str:
    """Every text a response holds: an archive's and a workbook's members opened."""
    body = _body(response)
    kind = response["Content-Type"]
    if kind == "application/zip":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(
                archive.read(name).decode() for name in archive.namelist() if name[-4:] != ".pdf"
            )
    if "spreadsheetml" in kind:
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
        )
    if kind == "application/pdf":
        return ""
    return body.decode()


def test_nothing_of_the_open_data_before_the_moment(round_, visitors, settings) -> None:
    settings.RATE_DOWNLOADS_PER_IP = (1000, 60)
    move_the_clock(round_, public=False)
    for name, client in visitors.items():
        for url in data_urls(round_["round"].number):
            assert client.get(url).status_code == 404, (name, url)


def test_then_only_what_is_published_never_personal_data(round_, visitors, settings) -> None:
    settings.RATE_DOWNLOADS_PER_IP = (1000, 60)
    move_the_clock(round_, public=True)
    for name, client in visitors.items():
        for url in data_urls(round_["round"].number):
            response = client.get(url)
            assert response.status_code == 200, (name, url)
            text = _texts(response)
            for planted in PLANTED:
                assert planted not in text, (name, url, planted)
    client = visitors["anonymous"]
    number = round_["round"].number
    rows = list(
        csv.DictReader(
            io.StringIO(_body(client.get(f"/rounds/{number}/data/national_reports.csv")).decode())
        )
    )
    assert [int(row["report_id"]) for row in rows] == [round_["national"].pk]
    response = client.get(f"/rounds/{number}/data/national_reports.csv")
    assert "public" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    stakeholders = json.loads(_body(client.get(f"/rounds/{number}/data/stakeholder_reports.json")))
    assert {row["report_id"] for row in stakeholders} == {round_["named"].pk, round_["unnamed"].pk}


def test_the_downloaded_package_validates(round_, tmp_path, settings) -> None:
    move_the_clock(round_, public=True)
    response = Client().get(f"/rounds/{round_['round'].number}/data/datapackage.zip")
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        archive.extractall(tmp_path)
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_bad_file_names_and_too_many_downloads(round_, settings) -> None:
    move_the_clock(round_, public=True)
    client = Client()
    number = round_["round"].number
    for bad in (
        "nothing.csv",
        "national_reports.xml",
        "..%2Fsettings.py",
        "NATIONAL_REPORTS.CSV",
        "a" * 200 + ".csv",
        "datapackage.tar",
    ):
        assert client.get(f"/rounds/{number}/data/{bad}").status_code == 404, bad
    assert client.get(f"/rounds/{number}/codebook.docx").status_code == 404
    assert client.get("/rounds/999/data/").status_code == 404
    assert client.post(f"/rounds/{number}/data/all.json").status_code in {403, 405}
    settings.RATE_DOWNLOADS_PER_IP = (2, 60)
    statuses = [client.get(f"/rounds/{number}/data/all.json").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get(f"/rounds/{number}/data/all.xlsx")
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    # A table on its own counts as well; the package's description does not.
    assert client.get(f"/rounds/{number}/data/countries.csv").status_code == 429
    described = client.get(f"/rounds/{number}/data/datapackage.json")
    assert described.status_code == 200
    paths = [resource["path"] for resource in json.loads(described.content)["resources"]]
    assert "stakeholder_reports.csv" in paths  # next to it, at /rounds/<n>/data/


def test_the_round_page_links_its_open_data(round_) -> None:
    move_the_clock(round_, public=True)
    number = round_["round"].number
    page = Client().get(f"/rounds/{number}/").content.decode()
    assert f"/rounds/{number}/data/datapackage.zip" in page
    assert f"/rounds/{number}/codebook/" in page
    data = Client().get(f"/rounds/{number}/data/").content.decode()
    assert f"/rounds/{number}/data/stakeholder_reports.csv" in data


def test_the_secretariat_archive(round_, people) -> None:
    """Before the moment: the Secretariat downloads what will be published; personal data
    only when it ticks the box; each download audited; no one else may."""
    move_the_clock(round_, public=False)
    number = round_["round"].number
    url = f"/backoffice/rounds/{number}/data/"
    secretariat = Client()
    sign_in(secretariat, people["admin"])
    page = secretariat.get(url)
    assert page.status_code == 200
    response = secretariat.post(url, {"format": "zip"})
    assert response.status_code == 200
    text = _texts(response)
    assert PLANTED_EMAIL not in text
    assert (
        AuditEntry.objects.filter(action="round.data.exported", data__personal=False).count() == 1
    )
    response = secretariat.post(url, {"format": "json", "personal": "1"})
    assert response.status_code == 200
    assert PLANTED_EMAIL in _texts(response)
    assert AuditEntry.objects.filter(action="round.data.exported", data__personal=True).count() == 1
    refused = secretariat.post(url, {"format": "exe"})
    assert refused.status_code == 400
    assert "Choose a format" in refused.content.decode()
    for persona in ("fp_a", "fp_b"):
        other = Client()
        sign_in(other, people[persona])
        assert other.post(url, {"format": "zip", "personal": "1"}).status_code in {302, 403, 404}
    assert Client().post(url, {"format": "zip"}).status_code in {302, 403}
    assert AuditEntry.objects.filter(action="round.data.exported").count() == 2
