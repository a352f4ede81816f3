"""Typed fields: what a step asks for, and how an answer becomes a value.

An answer arrives as text (from ``--set``, a prompt) or as a TOML value
(from ``--answers``). :func:`coerce` turns either into the field's type or
raises an error that names the field and shows a valid example, so the same
rules hold whichever way the coordinator answered.

A field may also state limits, in the playbook next to its type, so each
playbook says what makes sense for its own process:

- ``not_before`` / ``not_after`` on a date field: ``"today"``, another date
  field's name, or a fixed ``YYYY-MM-DD``. Against another field or a fixed
  date it is a hard limit (:func:`limit_problems`: an end before its start
  is refused wherever it comes from). Against ``"today"`` it is a doubt
  (:func:`doubt`): a course date in the past may be history being recorded,
  so a person is asked, and a script must say ``--force``.
- ``min`` / ``max`` on a number field: hard limits.
- ``example``: the value hints show, when the type's own example would mislead.

Nothing here reads the clock: ``today`` is always an argument.
"""

from __future__ import annotations

import calendar
import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeAlias
from urllib.parse import urlsplit

from onboard.errors import OnboardError

FactValue: TypeAlias = str | int | float | bool | date | list[str] | list[dict[str, object]]
"""A fact once :func:`coerce` has checked it: one value per field type (``records`` is a list of tables)."""


class FieldType(StrEnum):
    """What a field holds; a playbook names it as ``type = "date"``."""

    TEXT = "text"
    DATE = "date"
    EMAIL = "email"
    INT = "int"
    NUMBER = "number"
    CHOICE = "choice"
    BOOL = "bool"
    LIST = "list"
    RECORDS = "records"
    URL = "url"


TYPES = tuple(FieldType)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUE = {"yes", "y", "true", "1", "on"}
_FALSE = {"no", "n", "false", "0", "off"}
EXAMPLES = {
    FieldType.TEXT: "some text",
    FieldType.DATE: "2026-03-15",
    FieldType.EMAIL: "name@example.com",
    FieldType.INT: "12",
    FieldType.NUMBER: "4.5",
    FieldType.CHOICE: "one of the choices",
    FieldType.BOOL: "yes",
    FieldType.LIST: "first, second",
    FieldType.RECORDS: '[{name = "Ann Lee", email = "ann@example.com"}]',
    FieldType.URL: "https://example.com/meeting",
}
NOUNS = {
    FieldType.TEXT: "text",
    FieldType.DATE: "a date written YYYY-MM-DD",
    FieldType.EMAIL: "an email address",
    FieldType.INT: "a whole number",
    FieldType.NUMBER: "a number",
    FieldType.CHOICE: "one of the choices",
    FieldType.BOOL: "yes or no",
    FieldType.LIST: "a comma-separated list",
    FieldType.RECORDS: "a list of records",
    FieldType.URL: "a web link starting https:// or http://",
}
"""What a value of each type is called in a sentence ("Give an email address")."""
TODAY = "today"
_ISO_SHAPE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EG = re.compile(r"\(e\.g\.\s*([^,)]+)")


