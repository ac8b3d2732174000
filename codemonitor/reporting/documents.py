"""Documents attached to reports: checked by content and size, stored under random names."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.reporting.answers import answer_save, report_hold_open
from codemonitor.reporting.models import Report, ReportFile

# What may be attached, recognised by content: name -> (content type, usual extension).
KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "odt": ("application/vnd.oasis.opendocument.text", ".odt"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ".ods"),
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
    "csv": ("text/csv", ".csv"),
    "txt": ("text/plain", ".txt"),
}
ALLOWED_DESCRIPTION = "PDF, DOCX, XLSX, ODT, ODS, CSV, TXT, PNG, JPEG"


class DocumentRefused(ValueError):
    """Why a file cannot be attached; the message is for the person who sent it."""


def sniff(head: bytes, data: bytes | None = None, name: str = "") -> str | None:
    """The kind of a file from its first bytes (and, for zip-based formats, its entries)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04") and data is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                    return {
                        "application/vnd.oasis.opendocument.text": "odt",
                        "application/vnd.oasis.opendocument.spreadsheet": "ods",
                    }.get(mimetype)
                if "[Content_Types].xml" in names:
                    if any(n.startswith("word/") for n in names):
                        return "docx"
                    if any(n.startswith("xl/") for n in names):
                        return "xlsx"
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
        return None
    sample = head[:8192]
    if b"\0" in sample:
        return None
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(sample) - 4:
            return None
    return "csv" if name.lower().endswith(".csv") else "txt"


@dataclass
class Limits:
    per_file: int
    per_report: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(settings.DOCUMENT_MAX_BYTES, settings.REPORT_DOCUMENTS_MAX_BYTES)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def document_add(
    *,
    report: Report,
    question: str,
    row: str,
    upload: UploadedFile[bytes],
    user: User | None = None,
    actor_label: str = "",
    limits: Limits | None = None,
) -> ReportFile:
    """Check and store one document for a file question; raise DocumentRefused saying why."""
    limits = limits or Limits.from_settings()
    name = (upload.name or "document").replace("/", "_").replace("\\", "_")[-200:]
    size = upload.size or 0
    if size > limits.per_file:
        raise DocumentRefused(
            _("“%(name)s” is %(size)s MB; a document may be at most %(limit)s MB.")
            % {
                "name": name,
                "size": f"{size / (1024 * 1024):.1f}",
                "limit": _megabytes(limits.per_file),
            }
        )
    if size == 0:
        raise DocumentRefused(_("“%(name)s” is empty.") % {"name": name})
    data = upload.read()
    kind = sniff(data[:8192], data, name)
    if kind is None:
        raise DocumentRefused(
            _(
                "“%(name)s” is not a document of an accepted type (%(types)s), whatever its name "
                "says."
            )
            % {"name": name, "types": ALLOWED_DESCRIPTION}
        )
    content_type, _extension = KINDS[kind]
    with transaction.atomic():
        report_hold_open(report, timezone.now())  # ReportClosed once a submission has begun
        used = report.files.aggregate(total=Sum("size"))["total"] or 0
        if used + size > limits.per_report:
            raise DocumentRefused(
                _(
                    "The documents of a report may add up to %(limit)s MB; %(used)s MB are "
                    "already attached."
                )
                % {"limit": _megabytes(limits.per_report), "used": f"{used / (1024 * 1024):.1f}"}
            )
        document = ReportFile(
            report=report,
            question=question,
            row=row,
            original_name=name,
            content_type=content_type,
            size=size,
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=user,
        )
        document.file.save(name, ContentFile(data), save=True)
        _sync_answer(report, question, row, user)
        audit_log(
            action=Action.REPORT_DOCUMENT_ADDED,
            target=report,
            actor=user,
            actor_label=actor_label,
            data={
                "question": question,
                "row": row,
                "name": name,
                "size": size,
                "document": document.pk,
            },
        )
    return document


def document_remove(
    *, document: ReportFile, user: User | None = None, actor_label: str = ""
) -> None:
    report = document.report
    with transaction.atomic():
        audit_log(
            action=Action.REPORT_DOCUMENT_REMOVED,
            target=report,
            actor=user,
            actor_label=actor_label,
            data={
                "question": document.question,
                "row": document.row,
                "name": document.original_name,
            },
        )
        stored = document.file.name or ""
        document.delete()
        _sync_answer(report, document.question, document.row, user)
        transaction.on_commit(lambda: document.file.storage.delete(stored))


def _sync_answer(report: Report, question: str, row: str, user: User | None) -> None:
    """The file question's answer is the list of its documents, so rules can see it."""
    ids = [
        str(pk)
        for pk in report.files.filter(question=question, row=row)
        .order_by("uploaded_at", "pk")
        .values_list("pk", flat=True)
    ]
    answer_save(report=report, question=question, row=row, value=ids or None, user=user)
