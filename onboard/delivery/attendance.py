"""The attendance record, and how an import changes it.

Every person on the roster has an :class:`Attendee` record saying, for each
course day, present or absent; walk-ins (people marked present who are not
on the roster) have one too. An import replaces the days it covers and
leaves the others (:func:`merge_attendance`); :class:`AttendanceTally`
counts what the import reports.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from onboard.delivery.marks import AttendanceImport, Mark
from onboard.delivery.matching import Matching
from onboard.delivery.roster import Person, Roster, name_key


@dataclass(slots=True)
class Attendee:
    """One person's attendance: ``present`` maps a course day to True (present) or False (absent)."""

    email: str
    name: str
    present: dict[date, bool] = field(default_factory=dict)
    minutes_late: int | None = None
    notes: str = ""
    on_roster: bool = True
    lxp_registered: bool | None = None

    @property
    def key(self) -> str:
        return self.email.casefold() if self.email else "name:" + name_key(self.name)

    @property
    def attended(self) -> bool:
        return any(self.present.values())


@dataclass
class Attendance:
    days: tuple[date, ...]
    people: list[Attendee]
    sources: list[dict[str, Any]] = field(default_factory=list)

    def present_count(self) -> int:
        """People present on at least one day of the course."""
        return sum(1 for person in self.people if person.attended)

    def recorded_days(self) -> list[date]:
        return [d for d in self.days if any(d in p.present for p in self.people)]

    def absentees(self, day: date) -> list[Attendee]:
        return [p for p in self.people if p.present.get(day) is False]

    def __iter__(self) -> Iterator[Attendee]:
        return iter(self.people)

    def by_key(self) -> dict[str, Attendee]:
        """The records by :attr:`Attendee.key` (the last one of a key, should a file repeat it)."""
        return {record.key: record for record in self.people}


def _merge_person(
    record: Attendee | None,
    person: Person,
    marks: Iterable[Mark],
    days: Container[date],
    covered: set[date],
    start: time | None = None,
) -> Attendee:
    """One roster person's record after an import.

    ``record`` is the stored one (None: none yet); ``marks`` the import's
    rows matched to the person; ``start`` (for a one-day meeting report)
    the start time that minutes late count from.
    """
    if record is None:
        record = Attendee(person.email, person.name)
    record.email, record.name, record.on_roster = person.email, person.name, True
    record.present = {d: v for d, v in record.present.items() if d in days and d not in covered}
    earliest: datetime | None = None
    for mark in marks:
        _apply_mark(record, mark, covered)
        if mark.joined and (earliest is None or mark.joined < earliest):
            earliest = mark.joined
    for d in covered:
        record.present.setdefault(d, False)
    if start is not None and earliest is not None:
        late = (earliest - datetime.combine(earliest.date(), start)).total_seconds() / 60
        record.minutes_late = max(0, math.floor(late))
    return record


def _merge_walk_ins(old: Iterable[Attendee], marks: Iterable[Mark], covered: set[date]) -> Iterator[Attendee]:
    """The walk-ins after an import of a sheet: those recorded before (with the import's rows for
    them), then the import's unmatched rows marked present on some day, one record per person."""
    new: dict[str, list[Mark]] = {}
    for mark in marks:
        if any(mark.present.values()):
            new.setdefault(Attendee(mark.email, mark.name).key, []).append(mark)
    for record in old:
        if record.on_roster:
            continue
        for mark in new.pop(record.key, ()):
            _apply_mark(record, mark, covered)
        yield record
    for group in new.values():
        record = Attendee(group[0].email, group[0].name, on_roster=False)
        for mark in group:
            _apply_mark(record, mark, covered)
        yield record


def merge_attendance(
    existing: Attendance | None,
    roster: Roster,
    days: Sequence[date],
    imported: AttendanceImport,
    matching: Matching,
    source: dict[str, Any],
    *,
    start: time | None = None,
) -> Attendance:
    """The stored attendance with an import applied: the days it covers are replaced.

    Everyone on the roster has a record, absent on an imported day unless the
    file says otherwise (a report lists those who came; a sheet's blanks on a
    marked day are absences too); walk-ins (unmatched rows of a sheet
    marked present) are added as not on the roster. A meeting report's
    unmatched people are only reported, never added.
    """
    records = existing.by_key() if existing else {}
    covered = set(imported.days)
    in_course = set(days)
    late_from = start if imported.report and len(days) == 1 else None
    groups: dict[str, list[Mark]] = {}
    for mark, person in matching.matched:
        groups.setdefault(person.key, []).append(mark)
    people = [
        _merge_person(records.pop(p.key, None), p, groups.pop(p.key, ()), in_course, covered, late_from)
        for p in roster.people
    ]
    people.extend(_merge_walk_ins(records.values(), () if imported.report else matching.unmatched, covered))
    sources = [*(existing.sources if existing else []), source]
    return Attendance(tuple(days), people, sources[-20:])


def _apply_mark(record: Attendee, mark: Mark, covered: set[date]) -> None:
    for d, value in mark.present.items():
        if d in covered and value is not None:
            record.present[d] = bool(value) or record.present.get(d, False)
    if mark.minutes_late is not None:
        record.minutes_late = mark.minutes_late
    if mark.notes:
        record.notes = mark.notes
    if mark.lxp_registered is not None:
        record.lxp_registered = mark.lxp_registered


class Names:
    """Names counted, the first few kept: 'Ada, Bob and 3 more'."""

    def __init__(self, limit: int = 10) -> None:
        self.limit = limit
        self.count = 0
        self.names: list[str] = []

    def add(self, name: str) -> None:
        self.count += 1
        if len(self.names) < self.limit:
            self.names.append(name)

    def __str__(self) -> str:
        shown = ", ".join(self.names)
        more = self.count - len(self.names)
        return shown + (f" and {more} more" if more > 0 else "")


class AttendanceTally:
    """What recorded attendance says about some of its days: who took part, who was absent, walk-ins."""

    def __init__(self, days: Sequence[date]) -> None:
        self.days = tuple(days)
        self.attended = 0
        self.present: Counter[date] = Counter()
        self.absent = {d: Names() for d in self.days}
        self.walk_ins = Names()

    @classmethod
    def of(cls, attendance: Attendance, days: Sequence[date]) -> AttendanceTally:
        tally = cls(days)
        for record in attendance:
            tally.add(record)
        return tally

    def add(self, record: Attendee) -> None:
        if record.attended:
            self.attended += 1
        label = record.name or record.email
        if not record.on_roster:
            self.walk_ins.add(label)
        for d in self.days:
            value = record.present.get(d)
            if value:
                self.present[d] += 1
            elif value is False:
                self.absent[d].add(label)
