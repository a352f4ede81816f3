"""Which person on the roster an attendance mark is: by email, then by a name only one person has.

The matcher answers with positions on the roster rather than people, so
the roster may be a file read again rather than a list in memory, and a
mark nobody matched, or that more than one person's name fits, is told
apart from the host's or the facilitator's own rows (set aside, not
reported). Reading the file is :mod:`onboard.delivery.marks`; what a match changes is
:mod:`onboard.delivery.attendance`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from onboard.delivery.keyindex import KeyIndex
from onboard.delivery.marks import Mark
from onboard.delivery.roster import Person, Roster, name_key


@dataclass
class Matching:
    """The outcome of matching marks to the roster."""

    matched: list[tuple[Mark, Person]] = field(default_factory=list)
    unmatched: list[Mark] = field(default_factory=list)
    ambiguous: list[Mark] = field(default_factory=list)
    ignored: list[Mark] = field(default_factory=list)


LOOK_AHEAD = 16  # roster people a row may skip (rows deleted from the sheet) and still match in order


class RosterMatcher:
    """Finds the roster person of an attendance mark: by email, then by a name only one person has.

    It answers with positions on the roster, so the roster may be a file read
    again rather than a list in memory: ``people`` returns a fresh iteration
    each time it is called. Rows of our own sheet come in the roster's order,
    so emails are first matched by walking the roster alongside them
    (skipping up to :data:`LOOK_AHEAD` people whose rows were deleted); the
    first row out of that order (a walk-in, a sorted sheet) makes an index
    of every email (a :class:`KeyIndex`), used from then on. Names are looked
    up with one more pass, for the marks no email matched (:meth:`by_name`).
    Marks of the people in ``ignore_*`` (the facilitator, the host) are set
    aside rather than reported.
    """

    def __init__(
        self,
        people: Callable[[], Iterable[Person]],
        *,
        ignore_emails: Iterable[str] = (),
        ignore_names: Iterable[str] = (),
    ) -> None:
        self._people = people
        self._walk: Iterator[Person] | None = iter(people())
        self._ahead: deque[Person] = deque()  # the next few people on the roster, read but not matched
        self._position = 0  # of the first of them
        self._emails: KeyIndex | None = None
        self._skip_emails = {e.casefold() for e in ignore_emails if e}
        self._skip_names = {name_key(n) for n in ignore_names if n}

    def _index(self) -> KeyIndex:
        if self._emails is None:
            self._walk = None
            self._ahead.clear()
            self._emails = KeyIndex()
            for position, person in enumerate(self._people()):
                self._emails.setdefault(person.key, position)
        return self._emails

    def by_email(self, mark: Mark) -> int | None:
        if not mark.email:
            return None
        key = mark.email.casefold()
        if self._walk is not None:
            ahead = self._ahead
            for skip in range(LOOK_AHEAD):
                if skip == len(ahead):
                    person = next(self._walk, None)
                    if person is None:
                        break
                    ahead.append(person)
                if ahead[skip].key == key:  # those skipped have no row: they were deleted from the sheet
                    for _ in range(skip + 1):
                        ahead.popleft()
                    self._position += skip + 1
                    return self._position - 1
        return self._index().get(key)

    def by_name(self, marks: Sequence[Mark]) -> list[tuple[str, int | None]]:
        """For marks no email matched, in order: ("matched", position), or ("ambiguous", None),
        ("ignored", None), ("unmatched", None)."""
        wanted = {name_key(m.name) for m in marks if m.name}
        wanted.discard("")
        found: dict[str, list[int]] = {}
        if wanted:
            for position, person in enumerate(self._people()):
                for key in {name_key(person.name), name_key(f"{person.last_name}, {person.first_name}")}:
                    if key in wanted:
                        found.setdefault(key, []).append(position)
        outcome: list[tuple[str, int | None]] = []
        for mark in marks:
            if mark.name:
                candidates = found.get(name_key(mark.name), [])
                if len(candidates) == 1:
                    outcome.append(("matched", candidates[0]))
                    continue
                if len(candidates) > 1:
                    outcome.append(("ambiguous", None))
                    continue
            if mark.email.casefold() in self._skip_emails or name_key(mark.name) in self._skip_names:
                outcome.append(("ignored", None))
            else:
                outcome.append(("unmatched", None))
        return outcome


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
    marks = list(marks)
    people = roster.people
    matcher = RosterMatcher(lambda: people, ignore_emails=ignore_emails, ignore_names=ignore_names)
    results: list[tuple[str, int | None]] = []
    pending: list[int] = []
    for number, mark in enumerate(marks):
        position = matcher.by_email(mark)
        results.append(("matched", position))
        if position is None:
            pending.append(number)
    for number, result in zip(pending, matcher.by_name([marks[n] for n in pending]), strict=True):
        results[number] = result
    outcome = Matching()
    for mark, (kind, position) in zip(marks, results, strict=True):
        if kind == "matched" and position is not None:
            outcome.matched.append((mark, people[position]))
        else:
            getattr(outcome, kind).append(mark)
    return outcome
