"""A delivery's own files: the roster, attendance and evaluations in the client's folder.

They sit beside ``client.toml``:

* ``roster.jsonl`` and ``attendance.jsonl`` are JSON Lines. The first line
  is a header object saying what the file is (``"onboard": "roster"``), its
  ``schema``, the ``fields`` of a row, and for the roster the ``source``
  file and when and by whom it was imported, for the attendance the course
  ``days`` and the ``sources`` it was read from. Every further line is one
  person: a JSON array of the values of those fields.

  - roster fields: email, first_name, last_name, title, location,
    lxp_registered (true, false or null), notes, row (in the source file);
  - attendance fields: email, name, present and absent (lists of
    YYYY-MM-DD days), minutes_late, notes, lxp_registered, on_roster (false
    for a walk-in).

  Text stays text (a JSON string, never a formula), a change shows in
  ``git diff`` as the lines of the people it touched, and a file is read and
  written a row at a time, so a roster of 50,000 costs no more memory than
  one of 50. A reader maps the columns by the header's ``fields``.
* ``evals.toml``: the ``questions``, the ``comment_columns`` and one
  ``[[responses]]`` entry per response (``scores`` keyed by question number).

``roster.toml`` and ``attendance.toml``, as earlier versions wrote them,
are still read; the next change writes the .jsonl file and moves the old
one to ``.backup/``.

Each file is replaced whole, under the client's lock: the new version is
written to a temporary file beside it, flushed, fsynced and moved into place,
so a reader sees the old file or the new one, never a mix. The version
replaced is kept as ``.backup/<name>.previous.<ext>`` (a hard link where the
file system allows, so keeping it costs no copy), and a file that cannot be
read is reported and never written over.

The ``close-delivery`` step asks for the participant count and the eval score;
when the attendance and evaluation data are in the client's folder those
answers come from them instead of from the coordinator
(:func:`derived_facts`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import marshal
import os
import struct
import tomllib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from onboard.errors import OnboardError
from onboard.roster import (
    ATTENDEE_FIELDS,
    PERSON_FIELDS,
    SCHEMA,
    Attendance,
    AttendanceScan,
    AttendanceTally,
    Attendee,
    Evaluations,
    KeyIndex,
    Mark,
    Person,
    RecordLookup,
    Roster,
    RosterMatcher,
    RowError,
    attendance_from_document,
    attendee_from_row,
    attendee_row,
    evaluations_from_document,
    evaluations_to_document,
    merge_person,
    merge_walk_ins,
    person_from_row,
    person_row,
    roster_from_document,
    summarise,
)

ROSTER_FILE = "roster.jsonl"
ATTENDANCE_FILE = "attendance.jsonl"
EVALS_FILE = "evals.toml"
LEGACY_FILES = {ROSTER_FILE: "roster.toml", ATTENDANCE_FILE: "attendance.toml"}
OUT_DIR = "out"
BACKUP_DIR = ".backup"

_UNTOUCHED = "Fix it by hand, or delete it and import again; it was left as it is."
_KINDS = {ROSTER_FILE: ("roster", PERSON_FIELDS), ATTENDANCE_FILE: ("attendance", ATTENDEE_FIELDS)}
_REQUIRED = {ROSTER_FILE: ("email",), ATTENDANCE_FILE: ("email", "name")}
_ENCODE = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode
_DECODE = json.JSONDecoder().decode  # json.loads without its per-call checks
_BATCH = 256  # lines decoded together
_serial = itertools.count()


# ---------------------------------------------------------------- reading


def _jsonable(value: Any) -> Any:
    """Dates and times as ISO text, for the few structured values of a header."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class RowsFile:
    """One of our JSON Lines files, read a row at a time (see the module's docstring).

    The header is read when the file is opened; every iteration opens the
    file again and checks it is the same file (same inode, size and
    modification time), so two passes over it never see two versions.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        kind, self.fields = _KINDS[path.name]
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
        missing = [f for f in _REQUIRED[path.name] if f not in fields]
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
        return OnboardError(f"{self.path}: line {line}: {reason}.", _UNTOUCHED)

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
            values = _DECODE(line.decode("utf-8", "surrogatepass"))
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
            rows = _DECODE(f"[{text}]")
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


class StoredRoster(RowsFile):
    """``roster.jsonl``: the people, one at a time, in their order."""

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


def _datetime(value: object) -> datetime | None:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value)
    return None


def _read_toml(path: Path, parse: Callable[[dict[str, Any], str], Any]) -> Any:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise OnboardError(f"{path}: not UTF-8 text (byte {exc.start}).", _UNTOUCHED) from None
    except tomllib.TOMLDecodeError as exc:
        raise OnboardError(f"{path}: not valid TOML: {exc}.", _UNTOUCHED) from None
    try:
        return parse(doc, str(path))
    except OnboardError as exc:
        raise OnboardError(exc.message, exc.hint or _UNTOUCHED) from None


def _open_rows(folder: Path, name: str, kind: type[RowsFile], legacy: Callable[[dict[str, Any], str], Any]):
    path = folder / name
    if path.exists():
        return kind(path)
    return _read_toml(folder / LEGACY_FILES[name], legacy)


def open_roster(folder: Path) -> StoredRoster | Roster | None:
    """The stored roster, to read a person at a time; None when none was imported."""
    return _open_rows(folder, ROSTER_FILE, StoredRoster, roster_from_document)


def open_attendance(folder: Path) -> StoredAttendance | Attendance | None:
    """The recorded attendance, to read a record at a time; None when none was recorded."""
    return _open_rows(folder, ATTENDANCE_FILE, StoredAttendance, attendance_from_document)


def load_roster(folder: Path) -> Roster | None:
    """The stored roster, whole, in memory; None when none was imported."""
    roster = open_roster(folder)
    return roster.to_roster() if isinstance(roster, StoredRoster) else roster


def load_attendance(folder: Path) -> Attendance | None:
    """The recorded attendance, whole, in memory."""
    attendance = open_attendance(folder)
    return attendance.to_attendance() if isinstance(attendance, StoredAttendance) else attendance


def load_evaluations(folder: Path) -> Evaluations | None:
    return _read_toml(folder / EVALS_FILE, evaluations_from_document)


def _check(folder: Path, name: str) -> None:
    """Read a stored file to the end: an OnboardError says where it is damaged."""
    if name == ROSTER_FILE:
        for _ in open_roster(folder) or ():
            pass
    elif name == ATTENDANCE_FILE:
        for _ in open_attendance(folder) or ():
            pass
    else:
        _read_toml(folder / name, evaluations_from_document)


# ---------------------------------------------------------------- writing


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary(folder: Path, name: str) -> tuple[Path, int]:
    while True:
        path = folder / f".{name}.{os.getpid()}.{next(_serial)}.tmp"
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue


def _keep_previous(path: Path, backup: Path) -> None:
    """Make ``backup`` the version of ``path`` about to be replaced: a hard link, else a copy."""
    tmp = backup.with_name(f".{backup.name}.{os.getpid()}.{next(_serial)}.tmp")
    try:
        try:
            os.link(path, tmp)
        except OSError:
            import shutil

            shutil.copyfile(path, tmp)
            with tmp.open("rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, backup)
        _fsync_dir(backup.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _replace(folder: Path, name: str, tmp: Path, *, verified: bool) -> Path:
    """Move ``tmp`` over ``folder/name``, keeping the version it replaces; the caller holds the lock.

    A file that cannot be read is never replaced: it is read first (unless
    ``verified`` says the caller has just read all of it) and the error names
    it. A file from before (``roster.toml``) is backed up and removed once
    the new one is in place.
    """
    path = folder / name
    legacy = folder / LEGACY_FILES[name] if name in LEGACY_FILES else None
    retire: Path | None = None
    if path.exists():
        if not verified:
            _check(folder, name)
        (folder / BACKUP_DIR).mkdir(exist_ok=True)
        _keep_previous(path, folder / BACKUP_DIR / f"{path.stem}.previous{path.suffix}")
    elif legacy is not None and legacy.exists():
        if not verified:
            _check(folder, name)
        (folder / BACKUP_DIR).mkdir(exist_ok=True)
        _keep_previous(legacy, folder / BACKUP_DIR / f"{legacy.stem}.previous{legacy.suffix}")
        retire = legacy
    os.replace(tmp, path)
    if retire is not None:
        with contextlib.suppress(FileNotFoundError):
            retire.unlink()
    _fsync_dir(folder)
    return path


class RowsWriter:
    """A new version of ``roster.jsonl`` or ``attendance.jsonl``, written a row at a time.

    The rows go to a temporary file beside the real one; :meth:`commit`
    (under the client's lock) moves it into place, and leaving the ``with``
    block without committing removes it: nothing was stored.
    """

    def __init__(self, folder: Path, name: str, header: dict[str, Any]) -> None:
        kind, fields = _KINDS[name]
        self.folder, self.name = folder, name
        self.count = 0
        self._tmp, fd = _temporary(folder, name)
        self._handle = os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass", newline="\n")
        head = {"onboard": kind, "schema": SCHEMA, **_jsonable(header), "fields": list(fields)}
        self._handle.write(_ENCODE(head) + "\n")

    def write(self, values: list[Any]) -> None:
        self._handle.write(_ENCODE(values) + "\n")
        self.count += 1

    def rewrite(self, change: Callable[[list[Any]], list[Any]]) -> None:
        """Pass every row written so far through ``change`` (a second temporary file, streamed)."""
        self._handle.close()
        old = self._tmp
        self._tmp, fd = _temporary(self.folder, self.name)
        self._handle = os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass", newline="\n")
        try:
            with old.open("rb") as source:
                self._handle.write(source.readline().decode("utf-8", "surrogatepass"))
                for line in source:
                    if line.strip():
                        values = _DECODE(line.decode("utf-8", "surrogatepass"))
                        self._handle.write(_ENCODE(change(values)) + "\n")
        finally:
            old.unlink()

    def commit(self, *, verified: bool = False) -> Path:
        handle = self._handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        try:
            return _replace(self.folder, self.name, self._tmp, verified=verified)
        finally:
            self.discard()

    def discard(self) -> None:
        self._handle.close()
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()

    def __enter__(self) -> RowsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def roster_header(source: str, at: datetime | None, by: str) -> dict[str, Any]:
    header: dict[str, Any] = {"source": source}
    header["imported_at"] = at.replace(microsecond=0) if at is not None else None
    header["imported_by"] = by
    return header


def attendance_header(days: Sequence[date], sources: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"days": list(days), "sources": list(sources)}


def roster_writer(folder: Path, source: str, at: datetime | None, by: str) -> RowsWriter:
    """A new roster.jsonl, to be filled a person at a time (``writer.write(person_row(p))``)."""
    return RowsWriter(folder, ROSTER_FILE, roster_header(source, at, by))


def save_roster(store: Any, slug: str, roster: Roster) -> Path:
    folder = store.folder(slug)
    with roster_writer(folder, roster.source, roster.imported_at, roster.imported_by) as out:
        for person in roster:
            out.write(person_row(person))
        with store.lock(slug):
            return out.commit()


def _write_attendance(folder: Path, attendance: Attendance, *, verified: bool) -> Path:
    with RowsWriter(folder, ATTENDANCE_FILE, attendance_header(attendance.days, attendance.sources)) as out:
        for record in attendance.people:
            out.write(attendee_row(record))
        return out.commit(verified=verified)


def update_attendance(
    store: Any, slug: str, change: Callable[[Attendance | None], Attendance]
) -> tuple[Path, Attendance]:
    """Read the stored attendance, apply ``change`` and write the result, all under the client's lock.

    For small changes made in memory; an import streams instead (:class:`AttendanceRecorder`).
    """
    with store.lock(slug):
        folder = store.folder(slug)
        attendance = change(load_attendance(folder))
        return _write_attendance(folder, attendance, verified=True), attendance


def _toml_chunks(doc: dict[str, Any], rows: str, chunk: int = 500) -> Iterator[str]:
    """``doc`` as TOML, its big array of tables a few hundred entries at a time."""
    import tomli_w

    yield tomli_w.dumps({k: v for k, v in doc.items() if k != rows})
    items = doc.get(rows, [])
    for start in range(0, len(items), chunk):
        yield "\n" + tomli_w.dumps({rows: items[start : start + chunk]})


def save_evaluations(store: Any, slug: str, evaluations: Evaluations) -> Path:
    folder = store.folder(slug)
    with store.lock(slug):
        path = folder / EVALS_FILE
        if path.exists():
            _check(folder, EVALS_FILE)
            (folder / BACKUP_DIR).mkdir(exist_ok=True)
            _keep_previous(path, folder / BACKUP_DIR / f"{path.stem}.previous{path.suffix}")
        tmp, fd = _temporary(folder, EVALS_FILE)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                for text in _toml_chunks(evaluations_to_document(evaluations), "responses"):
                    handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _fsync_dir(folder)
        return path


# ---------------------------------------------------------------- recording attendance, streamed

_LENGTH = struct.Struct("<I")


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
    roster by email (a :class:`KeyIndex` of the roster's emails) and parked
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
        """Merge what was read into the stored attendance (see :func:`onboard.roster.merge_attendance`)."""
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
            sources = [*(existing.sources if existing is not None else []), _jsonable(source)][-20:]
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


# ---------------------------------------------------------------- facts


def _attendance_counts(folder: Path) -> tuple[int, list[date]] | None:
    """People present on at least one day, and the days with anything recorded; None: no attendance."""
    attendance = open_attendance(folder)
    if attendance is None:
        return None
    attended = 0
    seen: set[date] = set()
    for record in attendance:
        if record.attended:
            attended += 1
        seen.update(record.present)
    return attended, [d for d in attendance.days if d in seen]


def participants(folder: Path) -> tuple[int | None, str]:
    """How many took part, and where that number comes from.

    Recorded attendance (people present on at least one day) when there is
    any; else the number on the roster; else unknown.
    """
    return _participants(folder, _attendance_counts(folder))


def _participants(folder: Path, counts: tuple[int, list[date]] | None) -> tuple[int | None, str]:
    if counts is not None and counts[1]:
        return counts[0], "attendance"
    roster = open_roster(folder)
    if roster is not None:
        count = sum(1 for _ in roster)
        if count:
            return count, "roster"
    return None, ""


def derived_facts(folder: Path) -> dict[str, Any]:
    """Field values computed from the files in a client's folder; empty when there are none.

    * ``participant_count``: the people recorded present on at least one day
      of the course. Only recorded attendance counts: the roster says who was
      invited, not who came, so without attendance the coordinator is asked.
    * ``eval_score``: the overall average of the imported evaluation scores
      (every score weighs the same), rounded to 2 places.
    """
    facts: dict[str, Any] = {}
    counts = _attendance_counts(folder)
    if counts is not None and counts[1]:
        facts["participant_count"] = counts[0]
    evaluations = load_evaluations(folder)
    if evaluations is not None and evaluations.responses:
        count, source = _participants(folder, counts)
        overall = summarise(evaluations, count, source).overall
        if overall is not None:
            facts["eval_score"] = overall
    return facts
