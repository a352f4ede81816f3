"""Sessions and due dates as an iCalendar file that any calendar program imports.

Each session day (a course, a training) is a timed event in its own time
zone, with the meeting link or venue and the people by role in its text;
each dated step is an all-day item with a reminder the working morning
before. Every event's UID comes from the client and the step, or the
client and the session's day number, never from chance, and SEQUENCE grows
with the client's history: importing a newer file updates the events
instead of duplicating them. Steps done or skipped that were still ahead
stay in the file, ticked and without a reminder, so a re-import clears the
reminder set by the earlier one.

:func:`session_invitation` gives one client's session alone, the file the
emails attach.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from onboard.core.engine import DONE, NA, PENDING, StepView, overview
from onboard.core.playbook import Playbook
from onboard.core.schedule import is_business_day
from onboard.core.state import ClientState
from onboard.outputs.session import Session, read_session

if TYPE_CHECKING:
    from icalendar import Calendar, Event

    from onboard.storage.workspace import Settings

REMINDER_HOUR = 9
"""Due-date reminders go off at this hour of the business day before the due date."""


@dataclass(frozen=True)
class CalendarFile:
    """The .ics bytes, what they hold, and why any session could not be timed."""

    data: bytes
    sessions: int
    due_dates: int
    problems: tuple[str, ...] = ()


def _sequence(state: ClientState) -> int:
    """Grows with every change to the client, so calendar programs take the newer event."""
    return len(state.history)


def _stamp(state: ClientState) -> datetime:
    """When the client last changed: DTSTAMP without reading the clock."""
    if state.history:
        last = max(event.at for event in state.history)
        return last if last.tzinfo else last.replace(tzinfo=UTC)
    return datetime.combine(state.created, datetime.min.time(), tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _new_calendar(name: str) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//onboard//sessions and due dates//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def session_uid(slug: str, day_number: int) -> str:
    """The UID of a session's ``day_number``-th day (from 1): kept when the dates move."""
    return f"{slug}.session-{day_number}@onboard"


def due_uid(slug: str, step_id: str) -> str:
    return f"{slug}.{step_id}@onboard"


def session_events(session: Session, state: ClientState, stamp: datetime) -> list[Event]:
    """One event per session day: timed in its zone when the hours and zone are known, else all-day."""
    from icalendar import Event

    events = []
    count = len(session.days)
    for number, day in enumerate(session.days, start=1):
        event = Event()
        event.add("uid", session_uid(session.slug, number))
        event.add("dtstamp", _utc(stamp))
        event.add("sequence", _sequence(state))
        if session.timed:
            start, end = session.span(day)
            event.add("dtstart", start)
            event.add("dtend", end)
        else:
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
            event.add("transp", "TRANSPARENT")
        which = f" (day {number} of {count})" if count > 1 else ""
        event.add("summary", f"{session.title}: {session.client}{which}")
        if session.venue or session.link:
            event.add("location", session.venue or session.link)
        if session.link.startswith(("https://", "http://")):
            event.add("url", session.link)
        event.add("description", "\n".join(_session_lines(session)))
        event.add("categories", [session.label, session.client])
        events.append(event)
    return events


def _session_lines(session: Session) -> list[str]:
    lines = [f"{session.label} for {session.client}."]
    if session.link:
        lines.append(f"Join: {session.link}")
    if session.venue:
        lines.append(f"Venue: {session.venue}")
    if session.timed and session.hours and session.hours.zone is None:
        lines.append(f"Times: {session.times_text} ({session.zone}, the workspace's time zone)")
    elif session.times_text:
        lines.append(f"Times: {session.times_text}")
    else:
        lines.append("Times: not recorded yet.")
    if not session.timed and session.times_text:
        lines.append("Written as all-day: the time or its zone could not be read.")
    lines += [str(person) for person in session.people]
    return lines


