"""A small document model for the generated report of a round, and its three renderers.

The builder (`round_report.py`) says *what* the report holds — sections of paragraphs, quotes,
tables and figures, footnotes, an annex — and knows nothing of Word or HTML; the renderers
here say *how* it looks, the same in every format:

- `docx_bytes`: a Word document with named styles (Title, Heading 1–3, Caption, Quote, Source,
  the table style "Analysis Table"), real captions ("Table {SEQ Table}", "Figure {SEQ Figure}"
  fields, so that Word builds a list of tables or figures), real footnotes (a footnotes part:
  python-docx has no footnote API), each table's source line under it, figures as PNG images
  rasterised from their SVG (CairoSVG);
- `html_text`: a standalone page (one file: its CSS inside, figures inline as SVG), print CSS,
  `<figure>`/`<figcaption>`, footnotes as a numbered list with links back, every table's CSV
  and the list of reports behind every number linked;
- `pdf_bytes`: the same page through WeasyPrint, footnotes at the foot of their page.

Tables and figures are numbered in order of appearance ("Table 3", "Figure 1"); each keeps its
stable identifier beside the number, so that an editor can cite "Table 3 (nri.q12.choices)" and
find it again in next month's draft whatever the numbering. Every number in the text is a
`Count` carrying a `Trace` — the query of the list of reports it counts — and paragraphs cite
it in a footnote (`Note`), so that every number can be traced back to the reports it counts.
The annex ends with the data table of every figure.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import io
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from codemonitor.analysis.tables import AnalysisFigure, AnalysisTable, Cell, Column
from codemonitor.core.languages import BY_CODE

# -- the model ---------------------------------------------------------------------------------

Query = dict[str, Any]

# The lists a number is traced to (`Links` says where each is): the reports a tabulated
# number counts (the filters and `question`, `value`, `region`, `safeguards`…), and the Member
# States or reports behind a completeness figure (the filters and `status`, `category`).
REPORTS, COMPLETENESS = "reports", "completeness"


@dataclass(frozen=True)
class Trace:
    """The reports a number counts: the query of their list (the filters plus what narrows
    them, e.g. `region=AFR`), how many there are, their references (when few enough to name)
    and what they are, in words; `page` is the list it is (REPORTS or COMPLETENESS)."""

    query: Query
    count: int
    description: str = ""
    references: tuple[str, ...] = ()
    page: str = REPORTS

    def querystring(self) -> str:
        return urlencode(self.query, doseq=True)


@dataclass(frozen=True)
class Count:
    """A number in the text, with the reports it counts."""

    value: int
    trace: Trace
    text: str = ""

    @property
    def shown(self) -> str:
        return self.text or f"{self.value:,}"


@dataclass(frozen=True)
class Note:
    """A footnote: its text and, when it traces a number, the reports behind it."""

    text: str
    trace: Trace | None = None


Inline = str | Count | Note


@dataclass
class Paragraph:
    parts: list[Inline]

    @classmethod
    def of(cls, *parts: Inline) -> Paragraph:
        return cls(list(parts))

    @property
    def plain(self) -> str:
        return "".join(
            part if isinstance(part, str) else part.shown
            for part in self.parts
            if not isinstance(part, Note)
        )


@dataclass
class Quote:
    """A passage quoted from a report, with its source as publication may show it (the
    country for a national report; a stakeholder's name only where it agreed)."""

    text: str
    source: str


@dataclass
class TableBlock:
    table: AnalysisTable
    # The query (the filters) that the cells' `drill` parameters narrow: the list of reports
    # behind a cell is this plus its drill, on the list `page` (REPORTS or COMPLETENESS).
    base: Query = field(default_factory=dict)
    page: str = REPORTS
    # The drill of the list of everything the table counts (linked under it), None for none.
    listed: Query | None = field(default_factory=dict)


@dataclass
class FigureBlock:
    figure: AnalysisFigure
    base: Query = field(default_factory=dict)
    page: str = REPORTS


Block = Paragraph | Quote | TableBlock | FigureBlock


@dataclass
class Section:
    heading: str
    level: int = 1
    blocks: list[Block] = field(default_factory=list)
    # A stable anchor for links into the section ("article-5").
    identifier: str = ""


@dataclass
class ReportDocument:
    title: str
    subtitle: str
    sections: list[Section]
    annex: list[Section] = field(default_factory=list)
    language: str = "en"
    generated: dt.datetime = field(default_factory=timezone.now)

    @property
    def direction(self) -> str:
        info = BY_CODE.get(self.language)
        return info.direction if info else "ltr"

    def layout(self) -> Layout:
        return Layout(self)

    def tables(self) -> list[AnalysisTable]:
        """Every table of the document once (by CSV file name): the tables, then the data
        table of each figure — each with its companion CSV."""
        found: dict[str, AnalysisTable] = {}
        for section in [*self.sections, *self.annex]:
            for block in section.blocks:
                if isinstance(block, TableBlock):
                    found.setdefault(block.table.filename, block.table)
                elif isinstance(block, FigureBlock):
                    found.setdefault(block.figure.table.filename, block.figure.table)
        return list(found.values())

    def table(self, identifier: str) -> AnalysisTable | None:
        return next((t for t in self.tables() if t.identifier == identifier), None)


# -- numbering ---------------------------------------------------------------------------------


@dataclass
class Placed:
    """A block where the renderers draw it: its number ("Table 3") and anchor, its footnotes'
    numbers, and for a figure the number of its data table (in the annex, unless the
    document shows that table already)."""

    block: Block
    kind: str  # paragraph, quote, table, figure
    number: int = 0
    anchor: str = ""
    notes: list[int] = field(default_factory=list)
    data_number: int = 0
    data_anchor: str = ""

    @property
    def label(self) -> str:
        if self.kind == "table":
            return _("Table %(number)s") % {"number": self.number}
        if self.kind == "figure":
            return _("Figure %(number)s") % {"number": self.number}
        return ""


@dataclass
class PlacedSection:
    section: Section
    blocks: list[Placed]
    annex: bool = False


@dataclass
class Footnote:
    number: int
    note: Note


class Layout:
    """The document in reading order with every table, figure and footnote numbered. The annex
    ends with a section holding the data table of each figure (but those the document shows
    already)."""

    def __init__(self, document: ReportDocument) -> None:
        self.document = document
        self.sections: list[PlacedSection] = []
        self.footnotes: list[Footnote] = []
        anchors: set[str] = set()
        tables = figures = 0

        def anchor(identifier: str) -> str:
            base = re.sub(r"[^A-Za-z0-9_.-]", "-", identifier) or "item"
            chosen, n = base, 1
            while chosen in anchors:
                n += 1
                chosen = f"{base}-{n}"
            anchors.add(chosen)
            return chosen

        figure_data: list[Placed] = []
        # The tables already in the document: a figure whose data is one of them points to it.
        shown: dict[str, Placed] = {}
        data_section = Section(_("Data of the figures"), level=2, identifier="annex-figures")
        for is_annex, section in [
            *((False, s) for s in document.sections),
            *((True, s) for s in document.annex),
        ]:
            placed: list[Placed] = []
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    notes = []
                    for part in block.parts:
                        if isinstance(part, Note):
                            self.footnotes.append(Footnote(len(self.footnotes) + 1, part))
                            notes.append(len(self.footnotes))
                    placed.append(Placed(block, "paragraph", notes=notes))
                elif isinstance(block, Quote):
                    placed.append(Placed(block, "quote"))
                elif isinstance(block, TableBlock):
                    tables += 1
                    item = Placed(block, "table", tables, anchor(block.table.identifier))
                    placed.append(item)
                    shown.setdefault(block.table.identifier, item)
                else:
                    figures += 1
                    item = Placed(block, "figure", figures, anchor(block.figure.identifier))
                    placed.append(item)
                    figure_data.append(item)
            self.sections.append(PlacedSection(section, placed, is_annex))
        data: list[Placed] = []
        for item in figure_data:
            assert isinstance(item.block, FigureBlock)
            same = shown.get(item.block.figure.table.identifier)
            if same is not None:
                item.data_number, item.data_anchor = same.number, same.anchor
                continue
            tables += 1
            item.data_number = tables
            item.data_anchor = anchor(item.block.figure.table.identifier)
            data.append(
                Placed(
                    TableBlock(item.block.figure.table, item.block.base, item.block.page),
                    "table",
                    tables,
                    item.data_anchor,
                )
            )
        if data:
            if not document.annex:
                self.sections.append(
                    PlacedSection(Section(_("Annex"), level=1, identifier="annex"), [], True)
                )
            self.sections.append(PlacedSection(data_section, data, True))

    def __iter__(self) -> Iterator[PlacedSection]:
        return iter(self.sections)

    def placed(self) -> Iterator[Placed]:
        for section in self.sections:
            yield from section.blocks

    def numbered(self, kind: str) -> list[Placed]:
        return [item for item in self.placed() if item.kind == kind]


# -- links -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Where the renderers point: the list behind a number (from its query) — the reports a
    tabulated number counts (`reports`), the Member States or reports behind a completeness
    figure (`completeness`) —, and a table's companion CSV. Any may be absent (then nothing
    is linked)."""

    reports: Callable[[Query], str] | None = None
    csv: Callable[[AnalysisTable], str] | None = None
    completeness: Callable[[Query], str] | None = None

    def of_list(self, page: str, query: Query) -> str:
        build = self.completeness if page == COMPLETENESS else self.reports
        return build(query) if build is not None else ""

    def of_trace(self, trace: Trace | None) -> str:
        return self.of_list(trace.page, trace.query) if trace is not None else ""

    def of_cell(self, block: TableBlock, cell: Cell) -> str:
        if cell.drill is None:
            return ""
        return self.of_list(block.page, {**block.base, **cell.drill})

    def of_block(self, block: TableBlock) -> str:
        """The list of everything a table counts."""
        if block.listed is None or not block.base:
            return ""
        return self.of_list(block.page, {**block.base, **block.listed})

    def of_table(self, table: AnalysisTable) -> str:
        return self.csv(table) if self.csv else ""


# How many report references a footnote names before it points to their list instead.
NAMED_REFERENCES = 20


def note_text(note: Note, links: Links) -> tuple[str, str]:
    """A footnote's text in words, and the address of the list of reports it traces to."""
    text = note.text
    trace = note.trace
    if trace is not None and trace.references and len(trace.references) <= NAMED_REFERENCES:
        text += " " + _("Reports: %(references)s.") % {"references": ", ".join(trace.references)}
    return text, links.of_trace(trace)


