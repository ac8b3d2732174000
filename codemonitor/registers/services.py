"""Changing the register: each change is saved with its history and audit entry."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from codemonitor.accounts.models import User, focal_points_by_country
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.exports import csv_bytes
from codemonitor.registers.models import (
    FIELDS,
    NationalAuthority,
    NationalAuthorityChange,
    NationalAuthorityProposal,
)


@transaction.atomic
def authority_save(
    *, member_state_id: str, data: dict[str, Any], user: User, note: str = ""
) -> NationalAuthority:
    authority = NationalAuthority.objects.select_for_update().filter(
        member_state_id=member_state_id
    ).first() or NationalAuthority(member_state_id=member_state_id)
    for name in FIELDS:
        if name in data:
            setattr(authority, name, data[name] if data[name] not in (None,) else "")
    if authority.designated_on == "":
        authority.designated_on = None
    authority.updated_at = timezone.now()
    authority.save()
    NationalAuthorityChange.objects.create(
        authority=authority, data=authority.snapshot(), changed_by=user, note=note[:300]
    )
    audit_log(
        action=Action.REGISTER_AUTHORITY_CHANGED,
        target=authority,
        actor=user,
        data={"country": member_state_id, "note": note[:300]},
    )
    return authority


@transaction.atomic
def authority_propose(*, user: User, data: dict[str, Any]) -> NationalAuthorityProposal:
    if not user.is_focal_point or user.member_state_id is None:
        raise PermissionError
    clean = {name: str(data.get(name) or "") for name in FIELDS}
    proposal = NationalAuthorityProposal.objects.create(
        member_state_id=user.member_state_id, data=clean, proposed_by=user
    )
    audit_log(
        action=Action.REGISTER_AUTHORITY_PROPOSED,
        target=proposal,
        actor=user,
        data={"country": user.member_state_id},
    )
    return proposal


@transaction.atomic
def proposal_decide(
    *, proposal: NationalAuthorityProposal, user: User, accept: bool, note: str = ""
) -> None:
    locked = NationalAuthorityProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.state != NationalAuthorityProposal.State.PENDING:
        return
    locked.state = (
        NationalAuthorityProposal.State.ACCEPTED
        if accept
        else NationalAuthorityProposal.State.DECLINED
    )
    locked.decided_by, locked.decided_at, locked.decision_note = user, timezone.now(), note[:500]
    locked.save()
    audit_log(
        action=Action.REGISTER_PROPOSAL_ACCEPTED if accept else Action.REGISTER_PROPOSAL_DECLINED,
        target=locked,
        actor=user,
        data={"country": locked.member_state_id, "note": note[:300]},
    )
    if accept:
        data = dict(locked.data)
        if not data.get("designated_on"):
            data["designated_on"] = None
        authority_save(
            member_state_id=locked.member_state_id,
            data=data,
            user=user,
            note=f"proposal {locked.pk} accepted",
        )
    proposal.refresh_from_db()


def register_csv() -> bytes:
    """The register as CSV: authority details and focal points' names (no personal email).
    Written by `core.exports`: no cell of it can be a formula."""
    from codemonitor.reference.models import MemberState

    authorities = {a.member_state_id: a for a in NationalAuthority.objects.all()}
    focal = {
        country: [person.get_full_name() or person.email for person in people]
        for country, people in focal_points_by_country().items()
    }
    rows: list[list[object]] = [["iso3", "member_state", *FIELDS, "focal_points", "last_change"]]
    for state in MemberState.objects.order_by("iso3"):
        authority = authorities.get(state.pk)
        snapshot = authority.snapshot() if authority else dict.fromkeys(FIELDS, "")
        rows.append(
            [
                state.pk,
                state.name,
                *(snapshot[name] for name in FIELDS),
                "; ".join(focal.get(state.pk, [])),
                authority.updated_at.date().isoformat() if authority else "",
            ]
        )
    return csv_bytes(rows)
