"""A delivery's own files: the roster, attendance and evaluations in the client's folder.

They sit beside ``client.toml`` as plain TOML a person can read:

* ``roster.toml``: ``[[people]]`` with first_name, last_name, email, title,
  location, lxp_registered, notes and the source row; plus the source file,
  when and by whom it was imported.
* ``attendance.toml``: the course ``days`` and one ``[[people]]`` entry per
  participant with the days they were ``present`` and ``absent``,
  minutes_late and notes (walk-ins have ``on_roster = false``), and the
  ``sources`` it was read from.
* ``evals.toml``: the ``questions``, the ``comment_columns`` and one
  ``[[responses]]`` entry per response (``scores`` keyed by question number).

Each is replaced whole, under the client's lock, by an atomic write; the
version replaced is kept as ``.backup/<name>.previous.toml``, and a file
that cannot be read is reported and never written over.

The ``close-delivery`` step asks for the participant count and the eval score;
when the attendance and evaluation data are in the client's folder those
answers come from them instead of from the coordinator
(:func:`derived_facts`).
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from onboard.errors import OnboardError
from onboard.roster import (
    Attendance,
    Evaluations,
    Roster,
    attendance_from_document,
    attendance_to_document,
    evaluations_from_document,
    evaluations_to_document,
    roster_from_document,
    roster_to_document,
    summarise,
)

ROSTER_FILE = "roster.toml"
ATTENDANCE_FILE = "attendance.toml"
EVALS_FILE = "evals.toml"
OUT_DIR = "out"
BACKUP_DIR = ".backup"

_UNTOUCHED = "Fix it by hand, or delete it and import again; it was left as it is."


def _read(path: Path, parse: Callable[[dict[str, Any], str], Any]) -> Any:
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


def load_roster(folder: Path) -> Roster | None:
    """The stored roster, or None when none was imported."""
    return _read(folder / ROSTER_FILE, roster_from_document)


def load_attendance(folder: Path) -> Attendance | None:
    return _read(folder / ATTENDANCE_FILE, attendance_from_document)


def load_evaluations(folder: Path) -> Evaluations | None:
    return _read(folder / EVALS_FILE, evaluations_from_document)


_PARSERS = {
    ROSTER_FILE: roster_from_document,
    ATTENDANCE_FILE: attendance_from_document,
    EVALS_FILE: evaluations_from_document,
}


_ROWS = {ROSTER_FILE: "people", ATTENDANCE_FILE: "people", EVALS_FILE: "responses"}
CHUNK = 500


def _toml_chunks(doc: dict[str, Any], rows: str) -> Iterator[str]:
    """``doc`` as TOML, its big array of tables a few hundred entries at a time."""
    import tomli_w

    yield tomli_w.dumps({k: v for k, v in doc.items() if k != rows})
    items = doc.get(rows, [])
    for start in range(0, len(items), CHUNK):
        yield "\n" + tomli_w.dumps({rows: items[start : start + CHUNK]})


def _atomic_write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """Like :func:`onboard.store.atomic_write`, streaming the text instead of holding it whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if os.name == "posix":
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_document(
    folder: Path,
    name: str,
    doc: dict[str, Any] | Callable[[], dict[str, Any]],
    *,
    verified: bool = False,
) -> Path:
    """Replace ``folder/name`` with ``doc`` (or what ``doc()`` builds); the caller holds the lock.

    An existing file that cannot be read is never replaced: the error names
    it (``verified`` says the caller has just read it). The text is streamed
    to a temporary file and moved into place, so a reader sees the old file
    or the new one, never a mix, and memory never holds the whole text.
    """
    from onboard.store import atomic_write

    path = folder / name
    if path.exists():
        if not verified:
            _read(path, _PARSERS[name])
        backups = folder / BACKUP_DIR
        backups.mkdir(exist_ok=True)
        atomic_write(backups / f"{path.stem}.previous.toml", path.read_bytes())
    document = doc() if callable(doc) else doc
    _atomic_write_chunks(path, _toml_chunks(document, _ROWS[name]))
    return path


def save_roster(store: Any, slug: str, roster: Roster) -> Path:
    with store.lock(slug):
        return write_document(store.folder(slug), ROSTER_FILE, lambda: roster_to_document(roster))


def save_evaluations(store: Any, slug: str, evaluations: Evaluations) -> Path:
    with store.lock(slug):
        return write_document(store.folder(slug), EVALS_FILE, lambda: evaluations_to_document(evaluations))


def update_attendance(
    store: Any, slug: str, change: Callable[[Attendance | None], Attendance]
) -> tuple[Path, Attendance]:
    """Read the stored attendance, apply ``change`` and write the result, all under the client's lock."""
    with store.lock(slug):
        folder = store.folder(slug)
        attendance = change(load_attendance(folder))
        doc = attendance_to_document(attendance)
        return write_document(folder, ATTENDANCE_FILE, doc, verified=True), attendance


def participants(folder: Path) -> tuple[int | None, str]:
    """How many took part, and where that number comes from.

    Recorded attendance (people present on at least one day) when there is
    any; else the number on the roster; else unknown.
    """
    attendance = load_attendance(folder)
    if attendance is not None and attendance.recorded_days():
        return attendance.present_count(), "attendance"
    roster = load_roster(folder)
    if roster is not None and roster.people:
        return len(roster.people), "roster"
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
    attendance = load_attendance(folder)
    if attendance is not None and attendance.recorded_days():
        facts["participant_count"] = attendance.present_count()
    evaluations = load_evaluations(folder)
    if evaluations is not None and evaluations.responses:
        count, source = participants(folder)
        overall = summarise(evaluations, count, source).overall
        if overall is not None:
            facts["eval_score"] = overall
    return facts
