"""Any question tabulated from the instrument: every figure against a count written here from
the `Report` and `Answer` rows (never by calling the code under test), the rules' hidden
answers left out, the safeguards edition of the deadline, the pairs of countries of the
agreements, the reports behind each number, and a bounded number of SQL statements."""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from collections import Counter, defaultdict
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.selection import Selection, kept_clear, selection_for
from codemonitor.analysis.tables import AnalysisFigure, AnalysisTable
from codemonitor.analysis.tabulate import (
    ANY,
    NONE,
    Drill,
    NotAnalysable,
    analysable_questions,
    drill_reports,
    question_tables,
)
from codemonitor.instruments.engine import Evaluation, relevance_inputs
from codemonitor.reference import names as reference_names
from codemonitor.reference.models import RegionMembership, SafeguardsEntry
from codemonitor.reporting.models import Answer, Report, RoundInstrument

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")
REGIONS = ("AFR", "AMR", "SEAR", "EUR", "EMR", "WPR")
SUBMITTED = ("submitted", "in_review", "validated")


# -- what the tables say ----------------------------------------------------------------------


def filters(**query: str | list[str]) -> AnalysisFilters:
    data = QueryDict(mutable=True)
    for key, value in query.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return AnalysisFilters.from_query(data)


def selection(round_, code: str, **query: str) -> Selection:
    return selection_for(filters(round=str(round_.number), instrument=code, **query))


def tables_of(chosen: Selection, name: str) -> dict[str, Any]:
    return {item.identifier: item for item in question_tables(chosen, name, language="en")}


def by_drill(table: AnalysisTable) -> dict[tuple[str, str], Any]:
    """{(value, column): figure} of a count table, keyed by each cell's drill."""
    found: dict[tuple[str, str], Any] = {}
    for row in [*table.rows, *table.footer]:
        for cell in row:
            if cell.drill is not None:
                column = cell.drill.get("region") or cell.drill.get("safeguards") or "total"
                found[cell.drill.get("value", ""), column] = cell.value
    return found


# -- what the rows say ------------------------------------------------------------------------


def deadline_of(round_instrument: RoundInstrument) -> dt.date:
    return timezone.localtime(round_instrument.closes_at, GENEVA).date()


def regions_at(day: dt.date) -> dict[str, str]:
    return dict(RegionMembership.objects.in_force(day).values_list("member_state_id", "region_id"))


def listed(year: int) -> set[str]:
    return set(
        SafeguardsEntry.objects.filter(edition_id=year).values_list("member_state_id", flat=True)
    )


def national(round_) -> list[Report]:
    return list(
        Report.objects.filter(
            round_instrument__round=round_, member_state__isnull=False, state="validated"
        )
    )


def stakeholders(round_) -> list[Report]:
    return list(
        Report.objects.filter(
            round_instrument__round=round_, member_state__isnull=True, state__in=SUBMITTED
        )
    )


def answers(reports: list[Report], question: str, row: str = "") -> dict[int, Any]:
    return dict(
        Answer.objects.filter(
            report__in=reports, question=question, row=row, value__isnull=False
        ).values_list("report_id", "value")
    )


def given(value: Any) -> bool:
    return value not in (None, "", [])


def columns_of(report: Report, regions: dict[str, str], on_list: set[str], concerned: Any) -> list:
    """The columns a report counts in: its regions, its safeguards status and the total."""
    if report.member_state_id:
        countries = [report.member_state_id]
    else:
        countries = concerned.get(report.pk) or []
    places = {code if code in REGIONS else regions.get(code, "") for code in countries} - {""}
    on = any(code in on_list for code in countries)
    return [*sorted(places), "on" if on else "off", "total"]


