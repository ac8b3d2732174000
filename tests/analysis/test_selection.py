"""Which reports an analysis counts: states, regions and the safeguards list as of the deadline."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict

from codemonitor.analysis.filters import AnalysisFilters, round_instruments
from codemonitor.analysis.selection import selection_for
from codemonitor.instruments.models import InstrumentVersion
from codemonitor.reporting.models import Answer, Report, Round, RoundInstrument

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")


def filters(**query: str | list[str]) -> AnalysisFilters:
    data = QueryDict(mutable=True)
    for key, value in query.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return AnalysisFilters.from_query(data)


def test_default_states_are_validated_national_and_submitted_stakeholder_reports(
    demo_round,
) -> None:
    national = filters(round=str(demo_round.number), instrument="nri")
    assert national.is_national and national.chosen_states == ("validated",)
    chosen = selection_for(national)
    expected = Report.objects.filter(
        round_instrument__round=demo_round, member_state__isnull=False, state="validated"
    ).count()
    assert expected > 0 and len(chosen.reports) == expected
    isri = selection_for(filters(round=str(demo_round.number), instrument="isri"))
    submitted = Report.objects.filter(
        round_instrument__round=demo_round,
        member_state__isnull=True,
        state__in=["submitted", "in_review", "validated"],
    )
    assert {row.id for row in isri.reports} == set(submitted.values_list("pk", flat=True))


def test_a_stakeholder_report_counts_in_the_regions_of_the_countries_it_concerns(
    demo_round,
) -> None:
    chosen = selection_for(filters(round=str(demo_round.number), instrument="isri"))
    row = next(row for row in chosen.reports if row.countries)
    stored = Answer.objects.get(report_id=row.id, question="involvement_countries").value
    assert set(row.countries) == set(stored)
    assert row.regions == {chosen.region_of.get(code, code) for code in stored}
    assert row.category  # the stakeholder_category report field
    in_afr = selection_for(filters(round=str(demo_round.number), instrument="isri", region="AFR"))
    assert {r.id for r in in_afr.reports} == {r.id for r in chosen.reports if "AFR" in r.regions}


def test_a_selection_of_every_state_narrows_to_the_same_as_reading_again(demo_round) -> None:
    from codemonitor.analysis.completeness import ALL_STATES

    for instrument, language in (("nri", ""), ("isri", ""), ("isri", "fr")):
        chosen = filters(round=str(demo_round.number), instrument=instrument, region="EUR")
        every = selection_for(chosen.with_(states=ALL_STATES, language=""))
        wanted = chosen.with_(language=language)
        narrowed = every.narrowed(wanted)
        assert narrowed.reports == selection_for(wanted).reports
        assert narrowed.filters == wanted and narrowed.region_of is every.region_of
    one = selection_for(filters(round=str(demo_round.number), instrument="isri"))
    with pytest.raises(ValueError):
        one.narrowed(one.filters.with_(region="AFR"))  # another region: read it
    with pytest.raises(ValueError):
        one.narrowed(one.filters.with_(states=("draft",)))  # drafts were never read


def test_unknown_filters_are_named_not_an_error(demo_round) -> None:
    chosen = filters(round="999", instrument="nope", region="XYZ", safeguards="maybe", state="x")
    assert len(chosen.problems) == 5
    assert chosen.round.number == round_instruments()[0].round.number


def _round_with_deadline(number: int, closes: dt.datetime) -> RoundInstrument:
    round_ = Round.objects.create(number=number, year=closes.year, title=f"Round {number}")
    return RoundInstrument.objects.create(
        round=round_,
        instrument_version=InstrumentVersion.objects.filter(instrument__code="nri").first(),
        opens_at=closes - dt.timedelta(days=90),
        closes_at=closes,
    )


@pytest.mark.parametrize(
    ("closes", "region", "edition"),
    [
        (dt.datetime(2024, 8, 31, 23, 59, tzinfo=GENEVA), "SEAR", 2023),
        (dt.datetime(2025, 5, 22, 23, 59, tzinfo=GENEVA), "SEAR", 2023),
        (dt.datetime(2025, 5, 23, 23, 59, tzinfo=GENEVA), "WPR", 2023),
        (dt.datetime(2022, 8, 31, 23, 59, tzinfo=GENEVA), "SEAR", 2020),
    ],
)
def test_region_and_safeguards_edition_follow_the_deadline(
    instruments, closes, region, edition
) -> None:
    round_instrument = _round_with_deadline(70, closes)
    Report.objects.create(
        round_instrument=round_instrument,
        instrument_version=round_instrument.instrument_version,
        sequence=1,
        member_state_id="IDN",
        state="validated",
    )
    chosen = selection_for(filters(round="70", instrument="nri"))
    assert chosen.edition is not None and chosen.edition.year == edition
    (row,) = chosen.reports
    assert row.regions == {region}
    assert selection_for(filters(round="70", instrument="nri", region=region)).reports
