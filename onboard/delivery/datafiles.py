"""A delivery's own files in the client's folder: which they are, reading them, and replacing them safely.

They sit beside ``client.toml``:

- ``roster.jsonl`` and ``attendance.jsonl``, JSON Lines. The first line is
  a header object saying what the file is (``"onboard": "roster"``), its
  ``schema``, the ``fields`` of a row, and for the roster the ``source``
  file and when and by whom it was imported, for the attendance the course
  ``days`` and its ``sources`` (every file imported, with its id, kind, days
  and who imported it when). Every further line is a JSON array of the
  values of those fields: one person of the roster
  (:data:`~onboard.delivery.stored.PERSON_FIELDS`), one row of an attendance
  source (:data:`~onboard.delivery.stored.OBSERVATION_FIELDS`), mapped by the
  header's ``fields`` when read. Text stays text (a JSON string, never a
  formula) and a change shows in ``git diff`` as the lines it touched. The
  attendance a person has is merged from the sources when read
  (:func:`load_attendance`, :func:`onboard.delivery.attendance.merge`);
  schema 1 of the file (a merged record per person) is read as one source.
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

An import is an event in the client's history that names the records it
changed (:class:`RecordsChange`): the attendance source it added, or the
roster's or evaluations' content before and after, each version kept in
``.backup/records/`` by its content hash, so ``onboard undo`` can take the
import back (:func:`revert`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tomllib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from onboard.delivery.attendance import SHEET, Attendance, AttendanceRecords, Source, as_records, merge
from onboard.delivery.evaluations import Evaluations
from onboard.delivery.roster import Roster
from onboard.delivery.stored import (
    ATTENDANCE_SCHEMA,
    ATTENDEE_FIELDS,
    OBSERVATION_FIELDS,
    PERSON_FIELDS,
    SCHEMA,
    RowError,
    attendance_from_document,
    attendee_from_row,
    evaluations_from_document,
    evaluations_to_document,
    observation_from_row,
    observation_row,
    person_from_row,
    person_row,
    roster_from_document,
    source_from_json,
    source_to_json,
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
RECORDS_DIR = "records"  # in .backup/: every version an import replaced or wrote, by content hash
LEGACY_SOURCE = "earlier"  # the id of the one source a schema 1 attendance file is read as
UNTOUCHED = "Fix it by hand, or delete it and import again; it was left as it is."
# a row or a header as one line: text as it is (no \u escapes), NaN and infinity refused
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False).encode
_decoder = json.JSONDecoder()
_decode = _decoder.decode
# a row as it is written (no whitespace before it): two and a half times as fast as _decode,
# which is left to say what is wrong with any other line
_scan = _decoder.raw_decode
_JSON_SPACE = " \t\r\n"

T = TypeVar("T")


# ---------------------------------------------------------------- reading


def load_roster(folder: Path) -> Roster | None:
    """The stored roster; None when none was imported."""
    path = folder / ROSTER_FILE
    if not path.exists():
        return _read_toml(folder / LEGACY_FILES[ROSTER_FILE], roster_from_document)
    with _jsonl(path, "roster", ("email",)) as (header, rows):
        people = _convert(path, rows, header["fields"], PERSON_FIELDS, person_from_row)
    imported_at = None
    if isinstance(header.get("imported_at"), str):
        with contextlib.suppress(ValueError):
            imported_at = datetime.fromisoformat(header["imported_at"])
    return Roster(people, str(header.get("source") or ""), imported_at, str(header.get("imported_by") or ""))


def load_attendance_records(folder: Path) -> AttendanceRecords | None:
    """The stored attendance sources and their rows; None when no attendance was recorded."""
    path = folder / ATTENDANCE_FILE
    if not path.exists():
        legacy = _read_toml(folder / LEGACY_FILES[ATTENDANCE_FILE], attendance_from_document)
        return None if legacy is None else _as_one_source(legacy, [])
    with _jsonl(path, "attendance", ("email", "name"), ATTENDANCE_SCHEMA) as (header, rows):
        raw_days = header.get("days")
        try:
            if not isinstance(raw_days, list):
                raise TypeError
            days = tuple(date.fromisoformat(d) for d in raw_days)
        except (TypeError, ValueError):
            raise _damaged(
                path, 1, f"'days' must be a list of dates (YYYY-MM-DD), not {raw_days!r}"
            ) from None
        raw_sources = header.get("sources")
        if header["schema"] < ATTENDANCE_SCHEMA:
            people = _convert(path, rows, header["fields"], ATTENDEE_FIELDS, attendee_from_row)
            return _as_one_source(Attendance(days, people), raw_sources)
        try:
            if not isinstance(raw_sources, list):
                raise RowError(f"'sources' must be a list, not {raw_sources!r}")
            sources = tuple(source_from_json(raw) for raw in raw_sources)
        except RowError as exc:
            raise _damaged(path, 1, str(exc)) from None
        covers = {s.id: s.days for s in sources}
        shared: dict[tuple[object, ...], Mapping[date, bool | None]] = {}
        observations = _convert(
            path,
            rows,
            header["fields"],
            OBSERVATION_FIELDS,
            lambda values: observation_from_row(values, covers, shared),
        )
    return AttendanceRecords(days, sources, tuple(observations))


def _as_one_source(attendance: Attendance, raw_sources: object) -> AttendanceRecords:
    """Attendance as earlier versions stored it (merged), as the records of one sheet."""
    entries = [s for s in raw_sources if isinstance(s, dict)] if isinstance(raw_sources, list) else []
    files = [Path(str(s["file"])).name for s in entries if s.get("file")]
    stamps = [s["at"] for s in entries if isinstance(s.get("at"), str)]
    at = None
    if stamps:
        with contextlib.suppress(ValueError):
            at = datetime.fromisoformat(max(stamps))
    source = Source(LEGACY_SOURCE, SHEET, ", ".join(dict.fromkeys(files)), (), at, "")
    return as_records(attendance, source)


def load_attendance(
    folder: Path, roster: Roster | None = None, *, only: Collection[str] | None = None
) -> Attendance | None:
    """The attendance merged from every source (against ``roster``, else the stored roster);
    None when none was recorded. ``only``: see :func:`onboard.delivery.attendance.merge`."""
    records = load_attendance_records(folder)
    if records is None:
        return None
    return merge(records, roster if roster is not None else load_roster(folder), only=only)


def load_evaluations(folder: Path) -> Evaluations | None:
    """The imported evaluation responses; None when none were imported."""
    return _read_toml(folder / EVALS_FILE, evaluations_from_document)


def _damaged(path: Path, line: int, reason: str) -> OnboardError:
    return OnboardError(f"{path}: line {line}: {reason}.", UNTOUCHED)


@contextlib.contextmanager
def _jsonl(
    path: Path, kind: str, required: Sequence[str], schema: int = SCHEMA
) -> Iterator[tuple[dict[str, Any], Iterator[tuple[int, list[Any]]]]]:
    """The header of one of our JSON Lines files, and its rows, numbered, as they are read
    (each a list of the header's ``fields``); an error names the line."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
    with handle:
        header = _header(path, handle.readline(), kind, required, schema)
        yield header, _lines(path, handle, header["fields"])


def _lines(path: Path, handle: Iterable[bytes], stored: Sequence[str]) -> Iterator[tuple[int, list[Any]]]:
    for number, line in enumerate(handle, 2):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8", "surrogatepass").rstrip(_JSON_SPACE)
            try:
                values, end = _scan(text)
            except ValueError:
                end = -1
            if end != len(text):
                values = _decode(text)
        except ValueError as exc:
            raise _damaged(path, number, f"not valid JSON ({_reason(exc)})") from None
        if type(values) is not list or len(values) != len(stored):
            raise _damaged(
                path, number, f"must be a JSON array of {len(stored)} values ({', '.join(stored)})"
            )
        yield number, values


def _convert(
    path: Path,
    rows: Iterable[tuple[int, list[Any]]],
    stored: Sequence[str],
    fields: Sequence[str],
    convert: Callable[[list[Any]], T],
) -> list[T]:
    """Numbered rows of the ``stored`` fields, as ``fields`` mapped (a missing one None) and converted."""
    mapping = (
        None if list(stored) == list(fields) else [stored.index(f) if f in stored else -1 for f in fields]
    )
    items = []
    for number, values in rows:
        if mapping is not None:
            values = [values[i] if i >= 0 else None for i in mapping]
        try:
            items.append(convert(values))
        except RowError as exc:
            raise _damaged(path, number, str(exc)) from None
    return items


def _header(path: Path, first: bytes, kind: str, required: Sequence[str], newest: int) -> dict[str, Any]:
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
    if schema > newest:
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


@dataclass(frozen=True)
class RecordsChange:
    """What an import changed in a records file, as its event in the client's history keeps it.

    ``source`` is the attendance source it added; ``before`` and ``after``
    the content hashes of the roster or evaluations it replaced and wrote
    ("" before: there was none), each version kept in ``.backup/records/``.
    """

    file: str
    before: str = ""
    after: str = ""
    source: str = ""

    def as_event(self) -> dict[str, str]:
        if self.source:
            return {"file": self.file, "source": self.source}
        return {"file": self.file, "before": self.before, "after": self.after}

    @classmethod
    def from_event(cls, records: Mapping[str, Any]) -> RecordsChange:
        return cls(*(str(records.get(k) or "") for k in ("file", "before", "after", "source")))


def save_roster(store: Store, slug: str, roster: Roster) -> Path:
    """Replace the stored roster (see the module's docstring)."""
    with store.lock(slug):
        folder = store.folder(slug)
        store_roster(folder, roster)
        return folder / ROSTER_FILE


def store_roster(folder: Path, roster: Roster) -> RecordsChange:
    """Replace the roster in ``folder`` (the caller holds the client's lock); what changed."""
    header = {
        "onboard": "roster",
        "schema": SCHEMA,
        "source": roster.source,
        "imported_at": roster.imported_at.replace(microsecond=0) if roster.imported_at else None,
        "imported_by": roster.imported_by,
        "fields": list(PERSON_FIELDS),
    }
    load_roster(folder)  # a file that cannot be read is reported, never replaced
    before = _keep_version(_current(folder, ROSTER_FILE))
    path = _write_jsonl(folder, ROSTER_FILE, header, map(person_row, roster.people))
    return RecordsChange(ROSTER_FILE, before, _keep_version(path))


def update_attendance(
    store: Store, slug: str, change: Callable[[AttendanceRecords | None], AttendanceRecords]
) -> tuple[Path, AttendanceRecords]:
    """Read the stored attendance records, apply ``change`` and write the result, all under the client's lock."""
    with store.lock(slug):
        folder = store.folder(slug)
        records = change(load_attendance_records(folder))
        return store_attendance(folder, records), records


def store_attendance(folder: Path, records: AttendanceRecords) -> Path:
    """Write the attendance records in ``folder`` (the caller holds the client's lock, and read them)."""
    header = {
        "onboard": "attendance",
        "schema": ATTENDANCE_SCHEMA,
        "days": records.days,
        "sources": [source_to_json(s) for s in records.sources],
        "fields": list(OBSERVATION_FIELDS),
    }
    order = {s.id: index for index, s in enumerate(records.sources)}
    rows = sorted(records.observations, key=lambda o: (order[o.source], o.row))
    days: dict[int, tuple[list[str], list[str]]] = {}
    return _write_jsonl(folder, ATTENDANCE_FILE, header, (observation_row(o, days) for o in rows))


def save_evaluations(store: Store, slug: str, evaluations: Evaluations) -> Path:
    """Replace the stored evaluation responses."""
    with store.lock(slug):
        folder = store.folder(slug)
        store_evaluations(folder, evaluations)
        return folder / EVALS_FILE


def store_evaluations(folder: Path, evaluations: Evaluations) -> RecordsChange:
    """Replace the evaluation responses in ``folder`` (the caller holds the client's lock); what changed."""
    import tomli_w

    path = folder / EVALS_FILE
    if path.exists():
        load_evaluations(folder)
        _keep_previous(path)
    before = _keep_version(path)
    with replacing(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(tomli_w.dumps(evaluations_to_document(evaluations)))
    return RecordsChange(EVALS_FILE, before, _keep_version(path))


def revert(folder: Path, change: RecordsChange) -> str:
    """Take an import back (the caller holds the client's lock); what was done, in words.

    An attendance import's source is removed. A roster or evaluations
    import brings back the version it replaced; a roster changed since
    (merged with someone else's change) keeps that change.
    """
    if change.source:
        records = load_attendance_records(folder)
        if records is None or records.source(change.source) is None:
            return "its attendance source was no longer in the records"
        store_attendance(folder, records.without_source(change.source))
        return "removed its attendance source"
    current = _current(folder, change.file)
    now = _content_hash(current)
    if now == change.before:
        return f"{change.file} was already as before"
    if now == change.after:
        if not change.before:
            _keep_previous(current)
            current.unlink()
            fsync_dir(folder)
            return f"removed {change.file}"
        _restore(folder, _version(folder, change.before, change.file))
        return f"brought back the {change.file} it replaced"
    if current.name == ROSTER_FILE and change.before and now:
        from onboard.storage.records import merge_rows

        imported = _version(folder, change.after, change.file).read_bytes()
        earlier = _version(folder, change.before, change.file).read_bytes()
        data, _ = merge_rows(imported, current.read_bytes(), earlier, current)
        _keep_previous(current)
        with replacing(current, "wb") as handle:
            handle.write(data)
        return f"took its changes out of {change.file}, keeping the later ones"
    raise OnboardError(
        f"{current}: changed since that import, so it cannot simply be taken back.",
        "Import the file you want in its place.",
    )


def _current(folder: Path, name: str) -> Path:
    """The file ``name`` stands for: the .jsonl, or the .toml an earlier version wrote when it is alone."""
    path = folder / name
    legacy = folder / LEGACY_FILES[name] if name in LEGACY_FILES else None
    return legacy if legacy is not None and not path.exists() and legacy.exists() else path


def _content_hash(path: Path) -> str:
    """The hash a version of a records file is kept by; "" when there is no file."""
    import hashlib

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
    return hashlib.sha256(data).hexdigest()[:16]


def _keep_version(path: Path) -> str:
    """Keep this version of ``path`` in ``.backup/records/`` (once); its hash, "" for no file."""
    ident = _content_hash(path)
    if not ident:
        return ""
    folder = path.parent / BACKUP_DIR / RECORDS_DIR
    kept = folder / f"{path.stem}.{ident}{path.suffix}"
    if not kept.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _link_or_copy(path, kept)
    return ident


def _version(folder: Path, ident: str, name: str) -> Path:
    """The kept version ``ident`` of the file ``name`` (or of the file an earlier version wrote)."""
    kept = folder / BACKUP_DIR / RECORDS_DIR
    stems = {Path(name).stem}
    found = [p for p in kept.glob(f"*.{ident}.*") if p.name.split(".")[0] in stems] if kept.is_dir() else []
    if not found:
        raise OnboardError(
            f"{folder / name}: the version before that import ({ident}) is not kept on this machine "
            f"(in {kept}).",
            "Import the file you want in its place.",
        )
    return found[0]


def _restore(folder: Path, kept: Path) -> None:
    """Put a kept version back in its place, the version it replaces kept in ``.backup/``."""
    stem, _, rest = kept.name.partition(".")
    name = f"{stem}{Path(rest).suffix}"
    target = folder / name
    for other in {folder / n for n in (name, *LEGACY_FILES.values(), *LEGACY_FILES) if n.startswith(stem)}:
        if other != target and other.exists():
            _keep_previous(other)
            other.unlink()
    if target.exists():
        _keep_previous(target)
    with replacing(target, "wb") as handle:
        handle.write(kept.read_bytes())


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
    _link_or_copy(path, folder / f"{path.stem}.previous{path.suffix}")


def _link_or_copy(path: Path, backup: Path) -> None:
    """Make ``backup`` a copy of ``path`` safely: a hard link, else a copy."""
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
