"""Reading an attendance file into marks: one of our sheets (Present per day) or a meeting report.

A :class:`Mark` is one row of such a file before it is matched to anybody.
The rules of reading the file live here: which day a meeting report (Zoom's
or Teams' attendance list) is for, when a blank Present cell is an absence,
where our sheet's rows end (the :data:`FOOT_MARK` row), which order a
report's dates like 03/04/2026 are in (:func:`settle_date_order`: the file
settles it, or the coordinator does; never a guess). Matching the marks
to the roster is :mod:`onboard.delivery.matching`, merging them into the record
:mod:`onboard.delivery.attendance`.

:func:`parse_attendance` is the one way in: whether a blank Present cell is
an absence depends on the whole column, so the marks are settled only once
every row is read.
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
from onboard.delivery.headers import HeaderMap, find_header, headers_seen, normalise_header
from onboard.errors import OnboardError

FOOT_MARK = "Totals"  # the first cell of the row under the people in our sheet: the rows end there


@dataclass(slots=True)
class Mark:
    """One row of an attendance file, before matching.

    Once the file is read, marks alike share one ``present`` mapping (never
    changed after), so 50,000 rows cost a few mappings, not 50,000.
    """

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
    platform: str = ""  # 'Zoom' or 'Teams' when the report's headers say so
    date_order: DateOrder | None = None  # how the report's dates were read; None: no dates needed it


def _attendance_header_score(header: HeaderMap) -> int:
    has_email = "email" in header.columns
    if not (has_email or header.has_name):
        return 0
    if header.present:
        return 3
    return 1 + int(has_email and header.has_name)


def parse_attendance(
    rows: Iterable[tuple[int, Sequence[object]]],
    source: str,
    course: Sequence[date],
    *,
    day: date | None = None,
    date_order: str | None = None,
    default_order: str | None = None,
) -> AttendanceImport:
    """Read an attendance file: one of our sheets (Present per day) or a meeting report.

    A meeting report (no Present column: Zoom's or Teams' attendance list)
    marks everyone listed present on one day: ``day``, else the day its join
    times say, else the course's only day. In a sheet, a day column with any
    mark in it is recorded, a blank cell in it staying None (the sheet does
    not say; :mod:`onboard.delivery.attendance` settles it with the other
    sources); a day column left blank records nothing.

    A report's join times are read in the day/month order
    :func:`settle_date_order` settles from the file, ``date_order`` (the
    --date-order option), the platform's known format or ``default_order``
    (the workspace setting).
    """
    header, buffered, rest = find_header(iter(rows), _attendance_header_score, days=course)
    if header is None or not ("email" in header.columns or header.has_name):
        raise OnboardError(
            f"{source}: no email or name column ({headers_seen(header)}).",
            "An attendance file needs the participants' emails or names.",
        )
    reader = _MarkReader(header, _present_columns(header, source, course, day))
    marks = [
        mark
        for number, values in reader.rows(itertools.chain(buffered, rest))
        if (mark := reader.mark(number, values))
    ]
    report = not header.present
    platform = platform_of(header)
    order = None
    if report:
        texts = [(mark.row, text) for mark, text in reader.join_texts]
        order = settle_date_order(texts, source, given=date_order, platform=platform, setting=default_order)
        for mark, text in reader.join_texts:
            mark.joined = parse_timestamp(text, order.order if order else None)
        seen = Counter(m.joined.date() for m in marks if m.joined)
        days: tuple[date, ...] = (_report_day(seen, source, course, day),)
        listed: dict[date, bool | None] = {days[0]: True}
        for mark in marks:
            mark.present = listed
    else:
        marked = {d for m in marks for d, v in m.present.items() if v is not None}
        days = tuple(d for _, d in reader.present if d in marked)
        shared: dict[tuple[tuple[date, bool | None], ...], dict[date, bool | None]] = {}
        for mark in marks:  # a blank says nothing (another source may); an unmarked day records nothing
            present = {d: v for d, v in mark.present.items() if d in marked}
            mark.present = shared.setdefault(tuple(present.items()), present)
    return AttendanceImport(marks, days, report, reader.problems, header, platform, order)


def _present_columns(
    header: HeaderMap, source: str, course: Sequence[date], day: date | None
) -> list[tuple[int, date]]:
    """The Present columns and their days; a column without a day is the only day there is."""
    columns = []
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
        columns.append((index, when))
    return columns


class _MarkReader:
    """Turns the rows of an attendance file into marks, collecting the rows that cannot be used."""

    def __init__(self, header: HeaderMap, present: list[tuple[int, date]]) -> None:
        self.header = header
        self.present = present
        self.report = not header.present
        self.problems: list[Problem] = []
        self.join_texts: list[tuple[Mark, object]] = []  # read once the date order is settled
        cols = header.columns
        parsers = {"minutes_late": _minutes, "notes": _notes, "lxp_registered": yes_no_value}
        self._extras = [(name, cols[name], parse) for name, parse in parsers.items() if name in cols]

    def rows(self, rows: Iterable[tuple[int, Sequence[object]]]) -> Iterator[tuple[int, Sequence[object]]]:
        """The rows of people: up to our sheet's :data:`FOOT_MARK` row, or a report's first blank row."""
        foot = FOOT_MARK.casefold()
        started = False
        for number, values in rows:
            first = values[0] if values else None
            if isinstance(first, str) and first.strip().casefold() == foot:
                return
            if is_blank(values):
                if self.report and started:
                    return
                continue
            started = True
            yield number, values

    def _fail(self, number: int, index: int | None, reason: str) -> None:
        label = self.header.header(index) if index is not None else ""
        self.problems.append(Problem(number, reason, index + 1 if index is not None else None, label))

    def mark(self, number: int, values: Sequence[object]) -> Mark | None:
        """The row as a mark with its Present values as written (None: blank); None when it cannot be used."""
        cols = self.header.columns
        email = ""
        email_col = cols.get("email")
        if email_col is not None and not is_blank((cell_at(values, email_col),)):
            try:
                email = email_value(cell_at(values, email_col))
            except CellError as exc:
                self._fail(number, email_col, str(exc))
                return None
        try:
            name = _row_name(values, cols)
        except CellError as exc:
            self._fail(number, _failing_column(values, cols), str(exc))
            return None
        if not email and not name:
            if any(not is_blank((cell_at(values, i),)) for i, _ in self.present):
                self._fail(number, None, "a mark without a name or email")
            return None
        mark = Mark(number, email, name, {})
        before = len(self.problems)
        if self.report and (joined := cell_at(values, cols.get("join_time"))) is not None:
            self.join_texts.append((mark, joined))
        for index, when in self.present:
            try:
                mark.present[when] = yes_no_value(cell_at(values, index))
            except CellError as exc:
                self._fail(number, index, str(exc).replace("yes or no", "Yes or No"))
        for field_name, index, parse in self._extras:
            try:
                setattr(mark, field_name, parse(cell_at(values, index)))
            except CellError as exc:
                self._fail(number, index, str(exc))
        return mark if len(self.problems) == before else None


def _row_name(values: Sequence[object], cols: Mapping[str, int]) -> str:
    first = text_value(cell_at(values, cols.get("first_name")))
    last = text_value(cell_at(values, cols.get("last_name")))
    if first or last:
        return " ".join(p for p in (first, last) if p)
    full = text_value(cell_at(values, cols.get("full_name")))
    return clean(re.sub(r"\([^)]*\)", " ", full)) if full else ""


def _failing_column(values: Sequence[object], cols: Mapping[str, int]) -> int | None:
    """The name column whose cell cannot be read as text (a date, a formula with no value)."""
    for name in ("first_name", "last_name", "full_name"):
        index = cols.get(name)
        try:
            text_value(cell_at(values, index))
        except CellError:
            return index
    return None


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


# ---------------------------------------------------------------- dates in meeting reports

DATE_ORDERS = ("DMY", "MDY")
KNOWN_ORDERS = {"Zoom": "MDY"}  # Zoom's participants report writes MM/DD/YYYY whatever the account
_PLATFORMS = (  # a header only one platform's report has (normalised)
    ("Zoom", ("nameoriginalname", "durationminutes")),
    ("Teams", ("firstjoin", "lastleave", "participantidupn", "inmeetingduration")),
)
_SLASHED = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?!\d)")
_STAMP = re.compile(
    r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})(?:[,\s]+|T)?"
    r"(?:(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*([ap])?\.?\s*m?\.?)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DateOrder:
    """The order a report's dates are read in ('DMY' or 'MDY') and what settled it, as the output says it."""

    order: str
    because: str

    def __str__(self) -> str:
        first = "day" if self.order == "DMY" else "month"
        return f"dates read {first} first ({self.order}): {self.because}"


