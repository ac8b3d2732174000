"""Free text a person typed into a plain form field, made safe to store."""

from __future__ import annotations

import re

# Control characters have no place in a comment or a note (PostgreSQL cannot store NUL at all);
# tab and line breaks are text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_plain(value: str, *, limit: int = 5000) -> str:
    """`value` without control characters, with plain line breaks, trimmed, at most `limit`
    characters (a comment box is not a document)."""
    cleaned = CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return cleaned.strip()[:limit]
