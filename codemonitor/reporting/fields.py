"""How the fields of a report travel between a page and the server.

A form input is named `q__<question>__<row path, with / as .>`; a page sent without JavaScript
carries, beside each field, the fingerprint (`d…`) and the version (`v…`) of the value it was
drawn with. Values come back as text and are stored typed when they are valid, as typed when
they are not: nothing a person typed is thrown away, and the engine says what is wrong. What
can never be stored (text over the engine's limit, control characters) is refused with a
message, and stays in the person's field.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.utils.translation import gettext as _

from codemonitor.core.text import CONTROL
from codemonitor.instruments.engine import MAX_TEXT, AnswerValue, too_long_message
from codemonitor.instruments.schema import Question

FIELD_PREFIX = "q__"
_INTEGER_RE = re.compile(r"^-?\d+$")
_DECIMAL_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
MAX_ITEMS = 1000  # choices in one select_multiple answer
MAX_ITEM = 200  # characters in the name of one choice


class AnswerRefused(ValueError):
    """A value that is not stored at all, with what the person is told (the field stays as
    they typed it on their page)."""


def _checked(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise AnswerRefused(too_long_message(len(text)))
    found = CONTROL.search(text)  # no place in an answer: PostgreSQL cannot even store NUL
    if found:
        raise AnswerRefused(
            _(
                "This answer contains an invisible control character (U+%(code)s) that cannot be "
                "stored. Remove it, or type the text again instead of pasting it."
            )
            % {"code": f"{ord(found.group()):04X}"}
        )
    return text


def field_key(name: str, row: str = "") -> str:
    """The name of a form input: `q__<question>__<row path with / as .>`."""
    return f"{FIELD_PREFIX}{name}__{row.replace('/', '.')}"


def parse_key(key: str) -> tuple[str, str] | None:
    """(question, row path) of a form input's name, or None if it is not a field."""
    if not key.startswith(FIELD_PREFIX):
        return None
    name, sep, row = key[len(FIELD_PREFIX) :].rpartition("__")
    if not sep or not name:
        return None
    return name, row.replace(".", "/")


def plain_number(text: str) -> bool:
    """Digits 0–9 only, and few of them (a version, a page, an id sent by a page; "²" is a
    digit to Python, not to int())."""
    return text.isascii() and text.isdigit() and len(text) < 10


def parse_value(question: Question, raw: str | list[str]) -> AnswerValue:
    """What a person sent for a question, as it is stored: typed when valid, as typed if not.

    Raises AnswerRefused for what is never stored: text over the engine's limit, control
    characters, more choices than any list holds.
    """
    if question.kind == "select_multiple":
        items = raw if isinstance(raw, list) else str(raw).split()
        chosen = [_checked(item.strip()) for item in items if item.strip()]
        if (
            len(chosen) > MAX_ITEMS
            or any(len(item) > MAX_ITEM for item in chosen)
            or sum(len(item) + 1 for item in chosen) > MAX_TEXT
        ):
            raise AnswerRefused(_("These are not choices of this question."))
        return chosen or None
    text = (raw[0] if raw else "") if isinstance(raw, list) else str(raw)
    text = _checked(text.replace("\r\n", "\n").replace("\r", "\n").strip())
    if text == "":
        return None
    if question.kind == "integer" and _INTEGER_RE.match(text) and len(text) < 19:
        return int(text)
    if question.kind == "decimal" and _DECIMAL_RE.match(text) and len(text) < 30:
        return float(text)
    return text


def value_digest(value: AnswerValue) -> str:
    """A short fingerprint of a stored value, to tell later which fields a person changed."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]
