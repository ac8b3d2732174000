"""Template filters of Code Monitor."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


@register.filter
def lightmarkup(text: str) -> SafeString:
    """Instrument texts: **bold**, *italic*, and line breaks; everything else escaped."""
    html = str(escape(text or ""))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _ITALIC.sub(r"<em>\1</em>", html)
    return mark_safe(html.replace("\n", "<br>"))  # noqa: S308 (escaped above)


@register.filter
def geneva(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    return timezone.localtime(value, ZoneInfo("Europe/Zurich"))


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def megabytes(size: int) -> str:
    return f"{(size or 0) / (1024 * 1024):.1f}"
