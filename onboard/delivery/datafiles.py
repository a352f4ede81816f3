"""A delivery's own files in the client's folder: which they are, reading them, and replacing them safely.

They sit beside ``client.toml``:

- ``roster.jsonl`` and ``attendance.jsonl``, JSON Lines. The first line is
  a header object saying what the file is (``"onboard": "roster"``), its
  ``schema``, the ``fields`` of a row, and for the roster the ``source``
  file and when and by whom it was imported, for the attendance the course
  ``days`` and the ``sources`` it was read from. Every further line is one
  person: a JSON array of the values of those fields
  (:data:`~onboard.delivery.stored.PERSON_FIELDS`,
  :data:`~onboard.delivery.stored.ATTENDEE_FIELDS`), mapped by the header's
  ``fields`` when read. Text stays text (a JSON string, never a formula) and
  a change shows in ``git diff`` as the lines of the people it touched.
- ``evals.toml``: the ``questions``, the ``comment_columns`` and one
  ``[[responses]]`` entry per response, ``scores`` keyed by question number.
- ``roster.toml`` and ``attendance.toml``, as earlier versions wrote them,
  are still read; the next change writes the .jsonl file and moves the old
  one to ``.backup/``.

A file is read whole into memory (a 50,000-person roster is a few tens of
MB) and replaced whole, under the client's lock, through
:mod:`onboard.storage.atomic`, so a reader sees the old file or the new one,
never a mix. The version replaced is kept as ``.backup/<name>.previous.<ext>``
(a hard link where the file system allows, so keeping it costs no copy), and
a file that cannot be read is reported and never written over.
"""

from __future__ import annotations

import contextlib
import json
import os
import tomllib
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from onboard.delivery.attendance import Attendance
from onboard.delivery.evaluations import Evaluations
from onboard.delivery.roster import Roster
from onboard.delivery.stored import (
    ATTENDEE_FIELDS,
    PERSON_FIELDS,
    SCHEMA,
    RowError,
    attendance_from_document,
    attendee_from_row,
    attendee_row,
    evaluations_from_document,
    evaluations_to_document,
    person_from_row,
    person_row,
    roster_from_document,
)
from onboard.errors import OnboardError
from onboard.storage.atomic import fsync_dir, replace_file, replacing, temporary_name

if TYPE_CHECKING:
    from onboard.storage.store import Store

ROSTER_FILE = "roster.jsonl"
ATTENDANCE_FILE = "attendance.jsonl"
EVALS_FILE = "evals.toml"
LEGACY_FILES = {ROSTER_FILE: "roster.toml", ATTENDANCE_FILE: "attendance.toml"}
BACKUP_DIR = ".backup"
UNTOUCHED = "Fix it by hand, or delete it and import again; it was left as it is."
# a row or a header as one line: text as it is (no \u escapes), NaN and infinity refused
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode
_decode = json.JSONDecoder().decode

T = TypeVar("T")


# ---------------------------------------------------------------- reading


def load_roster(folder: Path) -> Roster | None:
    """The stored roster; None when none was imported."""
    path = folder / ROSTER_FILE
    if not path.exists():
        return _read_toml(folder / LEGACY_FILES[ROSTER_FILE], roster_from_document)
    header, people = _read_jsonl(path, "roster", PERSON_FIELDS, ("email",), person_from_row)
    imported_at = None
    if isinstance(header.get("imported_at"), str):
        with contextlib.suppress(ValueError):
            imported_at = datetime.fromisoformat(header["imported_at"])
    return Roster(people, str(header.get("source") or ""), imported_at, str(header.get("imported_by") or ""))


def load_attendance(folder: Path) -> Attendance | None:
    """The recorded attendance; None when none was recorded."""
    path = folder / ATTENDANCE_FILE
    if not path.exists():
        return _read_toml(folder / LEGACY_FILES[ATTENDANCE_FILE], attendance_from_document)
    header, people = _read_jsonl(path, "attendance", ATTENDEE_FIELDS, ("email", "name"), attendee_from_row)
    raw_days = header.get("days")
    try:
        if not isinstance(raw_days, list):
            raise TypeError
        days = tuple(date.fromisoformat(d) for d in raw_days)
    except (TypeError, ValueError):
        raise _damaged(path, 1, f"'days' must be a list of dates (YYYY-MM-DD), not {raw_days!r}") from None
    sources = header.get("sources")
    return Attendance(days, people, list(sources) if isinstance(sources, list) else [])


def load_evaluations(folder: Path) -> Evaluations | None:
    """The imported evaluation responses; None when none were imported."""
    return _read_toml(folder / EVALS_FILE, evaluations_from_document)


def _damaged(path: Path, line: int, reason: str) -> OnboardError:
    return OnboardError(f"{path}: line {line}: {reason}.", UNTOUCHED)


