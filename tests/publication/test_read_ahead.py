"""The open data's reading thread (`opendata._read_ahead`): outside a transaction on PostgreSQL
the rows are read by a thread of its own with its own connection, a few chunks ahead; the
caller gets the same rows in the same order, and a caller that stops early stops the thread.
Elsewhere (SQLite, inside a transaction) the rows are read in place."""

from __future__ import annotations

import threading

import pytest

from codemonitor.publication.opendata import _read_ahead
from codemonitor.reference.models import MemberState


@pytest.mark.django_db(transaction=True)
def test_the_same_rows_in_the_same_order_and_an_early_stop() -> None:
    rows = MemberState.objects.order_by("pk").values_list("pk", flat=True)
    expected = list(rows)
    assert len(expected) > 20
    assert list(_read_ahead(rows, 7)) == expected
    before = threading.active_count()
    reader = _read_ahead(rows, 3)
    assert [next(reader) for _ in range(5)] == expected[:5]
    reader.close()  # the caller stops: the thread is told and waited for
    assert threading.active_count() <= before
    assert not [t for t in threading.enumerate() if t.name == "opendata-read-ahead"]


@pytest.mark.django_db
def test_inside_a_transaction_the_rows_are_read_in_place() -> None:
    rows = MemberState.objects.order_by("pk").values_list("pk", flat=True)
    before = threading.active_count()
    reader = _read_ahead(rows, 5)
    first = next(reader)
    assert threading.active_count() == before  # no thread: it would not see this transaction
    assert [first, *reader] == list(rows)
