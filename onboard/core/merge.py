"""Merging two copies of a client by their histories, and settling what they disagree on.

Two people change the same client on their own machines; git brings the two
``client.toml`` files together with their common ancestor. The merge never
compares the files line by line. It takes the events of both histories
(every event has a stable id, :func:`onboard.core.state.event_id`), keeps
every event either side has, drops the ones one side removed since the
ancestor (``onboard restore``), orders them by time with a stable tie-break
(:mod:`onboard.core.clock`) and replays them to produce the state. The
result depends only on the events, so whichever side merges, and in
whichever order several copies meet, every copy ends with the same file.

Where both sides changed the same thing differently since the ancestor (set
one fact to two values, did the same step with different outcomes, assigned
a role to two people, postponed a step to two dates) the later event wins,
as replaying does, and a :class:`~onboard.core.conflicts.Conflict` records
what was overridden. So does an undo on one side of an event the other side
built on (a step done that waits for the undone one). A conflict stays open
until someone settles it (:func:`settle`, ``onboard resolve``).

Pure functions: nothing here reads a file or the clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from onboard.core.clock import order_key
from onboard.core.conflicts import Conflict, ConflictKind, Keep, Settled, merge_conflicts
from onboard.core.state import ClientState, Event, apply_changes, empty_sections, split_path
from onboard.errors import OnboardError


@dataclass(frozen=True)
class MergeResult:
    """The merged client, the conflicts this merge found, and how many events each side brought."""

    state: ClientState
    new_conflicts: tuple[Conflict, ...]
    from_ours: int
    from_theirs: int


def merge(
    base: ClientState | None,
    ours: ClientState,
    theirs: ClientState,
    needs: Mapping[str, Collection[str]] | None = None,
) -> MergeResult:
    """Merge ``ours`` and ``theirs`` since ``base`` (None when the two have no common ancestor).

    ``needs`` maps a step id to the steps it builds on (its ``after`` steps
    and the steps that open its gate), from the playbook; without it an undo
    is only a conflict where both sides touched the same values.
    """
    _check_same_client(ours, theirs)
    base_ids = {e.id for e in base.history} if base else set()
    our_ids = {e.id for e in ours.history}
    their_ids = {e.id for e in theirs.history}
    removed = (base_ids - our_ids) | (base_ids - their_ids)
    mine = our_ids - their_ids - base_ids
    yours = their_ids - our_ids - base_ids
    conflicts = merge_conflicts(ours.conflicts, theirs.conflicts)
    kept = (our_ids | their_ids) - removed
    if kept == our_ids and (kept != their_ids or _same_order(ours, theirs)):
        return MergeResult(replace(ours, conflicts=conflicts), (), len(mine), 0)
    if kept == their_ids and kept != our_ids:
        return MergeResult(replace(theirs, conflicts=conflicts), (), 0, len(yours))

    events: dict[str, Event] = {}
    targets: dict[str, str | None] = {}
    for side in (ours, theirs):
        by_seq = {e.seq: e.id for e in side.history}
        for event in side.history:
            if event.id not in events and event.id not in removed:
                events[event.id] = event
                targets[event.id] = by_seq.get(event.target) if event.target is not None else None
    ordered = sorted(events.values(), key=order_key)
    history, sections, revision = _replay(ordered, targets, ours.playbook_revision)

    position = {e.id: i for i, e in enumerate(history)}
    found = _value_conflicts(history, mine, yours) + _undo_conflicts(history, mine, yours, needs or {})
    found = [c for c in found if c.kept in position and c.other in position]
    known = {c.id for c in conflicts}
    fresh = tuple(c for c in found if c.id not in known)
    state = replace(
        ours,
        name=_pick(base.name if base else None, ours.name, theirs.name),
        created=min(ours.created, theirs.created),
        schema=max(ours.schema, theirs.schema),
        sections=sections,
        playbook_revision=revision,
        history=tuple(history),
        conflicts=merge_conflicts(conflicts, fresh),
    )
    return MergeResult(state, fresh, len(mine), len(yours))


def _check_same_client(ours: ClientState, theirs: ClientState) -> None:
    if (ours.slug, ours.playbook) != (theirs.slug, theirs.playbook):
        raise OnboardError(
            f"Two different clients share the folder {ours.slug!r}: one on {ours.playbook!r}, "
            f"the other {theirs.slug!r} on {theirs.playbook!r}.",
            "Rename one of the folders (and its slug) on one side, then merge again.",
        )


def _same_order(ours: ClientState, theirs: ClientState) -> bool:
    return [e.id for e in ours.history] == [e.id for e in theirs.history]


def _pick(base: str | None, ours: str, theirs: str) -> str:
    """A header value changed on one side wins; changed on both, the same one on every machine."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    return max(ours, theirs)