def expected_counts(
    reports: list[Report], question: str, *, multiple: bool, year: int, concerned: Any = None
) -> dict[tuple[str, str], int]:
    """{(choice or NONE or "", column): reports} straight from the answer rows; "" is the
    denominator (every report: the question has no rule)."""
    round_instrument = reports[0].round_instrument
    regions = regions_at(deadline_of(round_instrument))
    on_list = listed(year)
    values = answers(reports, question)
    counts: Counter[tuple[str, str]] = Counter()
    for report in reports:
        value = values.get(report.pk)
        keys = (value if multiple else [value]) if given(value) else [NONE]
        for column in columns_of(report, regions, on_list, concerned or {}):
            counts["", column] += 1
            for key in keys:
                counts[key, column] += 1
    return dict(counts)


def check_counts(table: AnalysisTable, expected: dict[tuple[str, str], int]) -> None:
    shown = by_drill(table)
    columns = {column for _key, column in shown}
    for (key, column), count in expected.items():
        if column in columns:
            assert shown.get((key, column), 0) == count, (table.identifier, key, column)
    for (key, column), count in shown.items():
        assert expected.get((key, column), 0) == count, (table.identifier, key, column)


# -- three questions of the NRI and one of the ISRI, every figure -------------------------------


@pytest.mark.parametrize(
    ("question", "multiple"), [("code_awareness", False), ("workforce_measures", True)]
)
def test_an_nri_select_by_region_and_safeguards_status(demo_round, question, multiple) -> None:
    chosen = selection(demo_round, "nri")
    assert chosen.edition is not None
    reports = national(demo_round)
    expected = expected_counts(reports, question, multiple=multiple, year=chosen.edition.year)
    tables = tables_of(chosen, question)
    region, safeguards = tables[f"nri.{question}.region"], tables[f"nri.{question}.safeguards"]
    check_counts(region, expected)
    check_counts(safeguards, expected)
    assert region.footer[0][-1].value == len(reports)  # the question applies to every report
    assert str(chosen.edition) in safeguards.title
    assert any(str(chosen.edition) in note for note in safeguards.notes)
    if multiple:
        assert any("do not add up to 100" in note for note in region.notes)
    # Shares are of the reports the question applies to, in each column.
    yes = next(row for row in region.rows if row[-1].drill and row[-1].drill["value"] != NONE)
    total = yes[-1].value
    assert f"{100 * total / len(reports):.1f} %" in yes[-1].text
    figure = tables[f"nri.{question}.chart"]
    assert isinstance(figure, AnalysisFigure) and figure.table is region
    assert 'role="img"' in figure.svg and "<title" in figure.svg and "<desc" in figure.svg
    assert "style=" not in figure.svg


def test_an_nri_number_by_region_with_who_reported_nothing(demo_round) -> None:
    chosen = selection(demo_round, "nri")
    reports = national(demo_round)
    regions = regions_at(deadline_of(reports[0].round_instrument))
    values = answers(reports, "stock_doctors")
    tables = tables_of(chosen, "stock_doctors")
    region = tables["nri.stock_doctors.region"]
    rows = {row[0].value: row for row in [*region.rows, *region.footer]}
    for code in [*REGIONS, "All regions"]:
        numbers = [
            values[r.pk]
            for r in reports
            if r.pk in values and (code == "All regions" or regions[r.member_state_id] == code)
        ]
        missing = [
            r
            for r in reports
            if r.pk not in values and (code == "All regions" or regions[r.member_state_id] == code)
        ]
        _label, reporting, total, median, low, high, none = rows[code]
        assert reporting.value == len(numbers)
        assert none.value == len(missing)
        assert total.value == (sum(numbers) if numbers else None)
        assert median.value == (statistics.median(numbers) if numbers else None)
        assert (low.value, high.value) == (
            (min(numbers), max(numbers)) if numbers else (None, None)
        )
        assert reporting.drill == {
            "question": "stock_doctors",
            "value": ANY,
            **({"region": code} if code in REGIONS else {}),
        }
    missing_table = tables["nri.stock_doctors.missing"]
    assert {row[1].value for row in missing_table.rows} == {
        r.reference for r in reports if r.pk not in values
    }
    # The group of numbers it belongs to: one row per question, the same figures.
    group = tables["nri.stock_total.numbers"]
    doctors = next(row for row in group.rows if row[0].value == "Medical doctors")
    assert [cell.value for cell in doctors[1:]] == [cell.value for cell in rows["All regions"][1:]]


