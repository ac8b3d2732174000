"""Completeness of a round: every figure against an independent count from the Report, Answer
and RegionMembership rows; the history from rounds.csv; Indonesia across the 2024/2025
boundary; the lists behind the numbers; the ISRI's breakdowns; the world map; bounded queries."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from codemonitor.analysis.completeness import (
    CompletenessRefused,
    completeness_list,
    round_completeness,
    stakeholder_completeness,
)
from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.selection import kept_clear
from codemonitor.analysis.worldmap import DATA, world_map
from codemonitor.instruments.models import InstrumentVersion
from codemonitor.reference import names as reference_names
from codemonitor.reference.models import MemberState, RegionMembership, SafeguardsEntry
from codemonitor.reference.names import REGION_NAMES
from codemonitor.registers.models import NationalAuthority
from codemonitor.reporting.models import (
    Answer,
    PersonalAnswer,
    Report,
    Round,
    RoundInstrument,
)

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")
REGIONS = ("AFR", "AMR", "SEAR", "EUR", "EMR", "WPR")
ROUNDS_CSV = Path(__file__).resolve().parents[2] / "codemonitor/reporting/data/rounds.csv"


def filters(**query: str | list[str]) -> AnalysisFilters:
    data = QueryDict(mutable=True)
    for key, value in query.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return AnalysisFilters.from_query(data)


def nri(round_: Round, **query: str) -> AnalysisFilters:
    return filters(round=str(round_.number), instrument="nri", **query)


def isri(round_: Round, **query: str) -> AnalysisFilters:
    return filters(round=str(round_.number), instrument="isri", **query)


def regions_at(day: dt.date) -> dict[str, str]:
    """Each Member State's region on a day, straight from RegionMembership."""
    found = {}
    for iso3, region, start, end in RegionMembership.objects.values_list(
        "member_state_id", "region_id", "valid_from", "valid_to"
    ):
        if (start is None or start <= day) and (end is None or day < end):
            found[iso3] = region
    return found


def deadline_of(round_instrument: RoundInstrument) -> dt.date:
    return round_instrument.closes_at.astimezone(GENEVA).date()


def expected_countries(round_instrument: RoundInstrument) -> dict[str, dict[str, object]]:
    """Every Member State's region, authority, status and lateness, counted by hand."""
    deadline = deadline_of(round_instrument)
    region_of = regions_at(deadline)
    authorities = {
        iso3
        for iso3, on in NationalAuthority.objects.values_list("member_state_id", "designated_on")
        if on is None or on <= deadline
    }
    reports = {
        report.member_state_id: report
        for report in Report.objects.filter(
            round_instrument=round_instrument, member_state__isnull=False
        )
        if round_instrument.round.is_demo or not report.is_demo
    }
    given = set(
        Answer.objects.filter(report__round_instrument=round_instrument, carried=False)
        .values_list("report_id", flat=True)
        .distinct()
    ) | set(
        PersonalAnswer.objects.filter(report__round_instrument=round_instrument, carried=False)
        .values_list("report_id", flat=True)
        .distinct()
    )
    found = {}
    for iso3 in MemberState.objects.values_list("iso3", flat=True):
        report = reports.get(iso3)
        if report is None:
            status = "not_started"
        elif report.state == "draft":
            status = "in_progress" if report.pk in given else "not_started"
        else:
            status = report.state
        late = report is not None and (
            report.is_late
            or (
                report.submitted_at is not None and report.submitted_at > round_instrument.closes_at
            )
        )
        received = report is not None and (
            report.state in ("submitted", "in_review", "validated")
            or (report.state == "returned" and report.submitted_at is not None)
        )
        found[iso3] = {
            "region": region_of.get(iso3, ""),
            "authority": iso3 in authorities,
            "status": status,
            "late": late,
            "received": received,
        }
    return found


