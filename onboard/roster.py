"""Rosters, attendance and evaluations as plain data: no files, no openpyxl.

Everything here works on rows that a reader hands over as ``(row_number,
values)`` pairs, whatever the file was (an xlsx sheet, a CSV, a meeting
report), and on the rows stored in the client's folder
(:func:`person_row`, :func:`attendee_row`; the TOML documents of earlier
versions are still read):

* headers are mapped to ours whatever their order, case or common synonyms
  ('E-mail', 'Email Address', 'Surname', 'Full name' split in two);
* every row that cannot be used is reported with its row number, column and
  reason, and people are de-duplicated by email;
* text that a spreadsheet would take for a formula (``= + - @``) stays text:
  it is stored as it came and :func:`is_formula_like` tells the writer to
  force it to a text cell;
* attendance is matched to the roster by email, then by name;
* evaluations are summarised the same way every time.

Large files are handled a row at a time: :class:`RosterScan` and
:class:`AttendanceScan` yield people and marks as they are read,
:class:`RosterMatcher` matches by position on a roster it can read again,
and :func:`merge_person` / :func:`merge_walk_ins` build the new attendance
record by record. The in-memory functions (:func:`parse_roster`,
:func:`parse_attendance`, :func:`match_marks`, :func:`merge_attendance`) are
the same steps collected into lists, so both ways give the same answers.
Memory then holds a few dozen bytes per person (a :class:`KeyIndex`), never
the people.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections import Counter, deque
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from onboard.errors import OnboardError

SCHEMA = 1
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FOOT_MARK = "Totals"
HEADER_SCAN = 30
MAX_COURSE_DAYS = 31
MAX_SCORE = 100

ROSTER_FIELDS = ("first_name", "last_name", "email", "title", "location", "lxp_registered", "notes")
ROSTER_HEADERS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "title": "Title or department",
    "location": "Location",
    "lxp_registered": "LXP registered",
    "notes": "Notes",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER = re.compile(r"^[+-]?(\d{1,15}([.,]\d{1,15})?|[.,]\d{1,15})$")
_LEADING_NUMBER = re.compile(r"^(\d{1,3}(?:[.,]\d{1,3})?)(?:\s*(?:[-–:/).]|$)|\s+\D)")
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_NUMBER = re.compile(r"day\s*(\d{1,2})", re.IGNORECASE)
_START_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])?\.?\s*m?\b", re.IGNORECASE)

YES_WORDS = {"yes", "y", "true", "x", "✓", "✔", "1", "present", "p", "attended", "registered", "done"}
NO_WORDS = {"no", "n", "false", "0", "absent", "a", "not registered", "no show", "noshow", "did not attend"}
LIKERT = {
    "strongly disagree": 1,
    "disagree": 2,
    "somewhat disagree": 2,
    "neutral": 3,
    "neither agree nor disagree": 3,
    "somewhat agree": 4,
    "agree": 4,
    "strongly agree": 5,
    "very dissatisfied": 1,
    "dissatisfied": 2,
    "satisfied": 4,
    "very satisfied": 5,
}
_PARTICLES = {
    "van",
    "von",
    "de",
    "da",
    "di",
    "del",
    "della",
    "der",
    "den",
    "du",
    "le",
    "la",
    "dos",
    "das",
    "st",
    "st.",
}

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

# Evaluation columns that are about the response, not a question.
_EVAL_METADATA = {
    "id",
    "responseid",
    "respondentid",
    "timestamp",
    "starttime",
    "completiontime",
    "lastmodifiedtime",
    "submitted",
    "submittedat",
    "submissiondate",
    "date",
    "language",
    "totalpoints",
    "quizfeedback",
    "points",
    "ipaddress",
    "respondent",
    "source",
}
_COMMENT_WORDS = ("comment", "feedback", "suggest", "improve", "anythingelse", "freetext", "remarks")


# ---------------------------------------------------------------- cells


class HeaderNotFound(OnboardError):
    """The file has no header row with the columns needed (another sheet may have one)."""


class CellError(ValueError):
    """A cell's value cannot be used; ``str()`` is the reason."""


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def column_letter(index: int) -> str:
    """``1`` -> ``A``, ``28`` -> ``AB``."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalise_header(value: object) -> str:
    """'E-mail Address ' -> 'emailaddress': case, accents, spaces and punctuation do not count."""
    if value is None:
        return ""
    return re.sub(r"[^0-9a-z]+", "", _fold(str(value)))


def _describe(value: object) -> str:
    if isinstance(value, datetime):
        return f"a date ({value:%Y-%m-%d})" if value.time() == time() else f"a date ({value:%Y-%m-%d %H:%M})"
    if isinstance(value, date):
        return f"a date ({value:%Y-%m-%d})"
    if isinstance(value, time):
        return f"a time ({value:%H:%M})"
    if isinstance(value, timedelta):
        return "a duration"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _clean(text: str, multiline: bool = False) -> str:
    text = text.replace("\x00", "")
    if multiline:
        return text.strip()
    return " ".join(text.split())


def text_value(value: object, *, dates_ok: bool = False, multiline: bool = False) -> str:
    """A cell as text; a date where text belongs is an error unless ``dates_ok``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean(value, multiline)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date | time):
        if not dates_ok:
            raise CellError(f"{_describe(value)}, not text")
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"{value!r} is not text")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, timedelta):
        raise CellError("a duration, not text")
    return _clean(str(value), multiline)