@dataclass(frozen=True)
class Field:
    """A fact a step needs, declared once per playbook."""

    name: str
    type: FieldType = FieldType.TEXT
    label: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()
    required: bool = True
    columns: tuple[Field, ...] = ()
    not_before: str = ""
    not_after: str = ""
    minimum: float | None = None
    maximum: float | None = None
    sample: str = ""

    @property
    def prompt(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def noun(self) -> str:
        """What a value is called in a sentence: 'an email address', 'one of Virtual, In-person'."""
        if self.type == FieldType.CHOICE and self.choices:
            return "one of " + ", ".join(self.choices)
        return NOUNS[self.type]

    def example(self, today: date | None = None, facts: Mapping[str, object] | None = None) -> str:
        """A valid answer, as text to type, built from this field's own definition.

        A records field shows its own columns; a date keeps to the field's
        limits when ``today`` and the client's ``facts`` are given, so that a
        hint followed as written is accepted.
        """
        if self.sample:
            return self.sample
        if self.type == FieldType.CHOICE and self.choices:
            return self.choices[0]
        if self.type == FieldType.RECORDS and self.columns:
            cells = ", ".join(f"{c.name} = {_toml_text(c.example(today))}" for c in self.columns)
            return f"[{{{cells}}}]"
        if self.type == FieldType.DATE and today is not None:
            return _example_date(self, today, facts or {}).isoformat()
        if self.type == FieldType.TEXT:
            hinted = _EG.search(self.label)
            if hinted:
                return hinted.group(1).strip()
            if self.name in {"name", "full_name"} or self.name.endswith("_name"):
                return "Ann Lee"
        if self.type in {FieldType.INT, FieldType.NUMBER} and self.minimum is not None:
            return _number(self.minimum)
        return EXAMPLES[self.type]

    def assignment(self, today: date | None = None, facts: Mapping[str, object] | None = None) -> str:
        """``NAME=EXAMPLE`` quoted for a shell, ready to follow ``--set`` or ``onboard set CLIENT``."""
        return shlex.quote(f"{self.name}={self.example(today, facts)}")


def assignments(specs: Sequence[Field], today: date | None, facts: Mapping[str, object]) -> list[str]:
    """``NAME=EXAMPLE`` for each field, quoted for a shell; each example sees the ones before it,
    so a last day asked with the first is not before it."""
    known = dict(facts)
    out = []
    for spec in specs:
        out.append(spec.assignment(today, known))
        try:
            known[spec.name] = _coerce(spec, spec.example(today, known))
        except (ValueError, TypeError):
            continue
    return out


def _toml_text(text: str) -> str:
    """A column's example inside a records example: a TOML number or boolean as it is, else a string."""
    if re.fullmatch(r"[+-]?\d+(\.\d+)?|true|false", text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _example_date(spec: Field, today: date, facts: Mapping[str, object]) -> date:
    """A day inside the field's limits: a fortnight ahead for a date that should not be past, else today."""
    low = _bound(spec.not_before, today, facts)
    high = _bound(spec.not_after, today, facts)
    day = today + timedelta(days=14) if spec.not_before == TODAY else today
    if low is not None and day < low:
        day = low
    if high is not None and day > high:
        day = high
    return day


def _bound(rule: str, today: date | None, facts: Mapping[str, object]) -> date | None:
    """The date a limit stands for: today, a fixed date, or another field's value (None while unknown)."""
    if not rule:
        return None
    if rule == TODAY:
        return today
    if _ISO_SHAPE.match(rule):
        return date.fromisoformat(rule)
    value = facts.get(rule)
    return value if isinstance(value, date) else None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def coerce(field: Field, raw: object) -> FactValue:
    """Return ``raw`` as a value of ``field``'s type, or raise a clear error."""
    try:
        return _coerce(field, raw)
    except (ValueError, TypeError) as exc:
        detail = str(exc) or "not valid"
        raise OnboardError(
            f"{field.name} = {_show(raw)}: {detail}.",
            f"Give {field.noun}, such as {field.assignment()}.",
        ) from None


def _show(raw: object) -> str:
    text = repr(raw) if not isinstance(raw, date) else raw.isoformat()
    return text if len(text) <= 60 else text[:57] + "..."


def _coerce(field: Field, raw: object) -> FactValue:
    kind = field.type
    if isinstance(raw, str):
        raw = raw.strip()
        if raw == "":
            raise ValueError("an answer is needed")
    if kind == FieldType.TEXT:
        if not isinstance(raw, str):
            raise TypeError("expected text")
        if "\x00" in raw:
            raise ValueError("contains a NUL character")
        return raw
    if kind == FieldType.DATE:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if not isinstance(raw, str):
            raise TypeError("expected a date written YYYY-MM-DD")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError(_date_problem(raw)) from None
    if kind == FieldType.EMAIL:
        if not isinstance(raw, str) or not _EMAIL.match(raw):
            raise ValueError("is not an email address")
        return raw
    if kind == FieldType.URL:
        if not isinstance(raw, str) or not _is_web_link(raw):
            raise ValueError("is not a web link starting https:// or http://")
        return raw
    if kind == FieldType.INT:
        if isinstance(raw, bool):
            raise TypeError("expected a whole number")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"[+-]?\d{1,15}", raw):
            return int(raw)
        raise ValueError("is not a whole number")
    if kind == FieldType.NUMBER:
        if isinstance(raw, bool):
            raise TypeError("expected a number")
        if isinstance(raw, int | float):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"[+-]?\d{1,15}(\.\d{1,15})?", raw):
            return float(raw) if "." in raw else int(raw)
        raise ValueError("is not a number")
    if kind == FieldType.BOOL:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in _TRUE | _FALSE:
            return raw.lower() in _TRUE
        raise ValueError("is not yes or no")
    if kind == FieldType.CHOICE:
        if not isinstance(raw, str):
            raise TypeError("expected one of " + ", ".join(field.choices))
        for choice in field.choices:
            if raw.casefold() == choice.casefold():
                return choice
        raise ValueError("is not one of " + ", ".join(repr(c) for c in field.choices))
    if kind == FieldType.RECORDS:
        return _records(field, raw)
    if kind == FieldType.LIST:
        if isinstance(raw, str):
            items = [part.strip() for part in raw.split(",")]
        elif isinstance(raw, list):
            items = [str(part).strip() for part in raw]
        else:
            raise TypeError("expected a list")
        return [item for item in items if item]
    raise ValueError(f"has an unknown type {kind!r}")


