"""The draft report of a round: what it holds, as DOCX, HTML and PDF, from the command line
and the back office — its numbers compared with counts written here from the Report and
Answer rows."""

from __future__ import annotations

import io
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import docx
import pypdf
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codemonitor.analysis.document import (
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
from codemonitor.analysis.round_report import (
    RECEIVED_STATES,
    article_number,
    quote_source,
    round_instruments_of,
    round_report_build,
)
from codemonitor.analysis.selection import ReportRow
from codemonitor.analysis.tables import AnalysisTable
from codemonitor.core.models import AuditEntry
from codemonitor.reference.models import RegionMembership, SafeguardsEdition, SafeguardsEntry
from codemonitor.reporting.models import Answer, Report
from codemonitor.reporting.selectors import COUNTING_STATES, REGIONS, deadline_date

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FOOTNOTES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


@pytest.fixture(scope="module")
def report(demo_round, django_db_blocker) -> dict[str, Any]:
    """The demonstration round's report, built once and drawn in the three formats."""
    links = Links(
        reports=lambda query: (
            "/backoffice/analysis/reports/?"
            + "&".join(
                f"{key}={value}" for key, value in sorted(query.items()) if isinstance(value, str)
            )
        ),
        csv=lambda table: f"tables/{table.filename}",
    )
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
                found[block.figure.table.identifier] = block.figure.table
    return found


def national_of(demo_round):
    national, stakeholder = round_instruments_of(demo_round)
    assert national is not None and stakeholder is not None
    return national, stakeholder


def expected_articles(round_instrument) -> set[int]:
    """The articles the national instrument's questions concern, read from its form here."""
    found = set()
    for question in round_instrument.instrument_version.form.walk():
        if question.is_input and question.article and not question.personal:
            head = question.article.split(".")[0]
            if head.isdigit():
                found.add(int(head))
    return found


# -- DOCX ------------------------------------------------------------------------------------


def test_the_docx_has_a_heading_per_article_with_questions(report, demo_round) -> None:
    national, _stakeholder = national_of(demo_round)
    document = docx.Document(io.BytesIO(report["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "The round in brief"
    articles = [h for h in headings if h.startswith("Article ")]
    numbers = [int(re.match(r"Article (\d+)\.", h).group(1)) for h in articles]
    assert set(numbers) == expected_articles(national) and numbers == sorted(numbers)
    assert "The stakeholders' contribution" in headings and headings[-1] == "Annex"
    assert [p.style.name for p in document.paragraphs[:2]] == ["Title", "Subtitle"]
    # The stakeholder instrument's articles are sub-sections of its contribution.
    level2 = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert any(h.startswith("Health personnel migration") for h in level2)
    assert "Data of the figures" in level2


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
    # Each note traces its number to the list of reports.
    texts = {
        int(n.get(f"{W}id")): "".join(t.text for t in n.iter(f"{W}t"))
        for n in notes.iter(f"{W}footnote")
    }
    assert all("/backoffice/analysis/reports/?" in texts[i] for i in referenced[:3])


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
    # Numbers in the text link to the reports they count.
    assert re.search(r'<a href="/backoffice/analysis/reports/\?[^"]*">\d[\d,]*</a>', html)
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


def test_reports_by_region_equal_an_independent_count(report, demo_round) -> None:
    national, _ = national_of(demo_round)
    region_of = _regions(national)
    received: Counter[str] = Counter()
    validated: Counter[str] = Counter()
    late: Counter[str] = Counter()
    for country, state, is_late in Report.objects.filter(
        round_instrument=national, state__in=list(RECEIVED_STATES)
    ).values_list("member_state_id", "state", "is_late"):
        received[region_of[country]] += 1
        validated[region_of[country]] += state == "validated"
        late[region_of[country]] += is_late
    table = tables_of(report["document"])["round.reports_by_region"]
    keys = [column.key for column in table.columns]
    for region, row in zip(REGIONS, table.rows, strict=True):
        values = dict(zip(keys, [cell.value for cell in row], strict=True))
        assert values["received"] == received[region]
        assert values["validated"] == validated[region]
        assert values["late"] == late[region]
        assert values["members"] == sum(1 for r in region_of.values() if r == region)
    footer = dict(zip(keys, [cell.value for cell in table.footer[0]], strict=True))
    assert footer["received"] == sum(received.values()) > 0
    # The same numbers in the Word table (the first table of the document).
    word = docx.Document(io.BytesIO(report["docx"])).tables[0]
    received_column = keys.index("received")
    for region_row, word_row in zip(table.rows, word.rows[1:], strict=False):
        assert word_row.cells[received_column].text == region_row[received_column].shown


def test_the_numbers_in_the_text_are_traced_to_their_reports(report, demo_round) -> None:
    national, stakeholder = national_of(demo_round)
    counts = [
        part
        for section in report["document"].sections
        for block in section.blocks
        if isinstance(block, Paragraph)
        for part in block.parts
        if isinstance(part, Count)
    ]
    assert counts
    for count in counts:
        assert count.trace.count == count.value
        assert count.trace.query["round"] == str(demo_round.number)
    received = Report.objects.filter(
        round_instrument=national, state__in=list(RECEIVED_STATES)
    ).count()
    validated = Report.objects.filter(round_instrument=national, state="validated").count()
    submitted = Report.objects.filter(
        round_instrument=stakeholder, state__in=list(COUNTING_STATES)
    ).count()
    values = {count.value for count in counts}
    assert {received, validated, submitted} <= values
    received_count = next(c for c in counts if c.value == received and "state" in c.trace.query)
    assert sorted(received_count.trace.query["state"]) == sorted(RECEIVED_STATES)


def test_a_question_table_equals_the_answer_rows(report, demo_round) -> None:
    national, _ = national_of(demo_round)
    form = national.instrument_version.form
    paths = form.repeat_path()
    validated = set(
        Report.objects.filter(round_instrument=national, state="validated").values_list(
            "pk", flat=True
        )
    )
    tables = tables_of(report["document"])
    checked = 0
    for question in form.walk():
        if question.kind != "select_one" or paths.get(question.name) or question.personal:
            continue
        if question.list_name == "countries" or article_number(question) is None:
            continue
        table = tables[f"nri.{question.name}.choices"]
        stored = Counter(
            value
            for report_id, value in Answer.objects.filter(
                round_instrument=national, question=question.name, row=""
            ).values_list("report_id", "value")
            if report_id in validated and value not in (None, "")
        )
        choices = [choice.name for choice in form.choices[question.list_name]]
        assert [row[1].value for row in table.rows] == [stored.get(c, 0) for c in choices]
        assert table.footer[0][1].value == sum(stored.values())
        assert table.footer[1][1].value == len(validated) - sum(stored.values())
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
    table = tables_of(report["document"])["isri.category"]
    choices = [c.name for c in form.choices[form.questions()[question].list_name]]
    assert [row[1].value for row in table.rows[: len(choices)]] == [
        stored.get(c, 0) for c in choices
    ]
    assert table.footer[0][1].value == len(submitted)


def test_generation_reads_a_bounded_number_of_queries(demo_round) -> None:
    round_report_build(demo_round)  # what a process reads once (forms, languages)
    cache.clear()  # the worst case: nothing kept from an earlier selection
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
    with CaptureQueriesContext(connection) as second:
        document = round_report_build(demo_round)
    assert len(second.captured_queries) == len(first.captured_queries) <= 80
    assert tables_of(document)["isri.category"].footer[0][1].value == len(
        Report.objects.filter(round_instrument=stakeholder, state__in=list(COUNTING_STATES))
    )


# -- quotes and migration figures ------------------------------------------------------------


def _row(**changes: Any) -> ReportRow:
    values: dict[str, Any] = {
        "id": 1,
        "sequence": 7,
        "reference": "ISRI-2024-000007",
        "state": "submitted",
        "language": "en",
        "late": False,
        "submitted_at": None,
        "member_state": "",
        "countries": (),
        "regions": frozenset(),
        "on_list": False,
        "entity_name": "Nurses Union of Somewhere",
        "publish_name": False,
        "category": "union",
    }
    values.update(changes)
    return ReportRow(**values)


def test_quotes_name_a_country_and_a_stakeholder_only_where_it_agreed() -> None:
    countries = {"GHA": "Ghana"}
    national = quote_source(
        _row(member_state="GHA", reference="NRI-2024-000003", entity_name="Ministry"),
        countries=countries,
    )
    assert national == "Ghana, national report NRI-2024-000003"
    named = quote_source(_row(publish_name=True), countries=countries)
    assert named.startswith("Nurses Union of Somewhere")
    hidden = quote_source(_row(), countries=countries, categories={"union": "Trade union"})
    assert "Nurses Union" not in hidden and "Trade union" in hidden
    assert isinstance(Quote("text", hidden).source, str)


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
    assert "round.reports_by_region.csv" in written and "annex.national_reports.csv" in written
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