def test_an_isri_select_counts_a_report_in_each_region_it_concerns(demo_round) -> None:
    chosen = selection(demo_round, "isri")
    reports = stakeholders(demo_round)
    concerned = answers(reports, "involvement_countries")
    expected = expected_counts(
        reports,
        "stakeholder_category",
        multiple=False,
        year=chosen.edition.year,
        concerned=concerned,
    )
    tables = tables_of(chosen, "stakeholder_category")
    check_counts(tables["isri.stakeholder_category.region"], expected)
    check_counts(tables["isri.stakeholder_category.safeguards"], expected)
    # A report concerning two regions counts in both: the regions add up to more than the total.
    region = tables["isri.stakeholder_category.region"]
    footer = {cell.drill.get("region", "total"): cell.value for cell in region.footer[0][1:]}
    assert sum(footer[r] for r in REGIONS) > footer["total"] == len(reports)
    assert any("each WHO region" in note for note in region.notes)


def test_the_safeguards_table_uses_the_2023_edition_for_a_2024_deadline(demo_round) -> None:
    round_instrument = RoundInstrument.objects.get(
        round=demo_round, instrument_version__instrument__code="nri"
    )
    closes = dt.datetime(2024, 8, 31, 23, 59, tzinfo=GENEVA)
    RoundInstrument.objects.filter(pk=round_instrument.pk).update(
        opens_at=closes - dt.timedelta(days=120), closes_at=closes
    )
    chosen = selection(demo_round, "nri")
    assert chosen.edition is not None and chosen.edition.year == 2023
    reports = national(demo_round)
    table = tables_of(chosen, "code_awareness")["nri.code_awareness.safeguards"]
    assert "Safeguards list 2023" in table.title
    assert "Safeguards list 2023" in table.columns[1].label
    check_counts(table, expected_counts(reports, "code_awareness", multiple=False, year=2023))
    # An earlier deadline, an earlier edition.
    closes = dt.datetime(2022, 8, 31, 23, 59, tzinfo=GENEVA)
    RoundInstrument.objects.filter(pk=round_instrument.pk).update(
        opens_at=closes - dt.timedelta(days=120), closes_at=closes
    )
    earlier = tables_of(selection(demo_round, "nri"), "code_awareness")
    assert "Safeguards list 2020" in earlier["nri.code_awareness.safeguards"].title
    check_counts(
        earlier["nri.code_awareness.safeguards"],
        expected_counts(reports, "code_awareness", multiple=False, year=2020),
    )


# -- the rules: hidden answers are not counted --------------------------------------------------


def test_answers_the_rules_hide_are_not_counted(demo_round) -> None:
    reports = national(demo_round)
    involved = answers(reports, "stakeholders_involved")
    # Plant a stale answer: a report that says no stakeholders are involved, yet lists some.
    stale = next(r for r in reports if involved.get(r.pk) == "no")
    Answer.objects.update_or_create(
        report=stale,
        question="stakeholders_list",
        row="",
        defaults={"round_instrument": stale.round_instrument, "value": ["unions"]},
    )
    chosen = selection(demo_round, "nri")
    table = tables_of(chosen, "stakeholders_list")["nri.stakeholders_list.region"]
    # The rule as the shipped form writes it: ${stakeholders_involved} = 'yes'.
    shown = [r for r in reports if involved.get(r.pk) == "yes"]
    listed_ = answers(shown, "stakeholders_list")
    unions = sum(1 for r in shown if "unions" in (listed_.get(r.pk) or []))
    assert by_drill(table)["", "total"] == len(shown) < len(reports)
    assert by_drill(table)["unions", "total"] == unions
    ids = {r.id for r in drill_reports(chosen, Drill(question="stakeholders_list", value="unions"))}
    assert stale.pk not in ids and len(ids) == unions


