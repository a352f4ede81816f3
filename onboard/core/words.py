"""How dates are said to people: 'in 3 days', 'overdue by 2 days'.

A module of its own so that drawing a status does not import the due-rule
parser.
"""

from __future__ import annotations

from datetime import date


def describe_due(due: date | None, today: date) -> str:
    """Say a due date the way a person would: 'today', 'in 3 days', 'overdue by 2 days'."""
    if due is None:
        return "no date yet"
    delta = (due - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "overdue by 1 day"
    if delta < 0:
        return f"overdue by {-delta} days"
    return f"in {delta} days"
