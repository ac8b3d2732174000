"""Signing in (with throttling and two-factor codes) and inviting people."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import time

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from codemonitor.accounts.models import ApiToken, Role, SignInThrottle, User, api_token_digest
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.mail import mail_queue, mail_send
from codemonitor.core.throttle import client_ip, client_key, throttle_hit, throttle_reached

# Back-off of one (account name, IP address) pair: FREE_FAILURES failures in a row, then a
# lock of FIRST_LOCK, twice as long after each further failure, at most LONGEST_LOCK.
FREE_FAILURES = 5
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(hours=24)
ISSUER = "Code Monitor"


class SignInRefused(Exception):
    """Not even tried: too many failures from this address (`locked_until` says until when),
    or on this account from everywhere (`locked_until` is None; it lasts up to an hour)."""

    def __init__(self, locked_until: dt.datetime | None = None) -> None:
        super().__init__("too many failures" if locked_until is None else f"until {locked_until}")
        self.locked_until = locked_until


def _normalise(username: str) -> str:
    return username.strip().lower()[:254]


def sign_in_key(username: str, ip: str) -> str:
    """The key of an (account name, IP address) pair: a digest keyed with the secret key, so
    that neither the name (often an email address) nor the address is kept or can be tried."""
    pair = f"{_normalise(username)}\n{ip}"
    return salted_hmac("codemonitor.accounts.sign-in", pair, algorithm="sha256").hexdigest()


def _account_key(name: str) -> str:
    return f"sign-in:account:{name}"


# A pair of account and address that has not failed for this long starts afresh.
SIGN_IN_FAILURES_KEPT = dt.timedelta(days=2)


def sign_in_throttle_prune(now: dt.datetime) -> int:
    """Remove the failure counts of pairs no longer backed off that failed long ago (daily)."""
    removed, _by_model = (
        SignInThrottle.objects.filter(last_failure_at__lt=now - SIGN_IN_FAILURES_KEPT)
        .exclude(locked_until__gt=now)
        .delete()
    )
    return removed


def sign_in_locked_until(
    username: str, ip: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """Until when this address is backed off from this account name, if it is now."""
    now = now or timezone.now()
    row = SignInThrottle.objects.filter(key=sign_in_key(username, ip)).first()
    if row is not None and row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    return None


def sign_in_check(
    *, request: HttpRequest, username: str, password: str, now: dt.datetime | None = None
) -> User | None:
    """The user whose name (or email) and password these are, or None; counts failures.

    Failures are counted per (name, IP address) pair: after FREE_FAILURES in a row that pair
    is backed off, one minute at first and twice as long after each further failure (at most a
    day); a success clears its count. Someone guessing from one address therefore cannot lock
    the account for its owner elsewhere. Against guessing from many addresses, the failures of
    one name from everywhere have a much higher ceiling per hour (RATE_SIGN_IN_PER_ACCOUNT).

    Raises SignInRefused, without checking the password, when this pair is backed off or the
    account's ceiling is reached, and when this failure starts a back-off.
    """
    now = now or timezone.now()
    name = _normalise(username)
    ip = client_key(request)
    key = sign_in_key(name, ip)
    locked = sign_in_locked_until(name, ip, now)
    if locked:
        raise SignInRefused(locked)
    ceiling, window = settings.RATE_SIGN_IN_PER_ACCOUNT
    guessed = throttle_reached(_account_key(name), limit=ceiling, window_seconds=window)
    account = User.objects.filter(email__iexact=name).first()
    login_name = account.get_username() if account is not None else username.strip()
    if guessed and not (account is not None and _known_network(account, request)):
        # Guessed at from many addresses: only the networks the owner signed in from before
        # still get their password checked, so the guessing cannot lock the owner out.
        raise SignInRefused()
    user = authenticate(request, username=login_name, password=password)
    if isinstance(user, User) and user.is_active:
        SignInThrottle.objects.filter(key=key).update(failures=0, locked_until=None)
        return user
    with transaction.atomic():
        row, _ = SignInThrottle.objects.select_for_update().get_or_create(key=key)
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= FREE_FAILURES:
            lock = min(FIRST_LOCK * 2 ** min(row.failures - FREE_FAILURES, 20), LONGEST_LOCK)
            row.locked_until = now + lock
        row.save()
    throttle_hit(_account_key(name), limit=ceiling, window_seconds=window)
    if row.locked_until is not None and row.locked_until > now:
        raise SignInRefused(row.locked_until)
    return None


def totp_new_secret(user: User) -> str:
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return user.totp_secret


def totp_uri(user: User) -> str:
    return str(pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER))


def totp_verify(user: User, code: str, at: float | None = None) -> bool:
    """Accept a six-digit code of the current 30-second step (or the one before or after), once."""
    code = "".join(code.split())
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    at = time.time() if at is None else at
    totp = pyotp.TOTP(user.totp_secret)
    step = int(at // totp.interval)
    for candidate in (step - 1, step, step + 1):
        if candidate <= user.totp_last_step:
            continue
        if totp.at(candidate * totp.interval) == code:
            updated = User.objects.filter(pk=user.pk, totp_last_step__lt=candidate).update(
                totp_last_step=candidate
            )
            if not updated:
                return False  # the same code used twice at once
            user.totp_last_step = candidate
            return True
    return False


def totp_check(*, user: User, code: str, ip: str, at: float | None = None) -> bool:
    """Whether `code` is the user's current code, at the sign-in step; counts the codes tried.

    Codes are counted per (user, IP address), not per session (a new sign-in gives a new
    session, not a new address), and per user from everywhere with a much higher ceiling:
    codes tried from one address do not stop the right code from another. Each try is counted
    before the code is checked (atomically: codes sent all at once are counted too), and a try
    refused from one address is not counted for the user. Raises SignInRefused, without
    checking the code, once either limit is reached.
    """
    per_address, address_window = settings.RATE_CODE_PER_ADDRESS
    per_account, account_window = settings.RATE_CODE_PER_ACCOUNT
    if not throttle_hit(
        f"code:user:{user.pk}:ip:{ip}", limit=per_address, window_seconds=address_window
    ) or not throttle_hit(f"code:user:{user.pk}", limit=per_account, window_seconds=account_window):
        raise SignInRefused()
    return totp_verify(user, code, at)


def totp_confirm(user: User, code: str) -> bool:
    if totp_verify(user, code):
        with transaction.atomic():
            user.totp_confirmed_at = timezone.now()
            user.save(update_fields=["totp_confirmed_at"])
            audit_log(action=Action.USER_TWO_FACTOR_ON, target=user, actor=user)
        return True
    return False


@transaction.atomic
def user_two_factor_off(*, user: User) -> None:
    """Turn two-factor sign-in off for a national account (the Secretariat must keep it)."""
    if user.two_factor_required:
        raise ValueError("Secretariat accounts must keep two-factor sign-in")
    user.totp_secret, user.totp_confirmed_at = "", None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    audit_log(action=Action.USER_TWO_FACTOR_OFF, target=user, actor=user)


def _known_network(user: User, request: HttpRequest) -> bool:
    """Whether the account signed in from this client's network in the last 90 days."""
    from codemonitor.core.models import AuditEntry

    network = client_network(client_ip(request))
    return bool(network) and (
        AuditEntry.objects.filter(
            action=Action.USER_SIGNED_IN,
            actor=user,
            data__network=network,
            at__gte=timezone.now() - dt.timedelta(days=90),
        ).exists()
    )


