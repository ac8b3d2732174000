"""The form model: what an instrument version is once its XLSForm has been checked.

A `Form` is plain data (dataclasses) stored as JSON on the instrument version; the checker in
`xlsform.py` builds it, the engine in `engine.py` evaluates answers against it, and the pages render
it. Labels, hints and messages are dictionaries keyed by language code (`en`, `fr`, ...).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

Translations = dict[str, str]

# Question kinds that hold an answer typed or chosen by a person.
INPUT_KINDS = frozenset(
    {"text", "integer", "decimal", "date", "select_one", "select_multiple", "file"}
)
# Kinds the platform fills in itself (XLSForm metadata).
METADATA_KINDS = frozenset({"start", "end", "today"})
CONTAINER_KINDS = frozenset({"group", "repeat"})
ALL_KINDS = INPUT_KINDS | METADATA_KINDS | CONTAINER_KINDS | {"note", "calculate"}

# The built-in choice list: the Member States and the WHO regions.
COUNTRIES_LIST = "countries"

# What a report keeps of its own answers, declared in the `report_field` column of the survey:
# the reporting entity's name, its consent to publishing that name (a select_one whose `yes`
# choice means consent), the address its private links go to, and what the analysis groups
# stakeholder reports by. The kinds each may be.
REPORT_FIELDS: dict[str, frozenset[str]] = {
    "entity_name": frozenset({"text"}),
    "entity_name_consent": frozenset({"select_one"}),
    "contact_email": frozenset({"text"}),
    # For the analysis of stakeholder reports: the reporting entity's category, and the
    # countries (or WHO regions) the report concerns (a question on the built-in `countries`
    # list), by which the reports are counted per region and safeguards status.
    "stakeholder_category": frozenset({"select_one"}),
    "countries_concerned": frozenset({"select_one", "select_multiple"}),
}

# What figure a numeric answer is, declared in the `statistic` column of the survey
# (`measure=stock population=total occupation=doctors`). The vocabularies are the instrument's
# own: the workforce app (above instruments) keeps the same values in `Measure`, `Population`
# and `Occupation`, and a test checks that the two agree.
STATISTIC_MEASURES = ("stock", "inflow")
STATISTIC_POPULATIONS = ("total", "foreign_trained", "foreign_born", "foreign_citizens")
STATISTIC_OCCUPATIONS = (
    "doctors",
    "nurses",
    "midwives",
    "nurses_midwives",
    "dentists",
    "pharmacists",
)
# The keys of a declaration; `measure`, `population` and `occupation` are required, `origin`
# and `year` refer to other questions (`${name}`), `occupation` may too.
STATISTIC_KEYS = ("measure", "population", "occupation", "origin", "year")
# The bare word on the one integer question holding the reference year of the form's figures.
STATISTIC_YEAR = "year"
# Registers an answer feeds, declared in the `register` column: the kinds each may be.
REGISTERS: dict[str, frozenset[str]] = {"laws": frozenset({"text"})}


def statistic_reference(value: str) -> str | None:
    """The question a declared value refers to (`${name}`), or None for a plain value."""
    if value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return None


@dataclass
class Choice:
    name: str
    label: Translations = field(default_factory=dict)
    # Other columns of the choices sheet, for choice_filter expressions.
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Question:
    kind: str
    name: str
    row: int = 0
    label: Translations = field(default_factory=dict)
    hint: Translations = field(default_factory=dict)
    required: str = ""  # an expression; "true()" for `yes`
    required_message: Translations = field(default_factory=dict)
    relevant: str = ""
    constraint: str = ""
    constraint_message: Translations = field(default_factory=dict)
    calculation: str = ""
    default: str = ""
    appearance: str = ""
    read_only: str = ""
    choice_filter: str = ""
    list_name: str = ""
    article: str = ""
    personal: bool = False
    # One of REPORT_FIELDS, or "".
    report_field: str = ""
    # What figure the answer is ({key: value}, see STATISTIC_KEYS), or {} when it is none.
    statistic: dict[str, str] = field(default_factory=dict)
    # Whether this integer question holds the reference year of the form's statistics.
    statistic_year: bool = False
    # One of REGISTERS, or "".
    register: str = ""
    children: list[Question] = field(default_factory=list)

    @property
    def is_container(self) -> bool:
        return self.kind in CONTAINER_KINDS

    @property
    def is_input(self) -> bool:
        return self.kind in INPUT_KINDS

    def walk(self) -> Iterator[Question]:
        for child in self.children:
            yield child
            yield from child.walk()

    def text(self, attribute: str, language: str, default_language: str) -> str:
        """A translated text in the asked language, else the form's default, else any."""
        values: Translations = getattr(self, attribute)
        return (
            values.get(language)
            or values.get(default_language)
            or next((v for v in values.values() if v), "")
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        data = dict(data)
        children = [cls.from_dict(child) for child in data.pop("children", [])]
        return cls(children=children, **data)


@dataclass
class Form:
    form_id: str
    title: str
    version: str
    default_language: str
    languages: list[str]
    children: list[Question]
    choices: dict[str, list[Choice]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Form:
        return cls(
            form_id=data["form_id"],
            title=data["title"],
            version=data["version"],
            default_language=data["default_language"],
            languages=list(data["languages"]),
            children=[Question.from_dict(child) for child in data["children"]],
            choices={
                name: [Choice(**choice) for choice in items]
                for name, items in data.get("choices", {}).items()
            },
        )

    def walk(self) -> Iterator[Question]:
        for child in self.children:
            yield child
            yield from child.walk()

    # A form does not change once built: what is derived from it is computed once and kept on
    # the instance (outside the dataclass fields, so it is never stored).
    def _cached(self, name: str, build: Any) -> Any:
        cache = self.__dict__.setdefault("_derived", {})
        if name not in cache:
            cache[name] = build()
        return cache[name]

    def questions(self) -> dict[str, Question]:
        return self._cached(  # type: ignore[no-any-return]
            "questions", lambda: {question.name: question for question in self.walk()}
        )

    def parents(self) -> dict[str, Question | None]:
        def build() -> dict[str, Question | None]:
            found: dict[str, Question | None] = {}

            def visit(nodes: list[Question], parent: Question | None) -> None:
                for node in nodes:
                    found[node.name] = parent
                    visit(node.children, node)

            visit(self.children, None)
            return found

        return self._cached("parents", build)  # type: ignore[no-any-return]

    def expression_cache(self) -> dict[tuple[str, str], Any]:
        """Parsed expressions by (question, column), filled by the engine."""
        return self._cached("expressions", dict)  # type: ignore[no-any-return]

    def reference_cache(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """The names each expression refers to, by (question, column), filled by the engine."""
        return self._cached("references", dict)  # type: ignore[no-any-return]

    def repeat_path(self) -> dict[str, tuple[str, ...]]:
        """For each name, the names of the repeats that contain it, outermost first."""
        return self._cached("repeat_path", self._repeat_path)  # type: ignore[no-any-return]

    def _repeat_path(self) -> dict[str, tuple[str, ...]]:
        paths: dict[str, tuple[str, ...]] = {}

        def visit(nodes: list[Question], path: tuple[str, ...]) -> None:
            for node in nodes:
                paths[node.name] = path
                inner = (*path, node.name) if node.kind == "repeat" else path
                visit(node.children, inner)

        visit(self.children, ())
        return paths

    def pages(self) -> list[Question]:
        """Each top-level group is a page; top-level questions between groups form a page too."""
        return self._cached("pages", self._pages)  # type: ignore[no-any-return]

    def _pages(self) -> list[Question]:
        pages: list[Question] = []
        loose: list[Question] = []

        def flush() -> None:
            if loose:
                pages.append(
                    Question(kind="group", name=f"page{len(pages) + 1}", children=list(loose))
                )
                loose.clear()

        for node in self.children:
            if node.kind == "group":
                flush()
                pages.append(node)
            else:
                loose.append(node)
        flush()
        return pages

    def report_fields(self) -> dict[str, str]:
        """The question that holds each report field the form declares: {field: question name}."""
        return self._cached(  # type: ignore[no-any-return]
            "report_fields",
            lambda: {q.report_field: q.name for q in self.walk() if q.report_field},
        )

    def statistics(self) -> list[Question]:
        """The questions whose answers are figures (declared in the `statistic` column)."""
        return self._cached(  # type: ignore[no-any-return]
            "statistics", lambda: [q for q in self.walk() if q.statistic]
        )

    def statistic_year(self) -> str:
        """The question holding the reference year of the form's statistics, or ""."""
        return self._cached(  # type: ignore[no-any-return]
            "statistic_year",
            lambda: next((q.name for q in self.walk() if q.statistic_year), ""),
        )

    def count_questions(self) -> int:
        return sum(1 for question in self.walk() if question.is_input)
