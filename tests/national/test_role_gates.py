"""The role gates of the back office, from accounts/access.py: who reads, who writes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def writes(nri_round, report_a) -> list[str]:
    number = nri_round.round.number
    return [
        f"/backoffice/rounds/{number}/national/open/",
        f"/backoffice/national-reports/{report_a.pk}/review/",
        "/backoffice/registers/proposals/1/accept/",
    ]


def test_only_an_administrator_passes_the_write_gate(clients, nri_round, report_a) -> None:
    for url in writes(nri_round, report_a):
        assert clients["analyst"].post(url).status_code == 404, url
        assert clients["fp_a"].post(url).status_code == 404, url
        anonymous = clients["anonymous"].post(url)
        assert anonymous.status_code == 302 and "/account/sign-in/" in anonymous["Location"]
    # An administrator gets through the gate (the proposal itself does not exist: 404 from the
    # view, after the gate; the review starts on a draft only, which the view says).
    response = clients["admin"].post(writes(nri_round, report_a)[1])
    assert response.status_code == 302


def test_a_secretariat_account_without_its_second_factor_is_sent_to_sign_in(
    client, secretariat
) -> None:
    client.force_login(secretariat)  # password only: no second factor in this session
    response = client.get("/backoffice/")
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]
    assert client.get("/admin/").status_code == 302
