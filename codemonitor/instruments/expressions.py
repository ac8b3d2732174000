"""The one expression language of Code Monitor's instruments: a safe subset of XLSForm's XPath.

Expressions come from the `relevant`, `constraint`, `calculation`, `required`, `read_only` and
`choice_filter` columns of an XLSForm. The same code decides what a page shows and what a
submission must satisfy, so it runs only on the server. It never executes Python: an expression is
tokenised, parsed into a small tree of dataclasses and walked by an interpreter that knows a fixed
list of functions. Size and nesting are bounded, and every failure is an `ExpressionError`.

Values follow XPath 1.0 as ODK's JavaRosa applies it: strings, numbers (floats), booleans, dates;
an unanswered question is the empty string; a question inside a repeat, seen from outside it, is
the list of its values, one per row.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import re2
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_LENGTH = 4000
MAX_DEPTH = 32
MAX_NODES = 600
# Characters in a text that concat() builds: a chain of calculations each joining the previous
# one twice would otherwise double its length at every step.
MAX_TEXT_VALUE = 1_000_000

Value = str | float | bool | dt.date | list["Value"]


class ExpressionError(ValueError):
    """Anything wrong with an expression: syntax, an unknown name or function, a limit.

    The message is translated into the active language when the error is raised.
    """

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


# --- The tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Ref:
    """`${name}`: the answer to another question."""

    name: str


@dataclass(frozen=True)
class Current:
    """`.`: the answer of the question the expression belongs to."""


@dataclass(frozen=True)
class Field:
    """A bare name, only in a choice_filter: a column of the choice being filtered."""

    name: str


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Chain:
    """Operands joined by operators of one precedence level, evaluated left to right.

    Keeping `1 + 2 + 3 + ...` flat instead of nested keeps long sums from deepening the tree.
    """

    first: Node
    rest: tuple[tuple[str, Node], ...]


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Num | Str | Ref | Current | Field | Neg | Chain | Call

LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"or"}),
    frozenset({"and"}),
    frozenset({"=", "!="}),
    frozenset({"<", "<=", ">", ">="}),
    frozenset({"+", "-"}),
    frozenset({"*", "div", "mod"}),
)

_LEVEL_OF = {op: level for level, ops in enumerate(LEVELS) for op in ops}

# Supported functions: name -> (minimum, maximum arguments; None = any number).
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "not": (1, 1),
    "if": (3, 3),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (0, 1),
    "regex": (2, 2),
    "concat": (1, None),
    "coalesce": (2, 2),
    "today": (0, 0),
    "count": (1, 1),
    "sum": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "string": (1, 1),
    "boolean": (1, 1),
}

# Functions of XPath and ODK that an XLSForm may use but Code Monitor does not support. Naming them
# lets the checker say "not supported" rather than "unknown".
KNOWN_UNSUPPORTED_FUNCTIONS = frozenset(
    [
        "now",
        "once",
        "pulldata",
        "position",
        "indexed-repeat",
        "jr:choice-name",
        "jr:itext",
        "uuid",
        "random",
        "randomize",
        "format-date",
        "format-date-time",
        "date",
        "date-time",
        "decimal-date-time",
        "decimal-time",
        "floor",
        "ceiling",
        "abs",
        "pow",
        "log",
        "log10",
        "exp",
        "exp10",
        "sqrt",
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "pi",
        "max",
        "min",
        "substr",
        "substring-before",
        "substring-after",
        "substring",
        "translate",
        "normalize-space",
        "ends-with",
        "join",
        "boolean-from-string",
        "checklist",
        "weighted-checklist",
        "area",
        "distance",
        "geofence",
        "digest",
        "base64-decode",
        "encrypt-string",
        "instance",
        "current",
        "last",
        "local-name",
        "name",
        "namespace-uri",
        "lang",
        "id",
        "true-if-empty",
        "sum-of",
        "uppercase",
        "lowercase",
        "upper-case",
        "lower-case",
        "selected-at",
        "jr:count",
    ]
)


# --- Tokens ---------------------------------------------------------------------------------


class Token(NamedTuple):
    kind: str  # number, string, ref, dot, op, lparen, rparen, comma, name, end
    text: str
    position: int


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{[^}]*\})
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|[-+*=<>])
  | (?P<dot>\.\.|\.)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?)
    """,
    re.VERBOSE,
)
_REF_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_WORD_OPERATORS = frozenset({"and", "or", "div", "mod"})


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            char = text[position]
            if char in "'\"":
                raise ExpressionError(_("a text in quotes is not closed"), position)
            if char == "$":
                raise ExpressionError(_("'${' is not closed by '}'"), position)
            raise ExpressionError(_unexpected_character(char), position)
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "ref":
            name = value[2:-1].strip()
            if not _REF_NAME_RE.match(name):
                raise ExpressionError(
                    # Translators: %(reference)s is what was written, as in "${my name}".
                    _("%(reference)s is not a valid question reference") % {"reference": value},
                    position,
                )
        if kind == "name" and value in _WORD_OPERATORS and _operator_position(tokens):
            kind = "op"
        if kind == "op" and value == "*" and not _operator_position(tokens):
            raise ExpressionError(
                _("'*' outside multiplication (wildcards are not supported)"), position
            )
        if kind != "space":
            tokens.append(Token(kind, value, position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _unexpected_character(char: str) -> str:
    arguments = {"character": repr(char)}
    if char == "/":
        return (
            _(
                # Translators: %(character)s is a character, in quotes, as in '/'; ${name} is
                # written as is: how a question is referred to.
                "unexpected character %(character)s "
                "(paths are not supported: refer to a question as ${name})"
            )
            % arguments
        )
    if char == "[":
        return _("unexpected character %(character)s (predicates are not supported)") % arguments
    if char == "|":
        return (
            _("unexpected character %(character)s (node-set unions are not supported)") % arguments
        )
    if char == "@":
        return _("unexpected character %(character)s (attributes are not supported)") % arguments
    # Translators: %(character)s is a character, in quotes, as in '#'.
    return _("unexpected character %(character)s") % arguments


def _operator_position(tokens: list[Token]) -> bool:
    """XPath's rule: a word is an operator when it follows an operand."""
    return bool(tokens) and tokens[-1].kind in {"number", "string", "ref", "dot", "rparen", "name"}


# --- Parsing --------------------------------------------------------------------------------


@dataclass
class _Parser:
    tokens: list[Token]
    allow_fields: bool
    index: int = 0
    depth: int = 0
    nodes: int = 0

    def peek(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(
                _("the expression is too long (more than %(limit)s parts)") % {"limit": MAX_NODES}
            )

    def expression(self, level: int = 0) -> Node:
        """Operators of precedence `level` and tighter, by precedence climbing.

        Operands joined by operators of one level make one flat Chain, as if each level were
        parsed by its own rule, but an operand without operators costs one call, not one per
        level.
        """
        return self.climb(self.unary(), level)

    def climb(self, left: Node, level: int) -> Node:
        """Continue `left` with the operators that follow it, of `level` or tighter."""
        token = self.peek()
        while token.kind == "op" and _LEVEL_OF[token.text] >= level:
            own = _LEVEL_OF[token.text]
            rest: list[tuple[str, Node]] = []
            while token.kind == "op" and _LEVEL_OF[token.text] == own:
                op = self.take().text
                right = self.unary()
                token = self.peek()
                if token.kind == "op" and _LEVEL_OF[token.text] > own:
                    right = self.climb(right, own + 1)
                    token = self.peek()
                rest.append((op, right))
                self.count()
            left = Chain(left, tuple(rest))
        return left

    def unary(self) -> Node:
        if self.peek().kind == "op" and self.peek().text == "-":
            self.take()
            self.nest()
            node: Node = Neg(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                # Translators: %(limit)s is the largest number of nested parentheses and calls.
                _("the expression is nested too deeply (more than %(limit)s)")
                % {"limit": MAX_DEPTH}
            )

    def primary(self) -> Node:
        token = self.take()
        self.count()
        if token.kind == "number":
            return Num(float(token.text))
        if token.kind == "string":
            return Str(token.text[1:-1])
        if token.kind == "ref":
            return Ref(token.text[2:-1].strip())
        if token.kind == "dot":
            if token.text == "..":
                raise ExpressionError(
                    _("'..' is not supported: refer to a question as ${name}"), token.position
                )
            return Current()
        if token.kind == "lparen":
            self.nest()
            node = self.expression()
            self.expect("rparen", lambda: "')'")
            self.depth -= 1
            return node
        if token.kind == "name":
            if self.peek().kind == "lparen":
                return self.call(token)
            if self.allow_fields:
                return Field(token.text)
            raise ExpressionError(
                # Translators: %(name)s is a word of the expression; ${%(name)s} is how a
                # question of that name is written.
                _("'%(name)s' is not understood: refer to a question as ${%(name)s}")
                % {"name": token.text},
                token.position,
            )
        if token.kind == "end":
            raise ExpressionError(_("the expression ends too early"), token.position)
        raise ExpressionError(_("unexpected '%(text)s'") % {"text": token.text}, token.position)

    def call(self, name_token: Token) -> Node:
        name = name_token.text
        if name not in FUNCTIONS:
            if name in KNOWN_UNSUPPORTED_FUNCTIONS:
                raise ExpressionError(
                    _("the function %(function)s() is not supported") % {"function": name},
                    name_token.position,
                )
            raise ExpressionError(
                _("unknown function %(function)s()") % {"function": name}, name_token.position
            )
        self.take()  # (
        self.nest()
        args: list[Node] = []
        if self.peek().kind != "rparen":
            args.append(self.expression())
            while self.peek().kind == "comma":
                self.take()
                args.append(self.expression())
        self.expect("rparen", _after_argument)
        self.depth -= 1
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            raise ExpressionError(_wrong_arguments(name, low, high, len(args)), name_token.position)
        if name == "regex" and isinstance(args[1], Str):
            _compile_regex(args[1].value)
        return Call(name, tuple(args))

    def expect(self, kind: str, expected: Callable[[], str]) -> None:
        """Take a token of `kind`, or say what was `expected` (translated only then)."""
        token = self.take()
        if token.kind != kind:
            what = expected()
            if token.kind == "end":
                # Translators: %(expected)s is what had to come next, as in ')'.
                message = _("expected %(expected)s but found the end")
            else:
                # Translators: %(expected)s is what had to come next, as in ')'; %(found)s is
                # what came instead.
                message = _("expected %(expected)s but found '%(found)s'")
            raise ExpressionError(message % {"expected": what, "found": token.text}, token.position)


def _after_argument() -> str:
    # Translators: what may come after an argument of a function.
    return _("')' or ','")


def _wrong_arguments(name: str, low: int, high: int | None, count: int) -> str:
    """The message for a call of `name` with `count` arguments instead of `low` to `high`."""
    arguments = {"function": name, "minimum": low, "maximum": high, "count": count}
    if low == high:
        return (
            ngettext(
                # Translators: %(function)s is a function's name; %(minimum)s is the number of
                # arguments it takes, %(count)s the number it was given.
                "%(function)s() takes %(minimum)s argument, not %(count)s",
                "%(function)s() takes %(minimum)s arguments, not %(count)s",
                low,
            )
            % arguments
        )
    if high is None:
        return (
            ngettext(
                # Translators: %(function)s is a function's name; %(minimum)s is the fewest
                # arguments it takes, %(count)s the number it was given.
                "%(function)s() takes at least %(minimum)s argument, not %(count)s",
                "%(function)s() takes at least %(minimum)s arguments, not %(count)s",
                low,
            )
            % arguments
        )
    return (
        ngettext(
            # Translators: %(function)s is a function's name; it takes from %(minimum)s to
            # %(maximum)s arguments and was given %(count)s.
            "%(function)s() takes %(minimum)s to %(maximum)s argument, not %(count)s",
            "%(function)s() takes %(minimum)s to %(maximum)s arguments, not %(count)s",
            high,
        )
        % arguments
    )


def parse(text: str, *, allow_fields: bool = False) -> Node:
    """Parse an expression, or raise ExpressionError saying what is wrong and where."""
    if not isinstance(text, str):
        raise ExpressionError(_("an expression must be text"))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            _("the expression is longer than %(limit)s characters") % {"limit": MAX_LENGTH}
        )
    if not text.strip():
        raise ExpressionError(_("the expression is empty"))
    parser = _Parser(tokenize(text), allow_fields)
    node = parser.expression()
    token = parser.peek()
    if token.kind != "end":
        raise ExpressionError(
            _("unexpected '%(text)s' after a complete expression") % {"text": token.text},
            token.position,
        )
    return node


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, the root first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, Neg):
            stack.append(current.operand)
        elif isinstance(current, Chain):
            stack.append(current.first)
            stack.extend(operand for _op, operand in current.rest)
        elif isinstance(current, Call):
            stack.extend(current.args)


def references(node: Node) -> set[str]:
    """The names of the questions that an expression refers to."""
    return {n.name for n in walk(node) if isinstance(n, Ref)}


def uses_current(node: Node) -> bool:
    return any(isinstance(n, Current) for n in walk(node))


# --- Conversions (XPath 1.0) ----------------------------------------------------------------

EPOCH = dt.date(1970, 1, 1)
_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def _parse_date(text: str) -> dt.date | None:
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def to_number(value: Value) -> float:
    if isinstance(value, list):
        return to_number(value[0]) if value else math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float | int):
        return float(value)
    if isinstance(value, dt.date):
        return float((value - EPOCH).days)
    text = value.strip()
    if re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
        return float(text)
    date = _parse_date(text)
    # A date in text counts as days since 1970, as in ODK, so dates compare as dates.
    return float((date - EPOCH).days) if date else math.nan


