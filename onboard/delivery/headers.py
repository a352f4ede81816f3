"""Finding a sheet's header row and mapping its columns to our fields.

Files come with their columns in any order, case or wording ('E-mail',
'Email Address', 'Surname', 'Full name' to be split in two), often below a
title block: :func:`find_header` looks through the first rows for the best
header row and :func:`map_headers` says where each of our fields is. The
roster, attendance and evaluation importers share it, so a synonym added
here is understood by all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from onboard.delivery.cells import FormulaCell, clean, fold, is_blank
from onboard.errors import OnboardError

HEADER_SCAN = 30  # rows looked through for the header

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_NUMBER = re.compile(r"day\s*(\d{1,2})", re.IGNORECASE)


# Normalised header -> our field. ``full_name`` is split into first and last.
_SYNONYMS: dict[str, str] = {}
for _field, _names in {
    "email": (
        "email",
        "emailaddress",
        "mail",
        "emailid",
        "workemail",
        "businessemail",
        "useremail",
        "participantemail",
        "attendeeemail",
        "corporateemail",
        "participantidupn",
        "upn",
    ),
    "first_name": (
        "firstname",
        "first",
        "givenname",
        "forename",
        "fname",
        "preferredfirstname",
        "preferredname",
    ),
    "last_name": ("lastname", "last", "surname", "familyname", "lname"),
    "full_name": (
        "name",
        "fullname",
        "participant",
        "participantname",
        "attendee",
        "attendeename",
        "learner",
        "learnername",
        "employee",
        "employeename",
        "displayname",
        "nameoriginalname",
        "username",
    ),
    "title": (
        "title",
        "jobtitle",
        "department",
        "dept",
        "titleordepartment",
        "titledepartment",
        "departmenttitle",
        "role",
        "position",
        "jobrole",
        "function",
        "team",
        "businesstitle",
    ),
    "location": ("location", "office", "city", "site", "country", "region", "officelocation", "worklocation"),
    "lxp_registered": (
        "lxpregistered",
        "lxp",
        "registered",
        "lxpregistration",
        "registeredonlxp",
        "lxpstatus",
    ),
    "notes": ("notes", "note", "comments", "comment", "remarks"),
    "minutes_late": ("minuteslate", "late", "lateminutes", "minslate", "latemin", "lateby", "latebyminutes"),
    "join_time": ("jointime", "firstjoin", "joined", "timejoined", "firstjointime", "jointimestamp"),
}.items():
    for _name in _names:
        _SYNONYMS[_name] = _field


class HeaderNotFound(OnboardError):
    """The file has no header row with the columns needed (another sheet may have one)."""


def normalise_header(value: object) -> str:
    """'E-mail Address ' -> 'emailaddress': case, accents, spaces and punctuation do not count."""
    if value is None:
        return ""
    return re.sub(r"[^0-9a-z]+", "", fold(str(value)))


def header_text(value: object) -> str:
    """A header cell as text; blank for a formula whose value was not saved."""
    if value is None or isinstance(value, FormulaCell):
        return ""
    return clean(str(value))


def header_field(value: object) -> str | None:
    """Our field for a header cell, or None when it is not one we know."""
    key = normalise_header(value)
    if not key:
        return None
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    if "email" in key:
        return "email"
    if ("first" in key or "given" in key) and "name" in key:
        return "first_name"
    if ("last" in key or "surname" in key or "family" in key) and "name" in key:
        return "last_name"
    if key.startswith("lxp"):
        return "lxp_registered"
    return None


def present_day(value: object, days: Sequence[date]) -> tuple[bool, date | None]:
    """Whether a header is a Present column, and for which day (None: not said)."""
    text = "" if value is None else str(value)
    key = normalise_header(text)
    if not key.startswith(("present", "attended", "day")) or any(
        word in key for word in ("duration", "time", "minutes")
    ):
        return False, None
    if key.startswith("day") and not _DAY_NUMBER.search(text):
        return False, None
    if iso := _ISO_DATE.search(text):
        try:
            return True, date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return True, None
    if (number := _DAY_NUMBER.search(text)) and 1 <= int(number[1]) <= len(days):
        return True, days[int(number[1]) - 1]
    return True, None


@dataclass(frozen=True)
class HeaderMap:
    """Where our fields are in a sheet: 0-based column indexes and the header row."""

    row: int
    headers: tuple[str, ...]
    columns: Mapping[str, int]
    ignored: tuple[str, ...] = ()
    present: tuple[tuple[int, date | None], ...] = ()

    def header(self, index: int) -> str:
        return self.headers[index] if index < len(self.headers) else ""

    @property
    def has_name(self) -> bool:
        return "full_name" in self.columns or "first_name" in self.columns or "last_name" in self.columns


def map_headers(row: int, values: Sequence[object], days: Sequence[date] = ()) -> HeaderMap:
    """Map one header row; the first column for a field wins and the others are listed as ignored."""
    headers = tuple(header_text(v) for v in values)
    columns: dict[str, int] = {}
    ignored: list[str] = []
    present: list[tuple[int, date | None]] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        is_present, day = present_day(header, days)
        if is_present:
            present.append((index, day))
            continue
        name = header_field(header)
        if name is None or name in columns:
            ignored.append(header)
            continue
        columns[name] = index
    return HeaderMap(row, headers, columns, tuple(ignored), tuple(present))


def find_header(
    rows: Iterator[tuple[int, Sequence[object]]],
    accept: Callable[[HeaderMap], int],
    scan: int = HEADER_SCAN,
    days: Sequence[date] = (),
) -> tuple[HeaderMap | None, list[tuple[int, Sequence[object]]], Iterator[tuple[int, Sequence[object]]]]:
    """Look through the first ``scan`` rows for the best header row.

    ``accept(header_map)`` returns a score (0: not a header). Returns the
    header, the buffered rows after it, and the rest of the rows; the
    first non-blank row seen is returned as ``seen`` through an empty header
    map when nothing fits, so the error can show it.
    """
    buffered: list[tuple[int, Sequence[object]]] = []
    for item in rows:
        buffered.append(item)
        if len(buffered) >= scan:
            break
    best: tuple[int, int] | None = None
    for position, (number, values) in enumerate(buffered):
        if is_blank(values):
            continue
        score = accept(map_headers(number, values, days))
        if score and (best is None or score > best[0]):
            best = (score, position)
            if score >= 3:
                break
    if best is None:
        first = next(((n, v) for n, v in buffered if not is_blank(v)), None)
        seen = map_headers(first[0], first[1]) if first else None
        return seen, [], rows
    number, values = buffered[best[1]]
    return map_headers(number, values, days), buffered[best[1] + 1 :], rows


def headers_seen(header: HeaderMap | None) -> str:
    """The headers :func:`find_header` saw, for the error that says the needed column is not there."""
    if header is None:
        return "it has no data"
    shown = [h for h in header.headers if h][:12]
    return "headers found in row {}: {}".format(header.row, ", ".join(repr(h) for h in shown) or "none")