# -- figures as pictures -----------------------------------------------------------------------

SITE_CSS = Path(__file__).resolve().parent.parent / "static" / "codemonitor" / "site.css"
# What every chart's text looks like when it is drawn outside the site's pages.
BASE_CHART_CSS = (
    'text { font-family: "DejaVu Sans", "Noto Sans", sans-serif; font-size: 11px; '
    "fill: #1b1f24; } .bar { fill: #0a5ea8; }"
)


# How a page lays a chart out (its size in the page): not the drawing's business, and a
# rasteriser given `width: 100%` for the drawing itself draws nothing.
LAYOUT_PROPERTIES = frozenset(
    {
        "width",
        "height",
        "max-width",
        "min-width",
        "max-height",
        "min-height",
        "display",
        "margin",
        "padding",
        "background",
    }
)


@functools.cache
def chart_css() -> str:
    """The site's rules for charts (`.chart …` and `svg …` selectors of site.css, custom
    properties resolved), so that a chart drawn outside a page — in the standalone HTML, the
    PDF, the Word document's pictures — looks as it does on the analysis pages."""
    try:
        source = SITE_CSS.read_text(encoding="utf-8")
    except OSError:
        return BASE_CHART_CSS
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    variables = dict(re.findall(r"(--[\w-]+)\s*:\s*([^;}]+)", _rule_body(source, ":root")))
    kept = [BASE_CHART_CSS]
    for selectors, body in re.findall(r"([^{}@]+)\{([^{}]*)\}", source):
        wanted = [
            s.strip()
            for s in selectors.split(",")
            if s.strip().startswith((".chart ", "svg", ".chart."))
            or s.strip() in {".chart", ".bar"}
        ]
        declarations = [
            d.strip()
            for d in body.split(";")
            if d.strip() and d.split(":", 1)[0].strip().lower() not in LAYOUT_PROPERTIES
        ]
        if wanted and declarations:
            resolved = re.sub(
                r"var\((--[\w-]+)\)",
                lambda m: variables.get(m.group(1), "currentColor").strip(),
                "; ".join(declarations),
            )
            kept.append(f"{', '.join(wanted)} {{ {resolved} }}")
    return "\n".join(kept)


