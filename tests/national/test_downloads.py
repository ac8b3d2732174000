"""Every download of the national report and the back office goes out as an attachment of its
own type, not to be sniffed (the stakeholders' ones: tests/reporting/test_documents.py,
tests/stakeholders/test_submit.py)."""

from __future__ import annotations

import io

import pytest

from codemonitor.instruments.models import InstrumentVersion
from codemonitor.reporting.fields import field_key
from tests.downloads import assert_download

pytestmark = pytest.mark.django_db


def test_a_national_document_is_sent_under_its_kinds_name_and_type(clients, report_a) -> None:
    client = clients["fp_a"]
    handle = io.BytesIO(b"Plain words, under a web page's name.\n")
    handle.name = "minutes.html"
    response = client.post(
        f"/national/reports/{report_a.pk}/upload/", {field_key("supporting_documents"): handle}
    )
    assert response.status_code == 200, response.content
    url = response.json()["files"][0]["url"]
    assert_download(client.get(url), "text/plain", "minutes.txt")
    assert_download(clients["analyst"].get(url), "text/plain", "minutes.txt")


def test_the_back_office_downloads(clients, report_a) -> None:
    admin = clients["admin"]
    nri = InstrumentVersion.objects.get(instrument__code="nri")
    name = f"nri-{nri.version}"
    assert_download(
        admin.get(f"/backoffice/instruments/{nri.pk}/xlsform/"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{name}.xlsx",
    )
    assert_download(
        admin.get(f"/backoffice/instruments/{nri.pk}/blank.pdf?language=en"),
        "application/pdf",
        f"{name}-en.pdf",
    )
    assert_download(
        admin.get("/backoffice/registers/authorities.csv"),
        "text/csv; charset=utf-8",
        "designated-national-authorities.csv",
    )
