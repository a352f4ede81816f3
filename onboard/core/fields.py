"""Typed fields: what a step asks for, and how an answer becomes a value.

An answer arrives as text (from ``--set``, a prompt) or as a TOML value
(from ``--answers``). :func:`coerce` turns either into the field's type or
raises an error that names the field and shows a valid example, so the same
rules hold whichever way the coordinator answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeAlias

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
    FieldType.BOOL: "yes or no",
    FieldType.LIST: "first, second",
    FieldType.RECORDS: '[{name = "Ann Lee", email = "ann@example.com"}]',
}


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

    @property
    def prompt(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def example(self) -> str:
        if self.type == FieldType.CHOICE and self.choices:
            return self.choices[0]
        return EXAMPLES[self.type]


def coerce(field: Field, raw: object) -> FactValue:
    """Return ``raw`` as a value of ``field``'s type, or raise a clear error."""
    try:
        return _coerce(field, raw)
    except (ValueError, TypeError) as exc:
        detail = str(exc) or "not valid"
        raise OnboardError(
            f"{field.name} = {_show(raw)}: {detail}.",
            f"Give a {field.type} such as {field.name}={field.example()}.",
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
            raise ValueError("is not a date written YYYY-MM-DD") from None
    if kind == FieldType.EMAIL:
        if not isinstance(raw, str) or not _EMAIL.match(raw):
            raise ValueError("is not an email address")
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
            raise ValueError("is not a list of tables like " + EXAMPLES[FieldType.RECORDS]) from None
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(row, dict) for row in raw):
        raise TypeError("expected a list of tables like " + EXAMPLES[FieldType.RECORDS])
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
