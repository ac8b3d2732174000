"""Importing the list of authorised recruiters a country already publishes (CSV or XLSX).

1. `recruiter_import_start` reads the file (size checked first, rows counted, every cell kept
   with its line number) into a `RegisterImport` waiting for its preview; the column mapping is
   the one remembered for the country and the same headings (`ColumnMapping`, keyed by a digest
   of the headings), otherwise guessed from the headings' words (`mapping_guess`).
2. `recruiter_import_map` sets the mapping the person chose (field → column).
3. `recruiter_import_preview` reads the rows through the mapping and compares them with the
   register, by licence number: new, changed (with what changes), unchanged, refused (line and
   reason). Nothing is saved.
4. `recruiter_import_apply` saves exactly that in one transaction, remembers the mapping, and
   audits each entry created or changed plus one entry for the import (counts and the file's
   checksum). Importing the same file again finds every row unchanged and writes nothing.
   Entries that are not in the file stay as they are: the file may list only some of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.text import text_folded
from codemonitor.registers.models import (
    ColumnMapping,
    EntrySource,
    ImportKind,
    Recruiter,
    RegisterImport,
)
from codemonitor.registers.recruiters import (
    RecruiterRefused,
    licence_key,
    recruiter_changes,
    recruiter_clean,
    recruiter_create,
    recruiter_update,
)
from codemonitor.registers.tables import TableRefused, heading_key, table_open

# The fields a column may fill, in the order the mapping form shows them.
IMPORT_FIELDS = {
    "legal_name": gettext_lazy("Legal name"),
    "other_names": gettext_lazy("Other names (separated by ;)"),
    "licence_number": gettext_lazy("Licence or registration number"),
    "issuing_authority": gettext_lazy("Issuing authority"),
    "status": gettext_lazy("Status"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_to": gettext_lazy("Valid until"),
    "address": gettext_lazy("Address"),
    "website": gettext_lazy("Website"),
    "source_url": gettext_lazy("Public source (link)"),
    "last_verified": gettext_lazy("Last verified"),
}
REQUIRED_FIELDS = ("legal_name", "licence_number")

# Heading words that say which field a column holds (compared case- and accent-folded), in
# English, French, Spanish and Portuguese, separated by "|".
HEADING_WORDS: dict[str, str] = {
    "legal_name": (
        "legal name|name|company|company name|agency|agency name|recruiter|"
        "recruitment agency|business name|name of agency|name of the agency|nom|"
        "nom legal|raison sociale|denomination|nom de l agence|nom de l entreprise|"
        "entreprise|agence|nombre|razon social|denominacion|nombre de la agencia|"
        "nombre de la empresa|empresa|agencia|nome"
    ),
    "other_names": (
        "other names|other name|trading name|trading names|trade name|also known as|aka|"
        "autres noms|autre nom|nom commercial|otros nombres|nombre comercial|"
        "outros nomes"
    ),
    "licence_number": (
        "licence no|license no|licence number|license number|licence|license|licence n|"
        "license n|licence nr|registration number|registration no|registration|"
        "permit number|permit no|numero de licence|n de licence|no de licence|"
        "licence numero|numero d agrement|agrement|n d agrement|numero de licencia|"
        "licencia|n de licencia|no de licencia|numero de registro|registro|"
        "numero de licenca|licenca"
    ),
    "issuing_authority": (
        "issuing authority|authority|issued by|licensing authority|autorite|"
        "autorite de delivrance|delivre par|autoridad|autoridad emisora|emitido por|"
        "expedido por|autoridade"
    ),
    "status": (
        "status|licence status|license status|state|statut|etat|situation|estado|situacion|estatus"
    ),
    "valid_from": (
        "valid from|issue date|date of issue|issued on|start date|from|date issued|"
        "date de delivrance|valable du|valable a partir du|date de debut|debut|"
        "valido desde|fecha de emision|fecha de inicio|desde|fecha de expedicion"
    ),
    "valid_to": (
        "valid to|valid until|valid till|expiry date|expiry|expiration date|expiration|"
        "expires|expires on|end date|until|date d expiration|valable jusqu au|"
        "date de fin|fin|valido hasta|fecha de vencimiento|fecha de expiracion|"
        "vencimiento|hasta"
    ),
    "address": "address|adresse|direccion|domicilio|endereco",
    "website": "website|web site|web|url|site web|site internet|sitio web|pagina web|site",
    "source_url": "source|source url|source link|fuente|lien source",
    "last_verified": (
        "last verified|verified|verified on|date verified|last checked|"
        "derniere verification|verifie le|ultima verificacion|verificado"
    ),
}

# Status words of national lists → the fixed list (case- and accent-folded).
_STATUS_WORDS: dict[str, str] = {
    Recruiter.Status.AUTHORISED: (
        "authorised|authorized|active|valid|licensed|licenced|granted|approved|"
        "registered|current|in force|accredited|autorise|autorisee|actif|active|valide|"
        "agree|agreee|en vigueur|accorde|accordee|autorizado|autorizada|activo|activa|"
        "vigente|valido|valida|otorgado|otorgada|aprobado|aprobada|registrado|registrada|"
        "habilitado|habilitada|ativo|ativa"
    ),
    Recruiter.Status.SUSPENDED: (
        "suspended|on hold|suspendu|suspendue|suspendido|suspendida|suspenso|suspensa"
    ),
    Recruiter.Status.REVOKED: (
        "revoked|cancelled|canceled|withdrawn|terminated|revoque|revoquee|retire|retiree|"
        "annule|annulee|revocado|revocada|cancelado|cancelada|retirado|retirada|revogado|"
        "revogada"
    ),
    Recruiter.Status.EXPIRED: (
        "expired|lapsed|not renewed|expire|expiree|perime|perimee|caduque|caduquee|"
        "vencido|vencida|expirado|expirada|caducado|caducada"
    ),
    Recruiter.Status.SURRENDERED: (
        "surrendered|voluntarily surrendered|renounced|closed|renonce|renoncee|"
        "renonciation|ferme|fermee|renunciado|renunciada|renuncia|cerrado|cerrada"
    ),
    Recruiter.Status.PENDING: (
        "pending|application pending|under review|in process|applied|en attente|en cours|"
        "demande en cours|pendiente|en tramite|en proceso|em analise"
    ),
}
STATUS_WORDS: dict[str, str] = {}
for _status, _words in _STATUS_WORDS.items():
    for _word in _words.split("|"):
        STATUS_WORDS[_word] = _status
    STATUS_WORDS[text_folded(_status)] = _status
    STATUS_WORDS[text_folded(Recruiter.Status(_status).label)] = _status


class ImportRefused(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def headers_digest(headers: Iterable[str]) -> str:
    """The digest of a file's headings, as compared (a remembered mapping is for that layout)."""
    joined = "\x1f".join(heading_key(heading) for heading in headers)
    return hashlib.sha256(joined.encode()).hexdigest()