def email_value(value: object) -> str:
    """A cell as an email address; blank is an error."""
    text = text_value(value)
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    inner = re.search(r"<([^<>\s]+@[^<>\s]+)>", text)
    if inner:
        text = inner.group(1)
    if not text:
        raise CellError("no email")
    if not _EMAIL.match(text):
        raise CellError(f"{_describe(text)} is not an email address")
    return text


def yes_no_value(value: object) -> bool | None:
    """Yes/No (and x, ✓, present/absent, TRUE/FALSE, 1/0); blank is None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    if isinstance(value, datetime | date | time | timedelta):
        raise CellError(f"{_describe(value)}, not yes or no")
    text = _clean(str(value)).casefold()
    if not text:
        return None
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise CellError(f"{_describe(value)} is not yes or no")


def number_value(value: object, *, score: bool = False) -> float | int | None:
    """A cell as a number; blank is None. A date is an error (Excel's favourite surprise).

    With ``score``, "5 - Excellent" and agree/disagree words are read as scores too.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(f"{'TRUE' if value else 'FALSE'}, not a number")
    if isinstance(value, datetime | date | time | timedelta):
        raise CellError(f"{_describe(value)}, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"{value!r} is not a number")
        return int(value) if value.is_integer() else value
    text = _clean(str(value))
    if not text:
        return None
    if _NUMBER.match(text):
        number = float(text.replace(",", "."))
        return int(number) if number.is_integer() else number
    if _DATE_LIKE.match(text):
        raise CellError(f"a date ({text}), not a number")
    if score:
        lead = _LEADING_NUMBER.match(text)
        if lead:
            number = float(lead.group(1).replace(",", "."))
            return int(number) if number.is_integer() else number
        words = text.casefold()
        if words in LIKERT:
            return LIKERT[words]
    raise CellError(f"{_describe(text)} is not a number")


def is_blank(values: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _cell(values: Sequence[object], index: int | None) -> object:
    if index is None or index >= len(values):
        return None
    return values[index]


# ---------------------------------------------------------------- a compact index


class KeyIndex:
    """Text keys, each with a whole number, found exactly; a few dozen bytes a key, no object per key.

    A dict of 50,000 email addresses holds 50,000 string and int objects
    (about 7 MB); this keeps the keys' UTF-8 bytes end to end in one
    bytearray and their hashes, numbers and an open-addressing table in
    arrays, so matching and de-duplicating a large roster keeps memory nearly
    flat. The first number stored for a key is kept.
    """

    __slots__ = ("_blob", "_ends", "_hashes", "_mask", "_slots", "_values")

    def __init__(self) -> None:
        self._blob = bytearray()
        self._ends = array("i")  # where each key's bytes end in the blob
        self._hashes = array("q")
        self._values = array("i")  # positions and row numbers: below 2**31
        self._slots = array("i", bytes(4 * 64))
        self._mask = 63

    def __len__(self) -> int:
        return len(self._ends)

    def _probe(self, key: str) -> tuple[int, int, int, bytes]:
        """(slot, entry or -1, hash, key bytes)."""
        digest = hash(key)
        data = key.encode("utf-8", "surrogatepass")
        slots, hashes, ends, blob, mask = self._slots, self._hashes, self._ends, self._blob, self._mask
        slot = digest & mask
        while True:
            entry = slots[slot] - 1
            if entry < 0:
                return slot, -1, digest, data
            if hashes[entry] == digest and blob[ends[entry - 1] if entry else 0 : ends[entry]] == data:
                return slot, entry, digest, data
            slot = (slot + 1) & mask

    def get(self, key: str) -> int | None:
        entry = self._probe(key)[1]
        return None if entry < 0 else self._values[entry]

    def __contains__(self, key: str) -> bool:
        return self._probe(key)[1] >= 0

    def setdefault(self, key: str, value: int) -> int:
        """The number stored for ``key``; ``value``, stored now, when there is none."""
        slot, entry, digest, data = self._probe(key)
        if entry >= 0:
            return self._values[entry]
        self._blob += data
        self._ends.append(len(self._blob))
        self._hashes.append(digest)
        self._values.append(value)
        self._slots[slot] = len(self._ends)
        if 2 * len(self._ends) > self._mask:
            self._grow()
        return value

    def _grow(self) -> None:
        size = 2 * (self._mask + 1)
        slots, mask = array("i", bytes(4 * size)), size - 1
        for entry, digest in enumerate(self._hashes):
            slot = digest & mask
            while slots[slot]:
                slot = (slot + 1) & mask
            slots[slot] = entry + 1
        self._slots, self._mask = slots, mask


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """A row that cannot be used, and why; ``column`` is 1-based."""

    row: int
    reason: str
    column: int | None = None
    header: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.column:
            where += f", column {column_letter(self.column)}"
            if self.header:
                where += f" ({self.header})"
        return f"{where}: {self.reason}"


def problems_error(source: str, problems: Sequence[Problem], usable: int, what: str) -> OnboardError:
    """The error after the unusable rows were listed: nothing is stored."""
    return OnboardError(
        f"{source}: {len(problems)} row(s) cannot be used (listed above); nothing was stored.",
        f"Fix them and import again, or pass --skip-invalid to import the other {usable} {what}.",
    )


# ---------------------------------------------------------------- headers


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
    headers = tuple("" if v is None else _clean(str(v)) for v in values)
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
    accept,
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


def _headers_seen(header: HeaderMap | None) -> str:
    if header is None:
        return "it has no data"
    shown = [h for h in header.headers if h][:12]
    return "headers found in row {}: {}".format(header.row, ", ".join(repr(h) for h in shown) or "none")


# ---------------------------------------------------------------- people


def split_full_name(text: str) -> tuple[str, str]:
    """'Ada Lovelace' -> ('Ada', 'Lovelace'); 'Lovelace, Ada' and 'Ludwig van Beethoven' too."""
    text = _clean(text)
    if not text:
        return "", ""
    if is_formula_like(text):
        return text, ""
    if "," in text:
        last, _, first = text.partition(",")
        return _clean(first), _clean(last)
    parts = text.split(" ")
    if len(parts) == 1:
        return parts[0], ""
    for index in range(1, len(parts) - 1):
        if parts[index].casefold() in _PARTICLES:
            return " ".join(parts[:index]), " ".join(parts[index:])
    return " ".join(parts[:-1]), parts[-1]


def name_key(text: str) -> str:
    """A name for matching: case, accents, brackets and 'Last, First' order do not count."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text or "")
    if "," in text:
        last, _, first = text.partition(",")
        text = f"{first} {last}"
    folded = _fold(text)
    return " ".join("".join(ch if ch.isalnum() else " " for ch in folded).split())


@dataclass(slots=True)
class Person:
    email: str
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    location: str = ""
    lxp_registered: bool | None = None
    notes: str = ""
    row: int = 0

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def key(self) -> str:
        return self.email.casefold()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "title": self.title,
            "location": self.location,
        }
        if self.lxp_registered is not None:
            data["lxp_registered"] = self.lxp_registered
        data["notes"] = self.notes
        if self.row:
            data["row"] = self.row
        return data


@dataclass
class Roster:
    people: list[Person]
    source: str = ""
    imported_at: datetime | None = None
    imported_by: str = ""

    def __len__(self) -> int:
        return len(self.people)

    def __iter__(self) -> Iterator[Person]:
        return iter(self.people)


@dataclass
class RosterImport:
    roster: Roster
    header: HeaderMap
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[tuple[int, int, str]] = field(default_factory=list)
    blank_rows: int = 0


def _roster_header_score(header: HeaderMap) -> int:
    if "email" not in header.columns:
        return 0
    return 1 + int(header.has_name) + int(len(header.columns) >= 3)


class RosterScan:
    """A roster's rows read one at a time: the header mapped, every row checked, people de-duplicated.

    :meth:`people` yields each new person as its row is read, so a caller can
    stream them to a file. A later row with the same email is reported in
    :attr:`duplicates` and fills the first one's blanks: those fills are
    collected in :attr:`fills` (by the first row's number) for the caller to
    apply, since the first person may already be written. Memory holds the
    emails seen (compactly, in a :class:`KeyIndex`), not the people.
    """

    def __init__(self, rows: Iterable[tuple[int, Sequence[object]]], source: str) -> None:
        header, buffered, rest = find_header(iter(rows), _roster_header_score)
        if header is None or "email" not in header.columns:
            raise HeaderNotFound(
                f"{source}: no email column ({_headers_seen(header)}).",
                "Name a column 'Email' (or 'E-mail', 'Email Address'); people are matched by email.",
            )
        self.source = source
        self.header = header
        self.problems: list[Problem] = []
        self.duplicates: list[tuple[int, int, str]] = []
        self.fills: dict[int, Person] = {}
        self.blank_rows = 0
        self.count = 0
        self._rows = _chain(buffered, rest)

    def _fail(self, number: int, index: int | None, reason: str) -> None:
        label = self.header.header(index) if index is not None else ""
        self.problems.append(Problem(number, reason, index + 1 if index is not None else None, label))

    def people(self) -> Iterator[Person]:
        cols = self.header.columns
        get = cols.get
        text_columns = [
            (name, get(name)) for name in ("first_name", "last_name", "full_name", "title", "location")
        ]
        notes_col, lxp_col, email_col = get("notes"), get("lxp_registered"), cols["email"]
        seen = KeyIndex()
        for number, values in self._rows:
            if is_blank(values):
                self.blank_rows += 1
                continue
            ok = True
            texts: dict[str, str] = {}
            for name, index in text_columns:
                try:
                    texts[name] = text_value(_cell(values, index))
                except CellError as exc:
                    self._fail(number, index, str(exc))
                    ok = False
            try:
                notes = text_value(_cell(values, notes_col), dates_ok=True, multiline=True)
            except CellError as exc:
                self._fail(number, notes_col, str(exc))
                ok = False
                notes = ""
            try:
                lxp = yes_no_value(_cell(values, lxp_col))
            except CellError as exc:
                self._fail(number, lxp_col, str(exc))
                ok = False
                lxp = None
            try:
                email = email_value(_cell(values, email_col))
            except CellError as exc:
                self._fail(number, email_col, str(exc))
                continue
            if not ok:
                continue
            first, last = texts.get("first_name", ""), texts.get("last_name", "")
            if not first and not last and texts.get("full_name"):
                first, last = split_full_name(texts["full_name"])
            if not first and not last:
                self._fail(number, None, "no name (give a first and last name, or a full name)")
                continue
            person = Person(
                email=email,
                first_name=first,
                last_name=last,
                title=texts.get("title", ""),
                location=texts.get("location", ""),
                lxp_registered=lxp,
                notes=notes,
                row=number,
            )
            kept = seen.setdefault(person.key, number)
            if kept != number:
                self.duplicates.append((number, kept, email))
                filler = self.fills.get(kept)
                if filler is None:
                    self.fills[kept] = person
                else:
                    _fill_blanks(filler, person)
                continue
            self.count += 1
            yield person

    def fill(self, person: Person) -> Person:
        """``person`` (yielded earlier) with the blanks its duplicates filled."""
        filler = self.fills.get(person.row)
        if filler is not None:
            _fill_blanks(person, filler)
        return person

    def collect(self) -> RosterImport:
        """Every row, the people in memory."""
        people = list(self.people())
        for person in people:
            self.fill(person)
        return RosterImport(
            Roster(people, source=self.source), self.header, self.problems, self.duplicates, self.blank_rows
        )


def parse_roster(rows: Iterable[tuple[int, Sequence[object]]], source: str) -> RosterImport:
    """Read a roster's rows: map the header, check every row, de-duplicate by email."""
    return RosterScan(rows, source).collect()


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _fill_blanks(kept: Person, other: Person) -> None:
    for name in ("first_name", "last_name", "title", "location", "notes"):
        if not getattr(kept, name) and getattr(other, name):
            setattr(kept, name, getattr(other, name))
    if kept.lxp_registered is None:
        kept.lxp_registered = other.lxp_registered


# ---------------------------------------------------------------- the delivery


@dataclass(frozen=True)
class DeliveryInfo:
    """What an attendance sheet or an evaluation summary says about the delivery."""

    client: str
    program: str = ""
    days: tuple[date, ...] = ()
    times: str = ""
    facilitator: str = ""
    location: str = ""
    delivery_type: str = ""
    business_unit: str = ""

    @property
    def dates_text(self) -> str:
        if not self.days:
            return ""
        if len(self.days) == 1:
            return f"{self.days[0]:%a %d %b %Y}"
        return f"{self.days[0]:%a %d %b %Y} – {self.days[-1]:%a %d %b %Y} ({len(self.days)} days)"


def course_days(start: date | None, end: date | None = None) -> tuple[date, ...]:
    """The days of a course: the first and last day and the weekdays between them."""
    if start is None:
        return ()
    if end is None or end <= start:
        return (start,)
    if (end - start).days >= MAX_COURSE_DAYS * 2:
        raise OnboardError(
            f"The course runs from {start} to {end}, longer than onboard's attendance sheets allow.",
            "Check course_end_date (`onboard set CLIENT course_end_date=YYYY-MM-DD`).",
        )
    days = []
    day = start
    while day <= end:
        if day in (start, end) or day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    if len(days) > MAX_COURSE_DAYS:
        raise OnboardError(f"The course has {len(days)} days; attendance sheets allow {MAX_COURSE_DAYS}.")
    return tuple(days)


def delivery_info(
    client: str, facts: Mapping[str, Any], roles: Mapping[str, Mapping[str, Any]]
) -> DeliveryInfo:
    start = facts.get("course_date")
    end = facts.get("course_end_date")
    fac = roles.get("FAC") or {}
    facilitator = str(fac.get("name") or "")
    if facilitator and fac.get("initials"):
        facilitator += f" ({fac['initials']})"
    location = facts.get("meeting_link") or facts.get("venue") or ""
    return DeliveryInfo(
        client=client,
        program=str(facts.get("program") or ""),
        days=course_days(start if isinstance(start, date) else None, end if isinstance(end, date) else None),
        times=str(facts.get("course_time") or ""),
        facilitator=facilitator,
        location=str(location),
        delivery_type=str(facts.get("delivery_type") or ""),
        business_unit=str(facts.get("business_unit") or ""),
    )


def start_time(times: str) -> time | None:
    """The start of '9:00-12:00 CT' or '1pm - 4pm'; None when it says no time."""
    match = _START_TIME.search(times or "")
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if match[3].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


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
    text = _clean(value).replace("\u202f", " ")
    for fmt in _JOIN_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------- attendance


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

    def lookup(self) -> RecordLookup:
        return RecordLookup(self.people)


class RecordLookup:
    """Attendance records found by key, each handed out once; :meth:`rest` gives the others, in order."""

    def __init__(self, records: Iterable[Attendee]) -> None:
        self._records = {record.key: record for record in records}

    def pop(self, key: str) -> Attendee | None:
        return self._records.pop(key, None)

    def rest(self) -> Iterator[Attendee]:
        records, self._records = self._records, {}
        yield from records.values()


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
                f"{source}: no email or name column ({_headers_seen(header)}).",
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
        self._rows = _chain(buffered, rest)
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
                cell = _cell(values, email_col)
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
                if any(not is_blank((_cell(values, i),)) for i, _ in present_cols):
                    fail(number, None, "a mark without a name or email")
                continue
            mark = Mark(number, email, name, {})
            ok = True
            if report:
                mark.joined = parse_timestamp(_cell(values, join_col))
            for index, when in present_cols:
                try:
                    mark.present[when] = yes_no_value(_cell(values, index))
                except CellError as exc:
                    fail(number, index, str(exc).replace("yes or no", "Yes or No"))
                    ok = False
            for name_, index, parse in extras:
                try:
                    setattr(mark, name_, parse(_cell(values, index)))
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
    first = text_value(_cell(values, cols.get("first_name")))
    last = text_value(_cell(values, cols.get("last_name")))
    if first or last:
        return " ".join(p for p in (first, last) if p)
    full = text_value(_cell(values, cols.get("full_name")))
    return _clean(re.sub(r"\([^)]*\)", " ", full)) if full else ""


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


def merge_person(
    record: Attendee | None,
    person: Person,
    marks: Iterable[Mark],
    days: Container[date],
    covered: set[date],
    start: time | None = None,
) -> Attendee:
    """One roster person's record after an import (see :func:`merge_attendance`).

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


def merge_walk_ins(old: Iterable[Attendee], marks: Iterable[Mark], covered: set[date]) -> Iterator[Attendee]:
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
    lookup = existing.lookup() if existing else RecordLookup(())
    covered = set(imported.days)
    in_course = set(days)
    late_from = start if imported.report and len(days) == 1 else None
    groups: dict[str, list[Mark]] = {}
    for mark, person in matching.matched:
        groups.setdefault(person.key, []).append(mark)
    people = [
        merge_person(lookup.pop(p.key), p, groups.pop(p.key, ()), in_course, covered, late_from)
        for p in roster.people
    ]
    people.extend(merge_walk_ins(lookup.rest(), () if imported.report else matching.unmatched, covered))
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
    """What recorded attendance says, counted record by record as they are written."""

    def __init__(self, days: Sequence[date]) -> None:
        self.days = tuple(days)
        self.attended = 0
        self.present: Counter[date] = Counter()
        self.absent = {d: Names() for d in self.days}
        self.walk_ins = Names()

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


# ---------------------------------------------------------------- stored rows

PERSON_FIELDS = ("email", "first_name", "last_name", "title", "location", "lxp_registered", "notes", "row")
ATTENDEE_FIELDS = (
    "email",
    "name",
    "present",
    "absent",
    "minutes_late",
    "notes",
    "lxp_registered",
    "on_roster",
)


class RowError(ValueError):
    """A stored row that cannot be used; ``str()`` is the reason."""


def _text_field(value: object, name: str) -> str:
    if value is None:
        return ""
    if type(value) is not str:
        raise RowError(f"{name} must be text, not {value!r}")
    return value


def person_row(person: Person) -> list[Any]:
    """A person as stored: the values of :data:`PERSON_FIELDS`."""
    return [
        person.email,
        person.first_name,
        person.last_name,
        person.title,
        person.location,
        person.lxp_registered,
        person.notes,
        person.row,
    ]


def person_from_row(values: Sequence[Any]) -> Person:
    email, first, last, title, location, lxp, notes, row = values
    if type(email) is not str or not email:
        raise RowError(f"email must be an email address, not {email!r}")
    if not (type(first) is type(last) is type(title) is type(location) is type(notes) is str):
        first, last, title, location, notes = (
            _text_field(v, n)
            for v, n in zip(
                (first, last, title, location, notes),
                ("first_name", "last_name", "title", "location", "notes"),
                strict=True,
            )
        )
    if lxp is not None and type(lxp) is not bool:
        raise RowError(f"lxp_registered must be true, false or null, not {lxp!r}")
    if type(row) is not int:
        if row is not None:
            raise RowError(f"row must be a whole number, not {row!r}")
        row = 0
    return Person(email, first, last, title, location, lxp, notes, row)


def attendee_row(record: Attendee) -> list[Any]:
    """An attendance record as stored: the values of :data:`ATTENDEE_FIELDS`."""
    present = sorted(d for d, v in record.present.items() if v)
    absent = sorted(d for d, v in record.present.items() if not v)
    return [
        record.email,
        record.name,
        [d.isoformat() for d in present],
        [d.isoformat() for d in absent],
        record.minutes_late,
        record.notes,
        record.lxp_registered,
        record.on_roster,
    ]


class _Days(dict):
    """ISO dates already read, by their text: a stored file repeats the same few days on every line."""

    def __missing__(self, text: str) -> date:
        day = date.fromisoformat(text)
        if len(self) < 4096:
            self[text] = day
        return day


_DAYS = _Days()


def attendee_from_row(values: Sequence[Any]) -> Attendee:
    email, name, present, absent, late, notes, lxp, on_roster = values
    if not (type(email) is type(name) is type(notes) is str):
        email, name, notes = (
            _text_field(email, "email"),
            _text_field(name, "name"),
            _text_field(notes, "notes"),
        )
    if not email and not name:
        raise RowError("a record needs an email or a name")
    if type(present) is not list or type(absent) is not list:
        raise RowError(f"present and absent must be lists of dates, not {present!r} and {absent!r}")
    days, marks = _DAYS, {}
    try:
        for d in absent:
            marks[days[d]] = False
        for d in present:
            marks[days[d]] = True
    except (TypeError, ValueError):
        raise RowError(
            f"present and absent must be lists of dates (YYYY-MM-DD), not {present!r} and {absent!r}"
        ) from None
    if late is not None and (type(late) is not int or late < 0):
        raise RowError(f"minutes_late must be a whole number, not {late!r}")
    if lxp is not None and type(lxp) is not bool:
        raise RowError(f"lxp_registered must be true, false or null, not {lxp!r}")
    if on_roster is not None and type(on_roster) is not bool:
        raise RowError(f"on_roster must be true or false, not {on_roster!r}")
    return Attendee(email, name, marks, late, notes, on_roster is not False, lxp)


# ---------------------------------------------------------------- evaluations


@dataclass(slots=True)
class Response:
    row: int
    scores: dict[int, float]
    comments: dict[int, str] = field(default_factory=dict)


@dataclass
class Evaluations:
    questions: list[str]
    comment_columns: list[str]
    responses: list[Response]
    source: str = ""
    imported_at: datetime | None = None
    imported_by: str = ""


@dataclass
class EvalImport:
    evaluations: Evaluations
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    blank_rows: int = 0


def _is_metadata(header: str) -> bool:
    field_ = header_field(header)
    return normalise_header(header) in _EVAL_METADATA or (field_ is not None and field_ != "notes")


def _is_comment(header: str) -> bool:
    key = normalise_header(header)
    return any(word in key for word in _COMMENT_WORDS)


def parse_evaluations(rows: Iterable[tuple[int, Sequence[object]]], source: str) -> EvalImport:
    """Read evaluation responses: a numeric score per question column, text columns as comments.

    A column is a question when most of its answers are scores (numbers,
    '5 - Excellent', agree/disagree words); a score column's other answers are
    reported with their row and column. Columns about the response itself
    (timestamp, email, name, id) are ignored.
    """
    table = [(n, list(v)) for n, v in rows]
    start = next((i for i, (_, v) in enumerate(table) if not is_blank(v)), None)
    if start is None:
        raise OnboardError(f"{source}: no data.", "The file has no header row and no responses.")
    _header_row, header_values = table[start]
    headers = ["" if v is None else _clean(str(v)) for v in header_values]
    body = table[start + 1 :]
    width = max([len(headers), *(len(v) for _, v in body)])
    headers += [""] * (width - len(headers))
    questions: list[int] = []
    comments: list[int] = []
    ignored: list[str] = []
    for index, header in enumerate(headers):
        values = [v[index] for _, v in body if index < len(v) and not is_blank([v[index]])]
        if not header and not values:
            continue
        label = header or f"column {column_letter(index + 1)}"
        if _is_metadata(header):
            ignored.append(label)
            continue
        if values and all(isinstance(v, datetime | date | time) for v in values):
            ignored.append(label)
            continue
        scores = 0
        for value in values:
            try:
                number_value(value, score=True)
                scores += 1
            except CellError:
                pass
        if (values and scores * 2 < len(values)) or (not values and _is_comment(header)):
            comments.append(index)
        else:
            questions.append(index)
    if not questions:
        raise OnboardError(
            f"{source}: no question with numeric scores (columns: {', '.join(repr(h) for h in headers if h) or 'none'}).",
            "Give each question a column of scores (such as 1-5); comments may go in a 'Comments' column.",
        )
    evaluations = Evaluations(
        questions=[headers[i] or f"Question {n}" for n, i in enumerate(questions, 1)],
        comment_columns=[headers[i] or f"Comments {n}" for n, i in enumerate(comments, 1)],
        responses=[],
        source=source,
    )
    result = EvalImport(evaluations, ignored=ignored)
    for number, values in body:
        if is_blank(values):
            result.blank_rows += 1
            continue
        response = Response(number, {})
        ok = True
        for position, index in enumerate(questions, 1):
            try:
                score = number_value(_cell(values, index), score=True)
            except CellError as exc:
                result.problems.append(
                    Problem(number, str(exc).replace("a number", "a score"), index + 1, headers[index])
                )
                ok = False
                continue
            if score is None:
                continue
            if not 0 <= score <= MAX_SCORE:
                result.problems.append(
                    Problem(
                        number, f"{score} is not a score from 0 to {MAX_SCORE}", index + 1, headers[index]
                    )
                )
                ok = False
                continue
            response.scores[position] = score
        for position, index in enumerate(comments, 1):
            text = text_value(_cell(values, index), dates_ok=True, multiline=True)
            if text:
                response.comments[position] = text
        if ok and (response.scores or response.comments):
            evaluations.responses.append(response)
        elif ok:
            result.blank_rows += 1
    return result


@dataclass(frozen=True)
class QuestionSummary:
    number: int
    question: str
    responses: int
    average: float | None
    lowest: float | None
    highest: float | None


@dataclass(frozen=True)
class EvalSummary:
    participants: int | None
    participants_from: str
    responses: int
    response_rate: float | None
    questions: tuple[QuestionSummary, ...]
    overall: float | None
    comments: tuple[tuple[str, str], ...]

    @property
    def scales(self) -> tuple[int, ...]:
        """The scales the questions seem to use (5, 10 or 100, from their highest score)."""
        found = {
            next(s for s in (5, 10, MAX_SCORE) if q.highest <= s)
            for q in self.questions
            if q.highest is not None
        }
        return tuple(sorted(found))

    def as_json(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "participants_from": self.participants_from,
            "responses": self.responses,
            "response_rate": self.response_rate,
            "overall": self.overall,
            "scales": list(self.scales),
            "questions": [
                {
                    "number": q.number,
                    "question": q.question,
                    "responses": q.responses,
                    "average": q.average,
                    "lowest": q.lowest,
                    "highest": q.highest,
                }
                for q in self.questions
            ],
            "comments": [{"column": c, "text": t} for c, t in self.comments],
        }


def summarise(evaluations: Evaluations, participants: int | None, participants_from: str = "") -> EvalSummary:
    """Responses, response rate, the average per question and overall, and the comments.

    The overall average weighs every score given equally (a question that
    fewer people answered counts for less); averages are rounded to 2 places.
    """
    per_question: list[QuestionSummary] = []
    every: list[float] = []
    for number, question in enumerate(evaluations.questions, 1):
        scores = [r.scores[number] for r in evaluations.responses if number in r.scores]
        every.extend(scores)
        per_question.append(
            QuestionSummary(
                number,
                question,
                len(scores),
                round(sum(scores) / len(scores), 2) if scores else None,
                min(scores) if scores else None,
                max(scores) if scores else None,
            )
        )
    responses = len(evaluations.responses)
    rate = round(responses / participants, 4) if participants else None
    comments = tuple(
        (evaluations.comment_columns[position - 1], text)
        for response in evaluations.responses
        for position, text in sorted(response.comments.items())
    )
    return EvalSummary(
        participants=participants,
        participants_from=participants_from,
        responses=responses,
        response_rate=rate,
        questions=tuple(per_question),
        overall=round(sum(every) / len(every), 2) if every else None,
        comments=comments,
    )


# ---------------------------------------------------------------- file names


EXPORT_CONVENTION = {"roster": "roster", "attendance": "roster", "eval": "eval"}
EXPORT_SUFFIX = {"roster": "-Participants"}
BLANK_ROSTER_NAME = "Blank Roster Template"


def export_stem(kind: str, naming: Mapping[str, str], values: Mapping[str, object]) -> str:
    """The file name (without .xlsx) of an export, by the playbook's naming convention.

    The attendance record is the file the seed names ``Roster-Client-Program-Date-FAC
    Initials`` (a playbook may give it its own ``attendance`` convention); the
    plain participant list gets the same name with ``-Participants``.
    """
    from onboard.naming import apply_convention, safe_filename

    if kind == "blank-roster":
        return BLANK_ROSTER_NAME
    if kind not in EXPORT_CONVENTION:
        raise OnboardError(f"Unknown export {kind!r}.", "Export roster, attendance, eval or blank-roster.")
    key = "attendance" if kind == "attendance" and "attendance" in naming else EXPORT_CONVENTION[kind]
    pattern = naming.get(key)
    if pattern is None:
        raise OnboardError(
            f"The playbook has no '{key}' naming convention for the {kind} file.",
            f'Add it under [naming], like {key} = "{key.capitalize()}-{{client}}-{{course_date}}".',
        )
    stem = apply_convention(pattern, values)
    suffix = EXPORT_SUFFIX.get(kind, "")
    return safe_filename(stem + suffix) if suffix else stem


# ---------------------------------------------------------------- documents (TOML)


def _want(doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: str, where: str = "") -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise OnboardError(
            f"{path}: {where}{key} is missing or has the wrong type ({value!r}).",
            "Fix it by hand or import the file again; it was left as it is.",
        )
    return value


def _check_schema(doc: Mapping[str, Any], path: str) -> None:
    schema = doc.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise OnboardError(f"{path}: 'schema' must be a whole number, not {schema!r}.")
    if schema > SCHEMA:
        raise OnboardError(
            f"{path}: written by a newer onboard (schema {schema}).",
            "Upgrade onboard; the file was left as it is.",
        )


def _header_doc(source: str, at: datetime | None, by: str) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": SCHEMA, "source": source}
    if at is not None:
        doc["imported_at"] = at.replace(microsecond=0)
    if by:
        doc["imported_by"] = by
    return doc


def roster_to_document(roster: Roster) -> dict[str, Any]:
    doc = _header_doc(roster.source, roster.imported_at, roster.imported_by)
    doc["people"] = [p.as_dict() for p in roster.people]
    return doc


def roster_from_document(doc: Mapping[str, Any], path: str) -> Roster:
    _check_schema(doc, path)
    people = []
    for index, raw in enumerate(_want(doc, "people", list, path)):
        where = f"people[{index}]."
        if not isinstance(raw, dict):
            raise OnboardError(f"{path}: people[{index}] must be a table.")
        lxp = raw.get("lxp_registered")
        people.append(
            Person(
                email=_want(raw, "email", str, path, where),
                first_name=str(raw.get("first_name", "")),
                last_name=str(raw.get("last_name", "")),
                title=str(raw.get("title", "")),
                location=str(raw.get("location", "")),
                lxp_registered=lxp if isinstance(lxp, bool) else None,
                notes=str(raw.get("notes", "")),
                row=raw.get("row", 0) if isinstance(raw.get("row"), int) else 0,
            )
        )
    return Roster(
        people,
        source=str(doc.get("source", "")),
        imported_at=doc.get("imported_at") if isinstance(doc.get("imported_at"), datetime) else None,
        imported_by=str(doc.get("imported_by", "")),
    )


def attendance_to_document(attendance: Attendance) -> dict[str, Any]:
    people = []
    for person in attendance.people:
        entry: dict[str, Any] = {"email": person.email, "name": person.name}
        entry["present"] = sorted(d for d, v in person.present.items() if v)
        entry["absent"] = sorted(d for d, v in person.present.items() if not v)
        if person.minutes_late is not None:
            entry["minutes_late"] = person.minutes_late
        if person.notes:
            entry["notes"] = person.notes
        if person.lxp_registered is not None:
            entry["lxp_registered"] = person.lxp_registered
        if not person.on_roster:
            entry["on_roster"] = False
        people.append(entry)
    return {
        "schema": SCHEMA,
        "days": list(attendance.days),
        "present_count": attendance.present_count(),
        "sources": attendance.sources,
        "people": people,
    }


def attendance_from_document(doc: Mapping[str, Any], path: str) -> Attendance:
    _check_schema(doc, path)
    days = _want(doc, "days", list, path)
    if not all(isinstance(d, date) and not isinstance(d, datetime) for d in days):
        raise OnboardError(f"{path}: days must be dates (YYYY-MM-DD).")
    people = []
    for index, raw in enumerate(_want(doc, "people", list, path)):
        where = f"people[{index}]."
        if not isinstance(raw, dict):
            raise OnboardError(f"{path}: people[{index}] must be a table.")
        present: dict[date, bool] = {}
        for key, value in (("absent", False), ("present", True)):
            entries = raw.get(key, [])
            if not isinstance(entries, list) or not all(isinstance(d, date) for d in entries):
                raise OnboardError(f"{path}: {where}{key} must be a list of dates.")
            present.update(dict.fromkeys(entries, value))
        late = raw.get("minutes_late")
        lxp = raw.get("lxp_registered")
        people.append(
            Attendee(
                email=str(raw.get("email", "")),
                name=_want(raw, "name", str, path, where),
                present=present,
                minutes_late=late if isinstance(late, int) and not isinstance(late, bool) else None,
                notes=str(raw.get("notes", "")),
                on_roster=raw.get("on_roster", True) is not False,
                lxp_registered=lxp if isinstance(lxp, bool) else None,
            )
        )
    sources = doc.get("sources", [])
    return Attendance(tuple(days), people, list(sources) if isinstance(sources, list) else [])


def evaluations_to_document(evaluations: Evaluations) -> dict[str, Any]:
    doc = _header_doc(evaluations.source, evaluations.imported_at, evaluations.imported_by)
    doc["questions"] = list(evaluations.questions)
    doc["comment_columns"] = list(evaluations.comment_columns)
    responses = []
    for response in evaluations.responses:
        entry: dict[str, Any] = {
            "row": response.row,
            "scores": {str(k): v for k, v in response.scores.items()},
        }
        if response.comments:
            entry["comments"] = {str(k): v for k, v in response.comments.items()}
        responses.append(entry)
    doc["responses"] = responses
    return doc


def evaluations_from_document(doc: Mapping[str, Any], path: str) -> Evaluations:
    _check_schema(doc, path)
    questions = _want(doc, "questions", list, path)
    comment_columns = doc.get("comment_columns", [])
    if not all(isinstance(q, str) for q in [*questions, *comment_columns]):
        raise OnboardError(f"{path}: questions and comment_columns must be lists of text.")
    responses = []
    for index, raw in enumerate(_want(doc, "responses", list, path)):
        where = f"responses[{index}]."
        if not isinstance(raw, dict):
            raise OnboardError(f"{path}: responses[{index}] must be a table.")
        scores = _want(raw, "scores", dict, path, where)
        comments = raw.get("comments", {})
        try:
            parsed = {int(k): v for k, v in scores.items()}
            notes = {int(k): str(v) for k, v in comments.items()}
        except (ValueError, AttributeError):
            raise OnboardError(f"{path}: {where}scores must be keyed by question number.") from None
        bad = [k for k, v in parsed.items() if not 1 <= k <= len(questions) or not _is_number(v)]
        bad += [k for k in notes if not 1 <= k <= len(comment_columns)]
        if bad:
            raise OnboardError(
                f"{path}: {where} refers to question {bad[0]}, which is not there or not a number."
            )
        responses.append(Response(int(raw.get("row", 0)), parsed, notes))
    return Evaluations(
        questions=list(questions),
        comment_columns=list(comment_columns),
        responses=responses,
        source=str(doc.get("source", "")),
        imported_at=doc.get("imported_at") if isinstance(doc.get("imported_at"), datetime) else None,
        imported_by=str(doc.get("imported_by", "")),
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