def _rule_body(source: str, selector: str) -> str:
    found = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", source)
    return found.group(1) if found else ""


def styled_svg(svg: str) -> str:
    """The figure's SVG with the chart rules inside it (it stands alone wherever it goes)."""
    opening = re.search(r"<svg\b[^>]*>", svg)
    if opening is None:
        return svg
    end = opening.end()
    style = f"<style>{chart_css()}</style>"
    return svg[:end] + style + svg[end:]


# A figure's width in pixels in the Word document: 190 dots per inch at its 16 cm.
FIGURE_PIXELS = 1200


def figure_png(figure: AnalysisFigure, width: int = FIGURE_PIXELS) -> bytes | None:
    """The figure rasterised (CairoSVG, with Debian's libcairo2), or None when it has no
    drawing or the drawing cannot be read."""
    if not figure.svg.strip():
        return None
    import cairosvg  # imported here: loading cairo takes a moment

    try:
        png = cairosvg.svg2png(bytestring=styled_svg(figure.svg).encode(), output_width=width)
    except (ValueError, TypeError, AttributeError, LookupError, OSError):
        return None
    return bytes(png) if png else None


# -- HTML and PDF ------------------------------------------------------------------------------


def shown(cell: Cell) -> str:
    """A cell as the report shows it: a share kept with its sign ("12 (35.3 %)" breaks, if it
    must, only before the share)."""
    return cell.shown.replace(" %", "\u00a0%")


