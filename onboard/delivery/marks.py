"""Reading an attendance file into marks: one of our sheets (Present per day) or a meeting report.

A :class:`Mark` is one row of such a file before it is matched to anybody.
The rules of reading the file live here: which day a meeting report (Zoom's
or Teams' attendance list) is for, when a blank Present cell is an absence,
where our sheet's rows end (the :data:`FOOT_MARK` row). Matching the marks
to the roster is :mod:`onboard.delivery.matching`, merging them into the record
:mod:`onboard.delivery.attendance`.

:class:`AttendanceScan` yields the marks as they are read, so a large file
is streamed; :func:`parse_attendance` is the same steps collected into a
list.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from onboard.delivery.cells import (
    CellError,
    Problem,
    cell_at,
    clean,
    column_letter,
    email_value,
    is_blank,
    number_value,
    text_value,
    yes_no_value,
)
from onboard.delivery.headers import HeaderMap, find_header, headers_seen
from onboard.errors import OnboardError

FOOT_MARK = "Totals"  # the first cell of the row under the people in our sheet: the rows end there


@dataclass(slots=True)
class Mark:
    """One row of an attendance file, before matching."""

    row: int
    email: str
    name: str
    present: dict[date, bool | None]
    minutes_late: int | None = None
    notes: str = ""
    lxp_registered: bool | None = None
    joined: datetime | None = None


@dataclass
class AttendanceImport:
    marks: list[Mark]
    days: tuple[date, ...]
    report: bool
    problems: list[Problem] = field(default_factory=list)
    header: HeaderMap | None = None


def _attendance_header_score(header: HeaderMap) -> int:
    has_email = "email" in header.columns
    if not (has_email or header.has_name):
        return 0
    if header.present:
        return 3
    return 1 + int(has_email and header.has_name)


class AttendanceScan:
    """An attendance file read one row at a time (see :func:`parse_attendance`).

    :meth:`marks` yields each usable row as a :class:`Mark` with its Present
    values as written (None for a blank), so a caller can stream them
    somewhere instead of holding them. Whether a blank is an absence depends
    on the whole column, so once the rows are read :meth:`finish` works out
    the days the file covers and :meth:`resolve` settles each mark.
    """

    def __init__(
        self,
        rows: Iterable[tuple[int, Sequence[object]]],
        source: str,
        course: Sequence[date],
        *,
        day: date | None = None,
    ) -> None:
        header, buffered, rest = find_header(iter(rows), _attendance_header_score, days=course)
        if header is None or not ("email" in header.columns or header.has_name):
            raise OnboardError(
                f"{source}: no email or name column ({headers_seen(header)}).",
                "An attendance file needs the participants' emails or names.",
            )
        self.source = source
        self.course = tuple(course)
        self.day = day
        self.header = header
        self.report = not header.present
        self.problems: list[Problem] = []
        self.count = 0
        self.days: tuple[date, ...] = ()
        self._rows = itertools.chain(buffered, rest)
        self._marked: set[date] = set()
        self._joined: Counter[date] = Counter()
        self._present_cols: list[tuple[int, date]] = []
        for index, when in header.present:
            if when is None:
                if len(header.present) == 1 and (day or len(course) == 1):
                    when = day or course[0]
                else:
                    raise OnboardError(
                        f"{source}: column {column_letter(index + 1)} ({header.header(index)}) does not say which day.",
                        "Put the date in the header, like 'Present 2026-03-16', or pass --day YYYY-MM-DD.",
                    )
            if course and when not in course:
                raise OnboardError(
                    f"{source}: column {column_letter(index + 1)} ({header.header(index)}) is for {when}, "
                    f"which is not a day of the course ({', '.join(str(d) for d in course)}).",
                    "Export a new sheet with `onboard export CLIENT attendance` after changing the dates.",
                )
            self._present_cols.append((index, when))

    def _fail(self, number: int, index: int | None, reason: str) -> None:
        self.problems.append(
            Problem(
                number,
                reason,
                index + 1 if index is not None else None,
                self.header.header(index) if index is not None else "",
            )
        )

    def marks(self) -> Iterator[Mark]:
        """The usable rows, as read; unusable ones go to :attr:`problems`."""
        report, cols, fail = self.report, self.header.columns, self._fail
        present_cols = self._present_cols
        email_col = cols.get("email")
        extras = [
            (name, cols[name], parse)
            for name, parse in (
                ("minutes_late", _minutes),
                ("notes", _notes),
                ("lxp_registered", yes_no_value),
            )
            if name in cols
        ]
        join_col = cols.get("join_time")
        foot = FOOT_MARK.casefold()
        started = False
        for number, values in self._rows:
            first = values[0] if values else None
            if isinstance(first, str) and first.strip().casefold() == foot:
                break
            if is_blank(values):
                if report and started:
                    break
                continue
            started = True
            email = ""
            if email_col is not None:
                cell = cell_at(values, email_col)
                if not is_blank((cell,)):
                    try:
                        email = email_value(cell)
                    except CellError as exc:
                        fail(number, email_col, str(exc))
                        continue
            try:
                name = _row_name(values, cols)
            except CellError as exc:
                fail(number, None, str(exc))
                continue
            if not email and not name:
                if any(not is_blank((cell_at(values, i),)) for i, _ in present_cols):
                    fail(number, None, "a mark without a name or email")
                continue
            mark = Mark(number, email, name, {})
            ok = True
            if report:
                mark.joined = parse_timestamp(cell_at(values, join_col))
            for index, when in present_cols:
                try:
                    mark.present[when] = yes_no_value(cell_at(values, index))
                except CellError as exc:
                    fail(number, index, str(exc).replace("yes or no", "Yes or No"))
                    ok = False
            for name_, index, parse in extras:
                try:
                    setattr(mark, name_, parse(cell_at(values, index)))
                except CellError as exc:
                    fail(number, index, str(exc))
                    ok = False
            if not ok:
                continue
            if report:
                if mark.joined:
                    self._joined[mark.joined.date()] += 1
            else:
                for when, value in mark.present.items():
                    if value is not None:
                        self._marked.add(when)
            self.count += 1
            yield mark

    def finish(self) -> tuple[date, ...]:
        """The days the file records, once every row is read: a report's one day, a sheet's marked days."""
        if self.report:
            self.days = (_report_day(self._joined, self.source, self.course, self.day),)
        else:
            self.days = tuple(d for _, d in self._present_cols if d in self._marked)
        return self.days

    def resolve(self, mark: Mark) -> Mark:
        """A mark as recorded: present on a report's day; on a sheet, blank is absent on a marked day."""
        if self.report:
            mark.present = {self.days[0]: True}
        else:
            marked = self._marked
            mark.present = {d: bool(v) for d, v in mark.present.items() if d in marked}
        return mark


