"""A country across rounds: its answers side by side, changes flagged, numeric trends drawn;
hidden answers and personal data left out; national users see their own country only; a
bounded number of queries whatever the number of rounds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from codemonitor.analysis.trends import (
    CHANGED,
    GONE,
    NEW,
    SAME,
    UnknownCountry,
    country_across_rounds,
)
from codemonitor.instruments.models import InstrumentVersion
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, Round, RoundInstrument

pytestmark = pytest.mark.django_db
GENEVA = ZoneInfo("Europe/Zurich")
LONG = "Earlier text about dissemination: " + "workshops with regulators and unions " * 8
PLANTED = "Planted hidden answer that the rules do not show"
PERSONAL = "Personal-Name-Never-Shown"

# Ghana's answers in the earlier round and in the demonstration round (the newer one).
EARLIER = {
    ("code_awareness", ""): "yes",
    ("code_disseminated", ""): "yes",
    ("code_dissemination_details", ""): LONG,
    ("workforce_measures", ""): ["education_scale_up", "financing"],
    ("separate_nurses_midwives", ""): "yes",
    ("stock_doctors", ""): 1000,
    ("stock_nurses", ""): 500,
    ("ft_doctors", ""): 100,
    ("has_agreements", ""): "yes",
    ("agreements", ""): ["r1", "r2"],
    ("agreement_type", "r1"): "bilateral",
    ("agreement_type", "r2"): "regional",
}
NEWER = {
    ("code_awareness", ""): "yes",
    ("code_disseminated", ""): "no",
    # Stored, but its rule (`code_disseminated` = yes) hides it: left out.
    ("code_dissemination_details", ""): PLANTED,
    ("workforce_measures", ""): ["financing"],
    ("separate_nurses_midwives", ""): "yes",
    ("stock_doctors", ""): 1200,
    ("stock_nurses", ""): 500,
    ("stock_dentists", ""): 40,
    ("has_agreements", ""): "yes",
    ("agreements", ""): ["a", "b", "c"],
    ("agreement_type", "a"): "bilateral",
    ("agreement_type", "b"): "bilateral",
    ("agreement_type", "c"): "other",
}


def nri_version() -> InstrumentVersion:
    return InstrumentVersion.objects.filter(instrument__code="nri").order_by("-created_at").first()


def round_with_nri(number: int, year: int, *, demo: bool = True) -> RoundInstrument:
    """A round (with an NRI round instrument using the demonstration round's NRI version): an
    earlier demonstration round unless `demo` is False (a real one)."""
    round_ = Round.objects.create(
        number=number, year=year, title=f"Round {number} ({year})", is_demo=demo
    )
    closes = dt.datetime(year, 8, 31, 23, 59, tzinfo=GENEVA)
    return RoundInstrument.objects.create(
        round=round_,
        instrument_version=nri_version(),
        opens_at=closes - dt.timedelta(days=120),
        closes_at=closes,
    )


def put(report: Report, answers: dict[tuple[str, str], object]) -> None:
    Answer.objects.filter(report=report).delete()
    PersonalAnswer.objects.filter(report=report).delete()
    Answer.objects.bulk_create(
        Answer(
            report=report,
            round_instrument=report.round_instrument,
            question=question,
            row=row,
            value=value,
        )
        for (question, row), value in answers.items()
    )
    PersonalAnswer.objects.create(
        report=report,
        round_instrument=report.round_instrument,
        question="fp_first_name",
        value=PERSONAL,
    )


def national_report(round_instrument: RoundInstrument, iso3: str, state: str) -> Report:
    return Report.objects.create(
        round_instrument=round_instrument,
        instrument_version=round_instrument.instrument_version,
        sequence=Report.objects.filter(round_instrument=round_instrument).count() + 1,
        member_state_id=iso3,
        state=state,
        submitted_at=timezone.now() if state != "draft" else None,
    )


@pytest.fixture
def two_rounds(demo_round):
    """Ghana's validated report in an earlier round (89) and in the demonstration round (90)."""
    earlier = round_with_nri(89, demo_round.year - 3)
    old = national_report(earlier, "GHA", "validated")
    put(old, EARLIER)
    new = Report.objects.get(round_instrument__round=demo_round, member_state_id="GHA")
    Report.objects.filter(pk=new.pk).update(state="validated", submitted_at=timezone.now())
    put(new, NEWER)
    return {"old": old, "new": Report.objects.get(pk=new.pk), "earlier": earlier}


def by_name(trends):
    return {question.name: question for question in trends.questions}


def test_the_answers_of_each_round_side_by_side_equal_the_stored_answers(
    two_rounds, demo_round
) -> None:
    trends = country_across_rounds("GHA")
    assert [item.number for item in trends.columns] == [89, demo_round.number]
    assert [item.report_id for item in trends.columns] == [
        two_rounds["old"].pk,
        two_rounds["new"].pk,
    ]
    questions = by_name(trends)
    form = nri_version().form
    labels = {
        list_name: {choice.name: choice.label["en"] for choice in choices}
        for list_name, choices in form.choices.items()
    }
    stored = {
        report_id: {(q, row): value for q, row, value in rows}
        for report_id, rows in (
            (
                report.pk,
                Answer.objects.filter(report=report).values_list("question", "row", "value"),
            )
            for report in (two_rounds["old"], two_rounds["new"])
        )
    }
    old_id, new_id = two_rounds["old"].pk, two_rounds["new"].pk
    for name in ("code_awareness", "code_disseminated"):
        list_name = form.questions()[name].list_name
        assert [cell.text for cell in questions[name].cells] == [
            labels[list_name][stored[old_id][name, ""]],
            labels[list_name][stored[new_id][name, ""]],
        ]
    measures = questions["workforce_measures"]
    assert [list(cell.items) for cell in measures.cells] == [
        [labels["workforce_measures"][v] for v in stored[report_id]["workforce_measures", ""]]
        for report_id in (old_id, new_id)
    ]
    assert [cell.number for cell in questions["stock_doctors"].cells] == [
        float(stored[old_id]["stock_doctors", ""]),
        float(stored[new_id]["stock_doctors", ""]),
    ]
    # A table: its number of rows, and its answers listed.
    assert [cell.number for cell in questions["agreements"].cells] == [
        len(stored[old_id]["agreements", ""]),
        len(stored[new_id]["agreements", ""]),
    ]
    assert sorted(questions["agreement_type"].cells[1].items) == sorted(
        labels["agreement_type"][stored[new_id]["agreement_type", row]] for row in "abc"
    )
    # Long text shortened, the whole of it in the CSV.
    details = questions["code_dissemination_details"].cells[0]
    assert details.shortened and details.full == LONG.strip() and len(details.text) <= 160


def test_what_changed_since_the_previous_round_is_flagged(two_rounds) -> None:
    questions = by_name(country_across_rounds("GHA"))
    flags = {name: questions[name].cells[1].change for name in questions}
    assert flags["code_awareness"] == SAME
    assert flags["stock_nurses"] == SAME
    assert flags["code_disseminated"] == CHANGED
    assert flags["workforce_measures"] == CHANGED
    assert flags["stock_doctors"] == CHANGED
    assert flags["agreements"] == CHANGED
    assert flags["stock_dentists"] == NEW
    assert flags["ft_doctors"] == GONE
    # Hidden in the newer round by its rule: not shown, so no longer answered.
    assert flags["code_dissemination_details"] == GONE
    assert all(cell.change == "" for question in questions.values() for cell in question.cells[:1])
    # Unanswered in both rounds: nothing to flag.
    assert flags["stock_pharmacists"] == ""


def test_hidden_answers_and_personal_data_are_left_out(two_rounds, clients) -> None:
    trends = country_across_rounds("GHA")
    questions = by_name(trends)
    hidden = questions["code_dissemination_details"].cells[1]
    assert not hidden.answered and hidden.text == ""
    form = nri_version().form
    personal = {q.name for q in form.walk() if q.personal}
    assert personal and not personal & set(questions)
    assert "supporting_documents" not in questions  # documents are not compared
    page = clients["analyst"].get("/backoffice/analysis/countries/GHA/")
    content = page.content.decode()
    assert page.status_code == 200
    assert PLANTED not in content and PERSONAL not in content
    answers_csv = clients["analyst"].get(
        "/backoffice/analysis/countries/GHA/?csv=trends.gha.answers"
    )
    text = answers_csv.content.decode()
    assert PLANTED not in text and PERSONAL not in text and LONG.strip() in text


def test_numeric_answers_are_drawn_as_a_trend_with_their_values(two_rounds, clients) -> None:
    trends = country_across_rounds("GHA")
    figure = by_name(trends)["stock_doctors"].figure
    assert figure is not None
    assert 'role="img"' in figure.svg and "<title" in figure.svg and "<desc" in figure.svg
    assert figure.svg.count("<circle") == 2
    assert [row[2].value for row in figure.table.rows] == [1000.0, 1200.0]
    assert figure.identifier in trends.tables()
    assert by_name(trends)["code_awareness"].figure is None
    page = clients["admin"].get("/backoffice/analysis/countries/gha/")
    content = page.content.decode()
    assert figure.identifier in content and "1,000" in content and "1,200" in content
    assert 'style="' not in content.split("<main", 1)[-1]  # the policy forbids inline styles
    values = clients["admin"].get(f"/backoffice/analysis/countries/GHA/?csv={figure.identifier}")
    assert values["Content-Type"].startswith("text/csv")
    assert b"1000" in values.content and b"1200" in values.content


def test_only_the_states_asked_for_are_compared(two_rounds, demo_round) -> None:
    Report.objects.filter(pk=two_rounds["new"].pk).update(state="draft", submitted_at=None)
    counting = country_across_rounds("GHA")
    assert [item.number for item in counting.columns] == [89]
    assert not counting.comparable and counting.questions == []
    draft = next(item for item in counting.rounds if item.number == demo_round.number)
    assert draft.report_id == two_rounds["new"].pk and draft.state == "draft" and not draft.shown
    everything = country_across_rounds("GHA", states=["draft", "validated"])
    assert [item.number for item in everything.columns] == [89, demo_round.number]
    # The Secretariat's page shows every state by default, each column with its state.
    # A report returned after its submission counts; a synthetic one outside the demo round
    # never does.
    Report.objects.filter(pk=two_rounds["old"].pk).update(state="returned")
    assert [item.number for item in country_across_rounds("GHA").columns] == [89]
    Round.objects.filter(pk=two_rounds["earlier"].round_id).update(is_demo=False)
    Report.objects.filter(pk=two_rounds["old"].pk).update(is_demo=True)
    old = next(item for item in country_across_rounds("GHA").rounds if item.number == 89)
    assert old.report_id is None


def test_demonstration_rounds_are_never_compared_with_real_ones(
    two_rounds, demo_round, clients
) -> None:
    assert [item.number for item in country_across_rounds("GHA").columns] == [
        89,
        demo_round.number,
    ]
    # A real round with Ghana's report: the demonstration rounds (89 and the demo) leave.
    real = round_with_nri(95, demo_round.year + 3, demo=False)
    put(national_report(real, "GHA", "validated"), NEWER)
    trends = country_across_rounds("GHA")
    assert trends.demo_left_out
    assert [item.number for item in trends.rounds] == [95] and not trends.comparable
    page = clients["admin"].get("/backoffice/analysis/countries/GHA/")
    assert "demonstration rounds are left out" in page.content.decode()
    # A country with no report in a real round still sees the demonstration rounds.
    assert not country_across_rounds("KEN").demo_left_out


def test_a_bounded_number_of_queries_whatever_the_number_of_rounds(two_rounds) -> None:
    country_across_rounds("GHA")  # country names cached, as on any page after the first
    with CaptureQueriesContext(connection) as two:
        trends = country_across_rounds("GHA")
    assert len(trends.columns) == 2
    third = round_with_nri(88, two_rounds["earlier"].round.year - 3)
    put(national_report(third, "GHA", "submitted"), EARLIER)
    fourth = round_with_nri(87, two_rounds["earlier"].round.year - 6)
    put(national_report(fourth, "GHA", "in_review"), NEWER)
    with CaptureQueriesContext(connection) as four:
        trends = country_across_rounds("GHA")
    assert len(trends.columns) == 4
    assert len(two) == len(four) <= 7, [q["sql"] for q in four.captured_queries]


def test_an_unknown_country(clients, instruments) -> None:
    with pytest.raises(UnknownCountry):
        country_across_rounds("XYZ")
    assert clients["analyst"].get("/backoffice/analysis/countries/XYZ/").status_code == 404
    assert clients["analyst"].get("/backoffice/analysis/countries/G%00A/").status_code == 404
    assert clients["analyst"].get("/backoffice/analysis/countries/GHAN/").status_code == 404


def test_the_country_picker(clients, demo_round) -> None:
    analyst = clients["analyst"]
    assert analyst.get("/backoffice/analysis/countries/?country=fra")["Location"] == (
        "/backoffice/analysis/countries/FRA/"
    )
    assert analyst.get("/backoffice/analysis/countries/?country=ghana")["Location"] == (
        "/backoffice/analysis/countries/GHA/"
    )
    listed = analyst.get("/backoffice/analysis/countries/?country=guinea")
    assert listed.status_code == 200 and b"Equatorial Guinea" in listed.content
    home = analyst.get("/backoffice/analysis/")
    assert b"/backoffice/analysis/countries/" in home.content
    profile = analyst.get("/backoffice/countries/GHA/")
    assert b"/backoffice/analysis/countries/GHA/" in profile.content


def test_national_users_see_their_own_country_only(two_rounds, clients, demo_round) -> None:
    france = Report.objects.get(round_instrument__round=demo_round, member_state_id="FRA")
    Report.objects.filter(pk=france.pk).update(state="validated", submitted_at=timezone.now())
    old_france = national_report(two_rounds["earlier"], "FRA", "validated")
    put(old_france, EARLIER)
    ghana_refs = {item.reference for item in country_across_rounds("GHA").columns}
    for persona in ("fp_a", "contributor_a"):
        response = clients[persona].get("/national/analysis/")
        assert response.status_code == 200
        trends = response.context["trends"]
        assert trends.iso3 == "GHA"
        assert {item.report_id for item in trends.columns} == {
            two_rounds["old"].pk,
            two_rounds["new"].pk,
        }
        assert f"/national/reports/{two_rounds['new'].pk}/review/" in response.content.decode()
        # Asking for another country changes nothing: there is no such parameter.
        other = clients[persona].get("/national/analysis/?country=FRA&iso3=FRA")
        assert other.context["trends"].iso3 == "GHA"
    home = clients["fp_a"].get("/national/")
    assert b"/national/analysis/" in home.content
    response = clients["fp_b"].get("/national/analysis/")
    assert response.status_code == 200
    trends = response.context["trends"]
    assert trends.iso3 == "FRA"
    assert {item.report_id for item in trends.columns} == {old_france.pk, france.pk}
    content = response.content.decode()
    assert not any(reference in content for reference in ghana_refs)
    csv = clients["fp_b"].get("/national/analysis/?csv=trends.fra.answers")
    assert csv["Content-Type"].startswith("text/csv") and b"Question" in csv.content
    assert clients["fp_b"].get("/national/analysis/?csv=trends.gha.answers")["Content-Type"] == (
        "text/html; charset=utf-8"
    )
    # The Secretariat uses the back office's page; anonymous visitors find nothing.
    assert clients["analyst"].get("/national/analysis/").status_code == 404
    assert clients["anonymous"].get("/national/analysis/").status_code == 404
