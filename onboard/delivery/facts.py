"""The delivery as a whole: when and where it runs, the names of its exports, the facts its files give.

:class:`DeliveryInfo` is what an attendance sheet or an evaluation summary
says about the delivery, taken from the client's facts and roles. The
exported files are named by the playbook's naming conventions
(:func:`export_stem`) and go to the client's ``out/`` folder.

The ``close-delivery`` step asks for the participant count and the eval score;
when the attendance and evaluation data are in the client's folder those
answers come from them instead of from the coordinator
(:func:`derived_facts`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from onboard.delivery.datafiles import load_attendance, load_evaluations, load_roster
from onboard.delivery.evaluations import summarise
from onboard.errors import OnboardError

MAX_COURSE_DAYS = 31
OUT_DIR = "out"  # in the client's folder, where the exports go

_START_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])?\.?\s*m?\b", re.IGNORECASE)


# ---------------------------------------------------------------- when, where, who


@dataclass(frozen=True)
class DeliveryInfo:
    """What an attendance sheet or an evaluation summary says about the delivery."""

    client: str
    program: str = ""
    days: tuple[date, ...] = ()
    times: str = ""
    facilitator: str = ""
    location: str = ""
    delivery_type: str = ""
    business_unit: str = ""

    @property
    def dates_text(self) -> str:
        if not self.days:
            return ""
        if len(self.days) == 1:
            return f"{self.days[0]:%a %d %b %Y}"
        return f"{self.days[0]:%a %d %b %Y} – {self.days[-1]:%a %d %b %Y} ({len(self.days)} days)"


def course_days(start: date | None, end: date | None = None) -> tuple[date, ...]:
    """The days of a course: the first and last day and the weekdays between them."""
    if start is None:
        return ()
    if end is None or end <= start:
        return (start,)
    if (end - start).days >= MAX_COURSE_DAYS * 2:
        raise OnboardError(
            f"The course runs from {start} to {end}, longer than onboard's attendance sheets allow.",
            "Check course_end_date (`onboard set CLIENT course_end_date=YYYY-MM-DD`).",
        )
    days = []
    day = start
    while day <= end:
        if day in (start, end) or day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    if len(days) > MAX_COURSE_DAYS:
        raise OnboardError(f"The course has {len(days)} days; attendance sheets allow {MAX_COURSE_DAYS}.")
    return tuple(days)


def delivery_info(
    client: str, facts: Mapping[str, Any], roles: Mapping[str, Mapping[str, Any]]
) -> DeliveryInfo:
    start = facts.get("course_date")
    end = facts.get("course_end_date")
    fac = roles.get("FAC") or {}
    facilitator = str(fac.get("name") or "")
    if facilitator and fac.get("initials"):
        facilitator += f" ({fac['initials']})"
    location = facts.get("meeting_link") or facts.get("venue") or ""
    return DeliveryInfo(
        client=client,
        program=str(facts.get("program") or ""),
        days=course_days(start if isinstance(start, date) else None, end if isinstance(end, date) else None),
        times=str(facts.get("course_time") or ""),
        facilitator=facilitator,
        location=str(location),
        delivery_type=str(facts.get("delivery_type") or ""),
        business_unit=str(facts.get("business_unit") or ""),
    )


def start_time(times: str) -> time | None:
    """The start of '9:00-12:00 CT' or '1pm - 4pm'; None when it says no time."""
    match = _START_TIME.search(times or "")
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if match[3].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


# ---------------------------------------------------------------- the exports' names


EXPORT_CONVENTION = {"roster": "roster", "attendance": "roster", "eval": "eval"}
EXPORT_SUFFIX = {"roster": "-Participants"}
BLANK_ROSTER_NAME = "Blank Roster Template"


def export_stem(kind: str, naming: Mapping[str, str], values: Mapping[str, object]) -> str:
    """The file name (without .xlsx) of an export, by the playbook's naming convention.

    The attendance record is the file the seed names ``Roster-Client-Program-Date-FAC
    Initials`` (a playbook may give it its own ``attendance`` convention); the
    plain participant list gets the same name with ``-Participants``.
    """
    from onboard.core.naming import apply_convention, safe_filename

    if kind == "blank-roster":
        return BLANK_ROSTER_NAME
    if kind not in EXPORT_CONVENTION:
        raise OnboardError(f"Unknown export {kind!r}.", "Export roster, attendance, eval or blank-roster.")
    key = "attendance" if kind == "attendance" and "attendance" in naming else EXPORT_CONVENTION[kind]
    pattern = naming.get(key)
    if pattern is None:
        raise OnboardError(
            f"The playbook has no '{key}' naming convention for the {kind} file.",
            f'Add it under [naming], like {key} = "{key.capitalize()}-{{client}}-{{course_date}}".',
        )
    stem = apply_convention(pattern, values)
    suffix = EXPORT_SUFFIX.get(kind, "")
    return safe_filename(stem + suffix) if suffix else stem


# ---------------------------------------------------------------- facts


def _attendance_counts(folder: Path) -> tuple[int, list[date]] | None:
    """People present on at least one day, and the days with anything recorded; None: no attendance."""
    attendance = load_attendance(folder)
    if attendance is None:
        return None
    return attendance.present_count(), attendance.recorded_days()


def participants(folder: Path) -> tuple[int | None, str]:
    """How many took part, and where that number comes from.

    Recorded attendance (people present on at least one day) when there is
    any; else the number on the roster; else unknown.
    """
    return _participants(folder, _attendance_counts(folder))


def _participants(folder: Path, counts: tuple[int, list[date]] | None) -> tuple[int | None, str]:
    if counts is not None and counts[1]:
        return counts[0], "attendance"
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