def _replay(
    ordered: Sequence[Event], targets: Mapping[str, str | None], revision: int
) -> tuple[list[Event], dict[str, dict[str, Any]], int]:
    """Renumber the events, point undos at their targets' new numbers, and replay them.

    Each event's ``before`` is taken afresh from the merged order, so that
    undoing it after the merge restores what stood before it here.
    """
    seqs = {e.id: i + 1 for i, e in enumerate(ordered)}
    sections: dict[str, dict[str, Any]] = empty_sections()
    history = []
    for index, event in enumerate(ordered):
        before = {}
        for path in event.paths():
            value = revision if path == "meta.playbook_revision" else _get(sections, path)
            if value is not None:
                before[path] = value
        target = targets.get(event.id)
        history.append(
            replace(
                event,
                seq=index + 1,
                target=seqs.get(target) if target else None,
                before=before,
                clock=event.clock or event.seq,
            )
        )
        sections = apply_changes(sections, event.set, event.unset)
        revision = event.set.get("meta.playbook_revision", revision)
    return history, sections, revision


def _get(sections: Mapping[str, Mapping[str, Any]], path: str) -> Any:
    section, key = split_path(path)
    return sections.get(section, {}).get(key)


# --- conflicts ---------------------------------------------------------------------


def _value_of(event: Event, path: str) -> Any:
    return event.set.get(path) if path in event.set else None


def same_value(path: str, a: Any, b: Any) -> bool:
    """Whether two outcomes for ``path`` agree as a person would judge them.

    A step counts by its status (who recorded it and when may differ), a
    role by the person's name, a gate by being open; anything else by value.
    """
    section = path.partition(".")[0]
    if a is None or b is None:
        return a is None and b is None
    if section == "steps":
        return bool(a.get("status") == b.get("status"))
    if section == "roles":
        return str(a.get("name", "")).casefold() == str(b.get("name", "")).casefold()
    if section == "gates":
        return True
    return bool(a == b)


def _last_writes(history: Sequence[Event], ids: Collection[str]) -> dict[str, Event]:
    last: dict[str, Event] = {}
    for event in history:
        if event.id in ids:
            for path in event.paths():
                last[path] = event
    return last


def _value_conflicts(
    history: Sequence[Event], mine: Collection[str], yours: Collection[str]
) -> list[Conflict]:
    ours, theirs = _last_writes(history, mine), _last_writes(history, yours)
    position = {e.id: i for i, e in enumerate(history)}
    found = []
    for path in sorted(ours.keys() & theirs.keys()):
        a, b = ours[path], theirs[path]
        if same_value(path, _value_of(a, path), _value_of(b, path)):
            continue
        kept, other = (a, b) if position[a.id] > position[b.id] else (b, a)
        summary = (
            f"{describe(path)}: kept {show(path, _value_of(kept, path))} ({kept.by}: {kept.summary}), "
            f"over {show(path, _value_of(other, path))} ({other.by}: {other.summary})"
        )
        found.append(_conflict(ConflictKind.VALUE, path, kept, other, summary))
    return found


def _undo_conflicts(
    history: Sequence[Event],
    mine: Collection[str],
    yours: Collection[str],
    needs: Mapping[str, Collection[str]],
) -> list[Conflict]:
    by_seq = {e.seq: e for e in history}
    found = []
    for undoers, builders in ((mine, yours), (yours, mine)):
        for undo in (e for e in history if e.id in undoers and e.action == "undo"):
            undone = by_seq.get(undo.target) if undo.target is not None else None
            if undone is None or undone.id in undoers or not undone.step:
                continue
            for event in history:
                if event.id in builders and event.step and undone.step in needs.get(event.step, ()):
                    summary = (
                        f"{describe(f'steps.{undone.step}')}: {undo.by} undid it ({undo.summary}), "
                        f"but {event.by} went on from it ({event.summary}); the undo stands"
                    )
                    found.append(_conflict(ConflictKind.UNDO, f"steps.{undone.step}", undo, event, summary))
    return found


def _conflict(kind: ConflictKind, path: str, kept: Event, other: Event, summary: str) -> Conflict:
    text = "\n".join([kind.value, path, *sorted((kept.id, other.id))])
    ident = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return Conflict(id=ident, kind=kind, path=path, kept=kept.id, other=other.id, summary=summary)