def _heading_words(heading: str) -> str:
    return heading_key(text_folded(heading))


def mapping_guess(headers: list[str]) -> dict[str, int]:
    """Which column probably holds which field, from the headings' words."""
    scored: list[tuple[int, int, str, int]] = []  # (score, length of the words, field, column)
    for column, heading in enumerate(headers):
        words = _heading_words(heading)
        if not words:
            continue
        padded = f" {words} "
        for name, phrases in HEADING_WORDS.items():
            for phrase in phrases.split("|"):
                if words == phrase:
                    scored.append((3, len(phrase), name, column))
                elif f" {phrase} " in padded:
                    scored.append((2, len(phrase), name, column))
    guess: dict[str, int] = {}
    taken: set[int] = set()
    for _score, _length, name, column in sorted(scored, reverse=True):
        if name not in guess and column not in taken:
            guess[name] = column
            taken.add(column)
    return guess


def mapping_remembered(member_state_id: str, headers: list[str]) -> dict[str, int] | None:
    """The mapping last used for this country's files with these headings, as columns."""
    found = ColumnMapping.objects.filter(
        member_state_id=member_state_id,
        kind=ImportKind.RECRUITERS,
        headers_key=headers_digest(headers),
    ).first()
    if found is None:
        return None
    keys = [heading_key(heading) for heading in headers]
    columns: dict[str, int] = {}
    for name, heading in found.mapping.items():
        if name in IMPORT_FIELDS and heading_key(str(heading)) in keys:
            columns[name] = keys.index(heading_key(str(heading)))
    if not all(name in columns for name in REQUIRED_FIELDS):
        return None
    return columns


