"""Documents attached to reports: checked by content and size, stored under random names.

A document is read in chunks, never whole: its first bytes say its kind; a zip-based one
(DOCX, XLSX, ODT, ODS) is checked as an archive before its parts are looked at, and then only
a few bytes of them are read. It is stored, and later sent, under a name ending as its kind
does, with its kind's content type: what looks like a web page is refused.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.archives import ArchiveLimits, ArchiveRefused, archive_check
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
# Names a document of a kind may keep; any other name gets the kind's usual extension.
EXTENSIONS = {
    **{kind: (extension,) for kind, (_type, extension) in KINDS.items()},
    "jpeg": (".jpg", ".jpeg"),
    "txt": (".txt", ".tsv"),
}
KIND_OF_TYPE = {content_type: kind for kind, (content_type, _ext) in KINDS.items()}
ALLOWED_DESCRIPTION = "PDF, DOCX, XLSX, ODT, ODS, CSV, TXT, PNG, JPEG"
HEAD_BYTES = 8192
ARCHIVE_KINDS = {"docx", "xlsx", "odt", "ods"}


class DocumentRefused(ValueError):
    """Why a file cannot be attached; the message is for the person who sent it."""


def sniff(head: bytes, source: IO[bytes] | None = None, name: str = "") -> str | None:
    """The kind of a file from its first bytes (and, for zip-based formats, its parts).

    A zip-based file is read only after `archive_check` passed it, and then only a few bytes
    of one part.
    """
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04") and source is not None:
        try:
            with zipfile.ZipFile(source) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    with archive.open("mimetype") as entry:
                        mimetype = entry.read(100).decode("ascii", "replace").strip()
                    return {
                        "application/vnd.oasis.opendocument.text": "odt",
                        "application/vnd.oasis.opendocument.spreadsheet": "ods",
                    }.get(mimetype)
                if "[Content_Types].xml" in names:
                    if any(n.startswith("word/") for n in names):
                        return "docx"
                    if any(n.startswith("xl/") for n in names):
                        return "xlsx"
        except (zipfile.BadZipFile, OSError, KeyError, EOFError):
            return None
        finally:
            source.seek(0)
        return None
    sample = head[:HEAD_BYTES]
    if b"\0" in sample:
        return None
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        if error.start < len(sample) - 4:
            return None
    return "csv" if name.lower().endswith(".csv") else "txt"


def looks_like_markup(head: bytes) -> bool:
    """Whether text starts as a web page, an SVG image, XML or a script element would: a
    browser that guessed its type could run it."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def name_for_kind(name: str, kind: str) -> str:
    """`name` with an extension its kind may have: "evil.html" of text is "evil.txt", and
    "report.pdf.exe" of a PDF "report.pdf"."""
    accepted = EXTENSIONS[kind]
    if name.lower().endswith(accepted):
        return name
    stem, dot, _extension = name.rpartition(".")
    if not (dot and stem):
        return name + KINDS[kind][1]
    return stem if stem.lower().endswith(accepted) else stem + KINDS[kind][1]


def download_as(document: ReportFile) -> tuple[str, str]:
    """The name and content type a document is sent with: its kind's, whatever name it was
    stored with (a type not of KINDS is sent as plain text)."""
    return download_name(document.original_name, document.content_type)


def download_name(name: str, content_type: str) -> tuple[str, str]:
    """`download_as` for any stored document: its name and content type (a register's too)."""
    kind = KIND_OF_TYPE.get(content_type, "txt")
    return name_for_kind(name or "document", kind), KINDS[kind][0]


@dataclass
class Limits:
    per_file: int
    per_report: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(settings.DOCUMENT_MAX_BYTES, settings.REPORT_DOCUMENTS_MAX_BYTES)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


@dataclass(frozen=True)
class CheckedDocument:
    """What `document_check` found of an upload: the name to keep, its kind and digest."""

    name: str
    kind: str
    content_type: str
    size: int
    sha256: str


def document_check(upload: UploadedFile[bytes], *, max_bytes: int) -> CheckedDocument:
    """Check one uploaded document by size and content, reading it in chunks; raise
    DocumentRefused saying why. Every place that accepts a document calls this first."""
    name = (upload.name or "document").replace("/", "_").replace("\\", "_")[-200:]
    size = upload.size or 0
    if size > max_bytes:
        raise DocumentRefused(
            _("“%(name)s” is %(size)s MB; a document may be at most %(limit)s MB.")
            % {
                "name": name,
                "size": f"{size / (1024 * 1024):.1f}",
                "limit": _megabytes(max_bytes),
            }
        )
    if size == 0:
        raise DocumentRefused(_("“%(name)s” is empty.") % {"name": name})
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if head.startswith(b"PK\x03\x04"):
        try:
            archive_check(upload, ArchiveLimits.for_documents())
        except ArchiveRefused as refused:
            raise DocumentRefused(
                _("“%(name)s” is refused: %(reason)s.") % {"name": name, "reason": refused}
            ) from None
    kind = sniff(head, upload, name)
    if kind is None:
        raise DocumentRefused(
            _(
                "“%(name)s” is not a document of an accepted type (%(types)s), whatever its name "
                "says."
            )
            % {"name": name, "types": ALLOWED_DESCRIPTION}
        )
    if kind in {"txt", "csv"} and looks_like_markup(head):
        raise DocumentRefused(
            _(
                "“%(name)s” looks like a web page or a script (HTML, SVG, XML), which cannot be "
                "attached; save it as PDF."
            )
            % {"name": name}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedDocument(
        name=name_for_kind(name, kind),
        kind=kind,
        content_type=KINDS[kind][0],
        size=size,
        sha256=digest.hexdigest(),
    )


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
    checked = document_check(upload, max_bytes=limits.per_file)
    name, size = checked.name, checked.size
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
            content_type=checked.content_type,
            size=size,
            sha256=checked.sha256,
            uploaded_by=user,
        )
        # From the upload itself: a file on disk is moved or copied in chunks, never read whole.
        document.file.save(name, upload, save=True)
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
