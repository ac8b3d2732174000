"""The draft report of a round: what it holds, as DOCX, HTML and PDF, from the command line
and the back office — its numbers compared with counts written here from the Report and
Answer rows, and with the analysis pages themselves (completeness, a question's tables, the
lists behind the numbers); the passages marked as quotes under their article with their
source."""

from __future__ import annotations

import io
import re
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urlsplit

import docx
import pypdf
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codemonitor.analysis.document import (
    COMPLETENESS,
    REPORTS,
    Count,
    FigureBlock,
    Links,
    Paragraph,
    Quote,
    TableBlock,
    docx_bytes,
    html_text,
    pdf_bytes,
)
from codemonitor.analysis.models import Code, Coding
from codemonitor.analysis.round_report import (
    ANNEX,
    BODY,
    article_of,
    placement,
    round_instruments_of,
    round_report_build,
)
from codemonitor.analysis.selection import kept_clear
from codemonitor.analysis.tables import AnalysisTable
from codemonitor.analysis.tabulate import AnalysableQuestion
from codemonitor.core.links import ANALYSIS_COMPLETENESS_LIST, ANALYSIS_REPORT_LIST, link
from codemonitor.core.models import AuditEntry
from codemonitor.reference import names as reference_names
from codemonitor.reference.models import (
    CodeArticle,
    RegionMembership,
    SafeguardsEdition,
    SafeguardsEntry,
)
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Answer, Report
from codemonitor.reporting.selectors import COUNTING_STATES, REGIONS, deadline_date

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


def report_links() -> Links:
    """The links the back office registers (`core.links`), as paths."""
    return Links(
        reports=lambda query: link(ANALYSIS_REPORT_LIST, urlencode(query, doseq=True), base_url=""),
        completeness=lambda query: link(
            ANALYSIS_COMPLETENESS_LIST, urlencode(query, doseq=True), base_url=""
        ),
        csv=lambda table: f"tables/{table.filename}",
    )


def national_of(demo_round):
    national, stakeholder = round_instruments_of(demo_round)
    assert national is not None and stakeholder is not None
    return national, stakeholder


def _text_answer(round_instrument, reports, *, article_wanted: bool = True) -> tuple[str, int, Any]:
    """A text question tied to an article, and one of `reports` that answered it."""
    form = round_instrument.instrument_version.form
    paths = form.repeat_path()
    for question in form.walk():
        if question.kind != "text" or question.personal or paths.get(question.name):
            continue
        if article_wanted and article_of(question.article) is None:
            continue
        for answer in Answer.objects.filter(
            round_instrument=round_instrument, question=question.name, row="", report__in=reports
        ).order_by("report__sequence"):
            if isinstance(answer.value, str) and len(answer.value.strip()) > 20:
                return question.name, article_of(question.article) or 0, answer
    raise AssertionError("no text answer to quote")


@pytest.fixture(scope="module")
def quoted(demo_round, django_db_blocker) -> dict[str, Any]:
    """Passages marked as quotes: one of a validated national report, one of a submitted
    stakeholder report whose entity did not agree to publication, one whose entity agreed;
    and a coded passage not marked as a quote."""
    with django_db_blocker.unblock():
        national, stakeholder = national_of(demo_round)
        validated = Report.objects.filter(round_instrument=national, state="validated")
        question, article, answer = _text_answer(national, validated)

        def submitted(published: bool):
            return Report.objects.filter(
                round_instrument=stakeholder,
                state__in=list(COUNTING_STATES),
                publish_entity_name=published,
            ).exclude(entity_name="")

        s_question, s_article, s_answer = _text_answer(stakeholder, submitted(False))
        n_question, n_article, n_answer = _text_answer(stakeholder, submitted(True))
        codes = {
            number: Code.objects.create(
                round=demo_round,
                article=CodeArticle.objects.get(number=number),
                label=f"Article {number} (test)",
            )
            for number in {article, s_article, n_article}
        }

        def coding(answer: Answer, question: str, number: int, *, quote: bool = True) -> Coding:
            return Coding.objects.create(
                code=codes[number],
                report=answer.report,
                question=question,
                row="",
                start=0,
                end=20,
                passage=answer.value[:20],
                quote=quote,
            )

        found = {
            "national": coding(answer, question, article),
            "withheld": coding(s_answer, s_question, s_article),
            "named": coding(n_answer, n_question, n_article),
        }
        # The same answer, further on, coded but not chosen as a quote.
        found["not_quoted"] = Coding.objects.create(
            code=codes[article],
            report=answer.report,
            question=question,
            row="",
            start=20,
            end=len(answer.value),
            passage=answer.value[20:],
            quote=False,
        )
        return found


