"""Merging two versions of a delivery's JSON Lines records row by row, for the git merge driver.

``roster.jsonl`` and ``attendance.jsonl`` (see :mod:`onboard.delivery.datafiles`)
are a JSON header line, then one row per line as a JSON array of the
header's ``fields``. Two people who import a roster or attendance on their
own machines change different lines, or different values of one line, so
the merge goes row by row, by the row's key: for the roster (and attendance
of schema 1, a record per person) the email (case aside), else the name for
a walk-in; for attendance of schema 2 (every import kept as a source) the
source and the row of its file. Since the common ancestor:

- a row added on one side is added, one removed on one side (a new roster
  import without them, an attendance import undone) is removed unless the
  other side changed it;
- a value changed on one side is taken; schema 1 attendance marks merge day
  by day (Ann marked day 1, Bob day 2: both stand);
- a value changed on both sides differently is a clash: the roster's later
  import wins, else the value every machine picks alike (for a day, present),
  and the clash is reported in the driver's output.

The header keeps the later import (roster), or the union of the days and
the sources either side kept (attendance: a source one side removed since
the ancestor stays removed), the sources and rows in one order whichever
side merges. A source's rows never change once imported, so two imports
never clash. Only the file format is read here, not the delivery's types,
so the storage layer stays below the delivery.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onboard.errors import OnboardError

KINDS = {"roster.jsonl": "roster", "attendance.jsonl": "attendance"}
DAYS = ("present", "absent")
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode

Row = list[Any]


@dataclass(frozen=True)
class RowsFile:
    header: dict[str, Any]
    rows: dict[str, Row]


def _read(data: bytes | None, path: Path, kind: str) -> RowsFile | None:
    if data is None or not data.strip():
        return None
    lines = data.decode("utf-8", "surrogatepass").splitlines()
    try:
        header = json.loads(lines[0])
        if not isinstance(header, dict) or header.get("onboard") != kind:
            raise ValueError(f'the header must say "onboard": "{kind}"')
        fields = header.get("fields")
        if not isinstance(fields, list):
            raise ValueError("the header has no fields")
        rows: dict[str, Row] = {}
        for line in lines[1:]:
            if line.strip():
                values = json.loads(line)
                if not isinstance(values, list) or len(values) != len(fields):
                    raise ValueError(f"a row must be a list of {len(fields)} values")
                rows.setdefault(_key(dict(zip(fields, values, strict=True))), values)
    except ValueError as exc:
        raise OnboardError(f"{path}: cannot be merged: {exc}.") from None
    return RowsFile(header, rows)


def _key(row: Mapping[str, Any]) -> str:
    if "source" in row:
        return f"{row.get('source')}#{row.get('row')}"
    email = row.get("email")
    if isinstance(email, str) and email.strip():
        return email.strip().casefold()
    return "name:" + " ".join(str(row.get("name") or "").casefold().split())


def _three_way(base: Any, ours: Any, theirs: Any) -> tuple[Any, bool]:
    """The merged value and whether both sides changed it differently."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    return None, True


def _later(header: Mapping[str, Any]) -> str:
    return str(header.get("imported_at") or "")