def mapping_problems(mapping: Mapping[str, int | None], width: int) -> dict[str, str]:
    """What is wrong with a mapping (field → message)."""
    problems: dict[str, str] = {}
    used: dict[int, str] = {}
    for name in IMPORT_FIELDS:
        column = mapping.get(name)
        if column is None:
            if name in REQUIRED_FIELDS:
                problems[name] = _("Choose the column that holds the %(field)s.") % {
                    "field": str(IMPORT_FIELDS[name]).lower()
                }
            continue
        if not 0 <= column < width:
            problems[name] = _("There is no such column.")
        elif column in used:
            problems[name] = _("This column is already used for “%(field)s”.") % {
                "field": IMPORT_FIELDS[used[column]]
            }
        else:
            used[column] = name
    return problems


# -- Reading one row -------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
# Excel's day numbers of 1954 to 2119: a bare year ("2024") is never taken for one.
_SERIAL_RANGE = (20_000, 80_000)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def date_parse(text: str) -> dt.date:
    """A date as spreadsheets write it: 2024-03-31, 31/03/2024, 31.3.2024, or Excel's day
    number; raises ValueError."""
    value = text.strip()
    if match := _ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
        return dt.date(year, month, day)
    if match := _DMY.match(value):
        day, month, year = (int(part) for part in match.groups())
        return dt.date(year, month, day)
    if _SERIAL.match(value):
        number = float(value)
        if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
            return _EXCEL_EPOCH + dt.timedelta(days=int(number))
    raise ValueError(value)


def status_parse(text: str) -> str:
    """A status word of a national list as one of the fixed list; raises ValueError."""
    words = " ".join(re.sub(r"[^\w]+", " ", text_folded(text)).split())
    if words in STATUS_WORDS:
        return STATUS_WORDS[words]
    raise ValueError(text)


@dataclass
class Row:
    line: int
    values: dict[str, Any] = field(default_factory=dict)  # checked, as `recruiter_clean` gives
    reason: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    recruiter_id: int | None = None

    @property
    def licence(self) -> str:
        return str(self.values.get("licence_number", ""))

    @property
    def name(self) -> str:
        return str(self.values.get("legal_name", ""))

    @property
    def status_label(self) -> str:
        status = self.values.get("status")
        return str(Recruiter.Status(status).label) if status in Recruiter.Status.values else ""

    @property
    def change_list(self) -> list[tuple[str, str, str]]:
        """What changes, for a page: (field's label, before, after)."""
        return [
            (str(IMPORT_FIELDS.get(name) or name), _shown(before), _shown(after))
            for name, (before, after) in self.changes.items()
        ]


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value or "")


def _cell(cells: list[str], column: int | None) -> str | None:
    if column is None:
        return None
    return cells[column].strip() if column < len(cells) else ""


def row_read(line: int, cells: list[str], mapping: Mapping[str, int | None]) -> Row:
    """One row through the mapping: its checked values, or the reason it is refused."""
    raw: dict[str, Any] = {}
    problems: list[str] = []
    for name in IMPORT_FIELDS:
        text = _cell(cells, mapping.get(name))
        if text is None:
            continue
        label = str(IMPORT_FIELDS[name])
        if name == "status":
            if not text:
                problems.append(_("%(field)s: empty") % {"field": label})
                continue
            try:
                raw[name] = status_parse(text)
            except ValueError:
                problems.append(
                    _("%(field)s: “%(word)s” is not a status this import knows")
                    % {
                        "field": label,
                        "word": text,
                    }
                )
        elif name in ("valid_from", "valid_to", "last_verified"):
            if not text:
                raw[name] = None
                continue
            try:
                raw[name] = date_parse(text)
            except ValueError:
                problems.append(
                    _("%(field)s: “%(value)s” is not a date (write 2024-03-31 or 31/03/2024)")
                    % {"field": label, "value": text}
                )
        else:
            raw[name] = text
    try:
        values = recruiter_clean(raw)
    except RecruiterRefused as refused:
        for name, message in refused.errors.items():
            problems.append(f"{IMPORT_FIELDS.get(name) or name}: {message}")
        values = {}
    return Row(line=line, values=values, reason="; ".join(problems))