def _reminder_offset(due: date, holidays: Collection[date]) -> timedelta:
    """From the due date's midnight back to REMINDER_HOUR on the business day before."""
    before = due - timedelta(days=1)
    while not is_business_day(before, holidays):
        before -= timedelta(days=1)
    return timedelta(hours=REMINDER_HOUR) - (due - before)


def due_event(
    state: ClientState,
    playbook: Playbook,
    view: StepView,
    stamp: datetime,
    holidays: Collection[date],
) -> Event:
    """A dated step as an all-day item: a reminder while it is pending, a tick once resolved."""
    from icalendar import Alarm, Event

    assert view.due is not None
    step = view.step
    holder = (state.roles.get(step.owner) or {}).get("name")
    owner = f"{step.owner} ({holder})" if holder else step.owner
    event = Event()
    event.add("uid", due_uid(state.slug, step.id))
    event.add("dtstamp", _utc(stamp))
    event.add("sequence", _sequence(state))
    event.add("dtstart", view.due)
    event.add("dtend", view.due + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    lines = [f"Owner: {owner}", f"Step: {step.id} ({playbook.title})"]
    if view.status == PENDING:
        event.add("summary", f"{state.name}: {step.title}")
        if view.overdue:
            lines.append("Overdue.")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Due {view.due.strftime('%a %d %b')}: {state.name}: {step.title}")
        alarm.add("trigger", _reminder_offset(view.due, holidays))
        event.add_component(alarm)
    else:
        word = "done" if view.status == DONE else "skipped"
        event.add("summary", f"✓ {word}: {state.name}: {step.title}")
        record = state.steps.get(step.id) or {}
        on = record.get("on")
        lines.append(f"{word.capitalize()}" + (f" on {on.isoformat()}." if isinstance(on, date) else "."))
    lines += [f"Support: {s}" for s in step.support]
    event.add("description", "\n".join(lines))
    event.add("categories", [playbook.id, step.owner])
    return event


def _wanted(view: StepView, today: date) -> bool:
    if view.due is None:
        return False
    if view.status == PENDING:
        return True
    return view.status != NA and view.due >= today


def build_calendar(
    clients: Iterable[tuple[ClientState, Playbook]],
    today: date,
    holidays: Collection[date] = (),
    stamp: datetime | None = None,
    timezone: str | None = None,
) -> CalendarFile:
    """Every client's session days and dated steps as one .ics file.

    ``timezone`` is the workspace's ``[calendar] timezone``, for session
    times written without a zone; ``stamp`` (DTSTAMP) defaults to when each
    client last changed.
    """
    cal = _new_calendar("onboard")
    sessions = due_dates = 0
    problems = []
    for state, playbook in clients:
        when = stamp or _stamp(state)
        session = read_session(state, playbook, holidays, timezone)
        if session is not None:
            if session.problem:
                problems.append(session.problem)
            for event in session_events(session, state, when):
                cal.add_component(event)
                sessions += 1
        for view in overview(playbook, state, today, holidays).steps:
            if _wanted(view, today):
                cal.add_component(due_event(state, playbook, view, when, holidays))
                due_dates += 1
    _add_zones(cal)
    return CalendarFile(cal.to_ical(), sessions, due_dates, tuple(problems))


def session_invitation(
    state: ClientState,
    playbook: Playbook,
    settings: Settings,
    stamp: datetime | None = None,
) -> bytes | None:
    """The .ics of one client's session days alone (the invitation an email attaches), or None.

    None while the client's playbook records no session or its first day is
    not known. Days whose hours or zone cannot be read are all-day events;
    :func:`onboard.outputs.session.read_session` says why.
    """
    session = read_session(state, playbook, settings.holidays, settings.timezone)
    if session is None:
        return None
    cal = _new_calendar(f"{session.title}: {session.client}")
    for event in session_events(session, state, stamp or _stamp(state)):
        cal.add_component(event)
    _add_zones(cal)
    return cal.to_ical()


def _add_zones(cal: Calendar) -> None:
    """A VTIMEZONE for every zone the events use, so programs without the zone database agree."""
    cal.add_missing_timezones()
