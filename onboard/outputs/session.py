"""A client's live session (a course, a training) as its facts record it: days, hours, zone, place, people.

Playbooks record the session in plain fields: the training engagement in
``course_date``, ``course_end_date``, ``course_time`` ("9:00-12:00 CT"),
``meeting_link`` and ``venue``; the station onboarding in
``first_training_date``, ``training_time`` and ``training_link``, its
people in the ``contacts`` records (a name and an email each).
:data:`SESSION_FIELDS` names them, so the calendar and the report read one
model whatever the playbook.

The hours are free text, so :func:`parse_session_time` reads the ways people
write them ("9:00-12:00 CT", "9am–12pm ET", "13:30 to 16:00 Europe/London")
and refuses what it would have to guess (no am/pm on an hour before 7:00, an
unknown zone). A time without a zone takes the workspace's ``[calendar]
timezone``; with neither, the session stays all-day and :attr:`Session.problem`
says how to fix it, since a calendar event an hour off is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onboard.core.playbook import Playbook
from onboard.core.schedule import is_business_day
from onboard.core.state import ClientState
from onboard.errors import OnboardError

MAX_DAYS = 60
"""A longer span is taken for a typo in the last day, and only the first day is written."""


@dataclass(frozen=True)
class SessionFields:
    """Which of a playbook's fields describe its live session."""

    date: str
    end_date: str | None = None
    time: str | None = None
    link: str | None = None
    venue: str | None = None
    title: str | None = None
    lead_role: str | None = None
    contacts: tuple[str, ...] = ()
    label: str = "Session"


SESSION_FIELDS = (
    SessionFields(
        date="course_date",
        end_date="course_end_date",
        time="course_time",
        link="meeting_link",
        venue="venue",
        title="program",
        lead_role="FAC",
        contacts=("client_coordinator",),
        label="Course",
    ),
    SessionFields(
        date="first_training_date",
        time="training_time",
        link="training_link",
        lead_role="TRAIN",
        contacts=("contacts",),
        label="Training",
    ),
)

ZONE_WORDS = {
    **dict.fromkeys(("et", "est", "edt", "eastern"), "America/New_York"),
    **dict.fromkeys(("ct", "cst", "cdt", "central"), "America/Chicago"),
    **dict.fromkeys(("mt", "mst", "mdt", "mountain"), "America/Denver"),
    **dict.fromkeys(("pt", "pst", "pdt", "pacific"), "America/Los_Angeles"),
    **dict.fromkeys(("akt", "akst", "akdt", "alaska"), "America/Anchorage"),
    **dict.fromkeys(("ht", "hst", "hawaii"), "Pacific/Honolulu"),
    **dict.fromkeys(("utc", "gmt", "z"), "UTC"),
    **dict.fromkeys(("cet", "cest"), "Europe/Paris"),
    "bst": "Europe/London",
}
"""Zone abbreviations people write after a time, and the IANA zone each means (summer or winter alike)."""

_CLOCK = r"(?:\d{1,2}(?:[:.h]?\d{2})?\s*(?:[ap]\.?\s*m\b\.?)?|noon|midday)"
_RANGE = re.compile(
    rf"^\s*(?P<start>{_CLOCK})\s*(?:-|–|—|to\b|until\b|till\b)\s*(?P<end>{_CLOCK})(?P<zone>.*)$",
    re.IGNORECASE,
)
_PARTS = re.compile(
    r"^(?:(?P<h>\d{1,2})(?:[:.h]?(?P<m>\d{2}))?\s*(?:(?P<ap>[ap])\.?\s*m\b\.?)?|(?P<noon>noon|midday))$",
    re.IGNORECASE,
)
EXAMPLE = '"9:00-12:00 ET", "1pm-4:30pm America/Chicago" or "13:00-16:30 CET"'


@dataclass(frozen=True)
class SessionTime:
    """The hours of a session day, and the zone written with them (an IANA name), if any."""

    start: time
    end: time
    zone: str | None = None