def platform_of(header: HeaderMap | None) -> str:
    """'Zoom' or 'Teams' when a report's column headers say so, else ''."""
    if header is None:
        return ""
    names = {normalise_header(h) for h in header.headers}
    for platform, marks in _PLATFORMS:
        if names.intersection(marks):
            return platform
    return ""


def settle_date_order(
    texts: Iterable[tuple[int, object]],
    source: str,
    *,
    given: str | None = None,
    platform: str = "",
    setting: str | None = None,
) -> DateOrder | None:
    """The day/month order of a report's dates, from the file first; None when none is ambiguous.

    A number above 12 in the first or second place settles it, and the
    dates must agree; ``given`` (--date-order) must agree with them too.
    When every date could be read either way (03/04/2026): ``given``, then
    the platform's known format (:data:`KNOWN_ORDERS`), then ``setting``
    (``[attendance] date_order``); with none of them it stops with an error
    naming the option. Year-first dates and the same day and month
    (03/03/2026) are never ambiguous.
    """
    day_first: tuple[int, str] | None = None
    month_first: tuple[int, str] | None = None
    ambiguous: tuple[int, str] | None = None
    for row, value in texts:
        if not isinstance(value, str) or not (match := _SLASHED.match(value)):
            continue
        first, second = int(match[1]), int(match[2])
        text = clean(value)
        if first > 12 and second <= 12:
            day_first = day_first or (row, text)
        elif second > 12 and first <= 12:
            month_first = month_first or (row, text)
        elif first != second and ambiguous is None:
            ambiguous = (row, text)
    if day_first and month_first:
        raise OnboardError(
            f"{source}: its dates are written both day first ({day_first[1]}, row {day_first[0]}) "
            f"and month first ({month_first[1]}, row {month_first[0]}).",
            "Export the report again; onboard reads one order per file.",
        )
    settled = day_first or month_first
    if settled:
        order = "DMY" if day_first else "MDY"
        if given and given != order:
            raise OnboardError(
                f"{source}: --date-order {given} does not fit {settled[1]} (row {settled[0]}), "
                f"which can only be {order}.",
                f"Leave --date-order out (the file settles it), or pass --date-order {order}.",
            )
        return DateOrder(order, f"{settled[1]} in row {settled[0]} can only be read that way")
    if ambiguous is None:
        return None
    if given:
        return DateOrder(given, "as --date-order says")
    if platform in KNOWN_ORDERS:
        return DateOrder(KNOWN_ORDERS[platform], f"as {platform} writes them")
    if setting:
        return DateOrder(setting, "as the workspace's [attendance] date_order says")
    row, text = ambiguous
    return _unsettled(source, row, text)


