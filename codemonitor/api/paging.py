"""Cursor pagination: each list is read in the order of its key, a page at a time.

A page holds at most `limit` items (default DEFAULT_LIMIT, at most MAX_LIMIT: a larger limit is
refused with a 400, never clamped in silence) and `next`, the cursor of the page after it (null
on the last page). A cursor is opaque: the list it belongs to and the key of the last item it
gave, signed with the installation's secret key, so that a cursor made by hand, changed or
taken from another list is refused with a 400 saying so. Reading after a key (`WHERE key > …
ORDER BY key LIMIT n + 1`) costs the same on the last page as on the first, and a report
published or withdrawn between two pages neither repeats nor hides another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core import signing
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from codemonitor.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
SALT = "codemonitor.api.cursor"

R = TypeVar("R")
T = TypeVar("T")


def cursor_make(listing: str, key: int | str) -> str:
    return signing.Signer(salt=SALT).sign_object({"l": listing, "k": key})


def cursor_read(listing: str, cursor: str, kind: type[int] | type[str]) -> int | str:
    """The key a cursor of `listing` carries; a 400 for anything else."""
    try:
        found = signing.Signer(salt=SALT).unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        raise ApiError(
            400,
            _(
                "The cursor is not one this API gave: pass the “next” value of the page before, "
                "unchanged, or leave the cursor out for the first page."
            ),
        ) from None
    if not isinstance(found, dict) or found.get("l") != listing:
        raise ApiError(400, _("This cursor belongs to another list: it cannot be used here."))
    key = found.get("k")
    if not isinstance(key, kind) or isinstance(key, bool):
        raise ApiError(400, _("The cursor is not one this API gave."))
    return key


def page_of(
    rows: QuerySet[Any, R],
    *,
    listing: str,
    key: str,
    cursor: str | None,
    limit: int,
    kind: type[int] | type[str] = int,
) -> tuple[list[R], str | None]:
    """One page of `rows` in the order of their unique `key` field, and the next page's cursor
    (one query: a row more than the page is read to know whether another page follows)."""
    if cursor:
        rows = rows.filter(**{f"{key}__gt": cursor_read(listing, cursor, kind)})
    found = list(rows.order_by(key)[: limit + 1])
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    return found, cursor_make(listing, _key_of(found[-1], key))


def _key_of(row: Any, key: str) -> int | str:
    value = row[key] if isinstance(row, dict) else getattr(row, key)
    return value if isinstance(value, int | str) else str(value)


def paged(
    rows: Sequence[R], following: str | None, limit: int, shape: Callable[[R], T]
) -> dict[str, Any]:
    """The body of a page: its items shaped for the answer, the next cursor, the limit."""
    return {"items": [shape(row) for row in rows], "next": following, "limit": limit}