# -- Starting, mapping, previewing, applying --------------------------------------------------


def recruiter_import_start(
    *, member_state_id: str, source: IO[bytes], file_name: str, size: int, user: User
) -> RegisterImport:
    """Read an uploaded file into an import waiting for its preview; raises ImportRefused."""
    limit = settings.REGISTER_IMPORT_MAX_BYTES
    if size > limit:
        raise ImportRefused(
            _("The file is %(size)s MB; at most %(limit)s MB can be imported at once.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:g}"}
        )
    digest = hashlib.sha256()
    source.seek(0)
    for chunk in iter(lambda: source.read(1024 * 1024), b""):
        digest.update(chunk)
    max_rows = settings.REGISTER_IMPORT_MAX_ROWS
    rows: list[list[Any]] = []
    try:
        table = table_open(source)
        for line, cells in table.rows:
            if len(rows) >= max_rows:
                raise ImportRefused(
                    _(
                        "The file has more than %(limit)s rows; import it in parts of at "
                        "most %(limit)s rows."
                    )
                    % {"limit": max_rows}
                )
            rows.append([line, cells])
    except TableRefused as refused:
        raise ImportRefused(str(refused)) from None
    headers = table.headers
    if not any(headers):
        raise ImportRefused(_("The first row of the file holds no headings."))
    mapping = mapping_remembered(member_state_id, headers) or {}
    return RegisterImport.objects.create(
        kind=ImportKind.RECRUITERS,
        member_state_id=member_state_id,
        file_name=file_name[:255],
        sha256=digest.hexdigest(),
        headers=headers,
        mapping=mapping,
        rows=rows,
        summary={"remembered": bool(mapping), "format": table.format},
        created_by=user,
    )


def recruiter_import_map(
    *, register_import: RegisterImport, mapping: Mapping[str, int | None]
) -> None:
    """Use this mapping for the import's rows (checked by `mapping_problems` first)."""
    if register_import.state != RegisterImport.State.PREVIEW:
        raise ImportRefused(_("This import is already saved or discarded."))
    problems = mapping_problems(mapping, len(register_import.headers))
    if problems:
        raise ImportRefused("; ".join(problems.values()))
    register_import.mapping = {
        name: column for name, column in mapping.items() if column is not None
    }
    register_import.summary = {**register_import.summary, "remembered": False}
    register_import.save(update_fields=["mapping", "summary"])


@dataclass
class Preview:
    new: list[Row] = field(default_factory=list)
    changed: list[Row] = field(default_factory=list)
    unchanged: list[Row] = field(default_factory=list)
    refused: list[Row] = field(default_factory=list)
    absent: int = 0  # entries of the country that the file does not list
    status_assumed: bool = False  # no status column: new entries are recorded as authorised

    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.new) + len(self.changed) + len(self.unchanged) + len(self.refused),
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "refused": len(self.refused),
            "not_in_file": self.absent,
        }


def recruiter_import_preview(register_import: RegisterImport, *, lock: bool = False) -> Preview:
    """What confirming would do, row by row, compared with the register now."""
    mapping: dict[str, int | None] = {
        name: int(column) for name, column in register_import.mapping.items()
    }
    preview = Preview(status_assumed="status" not in mapping)
    rows = [row_read(int(line), list(cells), mapping) for line, cells in register_import.rows]
    lines_of: dict[str, list[int]] = {}
    for row in rows:
        if not row.reason:
            lines_of.setdefault(licence_key(row.licence), []).append(row.line)
    existing_query = Recruiter.objects.filter(member_state_id=register_import.member_state_id)
    if lock:
        existing_query = existing_query.select_for_update()
    existing = {recruiter.licence_key: recruiter for recruiter in existing_query}
    seen: set[str] = set()
    for row in rows:
        if row.reason:
            preview.refused.append(row)
            continue
        key = licence_key(row.licence)
        lines = lines_of[key]
        if len(lines) > 1:
            row.reason = _("Licence %(number)s is on more than one line: %(lines)s") % {
                "number": row.licence,
                "lines": ", ".join(str(line) for line in lines),
            }
            preview.refused.append(row)
            continue
        seen.add(key)
        recruiter = existing.get(key)
        if recruiter is None:
            if preview.status_assumed:
                row.values["status"] = Recruiter.Status.AUTHORISED
            preview.new.append(row)
            continue
        row.recruiter_id = recruiter.pk
        row.changes = recruiter_changes(recruiter, row.values)
        (preview.changed if row.changes else preview.unchanged).append(row)
    preview.absent = len(set(existing) - seen)
    return preview


