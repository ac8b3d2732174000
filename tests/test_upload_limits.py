"""Request bodies and uploaded files are held to their limits while they arrive: a file past
the largest accepted size is counted, not kept; a body past the cap is refused unread (413)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from codemonitor.instruments.models import Instrument
from codemonitor.reporting.fields import field_key
from codemonitor.reporting.models import ReportFile
from tests.builders import minimal_survey, xlsform
from tests.conftest import sign_in
from tests.stakeholders.helpers import page_url

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOCUMENTS = field_key("q10_documents")
DOCUMENTS_PAGE = 13


class RecordingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler that writes files to FILE_UPLOAD_TEMP_DIR, keeping count of the bytes
    it was given for each file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.written: list[int] = []

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.written.append(0)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.written[-1] += len(raw_data)
        super().receive_data_chunk(raw_data, start)


@pytest.fixture
def spool(settings, tmp_path) -> Path:
    """Limits of 1 MB a file and 4 MB a body; files spooled to a folder of the test's own."""
    folder = Path(tmp_path) / "spool"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_HANDLERS = [
        "codemonitor.core.uploads.UploadSizeLimitHandler",
        f"{__name__}.RecordingTemporaryFileUploadHandler",
    ]
    settings.DOCUMENT_MAX_BYTES = settings.FORM_UPLOAD_MAX_BYTES = MB
    settings.REGISTER_IMPORT_MAX_BYTES = MB
    settings.REQUEST_BODY_MAX_BYTES = 4 * MB
    return folder


def written(response) -> list[int]:
    """What Django's temporary-file handler was given, per file, during the request."""
    handlers = getattr(response.wsgi_request, "_upload_handlers", [])
    recording = [h for h in handlers if isinstance(h, RecordingTemporaryFileUploadHandler)]
    return recording[0].written if recording else []


def named(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def test_a_file_past_the_limit_is_counted_not_kept(stakeholder, spool) -> None:
    response = stakeholder.client.post(
        f"/isri/report/{stakeholder.report.uuid}/upload/",
        {DOCUMENTS: named("big.pdf", PDF + bytes(3 * MB))},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "“big.pdf” is 3.0 MB; a document may be at most 1 MB."
    # What went to the temporary file stopped at the limit, and was dropped with it.
    assert len(written(response)) == 1 and written(response)[0] <= MB
    assert list(spool.iterdir()) == []
    assert not ReportFile.objects.exists()


def test_a_good_file_sent_with_one_too_big_is_kept(stakeholder, spool) -> None:
    small = PDF + bytes(100_000)
    response = stakeholder.client.post(
        page_url(stakeholder.report, DOCUMENTS_PAGE),
        {
            DOCUMENTS: [named("small.pdf", small), named("big.pdf", PDF + bytes(2 * MB))],
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert "“big.pdf” is 2.0 MB; a document may be at most 1 MB." in response.content.decode()
    document = ReportFile.objects.get()
    assert document.original_name == "small.pdf"
    with document.file.open("rb") as stored:
        assert stored.read() == small
    assert written(response)[0] == len(small) and written(response)[1] <= MB
    assert list(spool.iterdir()) == []


def test_a_body_past_the_cap_is_refused_unread(stakeholder, spool) -> None:
    url = f"/isri/report/{stakeholder.report.uuid}/upload/"
    big = {DOCUMENTS: named("huge.pdf", PDF + bytes(5 * MB))}
    response = stakeholder.client.post(url, big, HTTP_ACCEPT="application/json")
    assert response.status_code == 413
    assert response.json()["error"] == (
        "What you sent is 5.0 MB; at most 4 MB can be sent at once. Send large files one at a time."
    )
    assert written(response) == []  # no handler was even made: the body was never read
    page = page_url(stakeholder.report, DOCUMENTS_PAGE)
    big[DOCUMENTS].seek(0)
    response = stakeholder.client.post(page, {**big, "action": "save"})
    html = response.content.decode()
    assert response.status_code == 413
    assert "What you sent is 5.0 MB; at most 4 MB can be sent at once." in html
    assert f'<a href="{page}">Back to the page</a>' in html
    assert list(spool.iterdir()) == []
    assert not ReportFile.objects.exists()


def test_form_fields_past_their_cap_are_refused_with_a_message(stakeholder, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = MB
    answer = "x" * (MB + MB // 2)
    # Autosave sends its fields URL-encoded: refused before they are read.
    response = stakeholder.client.post(
        f"/isri/report/{stakeholder.report.uuid}/autosave/",
        urlencode({"field": field_key("q1_answer"), "value": answer, "page": "4"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 413
    assert response.json()["error"].startswith(
        "What you sent is 1.5 MB; at most 1 MB can be sent at once."
    )
    # A page sent without JavaScript, with room for files: its fields are counted as read.
    response = stakeholder.client.post(
        page_url(stakeholder.report, 4), {field_key("q1_answer"): answer, "action": "save"}
    )
    assert response.status_code == 413
    assert "at most 1 MB can be sent at once." in response.content.decode()


def test_a_workbook_past_the_limit_gets_the_upload_pages_message(
    client, secretariat, reference, spool
) -> None:
    sign_in(client, secretariat)
    workbook = xlsform(minimal_survey())
    response = client.post(
        "/backoffice/instruments/upload/",
        {"workbook": named("pilot.xlsx", workbook + bytes(2 * MB))},
    )
    assert response.status_code == 200
    assert "The file is larger than 1 MB." in response.content.decode()
    assert written(response)[0] <= MB
    response = client.post(
        "/backoffice/instruments/upload/",
        {"workbook": named("pilot.xlsx", workbook + bytes(5 * MB))},
    )
    assert response.status_code == 413
    assert "What you sent is 5.0 MB; at most 4 MB can be sent at once." in (
        response.content.decode()
    )
    assert list(spool.iterdir()) == []
    assert not Instrument.objects.filter(code="pilot").exists()


def test_the_platform_caps_bodies_at_one_file_of_the_largest_kind(settings) -> None:
    from codemonitor.core.uploads import upload_file_limit

    assert upload_file_limit() == max(settings.DOCUMENT_MAX_BYTES, settings.FORM_UPLOAD_MAX_BYTES)
    assert settings.FILE_UPLOAD_HANDLERS[0] == "codemonitor.core.uploads.UploadSizeLimitHandler"
    assert upload_file_limit() + MB == settings.REQUEST_BODY_MAX_BYTES
