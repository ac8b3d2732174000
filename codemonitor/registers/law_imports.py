"""Importing laws and regulations from a spreadsheet (CSV or XLSX): read and check every row,
hold the result as a `RegisterImport` for its preview, and apply it only when confirmed.

- A national user's file is for their own country; the Secretariat's rows name their country
  (an `iso3` or `country` column), or every row is for the country chosen on the form.
- A row matches an existing entry of its country by its number when it has one, else by its
  title (case and accents aside): importing the same file again changes nothing.
- Only the columns the file has are applied to an existing entry (a file without an abstract
  keeps the entries' abstracts); relations are kept.
- Type, status and event words are accepted as codes or English labels (and labels in the
  person's language), case and accents aside; dates as 2024-03-31 or 31/03/2024; articles as
  "5; 7".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.exports import csv_bytes
from codemonitor.core.text import CONTROL, text_folded, text_plain
from codemonitor.reference.models import CodeArticle, MemberState
from codemonitor.registers.laws import (
    LAW_FIELDS,
    EventInput,
    LawInput,
    LawRefused,
    keywords_parse,
    law_input_check,
    law_input_of,
    law_needs_validation,
    law_snapshot,
    law_write,
)
from codemonitor.registers.models import (
    EntrySource,
    ImportKind,
    Law,
    LawChange,
    LawEvent,
    RegisterImport,
)
from codemonitor.registers.tables import TableRefused, heading_key, table_open

MAX_ROWS = 5000
CREATE, UPDATE, UNCHANGED, REFUSED = "create", "update", "unchanged", "refused"

# Headings (as `heading_key` folds them) → what they hold; "event:<kind>" is one event's date.
HEADINGS = {
    "iso3": "iso3",
    "iso": "iso3",
    "iso code": "iso3",
    "country code": "iso3",
    "country": "country",
    "member state": "country",
    "title": "title",
    "original title": "title",
    "title in the original language": "title",
    "title en": "title_en",
    "title in english": "title_en",
    "english title": "title_en",
    "title fr": "title_fr",
    "title in french": "title_fr",
    "french title": "title_fr",
    "type": "kind",
    "kind": "kind",
    "number": "number",
    "no": "number",
    "issuing body": "issuing_body",
    "issued by": "issuing_body",
    "status": "status",
    "abstract": "abstract",
    "summary": "abstract",
    "events": "events",
    "adopted": "event:adopted",
    "date adopted": "event:adopted",
    "published": "event:published",
    "date published": "event:published",
    "in force": "event:in_force",
    "entry into force": "event:in_force",
    "entered into force": "event:in_force",
    "amended": "event:amended",
    "repealed": "event:repealed",
    "articles": "articles",
    "code articles": "articles",
    "articles of the code": "articles",
    "keywords": "keywords",
    "language": "language",
    "url": "url",
    "link": "url",
    "link to the full text": "url",
}
TEMPLATE_HEADERS = [
    "iso3",
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
    "abstract",
]
EXTRA_WORDS: dict[str, dict[str, str]] = {
    "kind": {
        "bilateral agreement": Law.Kind.BILATERAL_AGREEMENT,
        "agreement": Law.Kind.BILATERAL_AGREEMENT,
        "policy": Law.Kind.POLICY,
        "strategy": Law.Kind.POLICY,
        "guidelines": Law.Kind.GUIDELINE,
        "act": Law.Kind.LAW,
        "decree": Law.Kind.REGULATION,
    },
    "status": {"amended": Law.Status.AMENDED, "in preparation": Law.Status.DRAFT},
    "event": {
        "in force": LawEvent.Kind.IN_FORCE,
        "entry into force": LawEvent.Kind.IN_FORCE,
        "into force": LawEvent.Kind.IN_FORCE,
    },
}
DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


class LawImportRefused(ValueError):
    """Why a file (or a confirmation) is refused as a whole; for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _RowRefused(ValueError):
    pass


