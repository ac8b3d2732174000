"""Who asks the read API, and how often they may.

Without an `Authorization` header the asker is anonymous and reads what is published. With
`Authorization: Bearer <token>` (a personal token made on the account page) the asker is the
token's owner; a token that is wrong, revoked or of a deactivated account is refused with a 401,
never read as anonymous. Who the owner is and whether the token stands is decided by
`accounts.access.api_token_holder`, the one place that decides who is signed in.

Rate limits (`core.throttle`, counted alike by every worker and machine): requests without a
token per client address (`client_key`: an IPv4 address or an IPv6 /64, from the trusted proxy
hops only, so X-Forwarded-For cannot choose it), requests with a token per token; a refused
token counts against its address, so guessing tokens is slowed down like anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from codemonitor.accounts.access import api_token_holder
from codemonitor.accounts.models import User
from codemonitor.accounts.services import api_token_used
from codemonitor.api.errors import ApiError
from codemonitor.core.throttle import client_key, throttle_hit


@dataclass(frozen=True)
class Reader:
    """The asker: anonymous (`user` None), or the owner of the token `token_id`."""

    user: User | None = None
    token_id: int | None = None

    @property
    def secretariat(self) -> bool:
        return self.user is not None and self.user.is_secretariat

    @property
    def country(self) -> str | None:
        """A national user's Member State (ISO3): they read its reports as their pages do."""
        if self.user is not None and self.user.is_national:
            return str(self.user.member_state_id)
        return None

    @property
    def anonymous(self) -> bool:
        return not self.secretariat and self.country is None


ANONYMOUS = Reader()


def _throttled(key: str, limit: int, window: int) -> None:
    if not throttle_hit(key, limit=limit, window_seconds=window):
        now = int(timezone.now().timestamp())
        wait = window - now % window or window
        raise ApiError(
            429,
            _("Too many requests: wait %(seconds)s seconds before you send more.")
            % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )


def _unauthorised(text: str) -> ApiError:
    return ApiError(401, text, headers={"WWW-Authenticate": 'Bearer realm="api"'})


class TokenOrAnonymous(HttpBearer):
    """Identify the asker and count the request (ninja calls this before every operation)."""

    def __call__(self, request: HttpRequest) -> Reader:
        header = request.headers.get("Authorization", "")
        if not header:
            limit, window = settings.RATE_API_PER_IP
            _throttled(f"api:ip:{client_key(request)}", limit, window)
            return ANONYMOUS
        scheme, _space, token = header.partition(" ")
        holder = api_token_holder(token.strip()) if scheme.lower() == "bearer" else None
        if holder is None:
            limit, window = settings.RATE_API_PER_IP
            _throttled(f"api:ip:{client_key(request)}", limit, window)
            if scheme.lower() != "bearer":
                raise _unauthorised(
                    _("Send a personal token as “Authorization: Bearer <token>”, or nothing.")
                )
            raise _unauthorised(_("This token is not valid: it is wrong, or it was revoked."))
        limit, window = settings.RATE_API_PER_TOKEN
        _throttled(f"api:token:{holder.pk}", limit, window)
        api_token_used(holder)
        return Reader(user=holder.user, token_id=holder.pk)

    def authenticate(self, request: HttpRequest, token: str) -> Reader | None:
        # Never called: `__call__` reads the header itself (a missing one is anonymous).
        return None


def reader_of(request: HttpRequest) -> Reader:
    """The asker of a request the API let in (set by `TokenOrAnonymous`)."""
    found = getattr(request, "auth", None)
    return found if isinstance(found, Reader) else ANONYMOUS
