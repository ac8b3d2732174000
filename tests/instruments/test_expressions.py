"""The expression evaluator: examples, errors, and properties over generated expressions."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemonitor.instruments.expressions import (
    MAX_LENGTH,
    Context,
    ExpressionError,
    evaluate,
    evaluate_text,
    parse,
    references,
)

ANSWERS = {
    "age": 42.0,
    "name": "Amina",
    "empty": "",
    "langs": "en fr",
    "start": dt.date(2024, 5, 1),
    "rows": ["r1", "r2", "r3"],
    "amounts": [10.0, "", 5.5],
    "flag": True,
}


def context(current: object = "", today: dt.date = dt.date(2024, 6, 1)) -> Context:
    def resolve(name: str):
        if name not in ANSWERS:
            raise ExpressionError(f"${{{name}}} refers to no question of this form")
        return ANSWERS[name]

    return Context(resolve=resolve, current=current, today=today)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 div 4", 2.5),
        ("-7 mod 3", -1.0),
        ("7 mod -3", 1.0),
        ("1 div 0", math.inf),
        ("-1 div 0", -math.inf),
        ("2 - -2", 4.0),
        ("1 < 2 and 2 < 3", True),
        ("1 = 1 or 1 div 0 = 5", True),
        ("1 = 2 = false()", True),  # left to right: (1 = 2) = false()
        ("${age} >= 18", True),
        ("${age} + 1", 43.0),
        ("${empty} = ''", True),
        ("${empty} > 3", False),  # an unanswered number is NaN: every comparison is false
        ("${name} = 'Amina'", True),
        ("string-length(${name})", 5.0),
        ("string-length()", 2.0),  # of the current answer, "12"
        ("selected(${langs}, 'fr')", True),
        ("selected(${langs}, 'ar')", False),
        ("count-selected(${langs})", 2.0),
        ("count-selected(${empty})", 0.0),
        ("regex(${name}, '^[A-Z][a-z]+$')", True),
        ("regex('abc', 'b')", True),  # search, as ODK does: anchor with ^ and $
        ("concat(${name}, ' ', 'N', 1, 2.5)", "Amina N12.5"),
        ("coalesce(${empty}, 'none')", "none"),
        ("coalesce(${name}, 'none')", "Amina"),
        ("if(${age} > 40, 'older', 'younger')", "older"),
        ("not(${age} > 40)", False),
        ("today() > ${start}", True),
        ("today() - ${start}", 31.0),
        ("${start} < '2024-06-01'", True),
        ("count(${rows})", 3.0),
        ("sum(${amounts})", 15.5),
        ("${amounts} = 5.5", True),  # a list compares true if any of its values does
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("round(3.14159, 2)", 3.14),
        ("int(-3.7)", -3.0),
        ("number('12')", 12.0),
        ("number('x') = number('x')", False),
        ("contains(${name}, 'min')", True),
        ("starts-with(${name}, 'Am')", True),
        ("string(3)", "3"),
        ("string(0.5)", "0.5"),
        ("boolean('')", False),
        (". * 2", 24.0),
        ("true() and ${flag}", True),
    ],
)
def test_examples(text: str, expected: object) -> None:
    assert evaluate_text(text, context(current=12.0)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the expression is empty"),
        ("1 +", "the expression ends too early"),
        ("(1", "expected ')' but found the end"),
        ("1 2", "unexpected '2' after a complete expression"),
        ("'abc", "a text in quotes is not closed"),
        ("${age", "'${' is not closed by '}'"),
        ("${1x} = 1", "${1x} is not a valid question reference"),
        ("foo()", "unknown function foo()"),
        ("now()", "the function now() is not supported"),
        ("instance('x')", "the function instance() is not supported"),
        ("age > 1", "'age' is not understood: refer to a question as ${age}"),
        (".. = 1", "'..' is not supported: refer to a question as ${name}"),
        ("a[1]", "unexpected character '['"),
        ("1 | 2", "unexpected character '|' (node-set unions are not supported)"),
        ("not(1, 2)", "not() takes 1 argument, not 2"),
        ("concat()", "concat() takes at least 1 argument, not 0"),
        ("round()", "round() takes 1 to 2 arguments, not 0"),
        ("* 2", "'*' outside multiplication (wildcards are not supported)"),
        ("1" + "+1" * 700, "the expression is too long (more than 600 parts)"),
        ("1" * (MAX_LENGTH + 1), f"the expression is longer than {MAX_LENGTH} characters"),
        ("-" * 40 + "1", "the expression is nested too deeply (more than 32)"),
    ],
)
def test_errors_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse(text)
    assert raised.value.message.startswith(message)


def test_unknown_reference_at_evaluation_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match="refers to no question"):
        evaluate_text("${nobody} = 1", context())


def test_references_are_listed() -> None:
    assert references(parse("${a} + if(${b}, count(${c}), 0) > .")) == {"a", "b", "c"}


def test_catastrophic_pattern_runs_in_linear_time() -> None:
    # With a backtracking engine this would not finish; RE2 answers at once.
    assert (
        evaluate_text("regex(concat(" + ",".join(["'a'"] * 60) + ", 'b'), '^(a+)+$')", context())
        is False
    )


# --- Properties --------------------------------------------------------------------------

VALUES = st.one_of(
    st.text(max_size=20),
    st.floats(allow_nan=True),
    st.booleans(),
    st.dates(),
    st.lists(st.text(max_size=5), max_size=3),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=120), value=VALUES)
def test_arbitrary_text_raises_only_expression_errors(text: str, value: object) -> None:
    try:
        tree = parse(text, allow_fields=True)
        evaluate(
            tree,
            Context(
                resolve=lambda name: value,
                current=value,  # type: ignore[arg-type]
                choice={"x": "1"},
            ),
        )
    except ExpressionError:
        pass


TOKENS = st.sampled_from(
    [
        "${a}",
        ".",
        "1",
        "2.5",
        "'x'",
        "(",
        ")",
        ",",
        "+",
        "-",
        "*",
        "div",
        "mod",
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "and",
        "or",
        "not(",
        "if(",
        "selected(",
        "count(",
        "sum(",
        "concat(",
        "regex(",
        "round(",
        "string-length(",
        "coalesce(",
        "today()",
        "true()",
        "count-selected(",
    ]
)


@settings(max_examples=400)
@given(parts=st.lists(TOKENS, max_size=30), value=VALUES)
def test_token_soup_raises_only_expression_errors(parts: list[str], value: object) -> None:
    try:
        evaluate_text(
            " ".join(parts),
            Context(
                resolve=lambda name: value,  # type: ignore[arg-type]
                current=value,
            ),
        )
    except ExpressionError:
        pass


# Well-formed expressions built together with the value they must have, computed directly
# from Python's arithmetic with XPath 1.0's rules for division and comparison.


def _div(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.inf if (a > 0) == (math.copysign(1, b) > 0) else -math.inf
    return a / b


def _mod(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)


ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "div": _div,
    "mod": _mod,
}
COMPARISONS = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
VARIABLES = {"a": 3.0, "b": -2.0, "c": 0.0}

numbers_leaf = st.one_of(
    st.integers(0, 1000).map(lambda n: (str(n), float(n))),
    st.sampled_from(sorted(VARIABLES)).map(lambda name: (f"${{{name}}}", VARIABLES[name])),
)


def _numeric(children):
    arithmetic = st.tuples(children, st.sampled_from(sorted(ARITHMETIC)), children).map(
        lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})", ARITHMETIC[t[1]](t[0][1], t[2][1]))
    )
    negation = children.map(lambda c: (f"-{c[0]}", -c[1]))
    return st.one_of(arithmetic, negation)


numeric = st.recursive(numbers_leaf, _numeric, max_leaves=12)

booleans_leaf = st.one_of(
    st.tuples(numeric, st.sampled_from(sorted(COMPARISONS)), numeric).map(
        lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})", COMPARISONS[t[1]](t[0][1], t[2][1]))
    ),
    st.booleans().map(lambda b: ("true()" if b else "false()", b)),
)


def _logical(children):
    both = st.tuples(children, st.sampled_from(["and", "or"]), children).map(
        lambda t: (
            f"({t[0][0]} {t[1]} {t[2][0]})",
            (t[0][1] and t[2][1]) if t[1] == "and" else (t[0][1] or t[2][1]),
        )
    )
    negated = children.map(lambda c: (f"not({c[0]})", not c[1]))
    return st.one_of(both, negated)


logical = st.recursive(booleans_leaf, _logical, max_leaves=8)


def _same(actual: object, expected: object) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    return actual == expected


def _context() -> Context:
    return Context(resolve=lambda name: VARIABLES[name])


@settings(max_examples=500)
@given(expression=numeric)
def test_arithmetic_agrees_with_reference(expression: tuple[str, float]) -> None:
    text, expected = expression
    assert _same(evaluate_text(text, _context()), expected), text


@settings(max_examples=500)
@given(expression=logical)
def test_logic_agrees_with_reference(expression: tuple[str, bool]) -> None:
    text, expected = expression
    assert evaluate_text(text, _context()) is expected, text


@settings(max_examples=300)
@given(condition=logical, then=numeric, otherwise=numeric)
def test_if_agrees_with_reference(condition, then, otherwise) -> None:
    text = f"if({condition[0]}, {then[0]}, {otherwise[0]})"
    expected = then[1] if condition[1] else otherwise[1]
    assert _same(evaluate_text(text, _context()), expected), text


SAFE_TEXT = st.text(alphabet="abcdefghij XYZ0123", max_size=10)


@settings(max_examples=300)
@given(parts=st.lists(SAFE_TEXT, min_size=1, max_size=5))
def test_concat_and_string_length_agree_with_reference(parts: list[str]) -> None:
    joined = "concat(" + ", ".join(f"'{p}'" for p in parts) + ")"
    assert evaluate_text(joined, _context()) == "".join(parts)
    assert evaluate_text(f"string-length({joined})", _context()) == float(len("".join(parts)))


@settings(max_examples=300)
@given(
    chosen=st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True, max_size=4),
    probe=st.sampled_from(["a", "b", "c", "d"]),
)
def test_selected_agrees_with_reference(chosen: list[str], probe: str) -> None:
    ctx = Context(resolve=lambda name: " ".join(chosen))
    assert evaluate_text(f"selected(${{m}}, '{probe}')", ctx) is (probe in chosen)
    assert evaluate_text("count-selected(${m})", ctx) == float(len(chosen))