def counted_by_hand(expected: dict[str, dict[str, object]], status: str, region: str) -> set[str]:
    chosen = set()
    for iso3, facts in expected.items():
        if region and facts["region"] != region:
            continue
        if (
            status == "member_states"
            or (status == "authority" and facts["authority"])
            or (status == "late" and facts["late"])
            or (status == "received" and facts["received"])
            or facts["status"] == status
        ):
            chosen.add(iso3)
    return chosen


@pytest.fixture
def round_varied(demo_round):
    """The demonstration round with a few more cases than the generator makes: authorities
    designated before, after and without a date; a draft with no answer, one with only answers
    carried over, one with only a personal answer; a late report."""
    ri = demo_round.instruments.get(instrument_version__instrument__code="nri")
    deadline = deadline_of(ri)
    for iso3, on in (
        ("GHA", deadline - dt.timedelta(days=400)),
        ("FRA", None),
        ("KEN", deadline),
        ("BRA", deadline + dt.timedelta(days=1)),
    ):
        NationalAuthority.objects.create(member_state_id=iso3, name=f"{iso3} DNA", designated_on=on)
    drafts = list(Report.objects.filter(round_instrument=ri, state="draft").order_by("sequence"))
    empty, carried, personal = drafts[:3]
    Answer.objects.filter(report=empty).delete()
    PersonalAnswer.objects.filter(report=empty).delete()
    Answer.objects.filter(report=carried).update(carried=True)
    PersonalAnswer.objects.filter(report=carried).update(carried=True)
    Answer.objects.filter(report=personal).delete()
    PersonalAnswer.objects.filter(report=personal).delete()
    PersonalAnswer.objects.create(
        report=personal, round_instrument=ri, question="x_contact", row="", value="someone"
    )
    submitted = Report.objects.filter(round_instrument=ri, state="submitted").order_by("sequence")
    late, marked = list(submitted[:2])
    late.submitted_at = ri.closes_at + dt.timedelta(hours=2)
    late.save(update_fields=["submitted_at"])
    marked.is_late = True
    marked.save(update_fields=["is_late"])
    return demo_round, ri, {"empty": empty, "carried": carried, "personal": personal}


def test_every_figure_of_the_table_equals_a_count_by_hand(round_varied) -> None:
    round_, ri, drafts = round_varied
    expected = expected_countries(ri)
    table = round_completeness(nri(round_)).table()
    assert table.identifier == "nri.completeness.region"
    assert [row[0].value for row in table.rows] == [str(REGION_NAMES[r]) for r in REGIONS]
    seen = set()
    for row in [*table.rows, *table.footer]:
        for cell in row[1:]:
            assert cell.drill is not None, "every number has the list behind it"
            status, region = cell.drill["status"], cell.drill.get("region", "")
            assert cell.value == len(counted_by_hand(expected, status, region)), (status, region)
            seen.add((status, region))
    assert len(seen) == 9 * 7  # nine figures, six regions and the total
    (total,) = table.footer
    figures = {cell.drill["status"]: cell.value for cell in total[1:]}
    assert figures["member_states"] == 194 == MemberState.objects.count()
    assert figures["authority"] == 3  # GHA, FRA (no date), KEN (on the deadline day); not BRA
    assert figures["late"] == 2
    statuses = ("not_started", "in_progress", "submitted", "in_review", "returned", "validated")
    assert sum(figures[s] for s in statuses) == 194, "each Member State in one status"
    # The drafts: no answer and only carried answers are not started; a personal answer is one.
    by_country = {c.iso3: c for c in round_completeness(nri(round_)).countries}
    assert by_country[drafts["empty"].member_state_id].status == "not_started"
    assert by_country[drafts["carried"].member_state_id].status == "not_started"
    assert by_country[drafts["personal"].member_state_id].status == "in_progress"


