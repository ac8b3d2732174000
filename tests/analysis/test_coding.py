"""Coding the free text: the codebook, coded passages (added, recoded, removed: each audited and
counted), what is refused with a message, several analysts, the pages."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from codemonitor.analysis.coding import (
    CodingRefused,
    code_create,
    code_remove,
    code_update,
    codebook_ensure,
    coded_passages,
    coding_add,
    coding_counts,
    coding_remove,
    coding_update,
    quotes,
)
from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.models import Code, Coding
from codemonitor.analysis.selection import selection_for
from codemonitor.analysis.text_index import searchable_questions
from codemonitor.core.models import AuditEntry
from codemonitor.reference.models import CodeArticle, RegionMembership, SafeguardsEntry
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, Round
from codemonitor.reporting.rounds import round_instrument_for
from codemonitor.reporting.selectors import safeguards_edition_for

pytestmark = pytest.mark.django_db

TEXT = "Bilateral agreements protect nurses. Recruiters ignore them. Unions object."


def filters(round_: Round, **query: str | list[str]) -> AnalysisFilters:
    data = QueryDict(mutable=True)
    data["round"] = str(round_.number)
    for key, value in query.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return AnalysisFilters.from_query(data)


def answered(round_: Round, kind: str, state: str, index: int = 0, **more: object) -> Report:
    """A report with a text answer TEXT to its first searchable question."""
    report = (
        Report.objects.filter(
            round_instrument__round=round_,
            member_state__isnull=(kind == "stakeholder"),
            state=state,
            **more,
        )
        .select_related("instrument_version", "round_instrument")
        .order_by("sequence")[index]
    )
    Answer.objects.update_or_create(
        report=report,
        question=first_text_question(report),
        row="",
        defaults={"round_instrument_id": report.round_instrument_id, "value": TEXT},
    )
    return report


def first_text_question(report: Report) -> str:
    form = report.instrument_version.form
    paths = form.repeat_path()
    return next(name for name in searchable_questions(form) if not paths.get(name))


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


# -- the codebook ----------------------------------------------------------------------------


def test_the_codebook_is_seeded_with_the_articles_once(demo_round, people) -> None:
    codes = codebook_ensure(demo_round, user=people["analyst"])
    articles = list(CodeArticle.objects.order_by("number"))
    assert len(articles) == 10
    assert [code.article_id for code in codes] == [a.number for a in articles]
    assert codes[4].label == f"Article {articles[4].number} – {articles[4].title_en}"
    assert len(entries("analysis.code.created")) == 10
    again = codebook_ensure(demo_round, user=people["admin"])
    assert [c.pk for c in again] == [c.pk for c in codes]
    assert len(entries("analysis.code.created")) == 10


def test_codes_are_added_changed_and_removed_only_while_unused(demo_round, people) -> None:
    user = people["analyst"]
    theme = code_create(round_=demo_round, label="  Brain   drain ", description="d", user=user)
    assert theme.label == "Brain drain" and theme.article is None
    with pytest.raises(CodingRefused, match="already has a code"):
        code_create(round_=demo_round, label="Brain drain", user=people["admin"])
    with pytest.raises(CodingRefused, match="Give the code a name"):
        code_create(round_=demo_round, label="  ", user=user)
    with pytest.raises(CodingRefused, match="no article 42"):
        code_create(round_=demo_round, label="X", article=42, user=user)
    code_update(code=theme, label="Brain drain and gain", article=5, user=user)
    theme.refresh_from_db()
    assert theme.label == "Brain drain and gain" and theme.article_id == 5
    changed = entries("analysis.code.changed")[-1]
    assert changed.target_id == theme.pk and changed.data["before"]["label"] == "Brain drain"
    report = answered(demo_round, "stakeholder", Report.State.SUBMITTED)
    coding_add(
        code=theme, report=report, question=first_text_question(report), start=0, end=9, user=user
    )
    with pytest.raises(CodingRefused, match="codes 1 passages"):
        code_remove(code=theme, user=user)
    assert Code.objects.filter(pk=theme.pk).exists()
    Coding.objects.filter(code=theme).delete()
    code_remove(code=theme, user=user)
    assert not Code.objects.filter(pk=theme.pk).exists()
    assert entries("analysis.code.removed")[-1].target_id == theme.pk


# -- coding ----------------------------------------------------------------------------------


def independent_counts(round_: Round, kind: str) -> dict[tuple[int, str], tuple[int, int]]:
    """{(code, region or "on"/"off"/"all"): (passages, reports)} counted from the Coding and
    Report rows and the reference data, for the default states of the instrument."""
    use = round_instrument_for(round_, kind)
    states = (
        {Report.State.VALIDATED} if kind == "national" else {"submitted", "in_review", "validated"}
    )
    deadline = use.closes_at.date()
    region_of = dict(
        RegionMembership.objects.in_force(deadline).values_list("member_state_id", "region_id")
    )
    edition = safeguards_edition_for(use)
    listed = set(
        SafeguardsEntry.objects.filter(edition=edition).values_list("member_state_id", flat=True)
    )
    concerned_question = use.instrument_version.form.report_fields().get("countries_concerned")
    passages: Counter[tuple[int, str]] = Counter()
    reports: dict[tuple[int, str], set[int]] = {}
    for code_id, report_id, state, member_state in Coding.objects.filter(
        report__round_instrument=use
    ).values_list("code_id", "report_id", "report__state", "report__member_state_id"):
        if state not in states:
            continue
        if member_state:
            countries = [str(member_state)]
        else:
            value = Answer.objects.get(report_id=report_id, question=concerned_question).value
            countries = [str(v) for v in (value if isinstance(value, list) else [value])]
        groups = {region_of.get(c, c) for c in countries}
        groups.add("on" if any(c in listed for c in countries) else "off")
        groups.add("all")
        for group in groups:
            passages[code_id, group] += 1
            reports.setdefault((code_id, group), set()).add(report_id)
    return {key: (passages[key], len(reports[key])) for key in passages}


def table_counts(round_: Round, kind: str) -> dict[tuple[int, str], tuple[int, int]]:
    table = coding_counts(
        selection_for(filters(round_, instrument="nri" if kind == "national" else "isri"))
    )
    keys = [column.key for column in table.columns[2:]]
    names = {"on_list": "on", "off_list": "off", "all": "all"}
    found: dict[tuple[int, str], list[int]] = {}
    for row in table.rows:
        for key, cell in zip(keys, row[2:], strict=True):
            code_id = int(cell.drill["code"]) if cell.drill else 0
            found.setdefault((code_id, names.get(key, key)), []).append(int(cell.value or 0))
    return {key: (values[0], values[1]) for key, values in found.items() if values[0]}


def test_coding_recoding_and_removing_are_audited_and_counted(demo_round, people) -> None:
    user = people["analyst"]
    codes = codebook_ensure(demo_round, user=user)
    report = answered(demo_round, "stakeholder", Report.State.SUBMITTED)
    question = first_text_question(report)
    other = answered(demo_round, "stakeholder", Report.State.SUBMITTED, index=1)
    coding = coding_add(
        code=codes[4], report=report, question=question, start=0, end=20, user=user, quote=True
    )
    assert coding.passage == TEXT[0:20] and coding.analyst == user
    whole = coding_add(
        code=codes[4], report=other, question=question, start=None, end=None, user=user
    )
    assert whole.start is None and whole.passage == TEXT
    added = entries("analysis.coding.added")
    assert [e.target_id for e in added] == [coding.pk, whole.pk]
    assert added[0].data == {
        "code": codes[4].pk,
        "report": report.pk,
        "question": question,
        "row": "",
        "start": 0,
        "end": 20,
        "quote": True,
        "note": False,
    }
    assert TEXT[0:20] not in str(added[0].data)  # never the passage itself
    assert table_counts(demo_round, "stakeholder") == independent_counts(demo_round, "stakeholder")
    # Recoded: another code and another span.
    coding_update(coding=coding, user=people["admin"], code=codes[2], start=37, end=60, note="n")
    coding.refresh_from_db()
    assert (coding.code_id, coding.start, coding.end) == (codes[2].pk, 37, 60)
    assert coding.passage == TEXT[37:60] and coding.analyst == user  # who coded it first
    changed = entries("analysis.coding.changed")[-1]
    assert changed.actor_id == people["admin"].pk
    assert changed.data["before"]["code"] == codes[4].pk and changed.data["code"] == codes[2].pk
    assert changed.data["note"] is True  # that there is one, not what it says
    counts = table_counts(demo_round, "stakeholder")
    assert counts == independent_counts(demo_round, "stakeholder")
    assert counts[codes[2].pk, "all"] == (1, 1) and counts[codes[4].pk, "all"] == (1, 1)
    # Removed.
    coding_remove(coding=whole, user=user)
    assert entries("analysis.coding.removed")[-1].target_id == whole.pk
    counts = table_counts(demo_round, "stakeholder")
    assert counts == independent_counts(demo_round, "stakeholder")
    assert (codes[4].pk, "all") not in counts


def test_bad_passages_are_refused_with_a_message(demo_round, people) -> None:
    user = people["analyst"]
    code = codebook_ensure(demo_round, user=user)[0]
    report = answered(demo_round, "stakeholder", Report.State.SUBMITTED)
    question = first_text_question(report)
    form = report.instrument_version.form
    personal = next(q.name for q in form.walk() if q.kind == "text" and q.personal)
    PersonalAnswer.objects.update_or_create(
        report=report,
        question=personal,
        row="",
        defaults={"round_instrument_id": report.round_instrument_id, "value": "Ms Someone"},
    )
    select = next(q.name for q in form.walk() if q.kind == "select_one")
    other_round = Round.objects.create(number=demo_round.number + 7, year=2030, title="Other")
    foreign = Code.objects.create(round=other_round, label="Elsewhere")
    cases: list[tuple[dict[str, object], str]] = [
        ({"start": 5, "end": 5}, "within the answer"),
        ({"start": 10, "end": 4}, "within the answer"),
        ({"start": 0, "end": len(TEXT) + 1}, "within the answer"),
        ({"start": 3, "end": None}, "a start and an end"),
        ({"question": "no_such_question"}, "not a question of this report"),
        ({"question": personal}, "personal data"),
        ({"question": select}, "typed as text"),
        ({"row": "nope"}, "no answer"),
        ({"code": foreign}, "another round"),
    ]
    for change, message in cases:
        arguments: dict[str, object] = {
            "code": code,
            "report": report,
            "question": question,
            "start": 0,
            "end": 5,
        }
        arguments.update(change)
        with pytest.raises(CodingRefused, match=message):
            coding_add(user=user, **arguments)  # type: ignore[arg-type]
    assert not Coding.objects.exists()
    assert not entries("analysis.coding.added")


def test_several_analysts_code_the_same_round(demo_round, people) -> None:
    codes = codebook_ensure(demo_round, user=people["admin"])
    report = answered(demo_round, "stakeholder", Report.State.SUBMITTED)
    question = first_text_question(report)
    span = {"report": report, "question": question, "start": 0, "end": 20}
    mine = coding_add(code=codes[0], user=people["analyst"], **span)  # type: ignore[arg-type]
    theirs = coding_add(code=codes[0], user=people["admin"], **span)  # type: ignore[arg-type]
    assert {mine.analyst_id, theirs.analyst_id} == {people["analyst"].pk, people["admin"].pk}
    with pytest.raises(CodingRefused, match="already coded"):
        coding_add(code=codes[0], user=people["analyst"], **span)  # type: ignore[arg-type]
    listed = coded_passages(selection_for(filters(demo_round, instrument="isri")), code=codes[0])
    assert {(p.coding_id, p.analyst_id) for p in listed} == {
        (mine.pk, people["analyst"].pk),
        (theirs.pk, people["admin"].pk),
    }


def test_passages_name_their_source_as_publication_may(demo_round, people) -> None:
    user = people["analyst"]
    code = codebook_ensure(demo_round, user=user)[5]
    national = answered(demo_round, "national", Report.State.VALIDATED)
    named = answered(demo_round, "stakeholder", Report.State.SUBMITTED, publish_entity_name=True)
    withheld = answered(
        demo_round, "stakeholder", Report.State.SUBMITTED, publish_entity_name=False
    )
    for report in (national, named, withheld):
        coding_add(
            code=code,
            report=report,
            question=first_text_question(report),
            start=None,
            end=None,
            user=user,
            quote=True,
        )
    by_report = {
        p.report_id: p
        for kind in ("nri", "isri")
        for p in coded_passages(selection_for(filters(demo_round, instrument=kind)))
    }
    country = country_labels("en")[str(national.member_state_id)]
    assert by_report[national.pk].source == f"{country}, {national.reference}"
    assert by_report[named.pk].source == f"{named.entity_name}, {named.reference}"
    assert by_report[withheld.pk].source == f"a stakeholder (name withheld), {withheld.reference}"
    assert withheld.entity_name not in by_report[withheld.pk].source
    grouped = quotes(round_instrument_for(demo_round, "stakeholder"))
    assert list(grouped) == [code.article_id]
    assert {p.report_id for p in grouped[code.article_id]} == {named.pk, withheld.pk}
    assert quotes(round_instrument_for(demo_round, "stakeholder"), article=1) == {}


# -- the pages -------------------------------------------------------------------------------


def test_coding_on_the_answer_page_without_javascript(demo_round, clients, people) -> None:
    client = clients["analyst"]
    code = codebook_ensure(demo_round, user=people["admin"])[3]
    report = answered(demo_round, "stakeholder", Report.State.SUBMITTED)
    question = first_text_question(report)
    url = f"/backoffice/analysis/answers/{report.pk}/{question}/"
    page = client.get(url)
    assert page.status_code == 200 and TEXT in page.content.decode()
    assert 'src="/static/codemonitor/coding.js"' in page.content.decode()
    # The passage pasted (its blank space and case as it comes): found at its first place.
    response = client.post(url, {"code": code.pk, "passage": "recruiters  IGNORE them"})
    assert response.status_code == 302
    coding = Coding.objects.get()
    assert (coding.start, coding.end) == (TEXT.index("Recruiters"), TEXT.index(". Unions"))
    assert coding.passage == "Recruiters ignore them"
    page = client.get(url).content.decode()
    assert '<mark class="coded" title="' in page and "The passage is coded." in page
    # Not in the answer: a message, nothing coded.
    client.post(url, {"code": code.pk, "passage": "words that are not there"})
    assert "This passage is not in the answer" in client.get(url).content.decode()
    # The span the script sends; then the whole answer.
    client.post(url, {"code": code.pk, "passage": TEXT[0:9], "start": "0", "end": "9"})
    client.post(url, {"code": code.pk, "whole": "1", "quote": "1"})
    spans = {(c.start, c.end, c.quote) for c in Coding.objects.exclude(pk=coding.pk)}
    assert spans == {(None, None, True), (0, 9, False)}
    # A personal question, a wrong one: the page says so.
    form = report.instrument_version.form
    personal = next(q.name for q in form.walk() if q.kind == "text" and q.personal)
    for name in (personal, "no_such_question"):
        wrong = client.get(f"/backoffice/analysis/answers/{report.pk}/{name}/")
        assert wrong.status_code == 200
        before = Coding.objects.count()
        assert (
            client.post(
                f"/backoffice/analysis/answers/{report.pk}/{name}/", {"code": code.pk, "whole": "1"}
            ).status_code
            == 302
        )
        assert Coding.objects.count() == before


def test_the_codings_page_counts_lists_and_marks_quotes(demo_round, clients, people) -> None:
    client = clients["admin"]
    codes = codebook_ensure(demo_round, user=people["admin"])
    first = answered(demo_round, "stakeholder", Report.State.SUBMITTED)
    second = answered(demo_round, "stakeholder", Report.State.SUBMITTED, index=1)
    question = first_text_question(first)
    made = [
        coding_add(
            code=codes[1], report=report, question=question, start=0, end=9, user=people["analyst"]
        )
        for report in (first, second)
    ]
    base = {"round": demo_round.number, "instrument": "isri"}
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/backoffice/analysis/codings/", base)
    assert page.status_code == 200
    assert len(queries.captured_queries) < 25
    html = page.content.decode()
    assert first.reference in html and second.reference in html
    table = coding_counts(selection_for(filters(demo_round, instrument="isri")))
    csv = client.get("/backoffice/analysis/codings/", {**base, "csv": table.identifier})
    assert csv["Content-Type"].startswith("text/csv") and codes[1].label in csv.content.decode()
    only = client.get(
        "/backoffice/analysis/codings/", {**base, "code": codes[0].pk}
    ).content.decode()
    assert first.reference not in only
    # Marked as a quote, then recoded and removed through the page.
    response = client.post(
        f"/backoffice/analysis/codings/{made[0].pk}/", {"action": "quote", "quote": "1"}
    )
    assert response.status_code == 302
    made[0].refresh_from_db()
    assert made[0].quote
    client.post(
        f"/backoffice/analysis/codings/{made[0].pk}/",
        {"action": "recode", "code": codes[2].pk, "quote_field": "1"},
    )
    made[0].refresh_from_db()
    assert made[0].code_id == codes[2].pk and not made[0].quote
    client.post(
        f"/backoffice/analysis/codings/{made[1].pk}/",
        {"action": "recode", "start": "40", "end": "2"},
    )
    made[1].refresh_from_db()
    assert (made[1].start, made[1].end) == (0, 9)  # refused, with a message
    client.post(f"/backoffice/analysis/codings/{made[1].pk}/", {"action": "remove"})
    assert not Coding.objects.filter(pk=made[1].pk).exists()


def test_the_codebook_page(demo_round, clients) -> None:
    client = clients["analyst"]
    base = f"/backoffice/analysis/codebook/?round={demo_round.number}"
    assert client.get(base).status_code == 200
    client.post(base, {"action": "seed"})
    assert Code.objects.filter(round=demo_round).count() == 10
    client.post(base, {"label": "Diaspora engagement", "description": "Returns, remittances"})
    theme = Code.objects.get(round=demo_round, label="Diaspora engagement")
    client.post(
        f"/backoffice/analysis/codebook/{theme.pk}/",
        {"action": "change", "label": "", "next": base},
    )
    theme.refresh_from_db()
    assert theme.label == "Diaspora engagement"
    client.post(
        f"/backoffice/analysis/codebook/{theme.pk}/",
        {"action": "change", "label": "Diaspora", "article": "6"},
    )
    theme.refresh_from_db()
    assert (theme.label, theme.article_id) == ("Diaspora", 6)
    client.post(f"/backoffice/analysis/codebook/{theme.pk}/", {"action": "remove"})
    assert not Code.objects.filter(pk=theme.pk).exists()
    assert 'value="Diaspora"' not in client.get(base).content.decode()
