"""The record of authorised recruiters (Code Art. 8.5 as adopted; 9.5 of the draft): entering,
changing, removing, validating and returning a country's entries.

Each write checks the entry, saves it, keeps a `RecruiterChange` snapshot and writes its audit
entry, in one transaction. Who may call them is decided by `registers.access` (the views ask it
first).

Validation: an entry a country's user enters or changes waits for the Secretariat's word again
(pending); an entry the Secretariat enters or changes is validated by that act, since its
administrators are the ones who validate.

The licence number is compared as its `licence_key` (upper case, without spaces, dots, dashes or
slashes): "RA 12/2020" and "ra-12-2020" are one licence, recorded once per country.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.text import CONTROL, text_folded, text_plain
from codemonitor.registers.models import EntrySource, Recruiter, RecruiterChange, Validation

# The fields of an entry, as a form, an import and a snapshot know them.
FIELDS = (
    "legal_name",
    "other_names",
    "licence_number",
    "issuing_authority",
    "status",
    "valid_from",
    "valid_to",
    "address",
    "website",
    "source_url",
    "last_verified",
)
DATE_FIELDS = ("valid_from", "valid_to", "last_verified")
URL_FIELDS = ("website", "source_url")
TEXT_LIMITS = {
    "legal_name": 300,
    "licence_number": 100,
    "issuing_authority": 300,
    "address": 2000,
    "website": 500,
    "source_url": 500,
}
OTHER_NAME_LIMIT = 300
OTHER_NAMES_MAX = 50
_LICENCE_NOISE = re.compile(r"[\s./\\\-–—_]+")


class RecruiterRefused(ValueError):
    """What is wrong with an entry: a message per field (`""` for the entry as a whole)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


def licence_key(number: str) -> str:
    """A licence number as compared: upper case, without spaces, dots, dashes or slashes."""
    return _LICENCE_NOISE.sub("", CONTROL.sub("", str(number or ""))).upper()


def other_names_split(value: str | Iterable[str] | None) -> list[str]:
    """Other names from a text (separated by `;` or line breaks) or a list, each trimmed, no
    empty or repeated ones."""
    if value is None:
        return []
    parts = re.split(r"[;\n]", value) if isinstance(value, str) else list(value)
    names: list[str] = []
    for part in parts:
        name = text_plain(str(part), limit=OTHER_NAME_LIMIT)
        if name and name not in names:
            names.append(name)
    return names


def recruiter_snapshot(recruiter: Recruiter) -> dict[str, Any]:
    """The entry's fields as JSON (dates as ISO text), for its history and for comparing."""
    found: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(recruiter, name)
        if name == "other_names":
            found[name] = list(value or [])
        elif isinstance(value, dt.date):
            found[name] = value.isoformat()
        else:
            found[name] = value or ""
    return found


def recruiter_search_text(recruiter: Recruiter) -> str:
    return text_folded(
        recruiter.legal_name,
        *(recruiter.other_names or []),
        recruiter.licence_number,
        recruiter.licence_key,
    )


_URL = URLValidator(schemes=["http", "https"])


def url_clean(value: str) -> str:
    """A web address as stored: `www.example.org` gets `https://`; raises ValueError."""
    text = str(value or "").strip()
    if not text:
        return ""
    if "://" not in text:
        text = f"https://{text}"
    try:
        _URL(text)
    except ValidationError:
        raise ValueError(text) from None
    return text


