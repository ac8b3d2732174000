"""Wrong passwords and codes from one address do not lock the account's owner out elsewhere;
guessing from many addresses meets a ceiling per account (issue 8, finding C)."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.test import Client

from codemonitor.accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"  # the `secretariat` fixture's
EMAIL = "secretariat@example.org"
ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


def post_sign_in(client: Client, password: str, username: str = EMAIL, **extra):
    return client.post(
        "/account/sign-in/",
        {"username": username, "password": password, "next": "/backoffice/"},
        **extra,
    )


def right_code(user: User) -> str:
    return str(pyotp.TOTP(user.totp_secret).at(time.time()))


def wrong_code(user: User) -> str:
    """A code that is none of the ones accepted around now."""
    totp = pyotp.TOTP(user.totp_secret)
    step = int(time.time() // totp.interval)
    accepted = {totp.at((step + d) * totp.interval) for d in range(-2, 3)}
    return next(code for code in (f"{n:06d}" for n in range(10)) if code not in accepted)


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(secretariat) -> None:
    attacker = Client(REMOTE_ADDR=ATTACKER)
    statuses = [post_sign_in(attacker, "wrong").status_code for _ in range(10)]
    assert statuses == [400] * 4 + [429] * 6
    # From the attacker's address even the right password is refused, and it says why.
    refused = post_sign_in(attacker, PASSWORD)
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many failed attempts from your connection: please wait until" in html
    assert post_sign_in(Client(REMOTE_ADDR=ATTACKER), PASSWORD).status_code == 429  # new session
    # The owner, elsewhere, signs in: password, then code.
    owner = Client(REMOTE_ADDR=OWNER)
    assert post_sign_in(owner, PASSWORD)["Location"] == "/account/sign-in/code/"
    done = owner.post("/account/sign-in/code/", {"code": right_code(secretariat)})
    assert done["Location"] == "/backoffice/"
    assert owner.get("/backoffice/").status_code == 200


def test_guessing_from_many_addresses_meets_a_ceiling_per_account(
    secretariat, fp_a, settings
) -> None:
    settings.RATE_SIGN_IN_PER_ACCOUNT = (8, 3600)
    for n in range(4):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        assert [post_sign_in(client, "wrong").status_code for _ in range(2)] == [400, 400]
    paused = post_sign_in(Client(REMOTE_ADDR=OWNER), PASSWORD)
    assert paused.status_code == 429
    assert "too many failed attempts to sign in to this account" in paused.content.decode()
    # Other accounts are not concerned.
    other = post_sign_in(Client(REMOTE_ADDR=OWNER), "a long enough password 123", fp_a.email)
    assert other.status_code == 302


def test_the_owner_still_signs_in_from_a_network_it_used_before(secretariat, settings) -> None:
    """The ceiling stops guessing from many addresses without locking the owner out: the
    networks the account signed in from before still have the password checked."""
    settings.RATE_SIGN_IN_PER_ACCOUNT = (4, 3600)
    usual = Client(REMOTE_ADDR=OWNER)
    assert post_sign_in(usual, PASSWORD).status_code == 302
    code = usual.post("/account/sign-in/code/", {"code": right_code(secretariat)})
    assert code.status_code == 302
    for n in range(4):
        post_sign_in(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), "wrong")
    assert post_sign_in(Client(REMOTE_ADDR="192.0.2.77"), PASSWORD).status_code == 429
    neighbour = OWNER.rsplit(".", 1)[0] + ".99"  # the same /24 as before
    assert post_sign_in(Client(REMOTE_ADDR=neighbour), PASSWORD).status_code == 302


def test_one_ipv6_host_is_counted_as_its_64_network(secretariat, settings) -> None:
    """A host given a /64 could take a new address for every try."""
    for n in range(6):
        response = post_sign_in(Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}"), "wrong")
    assert response.status_code == 429  # the sixth try from the same /64 is backed off
    fresh = post_sign_in(Client(REMOTE_ADDR="2001:db8:1:3::1"), PASSWORD)  # another /64
    assert fresh.status_code == 302


def test_wrong_codes_from_one_address_do_not_stop_the_right_code_elsewhere(secretariat) -> None:
    """The attacker has the password; the second factor holds, and its owner still gets in."""
    attacker = Client(REMOTE_ADDR=ATTACKER)
    assert post_sign_in(attacker, PASSWORD)["Location"] == "/account/sign-in/code/"
    tries = [
        attacker.post("/account/sign-in/code/", {"code": wrong_code(secretariat)})
        for _ in range(10)
    ]
    assert {response.status_code for response in tries} == {200}
    assert all("This code is not right" in r.content.decode() for r in tries)
    blocked = attacker.post("/account/sign-in/code/", {"code": right_code(secretariat)})
    assert blocked.status_code == 429
    assert "Too many codes tried; wait a few minutes." in blocked.content.decode()
    # A new sign-in from the same address is a new session, but the same address.
    again = Client(REMOTE_ADDR=ATTACKER)
    post_sign_in(again, PASSWORD)
    assert again.post("/account/sign-in/code/", {"code": "123456"}).status_code == 429
    # The owner, from elsewhere, signs in with the right code.
    owner = Client(REMOTE_ADDR=OWNER)
    post_sign_in(owner, PASSWORD)
    done = owner.post("/account/sign-in/code/", {"code": right_code(secretariat)})
    assert done["Location"] == "/backoffice/"


def test_wrong_codes_from_many_addresses_meet_a_ceiling_per_account(secretariat, settings) -> None:
    settings.RATE_CODE_PER_ACCOUNT = (6, 3600)
    for n in range(3):
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        post_sign_in(client, PASSWORD)
        for _ in range(2):
            assert (
                client.post("/account/sign-in/code/", {"code": wrong_code(secretariat)}).status_code
                == 200
            )
    owner = Client(REMOTE_ADDR=OWNER)
    post_sign_in(owner, PASSWORD)
    assert (
        owner.post("/account/sign-in/code/", {"code": right_code(secretariat)}).status_code == 429
    )


def test_the_daily_housekeeping_forgets_old_failures(secretariat) -> None:
    import datetime as dt

    from django.utils import timezone

    from codemonitor.accounts.models import SignInThrottle
    from codemonitor.core.maintenance import maintenance_prune

    now = timezone.now()
    old = SignInThrottle.objects.create(
        key="a" * 64, failures=3, last_failure_at=now - dt.timedelta(days=3)
    )
    backed_off = SignInThrottle.objects.create(
        key="b" * 64,
        failures=40,
        last_failure_at=now - dt.timedelta(days=3),
        locked_until=now + dt.timedelta(hours=1),
    )
    recent = SignInThrottle.objects.create(key="c" * 64, failures=2, last_failure_at=now)
    maintenance_prune(now=now)
    kept = set(SignInThrottle.objects.values_list("pk", flat=True))
    assert old.pk not in kept
    assert {backed_off.pk, recent.pk} <= kept
