"""Which person on the roster an attendance mark is: by email, then by a name only one person has.

A mark nobody matched, or that more than one person's name fits, is told
apart from the host's or the facilitator's own rows (set aside, not
reported). Reading the file is :mod:`onboard.delivery.marks`; what a match
changes is :mod:`onboard.delivery.attendance`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from onboard.delivery.marks import Mark
from onboard.delivery.roster import Person, Roster, name_key


@dataclass
class Matching:
    """The outcome of matching marks to the roster, each list in the file's order."""

    matched: list[tuple[Mark, Person]] = field(default_factory=list)
    unmatched: list[Mark] = field(default_factory=list)
    ambiguous: list[Mark] = field(default_factory=list)
    ignored: list[Mark] = field(default_factory=list)


def match_marks(
    marks: Iterable[Mark],
    roster: Roster,
    *,
    ignore_emails: Iterable[str] = (),
    ignore_names: Iterable[str] = (),
) -> Matching:
    """Match each mark to a roster person by email, then by name (only when the name is unique).

    Marks of the people in ``ignore_*`` (the facilitator, the host) are set aside.
    """
    by_email: dict[str, Person] = {}
    for someone in roster.people:
        by_email.setdefault(someone.key, someone)
    found: list[tuple[Mark, Person | None]] = [
        (mark, by_email.get(mark.email.casefold()) if mark.email else None) for mark in marks
    ]
    by_name = _unique_names(roster, {name_key(m.name) for m, p in found if p is None and m.name})
    skip_emails = {e.casefold() for e in ignore_emails if e}
    skip_names = {name_key(n) for n in ignore_names if n}
    outcome = Matching()
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
