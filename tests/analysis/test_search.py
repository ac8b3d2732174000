"""Full-text search across the text answers of a round: found, ranked, highlighted, linked to
the answer, filtered like every analysis view; personal data never found; on SQLite and on
PostgreSQL (run the suite on both)."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.models import AnswerText
from codemonitor.analysis.search import (
    fold_with_positions,
    parse_query,
    passage_html,
    text_search,
)
from codemonitor.analysis.text_index import (
    INDEXED_STATES,
    MARKER,
    search_vector_sql,
    searchable_questions,
    text_index_rebuild,
)
from codemonitor.core.text import text_folded
from codemonitor.reference.models import RegionMembership
from codemonitor.reporting.models import (
    Answer,
    PersonalAnswer,
    Report,
    ReportContact,
    Round,
    RoundInstrument,
)
from codemonitor.reporting.rounds import round_instrument_for

pytestmark = pytest.mark.django_db

ENGLISH = "Ethical recruitment of midwives from Zorbania stopped in 2023, the union says."
FRENCH = "Les infirmières recrutées à l'étranger quittent les hôpitaux ruraux de Zorbanie."


@pytest.fixture(scope="module")
def indexed(demo_round, django_db_blocker) -> Iterator[Round]:
    """The demonstration round with its search index built (kept for the module)."""
    with django_db_blocker.unblock():
        for item in demo_round.instruments.all():
            text_index_rebuild(item)
    try:
        yield demo_round
    finally:
        with django_db_blocker.unblock():
            AnswerText.objects.filter(round_instrument__round=demo_round).delete()


def filters(round_: Round, **query: str | list[str]) -> AnalysisFilters:
    data = QueryDict(mutable=True)
    data["round"] = str(round_.number)
    for key, value in query.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return AnalysisFilters.from_query(data)


def text_question(report: Report) -> str:
    """A text question of the report's form that is neither personal nor in a repeat."""
    form = report.instrument_version.form
    paths = form.repeat_path()
    return next(name for name in searchable_questions(form) if not paths.get(name))


def plant(report: Report, text: str, question: str | None = None) -> str:
    """Write `text` as the answer to a text question of `report`, as if it had just been
    submitted again (a new submission time: the index reads it on the next search)."""
    question = question or text_question(report)
    Answer.objects.update_or_create(
        report=report,
        question=question,
        row="",
        defaults={"round_instrument_id": report.round_instrument_id, "value": text},
    )
    if report.state in INDEXED_STATES:
        Report.objects.filter(pk=report.pk).update(submitted_at=timezone.now())
    return question


def a_report(round_: Round, kind: str, state: str, **more: object) -> Report:
    found = (
        Report.objects.filter(
            round_instrument__round=round_,
            member_state__isnull=(kind == "stakeholder"),
            state=state,
            **more,
        )
        .select_related("instrument_version")
        .order_by("sequence")
        .first()
    )
    assert found is not None, (kind, state, more)
    return found


# -- the query and the passages --------------------------------------------------------------


def test_the_query_reads_words_phrases_exclusions_and_alternatives() -> None:
    (first, second) = parse_query('"Health  workers" -Agencies rural or Médecins')
    assert [(t.words, t.negated) for t in first] == [
        (("health", "workers"), False),
        (("agencies",), True),
        (("rural",), False),
    ]
    assert [(t.words, t.negated) for t in second] == [(("medecins",), False)]
    assert parse_query("   ") == ()


@pytest.mark.parametrize(
    "text",
    ["  Ley Nº 26.529\n\tÉtat  ", "Straße ﬁnal ÇA", "Москва  йод", "plain ascii  text ", ""],
)
def test_folding_keeps_where_each_character_came_from(text: str) -> None:
    folded, origin = fold_with_positions(text)
    assert folded == text_folded(text)
    assert len(origin) == len(folded)
    assert origin == sorted(origin)


