"""How people, attendance sources and evaluations are stored, and read back.

``roster.jsonl`` holds a person as a row of JSON values
(:data:`PERSON_FIELDS`); ``attendance.jsonl`` (schema 2) holds its sources
in the header (:func:`source_to_json`) and a row of a source as a row of
JSON values (:data:`OBSERVATION_FIELDS`). Schema 1 stored one merged
record per person (:data:`ATTENDEE_FIELDS`), still read. ``evals.toml``,
and the ``roster.toml`` and ``attendance.toml`` of earlier versions (still
read), hold TOML documents. A stored value is checked as it is read back,
and a wrong one is an error that names it. The conversions sit here beside
:data:`SCHEMA`, so that a change of format is made in one place; reading
and writing the files themselves is :mod:`onboard.delivery.datafiles`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from onboard.delivery.attendance import Attendance, Attendee, Observation, Source, share
from onboard.delivery.evaluations import Evaluations, Response, scales_from_document
from onboard.delivery.roster import Person, Roster
from onboard.errors import OnboardError

SCHEMA = 1  # of the stored files: one with a newer schema is refused, never misread
ATTENDANCE_SCHEMA = 2  # attendance.jsonl: sources and their rows (1: a merged record per person)

PERSON_FIELDS = ("email", "first_name", "last_name", "title", "location", "lxp_registered", "notes", "row")
OBSERVATION_FIELDS = (
    "source",
    "row",
    "email",
    "name",
    "present",
    "absent",
    "minutes_late",
    "notes",
    "lxp_registered",
    "joined",
)
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


# ---------------------------------------------------------------- rows (JSON Lines)


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


def _marks(
    source: str,
    present: object,
    absent: object,
    days: Mapping[str, Sequence[date]],
    shared: dict[tuple[object, ...], Mapping[date, bool | None]] | None,
) -> Mapping[date, bool | None]:
    """What a row says of each day its source covers (None: nothing), from its present and absent lists.

    Rows that wrote the same lists are read once and share the mapping
    kept in ``shared`` (also under its content, see :func:`share`).
    """
    written = None
    if shared is not None and type(present) is list and type(absent) is list:
        try:
            written = (source, tuple(present), tuple(absent))
            return shared[written]
        except KeyError:
            pass
        except TypeError:  # not text; refused just below
            written = None
    said: dict[date, bool | None] = dict.fromkeys(days[source])
    said.update(_days(present, absent))
    if shared is None:
        return said
    marks = share(shared, said)
    if written is not None:
        shared[written] = marks
    return marks


def _days(present: object, absent: object) -> dict[date, bool]:
    if type(present) is not list or type(absent) is not list:
        raise RowError(f"present and absent must be lists of dates, not {present!r} and {absent!r}")
    marks = {}
    try:
        for d in absent:
            marks[_iso_date(d)] = False
        for d in present:
            marks[_iso_date(d)] = True
    except (TypeError, ValueError):
        raise RowError(
            f"present and absent must be lists of dates (YYYY-MM-DD), not {present!r} and {absent!r}"
        ) from None
    return marks


@functools.lru_cache(maxsize=64)
def _iso_date(text: str) -> date:
    """A day as stored; the few days of a course are read once, not once per row."""
    return date.fromisoformat(text)


def observation_row(
    obs: Observation, days: dict[int, tuple[list[str], list[str]]] | None = None
) -> list[Any]:
    """A source's row as stored: the values of :data:`OBSERVATION_FIELDS` (a blank day in neither list).

    ``days`` keeps the lists of each ``present`` mapping written, by its id,
    for rows that share it (the caller keeps the rows alive meanwhile).
    """
    said = days.get(id(obs.present)) if days is not None else None
    if said is None:
        said = (
            sorted(d.isoformat() for d, v in obs.present.items() if v is True),
            sorted(d.isoformat() for d, v in obs.present.items() if v is False),
        )
        if days is not None:
            days[id(obs.present)] = said
    return [
        obs.source,
        obs.row,
        obs.email,
        obs.name,
        *said,
        obs.minutes_late,
        obs.notes,
        obs.lxp_registered,
        obs.joined.isoformat() if obs.joined else None,
    ]


def observation_from_row(
    values: Sequence[Any],
    days: Mapping[str, Sequence[date]],
    shared: dict[tuple[object, ...], Mapping[date, bool | None]] | None = None,
) -> Observation:
    """A stored row of a source; ``days`` maps each source's id to the days it covers.

    Rows that say the same of the same days share one mapping in ``shared``.
    """
    source, row, email, name, present, absent, late, notes, lxp, joined = values
    if type(source) is not str or source not in days:
        raise RowError(f"source must be the id of a source in the header, not {source!r}")
    if type(row) is not int or row < 0:
        raise RowError(f"row must be a whole number, not {row!r}")
    email, name, notes = _text_field(email, "email"), _text_field(name, "name"), _text_field(notes, "notes")
    if not email and not name:
        raise RowError("a row needs an email or a name")
    marks = _marks(source, present, absent, days, shared)
    if late is not None and (type(late) is not int or late < 0):
        raise RowError(f"minutes_late must be a whole number, not {late!r}")
    if lxp is not None and type(lxp) is not bool:
        raise RowError(f"lxp_registered must be true, false or null, not {lxp!r}")
    when = None
    if joined is not None:
        try:
            when = datetime.fromisoformat(joined)
        except (TypeError, ValueError):
            raise RowError(f"joined must be a date and time, not {joined!r}") from None
    return Observation(source, row, email, name, marks, late, notes, lxp, when)


def source_to_json(source: Source) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": source.id,
        "kind": source.kind,
        "file": source.file,
        "days": [d.isoformat() for d in source.days],
        "at": source.at.replace(microsecond=0).isoformat() if source.at else None,
        "by": source.by,
    }
    if source.platform:
        data["platform"] = source.platform
    return data


def source_from_json(raw: object) -> Source:
    """A source from the header; RowError names what is wrong."""
    if not isinstance(raw, dict):
        raise RowError(f"a source must be a JSON object, not {raw!r}")
    ident, kind = raw.get("id"), raw.get("kind")
    if not isinstance(ident, str) or not ident:
        raise RowError(f"a source's id must be text, not {ident!r}")
    if kind not in ("sheet", "report"):
        raise RowError(f"source {ident}: kind must be 'sheet' or 'report', not {kind!r}")
    try:
        days = tuple(date.fromisoformat(d) for d in raw.get("days") or [])
        at = datetime.fromisoformat(raw["at"]) if raw.get("at") else None
    except (TypeError, ValueError):
        raise RowError(f"source {ident}: days must be dates and at a date and time") from None
    return Source(
        id=ident,
        kind=kind,
        file=str(raw.get("file") or ""),
        days=days,
        at=at,
        by=str(raw.get("by") or ""),
        platform=str(raw.get("platform") or ""),
    )


def attendee_from_row(values: Sequence[Any]) -> Attendee:
    """A merged record as schema 1 stored it (:data:`ATTENDEE_FIELDS`)."""
    email, name, present, absent, late, notes, lxp, on_roster = values
    if not (type(email) is type(name) is type(notes) is str):
        email, name, notes = (
            _text_field(email, "email"),
            _text_field(name, "name"),
            _text_field(notes, "notes"),
        )
    if not email and not name:
        raise RowError("a record needs an email or a name")
    marks = _days(present, absent)
    if late is not None and (type(late) is not int or late < 0):
        raise RowError(f"minutes_late must be a whole number, not {late!r}")
    if lxp is not None and type(lxp) is not bool:
        raise RowError(f"lxp_registered must be true, false or null, not {lxp!r}")
    if on_roster is not None and type(on_roster) is not bool:
        raise RowError(f"on_roster must be true or false, not {on_roster!r}")
    return Attendee(email, name, marks, late, notes, on_roster is not False, lxp)


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
    return Attendance(tuple(days), people)


def evaluations_to_document(evaluations: Evaluations) -> dict[str, Any]:
    doc = _header_doc(evaluations.source, evaluations.imported_at, evaluations.imported_by)
    doc["questions"] = list(evaluations.questions)
    if evaluations.scales:
        doc["scales"] = [scale.text for scale in evaluations.scales]
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
        scales=scales_from_document(doc.get("scales"), len(questions), path),
    )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