@dataclass(frozen=True)
class Person:
    """Someone the session concerns, with the role they hold in it."""

    role: str
    name: str
    email: str | None = None
    lead: bool = False

    def __str__(self) -> str:
        return f"{self.role}: {self.name}" + (f" <{self.email}>" if self.email else "")


@dataclass(frozen=True)
class Session:
    """One client's session as recorded: its days, and when, where and with whom it runs."""

    slug: str
    client: str
    label: str
    title: str
    days: tuple[date, ...]
    hours: SessionTime | None = None
    zone: str | None = None
    times_text: str = ""
    link: str = ""
    venue: str = ""
    people: tuple[Person, ...] = ()
    problem: str = ""

    @property
    def timed(self) -> bool:
        return self.hours is not None and self.zone is not None

    def span(self, day: date) -> tuple[datetime, datetime]:
        """The start and end of ``day``'s session, in the session's zone."""
        if self.hours is None or self.zone is None:
            raise ValueError(f"{self.slug}: the session has no hours or no time zone")
        zone = ZoneInfo(self.zone)
        return (
            datetime.combine(day, self.hours.start, tzinfo=zone),
            datetime.combine(day, self.hours.end, tzinfo=zone),
        )


def zone_name(text: str) -> str | None:
    """The IANA zone that ``text`` names ("ET", "Central", "Europe/Paris"), or None."""
    words = re.sub(r"[()]", " ", text).strip().strip(",;").strip()
    words = re.sub(r"\s+time$", "", words, flags=re.IGNORECASE).strip()
    if not words:
        return None
    if words.casefold() in ZONE_WORDS:
        return ZONE_WORDS[words.casefold()]
    try:
        ZoneInfo(words)
    except (KeyError, ValueError, OSError):
        return None
    return words


def _clock(text: str) -> tuple[int, str | None]:
    """Minutes after midnight as written, and the am/pm marker ('a', 'p') if there was one."""
    match = _PARTS.match(text.strip())
    if match is None:
        raise ValueError(text)
    if match["noon"]:
        return 12 * 60, "p"
    hour, minute = int(match["h"]), int(match["m"] or 0)
    marker = match["ap"].lower() if match["ap"] else None
    if minute > 59 or hour > 23 or (marker and not 1 <= hour <= 12):
        raise ValueError(text)
    if marker:
        hour = hour % 12 + (12 if marker == "p" else 0)
    return hour * 60 + minute, marker


def _twelve(minutes: int) -> tuple[int, int]:
    """The morning and afternoon readings of a time written without am/pm on a 12-hour clock."""
    base = minutes % (12 * 60)
    return base, base + 12 * 60


