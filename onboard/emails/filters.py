"""The filters a template can use: dates in words, date arithmetic, names.

``longdate`` ("Tuesday 15 March 2022"), ``shortdate`` ("Tue 15 Mar"),
``isodate``, ``add_days(n)``, ``add_business_days(n)`` (skips weekends and
the workspace's holidays), ``days_before(n)`` (never earlier than today),
``week_start`` (that week's Monday), ``first_name`` ("Dr Jane Doe" ->
"Jane"), ``possessive`` and ``join_and`` (["Ann", "Bo", "Cy"] -> "Ann, Bo
and Cy"). Each passes an undefined value through, so the
first pass of a render records it instead of failing inside the filter.

Imports Jinja: only :mod:`onboard.emails.sandbox` imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Undefined

from onboard.emails.renderpass import current_pass

_TITLES = {"dr", "mr", "mrs", "ms", "mx", "prof", "sir", "dame"}


def _as_date(value: Any, filter_name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"the {filter_name} filter needs a date, not {value!r}")


def longdate(value: Any) -> Any:
    """A date in words: "Tuesday 15 March 2022"."""
    if isinstance(value, Undefined):
        return value
    day = _as_date(value, "longdate")
    return f"{day:%A} {day.day} {day:%B %Y}"


def shortdate(value: Any) -> Any:
    """A short date: "Tue 15 Mar"."""
    if isinstance(value, Undefined):
        return value
    day = _as_date(value, "shortdate")
    return f"{day:%a} {day.day} {day:%b}"


def isodate(value: Any) -> Any:
    """The date as ``YYYY-MM-DD``."""
    if isinstance(value, Undefined):
        return value
    return _as_date(value, "isodate").isoformat()


def add_days(value: Any, days: int) -> Any:
    """``days`` calendar days later (earlier when negative)."""
    if isinstance(value, Undefined):
        return value
    return _as_date(value, "add_days") + timedelta(days=int(days))


@pass_context
def days_before(context: Any, value: Any, days: int) -> Any:
    """``days`` before the date, but never earlier than today (a deadline still ahead)."""
    if isinstance(value, Undefined):
        return value
    target = _as_date(value, "days_before") - timedelta(days=int(days))
    today = context.get("today")
    return max(target, today) if isinstance(today, date) else target


def add_business_days(value: Any, days: int) -> Any:
    """``days`` business days later (earlier when negative), skipping weekends and the workspace's holidays."""
    from onboard.core.schedule import add_business_days as add

    if isinstance(value, Undefined):
        return value
    run = current_pass()
    return add(_as_date(value, "add_business_days"), int(days), run.holidays if run else ())


def week_start(value: Any) -> Any:
    """The Monday of the date's week ("the week of Monday 9 March 2026")."""
    if isinstance(value, Undefined):
        return value
    day = _as_date(value, "week_start")
    return day - timedelta(days=day.weekday())


def possessive(value: Any) -> Any:
    """ "Globex" -> "Globex's", "Acme Sons" -> "Acme Sons'"."""
    if isinstance(value, Undefined):
        return value
    text = str(value)
    return f"{text}'" if text.endswith(("s", "S")) else f"{text}'s"


def first_name(value: Any) -> Any:
    """The first name of a full name, skipping a title ("Dr Jane Doe" -> "Jane")."""
    if isinstance(value, Undefined):
        return value
    parts = str(value).split()
    while len(parts) > 1 and parts[0].rstrip(".").lower() in _TITLES:
        parts = parts[1:]
    return parts[0] if parts else ""


def join_and(value: Any) -> Any:
    """A list in words: ["Ann", "Bo", "Cy"] -> "Ann, Bo and Cy"."""
    if isinstance(value, Undefined):
        return value
    items = [str(item) for item in value]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


FILTERS: dict[str, Callable[..., Any]] = {
    "longdate": longdate,
    "shortdate": shortdate,
    "isodate": isodate,
    "add_days": add_days,
    "add_business_days": add_business_days,
    "week_start": week_start,
    "possessive": possessive,
    "days_before": days_before,
    "first_name": first_name,
    "join_and": join_and,
}
