"""Client state: the facts, roles, step outcomes and history of one client.

The state is a few *sections* of plain values (``facts``, ``roles``,
``steps``, ``gates``, ``due``) plus an append-only history. Every change is
an :class:`Event` that says which ``section.key`` paths it set or removed and
what they held before, so any change can be undone exactly and the whole
state can be rebuilt by replaying its history. An import of a delivery's
records (roster, attendance, evaluations) is an event too: its ``records``
name the file and what undoing it takes back (the delivery keeps the files).

This module converts between the dataclasses and the TOML document of
``client.toml`` and checks a hand-edited file thoroughly, naming the file
and the key of every problem. It performs no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from onboard.core.conflicts import Conflict, conflict_to_dict, conflicts_from_document
from onboard.errors import OnboardError

SCHEMA = 1
SECTIONS = ("facts", "roles", "steps", "gates", "due")


class StepStatus(StrEnum):
    """Where a step stands: recorded in the client file (done, skipped) or worked out (pending, n/a)."""

    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"
    NA = "n/a"


STEP_STATUSES = (StepStatus.DONE, StepStatus.SKIPPED)
"""The statuses a client file records under ``[steps.ID]``."""
_SCALARS = (str, int, float, bool, date)


@dataclass(frozen=True)
class Event:
    """One change to a client, as recorded in its history."""

    seq: int
    at: datetime
    by: str
    action: str
    summary: str
    set: Mapping[str, Any] = field(default_factory=dict)
    unset: tuple[str, ...] = ()
    before: Mapping[str, Any] = field(default_factory=dict)
    step: str | None = None
    target: int | None = None
    id: str = ""
    clock: int = 0
    records: Mapping[str, str] = field(default_factory=dict)

    def paths(self) -> tuple[str, ...]:
        return (*self.set, *self.unset)


def event_id(event: Event, parent: str = "") -> str:
    """A stable id for an event, from what it did and the id of the event before it.

    Copies of a client on several machines exchange events by id (see
    :mod:`onboard.core.merge`), so the id must not depend on where the event
    sits in a history. Derived rather than random, it keeps the core
    deterministic, and an older file without ids gets the same ids on every
    machine that reads it.
    """
    content = [
        parent,
        event.seq,
        event.clock,
        event.at.isoformat(),
        event.by,
        event.action,
        event.summary,
        dict(event.set),
        list(event.unset),
        dict(event.before),
        event.step,
        event.target,
    ]
    if event.records:
        content.append(dict(event.records))
    text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class ClientState:
    """One client: header, sections of values, and the history that produced them."""

    slug: str
    name: str
    playbook: str
    playbook_revision: int
    created: date
    sections: Mapping[str, Mapping[str, Any]]
    history: tuple[Event, ...] = ()
    schema: int = SCHEMA
    conflicts: tuple[Conflict, ...] = ()

    @property
    def facts(self) -> Mapping[str, Any]:
        return self.sections.get("facts", {})

    @property
    def roles(self) -> Mapping[str, Mapping[str, Any]]:
        return self.sections.get("roles", {})

    @property
    def steps(self) -> Mapping[str, Mapping[str, Any]]:
        return self.sections.get("steps", {})

    @property
    def gates(self) -> Mapping[str, Mapping[str, Any]]:
        return self.sections.get("gates", {})

    @property
    def due_overrides(self) -> Mapping[str, date]:
        return self.sections.get("due", {})

    def get(self, path: str) -> Any:
        if path == "meta.playbook_revision":
            return self.playbook_revision
        section, key = split_path(path)
        return self.sections.get(section, {}).get(key)

    def without_history(self) -> ClientState:
        """The state with an empty history: what `undo` must restore exactly."""
        return replace(self, history=())


META = ("meta.playbook_revision",)
"""Paths that change the client's header rather than a section (see :func:`apply_changes`)."""


def split_path(path: str) -> tuple[str, str]:
    section, _, key = path.partition(".")
    if path in META:
        return section, key
    if section not in SECTIONS or not key:
        raise OnboardError(f"Unknown state path {path!r}.")
    return section, key


def empty_sections() -> dict[str, dict[str, Any]]:
    return {name: {} for name in SECTIONS}