def test_a_passage_is_escaped_and_only_the_hits_are_marked() -> None:
    text = "<script>alert('x')</script> nurses & <b>doctors</b> " + "filler " * 60 + "nurses"
    html = passage_html(text, [(29, 35), (len(text) - 6, len(text))])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert html.count("<mark>") == 2 and "<mark>nurses</mark>" in html
    assert "…" in html  # the long middle is cut


def test_the_migration_generates_the_vector_the_search_computes() -> None:
    migration = importlib.import_module("codemonitor.analysis.migrations.0002_answer_text")
    assert migration._vector() == search_vector_sql()


# -- finding ---------------------------------------------------------------------------------


def test_a_phrase_planted_in_english_is_found_highlighted_and_linked(indexed, clients) -> None:
    report = a_report(indexed, "stakeholder", Report.State.SUBMITTED, language="en")
    question = plant(report, ENGLISH)
    chosen = filters(indexed, instrument="isri")
    found = text_search(chosen, '"recruitment of midwives from Zorbania"')
    assert [(hit.report_id, hit.question) for hit in found.hits] == [(report.pk, question)]
    assert found.total == 1 and found.reports == 1
    assert "<mark>recruitment of midwives from Zorbania</mark>" in found.hits[0].passage
    assert found.hits[0].reference == report.reference
    assert found.hits[0].entity == report.entity_name
    # A phrase is its words in that order; the words alone are found in any order.
    assert text_search(chosen, '"Zorbania from midwives"').total == 0
    assert text_search(chosen, "zorbania midwives").total == 1
    assert text_search(chosen, "zorbania -union").total == 0
    # The page: the hit links to the answer, which shows it in full.
    page = clients["analyst"].get(
        "/backoffice/analysis/search/",
        {"round": indexed.number, "instrument": "isri", "q": '"midwives from Zorbania"'},
    )
    html = page.content.decode()
    assert page.status_code == 200
    link = re.search(rf'href="(/backoffice/analysis/answers/{report.pk}/{question}/[^"]*)"', html)
    assert link is not None
    assert "<mark>midwives from Zorbania</mark>" in html
    answer = clients["analyst"].get(link.group(1).replace("&amp;", "&"))
    assert answer.status_code == 200 and ENGLISH in answer.content.decode()


def test_french_is_found_with_or_without_accents_and_in_other_forms(indexed) -> None:
    report = a_report(indexed, "stakeholder", Report.State.SUBMITTED, language="fr")
    plant(report, FRENCH)
    chosen = filters(indexed, instrument="isri")
    for query in (
        '"infirmières recrutées"',
        '"infirmieres recrutees"',  # typed without the accents
        '"infirmière recrutée"',  # singular: another form of the same words
        "Zorbanie HÔPITAUX",
    ):
        found = text_search(chosen, query)
        assert [hit.report_id for hit in found.hits] == [report.pk], query
        assert "<mark>" in found.hits[0].passage, query
    found = text_search(chosen, '"infirmières recrutées"')
    assert "<mark>infirmières recrutées</mark>" in found.hits[0].passage
    if connection.vendor == "postgresql":
        # French stemming: "hôpital rural" finds "hôpitaux ruraux".
        stemmed = text_search(chosen, '"hôpital rural" zorbanie')
        assert [hit.report_id for hit in stemmed.hits] == [report.pk]
        assert "<mark>hôpitaux ruraux</mark>" in stemmed.hits[0].passage


def test_the_best_match_comes_first(indexed) -> None:
    once = a_report(indexed, "stakeholder", Report.State.SUBMITTED, language="en")
    twice = (
        Report.objects.filter(
            round_instrument=once.round_instrument, state=Report.State.SUBMITTED, language="en"
        )
        .exclude(pk=once.pk)
        .order_by("sequence")
        .first()
    )
    assert twice is not None
    plant(once, "Quorvex is named once here, among many other words of the answer text.")
    plant(twice, "Quorvex, quorvex and quorvex again.")
    found = text_search(filters(indexed, instrument="isri"), "quorvex")
    assert [hit.report_id for hit in found.hits] == [twice.pk, once.pk]