def _vocabulary(choices: type[TextChoices], extra: Mapping[str, str]) -> dict[str, str]:
    """Every way a value may be written → the value: its code, its English label, its label in
    the active language."""
    words: dict[str, str] = {text_folded(word): value for word, value in extra.items()}
    labels: list[tuple[str, str]] = list(choices.choices)
    with translation.override("en"):
        english = [(value, str(label)) for value, label in labels]
    for value, label in [*english, *((v, str(lab)) for v, lab in labels)]:
        words[text_folded(label)] = value
        words[text_folded(value)] = value
        words[text_folded(value.replace("_", " "))] = value
    return words


def _date(text: str, what: str) -> dt.date:
    text = text.strip()
    found = DAY_MONTH_YEAR.fullmatch(text)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            return dt.date(year, month, day)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:.]+)?", text):
            return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    raise _RowRefused(
        _("%(what)s: “%(value)s” is not a date (write 2024-03-31 or 31/03/2024)")
        % {"what": what, "value": text[:40]}
    )


def _word(text: str, words: Mapping[str, str], what: str, choices: Iterable[str]) -> str:
    value = words.get(text_folded(text))
    if value is None:
        raise _RowRefused(
            _("%(what)s: “%(value)s” is not one of: %(choices)s")
            % {"what": what, "value": text[:60], "choices": ", ".join(choices)}
        )
    return value


