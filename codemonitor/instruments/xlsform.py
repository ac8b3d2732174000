"""Read and check an XLSForm workbook; build the form model or list every error.

The checker never stops at the first problem: it reports each one with the sheet, the row, the
column and what is wrong, so that the Secretariat can correct a form in one go. Column and type
spellings follow pyxform (the XLSForm reference implementation), so a form written for ODK or
KoboToolbox reads the same here; what Code Monitor does not support is refused by name.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from openpyxl.utils import get_column_letter
from pyxform import aliases as pyxform_aliases
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

from codemonitor.core.languages import LANGUAGES, language_from_header
from codemonitor.instruments import expressions
from codemonitor.instruments.schema import (
    COUNTRIES_LIST,
    REGISTERS,
    REPORT_FIELDS,
    STATISTIC_KEYS,
    STATISTIC_MEASURES,
    STATISTIC_OCCUPATIONS,
    STATISTIC_POPULATIONS,
    STATISTIC_YEAR,
    Choice,
    Form,
    Question,
    statistic_reference,
)
from codemonitor.instruments.workbooks import WorkbookRefused, workbook_open

MAX_ROWS = 5000
MAX_CELL = 20000
# Groups and repeats inside one another: deeper forms are refused (pages render them nested).
MAX_NESTING = 20
# Questions in one chain of calculations and relevance conditions, each read by the next.
MAX_DEPENDENCY_DEPTH = 200
# Characters of all the expressions of a form together: the checker's work grows with them.
MAX_FORM_EXPRESSION_CHARACTERS = 1_000_000
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")

SUPPORTED_TYPES = {
    "text": "text",
    "string": "text",
    "integer": "integer",
    "int": "integer",
    "decimal": "decimal",
    "date": "date",
    "note": "note",
    "file": "file",
    "calculate": "calculate",
    "start": "start",
    "end": "end",
    "today": "today",
}
# pyxform's long spellings ("add integer prompt", "q int") of the supported types.
for _alias, _definition in QUESTION_TYPE_DICT.items():
    _base = _alias.removeprefix("add ").removesuffix(" prompt").removeprefix("q ")
    _base = {
        "get today": "today",
        "start time": "start",
        "end time": "end",
        "get start time": "start",
        "get end time": "end",
    }.get(_alias, _base)
    if _base in SUPPORTED_TYPES and _alias not in SUPPORTED_TYPES:
        SUPPORTED_TYPES[_alias] = SUPPORTED_TYPES[_base]

SELECT_TYPES = {
    alias: ("select_one" if kind == "select one" else "select_multiple")
    for alias, kind in pyxform_aliases.select.items()
    if kind in {"select one", "select all that apply"}
    and alias not in pyxform_aliases.select_from_file
    and "external" not in alias
}
CONTAINER_TYPES = {
    "group": "group",
    "repeat": "repeat",
    "lgroup": "repeat",
    "looped group": "repeat",
}

SUPPORTED_APPEARANCES = {"multiline", "minimal", "table-list", "field-list"}

# Survey columns, after pyxform's aliases (relevance -> relevant, calculate -> calculation, ...).
SURVEY_COLUMNS = {
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "default",
    "appearance",
    "read_only",
    "choice_filter",
    "calculation",
    "article",
    "personal_data",
    "report_field",
    "statistic",
    "register",
}
TRANSLATABLE = {"label", "hint", "required_message", "constraint_message"}
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "required", "read_only")
COLUMN_ALIASES = {
    "relevance": "relevant",
    "calculate": "calculation",
    "constraining_message": "constraint_message",
    "requiredmsg": "required_message",
    "readonly": "read_only",
    "caption": "label",
    "list name": "list_name",
    "value": "name",
}
# XLSForm columns whose features Code Monitor does not have: refused when a cell uses them.
# The features are translated when the message is built; XLSForm's own keywords are not.
UNSUPPORTED_COLUMNS = {
    "image": gettext_noop("images in labels"),
    "big-image": gettext_noop("images in labels"),
    "audio": gettext_noop("audio in labels"),
    "video": gettext_noop("video in labels"),
    "media": gettext_noop("media in labels"),
    "repeat_count": "repeat_count",
    "jr:count": "repeat_count",
    "count": "repeat_count",
    "parameters": "parameters",
    "guidance_hint": gettext_noop("guidance hints"),
    "trigger": "trigger",
    "autoplay": "autoplay",
    "bind": gettext_noop("custom bind attributes"),
    "body": gettext_noop("custom body attributes"),
    "instance": gettext_noop("custom instance attributes"),
    "label_or_hint_media": gettext_noop("media"),
    "save_to": gettext_noop("entities"),
    "choice_filter_media": gettext_noop("media"),
    "constraint_media": gettext_noop("media"),
    "noapperrorstring": "no_app_error_string",
    "no_app_error_string": "no_app_error_string",
    "compact_tag": gettext_noop("compact tags"),
    "sms_field": gettext_noop("SMS forms"),
    "sms_option": gettext_noop("SMS forms"),
}
UNTRANSLATED_FEATURES = {"repeat_count", "parameters", "trigger", "autoplay", "no_app_error_string"}
KOBO_BOOKKEEPING = {"_version_", "xml_type"}
KNOWN_SETTINGS = {"form_id", "form_title", "version", "default_language"}
IGNORED_SETTINGS = {
    "instance_name",
    "style",
    "allow_choice_duplicates",
    "clean_text_values",
    "namespaces",
    "auto_send",
    "auto_delete",
    "submission_url",
    "name",
    "omit_instanceID",
    "prefix",
    "delimiter",
}
# The whole message for each refused setting, translated when it is reported.
REFUSED_SETTINGS = {
    "public_key": gettext_noop("encrypted forms (public_key) are not supported by Code Monitor"),
    "instance_xmlns": gettext_noop(
        "custom XML namespaces (instance_xmlns) are not supported by Code Monitor"
    ),
}


@dataclass(frozen=True, order=True)
class FormError:
    sheet: str
    row: int  # 1-based spreadsheet row, 0 when the error concerns the sheet as a whole
    column: str  # the header of the column, "" when none
    message: str
    letter: str = ""

    def __str__(self) -> str:
        where = self.sheet
        if self.row:
            # Translators: where a problem is in a workbook: the sheet's name (survey, choices,
            # settings...), then the number of a row of that sheet.
            where = _("%(sheet)s row %(row)s") % {"sheet": where, "row": self.row}
        if self.column:
            column = f"{self.letter} ({self.column})" if self.letter else self.column
            # Translators: %(place)s is a sheet's name and maybe a row ("survey row 2");
            # %(column)s is a column's letter and header, as in "B (name)".
            where = _("%(place)s, column %(column)s") % {"place": where, "column": column}
        # Translators: %(place)s says where a problem is in a workbook (sheet, row, column);
        # %(message)s says what the problem is.
        return _("%(place)s: %(message)s") % {"place": where, "message": self.message}


@dataclass
class CheckResult:
    form: Form | None
    errors: list[FormError]
    warnings: list[FormError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.form is not None

    def summary(self) -> str:
        if self.form is None:
            count = len(self.errors)
            return ngettext("%(count)s error(s)", "%(count)s error(s)", count) % {"count": count}
        form = self.form
        # Translators: a form without a version number, in "... version (none): ...".
        version = form.version or _("(none)")
        return _(
            # Translators: one line describing a good form. %(form_id)s and %(version)s identify
            # it, %(title)s is its title, %(languages)s the codes of its languages ("en, fr").
            "%(form_id)s version %(version)s: %(title)s — %(questions)s questions on "
            "%(pages)s pages, languages %(languages)s"
        ) % {
            "form_id": form.form_id,
            "version": version,
            "title": form.title,
            "questions": form.count_questions(),
            "pages": len(form.pages()),
            "languages": ", ".join(form.languages),
        }


@dataclass
class _Row:
    number: int
    cells: dict[str, str]  # normalized header -> text


@dataclass
class _Sheet:
    name: str
    headers: dict[str, tuple[str, str]]  # normalized header -> (original header, column letter)
    rows: list[_Row]


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FormError] = []
        self.warnings: list[FormError] = []

    def error(self, sheet: _Sheet | str, row: int, column: str, message: str) -> None:
        self._add(self.errors, sheet, row, column, message)

    def warn(self, sheet: _Sheet | str, row: int, column: str, message: str) -> None:
        self._add(self.warnings, sheet, row, column, message)

    @staticmethod
    def _add(
        into: list[FormError], sheet: _Sheet | str, row: int, column: str, message: str
    ) -> None:
        if isinstance(sheet, _Sheet):
            original, letter = sheet.headers.get(column, (column, ""))
            into.append(FormError(sheet.name, row, original, message, letter))
        else:
            into.append(FormError(sheet, row, column, message))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def normalize_header(header: str) -> str:
    """`Label::French (fr)` -> `label::French (fr)`; aliases resolved; `media::image` kept."""
    header = header.strip()
    base, sep, rest = header.partition("::")
    base = base.strip().lower()
    base = COLUMN_ALIASES.get(base, base)
    return f"{base}::{rest.strip()}" if sep else base


def read_workbook(data: bytes) -> tuple[dict[str, _Sheet], list[FormError]]:
    """The workbook's sheets with normalized headers; or why it cannot be read."""
    if data[:4] == b"\xd0\xcf\x11\xe0":
        return {}, [
            FormError(
                "workbook",
                0,
                "",
                _(
                    "this is an old Excel file (.xls): save it as "
                    "an Excel workbook (.xlsx) and upload it again"
                ),
            )
        ]
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return {}, [FormError("workbook", 0, "", _("the file is not an Excel workbook (.xlsx)"))]
    try:
        workbook = workbook_open(data)
    except WorkbookRefused as refused:
        return {}, [_refused_error(refused)]
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        return {}, [
            FormError(
                "workbook",
                0,
                "",
                # Translators: %(error)s is the name of a Python exception, as in "KeyError".
                _("the workbook cannot be read (%(error)s)") % {"error": type(error).__name__},
            )
        ]
    sheets: dict[str, _Sheet] = {}
    errors: list[FormError] = []
    try:
        for worksheet in workbook.worksheets:
            name = worksheet.title.strip().lower()
            rows = workbook.rows(worksheet)
            header_row: tuple[Any, ...] = ()
            header_number = 0
            for header_number, values in enumerate(rows, start=1):  # noqa: B007
                if any(_cell_text(v) for v in values):
                    header_row = values
                    break
            headers: dict[str, tuple[str, str]] = {}
            positions: list[str | None] = []
            for index, value in enumerate(header_row, start=1):
                original = _cell_text(value)
                if not original:
                    positions.append(None)
                    continue
                normalized = normalize_header(original)
                if normalized in headers:
                    errors.append(
                        FormError(
                            worksheet.title,
                            header_number,
                            original,
                            _("this column appears twice"),
                            get_column_letter(index),
                        )
                    )
                    positions.append(None)
                    continue
                headers[normalized] = (original, get_column_letter(index))
                positions.append(normalized)
            sheet = _Sheet(worksheet.title, headers, [])
            for number, values in enumerate(rows, start=header_number + 1):
                if number > MAX_ROWS:
                    errors.append(
                        FormError(
                            worksheet.title,
                            number,
                            "",
                            _("the sheet has more than %(limit)s rows") % {"limit": MAX_ROWS},
                        )
                    )
                    break
                cells = {}
                for position, value in zip(positions, values, strict=False):
                    text = _cell_text(value)
                    if position and text:
                        cells[position] = text[:MAX_CELL]
                if cells:
                    sheet.rows.append(_Row(number, cells))
            if name in sheets:
                errors.append(
                    FormError(worksheet.title, 0, "", _("there are two sheets of this name"))
                )
            sheets[name] = sheet
    except WorkbookRefused as refused:
        return {}, [_refused_error(refused)]
    finally:
        workbook.close()
    return sheets, errors


