"""Who may read the analysis: the one place that decides it.

The Secretariat (administrators and analysts) reads every country's figures; a national user
reads only their own country's, until publication opens the figures to everyone (a later step).
Nobody else reads anything: 404. Reading the analysis changes nothing of a report; coding
passages (`coding.py`) is the Secretariat's alone.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from codemonitor.accounts.access import national_user, secretariat_user
from codemonitor.accounts.models import User


def analysis_scope(request: HttpRequest) -> str:
    """ "" for the Secretariat (every country); the ISO3 code of a national user's country;
    404 for anyone else."""
    if secretariat_user(request) is not None:
        return ""
    user = national_user(request)
    if user is not None and user.member_state_id:
        return str(user.member_state_id)
    raise Http404


def analyst(request: HttpRequest) -> User:
    """The Secretariat member who codes passages and keeps the codebook, else 404."""
    user = secretariat_user(request)
    if user is None:
        raise Http404
    return user