def test_personal_data_is_never_found(indexed) -> None:
    report = a_report(indexed, "stakeholder", Report.State.SUBMITTED, language="en")
    form = report.instrument_version.form
    personal = next(q.name for q in form.walk() if q.kind == "text" and q.personal)
    PersonalAnswer.objects.update_or_create(
        report=report,
        question=personal,
        row="",
        defaults={"round_instrument_id": report.round_instrument_id, "value": "Xylophane"},
    )
    # Even an answer row of a personal question (it should never be one) is not read.
    Answer.objects.update_or_create(
        report=report,
        question=personal,
        row="",
        defaults={"round_instrument_id": report.round_instrument_id, "value": "Xylophane"},
    )
    Report.objects.filter(pk=report.pk).update(submitted_at=timezone.now())
    chosen = filters(indexed, instrument="isri")
    assert text_search(chosen, "xylophane").total == 0
    assert not AnswerText.objects.filter(report=report, question=personal).exists()
    asked = text_search(chosen, "xylophane", question=personal)
    assert asked.total == 0 and "personal data" in asked.problems[0]


def _regions(round_: Round) -> dict[str, str]:
    deadline = round_instrument_for(round_, "national").closes_at.date()
    return dict(
        RegionMembership.objects.in_force(deadline).values_list("member_state_id", "region_id")
    )


def test_filters_narrow_the_results(indexed) -> None:
    national = round_instrument_for(indexed, "national")
    planted = {}
    for state in (Report.State.VALIDATED, Report.State.SUBMITTED, Report.State.DRAFT):
        for report in Report.objects.filter(round_instrument=national, state=state).order_by(
            "sequence"
        )[:3]:
            plant(report, f"Report {report.sequence}: the Plumbago agreement with neighbours.")
            planted[report.pk] = report
    regions = _regions(indexed)

    def expect(states: set[str], region: str = "", language: str = "") -> set[int]:
        return {
            pk
            for pk, report in planted.items()
            if report.state in states
            and (not region or regions.get(str(report.member_state_id)) == region)
            and (not language or report.language == language)
        }

    def found(**query: str | list[str]) -> set[int]:
        results = text_search(filters(indexed, instrument="nri", **query), "plumbago", per_page=50)
        return {hit.report_id for hit in results.hits}

    # By default: validated national reports only.
    assert found() == expect({Report.State.VALIDATED})
    both = [Report.State.VALIDATED, Report.State.SUBMITTED]
    assert found(state=both) == expect(set(both))
    # Drafts only when the state filter asks for them (read from their answers as they are).
    assert found(state=[Report.State.DRAFT]) == expect({Report.State.DRAFT})
    region = regions[str(next(iter(planted.values())).member_state_id)]
    every = [Report.State.VALIDATED, Report.State.SUBMITTED, Report.State.DRAFT]
    assert found(state=every, region=region) == expect(set(every), region=region)
    assert found(state=every, language="fr") == expect(set(every), language="fr")
    assert expect(set(every), region=region) != expect(set(every))


def test_one_question_or_every_round_of_the_instrument(indexed) -> None:
    report = a_report(indexed, "stakeholder", Report.State.SUBMITTED, language="en")
    question = plant(report, "The Vantablack protocol between unions and recruiters.")
    other = next(
        name for name in searchable_questions(report.instrument_version.form) if name != question
    )
    chosen = filters(indexed, instrument="isri")
    assert text_search(chosen, "vantablack", question=question).total == 1
    assert text_search(chosen, "vantablack", question=other).total == 0
    wrong = text_search(chosen, "vantablack", question="no_such_question")
    assert wrong.total == 1 and wrong.problems  # named, and every question searched
    # A later round of the same instrument, with a report that says the same.
    later_round = Round.objects.create(number=indexed.number + 1, year=2026, title="Later round")
    later = RoundInstrument.objects.create(
        round=later_round,
        instrument_version=report.instrument_version,
        opens_at=timezone.now() - dt.timedelta(days=10),
        closes_at=timezone.now() + dt.timedelta(days=10),
    )
    again = Report.objects.create(
        round_instrument=later,
        instrument_version=report.instrument_version,
        sequence=1,
        entity_name="Later NGO",
        state=Report.State.SUBMITTED,
        submitted_at=timezone.now(),
        language="en",
    )
    plant(again, "Vantablack again.", question)
    assert text_search(chosen, "vantablack").total == 1
    across = text_search(chosen, "vantablack", all_rounds=True)
    assert {hit.report_id for hit in across.hits} == {report.pk, again.pk}
    assert {item.pk for item in across.searched} == {later.pk, report.round_instrument_id}


