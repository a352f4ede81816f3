"""People: a roster read from any spreadsheet, checked row by row and de-duplicated by email.

A reader hands over the rows as ``(row_number, values)`` pairs, whatever the
file was (an xlsx sheet, a CSV). The header is mapped to our fields
(:mod:`onboard.delivery.headers`), every row that cannot be used is reported with its
row number, column and reason (:mod:`onboard.delivery.cells`), and a later row with
the same email fills the first one's blanks instead of adding a person.

:func:`parse_roster` reads the rows into a :class:`Roster` in memory (a
50,000-row roster is a few tens of MB). :class:`Person` and :class:`Roster`
are the people every other module (attendance, the files, the exports)
works with.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
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
from onboard.delivery.headers import HeaderMap, HeaderNotFound, find_header, headers_seen, normalise_header

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
        first, last = self.first_name, self.last_name
        return f"{first} {last}" if first and last else first or last

    @property
    def key(self) -> str:
        """The email, case aside; a walk-in seen only by name is keyed by it, as their attendance is."""
        return self.email.casefold() if self.email else "name:" + name_key(self.name)

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
    not_people: list[tuple[int, str]] = field(default_factory=list)


def _roster_header_score(header: HeaderMap) -> int:
    if "email" not in header.columns:
        return 0
    return 1 + int(header.has_name) + int(len(header.columns) >= 3)


def parse_roster(rows: Iterable[tuple[int, Sequence[object]]], source: str) -> RosterImport:
    """Read a roster's rows: map the header, check every row, de-duplicate by email.

    A row that cannot be used is reported in ``problems``; a later row with
    the email of an earlier one is reported in ``duplicates`` and fills the
    earlier person's blanks instead of adding a person. A row without an
    email that is plainly not a person (a total, the header repeated, a
    lone title) is listed in ``not_people`` with what it is, not as a
    problem: it is no mistake, and it holds nobody to import. Raises
    :class:`HeaderNotFound` when the first rows have no email column (the
    caller may try another sheet).
    """
    header, buffered, rest = find_header(iter(rows), _roster_header_score)
    if header is None or "email" not in header.columns:
        raise HeaderNotFound(
            f"{source}: no email column ({headers_seen(header)}).",
            "Name a column 'Email' (or 'E-mail', 'Email Address'); people are matched by email.",
        )
    result = RosterImport(Roster([], source=source), header)
    seen: dict[str, Person] = {}
    for number, values in itertools.chain(buffered, rest):
        if is_blank(values):
            result.blank_rows += 1
            continue
        before = len(result.problems)
        person = _person(number, values, header, result.problems)
        if person is None:
            if len(result.problems) > before and (what := _not_a_person(values, header)):
                del result.problems[before:]
                result.not_people.append((number, what))
            continue
        kept = seen.setdefault(person.key, person)
        if kept is person:
            result.roster.people.append(person)
        else:
            result.duplicates.append((number, kept.row, person.email))
            _fill_blanks(kept, person)
    return result


def _person(
    number: int, values: Sequence[object], header: HeaderMap, problems: list[Problem]
) -> Person | None:
    """The person in one row, or None after adding to ``problems`` every reason the row cannot be used."""
    cols = header.columns

    def fail(index: int | None, reason: str) -> None:
        label = header.header(index) if index is not None else ""
        problems.append(Problem(number, reason, index + 1 if index is not None else None, label))

    def read(name: str, parse: Callable[[object], Any], blank: Any) -> Any:
        index = cols.get(name)
        try:
            return parse(cell_at(values, index))
        except CellError as exc:
            fail(index, str(exc))
            return blank

    before = len(problems)
    texts = {
        name: read(name, text_value, "")
        for name in ("first_name", "last_name", "full_name", "title", "location")
    }
    notes = read("notes", _notes, "")
    lxp = read("lxp_registered", yes_no_value, None)
    email = read("email", email_value, None)
    if email is None or len(problems) > before:
        return None
    first, last = texts["first_name"], texts["last_name"]
    if not first and not last and texts["full_name"]:
        first, last = split_full_name(texts["full_name"])
    if not first and not last:
        fail(None, "no name (give a first and last name, or a full name)")
        return None
    return Person(email, first, last, texts["title"], texts["location"], lxp, notes, number)


_TOTAL_WORDS = frozenset({"total", "totals", "subtotal", "sum", "count", "average"})
_NAME_FIELDS = ("first_name", "last_name", "full_name")


def _not_a_person(values: Sequence[object], header: HeaderMap) -> str | None:
    """What a row without a usable email plainly is when it is not a person; None when it may be one.

    Asked only of rows that failed, so a person's row costs nothing more.
    """
    email_col = header.columns["email"]
    try:
        email_value(cell_at(values, email_col))
    except CellError:
        pass
    else:
        return None
    filled = [(index, value) for index, value in enumerate(values) if not is_blank((value,))]
    if not filled:
        return None
    first = filled[0][1]
    if isinstance(first, str):
        words = fold(clean(first)).replace(":", " ").split()
        if words and (words[0] in _TOTAL_WORDS or words[:2] == ["grand", "total"]):
            return f"a total row ({clean(first)!r})"
    if normalise_header(cell_at(values, email_col)) == normalise_header(header.header(email_col)):
        return "the header row again"
    name_cols = {header.columns[f] for f in _NAME_FIELDS if f in header.columns}
    if len(filled) == 1 and isinstance(first, str) and filled[0][0] not in name_cols:
        return f"a title or note ({clean(first)!r})"
    return None


def _notes(value: object) -> str:
    return text_value(value, dates_ok=True, multiline=True)


def _fill_blanks(kept: Person, other: Person) -> None:
    for name in ("first_name", "last_name", "title", "location", "notes"):
        if not getattr(kept, name) and getattr(other, name):
            setattr(kept, name, getattr(other, name))
    if kept.lxp_registered is None:
        kept.lxp_registered = other.lxp_registered
