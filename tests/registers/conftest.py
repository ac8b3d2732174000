"""The registers' tests: the national round's fixtures (a report of country A), and builders
for the record of authorised recruiters' tests."""

from __future__ import annotations

import io
from typing import Any

from codemonitor.registers.models import Recruiter
from codemonitor.registers.recruiters import recruiter_create
from tests.national.conftest import nri_round, report_a  # noqa: F401  (fixtures)


def recruiter(user: Any, country: str = "GHA", **fields: Any) -> Recruiter:
    data = {
        "legal_name": "Accra Health Staffing Ltd",
        "licence_number": "RA-001",
        "status": "authorised",
    }
    data.update(fields)
    return recruiter_create(member_state_id=country, data=data, user=user)


def csv_file(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> io.BytesIO:
    text = "\r\n".join(delimiter.join(cells) for cells in rows) + "\r\n"
    handle = io.BytesIO(text.encode(encoding))
    handle.name = "recruiters.csv"
    return handle
