"""The registers' tests use the national round's fixtures (a report of country A)."""

from tests.national.conftest import nri_round, report_a  # noqa: F401  (fixtures)
