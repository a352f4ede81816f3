"""Conflicts: decisions two people took differently, kept in the client file until settled.

When the histories of two copies of a client are merged (see
:mod:`onboard.core.merge`) and both sides changed the same thing
differently, the later change wins so the file stays valid, and a
:class:`Conflict` records what was overridden. It stays in ``client.toml``
(``[[conflicts]]``) with the ids of the two events, so every copy of the
workspace shows the same conflict, and it is open until someone settles it
with ``onboard resolve``; a settled conflict is kept as a record of the decision.

This module holds the data type and its TOML form; it performs no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class ConflictKind(StrEnum):
    """What the two sides did: set one thing to two values, or one undid what the other built on."""

    VALUE = "value"
    UNDO = "undo"


class Keep(StrEnum):
    """How a conflict was settled: the rule's choice, the overridden side, or a third value."""

    KEPT = "kept"
    OTHER = "other"
    VALUE = "value"


@dataclass(frozen=True)
class Settled:
    """Who settled a conflict, when, and which way."""

    by: str
    at: datetime
    keep: Keep


@dataclass(frozen=True)
class Conflict:
    """Two changes by two people that could not both stand; the ``kept`` one did.

    ``kept`` and ``other`` are event ids in the client's history. For an
    ``undo`` conflict, ``kept`` is the undo and ``other`` the change that was
    built on what it undid.
    """

    id: str
    kind: ConflictKind
    path: str
    kept: str
    other: str
    summary: str
    settled: Settled | None = None

    @property
    def open(self) -> bool:
        return self.settled is None


def merge_conflicts(*lists: Iterable[Conflict]) -> tuple[Conflict, ...]:
    """The union of conflict lists by id; a conflict settled on either side is settled.

    When both sides settled the same conflict, the later settlement stands
    (ties go to the person's name, so every copy picks the same one).
    """
    found: dict[str, Conflict] = {}
    for conflicts in lists:
        for conflict in conflicts:
            known = found.get(conflict.id)
            if known is None or _settled_later(conflict, known):
                found[conflict.id] = conflict
    return tuple(sorted(found.values(), key=lambda c: c.id))


def _settled_later(new: Conflict, old: Conflict) -> bool:
    if new.settled is None:
        return False
    if old.settled is None:
        return True
    return (new.settled.at.isoformat(), new.settled.by) > (old.settled.at.isoformat(), old.settled.by)


def conflict_to_dict(conflict: Conflict) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": conflict.id,
        "kind": conflict.kind.value,
        "path": conflict.path,
        "kept": conflict.kept,
        "other": conflict.other,
        "summary": conflict.summary,
    }
    if conflict.settled is not None:
        data["settled_by"] = conflict.settled.by
        data["settled_at"] = conflict.settled.at
        data["settled_keep"] = conflict.settled.keep.value
    return data


def conflicts_from_document(raw: Any, fail: Callable[[str, str], None]) -> tuple[Conflict, ...]:
    """Read ``[[conflicts]]``; each problem goes to ``fail(key, message)``."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        fail("conflicts", "must be a list of [[conflicts]] tables")
        return ()
    conflicts = []
    for index, entry in enumerate(raw):
        conflict = _read_conflict(entry, f"conflicts[{index}]", fail)
        if conflict is not None:
            conflicts.append(conflict)
    return tuple(conflicts)


def _read_conflict(entry: Any, where: str, fail: Callable[[str, str], None]) -> Conflict | None:
    if not isinstance(entry, Mapping):
        fail(where, "must be a table")
        return None
    text = {}
    for key in ("id", "kind", "path", "kept", "other", "summary"):
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            fail(f"{where}.{key}", f"must be text, not {value!r}")
            return None
        text[key] = value
    if text["kind"] not in {k.value for k in ConflictKind}:
        fail(f"{where}.kind", f"must be value or undo, not {text['kind']!r}")
        return None
    settled = None
    by, at, keep = entry.get("settled_by"), entry.get("settled_at"), entry.get("settled_keep")
    if (by, at, keep) != (None, None, None):
        if not (isinstance(by, str) and isinstance(at, datetime) and keep in {k.value for k in Keep}):
            fail(where, "settled_by, settled_at and settled_keep (kept, other or value) go together")
            return None
        settled = Settled(by=by, at=at, keep=Keep(keep))
    return Conflict(
        id=text["id"],
        kind=ConflictKind(text["kind"]),
        path=text["path"],
        kept=text["kept"],
        other=text["other"],
        summary=text["summary"],
        settled=settled,
    )