def recruiter_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an entry checked and normalised; raises RecruiterRefused with every
    problem found. Only the fields present in `data` are returned."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "other_names":
            clean[name] = other_names_split(value)[:OTHER_NAMES_MAX]
        elif name in DATE_FIELDS:
            if value in (None, ""):
                clean[name] = None
            elif isinstance(value, dt.date):
                clean[name] = value if not isinstance(value, dt.datetime) else value.date()
            else:
                try:
                    clean[name] = dt.date.fromisoformat(str(value))
                except ValueError:
                    errors[name] = _("“%(value)s” is not a date.") % {"value": value}
        elif name in URL_FIELDS:
            try:
                clean[name] = url_clean(str(value or ""))
            except ValueError:
                errors[name] = _("“%(value)s” is not a web address.") % {"value": value}
        elif name == "status":
            if value not in Recruiter.Status.values:
                errors[name] = _("Choose a status from the list.")
            clean[name] = value
        else:
            limit = TEXT_LIMITS.get(name, 300)
            text = text_plain(str(value or ""), limit=100_000)
            if name != "address":
                text = " ".join(text.split())
            if len(text) > limit:
                errors[name] = _("At most %(limit)s characters (this has %(count)s).") % {
                    "limit": limit,
                    "count": len(text),
                }
            clean[name] = text
    if "legal_name" in clean and not clean["legal_name"] and "legal_name" not in errors:
        errors["legal_name"] = _("The legal name is required.")
    if (
        "licence_number" in clean
        and "licence_number" not in errors
        and not licence_key(clean["licence_number"])
    ):
        errors["licence_number"] = _("The licence or registration number is required.")
    start, end = clean.get("valid_from"), clean.get("valid_to")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
        errors["valid_to"] = _("The end of validity (%(end)s) is before its start (%(start)s).") % {
            "end": end.isoformat(),
            "start": start.isoformat(),
        }
    if errors:
        raise RecruiterRefused(errors)
    return clean


def licence_holder(member_state_id: str, key: str, *, other_than: int | None = None) -> Recruiter:
    """The entry of this country already holding the licence `key`, if any (else DoesNotExist)."""
    found = Recruiter.objects.filter(member_state_id=member_state_id, licence_key=key)
    if other_than is not None:
        found = found.exclude(pk=other_than)
    return found.get()


def duplicate_message(number: str, holder: Recruiter) -> str:
    return _("Licence %(number)s is already recorded for %(name)s.") % {
        "number": number,
        "name": holder.legal_name,
    }


def _check_licence_free(recruiter: Recruiter) -> None:
    try:
        holder = licence_holder(
            recruiter.member_state_id, recruiter.licence_key, other_than=recruiter.pk
        )
    except Recruiter.DoesNotExist:
        return
    raise RecruiterRefused({"licence_number": duplicate_message(recruiter.licence_number, holder)})


def _source_of(user: User | None) -> str:
    if user is not None and user.is_secretariat:
        return EntrySource.SECRETARIAT
    return EntrySource.FOCAL_POINT


def _validation_after_change(recruiter: Recruiter, user: User | None) -> None:
    """A country's change waits for validation again; the Secretariat's validates it."""
    now = timezone.now()
    if user is not None and user.is_secretariat:
        recruiter.validation = Validation.VALIDATED
        recruiter.validated_by, recruiter.validated_at = user, now
    else:
        recruiter.validation = Validation.PENDING
        recruiter.validated_by, recruiter.validated_at = None, None
    recruiter.validation_note = ""


def _record(
    recruiter: Recruiter, *, user: User | None, action: Action, note: str, data: dict[str, Any]
) -> None:
    RecruiterChange.objects.create(
        recruiter=recruiter,
        data={**recruiter_snapshot(recruiter), "validation": recruiter.validation},
        changed_by=user,
        note=note[:300],
    )
    audit_log(
        action=action,
        target=recruiter,
        actor=user,
        data={"country": recruiter.member_state_id, "licence": recruiter.licence_key, **data},
    )


@transaction.atomic
def recruiter_create(
    *,
    member_state_id: str,
    data: Mapping[str, Any],
    user: User | None,
    source: str | None = None,
    note: str = "",
    audit: dict[str, Any] | None = None,
) -> Recruiter:
    """A new entry of a country; raises RecruiterRefused (a field missing or wrong, a licence
    already recorded for another entry of the country)."""
    clean = recruiter_clean(
        {**dict.fromkeys(("legal_name", "licence_number", "status"), ""), **data}
    )
    recruiter = Recruiter(member_state_id=member_state_id, source=source or _source_of(user))
    for name, value in clean.items():
        setattr(recruiter, name, value)
    recruiter.licence_key = licence_key(recruiter.licence_number)
    _check_licence_free(recruiter)
    recruiter.search_text = recruiter_search_text(recruiter)
    recruiter.created_by = recruiter.updated_by = user
    _validation_after_change(recruiter, user)
    recruiter.save()
    _record(recruiter, user=user, action=Action.RECRUITER_CREATED, note=note, data=audit or {})
    return recruiter


