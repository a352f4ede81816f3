"""Recording an attendance file against the stored roster, a row at a time, in flat memory.

Reading the file (:mod:`onboard.delivery.marks`), matching it to the roster
(:mod:`onboard.delivery.matching`) and merging it into the record
(:mod:`onboard.delivery.attendance`) are each plain data; this module joins them to
the files so that a file of 50,000 rows is recorded without holding its
rows, the roster or the stored attendance in memory: the rows wait in a
temporary file, and the new ``attendance.jsonl`` is written one record at
a time under the client's lock.
"""

from __future__ import annotations

import marshal
import struct
from array import array
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from onboard.delivery.attendance import AttendanceTally, RecordLookup, merge_person, merge_walk_ins
from onboard.delivery.datafiles import ATTENDANCE_FILE, RowsWriter, attendance_header, open_attendance
from onboard.delivery.jsonl import StoredRoster, jsonable
from onboard.delivery.marks import AttendanceScan, Mark
from onboard.delivery.matching import RosterMatcher
from onboard.delivery.roster import Roster
from onboard.delivery.stored import attendee_row

_LENGTH = struct.Struct("<I")  # before each parked mark: its size


class _Spool:
    """Marks parked in a temporary file while the rest of a file is read, read back by offset."""

    def __init__(self) -> None:
        import tempfile

        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self._end = 0
        self._at = -1

    def add(self, mark: Mark) -> int:
        data = marshal.dumps(
            (
                mark.row,
                mark.email,
                mark.name,
                tuple((d.toordinal(), v) for d, v in mark.present.items()),
                mark.minutes_late,
                mark.notes,
                mark.lxp_registered,
                mark.joined.isoformat() if mark.joined else None,
            )
        )
        if self._at != self._end:
            self._file.seek(self._end)
        offset = self._end
        self._file.write(_LENGTH.pack(len(data)) + data)
        self._end = self._at = offset + _LENGTH.size + len(data)
        return offset

    def read(self, offset: int) -> Mark:
        if self._at != offset:
            self._file.seek(offset)
        (size,) = _LENGTH.unpack(self._file.read(_LENGTH.size))
        row, email, name, present, late, notes, lxp, joined = marshal.loads(self._file.read(size))
        self._at = offset + _LENGTH.size + size
        return Mark(
            row,
            email,
            name,
            {date.fromordinal(o): v for o, v in present},
            late,
            notes,
            lxp,
            datetime.fromisoformat(joined) if joined else None,
        )

    def close(self) -> None:
        self._file.close()


class AttendanceRecorder:
    """Records an attendance file against the stored roster, a row at a time.

    :meth:`read` reads the file once: each usable row is matched to the
    roster by email (a :class:`~onboard.delivery.matching.RosterMatcher`) and parked
    in a temporary file, with where it is noted against the person's
    position on the roster; rows no email matched are matched by name at the
    end. Nothing is stored yet: the caller looks at :attr:`problems`,
    :attr:`days` and :attr:`matched` first. :meth:`commit` then, under the
    client's lock, walks the roster, the stored attendance and the parked
    rows together and writes the new attendance.jsonl, one record at a time.
    Memory holds a few bytes per person, never the people.
    """

    def __init__(
        self,
        roster: StoredRoster | Roster,
        *,
        ignore_emails: Iterable[str] = (),
        ignore_names: Iterable[str] = (),
    ) -> None:
        self.roster = roster
        self._matcher = RosterMatcher(
            lambda: iter(roster), ignore_emails=ignore_emails, ignore_names=ignore_names
        )
        self._spool = _Spool()
        self._first = array("q")  # where each person's first mark is parked (-1: none), by position
        self._more: dict[int, list[int]] = {}
        self.scan: AttendanceScan | None = None
        self.matched = 0
        self.ambiguous: list[Mark] = []
        self.unmatched: list[Mark] = []

    def _attach(self, position: int, offset: int) -> None:
        self.matched += 1
        if position >= len(self._first):
            self._first.extend([-1] * (position + 1 - len(self._first)))
        if self._first[position] < 0:
            self._first[position] = offset
        else:
            self._more.setdefault(position, []).append(offset)

    def read(self, scan: AttendanceScan) -> None:
        self.scan = scan
        pending: list[int] = []
        spool, by_email, attach = self._spool, self._matcher.by_email, self._attach
        for mark in scan.marks():
            offset = spool.add(mark)
            position = by_email(mark)
            if position is None:
                pending.append(offset)
            else:
                attach(position, offset)
        scan.finish()
        if pending:
            marks = [spool.read(offset) for offset in pending]
            for offset, mark, (kind, position) in zip(
                pending, marks, self._matcher.by_name(marks), strict=True
            ):
                if kind == "matched" and position is not None:
                    attach(position, offset)
                elif kind == "ambiguous":
                    self.ambiguous.append(mark)
                elif kind == "unmatched":
                    self.unmatched.append(scan.resolve(mark))

    @property
    def problems(self) -> list:
        return self.scan.problems if self.scan else []

    @property
    def count(self) -> int:
        """Usable rows read."""
        return self.scan.count if self.scan else 0

    @property
    def days(self) -> tuple[date, ...]:
        return self.scan.days if self.scan else ()

    @property
    def report(self) -> bool:
        return bool(self.scan and self.scan.report)

    def _marks_at(self, position: int) -> list[Mark]:
        first = self._first[position] if position < len(self._first) else -1
        if first < 0:
            return []
        offsets = [first, *sorted(self._more.get(position, ()))]
        assert self.scan is not None
        return [self.scan.resolve(self._spool.read(offset)) for offset in offsets]

    def commit(
        self,
        store: Any,
        slug: str,
        course: Sequence[date],
        source: dict[str, Any],
        *,
        start: time | None = None,
    ) -> tuple[Path, AttendanceTally]:
        """Merge what was read into the stored attendance (see
        :func:`onboard.delivery.attendance.merge_attendance`)."""
        scan = self.scan
        assert scan is not None
        covered = set(scan.days)
        in_course = set(course)
        late_from = start if scan.report and len(course) == 1 else None
        tally = AttendanceTally(scan.days)
        with store.lock(slug):
            folder = store.folder(slug)
            existing = open_attendance(folder)
            lookup = existing.lookup() if existing is not None else RecordLookup(())
            sources = [*(existing.sources if existing is not None else []), jsonable(source)][-20:]
            with RowsWriter(folder, ATTENDANCE_FILE, attendance_header(course, sources)) as out:
                # (a stored roster checks it is still the file read above, or stops)
                for position, person in enumerate(self.roster):
                    record = merge_person(
                        lookup.pop(person.key),
                        person,
                        self._marks_at(position),
                        in_course,
                        covered,
                        late_from,
                    )
                    out.write(attendee_row(record))
                    tally.add(record)
                walk_ins = () if scan.report else self.unmatched
                for record in merge_walk_ins(lookup.rest(), walk_ins, covered):
                    out.write(attendee_row(record))
                    tally.add(record)
                return out.commit(verified=True), tally

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> AttendanceRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