class _Reader:
    """Turns one row's cells into what it says of an entry (only the file's columns)."""

    def __init__(self, columns: dict[int, str]) -> None:
        self.columns = columns
        self.kinds = _vocabulary(Law.Kind, EXTRA_WORDS["kind"])
        self.statuses = _vocabulary(Law.Status, EXTRA_WORDS["status"])
        self.events = _vocabulary(LawEvent.Kind, EXTRA_WORDS["event"])
        self.articles = set(CodeArticle.objects.values_list("pk", flat=True))
        self.countries: dict[str, str] = {}
        for state in MemberState.objects.all():
            for name in (state.iso3, state.iso2, state.iso_name, state.display_name):
                if name:
                    self.countries[text_folded(name)] = state.iso3

    def cells(self, row: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for index, target in self.columns.items():
            # Without control characters: PostgreSQL stores no NUL, not even in JSON.
            found[target] = CONTROL.sub("", row[index]).strip() if index < len(row) else ""
        return found

    def country(self, cells: Mapping[str, str]) -> str:
        for column in ("iso3", "country"):
            text = cells.get(column, "")
            if text:
                iso3 = self.countries.get(text_folded(text))
                if iso3 is None:
                    raise _RowRefused(_("country: “%(value)s” is not known") % {"value": text[:60]})
                return iso3
        return ""

    def data(self, cells: Mapping[str, str]) -> dict[str, Any]:
        """What the row says, as JSON (dates as text)."""
        data: dict[str, Any] = {}
        for name in ("title", "title_en", "title_fr", "number", "issuing_body", "language", "url"):
            if name in cells:
                data[name] = text_plain(cells[name], limit=2000)
        if "abstract" in cells:
            data["abstract"] = text_plain(cells["abstract"], limit=20_000)
        if "title" in data and not data["title"]:
            raise _RowRefused(_("title: required"))
        if "kind" in cells:
            if not cells["kind"]:
                raise _RowRefused(_("type: required"))
            data["kind"] = _word(cells["kind"], self.kinds, _("type"), Law.Kind.values)
        if cells.get("status"):
            data["status"] = _word(cells["status"], self.statuses, _("status"), Law.Status.values)
        events: list[list[str]] = []
        if "events" in cells:
            for part in cells["events"].split(";"):
                if not part.strip():
                    continue
                kind_text, colon, date_text = part.rpartition(":")
                if not colon or not kind_text.strip():
                    raise _RowRefused(
                        _("events: “%(value)s” is not “kind:date” (e.g. in_force:2024-03-31)")
                        % {"value": part.strip()[:60]}
                    )
                kind = _word(kind_text, self.events, _("event"), LawEvent.Kind.values)
                events.append([kind, _date(date_text, _("events")).isoformat()])
        for column, text in cells.items():
            if column.startswith("event:") and text:
                events.append([column[6:], _date(text, column[6:]).isoformat()])
        if "events" in cells or any(c.startswith("event:") for c in cells):
            data["events"] = [list(event) for event in sorted({(k, d) for k, d in events})]
        if "articles" in cells:
            numbers: list[int] = []
            for part in cells["articles"].replace(",", ";").split(";"):
                token = re.sub(r"^(article|art)\.?\s*", "", part.strip(), flags=re.IGNORECASE)
                if not token:
                    continue
                if not (token.isascii() and token.isdigit()) or int(token) not in self.articles:
                    raise _RowRefused(
                        _("articles: the Code has no article “%(value)s”") % {"value": token[:20]}
                    )
                numbers.append(int(token))
            data["articles"] = sorted(set(numbers))
        if "keywords" in cells:
            data["keywords"] = keywords_parse(cells["keywords"])
        return data


def _field_label(name: str) -> str:
    try:
        return str(getattr(Law._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:  # "events", "relations": not fields of the model
        return name or _("row")


def _key(member_state_id: str, number: str, title: str) -> str:
    """How a row finds its entry: the country and the number, else the title."""
    if number.strip():
        return f"{member_state_id}|n|{text_folded(number)}"
    return f"{member_state_id}|t|{text_folded(title)}"


def _existing(countries: Iterable[str]) -> dict[str, Law]:
    found: dict[str, Law] = {}
    for law in Law.objects.filter(member_state_id__in=set(countries)).order_by("pk"):
        found.setdefault(_key(law.member_state_id, law.number, law.title), law)
        if law.number:  # a row without a number still finds it by its title
            found.setdefault(_key(law.member_state_id, "", law.title), law)
    return found


def _find(existing: Mapping[str, Law], country: str, data: Mapping[str, Any]) -> Law | None:
    """The entry a row is for: by number; else by title (also an entry without a number yet,
    for a row that now gives one)."""
    number, title = data.get("number", ""), data.get("title", "")
    found = existing.get(_key(country, number, title))
    if found is None and number:
        by_title = existing.get(_key(country, "", title))
        if by_title is not None and not by_title.number:
            return by_title
    return found


def _merged(law: Law | None, data: Mapping[str, Any]) -> LawInput:
    """The entry as it would be once the row is applied."""
    merged = law_input_of(law) if law is not None else LawInput(title="", kind="")
    for name in LAW_FIELDS:
        if name in data:
            setattr(merged, name, data[name])
    if "events" in data:
        merged.events = [
            EventInput(kind, dt.date.fromisoformat(day)) for kind, day in data["events"]
        ]
    if "articles" in data:
        merged.articles = list(data["articles"])
    if "keywords" in data:
        merged.keywords = list(data["keywords"])
    return merged


def _same(law: Law, merged: LawInput) -> bool:
    now = law_input_of(law)

    def plain(events: list[EventInput]) -> list[tuple[str, dt.date]]:
        return sorted((e.kind, e.date) for e in events)

    return (
        all(str(getattr(now, n)) == str(getattr(merged, n)) for n in LAW_FIELDS)
        and plain(now.events) == plain(merged.events)
        and sorted(now.articles) == sorted(merged.articles)
        and now.keywords == merged.keywords
    )


def _columns(headers: list[str]) -> tuple[dict[int, str], list[str]]:
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for index, heading in enumerate(headers):
        target = HEADINGS.get(heading_key(heading))
        if target is None or target in columns.values():
            if heading.strip():
                ignored.append(CONTROL.sub("", heading).strip()[:100])
            continue
        columns[index] = target
    return columns, ignored


def law_import_read(
    *,
    source: IO[bytes],
    file_name: str,
    size: int,
    user: User,
    member_state_id: str | None,
) -> RegisterImport:
    """Read and check an uploaded table; hold it for its preview. Nothing of the register
    changes. `member_state_id`: the country every row is for (a national user's), or None
    when the rows name their country. Raises LawImportRefused for the file as a whole."""
    limit = settings.REGISTER_IMPORT_MAX_BYTES
    if size > limit:
        raise LawImportRefused(
            _("The file is %(size)s MB; a file to import may be at most %(limit)s MB.")
            % {"size": f"{size / (1024 * 1024):.1f}", "limit": f"{limit / (1024 * 1024):.0f}"}
        )
    if size == 0:
        raise LawImportRefused(_("The file is empty."))
    digest = hashlib.sha256()
    source.seek(0)
    for chunk in iter(lambda: source.read(1024 * 1024), b""):
        digest.update(chunk)
    try:
        table = table_open(source)
        columns, ignored = _columns(table.headers)
        missing = [name for name in ("title", "kind") if name not in columns.values()]
        if missing:
            raise LawImportRefused(
                _("The file needs the columns %(columns)s (its first row is: %(headers)s).")
                % {
                    "columns": ", ".join("title" if m == "title" else "type" for m in missing),
                    "headers": ", ".join(h for h in table.headers if h)[:300] or "—",
                }
            )
        if member_state_id is None and not {"iso3", "country"} & set(columns.values()):
            raise LawImportRefused(
                _("Choose the country of the file, or give each row an “iso3” column.")
            )
        reader = _Reader(columns)
        read: list[tuple[int, dict[str, str]]] = []
        for line, row in table.rows:
            if len(read) >= MAX_ROWS:
                raise LawImportRefused(
                    _("The file has more than %(limit)s rows; split it.") % {"limit": MAX_ROWS}
                )
            read.append((line, reader.cells(row)))
    except TableRefused as refused:
        raise LawImportRefused(str(refused)) from None
    # First the country of each row, so that only those countries' entries are read.
    placed: list[tuple[int, dict[str, str], str, str]] = []  # line, cells, country, refusal
    for line, cells in read:
        try:
            country = reader.country(cells)
            if member_state_id and country and country != member_state_id:
                raise _RowRefused(
                    _("country: the row is for %(row)s, the file for %(file)s")
                    % {"row": country, "file": member_state_id}
                )
            country = country or member_state_id or ""
            if not country:
                raise _RowRefused(_("country: required"))
            placed.append((line, cells, country, ""))
        except _RowRefused as refused:
            placed.append((line, cells, "", str(refused)))
    existing = _existing({country for _l, _c, country, _r in placed if country})
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, cells, country, refusal in placed:
        entry: dict[str, Any] = {"line": line, "title": cells.get("title", "")[:200]}
        try:
            if refusal:
                raise _RowRefused(refusal)
            data = reader.data(cells)
            key = _key(country, data.get("number", ""), data.get("title", ""))
            if key in seen:
                raise _RowRefused(
                    _("the same text as line %(line)s (same number, or same title)")
                    % {"line": seen[key]}
                )
            seen[key] = line
            law = _find(existing, country, data)
            merged = _merged(law, data)
            try:
                law_input_check(merged, country, law)
            except LawRefused as refused:
                raise _RowRefused(f"{_field_label(refused.field)}: {refused.message}") from None
            action = CREATE if law is None else UNCHANGED if _same(law, merged) else UPDATE
            entry.update(
                {"country": country, "action": action, "law": law.pk if law else None, "data": data}
            )
        except _RowRefused as refused:
            entry.update({"action": REFUSED, "reason": str(refused)})
        rows.append(entry)
    summary = {
        kind: sum(1 for row in rows if row["action"] == kind)
        for kind in (CREATE, UPDATE, UNCHANGED, REFUSED)
    }
    summary["ignored_columns"] = ignored  # type: ignore[assignment]
    return RegisterImport.objects.create(
        kind=ImportKind.LAWS,
        member_state_id=member_state_id,
        file_name=(file_name or "import")[-255:],
        sha256=digest.hexdigest(),
        headers=[CONTROL.sub("", h)[:100] for h in table.headers],
        mapping={str(index): target for index, target in columns.items()},
        rows=rows,
        summary=summary,
        created_by=user,
    )


@transaction.atomic
def law_import_apply(*, register_import: RegisterImport, user: User) -> dict[str, int]:
    """Apply a previewed import in one transaction: what the preview showed, matched again
    against the register as it is now (so that confirming twice cannot create twice)."""
    held = RegisterImport.objects.select_for_update().get(pk=register_import.pk)
    if held.state != RegisterImport.State.PREVIEW or held.kind != ImportKind.LAWS:
        raise LawImportRefused(_("This import is already saved or discarded."))
    rows = [row for row in held.rows if row["action"] != REFUSED]
    existing = _existing({row["country"] for row in rows})
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, REFUSED: len(held.rows) - len(rows)}
    created: list[int] = []
    updated: list[int] = []
    note = _("import of %(name)s") % {"name": held.file_name[:200]}
    for row in rows:
        data = row["data"]
        country = row["country"]
        key = _key(country, data.get("number", ""), data.get("title", ""))
        law = _find(existing, country, data)
        merged = _merged(law, data)
        if law is not None and _same(law, merged):
            counts[UNCHANGED] += 1
            continue
        try:
            law_input_check(merged, country, law)
        except LawRefused:
            counts[REFUSED] += 1  # the register changed since the preview
            continue
        is_new = law is None
        if law is None:
            law = Law(
                member_state_id=country,
                source=EntrySource.IMPORT,
                created_by=user,
                updated_by=user,
            )
            law_write(law, merged)
            existing[key] = law
            created.append(law.pk)
            counts[CREATE] += 1
        else:
            law = Law.objects.select_for_update().select_related("member_state").get(pk=law.pk)
            law_write(law, merged)
            law_needs_validation(law, user)
            law.updated_at, law.updated_by = timezone.now(), user
            law.save()
            updated.append(law.pk)
            counts[UPDATE] += 1
        law_record_history(law, user=user, note=note)
        # Each entry's own trail says it came from this file; the file's entry sums it up.
        audit_log(
            action=Action.LAW_CREATED if is_new else Action.LAW_CHANGED,
            target=law,
            actor=user,
            data={"country": country, "import": held.pk, "source": EntrySource.IMPORT.value},
        )
    held.state = RegisterImport.State.APPLIED
    held.applied_at = timezone.now()
    held.summary = {**held.summary, "applied": counts}
    held.save()
    audit_log(
        action=Action.LAWS_IMPORTED,
        target=held,
        actor=user,
        data={
            "country": held.member_state_id or "",
            "import": held.pk,
            "sha256": held.sha256,
            **counts,
            "created_ids": created[:1000],
            "updated_ids": updated[:1000],
        },
    )
    return counts


def law_record_history(law: Law, *, user: User, note: str) -> None:
    """The history snapshot of an imported entry."""
    LawChange.objects.create(law=law, data=law_snapshot(law), changed_by=user, note=note[:300])


@transaction.atomic
def law_import_discard(*, register_import: RegisterImport, user: User) -> None:
    held = RegisterImport.objects.select_for_update().get(pk=register_import.pk)
    if held.state != RegisterImport.State.PREVIEW:
        raise LawImportRefused(_("This import is already saved or discarded."))
    held.state = RegisterImport.State.DISCARDED
    held.rows = []  # what was read is not kept once it is dropped
    held.save()
    audit_log(
        action=Action.LAWS_IMPORTED,
        target=held,
        actor=user,
        data={"country": held.member_state_id or "", "import": held.pk, "discarded": True},
    )


def law_import_template() -> bytes:
    """The headings of a file to import, and one example row."""
    return csv_bytes(
        [
            TEMPLATE_HEADERS,
            [
                "GHA",
                "Health Professions Regulatory Bodies Act",
                "Health Professions Regulatory Bodies Act",
                "",
                "law",
                "Act 857",
                "Parliament",
                "in_force",
                "adopted:2013-09-18; in_force:2013-10-01",
                "5; 7",
                "licensing; migration",
                "en",
                "https://example.org/act-857.pdf",
                "",
            ],
        ]
    )