def apply_changes(
    sections: Mapping[str, Mapping[str, Any]], set_: Mapping[str, Any], unset: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    """Return new sections with ``set_`` written and ``unset`` removed."""
    result = {name: dict(sections.get(name, {})) for name in SECTIONS}
    for path, value in set_.items():
        section, key = split_path(path)
        if section in result:
            result[section][key] = value
    for path in unset:
        section, key = split_path(path)
        if section in result:
            result[section].pop(key, None)
    return result


# --- TOML document <-> dataclasses ---------------------------------------------------


def _plain(value: Any) -> Any:
    """Drop None from nested values: TOML has no null."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value if v is not None]
    return value


def event_to_dict(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = {
        "seq": event.seq,
        "at": event.at,
        "by": event.by,
        "action": event.action,
        "summary": event.summary,
        "id": event.id or event_id(event),
        "clock": event.clock or event.seq,
    }
    if event.step:
        data["step"] = event.step
    if event.target is not None:
        data["target"] = event.target
    if event.unset:
        data["unset"] = list(event.unset)
    if event.set:
        data["set"] = _plain(dict(event.set))
    if event.before:
        data["before"] = _plain(dict(event.before))
    if event.records:
        data["records"] = dict(event.records)
    return data


def to_document(state: ClientState) -> dict[str, Any]:
    """The TOML document for ``state``, in a stable, readable order."""
    doc: dict[str, Any] = {
        "schema": state.schema,
        "slug": state.slug,
        "name": state.name,
        "playbook": state.playbook,
        "playbook_revision": state.playbook_revision,
        "created": state.created,
    }
    for section in SECTIONS:
        values = state.sections.get(section, {})
        if values:
            doc[section] = _plain(dict(values))
    if state.conflicts:
        doc["conflicts"] = [conflict_to_dict(c) for c in state.conflicts]
    doc["history"] = [event_to_dict(e) for e in state.history]
    return doc


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def want(self, table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
        value = table.get(key)
        label = f"{where}.{key}" if where else key
        if value is None:
            self.fail(label, "is missing")
            return None
        if isinstance(value, bool) and kind is int:
            self.fail(label, f"must be a whole number, not {value!r}")
            return None
        if not isinstance(value, kind):
            names = {
                str: "text",
                int: "a whole number",
                date: "a date (YYYY-MM-DD)",
                datetime: "a date and time",
            }
            wanted = names.get(kind, "a table") if isinstance(kind, type) else "a value"
            self.fail(label, f"must be {wanted}, not {value!r}")
            return None
        return value


def _check_value(reader: _Reader, label: str, value: Any) -> None:
    if isinstance(value, datetime):
        reader.fail(label, "must be a date, not a date and time")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(reader, f"{label}[{index}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(reader, f"{label}.{key}", item)
    elif not isinstance(value, _SCALARS):
        reader.fail(label, f"has an unsupported value {value!r}")


def _check_section(reader: _Reader, section: str, values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        label = f"{section}.{key}"
        if section == "steps":
            if not isinstance(value, dict):
                reader.fail(label, "must be a table with status and on")
                continue
            status = value.get("status")
            if status not in STEP_STATUSES:
                reader.fail(f"{label}.status", f"must be one of {', '.join(STEP_STATUSES)}, not {status!r}")
            on = value.get("on")
            if not isinstance(on, date) or isinstance(on, datetime):
                reader.fail(f"{label}.on", f"must be a date (YYYY-MM-DD), not {on!r}")
        elif section in {"roles", "gates"}:
            if not isinstance(value, dict):
                reader.fail(label, "must be a table")
                continue
            if section == "roles" and not isinstance(value.get("name"), str):
                reader.fail(f"{label}.name", f"must be text, not {value.get('name')!r}")
        elif section == "due" and (not isinstance(value, date) or isinstance(value, datetime)):
            reader.fail(label, f"must be a date (YYYY-MM-DD), not {value!r}")
            continue
        _check_value(reader, label, value)


def _read_event(reader: _Reader, index: int, raw: Any) -> Event | None:
    where = f"history[{index}]"
    if not isinstance(raw, dict):
        reader.fail(where, "must be a table")
        return None
    seq = reader.want(raw, "seq", int, where)
    at = reader.want(raw, "at", datetime, where)
    by = reader.want(raw, "by", str, where)
    action = reader.want(raw, "action", str, where)
    set_ = raw.get("set", {})
    before = raw.get("before", {})
    unset = raw.get("unset", [])
    for name, value in (("set", set_), ("before", before)):
        if not isinstance(value, dict):
            reader.fail(f"{where}.{name}", "must be a table")
            return None
    if not isinstance(unset, list) or not all(isinstance(p, str) for p in unset):
        reader.fail(f"{where}.unset", "must be a list of paths")
        return None
    for path in (*set_, *unset, *before):
        try:
            split_path(path)
        except OnboardError:
            reader.fail(where, f"unknown path {path!r}")
            return None
    if None in (seq, at, by, action):
        return None
    target = raw.get("target")
    clock = raw.get("clock", seq)
    if not isinstance(clock, int) or isinstance(clock, bool) or clock < 1:
        reader.fail(f"{where}.clock", f"must be a whole number above 0, not {clock!r}")
        return None
    ident = raw.get("id", "")
    if not isinstance(ident, str):
        reader.fail(f"{where}.id", f"must be text, not {ident!r}")
        return None
    records = raw.get("records", {})
    if not isinstance(records, dict) or not all(isinstance(v, str) for v in records.values()):
        reader.fail(f"{where}.records", f"must be a table of text values, not {records!r}")
        return None
    event = Event(
        id=ident,
        seq=seq,
        at=at,
        by=by,
        action=action,
        summary=str(raw.get("summary", action)),
        set=set_,
        unset=tuple(unset),
        before=before,
        step=raw.get("step") if isinstance(raw.get("step"), str) else None,
        target=target if isinstance(target, int) else None,
        clock=clock,
        records=records,
    )
    return event if ident else replace(event, id=event_id(event))


def from_document(doc: Mapping[str, Any], path: Path) -> ClientState:
    """Build a :class:`ClientState` from parsed TOML, or raise one error listing every problem."""
    reader = _Reader(path)
    schema = doc.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise OnboardError(f"{path}: 'schema' must be a whole number, not {schema!r}.")
    if schema > SCHEMA:
        raise OnboardError(
            f"{path}: written by a newer onboard (schema {schema}; this one reads up to {SCHEMA}).",
            "Upgrade onboard (pip install -U onboard); the file was left as it is.",
        )
    slug = reader.want(doc, "slug", str, "")
    name = reader.want(doc, "name", str, "")
    playbook = reader.want(doc, "playbook", str, "")
    revision = reader.want(doc, "playbook_revision", int, "")
    created = reader.want(doc, "created", date, "")
    if isinstance(created, datetime):
        reader.fail("created", "must be a date, not a date and time")
    sections: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        values = doc.get(section, {})
        if not isinstance(values, dict):
            reader.fail(section, "must be a table")
            values = {}
        _check_section(reader, section, values)
        sections[section] = dict(values)
    raw_history = doc.get("history", [])
    if not isinstance(raw_history, list):
        reader.fail("history", "must be a list of [[history]] tables")
        raw_history = []
    history = [_read_event(reader, i, raw) for i, raw in enumerate(raw_history)]
    seqs = [e.seq for e in history if e]
    if seqs != sorted(set(seqs)):
        reader.fail("history", "seq numbers must increase")
    conflicts = conflicts_from_document(doc.get("conflicts"), reader.fail)
    if reader.problems:
        shown = "; ".join(reader.problems[:5])
        more = f" (and {len(reader.problems) - 5} more)" if len(reader.problems) > 5 else ""
        raise OnboardError(
            f"{path}: {shown}{more}.",
            "Fix the file by hand or restore a backup with `onboard restore`; it was not changed.",
        )
    return ClientState(
        slug=slug,
        name=name,
        playbook=playbook,
        playbook_revision=revision,
        created=created,
        sections=sections,
        history=tuple(e for e in history if e),
        schema=schema,
        conflicts=conflicts,
    )
