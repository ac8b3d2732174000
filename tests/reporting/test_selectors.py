"""The read side: which reports count, what is public, answers as a tidy table, counts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from codemonitor.instruments.models import Instrument
from codemonitor.instruments.services import instrument_version_upload
from codemonitor.reporting.answers import answer_save
from codemonitor.reporting.models import Report, Round, RoundInstrument
from codemonitor.reporting.selectors import (
    answers_count_by,
    answers_table,
    countries_by_region,
    countries_by_safeguards,
    public_entity_name,
    report_state_counts,
    reports_counting,
    round_is_public,
)
from tests.builders import xlsform

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")
State = Report.State

HEADER = ["type", "name", "label::English (en)", "relevant", "personal_data"]
SURVEY = [
    ["select_one yn", "has_staff", "Any staff?"],
    ["select_multiple topics", "topics", "Topics"],
    ["text", "why_not", "Why not?", "${has_staff} = 'no'"],
    ["text", "contact", "Contact", "", "yes"],
    ["begin_repeat", "staff", "Staff", "${has_staff} = 'yes'"],
    ["integer", "years", "Years"],
    ["end_repeat", "", ""],
    ["begin_repeat", "other", "Other"],
    ["text", "other_name", "Name"],
    ["end_repeat", "", ""],
]
CHOICES = [
    ["list_name", "name", "label::English (en)"],
    ["yn", "yes", "Yes"],
    ["yn", "no", "No"],
    ["topics", "pay", "Pay"],
    ["topics", "ethics", "Ethics"],
]


def make_round(
    number: int, kind: str, *, closes: dt.datetime, published: dt.datetime | None = None
):
    form_id = "nri" if kind == Instrument.Kind.NATIONAL else "isri"
    data = xlsform(
        SURVEY, CHOICES, [["form_id", "version"], [form_id, f"t{number}"]], survey_header=HEADER
    )
    version = instrument_version_upload(data=data, filename=f"{form_id}.xlsx").version
    round_ = Round.objects.create(
        number=number, year=closes.year, title=f"Round {number}", publishes_at=published
    )
    return RoundInstrument.objects.create(
        round=round_,
        instrument_version=version,
        opens_at=closes - dt.timedelta(days=90),
        closes_at=closes,
    )


def report(use, sequence, state, *, country=None, demo=False, name="", consent=False):
    return Report.objects.create(
        round_instrument=use,
        instrument_version=use.instrument_version,
        sequence=sequence,
        state=state,
        member_state_id=country,
        is_demo=demo,
        entity_name=name,
        publish_entity_name=consent,
    )


DEADLINE_2024 = dt.datetime(2024, 8, 31, 23, 59, tzinfo=GENEVA)


def test_submitted_reports_count_and_synthetic_ones_only_in_the_demo_round(reference) -> None:
    use = make_round(61, Instrument.Kind.NATIONAL, closes=DEADLINE_2024)
    counted = [
        report(use, 1, State.SUBMITTED, country="GHA"),
        report(use, 2, State.IN_REVIEW, country="FRA"),
        report(use, 3, State.VALIDATED, country="IDN"),
    ]
    report(use, 4, State.DRAFT, country="KEN")
    never_submitted = report(use, 5, State.RETURNED, country="PHL")
    returned = report(use, 7, State.RETURNED, country="NPL")
    returned.submitted_at = DEADLINE_2024
    returned.save()
    counted.append(returned)
    report(use, 6, State.VALIDATED, country="IND", demo=True)
    assert set(reports_counting(use)) == set(counted)
    assert never_submitted not in reports_counting(use)
    assert report_state_counts(use) == {
        "submitted": 1,
        "in_review": 1,
        "validated": 1,
        "draft": 1,
        "returned": 2,
    }
    use.round.is_demo = True
    use.round.save()
    assert reports_counting(use).count() == 5
    assert report_state_counts(use)["validated"] == 2


def test_nothing_is_public_before_the_publication_moment_in_geneva(reference) -> None:
    public_from = dt.datetime(2025, 5, 27, 0, 0, tzinfo=GENEVA)
    use = make_round(62, Instrument.Kind.NATIONAL, closes=DEADLINE_2024, published=public_from)
    validated = report(use, 1, State.VALIDATED, country="GHA")
    report(use, 2, State.SUBMITTED, country="FRA")
    # Midnight in Geneva is 22:00 UTC the day before: a minute before it nothing is public.
    before = public_from - dt.timedelta(minutes=1)
    after = dt.datetime(2025, 5, 26, 22, 30, tzinfo=dt.UTC)
    assert not round_is_public(use.round, now=before)
    assert list(reports_counting(use, public=True, now=before)) == []
    assert round_is_public(use.round, now=after)
    assert list(reports_counting(use, public=True, now=after)) == [validated]
    use.round.publishes_at = None
    use.round.save()
    assert list(reports_counting(use, public=True, now=after)) == []


def test_public_stakeholder_reports_show_the_name_only_with_consent(reference) -> None:
    use = make_round(
        63,
        Instrument.Kind.STAKEHOLDER,
        closes=DEADLINE_2024,
        published=dt.datetime(2025, 5, 27, tzinfo=GENEVA),
    )
    agreed = report(use, 1, State.SUBMITTED, name="Nurses' Union", consent=True)
    silent = report(use, 2, State.SUBMITTED, name="Agency Ltd")
    report(use, 3, State.DRAFT, name="Unfinished")
    now = dt.datetime(2025, 6, 1, tzinfo=GENEVA)
    assert set(reports_counting(use, public=True, now=now)) == {agreed, silent}
    assert public_entity_name(agreed) == "Nurses' Union"
    assert public_entity_name(silent) == ""


def test_answers_as_a_tidy_table_with_repeat_rows_as_rows(reference) -> None:
    use = make_round(64, Instrument.Kind.NATIONAL, closes=DEADLINE_2024)
    # Answered as drafts, then submitted: a submitted report's answers no longer change.
    ghana = report(use, 1, State.DRAFT, country="GHA")
    france = report(use, 2, State.DRAFT, country="FRA")
    report(use, 3, State.DRAFT, country="KEN")
    for question, row, value in [
        ("has_staff", "", "yes"),
        ("topics", "", ["pay", "ethics"]),
        ("why_not", "", "stale: hidden since has_staff is yes"),
        ("contact", "", "Jane Roe"),
        ("staff", "", ["r1", "r2"]),
        ("years", "r1", 3),
        ("years", "r2", 9),
    ]:
        answer_save(report=ghana, question=question, row=row, value=value)
    for question, value in [("has_staff", "no"), ("why_not", "No budget"), ("topics", ["pay"])]:
        answer_save(report=france, question=question, value=value)
    Report.objects.filter(pk__in=[ghana.pk, france.pk]).update(state=State.SUBMITTED)

    table = answers_table(use, ["has_staff", "why_not", "years"])
    assert table == [
        {"report": ghana.pk, "row": "r1", "has_staff": "yes", "why_not": None, "years": 3},
        {"report": ghana.pk, "row": "r2", "has_staff": "yes", "why_not": None, "years": 9},
    ]
    top = answers_table(use, ["has_staff", "why_not", "topics"])
    assert [line["why_not"] for line in top] == [None, "No budget"]
    assert answers_count_by(top, "topics") == {"pay": 2, "ethics": 1}
    stale = answers_table(use, ["why_not"], relevant_only=False)
    assert stale[0]["why_not"] == "stale: hidden since has_staff is yes"
    with pytest.raises(ValueError, match="personal data"):
        answers_table(use, ["contact"])
    with pytest.raises(ValueError, match="different repeats"):
        answers_table(use, ["years", "other_name"])
    with pytest.raises(KeyError):
        answers_table(use, ["no_such_question"])


def test_regions_and_the_safeguards_list_as_of_the_deadline(reference) -> None:
    use = make_round(65, Instrument.Kind.NATIONAL, closes=DEADLINE_2024)
    countries = ["IDN", "GHA", "FRA", "NPL"]
    assert countries_by_region(use, countries) == {
        "AFR": 1,
        "AMR": 0,
        "SEAR": 2,  # Indonesia was in SEAR until 23 May 2025
        "EUR": 1,
        "EMR": 0,
        "WPR": 0,
    }
    edition, counts = countries_by_safeguards(use, countries)
    assert edition is not None and edition.year == 2023
    assert counts == {"on_list": 2, "not_on_list": 2}  # Ghana and Nepal are on the 2023 list
    later = make_round(66, Instrument.Kind.NATIONAL, closes=dt.datetime(2026, 8, 31, tzinfo=GENEVA))
    assert countries_by_region(later, ["IDN"])["WPR"] == 1
