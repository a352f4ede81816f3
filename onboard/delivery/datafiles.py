"""A delivery's own files in the client's folder: which they are, reading them, and replacing them safely.

They sit beside ``client.toml``: ``roster.jsonl`` and ``attendance.jsonl``
(JSON Lines, :mod:`onboard.delivery.jsonl`) and ``evals.toml`` (the ``questions``, the
``comment_columns`` and one ``[[responses]]`` entry per response, ``scores``
keyed by question number). ``roster.toml`` and ``attendance.toml``, as
earlier versions wrote them, are still read; the next change writes the
.jsonl file and moves the old one to ``.backup/``.

Each file is replaced whole, under the client's lock: the new version is
written to a temporary file beside it, flushed, fsynced and moved into place
(:func:`onboard.storage.store.replace_file`), so a reader sees the old file or the
new one, never a mix. The version replaced is kept as
``.backup/<name>.previous.<ext>`` (a hard link where the file system allows,
so keeping it costs no copy), and a file that cannot be read is reported and
never written over.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from onboard.delivery.attendance import Attendance
from onboard.delivery.evaluations import Evaluations
from onboard.delivery.jsonl import (
    UNTOUCHED,
    RowsFile,
    StoredAttendance,
    StoredRoster,
    decode,
    encode,
    jsonable,
)
from onboard.delivery.roster import Roster
from onboard.delivery.stored import (
    SCHEMA,
    attendance_from_document,
    attendee_row,
    evaluations_from_document,
    evaluations_to_document,
    person_row,
    roster_from_document,
)
from onboard.errors import OnboardError
from onboard.storage.atomic import replace_file, replacing, temporary, temporary_name

ROSTER_FILE = "roster.jsonl"
ATTENDANCE_FILE = "attendance.jsonl"
EVALS_FILE = "evals.toml"
LEGACY_FILES = {ROSTER_FILE: "roster.toml", ATTENDANCE_FILE: "attendance.toml"}
BACKUP_DIR = ".backup"
_KINDS: dict[str, type[RowsFile]] = {ROSTER_FILE: StoredRoster, ATTENDANCE_FILE: StoredAttendance}


# ---------------------------------------------------------------- reading


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
        raise OnboardError(f"{path}: not UTF-8 text (byte {exc.start}).", UNTOUCHED) from None
    except tomllib.TOMLDecodeError as exc:
        raise OnboardError(f"{path}: not valid TOML: {exc}.", UNTOUCHED) from None
    try:
        return parse(doc, str(path))
    except OnboardError as exc:
        raise OnboardError(exc.message, exc.hint or UNTOUCHED) from None


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


def _keep_previous(path: Path) -> None:
    """Make ``.backup/<name>.previous.<ext>`` the version of ``path`` about to be replaced:
    a hard link, else a copy."""
    folder = path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    backup = folder / f"{path.stem}.previous{path.suffix}"
    tmp = temporary_name(backup)
    try:
        try:
            os.link(path, tmp)
        except OSError:
            import shutil

            shutil.copyfile(path, tmp)
            with tmp.open("rb+") as handle:
                os.fsync(handle.fileno())
        replace_file(tmp, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _replace(folder: Path, name: str, tmp: Path, handle: IO[Any], *, verified: bool) -> Path:
    """Move ``tmp`` (written through ``handle``) over ``folder/name``, keeping the version it
    replaces; the caller holds the lock.

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
        _keep_previous(path)
    elif legacy is not None and legacy.exists():
        if not verified:
            _check(folder, name)
        _keep_previous(legacy)
        retire = legacy
    replace_file(tmp, path, handle, superseded=retire)
    return path


class RowsWriter:
    """A new version of ``roster.jsonl`` or ``attendance.jsonl``, written a row at a time.

    The rows go to a temporary file beside the real one; :meth:`commit`
    (under the client's lock) moves it into place, and leaving the ``with``
    block without committing removes it: nothing was stored.
    """

    def __init__(self, folder: Path, name: str, header: dict[str, Any]) -> None:
        kind = _KINDS[name]
        self.folder, self.name = folder, name
        self.count = 0
        self._tmp, self._handle = self._temporary()
        head = {"onboard": kind.kind, "schema": SCHEMA, **jsonable(header), "fields": list(kind.fields)}
        self._handle.write(encode(head) + "\n")

    def _temporary(self) -> tuple[Path, IO[str]]:
        tmp, fd = temporary(self.folder / self.name)
        return tmp, os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass", newline="\n")

    def write(self, values: list[Any]) -> None:
        self._handle.write(encode(values) + "\n")
        self.count += 1

    def rewrite(self, change: Callable[[list[Any]], list[Any]]) -> None:
        """Pass every row written so far through ``change`` (a second temporary file, streamed)."""
        self._handle.close()
        old = self._tmp
        self._tmp, self._handle = self._temporary()
        try:
            with old.open("rb") as source:
                self._handle.write(source.readline().decode("utf-8", "surrogatepass"))
                for line in source:
                    if line.strip():
                        values = decode(line.decode("utf-8", "surrogatepass"))
                        self._handle.write(encode(change(values)) + "\n")
        finally:
            old.unlink()

    def commit(self, *, verified: bool = False) -> Path:
        try:
            return _replace(self.folder, self.name, self._tmp, self._handle, verified=verified)
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

    For small changes made in memory; an import streams instead
    (:class:`~onboard.delivery.recorder.AttendanceRecorder`).
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
            _keep_previous(path)
        with replacing(path, "w", encoding="utf-8", newline="\n") as handle:
            for text in _toml_chunks(evaluations_to_document(evaluations), "responses"):
                handle.write(text)
        return path
