"""Conditions: the small expression language that decides whether a step applies.

Playbooks say ``business_unit not in ['P&O Academies', 'CFO']`` or
``decision == 'renew'``. These are parsed here by a tiny recursive-descent
parser into a tree and evaluated against the client's facts, never handed to
``eval`` and never able to reach a Python attribute: the only things an
expression can name are facts.

Evaluation is three-valued. A fact that has not been given yet is *unknown*,
and a step whose condition is unknown is neither applicable nor "not
applicable": it waits (a renewal's exit branch is not n/a before anyone has
decided to exit).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias

from onboard.errors import OnboardError

MAX_LENGTH = 2000

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "is", "set", "true", "false", "none"}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Unknown:
    """The value of a fact nobody has given yet."""

    def __repr__(self) -> str:
        return "unknown"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Literal:
    """A string, number, boolean or none written in the condition."""

    value: str | int | float | bool | None


@dataclass(frozen=True)
class Name:
    """A fact of the client, looked up by name."""

    name: str


@dataclass(frozen=True)
class ListOf:
    """A list literal, for `in` and `not in`."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Compare:
    """A comparison: ==, !=, <, <=, >, >=, in, not in."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class IsSet:
    """`NAME is set` / `NAME is not set`: never unknown."""

    name: str
    negated: bool


@dataclass(frozen=True)
class BoolOp:
    """`and` / `or` over two or more operands (three-valued)."""

    op: str
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """`not` of an operand (unknown stays unknown)."""

    operand: Node


Node: TypeAlias = Literal | Name | ListOf | Compare | IsSet | BoolOp | Not
"""A part of a parsed condition."""


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its source text and its tree."""

    source: str
    tree: Node

    def names(self) -> set[str]:
        """Every fact name the condition reads (for validating a playbook)."""
        return _names(self.tree)

    def evaluate(self, facts: Mapping[str, object]) -> bool | None:
        """True, False, or None when it depends on a fact not given yet."""
        result = _eval(self.tree, facts)
        return None if result is UNKNOWN else bool(result)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise OnboardError(f"Condition {text!r}: cannot read {text[pos:].strip()[:20]!r}.")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def fail(self, what: str) -> OnboardError:
        return OnboardError(f"Condition {self.text!r}: {what}.")

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def accept(self, kind: str, value: str | None = None) -> bool:
        token = self.peek()
        if token and token[0] == kind and (value is None or token[1] == value):
            self.pos += 1
            return True
        return False

    def expect(self, kind: str, value: str) -> None:
        if not self.accept(kind, value):
            found = self.peek()
            raise self.fail(f"expected {value!r} but found {found[1] if found else 'the end'!r}")

    def parse(self) -> Node:
        if not self.tokens:
            raise self.fail("it is empty")
        tree = self.parse_or()
        leftover = self.peek()
        if leftover is not None:
            raise self.fail(f"unexpected {leftover[1]!r}")
        return tree

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.accept("kw", "or"):
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def parse_and(self) -> Node:
        operands = [self.parse_not()]
        while self.accept("kw", "and"):
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def parse_not(self) -> Node:
        if self.accept("kw", "not"):
            return Not(self.parse_not())
        return self.parse_compare()

    def parse_compare(self) -> Node:
        left = self.parse_operand()
        token = self.peek()
        if token is None:
            return left
        if token == ("kw", "is"):
            self.pos += 1
            negated = self.accept("kw", "not")
            self.expect("kw", "set")
            if not isinstance(left, Name):
                raise self.fail("only a field name can be tested with 'is set'")
            return IsSet(left.name, negated)
        if token == ("kw", "not") and self.peek(1) == ("kw", "in"):
            self.pos += 2
            return Compare("not in", left, self.parse_operand())
        if token == ("kw", "in") or (token[0] == "op" and token[1] in {"==", "!=", *_ORDER}):
            self.pos += 1
            return Compare(token[1], left, self.parse_operand())
        return left

    def parse_operand(self) -> Node:
        token = self.peek()
        if token is None:
            raise self.fail("it ends too early")
        kind, value = token
        self.pos += 1
        if kind == "string":
            return Literal(_unquote(value))
        if kind == "number":
            return Literal(float(value) if "." in value else int(value))
        if kind == "kw" and value in {"true", "false", "none"}:
            return Literal({"true": True, "false": False, "none": None}[value])
        if kind == "name":
            return Name(value)
        if (kind, value) == ("op", "("):
            inner = self.parse_or()
            self.expect("op", ")")
            return inner
        if (kind, value) == ("op", "["):
            items: list[Node] = []
            if not self.accept("op", "]"):
                items.append(self.parse_operand())
                while self.accept("op", ","):
                    items.append(self.parse_operand())
                self.expect("op", "]")
            return ListOf(tuple(items))
        raise self.fail(f"unexpected {value!r}")


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse_condition(text: str) -> Condition:
    """Parse a condition, raising :class:`OnboardError` with the reason if it is malformed."""
    if not isinstance(text, str):
        raise OnboardError(f"Condition {text!r} must be text.")
    if len(text) > MAX_LENGTH:
        raise OnboardError(f"Condition is longer than {MAX_LENGTH} characters.")
    try:
        return Condition(text, _Parser(text).parse())
    except RecursionError:
        raise OnboardError(f"Condition {text[:40]!r}…: nested too deeply.") from None


