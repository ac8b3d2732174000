"""The models and their migrations say the same (a model change without its migration fails)."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_its_migration() -> None:
    # --check exits non-zero when a migration would be written; --dry-run writes none.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