def _refused_error(refused: WorkbookRefused) -> FormError:
    return FormError(refused.sheet or "workbook", refused.row, refused.column, refused.message)


def check_file(path: Path | str) -> CheckResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return CheckResult(
            None,
            [
                FormError(
                    path.name,
                    0,
                    "",
                    # Translators: %(reason)s is the operating system's reason, as in
                    # "No such file or directory".
                    _("cannot read the file (%(reason)s)") % {"reason": error.strerror},
                )
            ],
        )
    return check_workbook(data, default_form_id=path.stem)


class _TooComplex(Exception):
    """The checker ran out of its time budget (CHECKFORM_MAX_SECONDS)."""


def check_workbook(data: bytes, *, default_form_id: str = "form") -> CheckResult:
    deadline = time.monotonic() + settings.CHECKFORM_MAX_SECONDS
    sheets, errors = read_workbook(data)
    if errors and not sheets:
        return CheckResult(None, errors)
    checker = _Checker(sheets, default_form_id, deadline)
    checker.collector.errors[:0] = errors
    try:
        form = checker.run()
    except _TooComplex:
        return CheckResult(None, [_too_complex_in_time(), *sorted(checker.collector.errors)])
    collector = checker.collector
    return CheckResult(
        None if collector.errors else form, sorted(collector.errors), sorted(collector.warnings)
    )


