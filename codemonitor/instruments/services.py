"""Storing checked XLSForms as instrument versions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from codemonitor.accounts.models import User
from codemonitor.instruments.models import Instrument, InstrumentVersion
from codemonitor.instruments.xlsform import CheckResult, FormError, check_workbook

KIND_BY_FORM_ID = {"nri": Instrument.Kind.NATIONAL, "isri": Instrument.Kind.STAKEHOLDER}


class InstrumentRefused(ValueError):
    def __init__(self, errors: list[FormError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclass
class UploadResult:
    version: InstrumentVersion
    created: bool  # False when the very same workbook was already stored
    check: CheckResult


@transaction.atomic
def instrument_version_upload(
    *, data: bytes, filename: str, user: User | None = None
) -> UploadResult:
    """Check a workbook and store it as a version of its instrument, or raise InstrumentRefused.

    A version that has no report yet may be replaced by a corrected workbook with the same version
    number; once a report exists, a corrected form needs a new version number.
    """
    check = check_workbook(data, default_form_id=filename.rsplit(".", 1)[0])
    if not check.ok or check.form is None:
        raise InstrumentRefused(check.errors)
    form = check.form
    digest = hashlib.sha256(data).hexdigest()
    instrument, _ = Instrument.objects.select_for_update().get_or_create(
        code=form.form_id,
        defaults={
            "title": form.title,
            "kind": KIND_BY_FORM_ID.get(form.form_id, Instrument.Kind.OTHER),
        },
    )
    version_label = form.version or _next_version(instrument)
    existing = instrument.versions.filter(version=version_label).first()
    if existing is not None:
        if existing.sha256 == digest:
            return UploadResult(existing, False, check)
        if existing.has_reports():
            raise InstrumentRefused(
                [
                    FormError(
                        "settings",
                        0,
                        "version",
                        f"version {version_label} of '{form.form_id}' already has reports "
                        "and cannot change; give the corrected form a new version number",
                    )
                ]
            )
        existing.delete()
    form.version = version_label
    version = InstrumentVersion.objects.create(
        instrument=instrument,
        version=version_label,
        title=form.title,
        schema=form.to_dict(),
        source=data,
        source_name=filename,
        sha256=digest,
        created_by=user,
    )
    if instrument.title != form.title:
        instrument.title = form.title
        instrument.save(update_fields=["title"])
    return UploadResult(version, True, check)


def _next_version(instrument: Instrument) -> str:
    numbers = [int(v) for v in instrument.versions.values_list("version", flat=True) if v.isdigit()]
    return str(max(numbers, default=0) + 1)


FORMS_DIR = Path(__file__).resolve().parent.parent.parent / "forms"


def instruments_load_shipped(folder: Path = FORMS_DIR) -> list[UploadResult]:
    """Store the workbooks shipped in `forms/` (idempotent: an unchanged workbook is skipped)."""
    results = []
    for path in sorted(folder.glob("*.xlsx")):
        results.append(instrument_version_upload(data=path.read_bytes(), filename=path.name))
    return results
