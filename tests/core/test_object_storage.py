"""Documents in S3-compatible object storage (STORAGE_BACKEND=s3), against a real local server.

moto's server listens on 127.0.0.1 in this process; the storage settings are the ones the
settings module makes from the S3_* variables, read afresh (tests.test_settings.settings_for).
moto and boto3 are imported by the fixture: they take a second to import, which the rest of the
suite need not wait for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from codemonitor.reporting.documents import document_add, document_remove
from codemonitor.reporting.models import ReportFile
from tests.stakeholders.helpers import start_report
from tests.test_settings import settings_for

PDF = b"%PDF-1.4\n% a small document kept in the bucket\n%%EOF\n"
BUCKET = "codemonitor-documents"
PUBLIC = "http://acs.amazonaws.com/groups/global/AllUsers"


@pytest.fixture
def s3(settings):
    import boto3  # type: ignore[import-untyped]  # boto3 ships no types
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        "SECRET_KEY": "k" * 30 + "abcdefghijklmnopqrstuvwxyz0123456789",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "eu-central-1",
        "S3_ACCESS_KEY_ID": "test-access-key",
        "S3_SECRET_ACCESS_KEY": "test-secret-key",
        "S3_ADDRESSING_STYLE": "path",
    }
    result = settings_for(env, "__import__('json').dumps(settings.STORAGES['default'])")
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-central-1",
        aws_access_key_id="test-access-key",
        aws_secret_access_key="test-secret-key",
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    try:
        yield client
    finally:
        server.stop()


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.django_db
def test_a_document_goes_to_the_bucket_private_and_is_served_from_it(
    s3, client, isri_round, smtp, settings, django_capture_on_commit_callbacks
) -> None:
    report = start_report(client, isri_round.round.number)
    document = document_add(
        report=report,
        question="q10_documents",
        row="",
        upload=SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf"),
    )
    key = document.file.name
    assert key.startswith(f"documents/{report.pk}/") and key.endswith(".pdf")
    # The object is in the bucket, and nothing was written to the local media folder.
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert listed == [key]
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == PDF
    assert files_under(Path(settings.MEDIA_ROOT)) == []
    # Private: no grant to everyone.
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert all(g["Grantee"].get("URI") != PUBLIC for g in grants)
    # Read back through the storage API, as the access-checking view does.
    stored = ReportFile.objects.get(pk=document.pk)
    with stored.file.open("rb") as handle:
        assert handle.read() == PDF
    response = client.get(f"/isri/report/{report.uuid}/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    # Removing the document removes the object.
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(document=stored)
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
