"""Coding the free text: a round's codebook, the passages analysts mark with its codes, and
what the coded passages add up to.

Writes are typed services that check, save and audit in one transaction: `codebook_ensure`,
`code_create`, `code_update`, `code_remove`, `coding_add`, `coding_update`, `coding_remove`.
Each raises `CodingRefused` with a message for the page when it cannot do what it was asked.
The audit entries name the code, the report, the question, the row and the offsets, never the
passage itself nor the analyst's note (an answer may name people).

A coding points to one text answer of a report (not personal, a `text` question of the
report's form) and to a span of it in characters (`start` to `end`, end excluded), or to the
whole answer; it keeps the passage as it was coded. Several analysts code the same round; each
coding remembers its analyst (two analysts may code the same passage with the same code, to
compare their coding; one analyst codes it once). Coding changes nothing of a report.

Reads: `coding_counts(selection)` (codes × WHO region and × safeguards status: coded passages
and the reports they are in), `coded_passages(selection, …)` with their source, and
`quotes(round_instrument, …)` for the generated report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from codemonitor.accounts.models import User
from codemonitor.analysis.filters import AnalysisFilters
from codemonitor.analysis.models import Code, Coding
from codemonitor.analysis.selection import ReportRow, Selection, selection_for
from codemonitor.analysis.tables import AnalysisTable, Cell, Column, Source
from codemonitor.core.audit import Action, audit_log
from codemonitor.core.text import text_plain
from codemonitor.reference.models import CodeArticle
from codemonitor.reference.names import country_labels
from codemonitor.reporting.models import Answer, Report, Round, RoundInstrument
from codemonitor.reporting.selectors import REGIONS

LABEL_LIMIT = 200
DESCRIPTION_LIMIT = 2000
NOTE_LIMIT = 2000


class CodingRefused(ValueError):
    """What was asked cannot be done; `message` says why, for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- the codebook ----------------------------------------------------------------------------


def article_label(article: CodeArticle, language: str = "en") -> str:
    return _("Article %(number)s – %(title)s") % {
        "number": article.number,
        "title": article.title(language),
    }


def codebook(round_: Round) -> list[Code]:
    """A round's codes: the articles first, in their order, then the themes by label."""
    return list(Code.objects.filter(round=round_).select_related("article"))


@transaction.atomic
def codebook_ensure(round_: Round, *, user: User | None = None) -> list[Code]:
    """Seed a round's codebook with the Code's articles (those it does not have yet), each
    audited; answers the whole codebook."""
    have = set(
        Code.objects.filter(round=round_, article__isnull=False).values_list(
            "article_id", flat=True
        )
    )
    labels = set(Code.objects.filter(round=round_).values_list("label", flat=True))
    for article in CodeArticle.objects.order_by("number"):
        if article.number in have:
            continue
        label = article_label(article)[:LABEL_LIMIT]
        if label in labels:  # a theme of that name already: the article's code says so
            label = f"{label} ({article.number})"[:LABEL_LIMIT]
        code = Code.objects.create(round=round_, article=article, label=label, created_by=user)
        labels.add(label)
        audit_log(
            action=Action.ANALYSIS_CODE_CREATED,
            actor=user,
            actor_label=None if user else "system",
            target=code,
            data={"round": round_.number, "article": article.number, "seeded": True},
        )
    return codebook(round_)


def _article(article: CodeArticle | int | None) -> CodeArticle | None:
    if article is None or isinstance(article, CodeArticle):
        return article
    found = CodeArticle.objects.filter(number=article).first()
    if found is None:
        raise CodingRefused(_("The Code has no article %(number)s.") % {"number": article})
    return found


def _label(label: str) -> str:
    cleaned = " ".join(text_plain(label, limit=LABEL_LIMIT).split())
    if not cleaned:
        raise CodingRefused(_("Give the code a name."))
    return cleaned


def _taken(label: str) -> str:
    return _("The codebook already has a code “%(label)s”.") % {"label": label}


def _refuse_taken(round_id: int, label: str, *, besides: int | None = None) -> None:
    """Refuse a label another code of the round's codebook has already."""
    others = Code.objects.filter(round_id=round_id, label=label)
    if besides is not None:
        others = others.exclude(pk=besides)
    if others.exists():
        raise CodingRefused(_taken(label))


def code_create(
    *,
    round_: Round,
    label: str,
    description: str = "",
    article: CodeArticle | int | None = None,
    user: User,
) -> Code:
    """Add a code (a theme, or an article of the Code) to a round's codebook."""
    cleaned = _label(label)
    chosen = _article(article)
    with transaction.atomic():
        _refuse_taken(round_.pk, cleaned)
        try:
            with transaction.atomic():
                code = Code.objects.create(
                    round=round_,
                    label=cleaned,
                    description=text_plain(description, limit=DESCRIPTION_LIMIT),
                    article=chosen,
                    created_by=user,
                )
        except IntegrityError as clash:  # the same label added at the same moment
            raise CodingRefused(_taken(cleaned)) from clash
        audit_log(
            action=Action.ANALYSIS_CODE_CREATED,
            actor=user,
            target=code,
            data={
                "round": round_.number,
                "label": code.label,
                "article": chosen.number if chosen else None,
            },
        )
    return code