def describe(path: str) -> str:
    """A path as a person says it: ``facts.budget`` is "budget", ``steps.x`` is "step x"."""
    section, _, key = path.partition(".")
    names = {"steps": "step", "roles": "role", "gates": "gate", "due": "due date of"}
    if section == "facts":
        return key
    if section == "meta":
        return "playbook revision"
    return f"{names.get(section, section)} {key}"


def show(path: str, value: Any) -> str:
    """A value as the conflict line shows it."""
    section = path.partition(".")[0]
    if value is None:
        return "nothing (removed)" if section != "steps" else "not done"
    if section == "steps":
        return str(value.get("status", "recorded"))
    if section == "roles":
        return str(value.get("name", "someone"))
    if section == "gates":
        return "open"
    return repr(value) if isinstance(value, str) else str(value)


# --- settling ----------------------------------------------------------------------


def open_conflicts(state: ClientState) -> tuple[Conflict, ...]:
    return tuple(c for c in state.conflicts if c.open)


def find_conflict(state: ClientState, wanted: str | None) -> Conflict:
    """The open conflict named by (a prefix of) its id, or the only one when none is named."""
    pending = open_conflicts(state)
    if wanted is None:
        if not pending:
            raise OnboardError(f"{state.name} has no open conflict.")
        if len(pending) == 1:
            return pending[0]
        raise OnboardError(
            f"{state.name} has {len(pending)} open conflicts: {', '.join(c.id for c in pending)}.",
            f"Name one: onboard resolve {state.slug} ID --keep kept|other.",
        )
    matches = [c for c in state.conflicts if c.id.startswith(wanted.strip().lower())]
    if len(matches) != 1:
        raise OnboardError(
            f"{state.name} has no conflict {wanted!r}"
            + (f" (open: {', '.join(c.id for c in pending)})." if pending else "."),
            f"See them with `onboard resolve {state.slug}`.",
        )
    if not matches[0].open:
        raise OnboardError(f"Conflict {matches[0].id} of {state.name} is already settled.")
    return matches[0]


def settle(
    state: ClientState,
    conflict: Conflict,
    keep: Keep,
    *,
    now: datetime,
    by: str,
    value: Any = None,
) -> ClientState:
    """Settle a conflict: keep the rule's choice, bring back the other side, or set ``value``.

    The change (if any) is an ordinary event in the history, so it can be
    undone, and the conflict is marked settled with who decided and how.
    """
    from onboard.core.engine import record

    events = {e.id: e for e in state.history}
    set_: dict[str, Any] = {}
    unset: tuple[str, ...] = ()
    if keep is Keep.OTHER:
        source = events.get(conflict.other)
        if conflict.kind is ConflictKind.UNDO:
            undo = events.get(conflict.kept)
            source = next((e for e in state.history if undo and e.seq == undo.target), None)
        if source is None:
            raise OnboardError(
                f"The change that conflict {conflict.id} would bring back is no longer in the history.",
                "Settle it with --keep kept, or set the value yourself.",
            )
        paths = source.paths() if conflict.kind is ConflictKind.UNDO else (conflict.path,)
        set_ = {p: source.set[p] for p in paths if p in source.set and state.get(p) != source.set[p]}
        unset = tuple(p for p in paths if p in source.unset and state.get(p) is not None)
        what = "brought back " + (show(conflict.path, source.set.get(conflict.path)))
    elif keep is Keep.VALUE:
        if value is None:
            raise OnboardError("Settling with a value of your own needs the value.", "Pass --value VALUE.")
        set_ = {conflict.path: value}
        what = f"set {show(conflict.path, value)}"
    else:
        what = "kept " + show(conflict.path, state.get(conflict.path))
    settled = replace(conflict, settled=Settled(by=by, at=now.replace(microsecond=0), keep=keep))
    conflicts = tuple(settled if c.id == conflict.id else c for c in state.conflicts)
    summary = f"settled conflict {conflict.id} on {describe(conflict.path)}: {what}"
    new_state = record(state, action="resolve", summary=summary, now=now, by=by, set_=set_, unset=unset)
    return replace(new_state, conflicts=conflicts)


def needs_from_steps(
    steps: Iterable[tuple[str, Collection[str], str | None]], openers: Mapping[str, str]
) -> dict[str, set[str]]:
    """``needs`` for :func:`merge`: each step's ``after`` steps and the step that opens its gate.

    ``steps`` holds (step id, after, gate); ``openers`` maps a gate to the step that opens it.
    """
    needs: dict[str, set[str]] = {}
    for step_id, after, gate in steps:
        needs[step_id] = set(after)
        if gate and gate in openers:
            needs[step_id].add(openers[gate])
    return needs
