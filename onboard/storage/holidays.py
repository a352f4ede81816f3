"""Holidays as people write them: the company's own days, and public holidays by country.

``onboard.toml`` may list days on which no business-day rule lands, written
as TOML dates (``2026-12-24``) or as text (``"2026-12-24"``), and name a
country and region whose public holidays count too::

    holidays = [2026-12-24, "2026-12-31"]

    [public_holidays]
    country = "US"      # ISO 3166 code
    region = "NY"       # a state, province or other subdivision (optional)

Public holidays come from the ``holidays`` package (the Python community's
calendar of 200+ countries). It is imported only when a country is set,
and the days it gives for the years around today are kept in the
workspace's ``.onboard-cache/`` until ``onboard.toml`` or the package
changes, so a command does not pay for the import each run. A bad entry is
named with its line in the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from onboard.errors import OnboardError

CACHE = (".onboard-cache", "holidays.json")
YEARS_BEFORE, YEARS_AFTER = 1, 3
"""Public holidays are taken for these years around today: enough for every due date in sight."""


@dataclass(frozen=True)
class PublicHolidays:
    """A country's (and optionally one region's) public holidays, as named in onboard.toml."""

    country: str
    region: str | None = None


def own_days(value: object, lines: list[str], problems: list[str]) -> frozenset[date]:
    """The ``holidays`` list: TOML dates or "YYYY-MM-DD" texts; each bad entry named with its line."""
    if not isinstance(value, list):
        problems.append(f"{_where(lines, 'holidays')}holidays must be a list of dates like 2026-12-25")
        return frozenset()
    days: set[date] = set()
    for index, entry in enumerate(value):
        if isinstance(entry, date) and not isinstance(entry, datetime):
            days.add(entry)
            continue
        shown = entry.isoformat() if isinstance(entry, datetime) else repr(entry)
        try:
            if isinstance(entry, datetime):
                raise OnboardError("has a time; give the day alone")
            day = _day(entry)
        except OnboardError as exc:
            detail = exc.message.split(": ", 1)[-1].rstrip(".")
            needle = json.dumps(entry) if isinstance(entry, str) else shown
            problems.append(f"{_where(lines, needle)}holidays[{index}] = {shown}: {detail}")
            continue
        if isinstance(day, date):
            days.add(day)
    return frozenset(days)


def _day(entry: object) -> object:
    """A date from text, by the rule every date field follows (an impossible day named as such)."""
    from onboard.core.fields import Field, FieldType, coerce

    return coerce(Field("holidays", type=FieldType.DATE), entry)


def public_holidays(value: object, lines: list[str], problems: list[str]) -> PublicHolidays | None:
    """The ``[public_holidays]`` table (country, region), checked for shape; the codes are checked on use."""
    if value is None:
        return None
    where = _where(lines, "[public_holidays]")
    if not isinstance(value, dict):
        problems.append(f"{where}[public_holidays] must be a table with country and region")
        return None
    unknown = sorted(set(value) - {"country", "region"})
    if unknown:
        problems.append(f"{where}[public_holidays] has unknown key {unknown[0]!r} (use country, region)")
    country = value.get("country")
    region = value.get("region")
    if not isinstance(country, str) or not country.strip():
        problems.append(f'{where}[public_holidays] needs country = "US" (an ISO 3166 code)')
        return None
    if region is not None and (not isinstance(region, str) or not region.strip()):
        problems.append(f'{where}[public_holidays] region must be text like "NY"')
        region = None
    return PublicHolidays(country.strip(), region.strip() if isinstance(region, str) else None)


def _where(lines: list[str], needle: str) -> str:
    """``line N: `` for the first line of the file holding ``needle``, else nothing."""
    for number, line in enumerate(lines, 1):
        if needle in line.split("#", 1)[0]:
            return f"line {number}: "
    return ""


def holiday_days(
    own: frozenset[date], calendar: PublicHolidays | None, today: date, root: Path, config: Path
) -> frozenset[date]:
    """The company's own days plus the public holidays of the years around ``today``."""
    if calendar is None:
        return own
    years = range(today.year - YEARS_BEFORE, today.year + YEARS_AFTER + 1)
    return own | _public_days(calendar, years, root, config)


def _public_days(calendar: PublicHolidays, years: range, root: Path, config: Path) -> frozenset[date]:
    stamp = [calendar.country, calendar.region, years.start, years.stop, _package_stamp()]
    path = root.joinpath(*CACHE)
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept.get("stamp") == stamp:
            return frozenset(date.fromisoformat(d) for d in kept["days"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    days = _compute(calendar, years, config)
    try:
        from onboard.storage.atomic import atomic_write

        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"stamp": stamp, "days": sorted(d.isoformat() for d in days)}
        atomic_write(path, json.dumps(data).encode("utf-8"))
    except OSError:
        pass
    return days


def _package_stamp() -> list[object]:
    """Where the holidays package is and when it was installed, without importing it."""
    from importlib.util import find_spec

    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return []
    try:
        return [spec.origin, os.stat(spec.origin).st_mtime_ns]
    except OSError:
        return [spec.origin]


def _compute(calendar: PublicHolidays, years: range, config: Path) -> frozenset[date]:
    """Ask the holidays package; an unknown country or region is named with the close ones."""
    try:
        import holidays
    except ImportError:
        raise OnboardError(
            f"{config}: [public_holidays] needs the holidays package, which is not installed.",
            'Install it with `pip install "holidays>=0.50"`, or remove [public_holidays].',
        ) from None
    from onboard.core.suggest import with_suggestion

    supported: Mapping[str, list[str]] = holidays.list_supported_countries()
    country = _match(calendar.country, supported)
    if country is None:
        raise OnboardError(
            f"{config}: [public_holidays] country = {calendar.country!r} is not a country the "
            "holidays package knows.",
            with_suggestion(calendar.country, supported, "Use an ISO 3166 code such as US, GB, DE or FR."),
        )
    region = None
    if calendar.region is not None:
        region = _match(calendar.region, supported[country])
        if region is None:
            regions = ", ".join(supported[country]) or "none"
            raise OnboardError(
                f"{config}: [public_holidays] region = {calendar.region!r} is not a region of {country}.",
                with_suggestion(calendar.region, supported[country], f"Regions of {country}: {regions}."),
            )
    found = holidays.country_holidays(country, subdiv=region, years=years)
    return frozenset(found.keys())


def _match(code: str, known: Mapping[str, object] | list[str]) -> str | None:
    """The known code equal to ``code`` whatever its case."""
    wanted = code.casefold()
    return next((k for k in known if k.casefold() == wanted), None)