def _records(field: Field, raw: object) -> list[dict[str, object]]:
    """A list of tables, each checked column by column (contacts, radio stations...)."""
    if isinstance(raw, str):
        import tomllib

        try:
            raw = tomllib.loads(f"value = {raw}")["value"]
        except tomllib.TOMLDecodeError:
            raise ValueError("is not a list of tables like " + field.example()) from None
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
        raise TypeError("expected a list of tables like " + field.example())
    known = {column.name: column for column in field.columns}
    rows = []
    for index, row in enumerate(raw, 1):
        unknown = sorted(set(row) - set(known))
        if unknown:
            raise ValueError(f"entry {index} has unknown column {unknown[0]!r} (known: {', '.join(known)})")
        clean: dict[str, object] = {}
        for column in field.columns:
            value = row.get(column.name)
            if value in (None, ""):
                if column.required:
                    raise ValueError(f"entry {index} needs {column.name!r}")
                continue
            try:
                clean[column.name] = _coerce(column, value)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"entry {index}, {column.name}: {exc}") from None
        rows.append(clean)
    return rows


def _date_problem(text: str) -> str:
    """Why ``text`` is not a date; a day that does not exist is named as such."""
    shape = _ISO_SHAPE.match(text)
    if not shape:
        return "is not a date written YYYY-MM-DD"
    year, month, day = (int(part) for part in shape.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month} (dates are written YYYY-MM-DD)"
    month_name = calendar.month_name[month]
    last = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= last:
        return f"{day} {month_name} {year} does not exist ({month_name} {year} has {last} days)"
    return "is not a date written YYYY-MM-DD"