def to_string(value: Value) -> str:
    if isinstance(value, list):
        return to_string(value[0]) if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        if number == int(number) and abs(number) < 1e15:
            return str(int(number))
        return repr(number)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_boolean(value: Value) -> bool:
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float | int):
        return not math.isnan(value) and value != 0
    if isinstance(value, dt.date):
        return True
    return value != ""


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.max_mem = 8 << 20


def _compile_regex(pattern: str) -> re2._Regexp:
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except Exception as error:  # re2 raises its own error class (re2.error).
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ExpressionError(
            # Translators: %(pattern)s is the regular expression, in quotes; %(reason)s is the
            # regular expression library's own explanation, in English.
            _("the regular expression %(pattern)s is not valid (%(reason)s)")
            % {"pattern": repr(pattern), "reason": reason}
        ) from None


@functools.lru_cache(maxsize=256)
def _runtime_regex(pattern: str) -> re2._Regexp | None:
    """A pattern met at evaluation, compiled once; None when it is not a valid pattern."""
    try:
        return _compile_regex(pattern)
    except ExpressionError:
        return None


def regex_matches(pattern: str, text: str) -> bool:
    """regex(text, pattern) at evaluation time.

    The pattern may come from an answer (`regex(., ${pattern})`), so it may be anything a person
    types: a pattern that is not valid matches nothing, which makes a constraint built on it
    fail with its message instead of breaking the page.
    """
    compiled = _runtime_regex(pattern)
    if compiled is None:
        return False
    try:
        return compiled.search(text) is not None
    except UnicodeEncodeError:  # lone surrogates (from JSON) have no UTF-8 form for RE2
        return compiled.search(text.encode("utf-8", "replace").decode("utf-8")) is not None