def _cell(cell: Cell, column: Column | None, href: str) -> dict[str, Any]:
    return {
        "text": shown(cell),
        "header": cell.header,
        "numeric": bool(column and column.numeric) and not cell.header,
        "href": href,
    }


def _table_context(item: Placed, links: Links) -> dict[str, Any]:
    assert isinstance(item.block, TableBlock)
    block = item.block
    table = block.table

    def rows(found: list[list[Cell]]) -> list[list[dict[str, Any]]]:
        return [
            [
                _cell(
                    cell,
                    table.columns[i] if i < len(table.columns) else None,
                    links.of_cell(block, cell),
                )
                for i, cell in enumerate(row)
            ]
            for row in found
        ]

    return {
        "kind": "table",
        "number": item.number,
        "label": item.label,
        "anchor": item.anchor,
        "table": table,
        "rows": rows(table.rows),
        "footer": rows(table.footer),
        "csv_href": links.of_table(table),
        "list_href": links.of_block(block),
    }


def html_context(document: ReportDocument, links: Links, *, pdf: bool = False) -> dict[str, Any]:
    layout = document.layout()
    notes = {footnote.number: footnote for footnote in layout.footnotes}
    sections = []
    for placed_section in layout:
        blocks: list[dict[str, Any]] = []
        for item in placed_section.blocks:
            block = item.block
            if isinstance(block, Paragraph):
                parts: list[dict[str, Any]] = []
                numbers = iter(item.notes)
                for part in block.parts:
                    if isinstance(part, str):
                        parts.append({"kind": "text", "text": part})
                    elif isinstance(part, Count):
                        parts.append(
                            {
                                "kind": "count",
                                "text": part.shown,
                                "href": links.of_trace(part.trace),
                            }
                        )
                    else:
                        number = next(numbers)
                        text, href = note_text(notes[number].note, links)
                        parts.append({"kind": "note", "number": number, "text": text, "href": href})
                blocks.append({"kind": "paragraph", "parts": parts})
            elif isinstance(block, Quote):
                blocks.append({"kind": "quote", "text": block.text, "source": block.source})
            elif isinstance(block, TableBlock):
                blocks.append(_table_context(item, links))
            else:
                figure = block.figure
                blocks.append(
                    {
                        "kind": "figure",
                        "number": item.number,
                        "label": item.label,
                        "anchor": item.anchor,
                        "figure": figure,
                        "svg": mark_safe(styled_svg(figure.svg)),  # noqa: S308 - drawn by the server
                        "source": figure.table.source.text(),
                        "data_label": _("Table %(number)s") % {"number": item.data_number},
                        "data_anchor": item.data_anchor,
                        "csv_href": links.of_table(figure.table),
                    }
                )
        sections.append(
            {
                "heading": placed_section.section.heading,
                "level": min(max(placed_section.section.level, 1), 3) + 1,
                "anchor": placed_section.section.identifier,
                "annex": placed_section.annex,
                "blocks": blocks,
            }
        )
    footnotes = []
    for footnote in layout.footnotes:
        text, href = note_text(footnote.note, links)
        footnotes.append({"number": footnote.number, "text": text, "href": href})
    info = BY_CODE.get(document.language)
    return {
        "document": document,
        "sections": sections,
        "footnotes": footnotes,
        "language": document.language,
        "direction": document.direction,
        "pdf": pdf,
        "generated": timezone.localtime(document.generated),
        "django_language": info.django_code if info else "en",
    }


def html_text(document: ReportDocument, links: Links | None = None) -> str:
    """The report as one standalone HTML page."""
    with translation.override(_django_code(document.language)):
        return render_to_string(
            "analysis/report.html", html_context(document, links or Links(), pdf=False)
        )


