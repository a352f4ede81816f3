"""The order of events across copies of a client: time first, then a counter, then the id.

Several people change copies of one client on their own machines; when the
copies meet (:mod:`onboard.core.merge`) their events are put in one order
that every machine computes alike: by time (``at``), then by ``clock``, a
counter one above the highest the event's machine knew (a Lamport clock),
then by id. Two rules at recording time make this order respect what each
person saw: an event is never stamped earlier than the latest event already
in its history (a slow clock cannot put a change before the one it
followed), and its ``clock`` is above every clock in that history (two
changes in the same second keep their order).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from operator import attrgetter

from onboard.core.state import Event


def instant(at: datetime) -> datetime:
    """``at`` as an aware time; a time without an offset (older files, tests) is read as UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def clock_of(event: Event) -> int:
    """The event's counter; older events without one count by their place in their file."""
    return event.clock or event.seq


def order_key(event: Event) -> tuple[datetime, int, str]:
    return instant(event.at), clock_of(event), event.id


def next_clock(history: Sequence[Event]) -> int:
    """One above every clock in ``history`` (the highest need not be the last event's)."""
    if not history:
        return 1
    highest: int = max(map(attrgetter("clock"), history))
    return max(highest, history[-1].seq) + 1


def not_before(at: datetime, history: Sequence[Event]) -> datetime:
    """``at``, or the time of the last event in ``history`` when that is later.

    A history is in time order (events are stamped so, and merges sort by
    time), so the last event is the latest.
    """
    if not history:
        return at
    latest = instant(history[-1].at)
    if instant(at) >= latest:
        return at
    return latest.astimezone(at.tzinfo) if at.tzinfo is not None else latest.replace(tzinfo=None)
