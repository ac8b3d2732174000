"""The analysis under attack: hostile query strings and form posts answer a page (never an
error), HTML typed into answers stays text everywhere it is shown, personal data appear in no
output, nobody reaches what is not theirs, every POST needs its CSRF token, and no page breaks
the content security policy. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import copy
import io
import re
from typing import Any

import docx
import pytest
from django.test import Client
from django.utils import timezone

from codemonitor.analysis.coding import codebook_ensure, coding_add
from codemonitor.analysis.document import Quote, docx_bytes, html_text
from codemonitor.analysis.filters import AnalysisFilters, whole_number
from codemonitor.analysis.models import AnswerText, Code, Coding
from codemonitor.analysis.round_report import round_report_build
from codemonitor.analysis.selection import selection_for
from codemonitor.analysis.tabulate import question_tables
from codemonitor.analysis.text_index import searchable_questions, text_index_report
from codemonitor.analysis.trends import country_across_rounds
from codemonitor.core.models import AuditEntry
from codemonitor.instruments.models import InstrumentVersion
from codemonitor.reporting.models import Answer, PersonalAnswer, Report, Round
from tests.analysis.test_trends import round_with_nri
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "9" * 5_000,
    "é中文",
    "²",
    "١٢",
    "-1",
    "99999999999999999999",
    "abc",
    "' & | ! :* \\",
    "<script>alert(1)</script>",
    '"',
    "or",
]
KEYS = (
    "round",
    "instrument",
    "region",
    "safeguards",
    "state",
    "language",
    "csv",
    "status",
    "category",
    "page",
    "question",
    "value",
    "pair",
    "active",
    "top",
    "q",
    "all_rounds",
    "code",
    "quotes",
    "row",
    "lang",
    "country",
)
HTML = "<script>alert('x')</script><b>bold</b> Zorblax nurses & \"midwives\" leave"
MARKER = "Zyxwvut Personalname"


def validated_national(round_: Round, iso3: str = "") -> Report:
    """A validated national report of the round (that of `iso3`, validated now if need be)."""
    reports = Report.objects.filter(
        round_instrument__round=round_, member_state__isnull=False
    ).select_related("instrument_version", "round_instrument")
    if iso3:
        reports.filter(member_state_id=iso3).update(state="validated", submitted_at=timezone.now())
        reports = reports.filter(member_state_id=iso3)
    report = reports.filter(state="validated").order_by("sequence").first()
    assert report is not None
    return report


def submitted_stakeholder(round_: Round, index: int = 0) -> Report:
    return (
        Report.objects.filter(
            round_instrument__round=round_, member_state__isnull=True, state="submitted"
        )
        .select_related("instrument_version", "round_instrument")
        .order_by("sequence")[index]
    )


def text_question(report: Report) -> str:
    """The first searchable text question outside a table that names nobody."""
    form = report.instrument_version.form
    paths = form.repeat_path()
    questions = form.questions()
    return next(
        name
        for name in searchable_questions(form)
        if not paths.get(name) and not questions[name].report_field
    )


def plant(report: Report, question: str, value: object, *, personal: bool = False) -> None:
    model = PersonalAnswer if personal else Answer
    model.objects.update_or_create(
        report=report,
        question=question,
        row="",
        defaults={"round_instrument_id": report.round_instrument_id, "value": value},
    )
    text_index_report(report)


def urls_of(round_: Round) -> list[str]:
    report = validated_national(round_)
    question = text_question(report)
    return [
        "/backoffice/analysis/",
        "/backoffice/analysis/completeness/",
        "/backoffice/analysis/completeness/list/",
        "/backoffice/analysis/countries/",
        "/backoffice/analysis/countries/GHA/",
        "/backoffice/analysis/questions/",
        "/backoffice/analysis/questions/code_awareness/",
        f"/backoffice/analysis/questions/{question}/",
        "/backoffice/analysis/reports/",
        "/backoffice/analysis/search/",
        f"/backoffice/analysis/answers/{report.pk}/{question}/",
        "/backoffice/analysis/codebook/",
        "/backoffice/analysis/codings/",
        "/backoffice/analysis/report/",
    ]


# -- hostile input ---------------------------------------------------------------------------


def test_numbers_are_read_in_ascii_digits_only() -> None:
    assert whole_number("12") == 12 and whole_number(" 7 ") == 7
    for text in ("²", "١٢", "-1", "1e5", "", "9" * 5_000, "12a", None):
        assert whole_number(text) is None
    assert whole_number("501", most=500) is None and whole_number("500", most=500) == 500


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_query_strings_answer_a_page(demo_round, clients, value: str) -> None:
    client = clients["admin"]  # an error in a view is raised here, not turned into a 500
    for url in urls_of(demo_round):
        response = client.get(url, dict.fromkeys(KEYS, value))
        assert response.status_code in (200, 404), url
        if response.status_code == 404:  # a page that says so, not an empty answer
            assert b"<html" in response.content, url
    national = clients["fp_a"].get("/national/analysis/", dict.fromkeys(KEYS, value))
    assert national.status_code == 200


def test_digits_of_other_scripts_are_named_on_the_page(demo_round, clients) -> None:
    client = clients["admin"]
    home = client.get("/backoffice/analysis/", {"round": "²"})
    assert home.status_code == 200 and "There is no round ²" in home.content.decode()
    for url, query in [
        ("/backoffice/analysis/search/", {"q": "nurses", "page": "²"}),
        ("/backoffice/analysis/search/", {"q": "nurses", "page": "9" * 5_000}),
        ("/backoffice/analysis/reports/", {"question": "code_awareness", "top": "²"}),
        ("/backoffice/analysis/reports/", {"question": "agreement_from", "active": "²"}),
        ("/backoffice/analysis/codings/", {"code": "²"}),
        ("/backoffice/analysis/report/", {"round": "²"}),
    ]:
        assert client.get(url, query).status_code == 200, (url, query)
    report = validated_national(demo_round)
    question = text_question(report)
    plant(report, question, "Nurses leave the rural hospitals.")
    code = codebook_ensure(demo_round, user=None)[0]
    url = f"/backoffice/analysis/answers/{report.pk}/{question}/"
    response = client.post(url, {"code": code.pk, "passage": "Nurses", "start": "²", "end": "6"})
    assert response.status_code == 302
    assert Coding.objects.get().passage == "Nurses"  # the passage itself was found
    assert client.post(url, {"code": "²", "whole": "1"}).status_code == 302
    assert Coding.objects.count() == 1


def test_a_nul_byte_in_an_answer_address_is_not_found(demo_round, clients) -> None:
    client = clients["admin"]
    report = validated_national(demo_round)
    question = text_question(report)
    for url in (
        f"/backoffice/analysis/answers/{report.pk}/{question}/?row=%00",
        f"/backoffice/analysis/answers/{report.pk}/{question}/?row=a%00b",
        f"/backoffice/analysis/answers/{report.pk}/x%00/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"whole": "1"}).status_code == 404, url
    assert not Coding.objects.exists()


def test_the_search_keeps_what_was_typed(demo_round, clients) -> None:
    client = clients["analyst"]
    typed = client.get("/backoffice/analysis/search/", {"q": '<script>x</script> "nurses'})
    content = typed.content.decode()
    assert 'value="&lt;script&gt;x&lt;/script&gt; &quot;nurses"' in content
    assert "<script>x</script>" not in content
    long = client.get("/backoffice/analysis/search/", {"q": "nurses " * 2_000})
    content = long.content.decode()
    assert long.status_code == 200
    assert "Only the first 200 characters of the words typed are looked for." in content
    for query in ("-", "or", '""', "- or -", "&|!", ":*", "\\"):
        response = client.get("/backoffice/analysis/search/", {"q": query})
        assert response.status_code == 200
        assert "Type the words to look for." in response.content.decode(), query


# -- HTML typed into an answer ---------------------------------------------------------------


def test_html_in_answers_stays_text_everywhere(demo_round, clients, people) -> None:
    client = clients["analyst"]
    report = validated_national(demo_round, "GHA")
    question = text_question(report)
    plant(report, question, HTML)
    code = codebook_ensure(demo_round, user=people["admin"])[4]
    coding_add(
        code=code,
        report=report,
        question=question,
        start=None,
        end=None,
        user=people["analyst"],
        quote=True,
    )
    query = {"round": demo_round.number, "instrument": "nri"}
    pages = [
        client.get("/backoffice/analysis/search/", {**query, "q": "zorblax"}),
        client.get(f"/backoffice/analysis/answers/{report.pk}/{question}/"),
        client.get("/backoffice/analysis/codings/", {**query, "code": code.pk}),
        client.get("/backoffice/analysis/reports/", {**query, "question": question}),
    ]
    for page in pages:
        content = page.content.decode()
        assert page.status_code == 200
        assert "<script>alert" not in content and "<b>bold</b>" not in content
        assert "&lt;script&gt;" in content or "&lt;b&gt;bold" in content
    assert "<mark>Zorblax</mark>" in pages[0].content.decode()
    document = round_report_build(demo_round)
    html = html_text(document)
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)" in html
    word = docx.Document(io.BytesIO(docx_bytes(document)))
    assert any(HTML in paragraph.text for paragraph in word.paragraphs)


# -- personal data ---------------------------------------------------------------------------


def test_personal_data_appear_in_no_output(demo_round, clients, people) -> None:
    client = clients["admin"]
    report = validated_national(demo_round, "GHA")
    form = report.instrument_version.form
    personal = [q.name for q in form.walk() if q.personal and q.kind == "text"]
    assert len(personal) >= 2
    # One in its own table; one left in the answers (as an older version may have stored it).
    plant(report, personal[0], f"{MARKER} one", personal=True)
    plant(report, personal[1], f"{MARKER} two")
    assert not AnswerText.objects.filter(text__contains=MARKER).exists()
    query = {"round": demo_round.number, "instrument": "nri"}
    outputs = [
        client.get("/backoffice/analysis/search/", {**query, "q": "Zyxwvut"}),
        client.get("/backoffice/analysis/search/", {**query, "q": "Zyxwvut", "state": "draft"}),
        client.get("/backoffice/analysis/reports/", {**query, "question": personal[1]}),
        client.get("/backoffice/analysis/countries/GHA/"),
        client.get("/backoffice/analysis/countries/GHA/?csv=trends.gha.answers"),
        clients["fp_a"].get("/national/analysis/"),
        client.get(f"/backoffice/analysis/answers/{report.pk}/{personal[1]}/"),
    ]
    for name in personal[:2]:
        page = client.get(f"/backoffice/analysis/questions/{name}/", query)
        assert page.status_code == 404
        outputs.append(page)
    for response in outputs:
        assert MARKER not in response.content.decode()
    assert "holds personal data" in outputs[-3].content.decode()
    code = codebook_ensure(demo_round, user=people["admin"])[0]
    client.post(
        f"/backoffice/analysis/answers/{report.pk}/{personal[1]}/",
        {"code": code.pk, "whole": "1", "quote": "1"},
    )
    assert not Coding.objects.exists()
    document = round_report_build(demo_round)
    assert MARKER not in html_text(document)
    word = docx.Document(io.BytesIO(docx_bytes(document)))
    assert not any(MARKER in paragraph.text for paragraph in word.paragraphs)


def test_audit_entries_of_coding_keep_no_passage(demo_round, people) -> None:
    report = validated_national(demo_round)
    question = text_question(report)
    plant(report, question, "The named director Ms Quillfeather left.")
    code = codebook_ensure(demo_round, user=people["admin"])[0]
    coding = coding_add(
        code=code,
        report=report,
        question=question,
        start=4,
        end=33,
        user=people["analyst"],
        note="Quillfeather again",
    )
    entries = AuditEntry.objects.filter(action__startswith="analysis.coding", target_id=coding.pk)
    assert entries.exists()
    assert not any("Quillfeather" in str(entry.data) for entry in entries)


def _with_personal(schema: Any, names: set[str], personal: bool) -> Any:
    if isinstance(schema, dict):
        found = {key: _with_personal(value, names, personal) for key, value in schema.items()}
        if found.get("name") in names and "personal" in found:
            found["personal"] = personal
        return found
    if isinstance(schema, list):
        return [_with_personal(item, names, personal) for item in schema]
    return schema


def test_a_question_one_version_marks_personal_is_never_compared(demo_round) -> None:
    """Two older versions did not mark a question personal (its answers are in the answer
    rows); the newest does: the comparison across rounds leaves it out in every round."""
    newest = InstrumentVersion.objects.get(pk=validated_national(demo_round).instrument_version_id)
    name = next(q.name for q in newest.form.walk() if q.personal and q.kind == "text")
    older = InstrumentVersion.objects.create(
        instrument=newest.instrument,
        version="2015.1",
        title="Older",
        schema=_with_personal(copy.deepcopy(newest.schema), {name}, False),
        source=b"",
        source_name="older.xlsx",
        sha256="2" * 64,
    )
    assert not older.form.questions()[name].personal
    for number, year in ((87, demo_round.year - 6), (88, demo_round.year - 3)):
        round_instrument = round_with_nri(number, year)
        round_instrument.instrument_version = older
        round_instrument.save()
        old = Report.objects.create(
            round_instrument=round_instrument,
            instrument_version=older,
            sequence=1,
            member_state_id="GHA",
            state="validated",
        )
        Answer.objects.create(
            report=old, round_instrument=round_instrument, question=name, value=MARKER
        )
    Report.objects.filter(round_instrument__round=demo_round, member_state_id="GHA").update(
        state="validated"
    )
    trends = country_across_rounds("GHA", states=("validated",))
    assert len(trends.columns) == 3
    assert name not in {trend.name for trend in trends.questions}
    for table in trends.tables().values():
        assert MARKER not in table.csv().decode()


# -- who reaches what ------------------------------------------------------------------------


def test_a_national_users_downloads_are_of_their_own_country(demo_round, clients) -> None:
    france = validated_national(demo_round, "FRA")
    response = clients["fp_a"].get("/national/analysis/", {"state": "validated"})
    assert response.context["trends"].iso3 == "GHA"
    for identifier in response.context["trends"].tables():
        assert identifier.startswith("trends.gha")
        csv = clients["fp_a"].get("/national/analysis/", {"csv": identifier}).content.decode()
        assert france.reference not in csv and "France" not in csv
    # Another country's table is no table of this page.
    other = clients["fp_a"].get("/national/analysis/", {"csv": "trends.fra.answers"})
    assert other["Content-Type"].startswith("text/html")
    for persona in ("fp_a", "fp_b", "contributor_a", "anonymous"):
        for url in urls_of(demo_round):
            response = clients[persona].get(url, {"csv": "nri.code_awareness.region"})
            assert response.status_code in (302, 404), (persona, url)
            assert not response["Content-Type"].startswith("text/csv")


def test_every_post_needs_its_csrf_token(demo_round, people) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, people["admin"])
    report = validated_national(demo_round)
    question = text_question(report)
    plant(report, question, "Nurses leave.")
    code = Code.objects.create(round=demo_round, label="Theme")
    coding = Coding.objects.create(
        code=code, report=report, question=question, start=0, end=6, passage="Nurses"
    )
    posts = [
        (f"/backoffice/analysis/answers/{report.pk}/{question}/", {"code": code.pk, "whole": "1"}),
        ("/backoffice/analysis/codebook/", {"label": "Another"}),
        (f"/backoffice/analysis/codebook/{code.pk}/", {"action": "remove"}),
        (f"/backoffice/analysis/codings/{coding.pk}/", {"action": "remove"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert list(Code.objects.filter(round=demo_round)) == [code]
    assert list(Coding.objects.all()) == [coding]


def test_the_pages_code_only_text_answers_with_codes_of_their_round(
    demo_round, clients, people
) -> None:
    client = clients["analyst"]
    report = validated_national(demo_round)
    question = text_question(report)
    plant(report, question, "Nurses leave.")
    other_round = Round.objects.create(number=demo_round.number + 9, year=2031, title="Other")
    foreign = Code.objects.create(round=other_round, label="Elsewhere")
    mine = Code.objects.create(round=demo_round, label="Here")
    url = f"/backoffice/analysis/answers/{report.pk}/{question}/"
    client.post(url, {"code": foreign.pk, "whole": "1"})
    assert "Choose a code of this round" in client.get(url).content.decode()
    assert not Coding.objects.exists()
    select = f"/backoffice/analysis/answers/{report.pk}/code_awareness/"
    assert "Only answers typed as text" in client.get(select).content.decode()
    client.post(select, {"code": mine.pk, "whole": "1"})
    assert not Coding.objects.exists()
    coding = coding_add(
        code=mine, report=report, question=question, start=None, end=None, user=people["admin"]
    )
    client.post(f"/backoffice/analysis/codings/{coding.pk}/", {"code": foreign.pk})
    coding.refresh_from_db()
    assert coding.code_id == mine.pk
    # Coding changes nothing of the report.
    before = Report.objects.filter(pk=report.pk).values().get()
    client.post(url, {"code": mine.pk, "passage": "Nurses"})
    assert Report.objects.filter(pk=report.pk).values().get() == before


# -- the content security policy -------------------------------------------------------------

INLINE = [
    re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),  # a style attribute (SVG too)
    re.compile(r"<style\b", re.IGNORECASE),  # a style element
    re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),  # a script in the page
    re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),  # an event handler attribute
    re.compile(r"javascript:", re.IGNORECASE),
]


def test_no_page_breaks_the_content_security_policy(demo_round, clients, people) -> None:
    from tests.analysis.test_trends import EARLIER, put

    earlier = round_with_nri(89, demo_round.year - 3)
    old = Report.objects.create(
        round_instrument=earlier,
        instrument_version=earlier.instrument_version,
        sequence=1,
        member_state_id="GHA",
        state="validated",
    )
    put(old, EARLIER)
    report = validated_national(demo_round, "GHA")
    question = text_question(report)
    plant(report, question, HTML)
    coding_add(
        code=codebook_ensure(demo_round, user=people["admin"])[0],
        report=report,
        question=question,
        start=None,
        end=None,
        user=people["admin"],
    )
    client = clients["admin"]
    query = {"round": demo_round.number}
    pages = [*urls_of(demo_round), "/backoffice/analysis/completeness/?instrument=isri"]
    pages += [
        f"/backoffice/analysis/questions/{name}/"
        for name in ("workforce_measures", "agreements", "agreement_from", "data_year")
    ]
    checked = 0
    for url in pages:
        response = client.get(url, query)
        assert response.status_code == 200, url
        assert "style-src 'self'" in response["Content-Security-Policy"]
        content = response.content.decode()
        for pattern in INLINE:
            assert not pattern.search(content), (url, pattern.pattern)
        checked += "<svg" in content
    assert checked >= 3  # the map, the charts
    trends = client.get("/backoffice/analysis/countries/GHA/", {"state": "validated"})
    national = clients["fp_a"].get("/national/analysis/", {"state": "validated"})
    for response in (trends, national):
        content = response.content.decode()
        assert "<svg" in content
        for pattern in INLINE:
            assert not pattern.search(content), pattern.pattern


# -- the generated report's quotes -----------------------------------------------------------


def test_the_report_quotes_coded_passages_as_publication_may(demo_round, people) -> None:
    analyst = people["analyst"]
    codes = codebook_ensure(demo_round, user=analyst)
    national = validated_national(demo_round, "GHA")
    question = text_question(national)
    plant(national, question, "Quote from Ghana: nurses & midwives leave.")
    coding_add(
        code=codes[4],  # article 5
        report=national,
        question=question,
        start=0,
        end=41,
        user=analyst,
        quote=True,
    )
    theme = Code.objects.create(round=demo_round, label="A theme")
    coding_add(
        code=theme,
        report=national,
        question=question,
        start=None,
        end=None,
        user=analyst,
        quote=True,
    )
    stakeholder = submitted_stakeholder(demo_round)
    Report.objects.filter(pk=stakeholder.pk).update(
        entity_name="Secret Entity", publish_entity_name=False
    )
    isri_question = text_question(stakeholder)
    plant(stakeholder, isri_question, "A stakeholder says recruiters ignore the Code.")
    coding_add(
        code=codes[4],
        report=stakeholder,
        question=isri_question,
        start=None,
        end=None,
        user=analyst,
        quote=True,
    )
    # The entity's own name, coded and marked as a quote: never quoted.
    named = stakeholder.instrument_version.form.report_fields()["entity_name"]
    plant(stakeholder, named, "Secret Entity")
    coding_add(
        code=codes[4],
        report=stakeholder,
        question=named,
        start=None,
        end=None,
        user=analyst,
        quote=True,
    )
    document = round_report_build(demo_round)
    quoted = {
        block.text: block.source
        for section in document.sections
        for block in section.blocks
        if isinstance(block, Quote)
    }
    assert quoted["Quote from Ghana: nurses & midwives leave"].startswith(
        "Ghana, national report NRI-"
    )
    assert "Quote from Ghana: nurses & midwives leave." in quoted  # the theme's, whole
    source = quoted["A stakeholder says recruiters ignore the Code."]
    assert "Secret Entity" not in source and stakeholder.reference in source
    assert "Secret Entity" not in quoted
    html = html_text(document)
    assert "Quote from Ghana: nurses &amp; midwives leave" in html
    assert "Secret Entity" not in html


# -- correctness spots -----------------------------------------------------------------------


def test_a_stakeholder_report_naming_no_country_is_explained(demo_round) -> None:
    stakeholder = submitted_stakeholder(demo_round)
    form = stakeholder.instrument_version.form
    concerned = form.report_fields()["countries_concerned"]
    Answer.objects.filter(report=stakeholder, question=concerned).delete()
    filters = AnalysisFilters.from_query({"round": str(demo_round.number), "instrument": "isri"})
    selection = selection_for(filters)
    assert not selection.by_id()[stakeholder.pk].regions
    category = form.report_fields()["stakeholder_category"]
    tables = {t.identifier: t for t in question_tables(selection, category, language="en")}
    region = next(t for k, t in tables.items() if k.endswith(".region"))
    safeguards = next(t for k, t in tables.items() if k.endswith(".safeguards"))
    assert any("they are in the total only" in note for note in region.notes)
    assert any("count as not concerning a country on the list" in n for n in safeguards.notes)
    assert not any("they are in the total only" in note for note in safeguards.notes)
