"""Signing in: throttling, two factors for the Secretariat, password reset, audit."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.test import Client

from codemonitor.accounts.models import Role, User
from codemonitor.core.models import AuditEntry
from tests.smtp import Mailbox

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough password 123"


@pytest.fixture
def focal_point(reference):
    return User.objects.create_user(
        "fp@gha.example", "fp@gha.example", PASSWORD, role=Role.FOCAL_POINT, member_state_id="GHA"
    )


@pytest.fixture
def staff(reference):
    return User.objects.create_user(
        "who@who.example", "who@who.example", PASSWORD, role=Role.SECRETARIAT_ADMIN
    )


def post_sign_in(client: Client, username: str, password: str, next_url: str = ""):
    return client.post(
        "/account/sign-in/", {"username": username, "password": password, "next": next_url}
    )


def test_a_national_user_signs_in_with_email_and_password(client, focal_point) -> None:
    response = post_sign_in(client, "FP@gha.example", PASSWORD, "/national/")
    assert response["Location"] == "/national/"
    assert client.get("/national/").status_code == 200
    entry = AuditEntry.objects.get(action="user.signed_in")
    assert entry.actor == focal_point


def test_a_wrong_password_says_so_without_saying_which(client, focal_point) -> None:
    response = post_sign_in(client, "fp@gha.example", "wrong")
    assert response.status_code == 400
    assert "The email address or the password is not right." in response.content.decode()
    assert post_sign_in(client, "nobody@x.example", "wrong").status_code == 400


def test_repeated_failures_back_this_address_off_longer_each_time(client, focal_point) -> None:
    from codemonitor.accounts.models import SignInThrottle
    from codemonitor.accounts.services import sign_in_key

    for _ in range(4):
        assert post_sign_in(client, "fp@gha.example", "wrong").status_code == 400
    response = post_sign_in(client, "fp@gha.example", "wrong")
    assert response.status_code == 429
    assert "Too many failed attempts from your connection" in response.content.decode()
    # Even the right password is refused from here while backed off.
    assert post_sign_in(client, "fp@gha.example", PASSWORD).status_code == 429
    key = sign_in_key("fp@gha.example", "127.0.0.1")
    first = SignInThrottle.objects.get(key=key)
    assert (first.locked_until - first.last_failure_at).total_seconds() == 60
    SignInThrottle.objects.update(locked_until=None)  # a minute later
    post_sign_in(client, "fp@gha.example", "wrong")
    second = SignInThrottle.objects.get(key=key)
    assert second.failures == 6
    assert (second.locked_until - second.last_failure_at).total_seconds() == 120  # doubled
    # Neither the name nor the address is kept.
    stored = str(list(SignInThrottle.objects.values()))
    assert "fp@gha.example" not in stored and "127.0.0.1" not in stored


def test_a_success_clears_the_count(client, focal_point) -> None:
    from codemonitor.accounts.models import SignInThrottle
    from codemonitor.accounts.services import sign_in_key

    for _ in range(3):
        post_sign_in(client, "fp@gha.example", "wrong")
    post_sign_in(client, "fp@gha.example", PASSWORD)
    assert SignInThrottle.objects.get(key=sign_in_key("fp@gha.example", "127.0.0.1")).failures == 0


def test_the_secretariat_must_set_up_two_factors(client, staff) -> None:
    response = post_sign_in(client, "who@who.example", PASSWORD, "/backoffice/")
    assert response["Location"] == "/account/two-factor/"
    # Signed in with the password only: the back office stays closed.
    assert client.get("/backoffice/").status_code == 302
    page = client.get("/account/two-factor/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)[1]
    assert "data:image/svg+xml;base64," in page
    wrong = client.post("/account/two-factor/", {"code": "000000", "action": "confirm"})
    assert "This code is not right or has expired" in wrong.content.decode()
    code = pyotp.TOTP(secret).now()
    response = client.post("/account/two-factor/", {"code": code, "action": "confirm"})
    assert response["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200


def test_the_secretariat_signs_in_with_a_code(client, staff) -> None:
    from django.utils import timezone

    staff.totp_secret, staff.totp_confirmed_at = pyotp.random_base32(), timezone.now()
    staff.save()
    response = post_sign_in(client, "who@who.example", PASSWORD, "/backoffice/")
    assert response["Location"] == "/account/sign-in/code/"
    assert client.get("/backoffice/").status_code == 302  # not signed in yet
    code = pyotp.TOTP(staff.totp_secret).at(time.time())
    assert client.post("/account/sign-in/code/", {"code": code})["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200
    # The same code cannot be used twice.
    other = Client()
    post_sign_in(other, "who@who.example", PASSWORD)
    replay = other.post("/account/sign-in/code/", {"code": code})
    assert replay.status_code == 200
    assert "This code is not right or has expired" in replay.content.decode()


def test_two_factors_are_available_to_national_users(client, focal_point) -> None:
    post_sign_in(client, "fp@gha.example", PASSWORD)
    page = client.get("/account/two-factor/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)[1]
    client.post("/account/two-factor/", {"code": pyotp.TOTP(secret).now(), "action": "confirm"})
    focal_point.refresh_from_db()
    assert focal_point.two_factor_enabled
    fresh = Client()
    assert post_sign_in(fresh, "fp@gha.example", PASSWORD)["Location"] == "/account/sign-in/code/"


def test_password_reset_by_email(
    client, focal_point, smtp, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/password/reset/", {"email": "fp@gha.example"})
    assert response["Location"] == "/account/password/reset/sent/"
    [message] = smtp.wait_for(1)
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", Mailbox.body(message))[1]
    form_page = client.get(link, follow=True)
    post_url = form_page.redirect_chain[-1][0]
    done = client.post(
        post_url,
        {
            "new_password1": "another good password 456",
            "new_password2": "another good password 456",
        },
    )
    assert done["Location"] == "/account/password/reset/done/"
    assert post_sign_in(Client(), "fp@gha.example", "another good password 456").status_code == 302


def test_the_admin_is_for_secretariat_administrators(client, focal_point, secretariat) -> None:
    from tests.conftest import sign_in

    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    sign_in(client, focal_point)
    assert client.get("/admin/").status_code == 302
    staff = Client()
    sign_in(staff, secretariat)
    assert staff.get("/admin/").status_code == 200
