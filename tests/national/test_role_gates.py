"""The role gates of the back office, from accounts/access.py: who reads, who writes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def writes(nri_round, report_a, proposal) -> list[str]:
    number = nri_round.round.number
    return [
        f"/backoffice/rounds/{number}/national/open/",
        f"/backoffice/national-reports/{report_a.pk}/review/",
        f"/backoffice/registers/proposals/{proposal.pk}/accept/",
    ]


@pytest.fixture
def proposal(people):
    from codemonitor.registers.services import authority_propose

    return authority_propose(user=people["fp_a"], data={"name": "Directorate of HRH"})


def test_only_an_administrator_passes_the_write_gate(
    clients, nri_round, report_a, proposal
) -> None:
    for url in writes(nri_round, report_a, proposal):
        assert clients["analyst"].post(url).status_code == 404, url
        assert clients["fp_a"].post(url).status_code == 404, url
        anonymous = clients["anonymous"].post(url)
        assert anonymous.status_code == 302 and "/account/sign-in/" in anonymous["Location"]
    proposal.refresh_from_db()
    assert proposal.state == "pending"  # nobody outside the administrators decided it
    # An administrator gets through the gate: the proposal is accepted; starting a review of a
    # draft is refused by the workflow, with a message, not by the gate.
    accepted = clients["admin"].post(writes(nri_round, report_a, proposal)[2])
    assert accepted.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "accepted"
    assert clients["admin"].post(writes(nri_round, report_a, proposal)[1]).status_code == 302


def test_a_secretariat_account_without_its_second_factor_is_sent_to_sign_in(
    client, secretariat
) -> None:
    client.force_login(secretariat)  # password only: no second factor in this session
    response = client.get("/backoffice/")
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]
    assert client.get("/admin/").status_code == 302
