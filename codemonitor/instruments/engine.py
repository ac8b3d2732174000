"""The rules of a form applied to one report's answers: what is shown, what is valid.

This is the only place where a form's rules are applied. The pages ask it which questions to show
and which errors to print next to a field; submission asks it whether anything blocks. Both get
the same answers from the same code.

Answers are keyed by `(question name, row path)`. Outside repeats the row path is "". A repeat's
own answer (under its name and its parent's row path) is the ordered list of its row ids; a
question inside a repeat has the row path `id` (or `outer/inner` for a repeat in a repeat).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from codemonitor.core.languages import BY_CODE
from codemonitor.instruments import expressions
from codemonitor.instruments.expressions import Context, ExpressionError, Value
from codemonitor.instruments.schema import COUNTRIES_LIST, Choice, Form, Question
from codemonitor.reference.countries import country_codes

logger = logging.getLogger(__name__)

AnswerKey = tuple[str, str]
# What one answer holds once stored: text (also dates, as ISO text, and invalid input kept as
# typed), a number, the chosen names of a select_multiple or the row ids of a repeat, or nothing.
AnswerValue = str | int | float | list[str] | None
Answers = Mapping[AnswerKey, AnswerValue]
# One thing the engine computes: ("value" or "relevant", question name, row path).
Step = tuple[str, str, str]

MAX_TEXT = 20000  # characters in one text answer


def too_long_message(length: int) -> str:
    """What a person is told of a text answer over MAX_TEXT characters."""
    return _(
        "This answer has %(length)s characters; at most %(limit)s are accepted. "
        "Shorten it, or attach the text as a document."
    ) % {"length": length, "limit": MAX_TEXT}


_INTEGER_RE = re.compile(r"^\s*-?\d+\s*$")
_DECIMAL_RE = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")


@dataclass(frozen=True)
class Problem:
    question: str
    row: str
    message: str


def join_row(parent: str, row_id: str) -> str:
    return f"{parent}/{row_id}" if parent else row_id


def row_prefix(row: str, depth: int) -> str:
    """The first `depth` levels of a row path."""
    return "/".join(row.split("/")[:depth]) if depth else ""


class Evaluation:
    """One report's answers seen through its form's rules; results are cached per instance."""

    def __init__(
        self,
        form: Form,
        answers: Answers,
        *,
        today: dt.date | None = None,
        language: str | None = None,
        metadata: Mapping[str, Value] | None = None,
    ) -> None:
        self.form = form
        # Its own copy: the editing services change it as they save, and `forget` the results.
        self.answers: dict[AnswerKey, AnswerValue] = dict(answers)
        self.today = today or dt.date.today()
        self.language = language or form.default_language
        self.metadata = dict(metadata or {})
        self.questions = form.questions()
        self.repeat_path = form.repeat_path()
        self.parent = form.parents()
        self._trees: dict[tuple[str, str], expressions.Node] = form.expression_cache()
        self._values: dict[AnswerKey, Value] = {}
        self._relevant: dict[AnswerKey, bool] = {}
        self._reference_cache: dict[tuple[str, str], tuple[str, ...]] = form.reference_cache()
        self._busy: set[Step] = set()

    def forget(self) -> None:
        """Drop cached results after the answers changed."""
        self._values.clear()
        self._relevant.clear()

    # -- rows --------------------------------------------------------------------------------

    def rows(self, repeat: str, parent_row: str = "") -> list[str]:
        """The row ids of a repeat under one row of its enclosing repeat."""
        stored = self.answers.get((repeat, parent_row))
        return [str(item) for item in stored] if isinstance(stored, list) else []

    def instances(self, name: str) -> list[str]:
        """Every row path at which a question exists ("" once outside repeats)."""
        paths = [""]
        for repeat in self.repeat_path.get(name, ()):
            paths = [join_row(path, row) for path in paths for row in self.rows(repeat, path)]
        return paths

    # -- values ------------------------------------------------------------------------------

    def tree(self, name: str, column: str) -> expressions.Node | None:
        key = (name, column)
        if key not in self._trees:
            text = getattr(self.questions[name], column)
            if not text:
                return None
            self._trees[key] = expressions.parse(text, allow_fields=column == "choice_filter")
        return self._trees[key]

    def stored(self, name: str, row: str = "") -> AnswerValue:
        return self.answers.get((name, row))

    def typed(self, question: Question, stored: AnswerValue) -> Value:
        """A stored answer as an expression value (invalid input stays text)."""
        if stored is None or stored == "" or stored == []:
            return ""
        kind = question.kind
        if kind in {"integer", "decimal"}:
            if isinstance(stored, int | float) and not isinstance(stored, bool):
                return _as_float(stored)
            return str(stored)
        if kind == "date":
            parsed = expressions._parse_date(str(stored))
            return parsed if parsed else str(stored)
        if isinstance(stored, list):
            return " ".join(str(item) for item in stored)
        return str(stored)

    def value(self, name: str, row: str = "") -> Value:
        """The value that other questions see: empty when not relevant; computed for calculate."""
        key = (name, row)
        if key in self._values:
            return self._values[key]
        if ("value", name, row) in self._busy:  # a circular calculation: the checker refuses these
            return ""
        self._run(("value", name, row))
        return self._values[key]

    def relevant(self, name: str, row: str = "") -> bool:
        """Shown: its own `relevant` holds and so do its groups'."""
        key = (name, row)
        if key in self._relevant:
            return self._relevant[key]
        if ("relevant", name, row) in self._busy:
            return True
        self._run(("relevant", name, row))
        return self._relevant[key]

    # -- evaluation in dependency order ------------------------------------------------------

    def _run(self, goal: Step) -> None:
        """Compute one value or relevance after everything it depends on, without recursion.

        A calculation may depend on a chain of thousands of others; computing them by calling
        one from the other would exhaust Python's stack. Instead each step waits on an explicit
        stack until what it reads is known: first its relevance (a value) or its group's (a
        relevance), then, when that holds, the questions its expression refers to. A step met
        again while it waits closes a cycle; it is then read as empty (a value) or shown (a
        relevance), as the checker refuses such forms anyway.
        """
        stack: list[list[Any]] = [[goal, 0]]
        while stack:
            frame = stack[-1]
            step, phase = frame[0], frame[1]
            if phase == 0:
                if self._known(step) or step in self._busy:
                    stack.pop()
                    continue
                self._busy.add(step)
                frame[1] = 1
                first = self._first_need(step)
                if first is not None and not self._known(first):
                    stack.append([first, 0])
            elif phase == 1:
                frame[1] = 2
                for need in reversed(self._needs(step)):
                    if not self._known(need):
                        stack.append([need, 0])
            else:
                stack.pop()
                self._compute(step)
                self._busy.discard(step)

    def _known(self, step: Step) -> bool:
        kind, name, row = step
        return (name, row) in (self._values if kind == "value" else self._relevant)

    def _first_need(self, step: Step) -> Step | None:
        """What a step reads first: a value its relevance, a relevance its container's."""
        kind, name, row = step
        if kind == "value":
            return ("relevant", name, row)
        parent = self._parent_relevance(name, row)
        return None if parent is None else ("relevant", *parent)

    def _needs(self, step: Step) -> list[Step]:
        """The values a step's expression reads, once its first need is known to hold."""
        kind, name, row = step
        question = self.questions[name]
        if kind == "value":
            if question.kind != "calculate" or not self.relevant(name, row):
                return []
            column = "calculation"
        else:
            parent = self._parent_relevance(name, row)
            if not question.relevant or (parent is not None and not self.relevant(*parent)):
                return []
            column = "relevant"
        return [
            ("value", *key)
            for reference in self._references(name, column)
            if reference in self.questions  # else resolve() says what is wrong
            for key in self._targets(reference, row, name)[0]
        ]

    def _compute(self, step: Step) -> None:
        kind, name, row = step
        question = self.questions[name]
        if kind == "relevant":
            parent = self._parent_relevance(name, row)
            shown = True if parent is None else self.relevant(*parent)
            if shown and question.relevant:
                shown = expressions.to_boolean(
                    self._evaluate(name, "relevant", row, current=self._own(name, row))
                )
            self._relevant[(name, row)] = shown
            return
        result: Value
        if not self.relevant(name, row):
            result = ""
        elif question.kind == "calculate":
            result = self._evaluate(name, "calculation", row, current="")
        elif question.kind == "repeat":
            result = [join_row(row, r) for r in self.rows(name, row)]
        elif question.kind in {"start", "end", "today"}:
            result = self.metadata.get(
                question.kind, self.today if question.kind == "today" else ""
            )
        else:
            result = self.typed(question, self.stored(name, row))
        self._values[(name, row)] = result

    def _parent_relevance(self, name: str, row: str) -> AnswerKey | None:
        """The container whose relevance a question's depends on, at the row it is judged."""
        parent = self.parent.get(name)
        if parent is None:
            return None
        # Judged at the container's own row: the row cut to the repeats around the container
        # (for a repeat, that is the row of its parent: its own relevance holds for all rows).
        return parent.name, row_prefix(row, len(self.repeat_path[parent.name]))

    def _references(self, name: str, column: str) -> tuple[str, ...]:
        key = (name, column)
        found = self._reference_cache.get(key)
        if found is None:
            tree = self.tree(name, column)
            found = tuple(sorted(expressions.references(tree))) if tree is not None else ()
            self._reference_cache[key] = found
        return found

    def _targets(
        self, name: str, context_row: str, context_name: str
    ) -> tuple[list[AnswerKey], bool]:
        """The answers that `${name}` reads from a question at `context_row`, and whether they
        are seen as a list (a question inside a repeat, from outside it) or as one value."""
        target = self.repeat_path[name]
        context = self.repeat_path.get(context_name, ())
        shared = 0
        while shared < min(len(target), len(context)) and target[shared] == context[shared]:
            shared += 1
        base = row_prefix(context_row, shared)
        if len(target) == shared:
            # Beside it or inside it: one value. For a repeat, its rows under the shared row.
            return [(name, base)], False
        paths = [base]
        for repeat in target[shared:]:
            paths = [join_row(path, row) for path in paths for row in self.rows(repeat, path)]
        return [(name, path) for path in paths], True

    def resolve(self, name: str, context_row: str, context_name: str) -> Value:
        """`${name}` seen from a question at `context_row`: its value, or a list over rows."""
        if name not in self.questions:
            raise ExpressionError(f"${{{name}}} refers to no question of this form")
        keys, many = self._targets(name, context_row, context_name)
        if not many:
            return self.value(*keys[0])
        if self.questions[name].kind == "repeat":
            return [item for key in keys for item in _as_list(self.value(*key))]
        return [self.value(*key) for key in keys]

    def _evaluate(
        self, name: str, column: str, row: str, current: Value, choice: dict[str, str] | None = None
    ) -> Value:
        """One expression of a question at a row.

        An expression the checker accepted can still meet a limit at evaluation (a text built
        by concat() growing past what the engine keeps): it then counts as empty, so a
        constraint fails with its message and a calculation is blank, rather than the page
        failing.
        """
        tree = self.tree(name, column)
        if tree is None:
            return ""
        context = Context(
            resolve=lambda ref: self.resolve(ref, row, name),
            current=current,
            today=self.today,
            choice=choice,
        )
        try:
            return expressions.evaluate(tree, context)
        except ExpressionError as error:
            logger.warning(
                "%s of %s (row %r) of form %s cannot be evaluated: %s",
                column,
                name,
                row,
                self.form.form_id,
                error.message,
            )
            return ""

    # -- rules -------------------------------------------------------------------------------

    def _own(self, name: str, row: str) -> Value:
        question = self.questions[name]
        return self.typed(question, self.stored(name, row)) if question.is_input else ""

    def required(self, name: str, row: str = "") -> bool:
        if not self.questions[name].required:
            return False
        return expressions.to_boolean(self._evaluate(name, "required", row, self._own(name, row)))

    def read_only(self, name: str, row: str = "") -> bool:
        question = self.questions[name]
        if question.kind in {"calculate", "note", "start", "end", "today"}:
            return True
        if not question.read_only:
            return False
        return expressions.to_boolean(self._evaluate(name, "read_only", row, self._own(name, row)))

    def choices(self, name: str, row: str = "") -> list[Choice]:
        question = self.questions[name]
        if question.list_name == COUNTRIES_LIST:
            return [Choice(name=code) for code in country_codes()]
        items = self.form.choices.get(question.list_name, [])
        if not question.choice_filter:
            return items
        return [
            choice
            for choice in items
            if expressions.to_boolean(
                self._evaluate(
                    name,
                    "choice_filter",
                    row,
                    self._own(name, row),
                    choice={"name": choice.name, **choice.extra},
                )
            )
        ]

    def problem(self, name: str, row: str = "") -> str | None:
        """What is wrong with one answer, in the report's language, or None."""
        language = BY_CODE.get(self.language)
        with translation.override(language.django_code if language else None):
            return self._problem(name, row)

    def _problem(self, name: str, row: str) -> str | None:
        question = self.questions[name]
        if not question.is_input or not self.relevant(name, row):
            return None
        stored = self.stored(name, row)
        empty = stored is None or stored == "" or stored == []
        if empty:
            if self.required(name, row):
                return question.text(
                    "required_message", self.language, self.form.default_language
                ) or _("This question requires an answer.")
            return None
        type_problem = self._type_problem(question, stored, row)
        if type_problem:
            return type_problem
        if question.constraint:
            holds = expressions.to_boolean(
                self._evaluate(name, "constraint", row, current=self.typed(question, stored))
            )
            if not holds:
                return question.text(
                    "constraint_message", self.language, self.form.default_language
                ) or _("This answer is not valid.")
        return None

    def _type_problem(self, question: Question, stored: Any, row: str) -> str | None:
        kind = question.kind
        if kind == "text" and len(str(stored)) > MAX_TEXT:
            return too_long_message(len(str(stored)))
        if kind == "integer":
            if isinstance(stored, bool) or not (
                isinstance(stored, int) or (isinstance(stored, str) and _INTEGER_RE.match(stored))
            ):
                return _("Enter a whole number, without spaces or separators.")
        elif kind == "decimal":
            if isinstance(stored, bool) or not (
                (isinstance(stored, int | float) and math.isfinite(_as_float(stored)))
                or (isinstance(stored, str) and _DECIMAL_RE.match(stored))
            ):
                return _("Enter a number; use a point for decimals.")
        elif kind == "date":
            if expressions._parse_date(str(stored)) is None:
                return _("Enter a date as YYYY-MM-DD.")
        elif kind in {"select_one", "select_multiple"}:
            chosen = stored if isinstance(stored, list) else str(stored).split()
            if kind == "select_one" and len(chosen) != 1:
                return _("Choose one of the options.")
            allowed = {choice.name for choice in self.choices(question.name, row)}
            unknown = [item for item in chosen if str(item) not in allowed]
            if unknown:
                return _("“%(value)s” is not one of the options.") % {"value": unknown[0]}
        return None

    def walk_instances(
        self, nodes: list[Question] | None = None, row: str = ""
    ) -> Iterator[tuple[Question, str]]:
        """Every question at every row, in form order, descending only into shown containers."""
        for node in self.form.children if nodes is None else nodes:
            yield node, row
            if node.kind == "group":
                yield from self.walk_instances(node.children, row)
            elif node.kind == "repeat":
                for row_id in self.rows(node.name, row):
                    yield from self.walk_instances(node.children, join_row(row, row_id))

    def problems(self, nodes: list[Question] | None = None) -> list[Problem]:
        """Every problem that blocks submission (of the whole form, or of some pages)."""
        found = []
        for question, row in self.walk_instances(nodes):
            message = self.problem(question.name, row)
            if message:
                found.append(Problem(question.name, row, message))
        return found