def parse_attendance(
    rows: Iterable[tuple[int, Sequence[object]]],
    source: str,
    course: Sequence[date],
    *,
    day: date | None = None,
) -> AttendanceImport:
    """Read an attendance file: one of our sheets (Present per day) or a meeting report.

    A meeting report (no Present column: Zoom's or Teams' attendance list)
    marks everyone listed present on one day: ``day``, else the day its join
    times say, else the course's only day. In a sheet, a day column with any
    mark in it counts a blank as absent; a day column left blank records nothing.
    """
    scan = AttendanceScan(rows, source, course, day=day)
    marks = list(scan.marks())
    scan.finish()
    for mark in marks:
        scan.resolve(mark)
    return AttendanceImport(marks, scan.days, scan.report, scan.problems, scan.header)


def _row_name(values: Sequence[object], cols: Mapping[str, int]) -> str:
    first = text_value(cell_at(values, cols.get("first_name")))
    last = text_value(cell_at(values, cols.get("last_name")))
    if first or last:
        return " ".join(p for p in (first, last) if p)
    full = text_value(cell_at(values, cols.get("full_name")))
    return clean(re.sub(r"\([^)]*\)", " ", full)) if full else ""


def _minutes(value: object) -> int | None:
    number = number_value(value)
    if number is None:
        return None
    if number < 0 or number > 24 * 60:
        raise CellError(f"{number} is not a number of minutes late")
    return round(number)


def _notes(value: object) -> str:
    return text_value(value, dates_ok=True, multiline=True)


def _report_day(seen: Counter[date], source: str, course: Sequence[date], day: date | None) -> date:
    if day is not None:
        if course and day not in course:
            raise OnboardError(f"--day {day} is not a day of the course ({', '.join(map(str, course))}).")
        return day
    if seen:
        most = seen.most_common(1)[0][0]
        if not course or most in course:
            return most
        raise OnboardError(
            f"{source}: the meeting was on {most}, which is not a day of the course ({', '.join(map(str, course))}).",
            "Pass --day YYYY-MM-DD to record it for a course day anyway, or fix course_date.",
        )
    if len(course) == 1:
        return course[0]
    if not course:
        raise OnboardError(
            "The course date is not set.", "Set it with `onboard set CLIENT course_date=YYYY-MM-DD`."
        )
    raise OnboardError(
        f"{source}: cannot tell which day of the course this report is for.",
        "Pass --day YYYY-MM-DD.",
    )


_JOIN_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y, %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
)


def parse_timestamp(value: object) -> datetime | None:
    """A join time from a meeting report, in the formats Zoom and Teams write; None if unknown."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if not isinstance(value, str):
        return None
    text = clean(value).replace("\u202f", " ")
    for fmt in _JOIN_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