def _too_complex(reason: str) -> str:
    # Translators: %(reason)s says what makes the form too complex, as in "its expressions have
    # 1200000 characters in all, more than 1000000".
    return _("this form is too complex to check: %(reason)s") % {"reason": reason}


def _too_complex_in_time() -> FormError:
    seconds = settings.CHECKFORM_MAX_SECONDS
    return FormError(
        "workbook",
        0,
        "",
        _too_complex(
            ngettext(
                "checking it takes more than %(seconds)s second",
                "checking it takes more than %(seconds)s seconds",
                seconds,
            )
            % {"seconds": seconds}
        ),
    )


class _Checker:
    def __init__(
        self, sheets: dict[str, _Sheet], default_form_id: str, deadline: float | None = None
    ) -> None:
        self.deadline = deadline
        self.sheets = sheets
        self.default_form_id = re.sub(r"[^A-Za-z0-9_]", "_", default_form_id) or "form"
        if not NAME_RE.match(self.default_form_id):
            self.default_form_id = f"form_{self.default_form_id}"
        self.collector = _Collector()
        self.languages: set[str] = set()
        self.default_language = "en"

    def tick(self) -> None:
        """Stop when the time budget is spent: the form is then refused as too complex."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise _TooComplex

    # -- the sheets ------------------------------------------------------------------------

    def run(self) -> Form | None:
        for name in self.sheets:
            if name in {"external_choices", "entities"}:
                self.collector.error(
                    self.sheets[name],
                    0,
                    "",
                    # Translators: %(sheet)s is the name of a sheet of an XLSForm
                    # (external_choices or entities), not to be translated.
                    _("the %(sheet)s sheet is not supported by Code Monitor") % {"sheet": name},
                )
        survey = self.sheets.get("survey")
        if survey is None:
            self.collector.error("survey", 0, "", _("the workbook has no sheet named 'survey'"))
            return None
        settings = self._settings()
        choices = self._choices()
        children = self._survey(survey, choices)
        languages = sorted(
            self.languages | {self.default_language},
            key=lambda code: [lang.code for lang in LANGUAGES].index(code),
        )
        return Form(
            form_id=settings.get("form_id", self.default_form_id),
            title=settings.get("form_title", settings.get("form_id", self.default_form_id)),
            version=settings.get("version", ""),
            default_language=self.default_language,
            languages=languages,
            children=children,
            choices=choices,
        )

    def _settings(self) -> dict[str, str]:
        sheet = self.sheets.get("settings")
        if sheet is None or not sheet.rows:
            return {}
        row = sheet.rows[0]
        values: dict[str, str] = {}
        for column, value in row.cells.items():
            key = pyxform_aliases.settings_header.get(column, column)
            key = {"title": "form_title", "id_string": "form_id"}.get(key, key)
            if key in KNOWN_SETTINGS:
                values[key] = value
            elif key in REFUSED_SETTINGS:
                self.collector.error(
                    sheet,
                    row.number,
                    column,
                    _(REFUSED_SETTINGS[key]),
                )
            elif key in IGNORED_SETTINGS:
                self.collector.warn(
                    sheet,
                    row.number,
                    column,
                    _("the setting '%(setting)s' has no effect in Code Monitor")
                    % {"setting": column},
                )
            else:
                self.collector.warn(
                    sheet,
                    row.number,
                    column,
                    _("unknown setting '%(setting)s' is ignored") % {"setting": column},
                )
        if "form_id" in values and not NAME_RE.match(values["form_id"]):
            self.collector.error(
                sheet,
                row.number,
                "form_id",
                _(
                    "'%(form_id)s' is not a valid form_id (letters, digits "
                    "and _ only, starting with a letter)"
                )
                % {"form_id": values["form_id"]},
            )
        if "default_language" in values:
            language = language_from_header(values["default_language"])
            if language is None:
                self.collector.error(
                    sheet,
                    row.number,
                    "default_language",
                    # Translators: %(languages)s lists the languages as they may be written
                    # in the workbook, as in "English (en), French (fr)".
                    _("unknown language '%(language)s'; use one of %(languages)s")
                    % {"language": values["default_language"], "languages": _language_list()},
                )
            else:
                self.default_language = language
        if len(sheet.rows) > 1:
            self.collector.warn(
                sheet,
                sheet.rows[1].number,
                "",
                _("only the first row of the settings sheet is read"),
            )
        return values

    def _translations(self, sheet: _Sheet, row: _Row, column: str) -> dict[str, str]:
        texts: dict[str, str] = {}
        for header, value in row.cells.items():
            base, _sep, language_header = header.partition("::")
            if base != column:
                continue
            language = (
                self._language(sheet, language_header) if language_header else self.default_language
            )
            if language:
                texts[language] = value
        return texts

    def _language(self, sheet: _Sheet, header: str) -> str | None:
        language = language_from_header(header)
        if language is not None:
            self.languages.add(language)
        return language

    def _check_headers(self, sheet: _Sheet, known: set[str]) -> None:
        for normalized in sheet.headers:
            base, sep, rest = normalized.partition("::")
            used = next((row.number for row in sheet.rows if normalized in row.cells), 0)
            if base in TRANSLATABLE and sep:
                if language_from_header(rest) is None:
                    self.collector.error(
                        sheet,
                        0,
                        normalized,
                        _(
                            # Translators: %(languages)s lists the languages as they may be
                            # written in the workbook, as in "English (en), French (fr)".
                            "translation column for an unknown language '%(language)s'; "
                            "use one of %(languages)s"
                        )
                        % {"language": rest, "languages": _language_list()},
                    )
                continue
            if base in known:
                continue
            feature = UNSUPPORTED_COLUMNS.get(base)
            if feature is None and sep and base in {"media", "bind", "body", "instance"}:
                feature = UNSUPPORTED_COLUMNS[base]
            if feature is not None:
                if used:
                    self.collector.error(
                        sheet,
                        used,
                        normalized,
                        # Translators: %(column)s is the header of a column; %(feature)s
                        # names what it is for, as in "images in labels".
                        _("the column '%(column)s' (%(feature)s) is not supported by Code Monitor")
                        % {
                            "column": sheet.headers[normalized][0],
                            "feature": feature if feature in UNTRANSLATED_FEATURES else _(feature),
                        },
                    )
                continue
            if base.startswith("$") or base in KOBO_BOOKKEEPING:
                continue  # KoboToolbox's own identifiers of rows, not a feature of the form
            if base.startswith("kobo--") and used:
                self.collector.error(
                    sheet,
                    used,
                    normalized,
                    _("the KoboToolbox feature '%(feature)s' is not supported") % {"feature": base},
                )
            elif used:
                self.collector.warn(
                    sheet,
                    0,
                    normalized,
                    _("the column '%(column)s' is not an XLSForm column and is ignored")
                    % {"column": sheet.headers[normalized][0]},
                )

    # -- choices ---------------------------------------------------------------------------

    def _choices(self) -> dict[str, list[Choice]]:
        sheet = self.sheets.get("choices")
        if sheet is None:
            return {}
        self._check_headers(sheet, {"list_name", "name", "label", "order"})
        for required in ("list_name", "name"):
            if required not in sheet.headers:
                self.collector.error(
                    sheet,
                    0,
                    required,
                    _("the choices sheet has no '%(column)s' column") % {"column": required},
                )
        lists: dict[str, list[Choice]] = {}
        seen: dict[tuple[str, str], int] = {}
        for row in sheet.rows:
            list_name = row.cells.get("list_name", "")
            name = row.cells.get("name", "")
            if not list_name:
                if name or any(k.startswith("label") for k in row.cells):
                    self.collector.error(
                        sheet, row.number, "list_name", _("the choice has no list_name")
                    )
                continue
            if list_name == COUNTRIES_LIST:
                self.collector.error(
                    sheet,
                    row.number,
                    "list_name",
                    _(
                        "'countries' is the built-in list of Member States and "
                        "regions; give this list another name"
                    ),
                )
                continue
            if not name:
                self.collector.error(sheet, row.number, "name", _("the choice has no name"))
                continue
            if any(char.isspace() for char in name):
                self.collector.error(
                    sheet,
                    row.number,
                    "name",
                    _("the choice name '%(name)s' contains a space") % {"name": name},
                )
                continue
            if (list_name, name) in seen:
                self.collector.error(
                    sheet,
                    row.number,
                    "name",
                    # Translators: %(row)s is the number of the row where the choice is.
                    _("the choice '%(name)s' is already in list '%(list)s' (row %(row)s)")
                    % {"name": name, "list": list_name, "row": seen[list_name, name]},
                )
                continue
            seen[list_name, name] = row.number
            extra = {
                k: v
                for k, v in row.cells.items()
                if k not in {"list_name", "name"} and not k.startswith("label")
            }
            lists.setdefault(list_name, []).append(
                Choice(name=name, label=self._translations(sheet, row, "label"), extra=extra)
            )
        return lists

    # -- survey ----------------------------------------------------------------------------

    def _survey(self, sheet: _Sheet, choices: dict[str, list[Choice]]) -> list[Question]:
        self._check_headers(sheet, SURVEY_COLUMNS)
        for required in ("type", "name"):
            if required not in sheet.headers:
                self.collector.error(
                    sheet,
                    0,
                    required,
                    _("the survey sheet has no '%(column)s' column") % {"column": required},
                )
        if "type" not in sheet.headers:
            return []
        root: list[Question] = []
        stack: list[tuple[Question, int]] = []
        names: dict[str, int] = {}
        typed_rows = 0
        pending: list[tuple[Question, _Row]] = []
        for row in sheet.rows:
            typed_rows += 1
            type_text = re.sub(r"\s+", " ", row.cells.get("type", "")).strip()
            if not type_text:
                self.collector.error(sheet, row.number, "type", _("the row has no type"))
                continue
            question = self._question(sheet, row, type_text, choices)
            if question is None:
                continue
            if question.kind.startswith("end "):
                self._close(sheet, row, question.kind.removeprefix("end "), stack)
                continue
            name = question.name
            if not name:
                self.collector.error(sheet, row.number, "name", _("the question has no name"))
            elif not NAME_RE.match(name):
                self.collector.error(
                    sheet,
                    row.number,
                    "name",
                    _(
                        "'%(name)s' is not a valid name (letters, digits, _ - . only, "
                        "starting with a letter or _)"
                    )
                    % {"name": name},
                )
            elif name in names:
                self.collector.error(
                    sheet,
                    row.number,
                    "name",
                    # Translators: %(row)s is the number of the row that already uses the name.
                    _("the name '%(name)s' is already used in row %(row)s")
                    % {"name": name, "row": names[name]},
                )
            else:
                names[name] = row.number
            (stack[-1][0].children if stack else root).append(question)
            if question.is_container:
                if len(stack) == MAX_NESTING:
                    self.collector.error(
                        sheet,
                        row.number,
                        "type",
                        _("groups and repeats are nested more than %(limit)s deep")
                        % {"limit": MAX_NESTING},
                    )
                stack.append((question, row.number))
            pending.append((question, row))
        for container, number in stack:
            kind = "begin_repeat" if container.kind == "repeat" else "begin_group"
            self.collector.error(
                sheet,
                number,
                "type",
                # Translators: %(type)s is begin_group or begin_repeat, not to be translated;
                # %(name)s is the name of the group or repeat.
                _("%(type)s '%(name)s' is never closed") % {"type": kind, "name": container.name},
            )
        if not typed_rows:
            self.collector.error(sheet, 0, "", _("the form has no questions"))
        repeated, containers = _containers(root)
        self._check_expressions(sheet, repeated, containers, pending)
        self._check_report_fields(sheet, repeated, pending, choices)
        self._check_statistics(sheet, root, pending, choices)
        return root

    def _check_report_fields(
        self,
        sheet: _Sheet,
        repeated: set[str],
        pending: list[tuple[Question, _Row]],
        choices: dict[str, list[Choice]],
    ) -> None:
        """Each report field once, on a question of a fitting kind, outside repeats."""
        taken: dict[str, int] = {}
        for question, row in pending:
            wanted = question.report_field
            if not wanted:
                continue
            if wanted not in REPORT_FIELDS:
                self.collector.error(
                    sheet,
                    row.number,
                    "report_field",
                    # Translators: %(allowed)s lists the values allowed in the column, not to
                    # be translated.
                    _("'%(value)s' is not a report field (allowed: %(allowed)s)")
                    % {"value": wanted, "allowed": ", ".join(sorted(REPORT_FIELDS))},
                )
            elif wanted in taken:
                self.collector.error(
                    sheet,
                    row.number,
                    "report_field",
                    _("the report field '%(value)s' is already given to row %(row)s")
                    % {"value": wanted, "row": taken[wanted]},
                )
            elif question.kind not in REPORT_FIELDS[wanted]:
                self.collector.error(
                    sheet,
                    row.number,
                    "report_field",
                    _("the report field '%(value)s' must be a question of type %(types)s")
                    % {"value": wanted, "types": ", ".join(sorted(REPORT_FIELDS[wanted]))},
                )
            elif question.name in repeated:
                self.collector.error(
                    sheet,
                    row.number,
                    "report_field",
                    _("the report field '%(value)s' cannot be inside a repeat") % {"value": wanted},
                )
            elif wanted == "contact_email" and not question.personal:
                self.collector.error(
                    sheet,
                    row.number,
                    "report_field",
                    # Translators: personal_data is the name of a column, not to be translated.
                    _("the contact_email question holds personal data: mark it personal_data yes"),
                )
            elif wanted == "entity_name_consent" and not any(
                choice.name == "yes" for choice in choices.get(question.list_name, [])
            ):
                self.collector.error(
                    sheet,
                    row.number,
                    "report_field",
                    # Translators: yes is the name of a choice, not to be translated.
                    _("the consent's list '%(list)s' needs a choice named 'yes'")
                    % {"list": question.list_name},
                )
            elif wanted == "countries_concerned" and question.list_name != COUNTRIES_LIST:
                self.collector.error(
                    sheet,
                    row.number,
                    "report_field",
                    # Translators: countries is the name of a built-in list, not to be translated.
                    _(
                        "the report field 'countries_concerned' must use the built-in list "
                        "'countries'"
                    ),
                )
            else:
                taken[wanted] = row.number

    def _statistic(self, sheet: _Sheet, row: _Row, question: Question) -> None:
        """Read the `statistic` cell: `key=value` pairs (spaces or `;` between them), or the
        bare word `year`. What refers to other questions is checked once all are read."""
        text = row.cells.get("statistic", "").strip()
        if not text:
            return
        words = [word for word in re.split(r"[\s;]+", text) if word]
        if words == [STATISTIC_YEAR]:
            if question.kind != "integer":
                self.collector.error(
                    sheet,
                    row.number,
                    "statistic",
                    # Translators: year and integer are XLSForm words, not to be translated.
                    _("the reference year (year) must be an integer question"),
                )
            else:
                question.statistic_year = True
            return
        if question.kind not in {"integer", "decimal"}:
            self.collector.error(
                sheet,
                row.number,
                "statistic",
                # Translators: integer and decimal are XLSForm types, not to be translated.
                _("a statistic must be an integer or decimal question"),
            )
            return
        allowed = {
            "measure": STATISTIC_MEASURES,
            "population": STATISTIC_POPULATIONS,
            "occupation": STATISTIC_OCCUPATIONS,
        }
        declared: dict[str, str] = {}
        ok = True
        for word in words:
            key, equals, value = word.partition("=")
            key, value = key.strip().lower(), value.strip()
            problem = ""
            if not equals or not value:
                problem = _("'%(word)s' is not key=value (e.g. measure=stock)") % {"word": word}
            elif key not in STATISTIC_KEYS:
                problem = _("'%(key)s' is not a statistic key (allowed: %(allowed)s)") % {
                    "key": key,
                    "allowed": ", ".join(STATISTIC_KEYS),
                }
            elif key in declared:
                problem = _("'%(key)s' is given twice") % {"key": key}
            elif key in {"origin", "year"} and statistic_reference(value) is None:
                problem = _("%(key)s must name a question, as ${name}") % {"key": key}
            elif (
                key in allowed and statistic_reference(value) is None and value not in allowed[key]
            ):
                problem = _("'%(value)s' is not a %(key)s (allowed: %(allowed)s)") % {
                    "value": value,
                    "key": key,
                    "allowed": ", ".join(allowed[key]),
                }
            elif key in {"measure", "population"} and statistic_reference(value) is not None:
                problem = _("%(key)s must be one of %(allowed)s") % {
                    "key": key,
                    "allowed": ", ".join(allowed[key]),
                }
            if problem:
                ok = False
                self.collector.error(sheet, row.number, "statistic", problem)
            else:
                declared[key] = value
        missing = [key for key in ("measure", "population", "occupation") if key not in declared]
        if ok and missing:
            ok = False
            self.collector.error(
                sheet,
                row.number,
                "statistic",
                _("the statistic needs %(keys)s") % {"keys": ", ".join(missing)},
            )
        if ok and declared.get("population") == "total" and "origin" in declared:
            ok = False
            self.collector.error(
                sheet,
                row.number,
                "statistic",
                _("a total population has no origin: origin applies to the foreign ones"),
            )
        if ok:
            question.statistic = declared

    def _check_statistics(
        self,
        sheet: _Sheet,
        root: list[Question],
        pending: list[tuple[Question, _Row]],
        choices: dict[str, list[Choice]],
    ) -> None:
        """What statistics refer to: questions of the right type in the same repeat; one
        reference year, outside repeats; each fixed figure declared once; the register column."""
        paths = _repeat_paths(root)
        by_name = {question.name: question for question, _row in pending}
        year_row = 0
        figures: dict[tuple[str, ...], int] = {}
        for question, row in pending:
            if question.register:
                if question.register not in REGISTERS:
                    self.collector.error(
                        sheet,
                        row.number,
                        "register",
                        _("'%(value)s' is not a register (allowed: %(allowed)s)")
                        % {"value": question.register, "allowed": ", ".join(sorted(REGISTERS))},
                    )
                elif question.kind not in REGISTERS[question.register]:
                    self.collector.error(
                        sheet,
                        row.number,
                        "register",
                        _("the register '%(value)s' must be a question of type %(types)s")
                        % {
                            "value": question.register,
                            "types": ", ".join(sorted(REGISTERS[question.register])),
                        },
                    )
            if question.statistic_year:
                if year_row:
                    self.collector.error(
                        sheet,
                        row.number,
                        "statistic",
                        _("the reference year is already given to row %(row)s") % {"row": year_row},
                    )
                elif paths.get(question.name):
                    self.collector.error(
                        sheet,
                        row.number,
                        "statistic",
                        _("the reference year cannot be inside a repeat"),
                    )
                else:
                    year_row = row.number
            if not question.statistic:
                continue
            own_path = paths.get(question.name, ())
            for key in ("occupation", "origin", "year"):
                name = statistic_reference(question.statistic.get(key, ""))
                if name is None:
                    continue
                problem = self._statistic_reference(
                    key, name, by_name.get(name), own_path, paths, choices
                )
                if problem:
                    self.collector.error(sheet, row.number, "statistic", problem)
            fixed = tuple(question.statistic.get(key, "") for key in STATISTIC_KEYS)
            if not any(statistic_reference(value) for value in fixed):
                if fixed in figures:
                    self.collector.error(
                        sheet,
                        row.number,
                        "statistic",
                        _("the same figure is already declared in row %(row)s")
                        % {"row": figures[fixed]},
                    )
                else:
                    figures[fixed] = row.number

    @staticmethod
    def _statistic_reference(
        key: str,
        name: str,
        target: Question | None,
        own_path: tuple[str, ...],
        paths: dict[str, tuple[str, ...]],
        choices: dict[str, list[Choice]],
    ) -> str:
        """What is wrong with a statistic's reference to another question, or ""."""
        if target is None:
            return _("%(key)s refers to ${%(name)s}, which is not a question of the form") % {
                "key": key,
                "name": name,
            }
        target_path = paths.get(name, ())
        if key == "year":
            if target.kind != "integer":
                return _("the year ${%(name)s} must be an integer question") % {"name": name}
            if own_path[: len(target_path)] != target_path:
                return _("the year ${%(name)s} is in another repeat") % {"name": name}
            return ""
        if target_path != own_path:
            return _("%(key)s refers to ${%(name)s}, which is not in the same repeat") % {
                "key": key,
                "name": name,
            }
        if target.kind != "select_one":
            return _("%(key)s refers to ${%(name)s}, which must be a select_one") % {
                "key": key,
                "name": name,
            }
        if key == "origin" and target.list_name != COUNTRIES_LIST:
            return _("the origin ${%(name)s} must choose from the list %(list)s") % {
                "name": name,
                "list": COUNTRIES_LIST,
            }
        if key == "occupation":
            unknown = [
                choice.name
                for choice in choices.get(target.list_name, [])
                if choice.name not in STATISTIC_OCCUPATIONS
            ]
            if unknown:
                return _(
                    "the choices of ${%(name)s} must be occupations (%(allowed)s), not %(unknown)s"
                ) % {
                    "name": name,
                    "allowed": ", ".join(STATISTIC_OCCUPATIONS),
                    "unknown": ", ".join(unknown[:5]),
                }
        return ""

    def _question(
        self, sheet: _Sheet, row: _Row, type_text: str, choices: dict[str, list[Choice]]
    ) -> Question | None:
        lowered = type_text.lower()
        kind, list_name = "", ""
        action, _sep, container = lowered.replace("_", " ", 1).partition(" ")
        if action in {"begin", "end"} and container in CONTAINER_TYPES:
            kind = CONTAINER_TYPES[container]
            if action == "end":
                return Question(kind=f"end {kind}", name="", row=row.number)
        if not kind:
            kind, list_name = self._type(sheet, row, type_text, choices)
            if not kind:
                return None
        cells = row.cells
        required = cells.get("required", "")
        if required in pyxform_aliases.yes_no:
            required = "true()" if pyxform_aliases.yes_no[required] else ""
        read_only = cells.get("read_only", "")
        if read_only in pyxform_aliases.yes_no:
            read_only = "true()" if pyxform_aliases.yes_no[read_only] else ""
        appearance = cells.get("appearance", "").strip()
        for word in appearance.split():
            if word not in SUPPORTED_APPEARANCES:
                self.collector.error(
                    sheet,
                    row.number,
                    "appearance",
                    # Translators: %(supported)s lists XLSForm appearances, not to be
                    # translated, as in "field-list, minimal".
                    _("the appearance '%(appearance)s' is not supported (supported: %(supported)s)")
                    % {"appearance": word, "supported": ", ".join(sorted(SUPPORTED_APPEARANCES))},
                )
        personal = cells.get("personal_data", "")
        if personal and personal not in pyxform_aliases.yes_no:
            self.collector.error(
                sheet,
                row.number,
                "personal_data",
                # Translators: yes and no are the values allowed in the cell, not to be translated.
                _("'%(value)s' is not yes or no") % {"value": personal},
            )
        question = Question(
            kind=kind,
            name=cells.get("name", ""),
            row=row.number,
            label=self._translations(sheet, row, "label"),
            hint=self._translations(sheet, row, "hint"),
            required=required,
            required_message=self._translations(sheet, row, "required_message"),
            relevant=cells.get("relevant", ""),
            constraint=cells.get("constraint", ""),
            constraint_message=self._translations(sheet, row, "constraint_message"),
            calculation=cells.get("calculation", ""),
            default=cells.get("default", ""),
            appearance=appearance,
            read_only=read_only,
            choice_filter=cells.get("choice_filter", ""),
            list_name=list_name,
            article=cells.get("article", ""),
            personal=bool(personal) and pyxform_aliases.yes_no.get(personal, False),
            report_field=cells.get("report_field", "").strip(),
            register=cells.get("register", "").strip(),
        )
        self._statistic(sheet, row, question)
        if kind == "calculate" and not question.calculation:
            self.collector.error(
                sheet,
                row.number,
                "calculation",
                # Translators: calculate is an XLSForm type, not to be translated.
                _("the calculate '%(name)s' has no calculation") % {"name": question.name},
            )
        if question.choice_filter and kind not in {"select_one", "select_multiple"}:
            self.collector.error(
                sheet,
                row.number,
                "choice_filter",
                _("a choice_filter only applies to select_one and select_multiple"),
            )
        if question.default and kind in {"integer", "decimal"}:
            if expressions.to_number(question.default) != expressions.to_number(
                question.default
            ) or not re.fullmatch(r"-?\d+(\.\d+)?", question.default):
                self.collector.error(
                    sheet,
                    row.number,
                    "default",
                    _("the default '%(value)s' is not a number") % {"value": question.default},
                )
            elif kind == "integer" and "." in question.default:
                self.collector.error(
                    sheet,
                    row.number,
                    "default",
                    _("the default '%(value)s' is not a whole number")
                    % {"value": question.default},
                )
        if (
            question.default
            and kind == "date"
            and expressions._parse_date(question.default) is None
        ):
            self.collector.error(
                sheet,
                row.number,
                "default",
                _("the default '%(value)s' is not a date (YYYY-MM-DD)")
                % {"value": question.default},
            )
        if (
            kind
            in {
                "group",
                "repeat",
                "note",
                "text",
                "integer",
                "decimal",
                "date",
                "file",
                "select_one",
                "select_multiple",
            }
            and not question.label
            and "label" not in "".join(row.cells)
            and kind != "group"
        ):
            self.collector.warn(sheet, row.number, "label", _("the question has no label"))
        return question

    def _type(
        self, sheet: _Sheet, row: _Row, type_text: str, choices: dict[str, list[Choice]]
    ) -> tuple[str, str]:
        lowered = type_text.lower()
        if lowered in SUPPORTED_TYPES:
            return SUPPORTED_TYPES[lowered], ""
        for alias in sorted(pyxform_aliases.select, key=len, reverse=True):
            if lowered == alias or lowered.startswith(alias + " "):
                rest = type_text[len(alias) :].strip()
                if alias not in SELECT_TYPES:
                    self.collector.error(
                        sheet,
                        row.number,
                        "type",
                        _("the type '%(type)s' is not supported by Code Monitor") % {"type": alias},
                    )
                    return "", ""
                parts = rest.split()
                if not parts:
                    self.collector.error(
                        sheet,
                        row.number,
                        "type",
                        _("'%(type)s' names no choice list") % {"type": type_text},
                    )
                    return "", ""
                if len(parts) > 1:
                    if parts[1] == "or_other":
                        self.collector.error(
                            sheet,
                            row.number,
                            "type",
                            _(
                                # Translators: or_other is an XLSForm keyword, and 'other' the
                                # name of a choice: neither is to be translated.
                                "'or_other' is not supported: add an 'other' choice "
                                "and a text question relevant to it"
                            ),
                        )
                    else:
                        self.collector.error(
                            sheet,
                            row.number,
                            "type",
                            _("unexpected '%(text)s' after the choice list name")
                            % {"text": " ".join(parts[1:])},
                        )
                    return "", ""
                list_name = parts[0]
                if list_name != COUNTRIES_LIST and list_name not in choices:
                    self.collector.error(
                        sheet,
                        row.number,
                        "type",
                        _("the choice list '%(list)s' is not on the choices sheet")
                        % {"list": list_name},
                    )
                    return "", ""
                return SELECT_TYPES[alias], list_name
        if lowered in QUESTION_TYPE_DICT or lowered in {"rank", "select_one_external"}:
            self.collector.error(
                sheet,
                row.number,
                "type",
                _("the type '%(type)s' is not supported by Code Monitor") % {"type": type_text},
            )
        else:
            self.collector.error(
                sheet, row.number, "type", _("unknown type '%(type)s'") % {"type": type_text}
            )
        return "", ""

    def _close(
        self, sheet: _Sheet, row: _Row, kind: str, stack: list[tuple[Question, int]]
    ) -> None:
        word = "end_repeat" if kind == "repeat" else "end_group"
        if not stack:
            self.collector.error(
                sheet,
                row.number,
                "type",
                # Translators: %(end)s is end_group or end_repeat, %(begin)s begin_group or
                # begin_repeat: XLSForm types, not to be translated.
                _("%(end)s without a matching %(begin)s") % {"end": word, "begin": f"begin_{kind}"},
            )
            return
        container, number = stack[-1]
        if container.kind != kind:
            opened = "begin_repeat" if container.kind == "repeat" else "begin_group"
            self.collector.error(
                sheet,
                row.number,
                "type",
                # Translators: %(end)s is end_group or end_repeat, %(begin)s begin_group or
                # begin_repeat: XLSForm types, not to be translated. %(name)s is the name of the
                # group or repeat, %(row)s the row where it begins.
                _("%(end)s closes %(begin)s '%(name)s' of row %(row)s")
                % {"end": word, "begin": opened, "name": container.name, "row": number},
            )
        stack.pop()

    # -- expressions -----------------------------------------------------------------------

    def _check_expressions(
        self,
        sheet: _Sheet,
        repeated: set[str],
        containers: dict[str, str],
        pending: list[tuple[Question, _Row]],
    ) -> None:
        columns = (*EXPRESSION_COLUMNS, "choice_filter")
        total = sum(len(getattr(question, c)) for question, _row in pending for c in columns)
        if total > MAX_FORM_EXPRESSION_CHARACTERS:
            self.collector.error(
                sheet,
                0,
                "",
                _too_complex(
                    _("its expressions have %(count)s characters in all, more than %(limit)s")
                    % {"count": total, "limit": MAX_FORM_EXPRESSION_CHARACTERS}
                ),
            )
            return
        known = {question.name for question, _row in pending if question.name}
        repeats = {question.name for question, _row in pending if question.kind == "repeat"}
        parsed: dict[str, set[str]] = {}
        for question, row in pending:
            self.tick()
            dependencies: set[str] = set()
            for column in columns:
                text = getattr(question, column)
                if not text:
                    continue
                try:
                    tree = expressions.parse(text, allow_fields=column == "choice_filter")
                except expressions.ExpressionError as error:
                    self.collector.error(sheet, row.number, column, _expression_message(error))
                    continue
                referenced: set[str] = set()
                for node in expressions.walk(tree):
                    if isinstance(node, expressions.Ref):
                        referenced.add(node.name)
                    elif isinstance(node, expressions.Call) and node.name in {"count", "sum"}:
                        self._check_aggregate(sheet, row, column, node, known, repeats, repeated)
                for name in sorted(referenced - known):
                    self.collector.error(
                        sheet,
                        row.number,
                        column,
                        _("${%(name)s} refers to no question of this form") % {"name": name},
                    )
                if column in {"calculation", "relevant"}:
                    dependencies |= referenced
            if question.kind in {"group", "repeat"} and question.constraint:
                self.collector.error(
                    sheet,
                    row.number,
                    "constraint",
                    _("a group or repeat cannot have a constraint"),
                )
            # A question is shown only when its group is: it depends on the group's relevance.
            if question.name in containers:
                dependencies.add(containers[question.name])
            parsed[question.name] = dependencies
        if not self._check_cycles(sheet, pending, parsed):
            self._check_depth(sheet, pending, parsed)

    def _check_aggregate(
        self,
        sheet: _Sheet,
        row: _Row,
        column: str,
        node: expressions.Call,
        known: set[str],
        repeats: set[str],
        repeated: set[str],
    ) -> None:
        """count() and sum() take a repeat, or a question inside one."""
        arg = node.args[0]
        if not isinstance(arg, expressions.Ref):
            self.collector.error(
                sheet,
                row.number,
                column,
                _(
                    # Translators: %(function)s is count or sum; ${name} is
                    # written as is, a question's name in XLSForm's syntax.
                    "%(function)s() takes a ${name} of a repeat or of a question inside one"
                )
                % {"function": node.name},
            )
        elif arg.name in known and arg.name not in repeats and arg.name not in repeated:
            self.collector.error(
                sheet,
                row.number,
                column,
                _(
                    # Translators: %(function)s is count or sum, %(name)s the
                    # name of a question.
                    "%(function)s(${%(name)s}): '%(name)s' is not a repeat or inside one"
                )
                % {"function": node.name, "name": arg.name},
            )

    def _check_cycles(
        self, sheet: _Sheet, pending: list[tuple[Question, _Row]], graph: dict[str, set[str]]
    ) -> bool:
        """Report each circular reference once; say whether there was any."""
        rows = {question.name: row.number for question, row in pending}
        state: dict[str, int] = {}
        reported: set[str] = set()
        for start in graph:
            if state.get(start):
                continue
            # Iterative depth-first search; a grey node met again closes a cycle.
            stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
            state[start] = 1
            path = {start: 0}  # the grey nodes, in order, with their place on the path
            while stack:
                self.tick()
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    state[node] = 2
                    stack.pop()
                    del path[node]
                    continue
                if state.get(child) == 1:
                    if child in reported:
                        continue
                    cycle = list(path)[path[child] :]
                    if not reported.intersection(cycle):
                        reported.update(cycle)
                        shown = " → ".join(f"${{{n}}}" for n in [*cycle, child])
                        self.collector.error(
                            sheet,
                            rows.get(child, 0),
                            "",
                            # Translators: %(cycle)s is a chain of question references, as in
                            # "${a} → ${b} → ${a}".
                            _("circular reference: %(cycle)s") % {"cycle": shown},
                        )
                elif not state.get(child) and child in graph:
                    state[child] = 1
                    path[child] = len(path)
                    stack.append((child, iter(sorted(graph[child]))))
        return bool(reported)

    def _check_depth(
        self, sheet: _Sheet, pending: list[tuple[Question, _Row]], graph: dict[str, set[str]]
    ) -> None:
        """Refuse a chain of more than MAX_DEPENDENCY_DEPTH questions each read by the next.

        `graph` has no cycle here. The first question of the form whose chain is too long is
        named, with the chain that makes it so.
        """
        depth: dict[str, int] = {}
        deepest: dict[str, str] = {}  # each question's longest-chain dependency
        for start in graph:
            if start in depth:
                continue
            stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph[start]))]
            active = {start}  # on the stack: met again, it would be a cycle (none is left)
            while stack:
                self.tick()
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    stack.pop()
                    active.discard(node)
                    best = max(
                        (d for d in graph[node] if d in depth), key=depth.__getitem__, default=None
                    )
                    depth[node] = 1 + (depth[best] if best is not None else 0)
                    if best is not None:
                        deepest[node] = best
                elif child not in depth and child not in active and child in graph:
                    active.add(child)
                    stack.append((child, iter(graph[child])))
        for question, row in pending:
            found = depth.get(question.name, 0)
            if found <= MAX_DEPENDENCY_DEPTH:
                continue
            chain = [question.name]
            while chain[-1] in deepest:
                chain.append(deepest[chain[-1]])
            names = [f"${{{name}}}" for name in chain]
            shown = " → ".join([*names[:3], "…", names[-1]] if len(names) > 5 else names)
            self.collector.error(
                sheet,
                row.number,
                "",
                _(
                    # Translators: %(name)s is a question's name; %(chain)s a chain of question
                    # references, as in "${c201} → ${c200} → ${c199} → … → ${c1}".
                    "${%(name)s} is computed from a chain of %(depth)s questions, each read by "
                    "the next; at most %(limit)s are allowed: %(chain)s"
                )
                % {
                    "name": question.name,
                    "depth": found,
                    "limit": MAX_DEPENDENCY_DEPTH,
                    "chain": shown,
                },
            )
            return


