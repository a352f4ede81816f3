"""Due rules: when a step is due, from a date fact or another step's completion.

A playbook writes rules the way the processes talk about time::

    "2 weeks before course_date"
    "24 hours after course_date"            (rounded up to whole days)
    "2 business days after step:assign-csm"
    "90 days after closed_won_date, roll none"
    "on course_date"
    "start of final quarter from proposal_start to proposal_end"
    "2 business days after closed_won_date or step:assign-csm"

An anchor ``A or B`` counts from A, or from B while A is not known (a
fact nobody has given, a step not done).

A date that lands on a weekend or a listed holiday moves to a business day:
deadlines *before* something move earlier, follow-ups *after* something move
later, unless the rule says ``roll earlier``, ``roll later`` or ``roll none``.

Everything here is pure: today's date and the holidays are arguments.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from onboard.errors import OnboardError

MAX_LENGTH = 200
MAX_AMOUNT = 3660


class AnchorKind(StrEnum):
    """What an anchor names: a date fact, a step's completion, or the client's start."""

    FIELD = "field"
    STEP = "step"
    START = "start"


class RuleKind(StrEnum):
    """An offset from one anchor, or the start of the final quarter between two."""

    OFFSET = "offset"
    FINAL_QUARTER = "final_quarter"


class Unit(StrEnum):
    """What an offset counts: calendar days, or business days (weekends and holidays skipped)."""

    DAYS = "days"
    BUSINESS_DAYS = "business_days"


class Roll(StrEnum):
    """Which way a date that lands on a weekend or holiday moves."""

    EARLIER = "earlier"
    LATER = "later"
    NONE = "none"


_UNITS: dict[str, tuple[Unit, float]] = {
    "hour": (Unit.DAYS, 1 / 24),
    "day": (Unit.DAYS, 1),
    "week": (Unit.DAYS, 7),
    "business day": (Unit.BUSINESS_DAYS, 1),
    "working day": (Unit.BUSINESS_DAYS, 1),
}
_ONE_ANCHOR = r"(?:step:[a-z0-9][a-z0-9-]*|[a-z_][a-z0-9_]*)"
_ANCHOR = rf"{_ONE_ANCHOR}(?:\s+or\s+{_ONE_ANCHOR})*"
_RELATIVE = re.compile(
    rf"^(?:within\s+)?(?P<amount>\d{{1,5}})\s+(?P<unit>hours?|days?|weeks?|business\s+days?|working\s+days?)"
    rf"\s+(?P<direction>before|after)\s+(?P<anchor>{_ANCHOR})$"
)
_ON = re.compile(rf"^on\s+(?P<anchor>{_ANCHOR})$")
_QUARTER = re.compile(
    rf"^start\s+of\s+(?:the\s+)?final\s+quarter\s+from\s+(?P<start>{_ANCHOR})\s+to\s+(?P<end>{_ANCHOR})$"
)
_ROLL = re.compile(r"^(?P<body>.*?)\s*,\s*roll\s+(?P<roll>earlier|later|none)$")


@dataclass(frozen=True)
class Anchor:
    """What a rule counts from: a date fact, a step's completion, or the client's start."""

    kind: AnchorKind
    name: str
    fallback: Anchor | None = None

    @classmethod
    def parse(cls, text: str) -> Anchor:
        first, _, rest = text.partition(" or ")
        fallback = cls.parse(rest.strip()) if rest else None
        if first.startswith("step:"):
            return cls(AnchorKind.STEP, first[5:], fallback)
        if first in {"start", "created"}:
            return cls(AnchorKind.START, "start", fallback)
        return cls(AnchorKind.FIELD, first, fallback)

    @property
    def text(self) -> str:
        """The anchor as a rule writes it (``closed_won_date or step:assign-csm``)."""
        own = f"step:{self.name}" if self.kind == AnchorKind.STEP else self.name
        return f"{own} or {self.fallback.text}" if self.fallback else own

    def chain(self) -> tuple[Anchor, ...]:
        """This anchor and its fallbacks, in the order they are tried."""
        return (self, *(self.fallback.chain() if self.fallback else ()))

    def resolve(self, facts: Mapping[str, object], completed: Mapping[str, date], start: date) -> date | None:
        if self.kind == AnchorKind.START:
            return start
        value = completed.get(self.name) if self.kind == AnchorKind.STEP else facts.get(self.name)
        if isinstance(value, date):
            return value
        return self.fallback.resolve(facts, completed, start) if self.fallback else None


@dataclass(frozen=True)
class DueRule:
    """A parsed due rule: an offset from one anchor, or the start of the final quarter between two."""

    source: str
    kind: RuleKind
    anchors: tuple[Anchor, ...]
    amount: int = 0
    unit: Unit = Unit.DAYS
    direction: int = 1  # +1 after, -1 before
    roll: Roll = Roll.LATER

    def fields(self) -> set[str]:
        return {a.name for anchor in self.anchors for a in anchor.chain() if a.kind == AnchorKind.FIELD}

    def steps(self) -> set[str]:
        return {a.name for anchor in self.anchors for a in anchor.chain() if a.kind == AnchorKind.STEP}

    def due(
        self,
        facts: Mapping[str, object],
        completed: Mapping[str, date],
        start: date,
        holidays: Collection[date] = (),
    ) -> date | None:
        """The due date, or None while an anchor date is not known yet."""
        resolved = [a.resolve(facts, completed, start) for a in self.anchors]
        if any(value is None for value in resolved):
            return None
        if self.kind == RuleKind.FINAL_QUARTER:
            first, last = resolved
            assert first is not None and last is not None
            raw = last - timedelta(days=(last - first).days // 4)
        else:
            anchor = resolved[0]
            assert anchor is not None
            if self.unit == Unit.BUSINESS_DAYS:
                return add_business_days(anchor, self.amount * self.direction, holidays)
            raw = anchor + timedelta(days=self.amount * self.direction)
        return roll_to_business_day(raw, self.roll, holidays)


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    """A weekday that is not on the holiday list."""
    return day.weekday() < 5 and day not in holidays


def roll_to_business_day(day: date, roll: Roll, holidays: Collection[date] = ()) -> date:
    """Move ``day`` off weekends and holidays, earlier or later; ``none`` keeps it."""
    if roll == Roll.NONE:
        return day
    step = timedelta(days=-1 if roll == Roll.EARLIER else 1)
    for _ in range(400):
        if is_business_day(day, holidays):
            return day
        day += step
    raise OnboardError("The holiday list leaves no business day within a year.")


def add_business_days(day: date, count: int, holidays: Collection[date] = ()) -> date:
    """Count ``count`` business days from ``day`` (negative counts go back)."""
    step = timedelta(days=1 if count >= 0 else -1)
    remaining = abs(count)
    guard = 0
    while remaining:
        day += step
        guard += 1
        if guard > MAX_AMOUNT * 3:
            raise OnboardError("The holiday list leaves too few business days.")
        if is_business_day(day, holidays):
            remaining -= 1
    if count == 0:
        return roll_to_business_day(day, Roll.LATER, holidays)
    return day


def parse_due_rule(text: str) -> DueRule:
    """Parse a rule, raising :class:`OnboardError` that quotes it when it is malformed."""
    if not isinstance(text, str):
        raise OnboardError(f"Due rule {text!r} must be text.")
    source = text
    normal = " ".join(text.strip().lower().split())
    if len(normal) > MAX_LENGTH:
        raise OnboardError(f"Due rule is longer than {MAX_LENGTH} characters.")
    roll: Roll | None = None
    roll_match = _ROLL.match(normal)
    if roll_match:
        normal, roll = roll_match.group("body"), Roll(roll_match.group("roll"))
    if match := _ON.match(normal):
        anchor = Anchor.parse(match["anchor"])
        return DueRule(source, RuleKind.OFFSET, (anchor,), 0, Unit.DAYS, 1, roll or Roll.NONE)
    if match := _QUARTER.match(normal):
        anchors = (Anchor.parse(match["start"]), Anchor.parse(match["end"]))
        return DueRule(source, RuleKind.FINAL_QUARTER, anchors, roll=roll or Roll.EARLIER)
    if match := _RELATIVE.match(normal):
        unit_word = re.sub(r"\s+", " ", match["unit"]).rstrip("s")
        unit, factor = _UNITS[unit_word]
        amount = math.ceil(int(match["amount"]) * factor)
        if amount > MAX_AMOUNT:
            raise OnboardError(f"Due rule {source!r}: {amount} days is more than ten years.")
        direction = 1 if match["direction"] == "after" else -1
        default_roll = Roll.EARLIER if direction < 0 else Roll.LATER
        return DueRule(
            source,
            RuleKind.OFFSET,
            (Anchor.parse(match["anchor"]),),
            amount,
            unit,
            direction,
            roll or default_roll,
        )
    raise OnboardError(
        f"Due rule {source!r} is not understood.",
        "Write it like '2 weeks before course_date', '24 hours after course_date', "
        "'2 business days after step:assign-csm' or 'on course_date'.",
    )
