"""The codes of the built-in `countries` choice list: the Member States and the WHO regions.

Read from the shipped data files, so the form engine can check answers without a database query;
names for display come from the database (`MemberState.name`), where the Secretariat can set them.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def member_state_codes() -> tuple[str, ...]:
    with (DATA / "who-member-states.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(sorted(row["iso3"].strip() for row in csv.DictReader(handle)))


@cache
def region_codes() -> tuple[str, ...]:
    with (DATA / "regions.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(row["code"].strip() for row in csv.DictReader(handle))


@cache
def country_codes() -> tuple[str, ...]:
    """Member States first (alphabetical by code), then the six regions."""
    return member_state_codes() + region_codes()