def _read_jsonl(
    path: Path,
    kind: str,
    fields: Sequence[str],
    required: Sequence[str],
    convert: Callable[[list[Any]], T],
) -> tuple[dict[str, Any], list[T]]:
    """The header of one of our JSON Lines files, and its rows converted; an error names the line."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
    with handle:
        header = _header(path, handle.readline(), kind, required)
        stored = header["fields"]
        mapping = None if stored == list(fields) else [stored.index(f) if f in stored else -1 for f in fields]
        items = []
        for number, line in enumerate(handle, 2):
            if not line.strip():
                continue
            try:
                values = _decode(line.decode("utf-8", "surrogatepass"))
            except ValueError as exc:
                raise _damaged(path, number, f"not valid JSON ({_reason(exc)})") from None
            if type(values) is not list or len(values) != len(stored):
                raise _damaged(
                    path, number, f"must be a JSON array of {len(stored)} values ({', '.join(stored)})"
                )
            if mapping is not None:
                values = [values[i] if i >= 0 else None for i in mapping]
            try:
                items.append(convert(values))
            except RowError as exc:
                raise _damaged(path, number, str(exc)) from None
    return header, items


def _header(path: Path, first: bytes, kind: str, required: Sequence[str]) -> dict[str, Any]:
    if not first.strip():
        raise _damaged(path, 1, "empty, with no header line")
    try:
        header = json.loads(first)
    except ValueError as exc:
        raise _damaged(path, 1, f"the header is not valid JSON ({_reason(exc)})") from None
    if not isinstance(header, dict) or header.get("onboard") != kind:
        raise _damaged(path, 1, f'the header must be a JSON object with "onboard": "{kind}"')
    schema = header.get("schema")
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise _damaged(path, 1, f"'schema' must be a whole number, not {schema!r}")
    if schema > SCHEMA:
        raise OnboardError(
            f"{path}: written by a newer onboard (schema {schema}).",
            "Upgrade onboard; the file was left as it is.",
        )
    fields = header.get("fields")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise _damaged(path, 1, "'fields' must be a list of field names")
    missing = [f for f in required if f not in fields]
    if missing:
        raise _damaged(path, 1, f"'fields' has no {', '.join(missing)}")
    return header


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)


def _read_toml(path: Path, parse: Callable[[dict[str, Any], str], T]) -> T | None:
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


# ---------------------------------------------------------------- writing


def save_roster(store: Store, slug: str, roster: Roster) -> Path:
    """Replace the stored roster (see the module's docstring)."""
    header = {
        "onboard": "roster",
        "schema": SCHEMA,
        "source": roster.source,
        "imported_at": roster.imported_at.replace(microsecond=0) if roster.imported_at else None,
        "imported_by": roster.imported_by,
        "fields": list(PERSON_FIELDS),
    }
    with store.lock(slug):
        folder = store.folder(slug)
        load_roster(folder)  # a file that cannot be read is reported, never replaced
        return _write_jsonl(folder, ROSTER_FILE, header, map(person_row, roster.people))


def update_attendance(
    store: Store, slug: str, change: Callable[[Attendance | None], Attendance]
) -> tuple[Path, Attendance]:
    """Read the stored attendance, apply ``change`` and write the result, all under the client's lock."""
    with store.lock(slug):
        folder = store.folder(slug)
        attendance = change(load_attendance(folder))
        header = {
            "onboard": "attendance",
            "schema": SCHEMA,
            "days": attendance.days,
            "sources": attendance.sources,
            "fields": list(ATTENDEE_FIELDS),
        }
        return _write_jsonl(folder, ATTENDANCE_FILE, header, map(attendee_row, attendance.people)), attendance


def save_evaluations(store: Store, slug: str, evaluations: Evaluations) -> Path:
    """Replace the stored evaluation responses."""
    import tomli_w

    with store.lock(slug):
        path = store.folder(slug) / EVALS_FILE
        if path.exists():
            load_evaluations(path.parent)
            _keep_previous(path)
        with replacing(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(tomli_w.dumps(evaluations_to_document(evaluations)))
        return path


def _write_jsonl(folder: Path, name: str, header: dict[str, Any], rows: Iterable[list[Any]]) -> Path:
    """Replace ``folder/name`` (read already by the caller, who holds the lock) with a header and rows.

    The version replaced is kept in ``.backup/``; a file from before
    (``roster.toml``) is backed up and removed once the new one is in place.
    """
    path = folder / name
    legacy = folder / LEGACY_FILES[name]
    previous = path if path.exists() else legacy if legacy.exists() else None
    if previous is not None:
        _keep_previous(previous)
    with replacing(path, "w", encoding="utf-8", errors="surrogatepass", newline="\n") as handle:
        handle.write(_encode(_jsonable(header)) + "\n")
        for values in rows:
            handle.write(_encode(values) + "\n")
    if previous == legacy:
        legacy.unlink()
        fsync_dir(folder)
    return path


def _jsonable(value: Any) -> Any:
    """Dates and times as ISO text, for the few structured values of a header."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


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