# --- Evaluation -----------------------------------------------------------------------------

Resolver = Callable[[str], Value]


@dataclass
class Context:
    """What an expression can see: answers by name, the current value, today's date."""

    resolve: Resolver
    current: Value = ""
    today: dt.date = field(default_factory=dt.date.today)
    choice: dict[str, str] | None = None


def evaluate(node: Node, context: Context) -> Value:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Str):
        return node.value
    if isinstance(node, Ref):
        return context.resolve(node.name)
    if isinstance(node, Current):
        return context.current
    if isinstance(node, Field):
        if context.choice is None:
            raise ExpressionError(
                _("'%(name)s' can only be used in a choice_filter") % {"name": node.name}
            )
        return context.choice.get(node.name, "")
    if isinstance(node, Neg):
        return -to_number(evaluate(node.operand, context))
    if isinstance(node, Chain):
        return _chain(node, context)
    return _call(node, context)


def _chain(node: Chain, context: Context) -> Value:
    ops = {op for op, _operand in node.rest}
    if ops <= {"and", "or"}:
        # Short-circuit; one chain holds only one of the two (they differ in precedence).
        result = to_boolean(evaluate(node.first, context))
        for op, operand in node.rest:
            if op == "and" and not result:
                return False
            if op == "or" and result:
                return True
            result = to_boolean(evaluate(operand, context))
        return result
    left = evaluate(node.first, context)
    for op, operand in node.rest:
        left = binary(op, left, evaluate(operand, context))
    return left