def _is_web_link(text: str) -> bool:
    if any(ch.isspace() for ch in text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and ("." in host or host == "localhost")


def limit_problems(
    fields: Mapping[str, Field], facts: Mapping[str, object], changed: Collection[str]
) -> list[tuple[Field, str]]:
    """The fields that break a hard limit once the ``changed`` ones hold their values in ``facts``, and how.

    A limit between two fields is checked whichever of them changed: moving
    the start after the end is refused as much as moving the end before the
    start. Limits against today are not hard (see :func:`doubt`).
    """
    problems = []
    for spec in fields.values():
        value = facts.get(spec.name)
        if value is None:
            continue
        related = {spec.name} | {r for r in (spec.not_before, spec.not_after) if r in fields}
        if related.isdisjoint(changed):
            continue
        problem = _limit_problem(spec, value, facts)
        if problem:
            problems.append((spec, problem))
    return problems


def _limit_problem(spec: Field, value: object, facts: Mapping[str, object]) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if spec.minimum is not None and value < spec.minimum:
            return f"{spec.name} = {value} is below its minimum of {_number(spec.minimum)}"
        if spec.maximum is not None and value > spec.maximum:
            return f"{spec.name} = {value} is above its maximum of {_number(spec.maximum)}"
        return None
    if not isinstance(value, date):
        return None
    for rule, sign, word in ((spec.not_before, -1, "before"), (spec.not_after, 1, "after")):
        bound = _bound(rule, None, facts) if rule != TODAY else None
        if bound is not None and (value - bound).days * sign > 0:
            what = f"{rule} ({bound.isoformat()})" if rule in facts else bound.isoformat()
            return f"{spec.name} = {value.isoformat()} is {word} {what}"
    return None


def doubt(spec: Field, value: object, today: date) -> str | None:
    """Why a person should confirm ``value`` (a date on the wrong side of today), or None.

    ``not_before = "today"`` doubts a past date (a course date in 2020),
    ``not_after = "today"`` a future one (a contract signed next week).
    """
    if not isinstance(value, date):
        return None
    if spec.not_before == TODAY and value < today:
        return f"{spec.name} = {value.isoformat()} is in the past (today is {today.isoformat()})"
    if spec.not_after == TODAY and value > today:
        return f"{spec.name} = {value.isoformat()} is in the future (today is {today.isoformat()})"
    return None


def format_value(value: object) -> str:
    """Show a stored value to a person."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(
            " ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item) for item in value
        )
    return str(value)


def with_limits(spec: Field, table: Mapping[str, object]) -> tuple[Field, list[str]]:
    """``spec`` with the limits its playbook table states (``not_before``, ``min``, ``example``...),
    and what is wrong with them."""
    limits: dict[str, str] = {}
    problems: list[str] = []
    for key in ("not_before", "not_after"):
        rule = table.get(key)
        if rule is None:
            continue
        if spec.type != FieldType.DATE:
            problems.append(f"'{key}' applies only to a date field")
        elif isinstance(rule, date) and not isinstance(rule, datetime):
            limits[key] = rule.isoformat()
        elif isinstance(rule, str) and _ISO_SHAPE.match(rule):
            try:
                limits[key] = date.fromisoformat(rule).isoformat()
            except ValueError:
                problems.append(f"'{key}' = {rule!r}: {_date_problem(rule)}")
        elif isinstance(rule, str) and re.fullmatch(r"[a-z_][a-z0-9_]*", rule):
            limits[key] = rule
        else:
            problems.append(f"'{key}' must be \"today\", a date field's name or YYYY-MM-DD, not {rule!r}")
    bounds: dict[str, float] = {}
    for key in ("min", "max"):
        bound = table.get(key)
        if bound is None:
            continue
        if spec.type not in (FieldType.INT, FieldType.NUMBER):
            problems.append(f"'{key}' applies only to an int or number field")
        elif not isinstance(bound, int | float) or isinstance(bound, bool):
            problems.append(f"'{key}' must be a number, not {bound!r}")
        else:
            bounds[key] = bound
    sample = table.get("example")
    if sample is not None and not isinstance(sample, str):
        problems.append(f"'example' must be text as it would be typed, not {sample!r}")
        sample = None
    limited = replace(
        spec,
        not_before=limits.get("not_before", ""),
        not_after=limits.get("not_after", ""),
        minimum=bounds.get("min"),
        maximum=bounds.get("max"),
        sample=sample or "",
    )
    return limited, problems


def reference_problems(fields: Mapping[str, Field]) -> list[tuple[str, str]]:
    """Limits that name a field which is not a date field of the same playbook: (field, problem)."""
    problems = []
    for spec in fields.values():
        for key, rule in (("not_before", spec.not_before), ("not_after", spec.not_after)):
            if not rule or rule == TODAY or _ISO_SHAPE.match(rule):
                continue
            other = fields.get(rule)
            if other is None:
                problems.append((spec.name, f"'{key}' names unknown field {rule!r}"))
            elif other.type != FieldType.DATE:
                problems.append((spec.name, f"'{key}' names {rule!r}, which is not a date field"))
    return problems
