"""Publication: the national round's fixtures (tests/national/conftest.py) serve here too."""

from tests.national.conftest import nri_round, report_a, report_b

__all__ = ["nri_round", "report_a", "report_b"]