def binary(op: str, left: Value, right: Value) -> Value:
    """Apply an arithmetic or comparison operator with XPath 1.0's conversions."""
    if op in {"=", "!=", "<", "<=", ">", ">="}:
        return _compare(op, left, right)
    a, b = to_number(left), to_number(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "div":
        if b == 0:
            if math.isnan(a) or a == 0:
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    if op == "mod":
        if b == 0 or math.isinf(a) or math.isnan(b):
            return math.nan
        return math.fmod(a, b)
    raise ExpressionError(_("unknown operator %(operator)s") % {"operator": repr(op)})


def _compare(op: str, left: Value, right: Value) -> bool:
    # A list (a question inside a repeat seen from outside) compares true if any of its values
    # does, as an XPath node-set does.
    if isinstance(left, list):
        return any(_compare(op, item, right) for item in left)
    if isinstance(right, list):
        return any(_compare(op, left, item) for item in right)
    if op in {"=", "!="}:
        if isinstance(left, bool) or isinstance(right, bool):
            equal = to_boolean(left) == to_boolean(right)
        elif _numeric(left) or _numeric(right):
            equal = to_number(left) == to_number(right)
        else:
            equal = to_string(left) == to_string(right)
        return equal if op == "=" else not equal
    a, b = to_number(left), to_number(right)
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _numeric(value: Value) -> bool:
    return isinstance(value, float | int | dt.date) and not isinstance(value, bool)


def _as_list(value: Value) -> list[Value]:
    return value if isinstance(value, list) else [value]


def _call(node: Call, context: Context) -> Value:
    name, args = node.name, node.args
    if name == "if":
        chosen = args[1] if to_boolean(evaluate(args[0], context)) else args[2]
        return evaluate(chosen, context)
    if name == "true":
        return True
    if name == "false":
        return False
    if name == "today":
        return context.today
    values: Sequence[Value] = [evaluate(arg, context) for arg in args]
    if name == "not":
        return not to_boolean(values[0])
    if name == "selected":
        return to_string(values[1]).strip() in to_string(values[0]).split()
    if name == "count-selected":
        return float(len(to_string(values[0]).split()))
    if name == "string-length":
        return float(len(to_string(values[0] if values else context.current)))
    if name == "regex":
        return regex_matches(to_string(values[1]), to_string(values[0]))
    if name == "concat":
        parts = [to_string(item) for value in values for item in _as_list(value)]
        if sum(len(part) for part in parts) > MAX_TEXT_VALUE:
            raise ExpressionError(
                _("concat() would make a text of more than %(limit)s characters")
                % {"limit": MAX_TEXT_VALUE}
            )
        return "".join(parts)
    if name == "coalesce":
        return values[0] if to_string(values[0]) != "" else values[1]
    if name == "count":
        return float(len(_as_list(values[0])))
    if name == "sum":
        # Unanswered rows count as nothing rather than making the whole sum NaN.
        return float(sum(to_number(item) for item in _as_list(values[0]) if to_string(item) != ""))
    if name == "number":
        return to_number(values[0])
    if name == "int":
        number = to_number(values[0])
        return number if math.isnan(number) or math.isinf(number) else float(math.trunc(number))
    if name == "round":
        return _round(to_number(values[0]), to_number(values[1]) if len(values) > 1 else 0.0)
    if name == "contains":
        return to_string(values[1]) in to_string(values[0])
    if name == "starts-with":
        return to_string(values[0]).startswith(to_string(values[1]))
    if name == "string":
        return to_string(values[0])
    if name == "boolean":
        return to_boolean(values[0])
    raise ExpressionError(_("unknown function %(function)s()") % {"function": name})


def _round(number: float, digits: float) -> float:
    if math.isnan(number) or math.isinf(number) or math.isnan(digits):
        return number
    places = int(max(-15, min(15, digits)))
    scale = 10.0**places
    # Half away from zero, as JavaRosa's round() does.
    scaled = abs(number) * scale
    if scaled >= 2.0**52:  # already a whole number at this precision (or beyond a float's)
        return number
    result = math.floor(scaled + 0.5) / scale
    return math.copysign(result, number)


def evaluate_text(text: str, context: Context, *, allow_fields: bool = False) -> Value:
    """Parse and evaluate in one step; for tests and one-off checks."""
    return evaluate(parse(text, allow_fields=allow_fields), context)
