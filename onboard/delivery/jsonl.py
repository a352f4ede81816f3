"""Our JSON Lines files, read a row at a time: ``roster.jsonl`` and ``attendance.jsonl``.

The first line is a header object saying what the file is (``"onboard":
"roster"``), its ``schema``, the ``fields`` of a row, and for the roster the
``source`` file and when and by whom it was imported, for the attendance
the course ``days`` and the ``sources`` it was read from. Every further line
is one person: a JSON array of the values of those fields.

- roster fields: email, first_name, last_name, title, location,
  lxp_registered (true, false or null), notes, row (in the source file);
- attendance fields: email, name, present and absent (lists of YYYY-MM-DD
  days), minutes_late, notes, lxp_registered, on_roster (false for a
  walk-in).

Text stays text (a JSON string, never a formula), a change shows in ``git
diff`` as the lines of the people it touched, and a file is read a row at a
time, so a roster of 50,000 costs no more memory than one of 50. A reader
maps the columns by the header's ``fields``. Which files a client has, and
writing them, is :mod:`onboard.delivery.datafiles`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from array import array
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from onboard.delivery.attendance import Attendance, Attendee
from onboard.delivery.keyindex import KeyIndex
from onboard.delivery.roster import Person, Roster
from onboard.delivery.stored import (
    ATTENDEE_FIELDS,
    PERSON_FIELDS,
    SCHEMA,
    RowError,
    attendee_from_row,
    person_from_row,
)
from onboard.errors import OnboardError

UNTOUCHED = "Fix it by hand, or delete it and import again; it was left as it is."
# a row or a header as one line: text as it is (no \u escapes), NaN and infinity refused
encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode
decode = json.JSONDecoder().decode  # json.loads without its per-call checks
_BATCH = 256  # lines decoded together


def jsonable(value: Any) -> Any:
    """Dates and times as ISO text, for the few structured values of a header."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class RowsFile:
    """One of our JSON Lines files, read a row at a time (see the module's docstring).

    The header is read when the file is opened; every iteration opens the
    file again and checks it is the same file (same inode, size and
    modification time), so two passes over it never see two versions. A
    subclass says which file it reads: the header's ``kind``, the ``fields``
    it hands out (in this order) and those a file must have.
    """

    kind: str
    fields: tuple[str, ...]
    required: tuple[str, ...]

    def __init__(self, path: Path) -> None:
        self.path = path
        kind = self.kind
        self._identity: tuple[int, int, int] | None = None
        with self._open() as handle:
            first = handle.readline()
            self._data_start = handle.tell()
        if not first.strip():
            raise self.error(1, "empty, with no header line")
        try:
            header = json.loads(first)
        except ValueError as exc:
            raise self.error(1, f"the header is not valid JSON ({_reason(exc)})") from None
        if not isinstance(header, dict) or header.get("onboard") != kind:
            raise self.error(1, f'the header must be a JSON object with "onboard": "{kind}"')
        schema = header.get("schema")
        if not isinstance(schema, int) or isinstance(schema, bool):
            raise self.error(1, f"'schema' must be a whole number, not {schema!r}")
        if schema > SCHEMA:
            raise OnboardError(
                f"{path}: written by a newer onboard (schema {schema}).",
                "Upgrade onboard; the file was left as it is.",
            )
        fields = header.get("fields")
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            raise self.error(1, "'fields' must be a list of field names")
        missing = [f for f in self.required if f not in fields]
        if missing:
            raise self.error(1, f"'fields' has no {', '.join(missing)}")
        self.header: dict[str, Any] = header
        self._width = len(fields)
        self._mapping = (
            None
            if tuple(fields) == self.fields
            else [fields.index(f) if f in fields else -1 for f in self.fields]
        )

    def error(self, line: int, reason: str) -> OnboardError:
        return OnboardError(f"{self.path}: line {line}: {reason}.", UNTOUCHED)

    def _open(self) -> Any:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            raise OnboardError(
                f"{self.path}: removed while onboard was reading it.", "Run the command again."
            ) from None
        except OSError as exc:
            raise OnboardError(f"{self.path}: cannot read it ({exc.strerror}).") from None
        stat = os.fstat(handle.fileno())
        identity = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if self._identity is None:
            self._identity = identity
        elif identity != self._identity:
            handle.close()
            raise OnboardError(
                f"{self.path}: changed while onboard was reading it (another onboard wrote it); nothing was written.",
                "Run the command again.",
            )
        return handle

    def _values(self, number: int, line: bytes) -> list[Any]:
        try:
            values = decode(line.decode("utf-8", "surrogatepass"))
        except ValueError as exc:
            raise self.error(number, f"not valid JSON ({_reason(exc)})") from None
        if type(values) is not list or len(values) != self._width:
            raise self.error(
                number, f"must be a JSON array of {self._width} values ({', '.join(self.header['fields'])})"
            )
        if self._mapping is not None:
            values = [values[i] if i >= 0 else None for i in self._mapping]
        return values

    def entries(self, start: tuple[int, int] | None = None) -> Iterator[tuple[int, int, list[Any]]]:
        """(byte offset, line number, values) of every row; from ``start`` (an offset and line number
        this method gave) instead of the first row."""
        offset, number = start if start is not None else (self._data_start, 2)
        batch: list[tuple[int, int, bytes]] = []
        with self._open() as handle:
            handle.seek(offset)
            for line in handle:
                if line.strip():
                    batch.append((offset, number, line))
                    if len(batch) == _BATCH:
                        yield from self._decoded(batch)
                        batch = []
                offset += len(line)
                number += 1
        yield from self._decoded(batch)

    def _decoded(self, batch: list[tuple[int, int, bytes]]) -> Iterator[tuple[int, int, list[Any]]]:
        """The rows of a batch of lines, decoded as one JSON array (one call instead of hundreds);
        line by line when that fails, so that the error names the line."""
        if not batch:
            return
        try:
            text = b",".join([line for _, _, line in batch]).decode("utf-8", "surrogatepass")
            rows = decode(f"[{text}]")
        except ValueError:
            rows = None
        if rows is None or len(rows) != len(batch):
            rows = [self._values(number, line) for _, number, line in batch]
        width, mapping = self._width, self._mapping
        for (offset, number, line), values in zip(batch, rows, strict=True):
            if type(values) is not list or len(values) != width:
                values = self._values(number, line)
            elif mapping is not None:
                values = [values[i] if i >= 0 else None for i in mapping]
            yield offset, number, values

    def read_at(self, handle: Any, offset: int, number: int) -> list[Any]:
        """The values of the row at ``offset`` (an offset :meth:`entries` gave), through ``handle``."""
        handle.seek(offset)
        return self._values(number, handle.readline())

    def __len__(self) -> int:
        """The number of rows, counted without reading them."""
        with self._open() as handle:
            handle.seek(self._data_start)
            return sum(1 for line in handle if line.strip())


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)