def parse_session_time(text: str, field: str = "session time") -> SessionTime:
    """Read "9:00-12:00 CT" and the like; raise OnboardError naming ``field`` when it cannot."""

    def refuse(why: str) -> OnboardError:
        return OnboardError(f"{field} {text!r} {why}.", f"Write it like {EXAMPLE}.")

    match = _RANGE.match(text)
    if match is None:
        raise refuse("is not a time range")
    try:
        start, start_marker = _clock(match["start"])
        end, end_marker = _clock(match["end"])
    except ValueError as exc:
        raise refuse(f"has {str(exc).strip()!r}, which is not a time of day") from None
    if start_marker is None and end_marker is not None and start < 13 * 60:
        start = max((m for m in _twelve(start) if m < end), default=start)
    elif end_marker is None and start_marker is not None and end < 13 * 60:
        end = min((m for m in _twelve(end) if m > start), default=end)
    elif start_marker is None and end_marker is None:
        if 60 <= start < 7 * 60:
            raise refuse("starts before 7:00 with no am or pm")
        if end <= start and end < 12 * 60 and end + 12 * 60 > start:
            end += 12 * 60
    if end <= start:
        raise refuse("ends before it starts")
    zone_text = match["zone"].strip()
    zone = zone_name(zone_text)
    if zone_text and zone is None:
        raise refuse(f"names {zone_text!r}, which is not a time zone onboard knows")
    return SessionTime(time(start // 60, start % 60), time(end // 60, end % 60), zone)


def session_fields(playbook: Playbook) -> SessionFields | None:
    """The session fields ``playbook`` declares, or None when it records no session."""
    for fields in SESSION_FIELDS:
        declared = playbook.fields.get(fields.date)
        if declared is not None and declared.type == "date":
            return fields
    return None


def _days(first: date, last: date | None, holidays: Collection[date]) -> tuple[tuple[date, ...], str]:
    """The session days from ``first`` to ``last``: both ends, and the business days between."""
    if last is None or last == first:
        return (first,), ""
    if last < first:
        return (first,), f"its last day {last.isoformat()} is before its first {first.isoformat()}"
    if (last - first).days > MAX_DAYS:
        return (first,), f"its last day {last.isoformat()} is more than {MAX_DAYS} days after its first"
    between = (first + timedelta(days=n) for n in range(1, (last - first).days))
    return (first, *(d for d in between if is_business_day(d, holidays)), last), ""


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _people(state: ClientState, playbook: Playbook, fields: SessionFields) -> tuple[Person, ...]:
    people = []
    for role_id, role in playbook.roles.items():
        holder = state.roles.get(role_id) or {}
        name = _text(holder.get("name"))
        if name:
            email = _text(holder.get("email")) or None
            people.append(Person(f"{role_id} – {role.name}", name, email, role_id == fields.lead_role))
    for field in fields.contacts:
        declared = playbook.fields.get(field)
        if declared is not None and declared.type == "records":
            people += _record_people(state.facts.get(field), declared.label, field)
            continue
        name = _text(state.facts.get(field))
        if name and declared is not None:
            label = re.sub(r"('s)? name$", "", declared.label).strip() or field
            people.append(Person(label, name, _text(state.facts.get(f"{field}_email")) or None))
    return tuple(sorted(people, key=lambda p: not p.lead))


def _record_people(rows: object, label: str, field: str) -> list[Person]:
    """Everyone of a records field with name and email columns (a deal's contacts), titled when given."""
    label = re.sub(r"\s*\(.*\)$", "", label).strip() or field
    people = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict) or not _text(row.get("name")):
            continue
        title = _text(row.get("title"))
        role = f"{label} – {title}" if title else label
        people.append(Person(role, _text(row.get("name")), _text(row.get("email")) or None))
    return people


def read_session(
    state: ClientState,
    playbook: Playbook,
    holidays: Collection[date] = (),
    default_zone: str | None = None,
) -> Session | None:
    """The client's session, or None when its playbook has none or its first day is not known yet."""
    fields = session_fields(playbook)
    first = state.facts.get(fields.date) if fields else None
    if fields is None or not isinstance(first, date):
        return None
    last = state.facts.get(fields.end_date) if fields.end_date else None
    days, problem = _days(first, last if isinstance(last, date) else None, holidays)
    if problem:
        problem = f"{state.slug}: {fields.end_date}: {problem}; fix it with `onboard set {state.slug} {fields.end_date}=YYYY-MM-DD`."
    times_text = _text(state.facts.get(fields.time)) if fields.time else ""
    hours, zone = None, None
    if times_text and fields.time:
        try:
            hours = parse_session_time(times_text, fields.time)
        except OnboardError as exc:
            problem = problem or (
                f"{state.slug}: {exc.message} {exc.hint} The session is written as all-day until then."
            )
        else:
            zone = hours.zone or default_zone
            if zone is None:
                problem = problem or (
                    f"{state.slug}: {fields.time} {times_text!r} has no time zone, so the session is "
                    f'written as all-day. Add one (`onboard set {state.slug} {fields.time}="{times_text} ET"`) '
                    'or set the workspace\'s in onboard.toml: [calendar] timezone = "America/New_York".'
                )
    title = _text(state.facts.get(fields.title)) if fields.title else ""
    return Session(
        slug=state.slug,
        client=state.name,
        label=fields.label,
        title=title or fields.label,
        days=days,
        hours=hours,
        zone=zone,
        times_text=times_text,
        link=_text(state.facts.get(fields.link)) if fields.link else "",
        venue=_text(state.facts.get(fields.venue)) if fields.venue else "",
        people=_people(state, playbook, fields),
        problem=problem,
    )
