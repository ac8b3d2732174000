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
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pyxform import aliases as pyxform_aliases
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

from codemonitor.instruments import expressions
from codemonitor.instruments.schema import COUNTRIES_LIST, Choice, Form, Question
from codemonitor.reference.languages import LANGUAGES, language_from_header

MAX_ROWS = 5000
MAX_CELL = 20000
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
UNSUPPORTED_COLUMNS = {
    "image": "images in labels",
    "big-image": "images in labels",
    "audio": "audio in labels",
    "video": "video in labels",
    "media": "media in labels",
    "repeat_count": "repeat_count",
    "jr:count": "repeat_count",
    "count": "repeat_count",
    "parameters": "parameters",
    "guidance_hint": "guidance hints",
    "trigger": "trigger",
    "autoplay": "autoplay",
    "bind": "custom bind attributes",
    "body": "custom body attributes",
    "instance": "custom instance attributes",
    "label_or_hint_media": "media",
    "save_to": "entities",
    "choice_filter_media": "media",
    "constraint_media": "media",
    "noapperrorstring": "no_app_error_string",
    "no_app_error_string": "no_app_error_string",
    "compact_tag": "compact tags",
    "sms_field": "SMS forms",
    "sms_option": "SMS forms",
}
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
REFUSED_SETTINGS = {
    "public_key": "encrypted forms (public_key)",
    "instance_xmlns": "custom XML namespaces (instance_xmlns)",
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
            where += f" row {self.row}"
        if self.column:
            column = f"{self.letter} ({self.column})" if self.letter else self.column
            where += f", column {column}"
        return f"{where}: {self.message}"


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
            return f"{len(self.errors)} error(s)"
        form = self.form
        pages = len(form.pages())
        return (
            f"{form.form_id} version {form.version or '(none)'}: {form.title} — "
            f"{form.count_questions()} questions on {pages} pages, "
            f"languages {', '.join(form.languages)}"
        )


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
                "this is an old Excel file (.xls): save it as "
                "an Excel workbook (.xlsx) and upload it again",
            )
        ]
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return {}, [FormError("workbook", 0, "", "the file is not an Excel workbook (.xlsx)")]
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        return {}, [
            FormError("workbook", 0, "", f"the workbook cannot be read ({type(error).__name__})")
        ]
    sheets: dict[str, _Sheet] = {}
    errors: list[FormError] = []
    try:
        for worksheet in workbook.worksheets:
            name = worksheet.title.strip().lower()
            rows = worksheet.iter_rows(values_only=True)
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
                            "this column appears twice",
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
                            worksheet.title, number, "", f"the sheet has more than {MAX_ROWS} rows"
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
                    FormError(worksheet.title, 0, "", "there are two sheets of this name")
                )
            sheets[name] = sheet
    finally:
        workbook.close()
    return sheets, errors


def check_file(path: Path | str) -> CheckResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return CheckResult(
            None, [FormError(path.name, 0, "", f"cannot read the file ({error.strerror})")]
        )
    return check_workbook(data, default_form_id=path.stem)


def check_workbook(data: bytes, *, default_form_id: str = "form") -> CheckResult:
    sheets, errors = read_workbook(data)
    if errors and not sheets:
        return CheckResult(None, errors)
    checker = _Checker(sheets, default_form_id)
    checker.collector.errors[:0] = errors
    form = checker.run()
    collector = checker.collector
    return CheckResult(
        None if collector.errors else form, sorted(collector.errors), sorted(collector.warnings)
    )