# Laying out a report makes millions of short-lived objects. With the collector's defaults (a
# collection every 700 allocations, every object of a server's heap scanned at each full one),
# 2.7-4.2 s of a 10 s PDF went to collecting (docs/PERFORMANCE.md). While a report is drawn the
# collector waits, and what the process held before is frozen (`gc.freeze`); when the last
# drawing ends, what it left is collected at once (about 0.9 s for a PDF, the rest of the heap
# still left out), then the heap unfrozen and the collector back as it was.
_drawing = 0
_drawing_lock = threading.Lock()
_collecting = True


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """No garbage collection while a report is drawn, one at its end through the drawing's own
    objects only (the process's settings put back when its last drawing ends)."""
    global _drawing, _collecting
    with _drawing_lock:
        if _drawing == 0:
            _collecting = gc.isenabled()
            gc.freeze()
            gc.disable()
        _drawing += 1
    try:
        yield
    finally:
        with _drawing_lock:
            _drawing -= 1
            if _drawing == 0:
                # Left to the collector, a drawing's garbage (half a million objects for a
                # PDF) piled up drawing after drawing until one full collection took seconds.
                gc.collect()
                gc.unfreeze()
                if _collecting:
                    gc.enable()


def pdf_bytes(document: ReportDocument, links: Links | None = None) -> bytes:
    """The report as PDF (WeasyPrint), with footnotes at the foot of their page."""
    from weasyprint import HTML  # imported here: loading it takes a moment

    with translation.override(_django_code(document.language)):
        html = render_to_string(
            "analysis/report.html", html_context(document, links or Links(), pdf=True)
        )
    with fewer_collections():
        return bytes(HTML(string=html).write_pdf())


def _django_code(language: str) -> str:
    info = BY_CODE.get(language)
    return info.django_code if info else "en"


# -- DOCX --------------------------------------------------------------------------------------