def test_region_and_safeguards_narrow_the_countries(round_varied) -> None:
    round_, ri, _drafts = round_varied
    expected = expected_countries(ri)
    in_afr = round_completeness(nri(round_, region="AFR"))
    assert {c.iso3 for c in in_afr.countries} == counted_by_hand(expected, "member_states", "AFR")
    table = in_afr.table()
    assert len(table.rows) == 1 and table.rows[0][1].value == table.footer[0][1].value
    edition = max(SafeguardsEntry.objects.values_list("edition_id", flat=True).distinct())
    listed = set(
        SafeguardsEntry.objects.filter(edition_id=edition).values_list("member_state_id", flat=True)
    )
    on = round_completeness(nri(round_, safeguards="on"))
    off = round_completeness(nri(round_, safeguards="off"))
    assert {c.iso3 for c in on.countries} == listed
    assert {c.iso3 for c in off.countries} == set(expected) - listed
    # The state and language filters do not change completeness.
    narrowed = round_completeness(nri(round_, state="validated", language="fr")).table()
    assert [c.value for c in narrowed.footer[0]] == [
        c.value for c in round_completeness(nri(round_)).table().footer[0]
    ]


def test_the_list_behind_each_number_has_exactly_the_counted_countries(round_varied) -> None:
    round_, ri, _drafts = round_varied
    expected = expected_countries(ri)
    chosen = nri(round_)
    table = round_completeness(chosen).table()
    for row in [*table.rows, *table.footer]:
        for cell in row[1:]:
            status, region = cell.drill["status"], cell.drill.get("region", "")
            listed = completeness_list(chosen, status, region)
            assert {c.iso3 for c in listed} == counted_by_hand(expected, status, region)
            assert len(listed) == cell.value
    received = completeness_list(chosen, "received", "")
    assert {c.iso3 for c in received} == counted_by_hand(expected, "received", "")


def test_unknown_figures_and_regions_are_refused_with_what_exists(demo_round) -> None:
    with pytest.raises(CompletenessRefused, match="not_started"):
        completeness_list(nri(demo_round), "finished", "")
    with pytest.raises(CompletenessRefused, match="AFR"):
        completeness_list(nri(demo_round), "validated", "XYZ")
    with pytest.raises(CompletenessRefused, match="counted"):
        completeness_list(isri(demo_round), "not_started", "")
    with pytest.raises(CompletenessRefused):
        round_completeness(isri(demo_round))
    with pytest.raises(CompletenessRefused):
        stakeholder_completeness(nri(demo_round))


# -- the previous rounds --------------------------------------------------------------------


def test_history_shows_rounds_1_to_4_from_the_reference_counts(demo_round) -> None:
    from codemonitor.reporting.rounds import rounds_load_history

    rounds_load_history()
    with ROUNDS_CSV.open(encoding="utf-8", newline="") as handle:
        history = {int(row["number"]): row for row in csv.DictReader(handle)}
    table = round_completeness(nri(demo_round)).history_table()
    keys = [column.key for column in table.columns]
    rows = {row[0].value: row for row in table.rows}
    for number in (1, 2, 3):
        row = rows[history[number]["title"]]
        assert row[keys.index("authority")].value == int(history[number]["designated_authorities"])
        assert row[keys.index("received")].value == int(history[number]["national_reports"])
        assert row[keys.index("member_states")].value is None  # not recorded
        assert row[keys.index("received")].drill is None
    fourth = rows[history[4]["title"]]
    assert fourth[keys.index("authority")].value is None
    assert fourth[keys.index("authority")].shown == "not recorded"
    # Round 5 has a national instrument in the database: counted from its reports.
    fifth = rows[history[5]["title"]]
    assert fifth[keys.index("member_states")].value == 194
    assert fifth[keys.index("member_states")].drill == {
        "round": "5",
        "instrument": "nri",
        "status": "member_states",
    }
    # This round last, marked; the rounds in order.
    titles = [row[0].value for row in table.rows]
    assert titles[-1].endswith("(this round)")
    assert titles[:5] == [history[n]["title"] for n in (1, 2, 3, 4, 5)]
    # With a region filter the historical (all-country) counts are not shown.
    narrowed = round_completeness(nri(demo_round, region="AFR")).history_table()
    first = next(row for row in narrowed.rows if row[0].value == history[1]["title"])
    assert first[keys.index("authority")].value is None


