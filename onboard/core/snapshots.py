"""Figures recorded as of a moment, and whether the records changed after that moment.

Who took part and how the course was rated are worked out from the
delivery's records whenever they are shown or sent. A step may still record
such a figure (close-delivery's participant count and eval score, typed
into another system that day): that is a dated snapshot, true of the
records as they stood then. Every import of records is an event in the
client's history, so the history alone tells whether a snapshot still
stands: :func:`stale_snapshot` finds the imports (and undos of imports)
after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onboard.core.state import ClientState, Event

SNAPSHOT_FIELDS = ("participant_count", "eval_score")
"""Facts a step records as of a moment that the records also give (computed afresh elsewhere)."""


@dataclass(frozen=True)
class StaleSnapshot:
    """A snapshot of figures, and the changes to the records made after it."""

    taken: Event
    values: dict[str, object]
    changes: tuple[Event, ...]

    def lines(self) -> list[str]:
        """What status and check say about it: when the figures were recorded, and what changed since."""
        recorded = ", ".join(f"{name} {value}" for name, value in self.values.items())
        step = f" ({self.taken.step})" if self.taken.step else ""
        head = (
            f"The records changed after {recorded} was recorded on {self.taken.at:%Y-%m-%d}{step}; "
            "emails and exports use the records as they are now:"
        )
        return [head, *(f"  #{e.seq} {e.at:%Y-%m-%d %H:%M} {e.summary}" for e in self.changes)]


def stale_snapshot(state: ClientState, fields: Sequence[str] = SNAPSHOT_FIELDS) -> StaleSnapshot | None:
    """The latest snapshot of ``fields`` if the records changed after it was taken, else None.

    A change is an import that still stands, or the undo of an import the
    snapshot counted; an import made and undone after the snapshot cancels out.
    """
    history = state.history
    undone = {e.target for e in history if e.action == "undo"}
    standing = [e for e in history if e.action != "undo" and e.seq not in undone]
    paths = {f"facts.{name}" for name in fields}
    taken = next((e for e in reversed(standing) if paths & set(e.set)), None)
    if taken is None:
        return None
    by_seq = {e.seq: e for e in history}
    changes = []
    for event in history:
        if event.seq <= taken.seq or not event.records:
            continue
        if event.action == "undo":
            target = by_seq.get(event.target) if event.target is not None else None
            if target is not None and target.seq < taken.seq:
                changes.append(event)
        elif event.seq not in undone:
            changes.append(event)
    if not changes:
        return None
    values = {name: state.facts[name] for name in fields if state.facts.get(name) is not None}
    return StaleSnapshot(taken, values, tuple(changes))
