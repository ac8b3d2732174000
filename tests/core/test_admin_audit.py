"""The Django admin: changes in the audit log, permissions from the platform's roles."""

from __future__ import annotations

import pytest
from django.contrib import admin

from codemonitor.core.models import AuditEntry
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_an_admin_change_is_audited_without_values(rf, secretariat, reference) -> None:
    from codemonitor.accounts.models import User
    from codemonitor.reference.models import MemberState

    request = rf.post("/admin/")
    request.user = secretariat
    country_admin = admin.site._registry[MemberState]
    ghana = MemberState.objects.get(pk="GHA")
    country_admin.log_change(request, ghana, [{"changed": {"fields": ["Display name"]}}])
    user_admin = admin.site._registry[User]
    user_admin.log_addition(request, secretariat, [{"added": {}}])
    changed = AuditEntry.objects.get(action="admin.object.changed")
    assert changed.actor == secretariat
    assert changed.data == {
        "model": "reference.memberstate",
        "object": "GHA",
        "change": [{"changed": {"fields": ["Display name"]}}],
        "target_key": "GHA",
    }
    added = AuditEntry.objects.get(action="admin.object.added")
    assert added.target == secretariat and "secretariat@example.org" not in str(added.data)


def test_a_secretariat_administrator_uses_the_admin_without_being_superuser(
    client, secretariat, people
) -> None:
    secretariat.is_superuser = False
    secretariat.save()
    sign_in(client, secretariat)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/reference/memberstate/" in index.content.decode()
    assert client.get("/admin/reference/memberstate/GHA/change/").status_code == 200
    analyst = client.__class__()
    sign_in(analyst, people["analyst"])
    assert analyst.get("/admin/reference/memberstate/").status_code == 302
