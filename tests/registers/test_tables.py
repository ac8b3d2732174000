"""Reading imported tables: what a file may hold past the sample its shape is told from."""

from __future__ import annotations

import io

import pytest

from codemonitor.registers.tables import TableRefused, table_open


def test_a_nul_character_past_the_first_bytes_is_refused_with_its_line() -> None:
    # The first 64 KB are clean (the sample the encoding is told from); a NUL further on
    # would reach the database, which PostgreSQL refuses with a server error.
    rows = "".join(f"RA-{number},Filler agency,authorised\n" for number in range(4000))
    content = f"Licence,Name,Status\n{rows}RA-X,Acme\x00 Ltd,authorised\n".encode()
    assert len(content) > 64 * 1024
    table = table_open(io.BytesIO(content))
    with pytest.raises(TableRefused) as refused:
        list(table.rows)
    assert refused.value.line == 4002