def _names(tree: Node) -> set[str]:
    if isinstance(tree, Name):
        return {tree.name}
    if isinstance(tree, IsSet):
        return {tree.name}
    if isinstance(tree, Compare):
        return _names(tree.left) | _names(tree.right)
    if isinstance(tree, BoolOp | ListOf):
        children = tree.operands if isinstance(tree, BoolOp) else tree.items
        return set().union(*(_names(child) for child in children)) if children else set()
    if isinstance(tree, Not):
        return _names(tree.operand)
    return set()


def _lookup(facts: Mapping[str, object], name: str) -> object:
    value = facts.get(name, UNKNOWN)
    return UNKNOWN if value is None or value == "" else value


def _eval(tree: Node, facts: Mapping[str, object]) -> object:
    if isinstance(tree, Literal):
        return tree.value
    if isinstance(tree, Name):
        return _lookup(facts, tree.name)
    if isinstance(tree, ListOf):
        return [_eval(item, facts) for item in tree.items]
    if isinstance(tree, IsSet):
        is_set = _lookup(facts, tree.name) is not UNKNOWN
        return not is_set if tree.negated else is_set
    if isinstance(tree, Not):
        value = _eval(tree.operand, facts)
        return UNKNOWN if value is UNKNOWN else not _truthy(value)
    if isinstance(tree, BoolOp):
        values = [_eval(operand, facts) for operand in tree.operands]
        decisive = tree.op == "or"
        if any(v is not UNKNOWN and _truthy(v) is decisive for v in values):
            return decisive
        return UNKNOWN if any(v is UNKNOWN for v in values) else not decisive
    if isinstance(tree, Compare):
        return _compare(tree.op, _eval(tree.left, facts), _eval(tree.right, facts))
    raise OnboardError("Condition has an unknown part.")


def _truthy(value: object) -> bool:
    return bool(value)


def _comparable(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _compare(op: str, left: object, right: object) -> object:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    if isinstance(right, list) and UNKNOWN in right:
        return UNKNOWN
    left, right = _comparable(left), _comparable(right)
    if isinstance(right, list):
        right = [_comparable(item) for item in right]
    if op in {"in", "not in"}:
        if isinstance(right, list) or (isinstance(right, str) and isinstance(left, str)):
            found = left in right
        elif isinstance(left, list):
            found = right in left
        else:
            found = False
        if isinstance(left, list) and isinstance(right, list):
            found = any(item in right for item in left)
        return found if op == "in" else not found
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    try:
        return _ORDER[op](left, right)
    except TypeError:
        return False