def test_a_later_round_is_counted_from_its_reports_like_the_current_one(demo_round) -> None:
    ri = _round_with_deadline(71, dt.datetime(2025, 8, 31, 23, 59, tzinfo=GENEVA))
    for sequence, (iso3, state) in enumerate([("GHA", "validated"), ("FRA", "submitted")], 1):
        Report.objects.create(
            round_instrument=ri,
            instrument_version=ri.instrument_version,
            sequence=sequence,
            member_state_id=iso3,
            state=state,
            submitted_at=ri.closes_at - dt.timedelta(days=3),
        )
    # Synthetic reports count only in the demonstration round.
    Report.objects.create(
        round_instrument=ri,
        instrument_version=ri.instrument_version,
        sequence=3,
        member_state_id="KEN",
        state="validated",
        is_demo=True,
    )
    table = round_completeness(nri(demo_round)).history_table()
    keys = [column.key for column in table.columns]
    row = next(row for row in table.rows if row[0].value == "Round 71")
    assert row[keys.index("received")].value == 2
    assert row[keys.index("validated")].value == 1
    assert row[keys.index("not_started")].value == 192
    listed = completeness_list(nri(Round.objects.get(number=71)), "validated", "")
    assert [c.iso3 for c in listed] == ["GHA"]


# -- Indonesia across the 2024/2025 boundary ---------------------------------------------------


def _round_with_deadline(number: int, closes: dt.datetime) -> RoundInstrument:
    round_ = Round.objects.create(number=number, year=closes.year, title=f"Round {number}")
    return RoundInstrument.objects.create(
        round=round_,
        instrument_version=InstrumentVersion.objects.filter(instrument__code="nri").first(),
        opens_at=closes - dt.timedelta(days=90),
        closes_at=closes,
    )


@pytest.mark.parametrize(
    ("closes", "region", "other"),
    [
        (dt.datetime(2024, 8, 31, 23, 59, tzinfo=GENEVA), "SEAR", "WPR"),
        (dt.datetime(2025, 5, 22, 23, 59, tzinfo=GENEVA), "SEAR", "WPR"),
        (dt.datetime(2025, 5, 23, 23, 59, tzinfo=GENEVA), "WPR", "SEAR"),
        (dt.datetime(2025, 8, 31, 23, 59, tzinfo=GENEVA), "WPR", "SEAR"),
    ],
)
def test_indonesia_counts_in_its_region_as_of_the_deadline(
    instruments, closes, region, other
) -> None:
    ri = _round_with_deadline(70, closes)
    Report.objects.create(
        round_instrument=ri,
        instrument_version=ri.instrument_version,
        sequence=1,
        member_state_id="IDN",
        state="validated",
    )
    completeness = round_completeness(filters(round="70", instrument="nri"))
    assert completeness.count("validated", region) == 1
    assert completeness.count("validated", other) == 0
    by_hand = Counter(regions_at(closes.date()).values())
    for name in REGIONS:
        assert completeness.count("member_states", name) == by_hand[name]
    assert [c.iso3 for c in completeness_list(completeness.filters, "validated", region)] == ["IDN"]
    assert completeness_list(completeness.filters, "validated", other) == []


# -- stakeholders -------------------------------------------------------------------------