def merge_rows(base: bytes | None, ours: bytes, theirs: bytes, path: Path) -> tuple[bytes, list[str]]:
    """Merge three versions of a records file; the bytes to write and the clashes to report."""
    kind = KINDS[path.name]
    old, mine, yours = (_read(data, path, kind) for data in (base, ours, theirs))
    if mine is None or yours is None:
        raise OnboardError(f"{path}: one side of the merge is empty.")
    fields = mine.header["fields"]
    if yours.header["fields"] != fields:
        raise OnboardError(f"{path}: the two sides store different fields; merge it by hand.")
    prefer_theirs = kind == "roster" and _later(yours.header) > _later(mine.header)
    clashes: list[str] = []
    before = old.rows if old is not None and old.header.get("fields") == fields else {}
    merged: dict[str, Row] = {}
    for key in [*mine.rows, *(k for k in yours.rows if k not in mine.rows)]:
        a, b, o = mine.rows.get(key), yours.rows.get(key), before.get(key)
        if a is None or b is None:
            present = a if a is not None else b
            if present is not None and present != o:
                merged[key] = present  # added on one side, or changed there and removed on the other
            continue  # else removed on one side and untouched on the other
        merged[key] = _merge_row(fields, o, a, b, prefer_theirs, key, clashes)
    header = _merge_header(kind, mine.header, yours.header, prefer_theirs, old.header if old else {})
    rows = list(merged.values())
    if "source" in fields:
        order = {
            str(s.get("id")): i for i, s in enumerate(header.get("sources") or []) if isinstance(s, dict)
        }
        at = fields.index("source"), fields.index("row")
        rows = [r for r in rows if r[at[0]] in order]
        rows.sort(key=lambda r: (order[r[at[0]]], r[at[1]] if isinstance(r[at[1]], int) else 0))
    lines = [_encode(header), *(_encode(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"), clashes


def _merge_row(
    fields: Sequence[str],
    base: Row | None,
    ours: Row,
    theirs: Row,
    prefer_theirs: bool,
    key: str,
    clashes: list[str],
) -> Row:
    old = dict(zip(fields, base, strict=True)) if base is not None else {}
    a, b = dict(zip(fields, ours, strict=True)), dict(zip(fields, theirs, strict=True))
    if all(f in a for f in DAYS) and "source" not in a:
        a, b = _merge_days(old, a, b, key, clashes)
    row = []
    for field in fields:
        value, clash = _three_way(old.get(field), a[field], b[field])
        if clash:
            options = sorted((a[field], b[field]), key=_encode)
            value = b[field] if prefer_theirs else options[-1]
            clashes.append(f"{key}: {field} changed on both sides; kept {value!r}")
        row.append(value)
    return row


def _merge_days(
    old: Mapping[str, Any], ours: dict[str, Any], theirs: dict[str, Any], key: str, clashes: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Attendance marks day by day; returns both rows with the merged marks, so they agree."""

    def marks(row: Mapping[str, Any]) -> dict[str, bool]:
        days = {day: False for day in row.get("absent") or []}
        days.update({day: True for day in row.get("present") or []})
        return days

    base, mine, yours = marks(old), marks(ours), marks(theirs)
    merged: dict[str, bool] = {}
    for day in sorted(base.keys() | mine.keys() | yours.keys()):
        value, clash = _three_way(base.get(day), mine.get(day), yours.get(day))
        if clash:
            value = True
            clashes.append(f"{key}: marked present and absent on {day}; kept present")
        if value is not None:
            merged[day] = value
    present = [d for d, v in merged.items() if v]
    absent = [d for d, v in merged.items() if not v]
    return (
        {**ours, "present": present, "absent": absent},
        {**theirs, "present": present, "absent": absent},
    )


def _merge_header(
    kind: str,
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    prefer_theirs: bool,
    base: Mapping[str, Any],
) -> dict[str, Any]:
    if kind == "roster":
        return dict(theirs if prefer_theirs else ours)
    header = dict(ours)
    header["days"] = sorted({*(ours.get("days") or []), *(theirs.get("days") or [])})
    if "source" in (ours.get("fields") or []):
        header["sources"] = _merge_sources(base, ours, theirs)
        return header
    sources = list(ours.get("sources") or [])
    sources += [s for s in theirs.get("sources") or [] if s not in sources]
    header["sources"] = sources
    return header


def _merge_sources(base: Mapping[str, Any], ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[Any]:
    """The sources either side has, less those one side removed since the ancestor, in the order
    they were imported; a source imported on both sides is kept as it was imported first."""

    def by_id(header: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for source in header.get("sources") or []:
            if isinstance(source, dict):
                found.setdefault(str(source.get("id")), source)
        return found

    old, mine, yours = by_id(base), by_id(ours), by_id(theirs)
    removed = (old.keys() - mine.keys()) | (old.keys() - yours.keys())
    kept: dict[str, dict[str, Any]] = {}
    for ident in (mine.keys() | yours.keys()) - removed:
        sides = [s for s in (mine.get(ident), yours.get(ident)) if s is not None]
        kept[ident] = min(sides, key=lambda s: (str(s.get("at") or ""), _encode(s)))
    return sorted(kept.values(), key=lambda s: (str(s.get("at") or ""), str(s.get("id"))))