def code_update(
    *,
    code: Code,
    label: str,
    description: str = "",
    article: CodeArticle | int | None = None,
    user: User,
) -> Code:
    """Rename a code, describe it, or tie it to another article (its codings keep it)."""
    cleaned = _label(label)
    chosen = _article(article)
    with transaction.atomic():
        locked = Code.objects.select_for_update().get(pk=code.pk)
        _refuse_taken(locked.round_id, cleaned, besides=locked.pk)
        before = {"label": locked.label, "article": locked.article_id}
        locked.label = cleaned
        locked.description = text_plain(description, limit=DESCRIPTION_LIMIT)
        locked.article = chosen
        locked.save(update_fields=["label", "description", "article"])
        audit_log(
            action=Action.ANALYSIS_CODE_CHANGED,
            actor=user,
            target=locked,
            data={
                "before": before,
                "label": locked.label,
                "article": chosen.number if chosen else None,
            },
        )
    code.refresh_from_db()
    return code


def code_remove(*, code: Code, user: User) -> None:
    """Remove a code from the codebook; refused while passages are coded with it."""
    with transaction.atomic():
        locked = Code.objects.select_for_update().get(pk=code.pk)
        used = Coding.objects.filter(code=locked).count()
        if used:
            raise CodingRefused(
                _(
                    "“%(label)s” codes %(count)s passages: recode or remove them before "
                    "removing the code."
                )
                % {"label": locked.label, "count": used}
            )
        audit_log(
            action=Action.ANALYSIS_CODE_REMOVED,
            actor=user,
            target=locked,
            data={"round": locked.round.number, "label": locked.label},
        )
        locked.delete()


# -- codings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodedAnswer:
    """The answer a coding points to, as it is stored."""

    report: Report
    question: str
    row: str
    text: str


def coded_answer(report: Report, question: str, row: str = "") -> CodedAnswer:
    """The text answer of a report that may be coded, or CodingRefused: a `text` question of
    the report's form, not personal, answered."""
    form = report.instrument_version.form
    known = form.questions().get(question)
    if known is None:
        raise CodingRefused(
            _("“%(question)s” is not a question of this report.") % {"question": question}
        )
    if known.personal:
        raise CodingRefused(_("This question holds personal data: it cannot be coded."))
    if known.kind != "text":
        raise CodingRefused(_("Only answers typed as text can be coded."))
    value = (
        Answer.objects.filter(report=report, question=question, row=row)
        .values_list("value", flat=True)
        .first()
    )
    if not isinstance(value, str) or not value.strip():
        raise CodingRefused(_("This question has no answer in this report."))
    return CodedAnswer(report, question, row, value)


def _span(text: str, start: int | None, end: int | None) -> tuple[int | None, int | None, str]:
    if start is None and end is None:
        return None, None, text
    if start is None or end is None:
        raise CodingRefused(_("A passage has a start and an end (or code the whole answer)."))
    if not 0 <= start < end <= len(text):
        raise CodingRefused(
            _("The passage must lie within the answer (characters 0 to %(length)s).")
            % {"length": len(text)}
        )
    passage = text[start:end]
    if not passage.strip():
        raise CodingRefused(_("The passage is only blank space."))
    if start == 0 and end == len(text):
        return None, None, text
    return start, end, passage


def _same_round(code: Code, report: Report) -> None:
    if code.round_id != report.round_instrument.round_id:
        raise CodingRefused(_("This code belongs to the codebook of another round."))


def _duplicate(
    code: Code,
    answer: CodedAnswer,
    start: int | None,
    end: int | None,
    analyst_id: int | None,
    *,
    other_than: int | None = None,
) -> bool:
    """The analyst has coded this span with this code already (another analyst may: their
    codings are compared)."""
    return (
        Coding.objects.filter(
            code=code,
            report=answer.report,
            question=answer.question,
            row=answer.row,
            start=start,
            end=end,
            analyst_id=analyst_id,
        )
        .exclude(pk=other_than or 0)
        .exists()
    )


def _coding_data(coding: Coding) -> dict[str, object]:
    return {
        "code": coding.code_id,
        "report": coding.report_id,
        "question": coding.question,
        "row": coding.row,
        "start": coding.start,
        "end": coding.end,
        "quote": coding.quote,
        "note": bool(coding.note),
    }


