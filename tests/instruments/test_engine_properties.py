"""A property over generated forms and answers: the checker refuses, or the engine copes.

Small random surveys (every kind of question the engine knows, groups and repeats nested, random
relevance, constraint, calculation, required, read_only and choice_filter expressions drawn from
a small grammar of the functions the engine supports) go through the real checker as workbooks.
A refused form must come with its errors. An accepted form is evaluated against random answers,
hostile ones included (NUL, lone surrogates, huge texts and numbers, wrong types, unknown
choices, odd repeat rows): evaluation may raise nothing but the engine's own ExpressionError.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from codemonitor.instruments.engine import Evaluation
from codemonitor.instruments.expressions import ExpressionError
from codemonitor.instruments.schema import Form
from codemonitor.instruments.xlsform import FormError, check_workbook
from tests.builders import xlsform

HEADER = [
    "type",
    "name",
    "label::English (en)",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "calculation",
    "required",
    "read_only",
    "choice_filter",
]
CHOICES = [
    ["list_name", "name", "label::English (en)", "group"],
    ["yn", "yes", "Yes", "a"],
    ["yn", "no", "No", "b"],
    ["yn", "maybe", "Maybe", "a"],
]
INPUTS = ["integer", "decimal", "text", "select_one yn", "select_multiple yn", "date"]
PATTERNS = ["^[a-z]+$", "a|b", "(", "[0-9]{2,", "\\d+", "", ".*", "(a+)+$", "x{1001}", "é"]
ROWS = ["", "a", "b", "a/a", "a/b", "b/a", "x/y/z"]


# --- Expressions ------------------------------------------------------------------------------

# Expressions are drawn with placeholders for the questions they refer to, filled in once the
# survey is known (one strategy for every form keeps generation fast): EARLIER, a question
# before the one the expression belongs to (so that most forms have no cycle); AGGREGATE, a
# repeat or a question inside one, for count() and sum(); ANY, any question (which may close a
# cycle); NOBODY, no question at all.
EARLIER, AGGREGATE, ANY, NOBODY = "§e", "§a", "§x", "§n"
_PLACEHOLDER_RE = re.compile("§[eax]")

LITERALS = st.one_of(
    st.sampled_from(["0", "1", "2.5", "-3", "1000000000000000000000", "''", "'a'", "'yes'"]),
    st.sampled_from(["'2024-02-29'", "'x y'", ".", "today()", "true()", "false()"]),
    st.text(alphabet="ab 1.-", max_size=4).map(lambda text: f"'{text}'"),
)
REFERENCE = st.just(f"${{{EARLIER}}}")


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(
        inner,
        st.sampled_from(
            ["+", "-", "*", "div", "mod", "=", "!=", "<", "<=", ">", ">=", "and", "or"]
        ),
        inner,
    ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    one = st.tuples(
        st.sampled_from(
            [
                "not",
                "count-selected",
                "string-length",
                "number",
                "int",
                "round",
                "string",
                "boolean",
            ]
        ),
        inner,
    ).map(lambda t: f"{t[0]}({t[1]})")
    two = st.tuples(
        st.sampled_from(["selected", "coalesce", "contains", "starts-with", "round"]),
        inner,
        inner,
    ).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")
    pattern = st.one_of(st.sampled_from(PATTERNS).map(lambda p: f"'{p}'"), REFERENCE, inner)
    return st.one_of(
        binary,
        one,
        two,
        st.tuples(inner, pattern).map(lambda t: f"regex({t[0]}, {t[1]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"if({t[0]}, {t[1]}, {t[2]})"),
        st.lists(inner, min_size=1, max_size=3).map(lambda a: f"concat({', '.join(a)})"),
        st.sampled_from([f"count(${{{AGGREGATE}}})", f"sum(${{{AGGREGATE}}})"]),
        inner.map(lambda e: f"({e} div 0)"),
        inner.map(lambda e: f"-{e}"),
    )


_TREES = st.recursive(st.one_of(REFERENCE, LITERALS, REFERENCE), _grow, max_leaves=6)
# Expressions the checker refuses (or may: a reference to any question), one time in 25.
_RARE = st.sampled_from([f"${{{NOBODY}}} = 1", f"sum(${{{ANY}}}) = 1", f"${{{ANY}}} = 1"]).map(
    lambda text: text.replace(NOBODY, "nobody")
)


def fill(
    text: str, rng: random.Random, earlier: list[str], aggregable: list[str], every: list[str]
) -> str:
    """Replace the placeholders of an expression by names of the survey."""
    if not aggregable:
        text = re.sub(f"(count|sum)\\(\\${{{AGGREGATE}}}\\)", "0", text)
    if not earlier:
        text = text.replace(f"${{{EARLIER}}}", "1")
    pools = {EARLIER: earlier, AGGREGATE: aggregable, ANY: every}
    return _PLACEHOLDER_RE.sub(lambda match: rng.choice(pools[match.group()]), text)


# --- Surveys ----------------------------------------------------------------------------------


@st.composite
def surveys(draw: st.DrawFn) -> list[list[str]]:
    count = draw(st.integers(min_value=1, max_value=9))
    kinds = draw(
        st.lists(
            st.sampled_from([*INPUTS, "calculate", "begin_group", "begin_repeat", "end"]),
            min_size=count,
            max_size=count,
        )
    )
    rng = draw(st.randoms(use_true_random=False))
    # The structure first, so that count() and sum() can be given repeats and their contents.
    layout: list[tuple[str, str]] = []  # (kind, name); "end_group" and "end_repeat" nameless
    open_containers: list[str] = []
    aggregable: list[str] = []
    for index, kind in enumerate(kinds):
        name = f"q{index}"
        if kind == "end":
            if open_containers:
                layout.append((f"end_{open_containers.pop()}", ""))
            continue
        if kind == "begin_repeat" or "repeat" in open_containers:
            aggregable.append(name)
        layout.append((kind, name))
        if kind.startswith("begin_"):
            open_containers.append(kind.removeprefix("begin_"))
    layout += [(f"end_{kind}", "") for kind in reversed(open_containers)]
    used = [name for kind, name in layout if name]

    def expression(name: str, chance: int = 1) -> str:
        """An expression for question `name`, or "" (chance 0: never, 2: one time in three)."""
        if chance == 2 and draw(st.integers(0, 2)):
            return ""
        text = draw(_RARE if draw(st.sampled_from(range(25))) == 24 else _TREES)
        return fill(text, rng, used[: used.index(name)], aggregable, used)

    rows: list[list[str]] = []
    for kind, name in layout:
        if not name:
            rows.append([kind] + [""] * (len(HEADER) - 1))
            continue
        is_input = kind in INPUTS
        choice_filter = ""
        if kind.startswith("select") and draw(st.booleans()):
            choice_filter = draw(st.sampled_from(["group = 'a'", f"name != ${{{used[0]}}}"]))
        flag = draw(st.sampled_from(["", "", "yes", "no", "expression"]))
        rows.append(
            [
                kind,
                name,
                f"Question {name}",
                expression(name, 2),
                expression(name, 2) if is_input else "",
                draw(st.sampled_from(["", "Not valid"])),
                expression(name) if kind == "calculate" else "",
                (expression(name) if flag == "expression" else flag) if is_input else "",
                (expression(name, 2) if flag != "no" else "yes") if is_input else "",
                choice_filter,
            ]
        )
    return rows


# --- Answers ----------------------------------------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "(", "[", "yes no", "maybe", "é", "١٢٣"]),
    st.sampled_from(["x" * 30000, "(" * 5000, "9" * 5000, " yes " * 1000]),
    st.sampled_from(["2024-01-31", "2024-02-30", "0000-01-01", "9999-12-31", "12", "-1.5"]),
)
ANSWER = st.one_of(
    st.none(),
    HOSTILE_TEXT,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -(10**400), 10**309, 2**63]),
    st.sampled_from(["\ud800", "a\x00b", "(", "9" * 400, "1e999"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.one_of(HOSTILE_TEXT, st.integers(), st.none()), max_size=4),
    st.just({"not": "an answer"}),
)
ROW_IDS = st.lists(st.sampled_from(["a", "b", "a/b", "", "1"]) | st.integers(), max_size=3)


ROWS_AT_DEPTH = {0: [""], 1: ["a", "b"], 2: ["a/a", "a/b", "b/a"]}


@st.composite
def answers(draw: st.DrawFn, form: Form) -> dict[tuple[str, str], object]:
    """Answers at the rows where the questions are (and now and then where they are not)."""
    found: dict[tuple[str, str], object] = {}
    paths = form.repeat_path()
    for question in form.walk():
        depth = len(paths[question.name])
        rows = ROWS_AT_DEPTH.get(depth, ["a/a/a"])
        if draw(st.sampled_from(range(10))) == 9:
            rows = [*rows, draw(st.sampled_from(["x", "a/b/c", "a", ""]))]
        for row in rows:
            if question.kind == "repeat":
                found[(question.name, row)] = draw(st.just(["a", "b"]) | ROW_IDS | ANSWER)
            else:
                found[(question.name, row)] = draw(ANSWER)
    return found


# --- The property -----------------------------------------------------------------------------


def evaluate_everything(evaluation: Evaluation) -> None:
    """Every question the pages and submission may ask about, at every row it exists."""
    form = evaluation.form
    evaluation.problems()
    for page in form.pages():
        evaluation.problems(page.children)
    for question in form.walk():
        for row in evaluation.instances(question.name):
            evaluation.relevant(question.name, row)
            evaluation.value(question.name, row)
            evaluation.required(question.name, row)
            evaluation.read_only(question.name, row)
            evaluation.problem(question.name, row)
            if question.kind in {"select_one", "select_multiple"}:
                evaluation.choices(question.name, row)
    list(evaluation.walk_instances())


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), survey=surveys())
def test_the_checker_refuses_or_the_engine_raises_only_its_own_error(
    data: st.DataObject, survey: list[list[str]]
) -> None:
    result = check_workbook(xlsform(survey, CHOICES, survey_header=HEADER))
    event("accepted" if result.ok else "refused")  # --hypothesis-show-statistics shows the share
    if not result.ok:
        assert result.errors and all(isinstance(error, FormError) for error in result.errors)
        assert all(str(error) for error in result.errors)
        return
    assert result.form is not None
    # As the pages get it: stored as JSON, read back.
    form = Form.from_dict(json.loads(json.dumps(result.form.to_dict())))
    given_answers = data.draw(answers(form))
    evaluation = Evaluation(
        form,
        given_answers,  # type: ignore[arg-type]
        today=data.draw(st.dates(min_value=dt.date(1, 1, 1))),
        language=data.draw(st.sampled_from(["en", "fr", "ar", "xx"])),
    )
    try:
        evaluate_everything(evaluation)
    except ExpressionError:
        pass  # the engine's own error, with a message: allowed
