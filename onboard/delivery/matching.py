"""Which person on the roster an attendance mark is: by email, then by a name only one person has.

A mark nobody matched, or that more than one person's name fits, is told
apart from the host's or the facilitator's own rows (set aside, not
reported). A mark is a row of a file as read (:mod:`onboard.delivery.marks`)
or as stored (an observation of a source, :mod:`onboard.delivery.attendance`):
anything with an email and a name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from onboard.delivery.roster import Person, Roster, name_key


class Marked(Protocol):
    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str: ...


M = TypeVar("M", bound=Marked)


@dataclass
class Matching(Generic[M]):
    """The outcome of matching marks to the roster, each list in the file's order."""

    matched: list[tuple[M, Person]] = field(default_factory=list)
    unmatched: list[M] = field(default_factory=list)
    ambiguous: list[M] = field(default_factory=list)
    ignored: list[M] = field(default_factory=list)


def match_marks(
    marks: Iterable[M],
    roster: Roster,
    *,
    ignore_emails: Iterable[str] = (),
    ignore_names: Iterable[str] = (),
) -> Matching[M]:
    """Match each mark to a roster person by email, then by name (only when the name is unique).

    Marks of the people in ``ignore_*`` (the facilitator, the host) are set aside.
    """
    by_email: dict[str, Person] = {}
    for someone in roster.people:
        by_email.setdefault(someone.key, someone)
    found: list[tuple[M, Person | None]] = [
        (mark, by_email.get(mark.email.casefold()) if mark.email else None) for mark in marks
    ]
    by_name = _unique_names(roster, {name_key(m.name) for m, p in found if p is None and m.name})
    skip_emails = {e.casefold() for e in ignore_emails if e}
    skip_names = {name_key(n) for n in ignore_names if n}
    outcome: Matching[M] = Matching()
    for mark, person in found:
        key = name_key(mark.name) if person is None and mark.name else ""
        if person is None and key in by_name:
            person = by_name[key]
            if person is None:
                outcome.ambiguous.append(mark)
                continue
        if person is not None:
            outcome.matched.append((mark, person))
        elif mark.email.casefold() in skip_emails or name_key(mark.name) in skip_names:
            outcome.ignored.append(mark)
        else:
            outcome.unmatched.append(mark)
    return outcome


def _unique_names(roster: Roster, wanted: set[str]) -> dict[str, Person | None]:
    """The people whose name ('First Last' or 'Last, First') is wanted; None for a name two people share."""
    wanted.discard("")
    names: dict[str, Person | None] = {}
    if not wanted:
        return names
    for person in roster.people:
        for key in {name_key(person.name), name_key(f"{person.last_name}, {person.first_name}")}:
            if key in wanted:
                names[key] = person if key not in names else None
    return names