def coding_add(
    *,
    code: Code,
    report: Report,
    question: str,
    row: str = "",
    start: int | None,
    end: int | None,
    user: User,
    quote: bool = False,
    note: str = "",
) -> Coding:
    """Code a passage (characters `start` to `end` of the stored answer) or, with both None,
    the whole answer."""
    answer = coded_answer(report, question, row)
    _same_round(code, report)
    first, last, passage = _span(answer.text, start, end)
    with transaction.atomic():
        if _duplicate(code, answer, first, last, user.pk):
            raise CodingRefused(_("This passage is already coded with this code."))
        coding = Coding.objects.create(
            code=code,
            report=report,
            question=question,
            row=row,
            start=first,
            end=last,
            passage=passage,
            quote=quote,
            note=text_plain(note, limit=NOTE_LIMIT),
            analyst=user,
        )
        audit_log(
            action=Action.ANALYSIS_CODING_ADDED,
            actor=user,
            target=coding,
            data=_coding_data(coding),
        )
    return coding


def coding_update(
    *,
    coding: Coding,
    user: User,
    code: Code | None = None,
    start: int | None = None,
    end: int | None = None,
    whole: bool = False,
    quote: bool | None = None,
    note: str | None = None,
) -> Coding:
    """Recode a passage: another code, another span (`start`/`end`, or `whole` for the whole
    answer), quoted or not, another note; what is None stays as it is."""
    with transaction.atomic():
        locked = (
            Coding.objects.select_for_update()
            .select_related("report__instrument_version", "report__round_instrument", "code")
            .get(pk=coding.pk)
        )
        before = _coding_data(locked)
        old_note = locked.note
        report = locked.report
        if code is not None and code.pk != locked.code_id:
            _same_round(code, report)
            locked.code = code
        if whole or start is not None or end is not None:
            answer = coded_answer(report, locked.question, locked.row)
            locked.start, locked.end, locked.passage = _span(
                answer.text, None if whole else start, None if whole else end
            )
        if quote is not None:
            locked.quote = quote
        if note is not None:
            locked.note = text_plain(note, limit=NOTE_LIMIT)
        after = _coding_data(locked)
        note_changed = locked.note != old_note
        if after == before and not note_changed:
            return locked
        moved = (after["code"], after["start"], after["end"]) != (
            before["code"],
            before["start"],
            before["end"],
        )
        answer = CodedAnswer(report, locked.question, locked.row, locked.passage)
        if moved and _duplicate(
            locked.code, answer, locked.start, locked.end, locked.analyst_id, other_than=locked.pk
        ):
            raise CodingRefused(_("This passage is already coded with this code."))
        locked.updated_at = timezone.now()
        locked.save()
        audit_log(
            action=Action.ANALYSIS_CODING_CHANGED,
            actor=user,
            target=locked,
            data={"before": before, **after, "note_changed": note_changed},
        )
    coding.refresh_from_db()
    return coding


def coding_remove(*, coding: Coding, user: User) -> None:
    with transaction.atomic():
        locked = Coding.objects.select_for_update().get(pk=coding.pk)
        audit_log(
            action=Action.ANALYSIS_CODING_REMOVED,
            actor=user,
            target=locked,
            data=_coding_data(locked),
        )
        locked.delete()


# -- reads -----------------------------------------------------------------------------------

WITHHELD = "withheld"


@dataclass(frozen=True)
class CodedPassage:
    coding_id: int
    code_id: int
    code_label: str
    article: int | None  # the code's article of the Code, if any
    report_id: int
    reference: str
    national: bool
    member_state: str
    country: str
    # A stakeholder's entity, only where it agreed to publication ("" otherwise).
    entity: str
    question: str
    question_label: str
    row: str
    start: int | None
    end: int | None
    passage: str
    quote: bool
    note: str
    analyst_id: int | None

    @property
    def whole(self) -> bool:
        return self.start is None

    @property
    def source(self) -> str:
        """Who said it, as the report may name them: the report and its country, or the
        stakeholder's entity where it agreed to publication."""
        who = self.country if self.national else self.entity or _("a stakeholder (name withheld)")
        return f"{who}, {self.reference}"


def _codings(selection: Selection, code: Code | int | None = None) -> list[Coding]:
    chosen = Coding.objects.filter(
        code__round_id=selection.filters.round.pk,
        report__round_instrument=selection.filters.round_instrument,
    )
    if code is not None:
        chosen = chosen.filter(code_id=code.pk if isinstance(code, Code) else code)
    wanted = set(selection.ids)
    return [
        coding
        for coding in chosen.select_related("code").defer("code__description")
        if coding.report_id in wanted
    ]


