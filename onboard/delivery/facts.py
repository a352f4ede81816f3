"""The delivery as a whole: when and where it runs, the names of its exports, the facts its files give.

:class:`DeliveryInfo` is what an attendance sheet or an evaluation summary
says about the delivery, taken from the client's facts and roles. The
exported files are named by the playbook's naming conventions
(:func:`export_stem`) and go to the client's ``out/`` folder.

Who took part and how the course was rated are worked out from the records
in the client's folder whenever they are shown or sent (:func:`figures`),
never copied into the client's facts, where they would go stale. The
``close-delivery`` step records the participant count and eval score as
entered elsewhere that day: a dated snapshot, offered from the records
(:func:`derived_facts`), that ``status`` and ``check`` flag once the records
change after it (:mod:`onboard.core.snapshots`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from onboard.delivery.attendance import Counts, count
from onboard.delivery.datafiles import load_attendance, load_evaluations, load_roster
from onboard.delivery.evaluations import EvalSummary, summarise
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


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    """The figures the records give now: the counts, and the evaluations' summary if any."""

    counts: Counts
    evaluation: EvalSummary | None

    def as_facts(self) -> dict[str, Any]:
        """The figures under the names of the fields that record them (for templates and the step's answers).

        ``participant_count`` once attendance is recorded (the roster says who
        was invited, not who came); ``eval_score`` when the evaluations give
        an overall figure, with ``eval_scale`` (what it is out of).
        """
        facts: dict[str, Any] = {}
        if self.counts.participants_from == "attendance":
            facts["participant_count"] = self.counts.participants
        if self.evaluation is not None and self.evaluation.overall is not None:
            facts["eval_score"] = self.evaluation.overall
            if self.evaluation.overall_scale is not None:
                facts["eval_scale"] = str(self.evaluation.overall_scale.high)
        return facts


def figures(folder: Path) -> Figures:
    """The figures of the records in a client's folder, counted by :func:`onboard.delivery.attendance.count`."""
    roster = load_roster(folder)
    attendance = load_attendance(folder, roster)
    counts = count(roster, attendance)
    evaluations = load_evaluations(folder)
    evaluation = None
    if evaluations is not None and evaluations.responses:
        evaluation = summarise(evaluations, counts.participants, counts.participants_from)
    return Figures(counts, evaluation)


def participants(folder: Path) -> tuple[int | None, str]:
    """How many took part, and where that number comes from ("attendance", "roster" or "")."""
    roster = load_roster(folder)
    counts = count(roster, load_attendance(folder, roster))
    return counts.participants, counts.participants_from


def derived_facts(folder: Path) -> dict[str, Any]:
    """The figures the records give now, as answers for the step that records them as a snapshot."""
    return figures(folder).as_facts()
