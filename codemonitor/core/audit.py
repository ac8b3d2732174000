"""The audit log: every change on the platform is one `AuditEntry`, written by `audit_log`.

The action codes are listed here and nowhere else (dotted, `<object>.<what happened>`), so a
reader of the log, a filter in the back office or a later export knows every code there can be.
`audit_log` refuses a code that is not listed.

Personal data (the answers to `personal_data` questions, email addresses, telephone numbers)
never goes into an entry: an entry says *that* such a value changed, with a keyed digest that
tells two values apart without revealing either (`personal_digest`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from codemonitor.core.models import AuditEntry

# Where an entry keeps the key of a target whose primary key is text.
TEXT_KEY = "target_key"


class Action(StrEnum):
    # Reports: their life, their answers, their documents.
    REPORT_STARTED = "report.started"
    REPORT_LINK_SENT = "report.link.sent"
    REPORT_EMAIL_CONFIRMED = "report.email.confirmed"
    REPORT_LANGUAGE_CHANGED = "report.language.changed"
    REPORT_ANSWER_CHANGED = "report.answer.changed"
    REPORT_ANSWER_REMOVED = "report.answer.removed"
    REPORT_DOCUMENT_ADDED = "report.document.added"
    REPORT_DOCUMENT_REMOVED = "report.document.removed"
    REPORT_SUBMITTED = "report.submitted"
    REPORT_RESUBMITTED = "report.resubmitted"
    REPORT_RECEIPT_SENT = "report.receipt.sent"
    REPORT_RECEIPT_FAILED = "report.receipt.failed"
    REPORT_REVIEW_STARTED = "report.review_started"
    REPORT_RETURNED = "report.returned"
    REPORT_VALIDATED = "report.validated"
    REPORT_REOPENED = "report.reopened"
    # Rounds.
    ROUND_NATIONAL_OPENED = "round.national.opened"
    # Publication after the embargo.
    ROUND_PUBLICATION_CHANGED = "round.publication.changed"
    ROUND_PUBLISHED = "round.published"
    REPORT_WITHHELD = "report.publication.withheld"
    REPORT_RELEASED = "report.publication.released"
    ROUND_DATA_EXPORTED = "round.data.exported"
    # Instruments.
    INSTRUMENT_VERSION_STORED = "instrument.version.stored"
    INSTRUMENT_VERSION_REPLACED = "instrument.version.replaced"
    # The register of designated national authorities.
    REGISTER_AUTHORITY_CHANGED = "register.authority.changed"
    REGISTER_AUTHORITY_PROPOSED = "register.authority.proposed"
    REGISTER_PROPOSAL_ACCEPTED = "register.proposal.accepted"
    REGISTER_PROPOSAL_DECLINED = "register.proposal.declined"
    # The database of laws and regulations.
    LAW_CREATED = "register.law.created"
    LAW_CHANGED = "register.law.changed"
    LAW_REMOVED = "register.law.removed"
    LAW_VALIDATED = "register.law.validated"
    LAW_RETURNED = "register.law.returned"
    LAWS_IMPORTED = "register.laws.imported"
    # The record of authorised recruiters.
    RECRUITER_CREATED = "register.recruiter.created"
    RECRUITER_CHANGED = "register.recruiter.changed"
    RECRUITER_REMOVED = "register.recruiter.removed"
    RECRUITER_VALIDATED = "register.recruiter.validated"
    RECRUITER_RETURNED = "register.recruiter.returned"
    RECRUITERS_IMPORTED = "register.recruiters.imported"
    # Health personnel migration statistics.
    STATISTICS_IMPORTED = "workforce.statistics.imported"
    STATISTICS_FROM_REPORT = "workforce.statistics.from_report"
    # The analysis of a round: its codebook and the coding of passages of answers.
    ANALYSIS_CODE_CREATED = "analysis.code.created"
    ANALYSIS_CODE_CHANGED = "analysis.code.changed"
    ANALYSIS_CODE_REMOVED = "analysis.code.removed"
    ANALYSIS_CODING_ADDED = "analysis.coding.added"
    ANALYSIS_CODING_CHANGED = "analysis.coding.changed"
    ANALYSIS_CODING_REMOVED = "analysis.coding.removed"
    ANALYSIS_REPORT_GENERATED = "analysis.report.generated"
    # Reference data.
    REFERENCE_SAFEGUARDS_LOADED = "reference.safeguards.loaded"
    # Accounts and the people of a country.
    USER_SIGNED_IN = "user.signed_in"
    USER_INVITED = "user.invited"
    USER_TWO_FACTOR_ON = "user.two_factor.on"
    USER_TWO_FACTOR_OFF = "user.two_factor.off"
    USER_PASSWORD_SET = "user.password.set"  # noqa: S105 (an action code, not a password)
    USER_PASSWORD_RESET_SENT = "user.password.reset_sent"  # noqa: S105 (an action code)
    USER_API_TOKEN_CREATED = "user.api_token.created"  # noqa: S105 (an action code)
    USER_API_TOKEN_REVOKED = "user.api_token.revoked"  # noqa: S105 (an action code)
    COUNTRY_CONTRIBUTOR_INVITED = "country.contributor.invited"
    COUNTRY_CONTRIBUTOR_REMOVED = "country.contributor.removed"
    # The Django admin (reference data, accounts): which object, which fields, never the values.
    ADMIN_OBJECT_ADDED = "admin.object.added"
    ADMIN_OBJECT_CHANGED = "admin.object.changed"
    ADMIN_OBJECT_DELETED = "admin.object.deleted"


def personal_digest(value: Any) -> str:
    """A keyed fingerprint of a personal value: equal values match, nothing can be read back.

    Keyed with the secret key, so a list of likely names or addresses cannot be tried against it.
    """
    if value is None or value == "" or value == []:
        return ""
    text = json.dumps(value, sort_keys=True, default=str)
    return salted_hmac("codemonitor.audit.personal", text).hexdigest()[:20]


def audit_log(
    *,
    action: Action | str,
    actor: AbstractBaseUser | None = None,
    actor_label: str | None = None,
    target: models.Model | None = None,
    data: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Write one audit entry (in the caller's transaction, so it stands or falls with the change).

    `actor_label` says who acted when there is no account (a respondent, the system). When an
    account acted, the entry points to it and keeps no copy of its name (a name or an address is
    personal data; accounts are deactivated, never deleted, so the pointer stays).
    """
    code = Action(action)  # an unlisted code is a programming error: ValueError
    if actor is not None or actor_label is None:
        actor_label = ""
    entry_data = dict(data or {})
    target_id = None
    if target is not None:
        if isinstance(target.pk, int):
            target_id = target.pk
        else:  # a text key (a Member State's ISO code): kept in the data, found by audit_trail
            entry_data[TEXT_KEY] = str(target.pk)
    return AuditEntry.objects.create(
        action=code.value,
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor_label[:200],
        at=at or timezone.now(),
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target_id,
        data=entry_data,
    )


def audit_trail(target: models.Model) -> models.QuerySet[AuditEntry]:
    """Every entry about one object, oldest first."""
    entries = AuditEntry.objects.filter(target_type=ContentType.objects.get_for_model(target))
    if isinstance(target.pk, int):
        entries = entries.filter(target_id=target.pk)
    else:
        entries = entries.filter(target_id__isnull=True, **{f"data__{TEXT_KEY}": str(target.pk)})
    return entries.select_related("actor")
