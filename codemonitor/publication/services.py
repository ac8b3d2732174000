"""Deciding what is published and when: the round's publication moment and the reports the
Secretariat withholds. Every change is audited (who, before and after, why); none of it sends
anything — telling people is the publication task's (`publication.notices`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.text import text_plain
from codemonitor.publication.opendata import Scope
from codemonitor.reporting.models import Report, Round
from codemonitor.reporting.selectors import GENEVA

REASON_LIMIT = 500


class PublicationRefused(ValueError):
    """A publication change that cannot be made, with the reason in words."""


def _shown(when: dt.datetime | None) -> str:
    return timezone.localtime(when, GENEVA).strftime("%Y-%m-%d %H:%M") if when else "—"


def round_publication_set(*, round_: Round, publishes_at: dt.datetime | None, user: User) -> Round:
    """Set (or clear: None) the moment a round becomes public. It must be after the last
    deadline of the round's instruments: nothing is published before reporting has closed."""
    if publishes_at is not None and timezone.is_naive(publishes_at):
        publishes_at = timezone.make_aware(publishes_at, GENEVA)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        closes = locked.instruments.aggregate(last=Max("closes_at"))["last"]
        if publishes_at is not None and closes is not None and publishes_at <= closes:
            raise PublicationRefused(
                _(
                    "The round cannot be public before its last deadline (%(deadline)s, Geneva "
                    "time): choose a later moment."
                )
                % {"deadline": _shown(closes)}
            )
        before = locked.publishes_at
        if before == publishes_at:
            return locked
        locked.publishes_at = publishes_at
        locked.save(update_fields=["publishes_at"])
        audit_log(
            action=Action.ROUND_PUBLICATION_CHANGED,
            actor=user,
            target=locked,
            data={
                "round": locked.number,
                "before": before.isoformat() if before else None,
                "after": publishes_at.isoformat() if publishes_at else None,
                "already_public": locked.published_at is not None,
            },
        )
    round_.publishes_at = locked.publishes_at
    return locked


def report_withhold(*, report: Report, reason: str, user: User) -> Report:
    """Keep a report out of its round's publication (it stays in the analysis), with the
    Secretariat's reason (kept in the audit log, never published)."""
    cleaned = text_plain(reason, limit=REASON_LIMIT)
    if not cleaned:
        raise PublicationRefused(_("Say why the report is withheld from publication."))
    return _set_withheld(report, True, user, reason=cleaned)


def report_release(*, report: Report, user: User) -> Report:
    """Put a withheld report back into its round's publication."""
    return _set_withheld(report, False, user)


def _set_withheld(report: Report, withheld: bool, user: User, *, reason: str = "") -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.withheld == withheld:
            return locked
        locked.withheld = withheld
        locked.save(update_fields=["withheld"])
        data: dict[str, object] = {"round": locked.round_instrument.round.number}
        if reason:
            data["reason"] = reason
        audit_log(
            action=Action.REPORT_WITHHELD if withheld else Action.REPORT_RELEASED,
            actor=user,
            target=locked,
            data=data,
        )
    report.withheld = withheld
    return locked


# The formats of a round's data the Secretariat downloads (publication.files writes them).
EXPORT_FORMATS = ("zip", "xlsx", "json")


def round_data_export(
    *, round_: Round, user: User | None, personal: bool, file_format: str, actor_label: str = ""
) -> Scope:
    """The Secretariat's download of a round's data whatever its publication date (the reports
    the publication shows), with the personal answers and contacts only on its explicit
    choice. Every such download is audited: who, which round, which format, whether personal
    data were in it. Returns the scope to write the files with."""
    if file_format not in EXPORT_FORMATS:
        raise PublicationRefused(_("Choose a format among: %s.") % ", ".join(EXPORT_FORMATS))
    if user is not None and not user.is_secretariat:
        raise PublicationRefused(_("Only the Secretariat downloads a round's archive."))
    audit_log(
        action=Action.ROUND_DATA_EXPORTED,
        actor=user,
        actor_label=actor_label or None,
        target=round_,
        data={"format": file_format, "personal": bool(personal), "round": round_.number},
    )
    return Scope(embargo=False, personal=bool(personal))
