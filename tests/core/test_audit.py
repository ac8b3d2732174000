"""The one audit log: listed codes only, any kind of target, personal values as digests."""

from __future__ import annotations

import pytest

from codemonitor.core.audit import Action, audit_log, audit_trail, personal_digest

pytestmark = pytest.mark.django_db


def test_an_unlisted_action_code_is_refused(secretariat) -> None:
    with pytest.raises(ValueError, match=r"report\.wiped"):
        audit_log(action="report.wiped", actor=secretariat)


def test_an_entry_names_its_target_of_any_kind(secretariat, reference) -> None:
    from codemonitor.reference.models import MemberState, SafeguardsEdition

    edition = SafeguardsEdition.objects.get(year=2023)
    entry = audit_log(action=Action.USER_INVITED, actor=secretariat, target=secretariat)
    assert (entry.actor, entry.actor_label) == (secretariat, "")  # no copy of the name
    assert list(audit_trail(secretariat)) == [entry]
    assert list(audit_trail(edition)) == []  # another type, even if the ids were equal
    ghana = MemberState.objects.get(pk="GHA")
    about_ghana = audit_log(action=Action.ADMIN_OBJECT_CHANGED, actor=secretariat, target=ghana)
    assert about_ghana.target_id is None and about_ghana.data["target_key"] == "GHA"
    assert list(audit_trail(ghana)) == [about_ghana]
    assert list(audit_trail(MemberState.objects.get(pk="FRA"))) == []


def test_the_personal_digest_tells_values_apart_and_hides_them() -> None:
    digest = personal_digest("Jane Roe")
    assert digest == personal_digest("Jane Roe")
    assert digest != personal_digest("Jane Doe")
    assert "Jane" not in digest and len(digest) == 20
    assert personal_digest(None) == personal_digest("") == ""


def test_every_code_is_dotted_and_unique() -> None:
    codes = [action.value for action in Action]
    assert len(codes) == len(set(codes))
    assert all(code.count(".") >= 1 and code == code.lower() for code in codes)
