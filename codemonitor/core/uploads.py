"""Uploaded files held to the size the platform accepts, while the request is being read.

Django writes an uploaded file to memory or to a temporary file as it arrives, whatever its
size; the size limits of the views (`DOCUMENT_MAX_BYTES`, `FORM_UPLOAD_MAX_BYTES`) were only
checked once it was all there. `UploadSizeLimitHandler` comes first among the upload handlers
(settings.FILE_UPLOAD_HANDLERS): it passes a file's bytes on to Django's handlers up to the
largest size any view accepts; past that it drops what they hold and only counts. The view
then gets an `OversizedUpload` — the file's name and real size, none of its content — and
refuses it by its size with its usual message, on its usual page.

The body as a whole is capped before any of it is read (codemonitor.middleware.
RequestBodyLimitMiddleware, settings.REQUEST_BODY_MAX_BYTES).

A view that takes larger files (the statistics files of the Secretariat, up to
settings.STATISTICS_UPLOAD_MAX_BYTES) says so with `@upload_limit("SETTING")`: on its route
alone, the body and each file may be as large as that setting (plus room for the form's other
fields, for the body).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

F = TypeVar("F", bound=Callable[..., Any])
# Room for a form's other fields and the multipart framing around a file.
FORM_MARGIN = 1024 * 1024


def upload_limit(setting: str) -> Callable[[F], F]:
    """Mark a view as taking files up to `settings.<setting>` bytes (read at each request)."""

    def mark(view: F) -> F:
        view.upload_max_setting = setting  # type: ignore[attr-defined]
        return view

    return mark


def view_upload_limit(view: object) -> int | None:
    """The largest file a view marked with `upload_limit` takes, None for the others."""
    setting = getattr(view, "upload_max_setting", None)
    return int(getattr(settings, setting)) if setting else None


def upload_file_limit(request: Any = None) -> int:
    """The largest file the view of `request` accepts (any view, without a request)."""
    match = getattr(request, "resolver_match", None)
    marked = view_upload_limit(match.func) if match is not None else None
    return marked or max(
        settings.DOCUMENT_MAX_BYTES,
        settings.FORM_UPLOAD_MAX_BYTES,
        settings.REGISTER_IMPORT_MAX_BYTES,
    )


class OversizedUpload(UploadedFile[bytes]):
    """A file larger than any view accepts: its name and size, none of its content."""

    def __init__(
        self, name: str | None, content_type: str | None, size: int, charset: str | None
    ) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class UploadSizeLimitHandler(FileUploadHandler):
    """Passes each file on to the next handlers up to `upload_file_limit()` bytes, then counts."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = upload_file_limit(request)
        self.received = 0
        self.oversized = False
        self._held_before: dict[int, object] = {}

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.oversized = False
        # What the next handlers hold now is an earlier, complete file: never theirs to drop.
        self._held_before = {id(h): getattr(h, "file", None) for h in self._others()}

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received <= self.limit:
            return raw_data
        if not self.oversized:
            self.oversized = True
            self._drop_partial_files()
        return None  # the next handlers get nothing more of this file

    def file_complete(self, file_size: int) -> UploadedFile[bytes] | None:
        if not self.oversized:
            return None  # the next handler makes the file
        return OversizedUpload(self.file_name, self.content_type, self.received, self.charset)

    def _others(self) -> list[FileUploadHandler]:
        handlers = getattr(self.request, "upload_handlers", None) or []
        return [h for h in handlers if h is not self]

    def _drop_partial_files(self) -> None:
        """Close (and so delete) the partial file the next handlers were writing."""
        for handler in self._others():
            partial = getattr(handler, "file", None)
            if partial is not None and partial is not self._held_before.get(id(handler)):
                partial.close()
