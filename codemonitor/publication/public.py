"""What everyone may see of a round: the embargo, in one place for every audience.

The public portal, the API, the open data and the sitemap read rounds, reports and answers only
through this module; nothing else decides what is public, and every read asks again (a page
hiding a link is never the check):

- **a round** is public from its `publishes_at` on — a moment the Secretariat sets in Geneva time,
  after the Health Assembly — never before, never without one; a demonstration round never
  (synthetic reports of real Member States), unless the installation publishes them for trying
  the portal (`PUBLISH_DEMO_ROUNDS`) (`round_public`, `public_rounds`);
- **its reports**, then, are the validated national reports and the stakeholder reports that were
  submitted (in review or validated since), synthetic ones only in the demonstration round, less
  those the Secretariat withheld (`public_reports`, `report_public`, `public_report`);
- **a report's name**: the country's; a stakeholder's entity only where it agreed (`public_name`);
- **its answers** never include personal data: the `personal_data` answers are stored apart and
  never read here, and the report fields that name a person or an address (the contact email;
  the entity's name without its consent) are left out (`public_answers`, `public_pages`).

Every function takes `now` (default: the present) so that tests move the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from codemonitor.instruments.engine import AnswerKey, AnswerValue, Evaluation
from codemonitor.instruments.schema import Form
from codemonitor.registers.models import NationalAuthority
from codemonitor.reporting.models import Answer, Report, Round, RoundInstrument
from codemonitor.reporting.presenter import ReportPages
from codemonitor.reporting.selectors import (
    GENEVA,
    public_entity_name,
    public_reports_filter,
    public_rounds_filter,
    reports_counting,
    round_is_public,
)

# Report fields (`report_field` in the XLSForm) never published: they name a person or an address.
PRIVATE_REPORT_FIELDS = frozenset({"contact_email"})


class NotPublic(LookupError):
    """Asked for something that is not public (or does not exist: the two are never told apart)."""


def round_public(round_: Round, *, now: dt.datetime | None = None) -> bool:
    return round_is_public(round_, now=now)


def public_rounds(*, now: dt.datetime | None = None) -> QuerySet[Round]:
    """The rounds public at `now`, newest first."""
    return Round.objects.filter(public_rounds_filter(now)).order_by("-number")


def public_round(number: int, *, now: dt.datetime | None = None) -> Round:
    found = public_rounds(now=now).filter(number=number).first()
    if found is None:
        raise NotPublic(number)
    return found


def public_reports(
    round_instrument: RoundInstrument, *, now: dt.datetime | None = None
) -> QuerySet[Report]:
    """A round instrument's published reports (none before its round is public)."""
    return reports_counting(round_instrument, public=True, now=now)


def all_public_reports(*, now: dt.datetime | None = None) -> QuerySet[Report]:
    """Every published report of every round."""
    return Report.objects.filter(public_reports_filter(now))


def report_public(report: Report, *, now: dt.datetime | None = None) -> bool:
    return all_public_reports(now=now).filter(pk=report.pk).exists()


def public_report(pk: int | str, *, now: dt.datetime | None = None) -> Report:
    """A published report by its id; NotPublic for any other id, whether it exists or not."""
    try:
        number = int(str(pk))
    except ValueError:
        raise NotPublic(pk) from None
    found = (
        all_public_reports(now=now)
        .select_related("round_instrument__round", "member_state", "instrument_version__instrument")
        .filter(pk=number)
        .first()
    )
    if found is None:
        raise NotPublic(pk)
    return found


def public_name(report: Report) -> str:
    return public_entity_name(report)


def left_out_questions(report: Report) -> frozenset[str]:
    """The questions of a report's form that publication never shows: personal ones, the private
    report fields, the entity's name without its consent, and documents (their names may name
    a person or the entity; documents are published on their own, not through the answers)."""
    form = report.instrument_version.form
    left_out = set(form_left_out(form))
    if not report.publish_entity_name:
        left_out |= entity_questions(form)
    return frozenset(left_out)