@pytest.fixture(scope="module")
def report(demo_round, quoted, django_db_blocker) -> dict[str, Any]:
    """The demonstration round's report, built once and drawn in the three formats."""
    links = report_links()
    with django_db_blocker.unblock():
        document = round_report_build(demo_round)
        return {
            "document": document,
            "docx": docx_bytes(document, links),
            "html": html_text(document, links),
            "pdf": pdf_bytes(document, links),
            "links": links,
        }


def tables_of(document) -> dict[str, AnalysisTable]:
    found = {}
    for section in [*document.sections, *document.annex]:
        for block in section.blocks:
            if isinstance(block, TableBlock):
                found[block.table.identifier] = block.table
            elif isinstance(block, FigureBlock):
                found.setdefault(block.figure.table.identifier, block.figure.table)
    return found


def table_blocks(document) -> dict[str, TableBlock]:
    return {
        block.table.identifier: block
        for section in [*document.sections, *document.annex]
        for block in section.blocks
        if isinstance(block, TableBlock)
    }


def expected_articles(round_instrument) -> set[int]:
    """The articles the national instrument's questions concern (a question's own, else its
    group's), read from its form here."""
    form = round_instrument.instrument_version.form
    parents = form.parents()
    found = set()
    for question in form.walk():
        if not question.is_input or question.personal:
            continue
        node, article = question, ""
        while node is not None and not article:
            article, node = node.article, parents.get(node.name)
        number = article_of(article)
        if number is not None:
            found.add(number)
    return found


def docx_table(document, identifier: str) -> list[list[str]]:
    """The cells of the Word table whose caption ends with the identifier (a share's sign is
    kept with it by a no-break space there: read as a space)."""
    body = list(document.element.body.iterchildren())
    for index, element in enumerate(body):
        if element.tag != f"{W}p":
            continue
        text = "".join(t.text or "" for t in element.iter(f"{W}t"))
        if text.endswith(f"[{identifier}]") and body[index + 1].tag == f"{W}tbl":
            return [
                [
                    "".join(t.text or "" for t in tc.iter(f"{W}t")).replace("\u00a0", " ")
                    for tc in tr.iter(f"{W}tc")
                ]
                for tr in body[index + 1].iter(f"{W}tr")
            ]
    raise AssertionError(f"no table {identifier} in the Word document")


