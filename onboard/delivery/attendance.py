"""Attendance: every import kept as a source of its own, and one record per person merged from them.

Each import (the facilitator's attendance sheet, a Zoom or Teams report, a
later correction) is kept whole as a :class:`Source` for the days it
covers, with an :class:`Observation` per row of the file as it was read
(rows that match nobody too). An import never replaces another: what a
person's record says is worked out from every source whenever it is read
(:func:`merge`), by one rule, person by person and day by day:

1. Where an attendance sheet speaks (Present is Yes or No for that person
   on that day), it decides. Of two sheets that speak, the one imported
   later decides (a correction).
2. Where no sheet speaks (a blank Present cell, or no sheet for the day),
   a meeting report that lists the person makes them present.
3. On a day some source covers, a person no source saw is absent.

Every source that says otherwise than the decision is a
:class:`Disagreement`, listed where the import is reported and in
``onboard roster --json``. Minutes late, notes and LXP registration come
from the deciding sheet when it gives them (minutes late else from the
earliest join a report shows), and each keeps the source it came from.

A person a sheet marks present who is not on the roster is a walk-in: they
are on the roster from then on (:func:`roll`), with the sheet that saw them.
A report's row that matches nobody is listed but never counted, since a
meeting has hosts, guests and phones dialling in; the facilitator's sheet
vouches for a walk-in.

Every figure onboard shows or sends (took part, present and absent per
day, walk-ins, participants) comes from :func:`count`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar

from onboard.delivery.matching import match_marks
from onboard.delivery.roster import Person, Roster, name_key, split_full_name

if TYPE_CHECKING:
    from onboard.delivery.marks import AttendanceImport

T = TypeVar("T")
SHEET = "sheet"
REPORT = "report"
SOURCE_KINDS = {SHEET: "attendance sheet", REPORT: "meeting report"}


# ---------------------------------------------------------------- what is stored


@dataclass(frozen=True, slots=True)
class Source:
    """One imported file: its kind, the days it covers, and who imported it when.

    ``id`` is taken from the file's content and days (:func:`source_id`), so
    importing the same file again finds it already there.
    """

    id: str
    kind: str
    file: str
    days: tuple[date, ...]
    at: datetime | None = None
    by: str = ""
    platform: str = ""

    @property
    def label(self) -> str:
        """'Zoom report attendance-zoom.csv', 'attendance sheet Roster-Acme.xlsx'."""
        what = f"{self.platform} report" if self.platform else SOURCE_KINDS.get(self.kind, self.kind)
        return f"{what} {self.file}" if self.file else what

    def imported(self) -> float:
        """When it was imported, as a number that orders sources (a later sheet decides)."""
        return self.at.timestamp() if self.at else -math.inf


@dataclass(frozen=True, slots=True)
class Observation:
    """One row of a source as it was read: who, and what it says for each day it covers.

    ``present`` maps a day to True, False, or None where the row says
    nothing (a blank Present cell). A report's rows say only True.
    """

    source: str
    row: int
    email: str
    name: str
    present: Mapping[date, bool | None]
    minutes_late: int | None = None
    notes: str = ""
    lxp_registered: bool | None = None
    joined: datetime | None = None

    @property
    def key(self) -> str:
        return self.email.casefold() if self.email else "name:" + name_key(self.name)


@dataclass(frozen=True)
class AttendanceRecords:
    """What ``attendance.jsonl`` holds: the course days, the sources and their rows."""

    days: tuple[date, ...]
    sources: tuple[Source, ...] = ()
    observations: tuple[Observation, ...] = ()

    def source(self, ident: str) -> Source | None:
        return next((s for s in self.sources if s.id == ident), None)

    def with_source(
        self, source: Source, observations: Iterable[Observation], days: Sequence[date]
    ) -> AttendanceRecords:
        """These records with one more source (the same records when it is there already)."""
        if self.source(source.id) is not None:
            return self
        return AttendanceRecords(tuple(days), (*self.sources, source), (*self.observations, *observations))

    def without_source(self, ident: str) -> AttendanceRecords:
        return AttendanceRecords(
            self.days,
            tuple(s for s in self.sources if s.id != ident),
            tuple(o for o in self.observations if o.source != ident),
        )


def source_id(content: bytes, days: Iterable[date]) -> str:
    """The id of an import: the same file for the same days is the same source."""
    digest = hashlib.sha256(content)
    digest.update(",".join(d.isoformat() for d in sorted(days)).encode("ascii"))
    return digest.hexdigest()[:16]


def observations_of(
    imported: AttendanceImport,
    source: str,
    *,
    skip: Iterable[object] = (),
    start: time | None = None,
) -> list[Observation]:
    """The rows of an import as observations of ``source``, without the marks in ``skip``
    (the facilitator's or the host's own rows).

    For a report, ``start`` (the course's start, on a one-day course) gives
    the minutes late of the earliest join; a sheet says its own.
    """
    skipped = {id(mark) for mark in skip}
    shared: dict[tuple[object, ...], Any] = {}
    found = []
    for mark in imported.marks:
        if id(mark) in skipped:
            continue
        late = mark.minutes_late
        if imported.report:
            late = _late(mark.joined, start) if start is not None else None
        found.append(
            Observation(
                source=source,
                row=mark.row,
                email=mark.email,
                name=mark.name,
                present=share(shared, dict(mark.present)),
                minutes_late=late,
                notes=mark.notes,
                lxp_registered=mark.lxp_registered,
                joined=mark.joined,
            )
        )
    return found


def _late(joined: datetime | None, start: time) -> int | None:
    if joined is None:
        return None
    late = (joined - datetime.combine(joined.date(), start)).total_seconds() / 60
    return max(0, math.floor(late))


# ---------------------------------------------------------------- the merged record


@dataclass(frozen=True, slots=True)
class Attendee:
    """One person's attendance as merged: ``present`` maps a course day to True or False.

    ``decided_by`` names, for each day, the sources whose word stands (none:
    no source saw them); ``late_from``, ``notes_from`` and ``walk_in_from``
    the source of those values.
    """

    email: str
    name: str
    present: Mapping[date, bool] = field(default_factory=dict)
    minutes_late: int | None = None
    notes: str = ""
    on_roster: bool = True
    lxp_registered: bool | None = None
    decided_by: Mapping[date, tuple[str, ...]] = field(default_factory=dict)
    late_from: str = ""
    notes_from: str = ""
    walk_in_from: str = ""

    @property
    def key(self) -> str:
        return self.email.casefold() if self.email else "name:" + name_key(self.name)

    @property
    def attended(self) -> bool:
        return any(self.present.values())


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A source that says otherwise than the source whose word stands, for one person on one day."""

    name: str
    key: str
    day: date
    kept: bool
    kept_from: str
    other: bool
    other_from: str
    row: int


@dataclass(frozen=True, slots=True)
class Unknown:
    """Someone a meeting report lists who matches nobody on the roster (not counted)."""

    name: str
    email: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Attendance:
    """The attendance as the sources say it together: a record per person on the roster, then walk-ins."""

    days: tuple[date, ...]
    people: Sequence[Attendee]
    sources: tuple[Source, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()
    unknown: tuple[Unknown, ...] = ()
    ambiguous: tuple[Observation, ...] = ()

    def recorded_days(self) -> list[date]:
        return sorted({d for p in self.people for d in p.present})

    def absentees(self, day: date) -> list[Attendee]:
        return [p for p in self.people if p.present.get(day) is False]

    def __iter__(self) -> Iterator[Attendee]:
        return iter(self.people)

    def by_key(self) -> dict[str, Attendee]:
        return {record.key: record for record in self.people}

    def label(self, ident: str) -> str:
        """A source as a person reads it, by its id."""
        source = next((s for s in self.sources if s.id == ident), None)
        return source.label if source else ident

    def describe(self, disagreement: Disagreement) -> str:
        """'Pieter van der Berg, Fri 03 Apr 2026: absent by attendance sheet a.xlsx; present by Zoom
        report z.csv (row 8). Kept absent.'"""
        word = {True: "present", False: "absent"}
        d = disagreement
        return (
            f"{d.name}, {d.day:%a %d %b %Y}: {word[d.kept]} by {self.label(d.kept_from)}; "
            f"{word[d.other]} by {self.label(d.other_from)} (row {d.row}). Kept {word[d.kept]}."
        )


def merge(
    records: AttendanceRecords, roster: Roster | None, *, only: Collection[str] | None = None
) -> Attendance:
    """Every source of ``records`` merged, person by person, by the rule in the module's docstring.

    ``only`` (keys of people on the roster) leaves the records of everyone
    else on the roster out (the walk-ins are all there), for a command that
    needs the records of a few.
    """
    sources = {s.id: s for s in records.sources}
    observations = [o for o in records.observations if o.source in sources]
    people = list(roster.people) if roster is not None else []
    matching = match_marks(observations, Roster(people))
    if only is not None:
        people = [p for p in people if p.key in only]
    found: dict[str, list[Observation]] = {}
    for obs, person in matching.matched:
        found.setdefault(person.key, []).append(obs)
    walkers = _walk_in_candidates(matching.unmatched, sources)
    second = match_marks(matching.unmatched, Roster(walkers))
    for obs, person in second.matched:
        found.setdefault(person.key, []).append(obs)
    decide = _Decider(
        sources, _authority(records.sources), sorted({d for s in records.sources for d in s.days})
    )
    merged: list[Attendee] = []
    disagreements: list[Disagreement] = []
    for index, person in enumerate([*people, *walkers]):
        on_roster = index < len(people)
        record, said = decide(person, on_roster, found.get(person.key, []))
        if not on_roster and not record.attended:
            continue
        merged.append(record)
        disagreements.extend(said)
    unknown: dict[str, list[Observation]] = {}
    for obs in second.unmatched:
        if sources[obs.source].kind == REPORT:
            unknown.setdefault(obs.key, []).append(obs)
    return Attendance(
        days=tuple(sorted({*records.days, *decide.covered})),
        people=merged,
        sources=tuple(sorted(records.sources, key=Source.imported)),
        disagreements=tuple(disagreements),
        unknown=tuple(
            Unknown(group[0].name, group[0].email, tuple(sorted({o.source for o in group})))
            for group in unknown.values()
        ),
        ambiguous=tuple((*matching.ambiguous, *second.ambiguous)),
    )


def _walk_in_candidates(unmatched: Iterable[Observation], sources: Mapping[str, Source]) -> list[Person]:
    """One person for each someone a sheet marks present who is not on the roster, by name order."""
    by_email: dict[str, Person] = {}
    by_name: dict[str, Person] = {}
    for obs in unmatched:
        if sources[obs.source].kind != SHEET or not any(obs.present.values()):
            continue
        key = name_key(obs.name)
        if (obs.email and obs.email.casefold() in by_email) or (key and key in by_name):
            continue
        first, last = split_full_name(obs.name)
        person = Person(obs.email, first, last)
        if obs.email:
            by_email[obs.email.casefold()] = person
        if key:
            by_name[key] = person
    people = {id(p): p for p in (*by_email.values(), *by_name.values())}
    return sorted(people.values(), key=lambda p: (name_key(p.name), p.email.casefold()))


def share(shared: dict[tuple[object, ...], Any], days: Mapping[date, T]) -> Mapping[date, T]:
    """The mapping in ``shared`` equal to ``days``, kept there if it is the first such."""
    return shared.setdefault(tuple(days.items()), days)


def _authority(sources: Sequence[Source]) -> dict[str, int]:
    """Each source's rank, whose word counts first: sheets, the later imported first; then reports.

    Of two imported in the same second, the one added to the records later
    is the later.
    """
    order = {s.id: index for index, s in enumerate(sources)}
    ranked = sorted(sources, key=lambda s: (s.kind != SHEET, -s.imported(), -order[s.id]))
    return {s.id: rank for rank, s in enumerate(ranked)}


_Template = tuple[int, date, bool, str, bool, str]  # (observation's index, day, kept, by, other, from)
_Days = tuple[Mapping[date, bool], Mapping[date, tuple[str, ...]], list[_Template]]
_Outcome = tuple[dict[str, Any], list[_Template]]  # a record's values but its email and name; disagreements


class _Decider:
    """The rule of the module, person by person, for one set of sources.

    A record depends only on what the sources say, not on whom they say it
    of, so it is worked out once for each thing said and shared by everyone
    it fits: records alike share their ``present`` and ``decided_by`` (never
    changed once made), and 50,000 people cost a few decisions and mappings,
    not 100,000.
    """

    def __init__(
        self, sources: Mapping[str, Source], rank: Mapping[str, int], covered: Sequence[date]
    ) -> None:
        self.sources = sources
        self.rank = rank
        self.covered = covered
        self.sheets = {ident for ident, s in sources.items() if s.kind == SHEET}
        self._days: dict[tuple[object, ...], _Days] = {}
        self._outcomes: dict[tuple[object, ...], _Outcome] = {}
        self._shared: dict[tuple[object, ...], Any] = {}

    def __call__(
        self, person: Person, on_roster: bool, observations: Sequence[Observation]
    ) -> tuple[Attendee, list[Disagreement]]:
        """One person's record from what every source says of them, and the disagreements."""
        if len(observations) > 1:
            rank = self.rank
            observations = sorted(observations, key=lambda o: (rank[o.source], -o.row))
        said = (
            on_roster,
            *[(o.source, id(o.present), o.minutes_late, o.notes, o.lxp_registered) for o in observations],
        )
        outcome = self._outcomes.get(said)
        if outcome is None:
            outcome = self._outcomes[said] = self._decide(on_roster, observations)
        values, templates = outcome
        record = Attendee(email=person.email, name=person.name, **values)
        if not templates:
            return record, []
        name, key = person.name, person.key
        return record, [
            Disagreement(name, key, day, kept, by, other, other_from, observations[index].row)
            for index, day, kept, by, other, other_from in templates
        ]

    def _decide(self, on_roster: bool, by_authority: Sequence[Observation]) -> _Outcome:
        """A record's values but for who it is, from observations in order of authority;
        the disagreements, as templates."""
        pattern = tuple((o.source, id(o.present)) for o in by_authority)
        decided = self._days.get(pattern)
        if decided is None:
            decided = self._days[pattern] = self._decide_days(by_authority)
        present, decided_by, templates = decided
        sheets = [o for o in by_authority if o.source in self.sheets]
        late, late_from = None, ""
        if any(present.values()):
            given = [o for o in sheets if o.minutes_late is not None]
            if given:
                late, late_from = given[0].minutes_late, given[0].source
            else:
                joins = sorted((o.minutes_late, o.source) for o in by_authority if o.minutes_late is not None)
                if joins:
                    late, late_from = joins[0]
        noted = registered = vouching = None
        for obs in sheets:
            noted = noted or (obs if obs.notes else None)
            registered = registered or (obs if obs.lxp_registered is not None else None)
            if not on_roster and vouching is None and any(obs.present.values()):
                vouching = obs
        values = {
            "present": present,
            "minutes_late": late,
            "notes": noted.notes if noted else "",
            "on_roster": on_roster,
            "lxp_registered": registered.lxp_registered if registered else None,
            "decided_by": decided_by,
            "late_from": late_from,
            "notes_from": noted.source if noted else "",
            "walk_in_from": vouching.source if vouching is not None else "",
        }
        return values, templates

    def _decide_days(self, by_authority: Sequence[Observation]) -> _Days:
        """Each covered day's mark and the sources whose word stands; the disagreements, as templates."""
        sources = self.sources
        present: dict[date, bool] = {}
        decided_by: dict[date, tuple[str, ...]] = {}
        templates: list[_Template] = []
        for day in self.covered:
            said: list[tuple[int, Observation, bool]] = []
            for index, obs in enumerate(by_authority):
                told = obs.present.get(day)
                if told is not None and day in sources[obs.source].days:
                    said.append((index, obs, told))
            if said and said[0][1].source in self.sheets:
                decider = said[0][1].source
                value = any(told for _, obs, told in said if obs.source == decider)
                present[day], decided_by[day] = value, (decider,)
                seen: set[str] = set()
                for index, obs, told in said:
                    if obs.source != decider and told != value and obs.source not in seen:
                        seen.add(obs.source)
                        templates.append((index, day, value, decider, told, obs.source))
            else:
                seen = {obs.source for _, obs, told in said if told}
                by = tuple(sorted(seen)) if len(seen) > 1 else tuple(seen)
                present[day], decided_by[day] = bool(by), by
        templates.sort(key=lambda t: (t[1], t[5]))
        return share(self._shared, present), share(self._shared, decided_by), templates


def as_records(attendance: Attendance, source: Source) -> AttendanceRecords:
    """Merged records (as earlier versions stored them) as the records of one sheet, ``source``.

    Each record becomes a row that says what the record says, so merging
    them again gives the same marks.
    """
    observations = [
        Observation(
            source=source.id,
            row=index,
            email=person.email,
            name=person.name,
            present=dict(person.present),
            minutes_late=person.minutes_late,
            notes=person.notes,
            lxp_registered=person.lxp_registered,
        )
        for index, person in enumerate(attendance.people, 1)
    ]
    days = tuple(sorted({d for p in attendance.people for d in p.present}))
    return AttendanceRecords(tuple(attendance.days), (replace(source, days=days),), tuple(observations))


# ---------------------------------------------------------------- the one roster, the one count


WALK_IN_NOTE = "Walk-in"


def roll(roster: Roster | None, attendance: Attendance | None) -> list[Person]:
    """The roster as onboard shows, exports and counts it: the client's people, then the walk-ins.

    A walk-in's notes say so and name the sheet that saw them.
    """
    people = list(roster.people) if roster is not None else []
    if attendance is None:
        return people
    for record in attendance.people:
        if record.on_roster:
            continue
        first, last = split_full_name(record.name)
        seen = attendance.label(record.walk_in_from) if record.walk_in_from else "the attendance"
        people.append(Person(record.email, first, last, notes=f"{WALK_IN_NOTE}, seen by {seen}"))
    return people


@dataclass(frozen=True)
class Counts:
    """Every figure onboard shows or sends about who took part; made by :func:`count` alone.

    ``participants`` is who took part once attendance is recorded, the
    roster's size before (``participants_from`` says which), None when
    neither is there.
    """

    days: tuple[date, ...]
    took_part: int
    present: Mapping[date, int]
    absent: Mapping[date, tuple[str, ...]]
    walk_ins: tuple[str, ...]
    on_roster: int
    participants: int | None
    participants_from: str

    def absent_count(self, day: date) -> int:
        return len(self.absent.get(day, ()))


def count(roster: Roster | None, attendance: Attendance | None, days: Sequence[date] | None = None) -> Counts:
    """Count the roster and the attendance (of ``days``, else of every day recorded)."""
    records = list(attendance.people) if attendance is not None else []
    recorded = attendance.recorded_days() if attendance is not None else []
    wanted = tuple(days) if days is not None else tuple(recorded)
    present = {d: sum(1 for r in records if r.present.get(d)) for d in wanted}
    absent = {d: tuple(r.name or r.email for r in records if r.present.get(d) is False) for d in wanted}
    walk_ins = tuple(r.name or r.email for r in records if not r.on_roster)
    on_roster = len(roll(roster, attendance))
    took_part = sum(1 for r in records if r.attended)
    if recorded:
        participants, source = took_part, "attendance"
    elif on_roster:
        participants, source = on_roster, "roster"
    else:
        participants, source = None, ""
    return Counts(wanted, took_part, present, absent, walk_ins, on_roster, participants, source)


def listing(names: Sequence[str], limit: int = 10) -> str:
    """Names, the first few shown: 'Ada, Bob and 3 more'."""
    shown = ", ".join(names[:limit])
    more = len(names) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def change_summary(before: Mapping[str, Mapping[date, bool]], after: Attendance, source: Source) -> str:
    """What an import changed, for the client's history: per day, who is present now, and who changed.

    ``before`` is each person's marks before the import, by key.
    """
    counts = count(None, after, source.days)
    old = before
    parts = []
    for day in source.days:
        line = f"{day:%a %d %b}: {counts.present[day]} present, {counts.absent_count(day)} absent"
        turned = [
            ("+" if record.present.get(day) else "-") + (record.name or record.email)
            for record in after.people
            if day in record.present
            and record.key in old
            and day in old[record.key]
            and old[record.key][day] != record.present[day]
        ]
        if turned:
            line += f" ({listing(turned, 5)})"
        parts.append(line)
    disputed = [d.name for d in after.disagreements if source.id in (d.kept_from, d.other_from)]
    if disputed:
        parts.append(f"disagrees with another source on {listing(disputed, 5)}")
    return f"attendance from {source.label}: " + "; ".join(parts)
