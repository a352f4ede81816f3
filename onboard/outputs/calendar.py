"""Due dates as an iCalendar file that any calendar program imports.

One all-day event per pending step with a due date, with a stable UID
(client and step), so importing a newer file updates events instead of
duplicating them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta

from onboard.core.engine import PENDING, overview
from onboard.core.playbook import Playbook
from onboard.core.state import ClientState


def build_calendar(
    clients: Iterable[tuple[ClientState, Playbook]],
    today: date,
    holidays: Collection[date] = (),
    stamp: datetime | None = None,
) -> bytes:
    """The .ics bytes for every pending, dated step of ``clients``."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//onboard//due dates//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "onboard due dates")
    stamp = stamp or datetime.combine(today, datetime.min.time())
    for state, playbook in clients:
        for view in overview(playbook, state, today, holidays).steps:
            if view.status != PENDING or view.due is None:
                continue
            step = view.step
            holder = (state.roles.get(step.owner) or {}).get("name")
            event = Event()
            event.add("uid", f"{state.slug}.{step.id}@onboard")
            event.add("dtstamp", stamp)
            event.add("dtstart", view.due)
            event.add("dtend", view.due + timedelta(days=1))
            event.add("summary", f"{state.name}: {step.title}")
            owner = f"{step.owner} ({holder})" if holder else step.owner
            lines = [f"Owner: {owner}", f"Step: {step.id} ({playbook.title})"]
            if view.overdue:
                lines.append("Overdue.")
            lines += [f"Support: {s}" for s in step.support]
            event.add("description", "\n".join(lines))
            event.add("categories", [playbook.id, step.owner])
            cal.add_component(event)
    return cal.to_ical()
