"""Free text a person typed into a plain form field, made safe to store."""

from __future__ import annotations

import re
import unicodedata

# Control characters have no place in a comment or a note (PostgreSQL cannot store NUL at all);
# tab and line breaks are text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_plain(value: str, *, limit: int = 5000) -> str:
    """`value` without control characters, with plain line breaks, trimmed, at most `limit`
    characters (a comment box is not a document)."""
    cleaned = CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return cleaned.strip()[:limit]


def text_folded(*values: object) -> str:
    """Text as searched: lower case, without accents, single spaces ("Ley Nº 26.529" and
    "ley no 26.529" meet). For the stored search text of an entry and for the words sought."""
    joined = " ".join(str(value) for value in values if value)
    decomposed = unicodedata.normalize("NFKD", joined.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(CONTROL.sub(" ", bare).split())
