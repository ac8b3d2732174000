"""Who may read and change a country's register entries (laws, recruiters, their imports): the
one place that decides it, for every audience.

- A national user (focal point or contributor) reads and changes their own Member State's
  entries, as for reports; never another country's (404, as if it did not exist).
- The Secretariat reads every country's entries; its administrators change and validate them,
  its analysts only read.
- Everyone else: 404. What the public sees of the registers is decided by the read side
  (`registers.selectors`), not here.
"""

from __future__ import annotations

from django.db.models import Model
from django.http import Http404, HttpRequest

from codemonitor.accounts.access import national_user, secretariat_user
from codemonitor.accounts.models import User
from codemonitor.reference.models import MemberState


def register_reader(request: HttpRequest, member_state_id: str) -> User:
    """The signed-in person if they may read this country's entries, else 404."""
    user = national_user(request)
    if user is not None and user.member_state_id == member_state_id:
        return user
    user = secretariat_user(request)
    if user is not None:
        return user
    raise Http404


def register_writer(request: HttpRequest, member_state_id: str) -> User:
    """The signed-in person if they may change this country's entries, else 404."""
    user = national_user(request)
    if user is not None and user.member_state_id == member_state_id:
        return user
    user = secretariat_user(request)
    if user is not None and user.is_secretariat_admin:
        return user
    raise Http404


def register_validator(request: HttpRequest) -> User:
    """A Secretariat administrator (the only people who validate entries), else 404."""
    user = secretariat_user(request)
    if user is None or not user.is_secretariat_admin:
        raise Http404
    return user


def writable_country(request: HttpRequest, iso3: str) -> tuple[MemberState, User]:
    """The Member State named in a URL, and the person who may change its entries, or 404."""
    code = str(iso3).upper()
    if not (code.isascii() and code.isalpha() and len(code) == 3):
        raise Http404  # never a query with a NUL byte (a server error on PostgreSQL)
    state = MemberState.objects.filter(pk=code).first()
    if state is None:
        raise Http404
    return state, register_writer(request, state.pk)


def entry_for(
    request: HttpRequest, model: type[Model], entry_id: object, *, write: bool = False
) -> tuple[Model, User]:
    """A register entry by its id, if this request may read it (with `write`: change it)."""
    try:
        pk = int(str(entry_id))
    except ValueError:
        raise Http404 from None
    entry = model._default_manager.filter(pk=pk).select_related("member_state").first()
    if entry is None:
        raise Http404
    country: str = entry.member_state_id  # type: ignore[attr-defined]
    user = register_writer(request, country) if write else register_reader(request, country)
    return entry, user