def test_rows_of_a_hidden_table_are_not_counted(demo_round) -> None:
    reports = national(demo_round)
    has = answers(reports, "has_agreements")
    rows = answers(reports, "agreements")
    with_rows = [r for r in reports if has.get(r.pk) == "yes" and rows.get(r.pk)]
    assert len(with_rows) >= 2
    hidden = with_rows[0]
    Answer.objects.filter(report=hidden, question="has_agreements").update(value="no")
    chosen = selection(demo_round, "nri")
    table = tables_of(chosen, "agreement_type")["nri.agreement_type.region"]
    counted = [r for r in with_rows if r.pk != hidden.pk]
    total_rows = sum(len(rows[r.pk]) for r in counted)
    footer = table.footer[0]
    assert footer[-2].value == total_rows  # rows, all regions
    assert footer[-1].value == len(counted)  # reports with rows
    ids = {r.id for r in drill_reports(chosen, Drill(question="agreement_type"))}
    assert ids == {r.pk for r in counted}


def test_relevance_read_from_its_inputs_alone_is_the_same(demo_round) -> None:
    """engine.relevance_inputs: an evaluation given only the answers it names judges each
    question as one given all the answers does."""
    for report in Report.objects.filter(round_instrument__round=demo_round).order_by("pk")[::25]:
        form = report.instrument_version.form
        stored = {
            (q, row): value
            for q, row, value in Answer.objects.filter(report=report).values_list(
                "question", "row", "value"
            )
        }
        whole = Evaluation(form, stored)
        for name in form.questions():
            inputs = relevance_inputs(form, [name])
            part = Evaluation(form, {key: v for key, v in stored.items() if key[0] in inputs})
            for row in whole.instances(name):
                assert part.relevant(name, row) == whole.relevant(name, row), (name, row)


# -- repeats: pairs of countries, types, coverage years ------------------------------------------


def agreement_rows(reports: list[Report]) -> list[tuple[Report, str]]:
    """(report, row) of every agreement row the rule shows (${has_agreements} = 'yes')."""
    has = answers(reports, "has_agreements")
    rows = answers(reports, "agreements")
    return [
        (report, str(row))
        for report in reports
        if has.get(report.pk) == "yes"
        for row in rows.get(report.pk) or []
    ]


def row_answers(question: str) -> dict[tuple[int, str], Any]:
    return {
        (report_id, row): value
        for report_id, row, value in Answer.objects.filter(question=question).values_list(
            "report_id", "row", "value"
        )
    }


def test_the_pairs_of_partner_countries_from_the_agreement_rows(demo_round) -> None:
    reports = national(demo_round)
    partners = row_answers("agreement_partners")
    expected_rows: Counter[str] = Counter()
    expected_reports: dict[str, set[int]] = defaultdict(set)
    for report, row in agreement_rows(reports):
        for partner in partners.get((report.pk, row)) or []:
            if partner == report.member_state_id or partner in REGIONS:
                continue
            pair = "-".join(sorted((report.member_state_id, partner)))
            expected_rows[pair] += 1
            expected_reports[pair].add(report.pk)
    assert expected_rows
    chosen = selection(demo_round, "nri")
    tables = tables_of(chosen, "agreement_partners")
    pairs = tables["nri.agreement_partners.pairs"]
    shown = {row[3].drill["pair"]: (row[3].value, row[4].value) for row in pairs.rows}
    assert shown == {
        pair: (count, len(expected_reports[pair])) for pair, count in expected_rows.items()
    }
    # Read as a reader would: the pairs with the most rows first, then by the countries' names,
    # each pair's first country first by name.
    order = [
        (-row[3].value, row[0].shown.casefold(), row[1].shown.casefold()) for row in pairs.rows
    ]
    assert order == sorted(order)
    assert all(row[0].shown.casefold() <= row[1].shown.casefold() for row in pairs.rows)
    for pair in list(expected_rows)[:5]:
        listed_ = drill_reports(chosen, Drill(question="agreement_partners", pair=pair))
        assert {r.id for r in listed_} == expected_reports[pair]
    network = tables["nri.agreement_partners.network"]
    assert isinstance(network, AnalysisFigure) and network.table is pairs
    assert 'role="img"' in network.svg and "<desc" in network.svg
    assert network.svg.count('class="link"') == len(expected_rows)
    # Partner countries are counted by country (the most named, then the others together).
    by_country = tables["nri.agreement_partners.region"]
    named: Counter[str] = Counter()
    for report, row in agreement_rows(reports):
        for partner in set(partners.get((report.pk, row)) or []):
            named[partner] += 1
    shown_countries = {
        cell.drill["value"]: cell.value
        for row in by_country.rows
        for cell in row[-2:-1]
        if cell.drill and cell.drill["value"] not in (NONE, "__others__")
    }
    assert shown_countries and all(named[code] == n for code, n in shown_countries.items())
    assert len(shown_countries) <= 15
    others = next(row for row in by_country.rows if row[-2].drill["value"] == "__others__")
    top = set(shown_countries)
    assert others[-2].value == sum(
        1
        for report, row in agreement_rows(reports)
        if any(p not in top for p in partners.get((report.pk, row)) or [])
    )