def recruiter_changes(recruiter: Recruiter, clean: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """What `clean` (checked fields) would change in the entry: field → (before, after), as
    JSON values."""
    before = recruiter_snapshot(recruiter)
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in clean.items():
        after = value.isoformat() if isinstance(value, dt.date) else value
        if after is None:
            after = ""
        if before[name] != after:
            changes[name] = (before[name], after)
    return changes


@transaction.atomic
def recruiter_update(
    *,
    recruiter: Recruiter,
    data: Mapping[str, Any],
    user: User | None,
    note: str = "",
    audit: dict[str, Any] | None = None,
) -> list[str]:
    """Change an entry with the fields in `data`; returns the names of the fields that changed
    (none: nothing is written). Raises RecruiterRefused."""
    locked = Recruiter.objects.select_for_update().get(pk=recruiter.pk)
    clean = recruiter_clean(data)
    changes = recruiter_changes(locked, clean)
    if not changes:
        return []
    for name in changes:
        setattr(locked, name, clean[name])
    locked.licence_key = licence_key(locked.licence_number)
    _check_licence_free(locked)
    locked.search_text = recruiter_search_text(locked)
    locked.updated_at, locked.updated_by = timezone.now(), user
    _validation_after_change(locked, user)
    locked.save()
    _record(
        locked,
        user=user,
        action=Action.RECRUITER_CHANGED,
        note=note,
        data={"fields": sorted(changes), **(audit or {})},
    )
    recruiter.refresh_from_db()
    return sorted(changes)


@transaction.atomic
def recruiter_remove(*, recruiter: Recruiter, user: User, note: str = "") -> None:
    """Remove an entry (its history goes with it; the audit log keeps that it was removed)."""
    locked = Recruiter.objects.select_for_update().get(pk=recruiter.pk)
    audit_log(
        action=Action.RECRUITER_REMOVED,
        target=locked,
        actor=user,
        data={"country": locked.member_state_id, "licence": locked.licence_key, "note": note[:300]},
    )
    locked.delete()


class ValidationRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def recruiter_validate(*, recruiter: Recruiter, user: User, note: str = "") -> Recruiter:
    """The Secretariat validates an entry (again: nothing happens to one already validated)."""
    if not user.is_secretariat_admin:
        raise PermissionError
    note = text_plain(note, limit=1000)
    locked = Recruiter.objects.select_for_update().get(pk=recruiter.pk)
    if locked.validation == Validation.VALIDATED:
        return locked
    locked.validation = Validation.VALIDATED
    locked.validated_by, locked.validated_at = user, timezone.now()
    locked.validation_note = note
    locked.save(update_fields=["validation", "validated_by", "validated_at", "validation_note"])
    _record(locked, user=user, action=Action.RECRUITER_VALIDATED, note=note, data={})
    recruiter.refresh_from_db()
    return locked


@transaction.atomic
def recruiter_return(*, recruiter: Recruiter, user: User, note: str) -> Recruiter:
    """The Secretariat returns an entry to the country, saying why (the note is required)."""
    if not user.is_secretariat_admin:
        raise PermissionError
    note = text_plain(note, limit=1000)
    if not note:
        raise ValidationRefused(_("Say what the country should correct."))
    locked = Recruiter.objects.select_for_update().get(pk=recruiter.pk)
    locked.validation = Validation.RETURNED
    locked.validated_by, locked.validated_at = user, timezone.now()
    locked.validation_note = note
    locked.save(update_fields=["validation", "validated_by", "validated_at", "validation_note"])
    _record(locked, user=user, action=Action.RECRUITER_RETURNED, note=note, data={})
    recruiter.refresh_from_db()
    return locked