def test_isri_by_state_category_and_region_equal_a_count_by_hand(demo_round) -> None:
    ri = demo_round.instruments.get(instrument_version__instrument__code="isri")
    chosen = isri(demo_round)
    found = stakeholder_completeness(chosen)
    reports = Report.objects.filter(round_instrument=ri)
    # By state: every report.
    by_state = Counter(reports.values_list("state", flat=True))
    state_table = found.state_table()
    for row in state_table.rows:
        cell = row[1]
        assert cell.value == by_state.get(cell.drill["status"], 0)
    assert state_table.footer[0][1].value == reports.count() == 300
    # The counted reports (submitted, in review, validated) by category, from the answers.
    counted = set(
        reports.filter(state__in=["submitted", "in_review", "validated"]).values_list(
            "pk", flat=True
        )
    )
    category_of = dict(
        Answer.objects.filter(
            report_id__in=counted, question="stakeholder_category", row=""
        ).values_list("report_id", "value")
    )
    by_category = Counter(category_of.get(pk, "(none)") for pk in counted)
    category_table = found.category_table()
    for row in category_table.rows:
        cell = row[1]
        name = cell.drill["category"]
        assert cell.value == by_category.get(name, 0), name
        listed = completeness_list(chosen, "counted", "", category=name)
        assert {item.row.id for item in listed} == {
            pk for pk in counted if category_of.get(pk, "(none)") == name
        }
    assert sum(row[1].value for row in category_table.rows) == len(counted)
    assert category_table.footer[0][1].value == len(counted)
    # Labels from the form's choices, in the request language.
    labels = [row[0].value for row in category_table.rows]
    assert "Recruiter" in labels
    from django.utils import translation

    with translation.override("fr"):
        french = [row[0].value for row in stakeholder_completeness(chosen).category_table().rows]
    assert french != labels and "Recruteur" in " ".join(french)
    # By WHO region of the countries concerned, as of the deadline: each region it touches.
    region_of = regions_at(deadline_of(ri))
    concerned = dict(
        Answer.objects.filter(
            report_id__in=counted, question="involvement_countries", row=""
        ).values_list("report_id", "value")
    )
    touched: dict[int, set[str]] = {}
    for pk in counted:
        value = concerned.get(pk) or []
        codes = value if isinstance(value, list) else [value]
        touched[pk] = {code if code in REGIONS else region_of.get(code, "") for code in codes} - {
            ""
        }
    region_table = found.region_table()
    for row in region_table.rows:
        cell = row[1]
        if cell.drill["status"] == "no_region":
            ids = {pk for pk in counted if not touched[pk]}
        else:
            ids = {pk for pk in counted if cell.drill["region"] in touched[pk]}
        assert cell.value == len(ids)
        listed = completeness_list(chosen, cell.drill["status"], cell.drill.get("region", ""))
        assert {item.row.id for item in listed} == ids
    assert any("each" in note or "every" in note for note in region_table.notes)


# -- the world map ------------------------------------------------------------------------


