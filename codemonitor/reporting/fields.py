"""How the fields of a report travel between a page and the server.

A form input is named `q__<question>__<row path, with / as .>`; a page sent without JavaScript
carries, beside each field, the fingerprint (`d…`) and the version (`v…`) of the value it was
drawn with. Values come back as text and are stored typed when they are valid, as typed when
they are not: nothing a person typed is thrown away, and the engine says what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re

from codemonitor.instruments.engine import AnswerValue
from codemonitor.instruments.schema import Question

FIELD_PREFIX = "q__"
_INTEGER_RE = re.compile(r"^-?\d+$")
_DECIMAL_RE = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")


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


def parse_value(question: Question, raw: str | list[str]) -> AnswerValue:
    """What a person sent for a question, as it is stored: typed when valid, as typed if not."""
    if question.kind == "select_multiple":
        items = raw if isinstance(raw, list) else str(raw).split()
        chosen = [item.strip() for item in items if item.strip()]
        return chosen or None
    text = (raw[0] if raw else "") if isinstance(raw, list) else str(raw)
    text = text.replace("\r\n", "\n").strip()
    if text == "":
        return None
    if question.kind == "integer" and _INTEGER_RE.match(text) and len(text) < 19:
        return int(text)
    if question.kind == "decimal" and _DECIMAL_RE.match(text) and len(text) < 30:
        return float(text)
    return text  # however long: the engine says when it is too long, nothing is cut


def value_digest(value: AnswerValue) -> str:
    """A short fingerprint of a stored value, to tell later which fields a person changed."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]