def _containers(root: list[Question]) -> tuple[set[str], dict[str, str]]:
    """The names of the questions inside a repeat (at any depth), and each question's group or
    repeat."""
    repeated: set[str] = set()
    containers: dict[str, str] = {}
    stack = [(node, False) for node in root]
    while stack:
        node, inside = stack.pop()
        if inside:
            repeated.add(node.name)
        for child in node.children:
            containers[child.name] = node.name
            stack.append((child, inside or node.kind == "repeat"))
    return repeated, containers


def _repeat_paths(root: list[Question]) -> dict[str, tuple[str, ...]]:
    """For each question, the names of the repeats that contain it, outermost first."""
    paths: dict[str, tuple[str, ...]] = {}
    stack: list[tuple[Question, tuple[str, ...]]] = [(node, ()) for node in root]
    while stack:
        node, path = stack.pop()
        paths[node.name] = path
        inner = (*path, node.name) if node.kind == "repeat" else path
        stack.extend((child, inner) for child in node.children)
    return paths


def _expression_message(error: expressions.ExpressionError) -> str:
    if error.position is None:
        return error.message
    # Translators: %(message)s says what is wrong with an expression; %(position)s is the
    # number of the character where it is, counting from 1.
    return _("%(message)s (at character %(position)s)") % {
        "message": error.message,
        "position": error.position + 1,
    }


def _language_list() -> str:
    return ", ".join(f"{lang.english} ({lang.code})" for lang in LANGUAGES)