@dataclass
class ImportResult:
    created: int
    changed: int
    unchanged: int
    refused: int
    not_in_file: int


@transaction.atomic
def recruiter_import_apply(*, register_import: RegisterImport, user: User) -> ImportResult:
    """Save what the preview shows: new entries created, changed ones updated, each audited
    with its history; the mapping remembered; one audit entry for the import. An import that
    changes nothing writes nothing but its own state."""
    locked = RegisterImport.objects.select_for_update().get(pk=register_import.pk)
    if locked.state != RegisterImport.State.PREVIEW:
        raise ImportRefused(_("This import is already saved or discarded."))
    if mapping_problems({k: int(v) for k, v in locked.mapping.items()}, len(locked.headers)):
        raise ImportRefused(_("Choose the columns of the file first."))
    country = str(locked.member_state_id)
    preview = recruiter_import_preview(locked, lock=True)
    audit = {"import": locked.pk}
    for row in preview.new:
        recruiter_create(
            member_state_id=country,
            data=row.values,
            user=user,
            source=EntrySource.IMPORT,
            note=_("Imported from %(file)s, line %(line)s")
            % {"file": locked.file_name, "line": row.line},
            audit=audit,
        )
    for row in preview.changed:
        recruiter_update(
            recruiter=Recruiter(pk=row.recruiter_id),
            data={name: row.values[name] for name in row.changes},
            user=user,
            note=_("Imported from %(file)s, line %(line)s")
            % {"file": locked.file_name, "line": row.line},
            audit=audit,
        )
    counts = preview.counts()
    if preview.new or preview.changed:
        _mapping_remember(locked, user)
        audit_log(
            action=Action.RECRUITERS_IMPORTED,
            target=locked,
            actor=user,
            data={"country": country, "sha256": locked.sha256, **counts},
        )
    elif not ColumnMapping.objects.filter(
        member_state_id=country,
        kind=ImportKind.RECRUITERS,
        headers_key=headers_digest(locked.headers),
    ).exists():
        _mapping_remember(locked, user)
    locked.state = RegisterImport.State.APPLIED
    locked.applied_at = timezone.now()
    locked.summary = {**locked.summary, **counts}
    locked.save(update_fields=["state", "applied_at", "summary"])
    register_import.refresh_from_db()
    return ImportResult(
        created=counts["new"],
        changed=counts["changed"],
        unchanged=counts["unchanged"],
        refused=counts["refused"],
        not_in_file=counts["not_in_file"],
    )


def _mapping_remember(register_import: RegisterImport, user: User) -> None:
    headers = list(register_import.headers)
    ColumnMapping.objects.update_or_create(
        member_state_id=register_import.member_state_id,
        kind=ImportKind.RECRUITERS,
        headers_key=headers_digest(headers),
        defaults={
            "headers": headers,
            "mapping": {
                name: headers[int(column)] for name, column in register_import.mapping.items()
            },
            "updated_at": timezone.now(),
            "updated_by": user,
        },
    )


@transaction.atomic
def recruiter_import_discard(*, register_import: RegisterImport, user: User | None = None) -> None:
    """Set an import aside without saving anything of it (its rows are dropped), audited."""
    updated = RegisterImport.objects.filter(
        pk=register_import.pk, state=RegisterImport.State.PREVIEW
    ).update(state=RegisterImport.State.DISCARDED, rows=[])
    if not updated:
        raise ImportRefused(_("This import is already saved or discarded."))
    register_import.refresh_from_db()
    audit_log(
        action=Action.RECRUITERS_IMPORTED,
        target=register_import,
        actor=user,
        data={
            "country": register_import.member_state_id or "",
            "import": register_import.pk,
            "sha256": register_import.sha256,
            "discarded": True,
        },
    )
