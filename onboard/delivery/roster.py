"""People: a roster read from any spreadsheet, checked row by row and de-duplicated by email.

A reader hands over the rows as ``(row_number, values)`` pairs, whatever the
file was (an xlsx sheet, a CSV). The header is mapped to our fields
(:mod:`onboard.delivery.headers`), every row that cannot be used is reported with its
row number, column and reason (:mod:`onboard.delivery.cells`), and a later row with
the same email fills the first one's blanks instead of adding a person.

:class:`RosterScan` yields the people as they are read, so a large roster is
streamed to its file; memory holds the emails seen (a
:class:`~onboard.delivery.keyindex.KeyIndex`), never the people. :func:`parse_roster`
is the same steps collected into a list. :class:`Person` and :class:`Roster`
are the people every other module (attendance, the files, the exports)
works with.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onboard.delivery.cells import (
    CellError,
    Problem,
    cell_at,
    clean,
    email_value,
    fold,
    is_blank,
    is_formula_like,
    text_value,
    yes_no_value,
)
from onboard.delivery.headers import HeaderMap, HeaderNotFound, find_header, headers_seen
from onboard.delivery.keyindex import KeyIndex

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


def split_full_name(text: str) -> tuple[str, str]:
    """'Ada Lovelace' -> ('Ada', 'Lovelace'); 'Lovelace, Ada' and 'Ludwig van Beethoven' too."""
    text = clean(text)
    if not text:
        return "", ""
    if is_formula_like(text):
        return text, ""
    if "," in text:
        last, _, first = text.partition(",")
        return clean(first), clean(last)
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
    folded = fold(text)
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
                f"{source}: no email column ({headers_seen(header)}).",
                "Name a column 'Email' (or 'E-mail', 'Email Address'); people are matched by email.",
            )
        self.source = source
        self.header = header
        self.problems: list[Problem] = []
        self.duplicates: list[tuple[int, int, str]] = []
        self.fills: dict[int, Person] = {}
        self.blank_rows = 0
        self.count = 0
        self._rows = itertools.chain(buffered, rest)

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
                    texts[name] = text_value(cell_at(values, index))
                except CellError as exc:
                    self._fail(number, index, str(exc))
                    ok = False
            try:
                notes = text_value(cell_at(values, notes_col), dates_ok=True, multiline=True)
            except CellError as exc:
                self._fail(number, notes_col, str(exc))
                ok = False
                notes = ""
            try:
                lxp = yes_no_value(cell_at(values, lxp_col))
            except CellError as exc:
                self._fail(number, lxp_col, str(exc))
                ok = False
                lxp = None
            try:
                email = email_value(cell_at(values, email_col))
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


def _fill_blanks(kept: Person, other: Person) -> None:
    for name in ("first_name", "last_name", "title", "location", "notes"):
        if not getattr(kept, name) and getattr(other, name):
            setattr(kept, name, getattr(other, name))
    if kept.lxp_registered is None:
        kept.lxp_registered = other.lxp_registered