def client_network(ip: str) -> str:
    """The network an address belongs to (/24 for IPv4, /48 for IPv6): enough to see where
    sign-ins come from, without keeping the address of a person."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def password_link(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url + reverse("accounts:password_reset_confirm", args=[uid, token])


def password_reset_request(*, email: str, protocol: str, domain: str, language: str) -> None:
    """Ask the worker to email a link to choose a new password to the account of `email`.

    The request does not look the address up: it queues the same task for any address, and
    the worker sends only if an account has it. A request for a registered address therefore
    takes the time and does the database work of one for an unknown address, and neither the
    answer nor its timing says whether an account exists.
    """
    address = email.strip()
    transaction.on_commit(
        lambda: password_reset_deliver.enqueue(address, protocol, domain, language)
    )


@task()
def password_reset_deliver(email: str, protocol: str, domain: str, language: str) -> int:
    """Email the link to choose a new password to each active account of `email` that has a
    password (Django's choice of accounts and its token); returns how many were sent."""
    sent = 0
    for user in PasswordResetForm().get_users(email):
        if not isinstance(user, User):
            continue
        mail_send(
            to=[user.email],
            template="password_reset",
            language=language,
            context={
                "email": user.email,
                "domain": domain,
                "site_name": domain,
                "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                "user": user,
                "token": default_token_generator.make_token(user),
                "protocol": protocol,
            },
        )
        audit_log(action=Action.USER_PASSWORD_RESET_SENT, target=user, actor_label="system")
        sent += 1
    return sent


class InviteRefused(ValueError):
    """The address belongs to someone whose role the invitation may not change."""


@transaction.atomic
def user_invite(
    *,
    email: str,
    role: Role,
    member_state_id: str | None,
    invited_by: User | None,
    base_url: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "en",
    template: str = "invitation",
    context: dict[str, object] | None = None,
) -> User:
    """Create (or give a role to) an account and email it a link to choose a password."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if (
        user is not None
        and user.role
        and (user.role != role or user.member_state_id != member_state_id)
    ):
        raise InviteRefused(email)
    if user is None:
        user = User(
            username=email,
            email=email,
            first_name=first_name,
            last_name=last_name,
            language=language,
        )
        user.set_unusable_password()
    user.role = role
    user.member_state_id = member_state_id
    user.is_active = True
    user.save()
    audit_log(
        action=Action.USER_INVITED,
        target=user,
        actor=invited_by,
        actor_label="system",  # when nobody invited (bootstrap)
        data={"role": str(role), "country": member_state_id or ""},
    )
    link = password_link(user, base_url)
    mail_queue(
        to=[email],
        template=template,
        language=user.language,
        context={"user": user, "link": link, "invited_by": invited_by, **(context or {})},
    )
    return user


@transaction.atomic
def contributor_remove(*, focal_point: User, person: User) -> None:
    """A focal point removes a contributor of the same country: the account can no longer sign
    in (it is kept, deactivated, so that its changes stay attributed)."""
    if not (
        focal_point.is_focal_point
        and person.role == Role.CONTRIBUTOR
        and person.member_state_id == focal_point.member_state_id
    ):
        raise PermissionError("only the focal point of the same country removes a contributor")
    person.is_active = False
    person.save(update_fields=["is_active"])
    audit_log(
        action=Action.COUNTRY_CONTRIBUTOR_REMOVED,
        target=person,
        actor=focal_point,
        data={"country": person.member_state_id},
    )


# -- personal tokens of the read API ------------------------------------------------------------

# A token: this prefix (so that a token pasted where it should not be is recognised) and 32
# random bytes; tokens a person holds that are not revoked, at most.
API_TOKEN_PREFIX = "cm_"  # noqa: S105 (a prefix, not a secret)
API_TOKENS_PER_USER = 10
# How often the moment a token was last used is written (not on every request).
API_TOKEN_USE_STEP = dt.timedelta(minutes=1)


class ApiTokenRefused(ValueError):
    """The token cannot be made: no name, or too many tokens already."""


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it with the token itself, which exists in clear only
    now (the caller shows it once). Audited without the name (free text) or the token."""
    name = " ".join(name.split())[:100]
    if not name:
        raise ApiTokenRefused("a token needs a name")
    # The user's row locked: two requests at once cannot both pass the count.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= API_TOKENS_PER_USER:
        raise ApiTokenRefused("too many tokens")
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, digest=api_token_digest(secret))
    audit_log(action=Action.USER_API_TOKEN_CREATED, target=token, actor=user)
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens (LookupError for any other id, or one revoked)."""
    token = (
        ApiToken.objects.select_for_update()
        .filter(pk=token_id, user=user, revoked_at__isnull=True)
        .first()
    )
    if token is None:
        raise LookupError(token_id)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log(action=Action.USER_API_TOKEN_REVOKED, target=token, actor=user)
    return token


def api_token_used(token: ApiToken, *, now: dt.datetime | None = None) -> None:
    """Note that a token was used (at most once a minute: a script's every request would
    otherwise write)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= API_TOKEN_USE_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
