"""Builders of laws for the register's tests."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

from codemonitor.registers.laws import EventInput, LawInput, law_create


def law_input(**values: Any) -> LawInput:
    data: dict[str, Any] = {"title": "Health Workforce Act", "kind": "law", **values}
    return LawInput(**data)


def make_law(user: Any, country: str = "GHA", **values: Any) -> Any:
    return law_create(member_state_id=country, data=law_input(**values), user=user)


def in_force(year: int, month: int = 1, day: int = 1) -> EventInput:
    return EventInput("in_force", dt.date(year, month, day))


def named(content: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def law_import_held(user: Any, country: str | None) -> Any:
    """An import waiting for its preview to be confirmed (one new law)."""
    from codemonitor.registers.law_imports import law_import_read

    content = f"iso3,title,type\nGHA,Imported {next(_COUNTER)},law\n".encode()
    return law_import_read(
        source=io.BytesIO(content),
        file_name="laws.csv",
        size=len(content),
        user=user,
        member_state_id=country,
    )


_COUNTER = itertools.count(1)