class _PageTable(HTMLParser):
    """The cells of the table in `<figure id="identifier">` of an analysis page."""

    def __init__(self, identifier: str) -> None:
        super().__init__()
        self.identifier = identifier
        self.inside = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "figure" and dict(attrs).get("id") == self.identifier:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("th", "td"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self.inside = False
        elif self.inside and tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_table(content: bytes, identifier: str) -> list[list[str]]:
    parser = _PageTable(identifier)
    parser.feed(content.decode())
    assert parser.rows, f"no table {identifier} on the page"
    return parser.rows


def listed(client, url: str) -> int:
    """How many Member States or reports the list at `url` shows (200 or the test fails)."""
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, url
    if parts.path == "/backoffice/analysis/reports/":
        return len(response.context["table"].rows)
    assert parts.path == "/backoffice/analysis/completeness/list/"
    assert not response.context["problem"], (url, response.context["problem"])
    return int(response.context["count"])


# -- DOCX ------------------------------------------------------------------------------------


def test_the_docx_has_a_heading_per_article_with_questions(report, demo_round) -> None:
    national, _stakeholder = national_of(demo_round)
    document = docx.Document(io.BytesIO(report["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "The round in brief"
    articles = [h for h in headings if h.startswith("Article ")]
    numbers = [int(re.match(r"Article (\d+)\.", h).group(1)) for h in articles]
    assert expected_articles(national) <= set(numbers) and numbers == sorted(numbers)
    assert "The stakeholders' contribution" in headings and headings[-1] == "Annex"
    assert [p.style.name for p in document.paragraphs[:2]] == ["Title", "Subtitle"]
    # The stakeholder instrument's articles are sub-sections of its contribution.
    level2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert any(h.startswith("Health personnel migration") for h in level2)
    assert any(h.startswith("Further tables: ") for h in level2)


def test_the_docx_captions_are_numbered_seq_fields_above_each_table(report) -> None:
    document = docx.Document(io.BytesIO(report["docx"]))
    captions = [p for p in document.paragraphs if p.style.name == "Caption"]
    tables = [c for c in captions if c.text.startswith("Table ")]
    figures = [c for c in captions if c.text.startswith("Figure ")]
    assert len(tables) == len(document.tables) and figures
    for kind, found in (("Table", tables), ("Figure", figures)):
        for number, caption in enumerate(found, start=1):
            fields = [t.text for t in caption._p.iter(f"{W}instrText")]
            assert fields == [f" SEQ {kind} \\* ARABIC "]
            assert caption.text.startswith(f"{kind} {number}. ")
            assert re.search(r"\[[\w.-]+\]$", caption.text)  # the stable identifier
    # Body order: caption, table, source line (with the CSV's name).
    body = list(document.element.body.iterchildren())
    for index, element in enumerate(body):
        if element.tag == f"{W}tbl":
            before, after = body[index - 1], body[index + 1]
            assert before.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Caption"
            assert after.find(f"{W}pPr/{W}pStyle").get(f"{W}val") == "Source"
            text = "".join(t.text for t in after.iter(f"{W}t"))
            assert text.startswith("Source: ") and ".csv" in text
    # A picture per figure.
    assert len(document.inline_shapes) == len(figures)
    styles = {style.name for style in document.styles}
    assert {"Analysis Table", "Source", "Footnote Text", "Footnote Reference"} <= styles
    assert all(table.style.name == "Analysis Table" for table in document.tables)
    # The header row repeats on every page; numbers are right-aligned.
    first = document.tables[0]._tbl
    assert first.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None
    assert first.find(f"{W}tr/{W}tc/{W}p/{W}pPr/{W}jc") is not None


def test_the_docx_has_a_footnotes_part_referenced_from_the_text(report) -> None:
    document = docx.Document(io.BytesIO(report["docx"]))
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype == FOOTNOTES)
    assert str(part.partname) == "/word/footnotes.xml"
    notes = docx.oxml.parse_xml(part.blob)
    ids = {int(n.get(f"{W}id")): n.get(f"{W}type") for n in notes.iter(f"{W}footnote")}
    assert ids[-1] == "separator" and ids[0] == "continuationSeparator"
    referenced = [int(r.get(f"{W}id")) for r in document.element.body.iter(f"{W}footnoteReference")]
    assert referenced and referenced == list(range(1, len(referenced) + 1))
    assert set(referenced) == {i for i in ids if i > 0}
    assert document.settings.element.find(f"{W}footnotePr") is not None
    # Each note traces its number to the list behind it.
    texts = {
        int(n.get(f"{W}id")): "".join(t.text for t in n.iter(f"{W}t"))
        for n in notes.iter(f"{W}footnote")
    }
    assert all("/backoffice/analysis/completeness/list/?" in texts[i] for i in referenced[:3])
    assert any("/backoffice/analysis/reports/?" in texts[i] for i in referenced)


# -- HTML and PDF ----------------------------------------------------------------------------


def test_the_html_has_the_same_tables_and_figures_with_csv_links(report) -> None:
    html = report["html"]
    word = docx.Document(io.BytesIO(report["docx"]))
    captions = [p.text for p in word.paragraphs if p.style.name == "Caption"]
    in_word = [re.search(r"\[([\w.-]+)\]$", c).group(1) for c in captions]
    tables = re.findall(r'<figure class="table" id="[^"]+" data-identifier="([^"]+)"', html)
    figures = re.findall(r'<figure class="chart" id="[^"]+" data-identifier="([^"]+)"', html)
    assert tables and figures
    assert sorted(in_word) == sorted(tables + figures)
    for identifier in tables:
        table = tables_of(report["document"])[identifier]
        assert f'href="tables/{table.filename}"' in html
    assert html.count('role="img"') >= len(figures)
    assert html.count("<figcaption>") == len(tables) + len(figures)
    # Footnotes: numbered, with links back to the text.
    assert re.search(r'<li id="fn-1">.*?<a href="#fnref-1"', html, re.S)
    # Numbers in the text and in the tables link to the lists of what they count.
    assert re.search(r'<a href="/backoffice/analysis/reports/\?[^"]*">\d[\d,]*</a>', html)
    assert re.search(
        r'<a href="/backoffice/analysis/completeness/list/\?[^"]*status=[^"]*">\d[\d,]*</a>', html
    )
    assert re.search(
        r'<td class="number"><a href="/backoffice/analysis/reports/\?[^"]*question=', html
    )
    assert 'style="' not in html.split("<body>", 1)[1]


def test_the_pdf_renders_with_the_headings(report, demo_round) -> None:
    national, _ = national_of(demo_round)
    pdf = pypdf.PdfReader(io.BytesIO(report["pdf"]))
    text = " ".join(page.extract_text() for page in pdf.pages)
    text = re.sub(r"\s+", " ", text)
    assert len(pdf.pages) > 3
    assert "The round in brief" in text and "Annex" in text
    for number in expected_articles(national):
        assert f"Article {number}." in text
    assert "Table 1. " in text and "Figure 1. " in text


# -- the numbers -----------------------------------------------------------------------------


def _regions(round_instrument) -> dict[str, str]:
    on = deadline_date(round_instrument)
    return dict(RegionMembership.objects.in_force(on).values_list("member_state_id", "region_id"))


def test_the_completeness_by_region_equals_an_independent_count(report, demo_round) -> None:
    national, _ = national_of(demo_round)
    region_of = _regions(national)
    validated: Counter[str] = Counter()
    submitted: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for country, state, is_late, at in Report.objects.filter(round_instrument=national).values_list(
        "member_state_id", "state", "is_late", "submitted_at"
    ):
        validated[region_of[country]] += state == "validated"
        submitted[region_of[country]] += state == "submitted"
        late[region_of[country]] += is_late or (at is not None and at > national.closes_at)
    table = tables_of(report["document"])["nri.completeness.region"]
    keys = [column.key for column in table.columns]
    for region, row in zip(REGIONS, table.rows, strict=True):
        values = dict(zip(keys, [cell.value for cell in row], strict=True))
        assert values["validated"] == validated[region]
        assert values["submitted"] == submitted[region]
        assert values["late"] == late[region]
        assert values["member_states"] == sum(1 for r in region_of.values() if r == region)
    footer = dict(zip(keys, [cell.value for cell in table.footer[0]], strict=True))
    assert footer["validated"] == sum(validated.values()) > 0


def test_the_docx_tables_equal_those_of_the_analysis_pages(report, demo_round, clients) -> None:
    """The completeness table and a question's table by region, cell by cell: the Word
    document against the pages the Secretariat reads."""
    national, _ = national_of(demo_round)
    word = docx.Document(io.BytesIO(report["docx"]))
    analyst = clients["analyst"]
    page = analyst.get(f"/backoffice/analysis/completeness/?round={demo_round.number}")
    assert page.status_code == 200
    identifier = "nri.completeness.region"
    assert docx_table(word, identifier) == page_table(page.content, identifier)
    history = "nri.completeness.history"
    assert docx_table(word, history) == page_table(page.content, history)
    form = national.instrument_version.form
    paths = form.repeat_path()
    name = next(
        q.name
        for q in form.walk()
        if q.kind == "select_one"
        and not paths.get(q.name)
        and q.list_name != "countries"
        and article_of(q.article) is not None
    )
    page = analyst.get(f"/backoffice/analysis/questions/{name}/?round={demo_round.number}")
    assert page.status_code == 200
    identifier = f"nri.{name}.region"
    in_word = docx_table(word, identifier)
    assert in_word == page_table(page.content, identifier)
    assert len(in_word) > 3 and any(re.search(r"\d", cell) for cell in in_word[1])


def test_the_links_of_the_numbers_list_exactly_what_they_count(report, clients) -> None:
    """Every number in the text, and cells of a completeness table and of a question's table:
    the page its link opens exists and lists as many Member States or reports."""
    document, links = report["document"], report["links"]
    analyst = clients["analyst"]
    counts = [
        part
        for section in document.sections
        for block in section.blocks
        if isinstance(block, Paragraph)
        for part in block.parts
        if isinstance(part, Count)
    ]
    assert {count.trace.page for count in counts} == {COMPLETENESS, REPORTS}
    seen = set()
    for count in counts:
        url = links.of_trace(count.trace)
        if url in seen:
            continue
        seen.add(url)
        assert listed(analyst, url) == count.value == count.trace.count, url
    # The footnotes of the Word document carry the same links.
    word = docx.Document(io.BytesIO(report["docx"]))
    part = next(rel.target_part for rel in word.part.rels.values() if rel.reltype == FOOTNOTES)
    notes = part.blob.decode()
    assert all(url.replace("&", "&amp;") in notes for url in seen)
    blocks = table_blocks(document)
    for identifier, wanted in (("nri.completeness.region", 6), ("isri.completeness.category", 3)):
        block = blocks[identifier]
        assert block.page == COMPLETENESS
        cells = [c for row in [*block.table.rows, *block.table.footer] for c in row if c.drill]
        for cell in cells[:wanted] + cells[-2:]:
            assert listed(analyst, links.of_cell(block, cell)) == cell.value
        assert listed(analyst, links.of_block(block)) == block.table.footer[0][1].value
    question = next(
        block
        for identifier, block in blocks.items()
        if identifier.endswith(".region") and block.page == REPORTS
    )
    cells = [c for row in question.table.rows for c in row if c.drill and c.value]
    assert cells
    for cell in cells[:4] + cells[-2:]:
        assert listed(analyst, links.of_cell(question, cell)) == cell.value


def test_a_question_table_equals_the_answer_rows(report, demo_round) -> None:
    national, _ = national_of(demo_round)
    form = national.instrument_version.form
    paths = form.repeat_path()
    parents = form.parents()
    validated = set(
        Report.objects.filter(round_instrument=national, state="validated").values_list(
            "pk", flat=True
        )
    )
    tables = tables_of(report["document"])

    def ruled(question) -> bool:
        node = question
        while node is not None:
            if node.relevant:
                return True
            node = parents.get(node.name)
        return False

    checked = 0
    for question in form.walk():
        if question.kind != "select_one" or paths.get(question.name) or question.personal:
            continue
        if question.list_name == "countries" or ruled(question):
            continue
        table = tables.get(f"nri.{question.name}.region")
        if table is None:
            continue
        stored = Counter(
            value
            for report_id, value in Answer.objects.filter(
                round_instrument=national, question=question.name, row=""
            ).values_list("report_id", "value")
            if report_id in validated and value not in (None, "")
        )
        choices = [choice.name for choice in form.choices[question.list_name]]
        # The last column is all regions together.
        assert [row[-1].value for row in table.rows[: len(choices)]] == [
            stored.get(c, 0) for c in choices
        ]
        assert table.footer[0][-1].value == len(validated)
        checked += 1
    assert checked >= 3


def test_stakeholder_categories_equal_the_answer_rows(report, demo_round) -> None:
    _, stakeholder = national_of(demo_round)
    form = stakeholder.instrument_version.form
    question = form.report_fields()["stakeholder_category"]
    submitted = set(
        Report.objects.filter(
            round_instrument=stakeholder, state__in=list(COUNTING_STATES)
        ).values_list("pk", flat=True)
    )
    stored = Counter(
        value
        for report_id, value in Answer.objects.filter(
            round_instrument=stakeholder, question=question, row=""
        ).values_list("report_id", "value")
        if report_id in submitted
    )
    table = tables_of(report["document"])["isri.completeness.category"]
    choices = [c.name for c in form.choices[form.questions()[question].list_name]]
    assert [row[1].value for row in table.rows[: len(choices)]] == [
        stored.get(c, 0) for c in choices
    ]
    assert table.footer[0][1].value == len(submitted)


def test_the_body_and_the_annex_hold_the_questions_tables(report, demo_round) -> None:
    national, _ = national_of(demo_round)
    document = report["document"]
    body = {
        block.table.identifier if isinstance(block, TableBlock) else block.figure.identifier
        for section in document.sections
        for block in section.blocks
        if isinstance(block, TableBlock | FigureBlock)
    }
    annex = set(tables_of(document)) - body
    form = national.instrument_version.form
    paths = form.repeat_path()
    selects = [
        q
        for q in form.walk()
        if q.kind == "select_one" and not paths.get(q.name) and q.list_name != "countries"
    ]
    for question in selects:
        assert f"nri.{question.name}.region" in body
        assert f"nri.{question.name}.safeguards" in annex
        assert (f"nri.{question.name}.chart" in body) == (
            len(form.choices[question.list_name]) >= 4
        )
    # The agreements: the network of their partner countries in the body, its pairs annexed.
    assert any(i.endswith(".network") for i in body) and any(i.endswith(".pairs") for i in annex)
    # No free-text question is tabulated; each is named in its article.
    texts = [q for q in form.walk() if q.kind == "text" and not paths.get(q.name)]
    assert not any(f"nri.{q.name}.answered" in body | annex for q in texts)
    html = report["html"]
    label = texts[0].text("label", "en", form.default_language)
    assert f"“{label}”" in html


def test_placement_by_kind() -> None:
    def q(kind: str, list_name: str = "") -> AnalysableQuestion:
        return AnalysableQuestion("x", kind, "X", "5", list_name=list_name)

    assert placement(q("select_one"), "nri.x.region") == BODY
    assert placement(q("select_one"), "nri.x.chart", choices=3) is None
    assert placement(q("select_multiple"), "nri.x.chart", choices=6) == BODY
    assert placement(q("select_one"), "nri.x.safeguards") == ANNEX
    assert placement(q("select_multiple", "countries"), "nri.x.network") == BODY
    assert placement(q("select_multiple", "countries"), "nri.x.pairs") == ANNEX
    assert placement(q("select_multiple", "countries"), "nri.x.region") == ANNEX
    assert placement(q("integer"), "nri.x.region") == BODY
    assert placement(q("integer"), "nri.x.region", grouped=True) == ANNEX
    assert placement(q("integer"), "nri.g.numbers", grouped=True) is None
    assert placement(q("group"), "nri.x.numbers") == BODY
    assert placement(q("date"), "nri.x.active") == BODY
    assert placement(q("text"), "nri.x.answered") is None


def test_generation_reads_a_bounded_number_of_queries(demo_round, memory_cache) -> None:
    round_report_build(demo_round)  # what a process reads once (forms, languages)
    cache.clear()  # the worst case: nothing kept from an earlier selection
    kept_clear()
    reference_names._LABELS.clear()  # the names too: their minute may run out between counts
    with CaptureQueriesContext(connection) as first:
        round_report_build(demo_round)
    _, stakeholder = national_of(demo_round)
    # Half the stakeholder reports back in draft: fewer reports, the same queries.
    moved = list(
        Report.objects.filter(round_instrument=stakeholder, state__in=list(COUNTING_STATES))
        .order_by("pk")
        .values_list("pk", flat=True)[::2]
    )
    Report.objects.filter(pk__in=moved).update(state="draft")
    cache.clear()
    kept_clear()
    reference_names._LABELS.clear()  # the names too: their minute may run out between counts
    with CaptureQueriesContext(connection) as second:
        document = round_report_build(demo_round)
    # (the default cache is the database: what a selection keeps there is read and written by
    # queries too, all of them here since the cache was emptied)
    assert len(second.captured_queries) == len(first.captured_queries) <= 90
    assert tables_of(document)["isri.completeness.category"].footer[0][1].value == len(
        Report.objects.filter(round_instrument=stakeholder, state__in=list(COUNTING_STATES))
    )


# -- quotes and migration figures ------------------------------------------------------------


def _quotes_by_section(document) -> dict[str, list[Quote]]:
    return {
        section.identifier: [block for block in section.blocks if isinstance(block, Quote)]
        for section in document.sections
    }


def test_quotes_stand_under_their_article_with_their_source(report, demo_round, quoted) -> None:
    document = report["document"]
    by_section = _quotes_by_section(document)
    countries = country_labels("en")
    national = quoted["national"]
    report_row = national.report
    national_reference = f"NRI-{demo_round.year}-{report_row.sequence:06d}"
    number = national.code.article_id
    assert by_section[f"article-{number}-quotes"] == [
        Quote(national.passage, f"{countries[report_row.member_state_id]}, {national_reference}")
    ]
    withheld = quoted["withheld"]
    found = by_section[f"stakeholders-article-{withheld.code.article_id}"]
    reference = f"ISRI-{demo_round.year}-{withheld.report.sequence:06d}"
    # (Demonstration answers repeat themselves: the passage is told by its report.)
    source = next(q.source for q in found if q.source.endswith(reference))
    assert next(q.text for q in found if q.source == source) == withheld.passage
    assert withheld.report.entity_name not in source and "name withheld" in source
    named = quoted["named"]
    found = by_section[f"stakeholders-article-{named.code.article_id}"]
    reference = f"ISRI-{demo_round.year}-{named.report.sequence:06d}"
    source = next(q.source for q in found if q.source.endswith(reference))
    assert source == f"{named.report.entity_name}, {reference}"
    # The passage coded but not chosen as a quote is not in the report.
    every = [q.text for quotes in by_section.values() for q in quotes]
    assert quoted["not_quoted"].passage not in every
    # In the Word document: under the article's heading, in the Quote style, then its source.
    word = docx.Document(io.BytesIO(report["docx"]))
    paragraphs = word.paragraphs
    at = next(
        i
        for i, p in enumerate(paragraphs)
        if p.style.name == "Quote" and p.text == national.passage
    )
    heading = next(p.text for p in reversed(paragraphs[:at]) if p.style.name == "Heading 1")
    assert heading.startswith(f"Article {number}. ")
    assert paragraphs[at + 1].text == (
        f"— {countries[report_row.member_state_id]}, {national_reference}"
    )


def test_the_migration_figures_come_from_the_indicators(demo_round) -> None:
    from codemonitor.workforce.models import Statistic

    year = demo_round.year - 1
    edition = SafeguardsEdition.in_force(dt_date(year))
    listed = sorted(
        SafeguardsEntry.objects.filter(edition=edition).values_list("member_state_id", flat=True)
    )
    assert edition is not None and listed
    origin_listed, origin_other = listed[0], "GBR"

    def stat(population: str, origin: str, value: int, occupation: str = "nurses") -> None:
        Statistic.objects.create(
            dataset="oecd_wfmi",
            destination_code="FRA",
            destination_id="FRA",
            population=population,
            origin_code=origin,
            origin_id=origin if origin not in ("", "TOTAL") else None,
            occupation=occupation,
            measure="stock",
            year=year,
            value=Decimal(value),
        )

    stat("total", "", 1000)
    stat("foreign_trained", "TOTAL", 200)
    stat("foreign_trained", origin_listed, 50)
    stat("foreign_trained", origin_other, 150)
    document = round_report_build(demo_round)
    tables = tables_of(document)
    dependency = tables["migration.dependency"]
    keys = [column.key for column in dependency.columns]
    row = dict(zip(keys, dependency.rows[0], strict=True))
    assert row["country"].value == "France"
    assert row["nurses_year"].value == str(year)
    assert row["nurses_dependency"].value == pytest.approx(20.0)  # 200 / 1000
    safeguards = tables["migration.safeguards"]
    keys = [column.key for column in safeguards.columns]
    row = dict(zip(keys, safeguards.rows[0], strict=True))
    assert row["nurses_listed"].value == pytest.approx(50.0)
    assert row["nurses_share"].value == pytest.approx(25.0)  # 50 / 200
    assert "migration.safeguards.nurses.figure.data" in tables


def dt_date(year: int):
    import datetime as dt

    return dt.date(year, 12, 31)


# -- the command and the back office --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["docx", "html", "pdf"])
def test_the_command_writes_each_format(demo_round, tmp_path, fmt) -> None:
    output = tmp_path / f"report.{fmt}"
    call_command(
        "round_report",
        str(demo_round.number),
        "--format",
        fmt,
        "--output",
        str(output),
        "--csv-dir",
        str(tmp_path / "tables"),
        stdout=io.StringIO(),
    )
    content = output.read_bytes()
    written = {path.name for path in (tmp_path / "tables").iterdir()}
    assert "nri.completeness.region.csv" in written and "nri.completeness.map.csv" in written
    if fmt == "docx":
        assert docx.Document(io.BytesIO(content)).paragraphs[0].text
    elif fmt == "html":
        html = content.decode()
        links = set(re.findall(r'href="tables/([^"]+\.csv)"', html))
        assert links and links <= written
    else:
        assert content.startswith(b"%PDF")
    entry = AuditEntry.objects.filter(action="analysis.report.generated").latest("pk")
    assert entry.actor_label == "manage.py round_report" and entry.data["format"] == fmt


def test_the_command_refuses_a_round_that_does_not_exist(demo_round, tmp_path) -> None:
    with pytest.raises(CommandError, match="no round 999"):
        call_command(
            "round_report", "999", "--format", "docx", "--output", str(tmp_path / "x.docx")
        )


def test_the_back_office_page_and_downloads(demo_round, clients, people) -> None:
    query = f"?round={demo_round.number}"
    page = clients["analyst"].get(f"/backoffice/analysis/report/{query}")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"/backoffice/analysis/report.docx?round={demo_round.number}&amp;lang=en" in body
    assert "Article 5." in body
    home = clients["admin"].get(f"/backoffice/analysis/{query}").content.decode()
    assert "/backoffice/analysis/report/" in home
    download = clients["analyst"].get(f"/backoffice/analysis/report.docx{query}&lang=fr")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"round-{demo_round.number}-report-fr.docx" in download["Content-Disposition"]
    word = docx.Document(io.BytesIO(download.content))
    assert any(
        p.style.name == "Heading 1" and p.text.startswith("Article") for p in word.paragraphs
    )
    entry = AuditEntry.objects.filter(action="analysis.report.generated").latest("pk")
    assert entry.actor_id == people["analyst"].pk and entry.data["language"] == "fr"
    html = clients["admin"].get(f"/backoffice/analysis/report.html{query}")
    assert html.status_code == 200 and b"<figure" in html.content
    # The HTML's CSV links answer that table.
    link = re.search(
        rb'href="http://testserver(/backoffice/analysis/report/\?[^"]+csv=[^"]+)"', html.content
    )
    csv = clients["admin"].get(link.group(1).decode().replace("&amp;", "&"))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    # Bad input: a message on the page, never an error page.
    bad = clients["admin"].get(f"/backoffice/analysis/report.odt{query}")
    assert bad.status_code == 404 and b"not &#x27;odt&#x27;" in bad.content
    unknown = clients["admin"].get(f"/backoffice/analysis/report/{query}&csv=nope")
    assert unknown.status_code == 404 and b"no table" in unknown.content
    assert clients["fp_a"].get(f"/backoffice/analysis/report.docx{query}").status_code == 404
    assert clients["anonymous"].get(f"/backoffice/analysis/report/{query}").status_code == 302


def test_a_right_to_left_report(demo_round) -> None:
    document = round_report_build(demo_round, language="ar")
    assert document.language == "ar" and document.direction == "rtl"
    word = docx.Document(io.BytesIO(docx_bytes(document)))
    normal = word.styles["Normal"].element
    assert normal.find(f"{W}pPr/{W}bidi") is not None
    assert all(t._tbl.tblPr.find(f"{W}bidiVisual") is not None for t in word.tables)
    html = html_text(document)
    assert '<html lang="ar" dir="rtl">' in html
    assert round_report_build(demo_round, language="xx").language == "en"


def test_the_layout_numbers_tables_figures_and_notes_in_order() -> None:
    import datetime as dt

    from codemonitor.analysis.document import Note, ReportDocument, Section, Trace
    from codemonitor.analysis.tables import AnalysisFigure, Cell, Column, Source

    source = Source("Round", "NRI 1", "states: Validated", "2023 list", dt.datetime.now(dt.UTC), 3)

    def table(identifier: str) -> AnalysisTable:
        return AnalysisTable(identifier, identifier, [Column("a", "A")], [[Cell(1)]], source)

    trace = Trace({"round": "1"}, 3, "three reports", ("A", "B", "C"))
    shared = table("t.shared")
    document = ReportDocument(
        "Title",
        "",
        [
            Section(
                "One",
                1,
                [
                    Paragraph.of("x", Count(3, trace), Note("first", trace)),
                    TableBlock(table("t.one")),
                    TableBlock(shared),
                    FigureBlock(AnalysisFigure("f.one", "F", "<svg></svg>", table("f.data"))),
                ],
                "one",
            ),
            Section(
                "Two",
                1,
                [
                    TableBlock(table("t.one")),  # the same identifier again: its own anchor
                    FigureBlock(AnalysisFigure("f.two", "G", "<svg></svg>", shared)),
                    Paragraph.of("y", Note("second")),
                ],
                "two",
            ),
        ],
    )
    layout = document.layout()
    tables = layout.numbered("table")
    assert [(t.number, t.anchor) for t in tables] == [
        (1, "t.one"),
        (2, "t.shared"),
        (3, "t.one-2"),
        (4, "f.data"),
    ]
    figures = layout.numbered("figure")
    assert [(f.number, f.data_number) for f in figures] == [(1, 4), (2, 2)]
    assert [n.number for n in layout.footnotes] == [1, 2]
    assert [t.identifier for t in document.tables()] == ["t.one", "t.shared", "f.data"]
    html = html_text(document)
    assert html.count('<li id="fn-') == 2 and "Reports: A, B, C." in html


class Cycle:
    itself: object = None


def test_drawing_collects_garbage_once_and_puts_the_setting_back() -> None:
    import gc
    import weakref

    from codemonitor.analysis.document import fewer_collections

    assert gc.isenabled()
    with fewer_collections():
        assert not gc.isenabled()
        assert gc.get_freeze_count() > 0  # what the process held is left out meanwhile
        with fewer_collections():  # a report drawn inside another (or on another thread)
            assert not gc.isenabled()
        assert not gc.isenabled() and gc.get_freeze_count() > 0
        left = Cycle()
        left.itself = left  # a cycle: only a collection frees it
        gone = weakref.ref(left)
        del left
        assert gone() is not None  # not collected while the report is drawn
    assert gone() is None  # collected once the drawing ended
    assert gc.isenabled() and gc.get_freeze_count() == 0
    try:
        with fewer_collections():
            raise RuntimeError("a drawing that fails")
    except RuntimeError:
        pass
    assert gc.isenabled() and gc.get_freeze_count() == 0