def relevance_inputs(form: Form, names: Iterable[str]) -> frozenset[str]:
    """The questions whose answers an `Evaluation` reads to decide whether `names` are shown.

    The names themselves, the groups and repeats around them, what their `relevant`
    expressions refer to — and, the same way, what decides whether those are shown and what a
    calculation among them reads —, with the repeats whose rows any of them read. An evaluation
    given only these answers judges the relevance of `names` as one given all of them does, so
    a read across many reports need not load every answer of each.
    """
    questions = form.questions()
    parents = form.parents()
    paths = form.repeat_path()
    cache = form.reference_cache()

    def refers(name: str, column: str) -> tuple[str, ...]:
        key = (name, column)
        found = cache.get(key)
        if found is None:
            text = getattr(questions[name], column)
            tree = expressions.parse(text, allow_fields=column == "choice_filter") if text else None
            found = tuple(sorted(expressions.references(tree))) if tree is not None else ()
            cache[key] = found
        return found

    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in questions:
            continue
        seen.add(name)
        todo.extend(paths.get(name, ()))
        parent = parents.get(name)
        if parent is not None:
            todo.append(parent.name)
        todo.extend(refers(name, "relevant"))
        if questions[name].kind == "calculate":
            todo.extend(refers(name, "calculation"))
    return frozenset(seen)


def _as_list(value: Value) -> list[Value]:
    return value if isinstance(value, list) else [value]


def _as_float(number: int | float) -> float:
    """A stored number as a float; a whole number too large for one is infinite."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf
