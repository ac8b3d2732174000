"""Storing checked XLSForms as instrument versions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
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
    replaced = False
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
        replaced = True
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
    audit_log(
        action=Action.INSTRUMENT_VERSION_REPLACED if replaced else Action.INSTRUMENT_VERSION_STORED,
        target=version,
        actor=user,
        actor_label=None if user is not None else "system",
        data={"instrument": instrument.code, "version": version_label, "sha256": digest},
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
    """Store the workbooks shipped in `forms/` (idempotent: an unchanged workbook is skipped).

    A shipped workbook that differs from a stored version of the same number which already has
    reports leaves the stored version as it is (reports keep the form they were made with) and
    is reported as not created.
    """
    results = []
    for path in sorted(folder.glob("*.xlsx")):
        data = path.read_bytes()
        try:
            results.append(instrument_version_upload(data=data, filename=path.name))
        except InstrumentRefused:
            check = check_workbook(data, default_form_id=path.stem)
            form = check.form
            stored = (
                InstrumentVersion.objects.filter(
                    instrument__code=form.form_id, version=form.version
                ).first()
                if check.ok and form is not None and form.version
                else None
            )
            if stored is None or not stored.has_reports():
                raise
            results.append(UploadResult(stored, False, check))
    return results