FOOTNOTES_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
)
FOOTNOTES_RELATIONSHIP = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
)
HYPERLINK_RELATIONSHIP = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
)
# Word's caption labels: the names of the SEQ fields Word's "Insert Table of Figures" lists.
SEQ_TABLE, SEQ_FIGURE = "Table", "Figure"
TABLE_STYLE = "Analysis Table"
# The width of the text on the page, in twentieths of a point (Letter, 1" margins).
TEXT_WIDTH = 9360
SOURCE_STYLE = "Source"
FOOTNOTE_TEXT_STYLE = "Footnote Text"
FOOTNOTE_REFERENCE_STYLE = "Footnote Reference"
HYPERLINK_STYLE = "Hyperlink"
IDENTIFIER_STYLE = "Identifier"
# What XML 1.0 (a Word document) cannot hold: control characters (answers refuse them), lone
# surrogates, and U+FFFE and U+FFFF, which an answer may contain.
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text a Word document can hold: what XML cannot, as U+FFFD (the replacement mark)."""
    return XML_UNSAFE.sub("\ufffd", text)


class _Docx:
    """Writes a Layout into a python-docx Document."""

    def __init__(self, document: ReportDocument, links: Links) -> None:
        import docx
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        self.model = document
        self.links = links
        self.doc = docx.Document()
        self.rtl = document.direction == "rtl"
        self._styles()
        self.footnotes_part = Part(
            PackURI("/word/footnotes.xml"), FOOTNOTES_CONTENT_TYPE, b"", self.doc.part.package
        )
        self.doc.part.relate_to(self.footnotes_part, FOOTNOTES_RELATIONSHIP)
        self.footnote_bodies: list[tuple[int, str, str]] = []
        self._style_ids: dict[str, str] = {}

    # styles
    def _styles(self) -> None:
        from docx.enum.style import WD_STYLE_TYPE
        from docx.shared import Pt, RGBColor

        styles = self.doc.styles
        names = {style.name for style in styles}
        if SOURCE_STYLE not in names:
            source = styles.add_style(SOURCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
            source.base_style = styles["Normal"]
            source.font.size = Pt(8)
            source.font.italic = True
            source.font.color.rgb = RGBColor(0x5B, 0x64, 0x70)
            source.paragraph_format.space_after = Pt(10)
        if IDENTIFIER_STYLE not in names:
            ident = styles.add_style(IDENTIFIER_STYLE, WD_STYLE_TYPE.CHARACTER)
            ident.font.size = Pt(8)
            ident.font.color.rgb = RGBColor(0x5B, 0x64, 0x70)
        if FOOTNOTE_TEXT_STYLE not in names:
            text = styles.add_style(FOOTNOTE_TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
            text.base_style = styles["Normal"]
            text.font.size = Pt(9)
            text.paragraph_format.space_after = Pt(0)
        if FOOTNOTE_REFERENCE_STYLE not in names:
            reference = styles.add_style(FOOTNOTE_REFERENCE_STYLE, WD_STYLE_TYPE.CHARACTER)
            reference.font.superscript = True
        if HYPERLINK_STYLE not in names:
            link = styles.add_style(HYPERLINK_STYLE, WD_STYLE_TYPE.CHARACTER)
            link.font.color.rgb = RGBColor(0x0A, 0x5E, 0xA8)
            link.font.underline = True
        if TABLE_STYLE not in names:
            table = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
            table.base_style = styles["Table Grid"]
            table.font.size = Pt(9)
            table.paragraph_format.space_before = Pt(1)
            table.paragraph_format.space_after = Pt(1)
            table.paragraph_format.line_spacing = 1.0
        if self.rtl:
            from docx.oxml import OxmlElement

            normal = styles["Normal"].element
            ppr = normal.get_or_add_pPr()
            ppr.append(OxmlElement("w:bidi"))
            rpr = normal.get_or_add_rPr()
            rpr.append(OxmlElement("w:rtl"))

    def style_id(self, name: str) -> str:
        """A style's identifier, looked up once (python-docx finds a style by name slowly)."""
        found = self._style_ids.get(name)
        if found is None:
            found = self._style_ids[name] = str(self.doc.styles[name].style_id)
        return found

    def styled(self, style: str, text: str = "") -> Any:
        """A new paragraph of the body in a paragraph style."""
        paragraph = self.doc.add_paragraph(xml_safe(text))
        paragraph._p.style = self.style_id(style)
        return paragraph

    # runs
    def _text_run(self, paragraph: Any, text: str, style: str | None = None) -> None:
        run = paragraph.add_run(xml_safe(text))
        if style:
            run._r.style = self.style_id(style)

    def _hyperlink(self, paragraph: Any, text: str, url: str) -> None:
        paragraph._p.append(self._hyperlink_xml(text, url, self.doc.part))

    def _hyperlink_xml(self, text: str, url: str, owner: Any) -> Any:
        """A `w:hyperlink` to an address, related from the part that holds it."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        rel = owner.relate_to(url, HYPERLINK_RELATIONSHIP, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), rel)
        link.append(self._run_xml(text, HYPERLINK_STYLE))
        return link

    def _run_xml(self, text: str, style_name: str | None = None) -> Any:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        run = OxmlElement("w:r")
        if style_name:
            rpr = OxmlElement("w:rPr")
            rstyle = OxmlElement("w:rStyle")
            rstyle.set(qn("w:val"), self.style_id(style_name))
            rpr.append(rstyle)
            run.append(rpr)
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = xml_safe(text)
        run.append(t)
        return run

    def _field(self, paragraph: Any, instruction: str, shown: str) -> None:
        """A Word field (`SEQ Table \\* ARABIC`) with its current result."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        def char(kind: str) -> Any:
            run = OxmlElement("w:r")
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), kind)
            run.append(mark)
            return run

        instr_run = OxmlElement("w:r")
        instr = OxmlElement("w:instrText")
        instr.set(qn("xml:space"), "preserve")
        instr.text = f" {instruction} "
        instr_run.append(instr)
        for element in (
            char("begin"),
            instr_run,
            char("separate"),
            self._run_xml(shown),
            char("end"),
        ):
            paragraph._p.append(element)

    def _footnote_reference(self, paragraph: Any, number: int) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        run = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        rstyle = OxmlElement("w:rStyle")
        rstyle.set(qn("w:val"), self.style_id(FOOTNOTE_REFERENCE_STYLE))
        rpr.append(rstyle)
        run.append(rpr)
        reference = OxmlElement("w:footnoteReference")
        reference.set(qn("w:id"), str(number))
        run.append(reference)
        paragraph._p.append(run)

    # blocks
    def caption(self, kind: str, number: int, title: str, identifier: str) -> None:
        paragraph = self.styled("Caption")
        word = _("Table") if kind == "table" else _("Figure")
        self._text_run(paragraph, f"{word} ")
        self._field(
            paragraph, f"SEQ {SEQ_TABLE if kind == 'table' else SEQ_FIGURE} \\* ARABIC", str(number)
        )
        self._text_run(paragraph, f". {title} ")
        self._text_run(paragraph, f"[{identifier}]", IDENTIFIER_STYLE)
        paragraph.paragraph_format.keep_with_next = kind == "table"

    def paragraph(self, item: Placed, footnotes: dict[int, Footnote]) -> None:
        assert isinstance(item.block, Paragraph)
        paragraph = self.doc.add_paragraph()
        numbers = iter(item.notes)
        for part in item.block.parts:
            if isinstance(part, str):
                self._text_run(paragraph, part)
            elif isinstance(part, Count):
                url = self.links.of_trace(part.trace)
                if url:
                    self._hyperlink(paragraph, part.shown, url)
                else:
                    self._text_run(paragraph, part.shown)
            else:
                number = next(numbers)
                text, url = note_text(footnotes[number].note, self.links)
                self._footnote_reference(paragraph, number)
                self.footnote_bodies.append((number, text, url))

    def quote(self, block: Quote) -> None:
        self.styled("Quote", block.text)
        source = self.styled("Quote")
        self._text_run(source, f"— {block.source}")

    def table(self, item: Placed) -> None:
        """A table: caption above, header row repeated on each page, the source line under it.
        Rows are written as XML text, parsed once (python-docx's cell API, and making each
        element apart, are slow for long tables)."""
        from xml.sax.saxutils import escape

        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.oxml import OxmlElement
        from docx.oxml.ns import nsdecls, qn
        from docx.oxml.parser import parse_xml

        assert isinstance(item.block, TableBlock)
        table = item.block.table
        self.caption("table", item.number, table.title, table.identifier)
        width = max([len(table.columns), *(len(row) for row in [*table.rows, *table.footer])])
        grid = self.doc.add_table(rows=0, cols=max(width, 1))
        tbl = grid._tbl
        tbl.tblPr.style = self.style_id(TABLE_STYLE)
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        if self.rtl:
            tbl.tblPr.append(OxmlElement("w:bidiVisual"))
        # The labels' column wider than the figures' (Word and LibreOffice keep these widths).
        columns = tbl.tblGrid.findall(qn("w:gridCol"))
        room = sum(int(col.get(qn("w:w")) or 0) for col in columns) or TEXT_WIDTH
        # (A wide table, the completeness by region, leaves its figures more room.)
        share = 5 if width == 2 else 3 if width < 8 else 2
        first = room if width == 1 else room * share // 10
        rest = (room - first) // max(width - 1, 1)
        widths = [first, *([rest] * (width - 1))]
        for col, size in zip(columns, widths, strict=False):
            col.set(qn("w:w"), str(size))
        numeric_end = f'<w:pPr><w:jc w:val="{"left" if self.rtl else "right"}"/></w:pPr>'

        def cell_xml(text: str, index: int, *, bold: bool, numeric: bool) -> str:
            size = widths[index] if index < len(widths) else rest
            return (
                f'<w:tc><w:tcPr><w:tcW w:w="{size}" w:type="dxa"/></w:tcPr><w:p>'
                f"{numeric_end if numeric else ''}<w:r>{'<w:rPr><w:b/></w:rPr>' if bold else ''}"
                f'<w:t xml:space="preserve">{escape(xml_safe(text))}</w:t></w:r></w:p></w:tc>'
            )

        lines = [
            "<w:tr><w:trPr><w:tblHeader/></w:trPr>"
            + "".join(
                cell_xml(
                    table.columns[index].label if index < len(table.columns) else "",
                    index,
                    bold=True,
                    numeric=False,
                )
                for index in range(width)
            )
            + "</w:tr>"
        ]
        for line_number, row in enumerate([*table.rows, *table.footer]):
            footer = line_number >= len(table.rows)
            cells = []
            for index in range(width):
                value = row[index] if index < len(row) else Cell("")
                numeric = (
                    index < len(table.columns) and table.columns[index].numeric and not value.header
                )
                cells.append(
                    cell_xml(shown(value), index, bold=value.header or footer, numeric=numeric)
                )
            lines.append("<w:tr>" + "".join(cells) + "</w:tr>")
        tbl.extend(list(parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(lines)}</w:tbl>")))
        source = self.styled(SOURCE_STYLE)
        self._text_run(source, table.source.text())
        for note in table.notes:
            self._text_run(source, " " + note)
        self._text_run(source, " " + _("CSV: %(file)s") % {"file": table.filename})
        url = self.links.of_block(item.block)
        if url:
            self._text_run(source, " ")
            self._hyperlink(source, _("The reports counted"), url)

    def figure(self, item: Placed) -> None:
        from docx.shared import Cm

        assert isinstance(item.block, FigureBlock)
        figure = item.block.figure
        png = figure_png(figure)
        if png is not None:
            self.doc.add_picture(io.BytesIO(png), width=Cm(16))
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
        self.caption("figure", item.number, figure.title, figure.identifier)
        source = self.styled(SOURCE_STYLE)
        self._text_run(source, figure.table.source.text())
        self._text_run(
            source,
            " "
            + _("Data: Table %(number)s (%(file)s).")
            % {"number": item.data_number, "file": figure.table.filename},
        )

    def footnotes_xml(self) -> bytes:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import nsdecls, qn
        from docx.oxml.parser import parse_xml

        root = parse_xml(f"<w:footnotes {nsdecls('w', 'r')}/>")
        for kind, number in (("separator", -1), ("continuationSeparator", 0)):
            note = OxmlElement("w:footnote")
            note.set(qn("w:type"), kind)
            note.set(qn("w:id"), str(number))
            paragraph = OxmlElement("w:p")
            ppr = OxmlElement("w:pPr")
            spacing = OxmlElement("w:spacing")
            spacing.set(qn("w:after"), "0")
            spacing.set(qn("w:line"), "240")
            spacing.set(qn("w:lineRule"), "auto")
            ppr.append(spacing)
            paragraph.append(ppr)
            run = OxmlElement("w:r")
            run.append(OxmlElement(f"w:{kind}"))
            paragraph.append(run)
            note.append(paragraph)
            root.append(note)
        text_style = self.style_id(FOOTNOTE_TEXT_STYLE)
        reference_style = self.style_id(FOOTNOTE_REFERENCE_STYLE)
        for number, text, url in self.footnote_bodies:
            note = OxmlElement("w:footnote")
            note.set(qn("w:id"), str(number))
            paragraph = OxmlElement("w:p")
            ppr = OxmlElement("w:pPr")
            pstyle = OxmlElement("w:pStyle")
            pstyle.set(qn("w:val"), text_style)
            ppr.append(pstyle)
            if self.rtl:
                ppr.append(OxmlElement("w:bidi"))
            paragraph.append(ppr)
            mark = OxmlElement("w:r")
            rpr = OxmlElement("w:rPr")
            rstyle = OxmlElement("w:rStyle")
            rstyle.set(qn("w:val"), reference_style)
            rpr.append(rstyle)
            mark.append(rpr)
            mark.append(OxmlElement("w:footnoteRef"))
            paragraph.append(mark)
            paragraph.append(self._run_xml(" " + text))
            if url:
                paragraph.append(self._run_xml(" "))
                paragraph.append(self._hyperlink_xml(url, url, self.footnotes_part))
            note.append(paragraph)
            root.append(note)
        from docx.opc.oxml import serialize_part_xml

        return bytes(serialize_part_xml(root))

    def settings(self) -> None:
        """Name the separator footnotes in the settings, as Word does."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        settings = self.doc.settings.element
        properties = OxmlElement("w:footnotePr")
        for number in (-1, 0):
            note = OxmlElement("w:footnote")
            note.set(qn("w:id"), str(number))
            properties.append(note)
        compat = settings.find(qn("w:compat"))
        if compat is not None:
            compat.addprevious(properties)
        else:
            settings.append(properties)

    def write(self) -> bytes:
        layout = self.model.layout()
        footnotes = {footnote.number: footnote for footnote in layout.footnotes}
        core = self.doc.core_properties
        core.title = xml_safe(self.model.title)
        core.subject = xml_safe(self.model.subtitle)
        core.language = self.model.language
        core.created = self.model.generated
        self.styled("Title", self.model.title)
        if self.model.subtitle:
            self.styled("Subtitle", self.model.subtitle)
        for placed_section in layout:
            section = placed_section.section
            self.styled(f"Heading {min(max(section.level, 1), 3)}", section.heading)
            for item in placed_section.blocks:
                if isinstance(item.block, Paragraph):
                    self.paragraph(item, footnotes)
                elif isinstance(item.block, Quote):
                    self.quote(item.block)
                elif isinstance(item.block, TableBlock):
                    self.table(item)
                else:
                    self.figure(item)
        self.footnotes_part._blob = self.footnotes_xml()
        self.settings()
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def docx_bytes(document: ReportDocument, links: Links | None = None) -> bytes:
    """The report as a Word document."""
    with translation.override(_django_code(document.language)):
        return _Docx(document, links or Links()).write()
