"""The Secretariat uploads an XLSForm: stored as a new version, or refused with every error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from codemonitor.demo.rounds import demo_round_ensure
from codemonitor.instruments.models import Instrument, InstrumentVersion
from codemonitor.reporting.models import Report
from codemonitor.reporting.rounds import round_instrument_for
from tests.builders import xlsform
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
UPLOAD = "/backoffice/instruments/upload/"


def workbook(version: str, label: str = "Your name") -> io.BytesIO:
    data = xlsform(
        [["text", "name", label, "Votre nom", "yes"]],
        settings=[["form_id", "form_title", "version"], ["pilot", "Pilot survey", version]],
    )
    upload = io.BytesIO(data)
    upload.name = "pilot.xlsx"
    return upload


def test_good_form_is_stored_as_a_version(client, secretariat, reference) -> None:
    sign_in(client, secretariat)
    response = client.post(UPLOAD, {"workbook": workbook("1")})
    version = InstrumentVersion.objects.get(instrument__code="pilot")
    assert response.status_code == 302
    assert response["Location"] == f"/backoffice/instruments/{version.pk}/"
    assert version.version == "1"
    assert version.form.questions()["name"].label == {"en": "Your name", "fr": "Votre nom"}
    page = client.get(response["Location"])
    assert "Pilot survey" in page.content.decode()
    download = client.get(f"/backoffice/instruments/{version.pk}/xlsform/")
    assert bytes(download.content) == bytes(version.source)


def test_bad_form_is_refused_with_every_error_listed(client, secretariat, reference) -> None:
    sign_in(client, secretariat)
    upload = io.BytesIO(xlsform([["txt", "a", "A"], ["text", "b", "B", "", "", "${zz} = 1"]]))
    upload.name = "bad.xlsx"
    response = client.post(UPLOAD, {"workbook": upload})
    html = response.content.decode()
    assert response.status_code == 422
    assert "The form was refused: 2 errors" in html
    assert "unknown type &#x27;txt&#x27;" in html
    assert "${zz} refers to no question of this form" in html
    assert not Instrument.objects.filter(code="form").exists()


def test_corrected_form_replaces_a_version_without_reports(client, secretariat, reference) -> None:
    sign_in(client, secretariat)
    client.post(UPLOAD, {"workbook": workbook("1")})
    client.post(UPLOAD, {"workbook": workbook("1", label="Full name")})
    versions = InstrumentVersion.objects.filter(instrument__code="pilot")
    assert versions.count() == 1
    assert versions.get().form.questions()["name"].label["en"] == "Full name"


def test_a_version_with_reports_never_changes(client, secretariat, instruments) -> None:
    sign_in(client, secretariat)
    round_ = demo_round_ensure()
    round_instrument = round_instrument_for(round_, "stakeholder")
    version = round_instrument.instrument_version
    Report.objects.create(round_instrument=round_instrument, instrument_version=version, sequence=1)
    source = (ROOT / "forms" / "isri-2024.xlsx").read_bytes()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(source))
    book["survey"]["C3"] = "A changed label"
    changed = io.BytesIO()
    book.save(changed)
    changed.seek(0)
    changed.name = "isri-2024.xlsx"
    response = client.post(UPLOAD, {"workbook": changed})
    assert response.status_code == 422
    assert (
        "version 2024.1 of &#x27;isri&#x27; already has reports and cannot change; give the "
        "corrected form a new version number"
    ) in response.content.decode()
    version.refresh_from_db()
    assert bytes(version.source) == source


def test_the_same_workbook_twice_is_one_version(client, secretariat, instruments) -> None:
    sign_in(client, secretariat)
    upload = io.BytesIO((ROOT / "forms" / "nri-2024.xlsx").read_bytes())
    upload.name = "nri-2024.xlsx"
    response = client.post(UPLOAD, {"workbook": upload}, follow=True)
    assert "already stored as version 2024.1" in response.content.decode()
    assert InstrumentVersion.objects.filter(instrument__code="nri").count() == 1


def test_upload_needs_the_secretariat(client, django_user_model, reference) -> None:
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]
    outsider = django_user_model.objects.create_user("fp", "fp@example.org", "pw-123456789xyz")
    client.force_login(outsider)
    assert client.post(UPLOAD, {"workbook": workbook("1")}).status_code == 404
    assert not Instrument.objects.filter(code="pilot").exists()


def test_oversized_upload_is_refused(client, secretariat, settings, reference) -> None:
    settings.FORM_UPLOAD_MAX_BYTES = 1024 * 1024
    sign_in(client, secretariat)
    upload = io.BytesIO(b"PK" + b"\0" * (1024 * 1024 + 10))
    upload.name = "big.xlsx"
    response = client.post(UPLOAD, {"workbook": upload})
    assert response.status_code == 200
    assert "The file is larger than 1 MB." in response.content.decode()