def _unsettled(source: str, row: int, text: str) -> DateOrder:
    match = _SLASHED.match(text)
    assert match is not None
    first, second, year = int(match[1]), int(match[2]), int(match[3]) % 100 + 2000
    as_dmy, as_mdy = _spelled(year, second, first), _spelled(year, first, second)
    raise OnboardError(
        f"{source}: its dates, like {text} (row {row}), may be day first ({as_dmy}) or month first "
        f"({as_mdy}), and nothing in the file settles it.",
        "Pass --date-order DMY or --date-order MDY, or set date_order under [attendance] in onboard.toml.",
    )


def _spelled(year: int, month: int, day: int) -> str:
    """'3 April 2026'; '?' for a day the month does not have."""
    try:
        when = date(year, month, day)
    except ValueError:
        return "?"
    return f"{when.day} {when:%B %Y}"


def parse_timestamp(value: object, order: str | None = None) -> datetime | None:
    """A join time from a meeting report, with its date read in ``order``; None if it is not one.

    Zoom writes ``04/03/2026 09:05:00 AM``, Teams ``03/04/2026, 09:01:42`` (or
    ``4/3/2026, 9:01:42 AM``), either may write ISO ``2026-04-03 09:05:00``.
    Without ``order`` a date that could be read both ways is None.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if not isinstance(value, str):
        return None
    match = _STAMP.match(clean(value.replace("\u202f", " ")))
    if not match:
        return None
    a, b, c = match[1], int(match[2]), match[3]
    if len(a) == 4:
        year, month, day = int(a), b, int(c)
    elif len(c) in (2, 4):
        first, year = int(a), int(c) + (2000 if len(c) == 2 else 0)
        if first > 12 or (order == "DMY" and b <= 12):
            day, month = first, b
        elif b > 12 or order == "MDY" or first == b:
            month, day = first, b
        else:
            return None
    else:
        return None
    hour, minute, second = int(match[4] or 0), int(match[5] or 0), int(match[6] or 0)
    if match[7]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[7].lower() == "p" else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
