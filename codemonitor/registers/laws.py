"""The database of laws and regulations (Code Art. 7.2(b) as adopted): changing entries.

Every write is a typed service that checks, saves, keeps a `LawChange` snapshot (the entry's
history) and writes an audit entry, in one transaction. A change by a national user (focal
point or contributor) puts the entry back to "awaiting validation"; the Secretariat validates
or returns it with a note. Reads are in `registers/selectors.py`; who may call these is
decided by `registers/access.py`; spreadsheets are read by `registers/law_imports.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.exports import csv_bytes
from codemonitor.core.text import text_folded, text_plain
from codemonitor.reference.models import CodeArticle
from codemonitor.registers.models import (
    EntrySource,
    Law,
    LawChange,
    LawEvent,
    LawRelation,
    Validation,
)
from codemonitor.reporting.documents import document_check
from codemonitor.reporting.models import Report

# The entry's own fields, as the form, the import and the history know them.
LAW_FIELDS = (
    "title",
    "title_en",
    "title_fr",
    "kind",
    "number",
    "issuing_body",
    "status",
    "abstract",
    "url",
    "language",
)
MAX_KEYWORDS = 30
KEYWORD_MAX_CHARS = 100
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,4})?", re.IGNORECASE)


class LawRefused(ValueError):
    """Why a change of an entry is not made; `field` names the field at fault, if one is."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class EventInput:
    kind: str
    date: dt.date
    note: str = ""


@dataclass
class LawInput:
    """What a person (or a spreadsheet's row) says of an entry."""

    title: str
    kind: str
    title_en: str = ""
    title_fr: str = ""
    number: str = ""
    issuing_body: str = ""
    status: str = Law.Status.IN_FORCE
    abstract: str = ""
    url: str = ""
    language: str = ""
    events: list[EventInput] = field(default_factory=list)
    # (kind, id of the other law of the same country): this law amends/repeals the other one.
    relations: list[tuple[str, int]] = field(default_factory=list)
    articles: list[int] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)


def keywords_clean(values: Iterable[str]) -> list[str]:
    """Keywords without control characters, duplicates (ignoring case) or empty ones."""
    found: list[str] = []
    seen: set[str] = set()
    for value in values:
        word = " ".join(text_plain(str(value), limit=KEYWORD_MAX_CHARS).split())
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            found.append(word)
    return found[:MAX_KEYWORDS]


def keywords_parse(text: str) -> list[str]:
    """Keywords typed in one field, separated by semicolons or commas."""
    return keywords_clean(text.replace(",", ";").split(";"))