def test_rows_by_type_and_active_years(demo_round) -> None:
    reports = national(demo_round)
    rows = agreement_rows(reports)
    types = row_answers("agreement_type")
    chosen = selection(demo_round, "nri")
    table = tables_of(chosen, "agreement_type")["nri.agreement_type.region"]
    totals = {row[-2].drill["value"]: (row[-2].value, row[-1].value) for row in table.rows}
    expected: Counter[str] = Counter(types.get((r.pk, row)) or NONE for r, row in rows)
    with_type: dict[str, set[int]] = defaultdict(set)
    for report, row in rows:
        with_type[types.get((report.pk, row)) or NONE].add(report.pk)
    assert totals == {key: (n, len(with_type[key])) for key, n in expected.items()}
    # Coverage: a row is active from its start year to its end year (the deadline's without).
    starts, ends = row_answers("agreement_from"), row_answers("agreement_to")
    until = deadline_of(reports[0].round_instrument).year
    active: Counter[str] = Counter()
    for report, row in rows:
        start = starts.get((report.pk, row))
        if not start:
            continue
        end = ends.get((report.pk, row))
        for year in range(int(start[:4]), (int(end[:4]) if end else until) + 1):
            active[str(year)] += 1
    coverage = tables_of(chosen, "agreement_from")["nri.agreement_from.active"]
    assert {row[-2].drill["active"]: row[-2].value for row in coverage.rows} == dict(active)


# -- the reports behind each number ------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "question"),
    [("nri", "code_awareness"), ("nri", "workforce_measures"), ("isri", "stakeholder_category")],
)
def test_every_drill_lists_exactly_the_reports_counted(demo_round, code, question) -> None:
    chosen = selection(demo_round, code)
    for identifier in (f"{code}.{question}.region", f"{code}.{question}.safeguards"):
        table = tables_of(chosen, question)[identifier]
        for row in [*table.rows, *table.footer]:
            for cell in row:
                if cell.drill is None:
                    continue
                query = QueryDict(mutable=True)
                for key, value in cell.drill.items():
                    query[key] = value
                listed_ = drill_reports(chosen, Drill.from_query(query))
                assert len(listed_) == cell.value, (identifier, cell.drill)
    # One cell against the rows themselves.
    reports = national(demo_round) if code == "nri" else stakeholders(demo_round)
    values = answers(reports, question)
    first = next(iter(values.values()))
    choice = first[0] if isinstance(first, list) else first
    listed_ = drill_reports(chosen, Drill(question=question, value=choice))
    assert {r.id for r in listed_} == {
        pk for pk, v in values.items() if v == choice or (isinstance(v, list) and choice in v)
    }