class _Checker:
    def __init__(self, sheets: dict[str, _Sheet], default_form_id: str) -> None:
        self.sheets = sheets
        self.default_form_id = re.sub(r"[^A-Za-z0-9_]", "_", default_form_id) or "form"
        if not NAME_RE.match(self.default_form_id):
            self.default_form_id = f"form_{self.default_form_id}"
        self.collector = _Collector()
        self.languages: set[str] = set()
        self.default_language = "en"

    # -- the sheets ------------------------------------------------------------------------

    def run(self) -> Form | None:
        for name in self.sheets:
            if name in {"external_choices", "entities"}:
                self.collector.error(
                    self.sheets[name], 0, "", f"the {name} sheet is not supported by Code Monitor"
                )
        survey = self.sheets.get("survey")
        if survey is None:
            self.collector.error("survey", 0, "", "the workbook has no sheet named 'survey'")
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
                    f"{REFUSED_SETTINGS[key]} are not supported by Code Monitor",
                )
            elif key in IGNORED_SETTINGS:
                self.collector.warn(
                    sheet,
                    row.number,
                    column,
                    f"the setting '{column}' has no effect in Code Monitor",
                )
            else:
                self.collector.warn(
                    sheet, row.number, column, f"unknown setting '{column}' is ignored"
                )
        if "form_id" in values and not NAME_RE.match(values["form_id"]):
            self.collector.error(
                sheet,
                row.number,
                "form_id",
                f"'{values['form_id']}' is not a valid form_id (letters, digits "
                "and _ only, starting with a letter)",
            )
        if "default_language" in values:
            language = language_from_header(values["default_language"])
            if language is None:
                self.collector.error(
                    sheet,
                    row.number,
                    "default_language",
                    f"unknown language '{values['default_language']}'; "
                    "use one of " + _language_list(),
                )
            else:
                self.default_language = language
        if len(sheet.rows) > 1:
            self.collector.warn(
                sheet, sheet.rows[1].number, "", "only the first row of the settings sheet is read"
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
                        f"translation column for an unknown language '{rest}'; "
                        "use one of " + _language_list(),
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
                        f"the column '{sheet.headers[normalized][0]}' "
                        f"({feature}) is not supported by Code Monitor",
                    )
                continue
            if base.startswith("$") or base in KOBO_BOOKKEEPING:
                continue  # KoboToolbox's own identifiers of rows, not a feature of the form
            if base.startswith("kobo--") and used:
                self.collector.error(
                    sheet, used, normalized, f"the KoboToolbox feature '{base}' is not supported"
                )
            elif used:
                self.collector.warn(
                    sheet,
                    0,
                    normalized,
                    f"the column '{sheet.headers[normalized][0]}' is not an "
                    "XLSForm column and is ignored",
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
                    sheet, 0, required, f"the choices sheet has no '{required}' column"
                )
        lists: dict[str, list[Choice]] = {}
        seen: dict[tuple[str, str], int] = {}
        for row in sheet.rows:
            list_name = row.cells.get("list_name", "")
            name = row.cells.get("name", "")
            if not list_name:
                if name or any(k.startswith("label") for k in row.cells):
                    self.collector.error(
                        sheet, row.number, "list_name", "the choice has no list_name"
                    )
                continue
            if list_name == COUNTRIES_LIST:
                self.collector.error(
                    sheet,
                    row.number,
                    "list_name",
                    "'countries' is the built-in list of Member States and "
                    "regions; give this list another name",
                )
                continue
            if not name:
                self.collector.error(sheet, row.number, "name", "the choice has no name")
                continue
            if any(char.isspace() for char in name):
                self.collector.error(
                    sheet, row.number, "name", f"the choice name '{name}' contains a space"
                )
                continue
            if (list_name, name) in seen:
                self.collector.error(
                    sheet,
                    row.number,
                    "name",
                    f"the choice '{name}' is already in list '{list_name}' "
                    f"(row {seen[list_name, name]})",
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
                    sheet, 0, required, f"the survey sheet has no '{required}' column"
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
                self.collector.error(sheet, row.number, "type", "the row has no type")
                continue
            question = self._question(sheet, row, type_text, choices)
            if question is None:
                continue
            if question.kind.startswith("end "):
                self._close(sheet, row, question.kind.removeprefix("end "), stack)
                continue
            name = question.name
            if not name:
                self.collector.error(sheet, row.number, "name", "the question has no name")
            elif not NAME_RE.match(name):
                self.collector.error(
                    sheet,
                    row.number,
                    "name",
                    f"'{name}' is not a valid name (letters, digits, _ - . only, "
                    "starting with a letter or _)",
                )
            elif name in names:
                self.collector.error(
                    sheet,
                    row.number,
                    "name",
                    f"the name '{name}' is already used in row {names[name]}",
                )
            else:
                names[name] = row.number
            (stack[-1][0].children if stack else root).append(question)
            if question.is_container:
                stack.append((question, row.number))
            pending.append((question, row))
        for container, number in stack:
            kind = "begin_repeat" if container.kind == "repeat" else "begin_group"
            self.collector.error(
                sheet, number, "type", f"{kind} '{container.name}' is never closed"
            )
        if not typed_rows:
            self.collector.error(sheet, 0, "", "the form has no questions")
        self._check_expressions(sheet, root, pending)
        return root

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
                    f"the appearance '{word}' is not supported (supported: "
                    + ", ".join(sorted(SUPPORTED_APPEARANCES))
                    + ")",
                )
        personal = cells.get("personal_data", "")
        if personal and personal not in pyxform_aliases.yes_no:
            self.collector.error(
                sheet, row.number, "personal_data", f"'{personal}' is not yes or no"
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
        )
        if kind == "calculate" and not question.calculation:
            self.collector.error(
                sheet,
                row.number,
                "calculation",
                f"the calculate '{question.name}' has no calculation",
            )
        if question.choice_filter and kind not in {"select_one", "select_multiple"}:
            self.collector.error(
                sheet,
                row.number,
                "choice_filter",
                "a choice_filter only applies to select_one and select_multiple",
            )
        if question.default and kind in {"integer", "decimal"}:
            if expressions.to_number(question.default) != expressions.to_number(
                question.default
            ) or not re.fullmatch(r"-?\d+(\.\d+)?", question.default):
                self.collector.error(
                    sheet,
                    row.number,
                    "default",
                    f"the default '{question.default}' is not a number",
                )
            elif kind == "integer" and "." in question.default:
                self.collector.error(
                    sheet,
                    row.number,
                    "default",
                    f"the default '{question.default}' is not a whole number",
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
                f"the default '{question.default}' is not a date (YYYY-MM-DD)",
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
            self.collector.warn(sheet, row.number, "label", "the question has no label")
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
                        f"the type '{alias}' is not supported by Code Monitor",
                    )
                    return "", ""
                parts = rest.split()
                if not parts:
                    self.collector.error(
                        sheet, row.number, "type", f"'{type_text}' names no choice list"
                    )
                    return "", ""
                if len(parts) > 1:
                    if parts[1] == "or_other":
                        self.collector.error(
                            sheet,
                            row.number,
                            "type",
                            "'or_other' is not supported: add an 'other' choice "
                            "and a text question relevant to it",
                        )
                    else:
                        self.collector.error(
                            sheet,
                            row.number,
                            "type",
                            f"unexpected '{' '.join(parts[1:])}' after the choice list name",
                        )
                    return "", ""
                list_name = parts[0]
                if list_name != COUNTRIES_LIST and list_name not in choices:
                    self.collector.error(
                        sheet,
                        row.number,
                        "type",
                        f"the choice list '{list_name}' is not on the choices sheet",
                    )
                    return "", ""
                return SELECT_TYPES[alias], list_name
        if lowered in QUESTION_TYPE_DICT or lowered in {"rank", "select_one_external"}:
            self.collector.error(
                sheet,
                row.number,
                "type",
                f"the type '{type_text}' is not supported by Code Monitor",
            )
        else:
            self.collector.error(sheet, row.number, "type", f"unknown type '{type_text}'")
        return "", ""

    def _close(
        self, sheet: _Sheet, row: _Row, kind: str, stack: list[tuple[Question, int]]
    ) -> None:
        word = "end_repeat" if kind == "repeat" else "end_group"
        if not stack:
            self.collector.error(
                sheet, row.number, "type", f"{word} without a matching begin_{kind}"
            )
            return
        container, number = stack[-1]
        if container.kind != kind:
            opened = "begin_repeat" if container.kind == "repeat" else "begin_group"
            self.collector.error(
                sheet,
                row.number,
                "type",
                f"{word} closes {opened} '{container.name}' of row {number}",
            )
        stack.pop()

    # -- expressions -----------------------------------------------------------------------

    def _check_expressions(
        self, sheet: _Sheet, root: list[Question], pending: list[tuple[Question, _Row]]
    ) -> None:
        known = {question.name for question, _row in pending if question.name}
        repeats = {question.name for question, _row in pending if question.kind == "repeat"}
        parsed: dict[str, set[str]] = {}
        for question, row in pending:
            dependencies: set[str] = set()
            for column in (*EXPRESSION_COLUMNS, "choice_filter"):
                text = getattr(question, column)
                if not text:
                    continue
                try:
                    tree = expressions.parse(text, allow_fields=column == "choice_filter")
                except expressions.ExpressionError as error:
                    self.collector.error(sheet, row.number, column, _expression_message(error))
                    continue
                for name in sorted(expressions.references(tree) - known):
                    self.collector.error(
                        sheet, row.number, column, f"${{{name}}} refers to no question of this form"
                    )
                for node in expressions.walk(tree):
                    if isinstance(node, expressions.Call) and node.name in {"count", "sum"}:
                        arg = node.args[0]
                        if not isinstance(arg, expressions.Ref):
                            self.collector.error(
                                sheet,
                                row.number,
                                column,
                                f"{node.name}() takes a ${{name}} of a repeat "
                                "or of a question inside one",
                            )
                        elif (
                            arg.name in known
                            and arg.name not in repeats
                            and not self._inside_repeat(arg.name, root)
                        ):
                            self.collector.error(
                                sheet,
                                row.number,
                                column,
                                f"{node.name}(${{{arg.name}}}): "
                                f"'{arg.name}' is not a repeat or inside one",
                            )
                if column in {"calculation", "relevant"}:
                    dependencies |= expressions.references(tree)
            if question.kind in {"group", "repeat"} and question.constraint:
                self.collector.error(
                    sheet, row.number, "constraint", "a group or repeat cannot have a constraint"
                )
            parsed[question.name] = dependencies
        self._check_cycles(sheet, pending, parsed)

    def _inside_repeat(self, name: str, root: list[Question]) -> bool:
        def visit(nodes: Iterable[Question], inside: bool) -> bool:
            for node in nodes:
                if node.name == name:
                    return inside
                if visit(node.children, inside or node.kind == "repeat"):
                    return True
            return False

        return visit(root, False)

    def _check_cycles(
        self, sheet: _Sheet, pending: list[tuple[Question, _Row]], graph: dict[str, set[str]]
    ) -> None:
        rows = {question.name: row.number for question, row in pending}
        state: dict[str, int] = {}
        reported: set[str] = set()
        for start in graph:
            if state.get(start):
                continue
            # Iterative depth-first search; a grey node met again closes a cycle.
            stack: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
            state[start] = 1
            path = [start]
            while stack:
                node, children = stack[-1]
                child = next(iter(children), None)
                if child is None:
                    state[node] = 2
                    stack.pop()
                    path.pop()
                    continue
                if state.get(child) == 1:
                    cycle = path[path.index(child) :]
                    if not reported & set(cycle):
                        reported |= set(cycle)
                        shown = " → ".join(f"${{{n}}}" for n in [*cycle, child])
                        self.collector.error(
                            sheet, rows.get(child, 0), "", f"circular reference: {shown}"
                        )
                elif not state.get(child) and child in graph:
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(sorted(graph[child]))))


def _expression_message(error: expressions.ExpressionError) -> str:
    if error.position is None:
        return error.message
    return f"{error.message} (at character {error.position + 1})"


def _language_list() -> str:
    return ", ".join(f"{lang.english} ({lang.code})" for lang in LANGUAGES)