def entity_questions(form: Form) -> frozenset[str]:
    """What names or describes a reporting entity, left out where it did not agree to be
    named: the question holding its name (`report_field` entity_name) and the free-text
    questions beside it, in the same group (its website, its description of itself, …).
    Choice questions there (its category, the countries it concerns) stay: they name no one
    and the analysis counts them."""
    name = form.report_fields().get("entity_name", "")
    if not name:
        return frozenset()
    parent = form.parents().get(name)
    siblings = parent.children if parent is not None else []
    return frozenset({name} | {q.name for q in siblings if q.kind == "text"})


def form_left_out(form: Form) -> frozenset[str]:
    """The questions of a form that publication never shows, whatever the report: personal
    ones, the private report fields and documents (the entity's name is left out too where
    the entity did not agree: `left_out_questions`)."""
    fields = form.report_fields()
    left_out = {name for key, name in fields.items() if key in PRIVATE_REPORT_FIELDS}
    left_out |= {
        name
        for name, question in form.questions().items()
        if question.personal or question.kind == "file"
    }
    return frozenset(left_out)


def public_answers(
    report: Report, *, left_out: frozenset[str] | None = None
) -> dict[AnswerKey, AnswerValue]:
    """The answers of a report that publication may show (`left_out_questions` never). The
    caller checks that the report is public (`public_report`)."""
    if left_out is None:
        left_out = left_out_questions(report)
    stored = {
        (question, row): value
        for question, row, value in Answer.objects.filter(report=report).values_list(
            "question", "row", "value"
        )
        if question not in left_out
    }
    hidden = rule_hidden(report.instrument_version.form, stored)
    return {key: value for key, value in stored.items() if key not in hidden}


def rule_hidden(form: Form, answers: Mapping[AnswerKey, AnswerValue]) -> set[AnswerKey]:
    """The answers (of a report's public answers) that the form's rules hide: a stale answer
    to a question that no longer applies is not shown on the report's pages, nor anywhere
    else (the API's answers, the open data, the search read the same rule)."""
    if not any(question.relevant for question in form.walk()):
        return set()
    evaluation = Evaluation(form, dict(answers))
    questions = form.questions()
    return {
        (question, row)
        for question, row in answers
        if question in questions and not evaluation.relevant(question, row)
    }


def public_pages(report: Report, *, language: str | None = None) -> ReportPages:
    """The report drawn for everyone: its public answers only, the form's rules applied, the
    questions left out not drawn at all."""
    left_out = left_out_questions(report)
    answers: Mapping[AnswerKey, AnswerValue] = public_answers(report, left_out=left_out)
    return ReportPages(report, language=language, answers=answers, leave_out=left_out)


def publication_notice(round_: Round, *, now: dt.datetime | None = None) -> str:
    """What the people of a round see of its publication: when it becomes public, or since
    when it is, or that it has no date yet (Geneva time)."""
    if round_.publishes_at is None:
        return _("Not public: the Secretariat has set no publication date for this round yet.")
    when = formats.date_format(timezone.localtime(round_.publishes_at, GENEVA), "j F Y, H:i")
    if round_is_public(round_, now=now):
        return _("Public since %(when)s (Geneva time).") % {"when": when}
    return _("Public on %(when)s (Geneva time); nothing of it is public before.") % {"when": when}


# -- the register of designated national authorities (Code Art. 7.4: published by WHO) ---------

# What of a register entry is public: the authority and its official contact, never a person's
# details (the entry's postal address and telephone are left to the Secretariat's pages).
PUBLIC_AUTHORITY_FIELDS = ("name", "institution", "website", "email", "designated_on")


def public_authority(iso3: str) -> dict[str, object] | None:
    """A Member State's designated national authority as the public register shows it."""
    found = (
        NationalAuthority.objects.filter(member_state_id=iso3)
        .values(*PUBLIC_AUTHORITY_FIELDS)
        .first()
    )
    return dict(found) if found else None


def public_country_reports(iso3: str, *, now: dt.datetime | None = None) -> QuerySet[Report]:
    """A Member State's published national reports, newest round first."""
    return (
        all_public_reports(now=now)
        .filter(member_state_id=iso3)
        .select_related("round_instrument__round", "instrument_version__instrument")
        .order_by("-round_instrument__round__number")
    )