def test_the_drill_page_links_each_counted_report(demo_round, clients) -> None:
    reports = national(demo_round)
    values = answers(reports, "code_awareness")
    regions = regions_at(deadline_of(reports[0].round_instrument))
    expected = {
        r.pk for r in reports if values.get(r.pk) == "yes" and regions[r.member_state_id] == "AFR"
    }
    response = clients["analyst"].get(
        "/backoffice/analysis/reports/",
        {
            "round": demo_round.number,
            "instrument": "nri",
            "question": "code_awareness",
            "value": "yes",
            "region": "AFR",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    linked = {
        int(part.split("/")[0]) for part in page.split('href="/backoffice/national-reports/')[1:]
    }
    assert linked == expected
    none = clients["analyst"].get(
        "/backoffice/analysis/reports/",
        {
            "round": demo_round.number,
            "instrument": "nri",
            "question": "code_awareness",
            "value": NONE,
        },
    )
    assert none.content.decode().count('href="/backoffice/national-reports/') == sum(
        1 for r in reports if r.pk not in values
    )
    csv = clients["analyst"].get(
        "/backoffice/analysis/reports/",
        {
            "round": demo_round.number,
            "instrument": "nri",
            "question": "code_awareness",
            "value": "yes",
            "region": "AFR",
            "csv": "nri.code_awareness.reports",
        },
    )
    assert csv["Content-Type"].startswith("text/csv")
    assert len(csv.content.decode().strip().splitlines()) == 1 + len(expected) + 2
    unknown = clients["analyst"].get(
        "/backoffice/analysis/reports/", {"instrument": "nri", "question": "fp_email"}
    )
    assert unknown.status_code == 200 and "no question" in unknown.content.decode()


# -- the pages ---------------------------------------------------------------------------------


def test_the_questions_by_page_without_personal_data_notes_or_files(demo_round, clients) -> None:
    version = RoundInstrument.objects.get(
        round=demo_round, instrument_version__instrument__code="nri"
    ).instrument_version
    form = version.form
    pages = analysable_questions(form)
    names = [q.name for page in pages for q in page.questions]
    kinds = {q.name: q.kind for q in form.walk()}
    personal = {q.name for q in form.walk() if q.personal}
    assert not personal & set(names)
    assert not {n for n in names if kinds[n] in {"note", "calculate", "file"}}
    assert {"code_awareness", "agreements", "agreement_partners", "stock_total"} <= set(names)
    assert pages[0].name == "authority"  # the background page has only notes
    articles = {q.name: q.article for page in pages for q in page.questions}
    assert articles["agreement_partners"] == "5.2"
    response = clients["analyst"].get(
        "/backoffice/analysis/questions/", {"round": demo_round.number, "instrument": "nri"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "/backoffice/analysis/questions/code_awareness/?" in page
    assert "/backoffice/analysis/questions/fp_email/" not in page
    home = clients["analyst"].get("/backoffice/analysis/", {"round": demo_round.number})
    assert "/backoffice/analysis/questions/?" in home.content.decode()


def test_a_question_page_its_csv_and_the_404_of_an_unknown_or_personal_one(
    demo_round, clients
) -> None:
    base = {"round": demo_round.number, "instrument": "nri"}
    client = clients["analyst"]
    page = client.get("/backoffice/analysis/questions/code_awareness/", base)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="nri.code_awareness.region"' in body and 'role="img"' in body
    assert "/backoffice/analysis/reports/?" in body and "value=yes" in body
    csv = client.get(
        "/backoffice/analysis/questions/code_awareness/",
        {**base, "csv": "nri.code_awareness.safeguards"},
    )
    assert csv["Content-Type"].startswith("text/csv")
    assert "Safeguards list" in csv.content.decode()
    for name in ("fp_email", "bg_code", "agreements_count", "supporting_documents", "nope"):
        missing = client.get(f"/backoffice/analysis/questions/{name}/", base)
        assert missing.status_code == 404, name
        assert "no question" in missing.content.decode()
    wrong = client.get(
        "/backoffice/analysis/questions/code_awareness/", {**base, "csv": "nri.other.region"}
    )
    assert wrong.status_code == 404
    with pytest.raises(NotAnalysable):
        question_tables(selection(demo_round, "nri"), "fp_email", language="en")
    text = client.get("/backoffice/analysis/questions/challenges/", base)
    assert "/backoffice/analysis/search/?" in text.content.decode()
    assert "question=challenges" in text.content.decode()


def test_every_question_of_both_instruments_tabulates(demo_round) -> None:
    for code in ("nri", "isri"):
        chosen = selection(demo_round, code)
        form = chosen.filters.round_instrument.instrument_version.form
        for page in analysable_questions(form):
            for question in page.questions:
                tables = question_tables(chosen, question.name, language="fr")
                assert tables, question.name
                identifiers = [t.identifier for t in tables]
                assert len(identifiers) == len(set(identifiers))
                assert all(i.startswith(f"{code}.") for i in identifiers)
                for item in tables:
                    table = item.table if isinstance(item, AnalysisFigure) else item
                    assert table.csv().startswith(b"\xef\xbb\xbf") or table.csv()


def _page_statements(client, url: str, query: dict[str, Any]) -> int:
    cache.clear()  # the worst case: what a selection keeps in the cache read again
    kept_clear()
    reference_names._LABELS.clear()  # the names too: their minute may run out between counts
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_sql_statements_of_a_question_page_do_not_grow_with_the_reports(
    demo_round, clients, memory_cache
) -> None:
    client = clients["analyst"]
    nri = {"round": demo_round.number, "instrument": "nri"}
    isri = {"round": demo_round.number, "instrument": "isri"}
    pages = [
        ("/backoffice/analysis/questions/code_awareness/", nri),
        ("/backoffice/analysis/questions/agreement_partners/", nri),
        ("/backoffice/analysis/questions/stock_doctors/", nri),
        ("/backoffice/analysis/questions/stakeholder_category/", isri),
        ("/backoffice/analysis/reports/", {**isri, "question": "stakeholder_category"}),
    ]
    for url, query in pages:
        _page_statements(client, url, query)  # the per-process caches warm
    before = [_page_statements(client, url, query) for url, query in pages]
    counted = (
        len(selection(demo_round, "nri").reports),
        len(selection(demo_round, "isri").reports),
    )
    # More national reports counted, and more stakeholder reports with their answers.
    Report.objects.filter(round_instrument__round=demo_round, state="submitted").update(
        state="validated"
    )
    source = stakeholders(demo_round)[:60]
    round_instrument = source[0].round_instrument
    top = max(
        Report.objects.filter(round_instrument=round_instrument).values_list("sequence", flat=True)
    )
    copies = Report.objects.bulk_create(
        [
            Report(
                round_instrument=round_instrument,
                instrument_version=r.instrument_version,
                sequence=top + index + 1,
                entity_name=r.entity_name,
                state="submitted",
                is_demo=True,
                uuid=uuid.uuid4(),
            )
            for index, r in enumerate(source)
        ]
    )
    rows = []
    for original, copy in zip(source, copies, strict=True):
        for question, row, value in Answer.objects.filter(report=original).values_list(
            "question", "row", "value"
        ):
            rows.append(
                Answer(
                    report=copy,
                    round_instrument=round_instrument,
                    question=question,
                    row=row,
                    value=value,
                )
            )
    Answer.objects.bulk_create(rows)
    after = [_page_statements(client, url, query) for url, query in pages]
    assert len(selection(demo_round, "nri").reports) > counted[0]
    assert len(selection(demo_round, "isri").reports) == counted[1] + len(copies)
    assert after == before


def test_a_report_validated_after_a_tabulation_is_counted(demo_round) -> None:
    """What the cache keeps of a round's answers knows nothing of states: a validation
    (which changes no answer) counts at once."""
    from codemonitor.analysis.tabulate import observations

    before = {o.report.id for o in observations(selection(demo_round, "nri"), "code_awareness")}
    waiting = (
        Report.objects.filter(
            round_instrument__round=demo_round, member_state__isnull=False, state="submitted"
        )
        .exclude(pk__in=before)
        .first()
    )
    assert waiting is not None
    Report.objects.filter(pk=waiting.pk).update(state="validated")  # no answer changes
    after = {o.report.id for o in observations(selection(demo_round, "nri"), "code_awareness")}
    assert after == before | {waiting.pk}
    Report.objects.filter(pk=waiting.pk).update(state="returned")
    again = {o.report.id for o in observations(selection(demo_round, "nri"), "code_awareness")}
    assert again == before