def _datetime(value: object) -> datetime | None:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value)
    return None


class StoredRoster(RowsFile):
    """``roster.jsonl``: the people, one at a time, in their order."""

    kind, fields, required = "roster", PERSON_FIELDS, ("email",)

    @property
    def source(self) -> str:
        return str(self.header.get("source") or "")

    @property
    def imported_at(self) -> datetime | None:
        return _datetime(self.header.get("imported_at"))

    @property
    def imported_by(self) -> str:
        return str(self.header.get("imported_by") or "")

    def __iter__(self) -> Iterator[Person]:
        for _, number, values in self.entries():
            try:
                yield person_from_row(values)
            except RowError as exc:
                raise self.error(number, str(exc)) from None

    def to_roster(self) -> Roster:
        return Roster(list(self), self.source, self.imported_at, self.imported_by)


class StoredAttendance(RowsFile):
    """``attendance.jsonl``: the course days, the sources, one record per person."""

    kind, fields, required = "attendance", ATTENDEE_FIELDS, ("email", "name")

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        raw_days = self.header.get("days")
        try:
            if not isinstance(raw_days, list):
                raise TypeError
            self.days = tuple(date.fromisoformat(d) for d in raw_days)
        except (TypeError, ValueError):
            raise self.error(1, f"'days' must be a list of dates (YYYY-MM-DD), not {raw_days!r}") from None
        sources = self.header.get("sources")
        self.sources: list[dict[str, Any]] = list(sources) if isinstance(sources, list) else []

    def record(self, number: int, values: list[Any]) -> Attendee:
        try:
            return attendee_from_row(values)
        except RowError as exc:
            raise self.error(number, str(exc)) from None

    def __iter__(self) -> Iterator[Attendee]:
        for _, number, values in self.entries():
            yield self.record(number, values)

    def lookup(self) -> FileLookup:
        return FileLookup(self)

    def to_attendance(self) -> Attendance:
        return Attendance(self.days, list(self), list(self.sources))


class FileLookup:
    """Records of ``attendance.jsonl`` found by key, each handed out once, reading the file once.

    Asked in the file's order (the roster's order, in which records are
    written) it just reads on. At the first key out of order it indexes the
    rest of the file (each key and where its line starts, in a
    :class:`KeyIndex`) and from then on reads a record where it is; memory
    holds neither the records nor a dict of them. :meth:`rest` gives the
    records nobody asked for, in the file's order.
    """

    def __init__(self, stored: StoredAttendance) -> None:
        self._stored = stored
        self._stream = stored.entries()
        self._next: tuple[int, int, Attendee] | None = None
        self._index: KeyIndex | None = None
        self._offsets = array("q")
        self._numbers = array("q")
        self._taken = bytearray()
        self._handle: Any = None

    def _peek(self) -> tuple[int, int, Attendee] | None:
        if self._next is None:
            for offset, number, values in self._stream:
                self._next = (offset, number, self._stored.record(number, values))
                break
        return self._next

    def pop(self, key: str) -> Attendee | None:
        if self._index is None:
            entry = self._peek()
            if entry is None:
                return None
            if entry[2].key == key:
                self._next = None
                return entry[2]
            self._build_index()
        assert self._index is not None
        position = self._index.get(key)
        if position is None or self._taken[position]:
            return None
        self._taken[position] = 1
        if self._handle is None:
            self._handle = self._stored._open()
        number = self._numbers[position]
        values = self._stored.read_at(self._handle, self._offsets[position], number)
        return self._stored.record(number, values)

    def _build_index(self) -> None:
        index = KeyIndex()
        entry = self._next
        pending = [entry] if entry is not None else []
        for position, (offset, number, record) in enumerate(
            itertools.chain(pending, ((o, n, self._stored.record(n, v)) for o, n, v in self._stream))
        ):
            index.setdefault(record.key, position)
            self._offsets.append(offset)
            self._numbers.append(number)
        self._taken = bytearray(len(self._offsets))
        self._index = index
        self._next = None

    def rest(self) -> Iterator[Attendee]:
        try:
            if self._index is None:
                entry = self._peek()
                if entry is not None:
                    self._next = None
                    yield entry[2]
                for _, number, values in self._stream:
                    yield self._stored.record(number, values)
            elif self._offsets:
                entries = self._stored.entries(start=(self._offsets[0], self._numbers[0]))
                for position, (_, _, values) in enumerate(entries):
                    if not self._taken[position]:
                        yield self._stored.record(self._numbers[position], values)
        finally:
            self.close()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