def test_the_map_draws_each_country_with_its_status(round_varied) -> None:
    round_, ri, _drafts = round_varied
    expected = expected_countries(ri)
    shapes = json.loads(DATA.read_text(encoding="utf-8"))
    assert DATA.stat().st_size < 200_000
    figure = world_map(round_completeness(nri(round_)))
    root = ElementTree.fromstring(figure.svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text and root.find(f"{ns}desc").text
    drawn = {
        path.get("data-iso3"): path for path in root.iter(f"{ns}path") if path.get("data-iso3")
    }
    members = set(MemberState.objects.values_list("iso3", flat=True))
    assert set(drawn) == set(shapes["countries"]) & members
    names = {c.iso3: c.name for c in round_completeness(nri(round_)).countries}
    for iso3, path in drawn.items():
        status = expected[iso3]["status"]
        if status in ("submitted", "in_review"):
            status = "submitted_or_review"
        assert path.get("data-status") == status, iso3
        assert path.find(f"{ns}title").text.startswith(f"{names[iso3]}: ")
    # The Member States too small for this scale are named under the map, and in the table.
    small = members - set(shapes["countries"])
    assert small and "TUV" in small
    assert all(names[iso3] in figure.notes[0] for iso3 in small)
    assert len(figure.table.rows) == 194
    not_drawn = [row for row in figure.table.rows if row[4].value == "not drawn at this scale"]
    assert {row[1].value for row in not_drawn} == small
    # A legend names every status with its count (not colour alone).
    legend = " ".join(text.text for text in root.iter(f"{ns}text"))
    assert re.search(r"Validated \(\d+\)", legend) and "Not started" in legend
    assert 'style="' not in figure.svg and "<script" not in figure.svg


def test_the_map_shows_countries_outside_the_filters_apart(demo_round) -> None:
    figure = world_map(round_completeness(nri(demo_round, region="AFR")))
    statuses = dict(re.findall(r'data-iso3="(\w+)" data-status="(\w+)"', figure.svg))
    assert statuses["FRA"] == "outside" and statuses["GHA"] != "outside"
    assert len(figure.table.rows) == sum(1 for v in statuses.values() if v != "outside") + sum(
        1 for row in figure.table.rows if row[4].value == "not drawn at this scale"
    )


# -- queries ------------------------------------------------------------------------------


def _national_queries(round_: Round) -> int:
    chosen = nri(round_)
    cache.clear()  # the worst case: what a selection keeps in the cache read again
    kept_clear()
    reference_names._LABELS.clear()  # the names too: their minute may run out between counts
    with CaptureQueriesContext(connection) as queries:
        completeness = round_completeness(chosen)
        completeness.table()
        completeness.history_table()
        world_map(completeness)
        completeness_list(chosen, "validated", "AFR")
    return len(queries)


def _stakeholder_queries(round_: Round) -> int:
    chosen = isri(round_)
    cache.clear()
    kept_clear()
    reference_names._LABELS.clear()  # the names too: their minute may run out between counts
    with CaptureQueriesContext(connection) as queries:
        stakeholder_completeness(chosen).tables()
        completeness_list(chosen, "counted", "EUR")
    return len(queries)


def test_queries_do_not_grow_with_the_reports(demo_round, memory_cache) -> None:
    _national_queries(demo_round), _stakeholder_queries(demo_round)  # forms parsed
    national, stakeholder = _national_queries(demo_round), _stakeholder_queries(demo_round)
    # (the default cache is the database: reading and keeping a selection are queries too)
    assert national <= 30 and stakeholder <= 20
    nri_reports = Report.objects.filter(
        round_instrument__round=demo_round, member_state__isnull=False
    ).order_by("sequence")
    Report.objects.filter(pk__in=list(nri_reports.values_list("pk", flat=True)[20:])).delete()
    isri_reports = Report.objects.filter(
        round_instrument__round=demo_round, member_state__isnull=True
    ).order_by("sequence")
    Report.objects.filter(pk__in=list(isri_reports.values_list("pk", flat=True)[20:])).delete()
    assert nri_reports.count() == 20 and isri_reports.count() == 20
    assert _national_queries(demo_round) == national
    assert _stakeholder_queries(demo_round) == stakeholder


# -- the pages ----------------------------------------------------------------------------


def test_the_page_shows_the_tables_the_map_and_the_history(clients, demo_round) -> None:
    page = clients["analyst"].get(
        f"/backoffice/analysis/completeness/?round={demo_round.number}&instrument=nri"
    )
    assert page.status_code == 200
    html = page.content.decode()
    for identifier in (
        "nri.completeness.region",
        "nri.completeness.history",
        "nri.completeness.map",
    ):
        assert f'id="{identifier}"' in html
    assert 'role="img"' in html and "data-iso3=" in html
    # Every number links to its list, with the filters.
    links = re.findall(r'href="(/backoffice/analysis/completeness/list/\?[^"]+)"', html)
    assert len(links) >= 9 * 7
    first = links[0].replace("&amp;", "&")
    assert f"round={demo_round.number}" in first and "status=" in first
    listed = clients["analyst"].get(first)
    assert listed.status_code == 200
    home = clients["admin"].get(f"/backoffice/analysis/?round={demo_round.number}")
    assert "/backoffice/analysis/completeness/" in home.content.decode()


def test_the_list_page_names_the_countries_and_links_their_reports(clients, demo_round) -> None:
    ri = demo_round.instruments.get(instrument_version__instrument__code="nri")
    page = clients["admin"].get(
        "/backoffice/analysis/completeness/list/",
        {"round": demo_round.number, "instrument": "nri", "status": "validated", "region": "EUR"},
    )
    html = page.content.decode()
    expected = expected_countries(ri)
    chosen = counted_by_hand(expected, "validated", "EUR")
    reports = Report.objects.filter(round_instrument=ri, member_state_id__in=chosen)
    assert reports.count() == len(chosen) > 0
    for report in reports:
        assert f'href="/backoffice/national-reports/{report.pk}/"' in html
    assert html.count("/backoffice/national-reports/") == len(chosen)
    bad = clients["admin"].get(
        "/backoffice/analysis/completeness/list/",
        {"round": demo_round.number, "instrument": "nri", "status": "everything"},
    )
    assert bad.status_code == 200 and "is not a figure of this table" in bad.content.decode()
    stakeholders = clients["admin"].get(
        "/backoffice/analysis/completeness/list/",
        {"round": demo_round.number, "instrument": "isri", "status": "counted", "region": "AFR"},
    )
    html = stakeholders.content.decode()
    listed = completeness_list(isri(demo_round), "counted", "AFR")
    assert listed and html.count("/backoffice/stakeholder-reports/") == len(listed)


def test_the_isri_page_and_every_csv(clients, demo_round) -> None:
    client = clients["admin"]
    base = f"/backoffice/analysis/completeness/?round={demo_round.number}"
    page = client.get(f"{base}&instrument=isri")
    html = page.content.decode()
    identifiers = [
        "isri.completeness.state",
        "isri.completeness.category",
        "isri.completeness.region",
    ]
    assert all(f'id="{identifier}"' in html for identifier in identifiers)
    national = ["nri.completeness.region", "nri.completeness.history", "nri.completeness.map"]
    for instrument, names in (("isri", identifiers), ("nri", national)):
        for identifier in names:
            response = client.get(f"{base}&instrument={instrument}&csv={identifier}")
            assert response.status_code == 200, identifier
            assert response["Content-Type"].startswith("text/csv")
            assert identifier.replace(".", "") in response["Content-Disposition"].replace(".", "")
            assert response.content.decode("utf-8-sig").splitlines()[0]
    unknown = client.get(f"{base}&instrument=nri&csv=nope")
    assert unknown.status_code == 200 and "no table" in unknown.content.decode()


def test_the_page_takes_a_bounded_number_of_queries(clients, demo_round) -> None:
    client = clients["analyst"]
    url = f"/backoffice/analysis/completeness/?round={demo_round.number}&instrument=nri"
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    Report.objects.filter(
        pk__in=list(
            Report.objects.filter(round_instrument__round=demo_round, member_state__isnull=False)
            .order_by("sequence")
            .values_list("pk", flat=True)[20:]
        )
    ).delete()
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    assert len(many) == len(few) <= 40


def test_a_long_list_is_shown_a_page_at_a_time(clients, demo_round, monkeypatch) -> None:
    from codemonitor.backoffice import analysis_completeness

    monkeypatch.setattr(analysis_completeness, "PER_PAGE", 10)
    listed = completeness_list(isri(demo_round), "counted", "")
    query = {"round": demo_round.number, "instrument": "isri", "status": "counted"}
    seen = []
    page, number = None, 1
    while True:
        page = clients["analyst"].get(
            "/backoffice/analysis/completeness/list/", {**query, "page": number}
        )
        html = page.content.decode()
        seen += re.findall(r'href="/backoffice/stakeholder-reports/(\d+)/"', html)
        if 'rel="next"' not in html:
            break
        number += 1
    assert number == -(-len(listed) // 10)
    assert sorted(map(int, seen)) == sorted(item.row.id for item in listed)
    # The countries concerned by name, not by code.
    item = next(item for item in listed if item.row.countries and len(item.row.countries[0]) == 3)
    assert item.concerned[0] == MemberState.objects.get(pk=item.row.countries[0]).name
