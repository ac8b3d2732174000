"""A validated national report's declared figures become statistics; reopened, they go."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from codemonitor.core.models import AuditEntry
from codemonitor.reporting.answers import answer_save
from codemonitor.reporting.models import Report
from codemonitor.reporting.selectors import deadline_date
from codemonitor.reporting.workflow import (
    national_report_submit,
    report_reopen_validated,
    report_review_start,
    report_validate,
)
from codemonitor.workforce.models import TOTAL_ORIGIN, Dataset, Statistic
from codemonitor.workforce.reports import statistics_from_report
from tests.national.conftest import nri_round, report_a  # noqa: F401  (fixtures)
from tests.national.test_workflow import REQUIRED

pytestmark = pytest.mark.django_db

FIGURES = {
    "data_year": 2022,
    "stock_doctors": 5000,
    "ft_doctors": 600,
    "fb_doctors": 700,
    "inflow_doctors": 40,
    "stock_nurses": 20000,
    "stock_nurses_midwives": 99,  # hidden: the country separates nurses and midwives
}
TABLE = [("r1", "doctors", "NGA", 250), ("r2", "doctors", "IND", 100), ("r3", "nurses", "PHL", 7)]


def fill(report: Report, user, figures=FIGURES, table=TABLE) -> None:
    for question, value in {**REQUIRED, **figures}.items():
        answer_save(report=report, question=question, value=value, user=user)
    answer_save(report=report, question="tc_rows", value=[row for row, *_ in table], user=user)
    for row, occupation, country, number in table:
        answer_save(report=report, question="tc_occupation", row=row, value=occupation, user=user)
        answer_save(report=report, question="tc_country", row=row, value=country, user=user)
        answer_save(report=report, question="tc_number", row=row, value=number, user=user)


def validate(report: Report, people) -> None:
    national_report_submit(report=report, user=people["fp_a"])
    report_review_start(report=report, user=people["admin"])
    report_validate(report=report, user=people["admin"])


def figures() -> set[tuple]:
    return set(
        Statistic.objects.filter(dataset=Dataset.NRI).values_list(
            "destination_code",
            "origin_code",
            "population",
            "occupation",
            "measure",
            "year",
            "value",
        )
    )


def test_a_validated_reports_figures_become_statistics(report_a, people) -> None:  # noqa: F811
    fill(report_a, people["fp_a"])
    assert not Statistic.objects.exists()
    validate(report_a, people)
    assert figures() == {
        ("GHA", "", "total", "doctors", "stock", 2022, Decimal(5000)),
        ("GHA", "", "total", "nurses", "stock", 2022, Decimal(20000)),
        ("GHA", TOTAL_ORIGIN, "foreign_trained", "doctors", "stock", 2022, Decimal(600)),
        ("GHA", TOTAL_ORIGIN, "foreign_born", "doctors", "stock", 2022, Decimal(700)),
        ("GHA", TOTAL_ORIGIN, "foreign_trained", "doctors", "inflow", 2022, Decimal(40)),
        ("GHA", "NGA", "foreign_trained", "doctors", "stock", 2022, Decimal(250)),
        ("GHA", "IND", "foreign_trained", "doctors", "stock", 2022, Decimal(100)),
        ("GHA", "PHL", "foreign_trained", "nurses", "stock", 2022, Decimal(7)),
    }
    nigeria = Statistic.objects.get(origin_code="NGA")
    assert (nigeria.source_report, nigeria.source_question, nigeria.source_row) == (
        report_a,
        "tc_number",
        "r1",
    )
    assert nigeria.destination_id == "GHA" and nigeria.origin_id == "NGA"
    entry = AuditEntry.objects.get(action="workforce.statistics.from_report")
    assert entry.data["created"] == 8


def test_running_again_changes_nothing(report_a, people) -> None:  # noqa: F811
    fill(report_a, people["fp_a"])
    validate(report_a, people)
    before = list(Statistic.objects.order_by("pk").values())
    outcome = statistics_from_report(report=report_a, user=people["admin"])
    assert (outcome.created, outcome.updated, outcome.removed, outcome.unchanged) == (0, 0, 0, 8)
    call_command("statistics_from_reports", stdout=__import__("io").StringIO())
    assert list(Statistic.objects.order_by("pk").values()) == before
    assert AuditEntry.objects.filter(action="workforce.statistics.from_report").count() == 1


def test_reopening_removes_them_and_revalidating_follows_the_answers(
    report_a,  # noqa: F811
    people,
) -> None:
    fill(report_a, people["fp_a"])
    validate(report_a, people)
    report_reopen_validated(report=report_a, user=people["admin"], reason="Check the doctors.")
    assert not Statistic.objects.exists()
    answer_save(report=report_a, question="stock_doctors", value=5100, user=people["fp_a"])
    answer_save(report=report_a, question="fb_doctors", value=None, user=people["fp_a"])
    validate(report_a, people)
    assert Statistic.objects.get(population="total", occupation="doctors").value == 5100
    assert not Statistic.objects.filter(population="foreign_born").exists()
    assert Statistic.objects.count() == 7


def test_without_a_declared_year_the_deadlines_year(report_a, people) -> None:  # noqa: F811
    fill(report_a, people["fp_a"], figures={"stock_dentists": 12}, table=[])
    validate(report_a, people)
    stat = Statistic.objects.get()
    assert stat.year == deadline_date(report_a.round_instrument).year


def test_figures_no_longer_answered_are_removed_on_a_rebuild(report_a, people) -> None:  # noqa: F811
    fill(report_a, people["fp_a"])
    validate(report_a, people)
    Statistic.objects.filter(origin_code="NGA").update(value=1)
    Statistic.objects.create(
        dataset=Dataset.NRI,
        destination_code="GHA",
        population="total",
        occupation="pharmacists",
        measure="stock",
        year=2022,
        value=3,
        source_report=report_a,
    )
    outcome = statistics_from_report(report=report_a, user=None)
    assert (outcome.updated, outcome.removed) == (1, 1)
    assert Statistic.objects.get(origin_code="NGA").value == 250


def test_a_number_beyond_what_a_statistic_holds_is_no_figure(report_a, people) -> None:  # noqa: F811
    # The instrument does not bound its numbers: 10^13 doctors and more could be validated,
    # and then every page reading the figure failed (PostgreSQL refused the validation).
    fill(
        report_a, people["fp_a"], figures={**FIGURES, "stock_doctors": 10**20, "ft_doctors": 10**13}
    )
    validate(report_a, people)
    doctors = {row[:5] for row in figures() if row[3] == "doctors"}
    assert ("GHA", "", "total", "doctors", "stock") not in doctors
    assert ("GHA", TOTAL_ORIGIN, "foreign_trained", "doctors", "stock") not in doctors
    assert ("GHA", "NGA", "foreign_trained", "doctors", "stock") in doctors
    assert all(value < 10**13 for value in Statistic.objects.values_list("value", flat=True))