def test_a_submission_puts_the_report_in_the_index(indexed, isri_round) -> None:
    from codemonitor.reporting.answers import answer_save
    from codemonitor.reporting.services import report_submit, stakeholder_report_start

    report = stakeholder_report_start(
        round_instrument=isri_round, email="idx@example.org", entity_name="Index NGO", language="en"
    )
    ReportContact.objects.filter(report=report).update(email_verified_at=timezone.now())
    answer_save(report=report, question="q1_answer", value="Nurses left for Quillanby.")
    answer_save(report=report, question="q1_source_countries", value=["GHA"])
    assert not AnswerText.objects.filter(report=report).exists()
    assert report_submit(report=report)
    # Indexed by the submission itself (reporting's signal), before any search.
    assert AnswerText.objects.filter(report=report, question="q1_answer").exists()
    assert AnswerText.objects.filter(report=report, question=MARKER).count() == 1
    found = text_search(filters(isri_round.round, instrument="isri"), "quillanby")
    assert [hit.report_id for hit in found.hits] == [report.pk]


def test_the_index_command_reads_every_fixed_report(indexed) -> None:
    isri = round_instrument_for(indexed, "stakeholder")
    AnswerText.objects.filter(round_instrument=isri).delete()
    out = io.StringIO()
    call_command("analysis_index", round=indexed.number, stdout=out)
    assert f"Round {indexed.number} ISRI" in out.getvalue()
    searchable = set(searchable_questions(isri.instrument_version.form))
    fixed = set(
        Report.objects.filter(round_instrument=isri, state__in=INDEXED_STATES).values_list(
            "pk", flat=True
        )
    )
    # Independent count: the answer rows (the demonstration answers are all shown by the rules).
    expected = sum(
        1
        for report_id, question, value in Answer.objects.filter(
            round_instrument=isri, question__in=searchable
        ).values_list("report_id", "question", "value")
        if report_id in fixed and isinstance(value, str) and value.strip()
    )
    stored = AnswerText.objects.filter(round_instrument=isri).exclude(question=MARKER)
    assert expected > 0 and stored.count() == expected
    assert AnswerText.objects.filter(round_instrument=isri, question=MARKER).count() == len(fixed)


def test_the_search_page_reads_bad_input_as_messages_and_is_bounded(indexed, clients) -> None:
    client = clients["admin"]
    base = {"round": indexed.number, "instrument": "isri"}
    assert client.get("/backoffice/analysis/search/", base).status_code == 200
    odd = client.get(
        "/backoffice/analysis/search/",
        {**base, "q": '"unclosed phrase', "question": "nope", "page": "99999", "region": "XX"},
    )
    assert odd.status_code == 200
    assert "is not a text question" in odd.content.decode()
    assert "is not a WHO region" in odd.content.decode()
    with CaptureQueriesContext(connection) as few:
        client.get("/backoffice/analysis/search/", {**base, "q": "recruitment"})
    report = a_report(indexed, "stakeholder", Report.State.SUBMITTED, language="en")
    plant(report, "recruitment " * 3)
    with CaptureQueriesContext(connection) as more:
        client.get("/backoffice/analysis/search/", {**base, "q": "recruitment", "page": "2"})
    assert len(more.captured_queries) <= len(few.captured_queries) + 12  # the one catch-up
    assert len(few.captured_queries) < 30
