"""Documents attached to reports: zip bombs, active content, the names and types they are
stored and sent with. Through `document_add` and through the report pages' upload view."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from codemonitor.reporting.documents import DocumentRefused, document_add
from codemonitor.reporting.fields import field_key
from codemonitor.reporting.models import ReportFile
from tests.conftest import sign_in
from tests.memory import peak_memory, zip_bomb

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)
JPEG = b"\xff\xd8\xff\xe0" + bytes(40)
BOMB_MESSAGE = (
    "“{name}” is refused: part “mimetype” of the file is compressed more than 100 to 1, as a "
    "zip bomb is."
)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A 200 KB .odt whose `mimetype` part expands to 200 MB, written in 1 MB chunks."""
    return zip_bomb(Path(tmp_path_factory.mktemp("bomb")) / "minutes.odt")


def upload(client, report, name: str, content: bytes, key: str | None = None):
    handle = io.BytesIO(content)
    handle.name = name
    return client.post(
        f"/isri/report/{report.uuid}/upload/", {key or field_key("q10_documents"): handle}
    )


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_zip_bomb_is_refused_through_the_upload_view(stakeholder, bomb, settings) -> None:
    content = bomb.read_bytes()
    # A first, refused, upload: what is measured is the bomb, not the view's first run.
    upload(stakeholder.client, stakeholder.report, "tool.pdf", b"\x7fELF" + bytes(50))
    response, peak = peak_memory(
        lambda: upload(stakeholder.client, stakeholder.report, "minutes.odt", content)
    )
    assert response.status_code == 400
    assert response.json()["error"] == BOMB_MESSAGE.format(name="minutes.odt")
    assert not ReportFile.objects.exists()
    assert stored_files(settings) == []
    assert peak < 20 * MB


def test_a_zip_bomb_is_refused_by_document_add(stakeholder, bomb, settings) -> None:
    handle = TemporaryUploadedFile("minutes.odt", "application/octet-stream", 0, None)
    with bomb.open("rb") as source:
        while chunk := source.read(64 * 1024):
            handle.write(chunk)
    handle.size = handle.tell()

    def add() -> str:
        with pytest.raises(DocumentRefused) as refused:
            document_add(report=stakeholder.report, question="q10_documents", row="", upload=handle)
        return str(refused.value)

    message, peak = peak_memory(add)
    handle.close()
    assert message == BOMB_MESSAGE.format(name="minutes.odt")
    assert not ReportFile.objects.exists()
    assert stored_files(settings) == []
    assert peak < 20 * MB


def test_a_good_document_is_hashed_and_stored_in_chunks(stakeholder, settings) -> None:
    content = PDF + bytes(3 * MB)
    handle = TemporaryUploadedFile("evidence.pdf", "application/pdf", len(content), None)
    handle.write(content)
    handle.seek(0)
    document, peak = peak_memory(
        lambda: document_add(
            report=stakeholder.report, question="q10_documents", row="", upload=handle
        )
    )
    handle.close()  # as the request does at its end (the file was moved into the storage)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    with document.file.open("rb") as stored:
        assert stored.read() == content
    assert peak < MB  # neither the hash nor the copy held the 3 MB


def test_a_docx_bigger_than_allowed_once_expanded_is_refused(stakeholder, settings) -> None:
    settings.ARCHIVE_MAX_EXPANDED_BYTES = MB
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as made:
        made.writestr("[Content_Types].xml", "<Types/>")
        made.writestr("word/document.xml", "<w:document/>")
        for number in range(3):
            # Different bytes in each part, compressed little: the ratio is not what is wrong.
            made.writestr(
                f"word/media/image{number}.png", hashlib.sha512(bytes(number)).digest() * 8000
            )
    response = upload(stakeholder.client, stakeholder.report, "report.docx", output.getvalue())
    assert response.status_code == 400
    assert response.json()["error"] == (
        "“report.docx” is refused: the file would expand to more than 1 MB when opened."
    )


@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><html><script>alert(document.cookie)</script></html>",
        b"\xef\xbb\xbf  \n\t<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml"/>',
        b"<script>alert(1)</script>",
        b"\r\n<HTML><BODY>hello</BODY></HTML>",
    ],
)
def test_text_that_a_browser_could_run_is_refused(stakeholder, content) -> None:
    for name in ("page.html", "notes.txt", "image.svg"):
        response = upload(stakeholder.client, stakeholder.report, name, content)
        assert response.status_code == 400
        assert response.json()["error"] == (
            f"“{name}” looks like a web page or a script (HTML, SVG, XML), which cannot be "
            "attached; save it as PDF."
        )
    assert not ReportFile.objects.exists()


@pytest.mark.parametrize(
    ("sent", "content", "stored", "content_type"),
    [
        ("evil.html", b"Only text, after all.\n", "evil.txt", "text/plain"),
        ("notes", "Réflexions.\n".encode(), "notes.txt", "text/plain"),
        ("table.csv", b"a,b\n1,2\n", "table.csv", "text/csv"),
        ("x.pdf", PNG, "x.png", "image/png"),
        ("photo.jpeg", JPEG, "photo.jpeg", "image/jpeg"),
        ("scan.svg", JPEG, "scan.jpg", "image/jpeg"),
        ("report.pdf.exe", PDF, "report.pdf", "application/pdf"),
        (".htaccess", b"Deny from all\n", ".htaccess.txt", "text/plain"),
    ],
)
def test_a_document_is_stored_and_sent_under_its_kinds_name_and_type(
    stakeholder, sent, content, stored, content_type
) -> None:
    response = upload(stakeholder.client, stakeholder.report, sent, content)
    assert response.status_code == 200, response.content
    document = ReportFile.objects.get()
    assert document.original_name == stored
    assert document.content_type == content_type
    assert document.file.name.endswith(stored.rpartition(".")[2])
    assert response.json()["files"][0]["name"] == stored
    download = stakeholder.client.get(response.json()["files"][0]["url"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{stored}"'
    assert download["Content-Type"] == content_type
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == content


def test_a_document_stored_earlier_under_a_dangerous_name_is_sent_under_a_safe_one(
    stakeholder, secretariat
) -> None:
    from django.core.files.base import ContentFile

    document = ReportFile(
        report=stakeholder.report,
        question="q10_documents",
        original_name="old.html",
        content_type="text/plain",
        size=5,
        sha256="0" * 64,
    )
    document.file.save("old.html", ContentFile(b"hello"), save=True)
    url = f"/isri/report/{stakeholder.report.uuid}/documents/{document.pk}/"
    for client in (stakeholder.client, signed_in(secretariat)):
        download = client.get(url)
        assert download["Content-Disposition"] == 'attachment; filename="old.txt"'
        assert download["Content-Type"] == "text/plain"
        assert download["X-Content-Type-Options"] == "nosniff"


def signed_in(user):
    from django.test import Client

    client = Client()
    sign_in(client, user)
    return client


def test_a_simple_upload_object_works_too(stakeholder) -> None:
    document = document_add(
        report=stakeholder.report,
        question="q10_documents",
        row="",
        upload=SimpleUploadedFile("a.txt", b"hello"),
    )
    assert document.original_name == "a.txt"
    assert document.sha256 == hashlib.sha256(b"hello").hexdigest()