def coding_counts(selection: Selection) -> AnalysisTable:
    """Codes × WHO region and × safeguards status: for each code, the passages coded with it
    and the reports they are in (a stakeholder report counts in each region it concerns),
    each number with the list behind it (`drill`: the code and the region or status)."""
    codes = codebook(selection.filters.round)
    rows_by_id = selection.by_id()
    passages: dict[int, list[Coding]] = defaultdict(list)
    for coding in _codings(selection):
        passages[coding.code_id].append(coding)
    groups: list[tuple[str, str, dict[str, str], Callable[[ReportRow], bool]]] = [
        (region, region, {"region": region}, _in_region(region)) for region in REGIONS
    ]
    groups.append(
        ("on_list", _("On the safeguards list"), {"safeguards": "on"}, lambda row: row.on_list)
    )
    groups.append(
        (
            "off_list",
            _("Not on the safeguards list"),
            {"safeguards": "off"},
            lambda row: not row.on_list,
        )
    )
    groups.append(("all", _("All reports"), {}, lambda row: True))
    columns = [
        Column("code", _("Code"), numeric=False),
        Column("counted", _("Counted"), numeric=False),
        *[Column(key, label) for key, label, _d, _t in groups],
    ]

    def cells(label: str, found: list[Coding], code_id: int | None) -> list[list[Cell]]:
        counted: list[list[Cell]] = [
            [Cell(label, header=True), Cell(_("passages"))],
            [Cell(label, header=True), Cell(_("reports"))],
        ]
        for _key, _label, drill, test in groups:
            inside = [c for c in found if test(rows_by_id[c.report_id])]
            where = {**({"code": str(code_id)} if code_id else {}), **drill} or None
            counted[0].append(Cell(len(inside), drill=where))
            counted[1].append(Cell(len({c.report_id for c in inside}), drill=where))
        return counted

    table_rows: list[list[Cell]] = []
    for code in codes:
        table_rows.extend(cells(code.label, passages.get(code.pk, []), code.pk))
    everything = [coding for found in passages.values() for coding in found]
    footer = cells(_("Any code"), everything, None)
    kind = selection.filters.instrument.code
    return AnalysisTable(
        identifier=f"{kind}.coding.codes",
        title=_("Coded passages by code, WHO region and safeguards list status"),
        columns=columns,
        rows=table_rows,
        footer=footer,
        source=Source.of(selection),
        notes=[
            _(
                "Passages: the passages coded with the code (a passage coded by two analysts, "
                "or with two codes, counts once per coding). Reports: the reports with at "
                "least one such passage. A stakeholder report counts in every region of the "
                "countries it concerns."
            )
        ],
    )


def _in_region(region: str) -> Callable[[ReportRow], bool]:
    return lambda row: region in row.regions


def coded_passages(
    selection: Selection, code: Code | int | None = None, quotes_only: bool = False
) -> list[CodedPassage]:
    """The passages coded in the selection's reports (of one code, or quotes only), in the
    order of the reports, with their source."""
    language = (get_language() or "en").split("-")[0]
    names = country_labels(language)
    rows_by_id = selection.by_id()
    form = selection.filters.round_instrument.instrument_version.form
    questions = form.questions()
    found = []
    for coding in _codings(selection, code):
        if quotes_only and not coding.quote:
            continue
        row: ReportRow = rows_by_id[coding.report_id]
        question = questions.get(coding.question)
        found.append(
            CodedPassage(
                coding_id=coding.pk,
                code_id=coding.code_id,
                code_label=coding.code.label,
                article=coding.code.article_id,
                report_id=coding.report_id,
                reference=row.reference,
                national=bool(row.member_state),
                member_state=row.member_state,
                country=names.get(row.member_state, row.member_state),
                entity=row.entity_name if row.publish_name and not row.member_state else "",
                question=coding.question,
                question_label=question.text("label", language, form.default_language)
                if question
                else coding.question,
                row=coding.row,
                start=coding.start,
                end=coding.end,
                passage=coding.passage,
                quote=coding.quote,
                note=coding.note,
                analyst_id=coding.analyst_id,
            )
        )
    order = {pk: index for index, pk in enumerate(selection.ids)}
    found.sort(key=lambda p: (order[p.report_id], p.question, p.row, p.start or 0, p.coding_id))
    return found


def quotes(
    round_instrument: RoundInstrument,
    article: int | None = None,
    *,
    selection: Selection | None = None,
) -> dict[int | None, list[CodedPassage]]:
    """The passages the analysts marked as quotes, by the article of their code (None: codes
    of no article), articles in order; of the reports that count by default (validated
    national reports, submitted stakeholder reports) unless a selection is given. With
    `article`, only that article's."""
    chosen = selection or selection_for(AnalysisFilters(round_instrument=round_instrument))
    grouped: dict[int | None, list[CodedPassage]] = {}
    for passage in coded_passages(chosen, quotes_only=True):
        if article is not None and passage.article != article:
            continue
        grouped.setdefault(passage.article, []).append(passage)
    return dict(sorted(grouped.items(), key=lambda item: (item[0] is None, item[0] or 0)))