def law_input_check(data: LawInput, member_state_id: str, law: Law | None) -> None:
    """Raise LawRefused when `data` cannot be stored for this country (and this entry)."""
    if not data.title.strip():
        raise LawRefused(_("The title is required."), "title")
    if data.kind not in Law.Kind.values:
        raise LawRefused(_("Choose a type."), "kind")
    if data.status not in Law.Status.values:
        raise LawRefused(_("Choose a status."), "status")
    for name in LAW_FIELDS:
        limit = getattr(Law._meta.get_field(name), "max_length", None)
        value = str(getattr(data, name) or "")
        if limit and len(value) > limit:
            raise LawRefused(
                _("At most %(limit)s characters (%(count)s given).")
                % {"limit": limit, "count": len(value)},
                name,
            )
    if data.url:
        try:
            URLValidator(schemes=["http", "https"])(data.url)
        except ValidationError:
            raise LawRefused(_("Enter a web address starting with https://."), "url") from None
    if data.language and not LANGUAGE_CODE.fullmatch(data.language):
        raise LawRefused(_("Enter a language code such as en, fr or ar."), "language")
    for event in data.events:
        if event.kind not in LawEvent.Kind.values:
            raise LawRefused(_("An event has an unknown kind."), "events")
    known = set(CodeArticle.objects.filter(pk__in=data.articles).values_list("pk", flat=True))
    unknown = sorted(set(data.articles) - known)
    if unknown:
        raise LawRefused(
            _("The Code has no article %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in unknown)},
            "articles",
        )
    others = {other for _kind, other in data.relations}
    if law is not None and law.pk in others:
        raise LawRefused(_("A text cannot amend or repeal itself."), "relations")
    same_country = set(
        Law.objects.filter(pk__in=others, member_state_id=member_state_id).values_list(
            "pk", flat=True
        )
    )
    if others - same_country:
        raise LawRefused(
            _("A text may only amend or repeal another text of the same country."), "relations"
        )
    for kind, _other in data.relations:
        if kind not in LawRelation.Kind.values:
            raise LawRefused(_("A relation has an unknown kind."), "relations")


def _search_text(law: Law) -> str:
    return text_folded(
        law.title,
        law.title_en,
        law.title_fr,
        law.number,
        law.issuing_body,
        law.abstract,
        " ".join(law.keywords or []),
        law.member_state_id,
        law.member_state.name if law.member_state_id else "",
    )


def law_input_of(law: Law) -> LawInput:
    """What an entry says now, as a change would say it."""
    return LawInput(
        **{name: str(getattr(law, name) or "") for name in LAW_FIELDS},
        events=[EventInput(e.kind, e.date, e.note) for e in law.events.order_by("date", "pk")],
        relations=[(r.kind, r.other_id) for r in law.relations.order_by("kind", "other_id")],
        articles=sorted(law.articles.values_list("pk", flat=True)),
        keywords=list(law.keywords or []),
    )


def law_snapshot(law: Law) -> dict[str, Any]:
    """The entry as its history keeps it (ids and codes, never a person's name)."""
    return {
        **{name: str(getattr(law, name) or "") for name in LAW_FIELDS},
        "events": [
            [event.kind, event.date.isoformat(), event.note]
            for event in law.events.order_by("date", "pk")
        ],
        "relations": [
            [relation.kind, relation.other_id]
            for relation in law.relations.order_by("kind", "other_id")
        ],
        "articles": sorted(law.articles.values_list("pk", flat=True)),
        "keywords": list(law.keywords or []),
        "document": law.document_name,
        "document_sha256": law.document_sha256,
        "source": law.source,
        "validation": law.validation,
        "validation_note": law.validation_note,
    }


def law_record(law: Law, *, user: User | None, action: Action, note: str, **extra: Any) -> None:
    """The history snapshot and the audit entry of one change of `law`."""
    LawChange.objects.create(law=law, data=law_snapshot(law), changed_by=user, note=note[:300])
    audit_log(
        action=action,
        target=law,
        actor=user,
        data={"country": law.member_state_id, "law": law.pk, "note": note[:300], **extra},
    )


def _source_of(user: User | None) -> str:
    if user is not None and user.is_national:
        return EntrySource.FOCAL_POINT
    return EntrySource.SECRETARIAT


def law_needs_validation(law: Law, user: User | None) -> None:
    """A change by the country waits for the Secretariat again."""
    if user is None or user.is_national:
        law.validation = Validation.PENDING
        law.validated_by = None
        law.validated_at = None


def law_write(law: Law, data: LawInput) -> list[str]:
    """Set `law` from `data` and save it with its events, relations and articles; the names of
    what changed."""
    before = law_snapshot(law) if law.pk else {}
    for name in LAW_FIELDS:
        value = getattr(data, name)
        setattr(law, name, text_plain(str(value or ""), limit=20_000))
    law.language = law.language.lower()[:10]
    law.keywords = keywords_clean(data.keywords)
    law.search_text = _search_text(law)
    law.save()
    law.events.all().delete()
    LawEvent.objects.bulk_create(
        LawEvent(law=law, kind=e.kind, date=e.date, note=text_plain(e.note, limit=300))
        for e in sorted(data.events, key=lambda e: (e.date, e.kind))
    )
    law.relations.all().delete()
    LawRelation.objects.bulk_create(
        LawRelation(law=law, kind=kind, other_id=other) for kind, other in set(data.relations)
    )
    law.articles.set(sorted(set(data.articles)))
    after = law_snapshot(law)
    return [name for name, value in after.items() if before.get(name) != value]


@transaction.atomic
def law_create(
    *,
    member_state_id: str,
    data: LawInput,
    user: User | None,
    source: str = "",
    source_report: Report | None = None,
    source_question: str = "",
    note: str = "",
) -> Law:
    """A new entry of a country; its source is who entered it unless `source` says otherwise
    (an NRI answer names its report and question)."""
    law_input_check(data, member_state_id, None)
    if source_report is not None:
        source = EntrySource.NRI
        if source_report.member_state_id != member_state_id:
            raise LawRefused(_("The national report is of another country."))
    law = Law(
        member_state_id=member_state_id,
        source=source or _source_of(user),
        source_report=source_report,
        source_question=source_question[:100] if source_report else "",
        created_by=user,
        updated_by=user,
    )
    law_write(law, data)
    law_record(law, user=user, action=Action.LAW_CREATED, note=note, source=law.source)
    return law


@transaction.atomic
def law_update(*, law: Law, data: LawInput, user: User | None, note: str = "") -> Law:
    locked = Law.objects.select_for_update().select_related("member_state").get(pk=law.pk)
    law_input_check(data, locked.member_state_id, locked)
    changed = law_write(locked, data)
    if not changed:
        return locked
    law_needs_validation(locked, user)
    locked.updated_at, locked.updated_by = timezone.now(), user
    locked.save()
    law_record(locked, user=user, action=Action.LAW_CHANGED, note=note, fields=changed)
    return locked


@transaction.atomic
def law_remove(*, law: Law, user: User | None, note: str = "") -> None:
    locked = Law.objects.select_for_update().get(pk=law.pk)
    audit_log(
        action=Action.LAW_REMOVED,
        target=locked,
        actor=user,
        data={
            "country": locked.member_state_id,
            "law": locked.pk,
            "title": locked.title[:200],
            "number": locked.number,
            "note": note[:300],
        },
    )
    stored = locked.document.name or ""
    locked.delete()
    if stored:
        storage = Law._meta.get_field("document").storage
        transaction.on_commit(lambda: storage.delete(stored))


@transaction.atomic
def law_validate(*, law: Law, user: User, note: str = "") -> Law:
    locked = Law.objects.select_for_update().get(pk=law.pk)
    locked.validation = Validation.VALIDATED
    locked.validated_by, locked.validated_at = user, timezone.now()
    locked.validation_note = text_plain(note, limit=1000)
    locked.save()
    law_record(locked, user=user, action=Action.LAW_VALIDATED, note=note)
    return locked


@transaction.atomic
def law_return(*, law: Law, user: User, note: str) -> Law:
    """Back to the country, with the Secretariat's note saying what to change (required)."""
    note = text_plain(note, limit=1000)
    if not note:
        raise LawRefused(_("Say what the country should change."), "note")
    locked = Law.objects.select_for_update().get(pk=law.pk)
    locked.validation = Validation.RETURNED
    locked.validated_by, locked.validated_at = user, timezone.now()
    locked.validation_note = note
    locked.save()
    law_record(locked, user=user, action=Action.LAW_RETURNED, note=note)
    return locked


def law_document_attach(
    *, law: Law, upload: UploadedFile[bytes], user: User | None, note: str = ""
) -> Law:
    """Attach the text's document, or replace the one it has; checked as reports' documents
    are (`document_check`), stored under a random name. Raises DocumentRefused."""
    checked = document_check(upload, max_bytes=settings.DOCUMENT_MAX_BYTES)
    extension = checked.name.rpartition(".")[2].lower()[:10]
    with transaction.atomic():
        locked = Law.objects.select_for_update().get(pk=law.pk)
        previous = locked.document.name or ""
        locked.document_name = checked.name
        locked.document_type = checked.content_type
        locked.document_size = checked.size
        locked.document_sha256 = checked.sha256
        # A random name: nothing of the sender's name reaches the storage.
        locked.document.save(f"{secrets.token_hex(16)}.{extension}", upload, save=False)
        law_needs_validation(locked, user)
        locked.updated_at, locked.updated_by = timezone.now(), user
        locked.save()
        law_record(
            locked,
            user=user,
            action=Action.LAW_CHANGED,
            note=note,
            fields=["document"],
            size=checked.size,
        )
        if previous:
            storage = locked.document.storage
            transaction.on_commit(lambda: storage.delete(previous))
    return locked


# -- reading an entry for its pages and exports -----------------------------------------------


def law_inverse_relations(law: Law) -> list[tuple[str, Law]]:
    """What other texts do to this one: ("amended by"/"repealed by", the other text)."""
    labels = {
        LawRelation.Kind.AMENDS: _("amended by"),
        LawRelation.Kind.REPEALS: _("repealed by"),
    }
    return [
        (str(labels[LawRelation.Kind(relation.kind)]), relation.law)
        for relation in law.related_from.select_related("law").order_by("kind", "law__title")
    ]


def events_text(events: Sequence[LawEvent]) -> str:
    """Events as the export (and the import) write them: `kind:date; kind:date`."""
    return "; ".join(f"{event.kind}:{event.date.isoformat()}" for event in events)


EXPORT_HEADERS = [
    "iso3",
    "country",
    "title",
    "title_en",
    "title_fr",
    "type",
    "number",
    "issuing_body",
    "status",
    "events",
    "articles",
    "keywords",
    "language",
    "url",
    "source",
    "validation",
    "last_change",
]


def laws_csv(laws: Iterable[Law]) -> bytes:
    """Entries as CSV (`laws` prefetched with events and articles, as `law_search` gives them);
    written by `core.exports`: no cell of it can be a formula. The columns read back by the
    import."""
    rows: list[list[object]] = [list(EXPORT_HEADERS)]
    for law in laws:
        rows.append(
            [
                law.member_state_id,
                law.member_state.name,
                law.title,
                law.title_en,
                law.title_fr,
                law.kind,
                law.number,
                law.issuing_body,
                law.status,
                events_text(list(law.events.all())),
                "; ".join(str(article.pk) for article in law.articles.all()),
                "; ".join(law.keywords or []),
                law.language,
                law.url,
                law.source,
                law.validation,
                timezone.localtime(law.updated_at).date().isoformat(),
            ]
        )
    return csv_bytes(rows)
