"""The portfolio as one self-contained HTML page: a timeline per client and the agenda.

:func:`build_report` turns clients into plain data (bars, marks, positions
as percentages of the page's time range); :func:`render_report` fills the
HTML template with Jinja's sandbox and autoescaping. The page has inline CSS
and SVG, no scripts and nothing fetched from elsewhere, so it can be mailed
to a manager as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from onboard.core.agenda import AgendaItem, agenda
from onboard.core.engine import DONE, PENDING, overview
from onboard.core.playbook import Playbook
from onboard.core.state import ClientState

TEMPLATE = Path(__file__).resolve().parent / "assets" / "report.html.j2"


@dataclass(frozen=True)
class Bar:
    """A stage drawn from its first to its last date."""

    label: str
    start: date
    end: date
    done: bool


@dataclass(frozen=True)
class Mark:
    """A dated step drawn as a dot."""

    step: str
    title: str
    due: date
    overdue: bool
    done: bool


@dataclass(frozen=True)
class Timeline:
    """One client's row of the report."""

    slug: str
    name: str
    playbook: str
    progress: float
    stage: str
    bars: tuple[Bar, ...]
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Report:
    """Everything the report page draws, with positions as percentages."""

    title: str
    today: date
    start: date
    end: date
    timelines: tuple[Timeline, ...]
    agenda: tuple[AgendaItem, ...]

    def x(self, day: date) -> float:
        """Where ``day`` falls across the page, in percent."""
        span = max((self.end - self.start).days, 1)
        return round(100 * (day - self.start).days / span, 2)

    def months(self) -> list[date]:
        first = date(self.start.year, self.start.month, 1)
        out = []
        while first <= self.end:
            if first >= self.start:
                out.append(first)
            first = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return out


def _timeline(state: ClientState, playbook: Playbook, today: date, holidays: Collection[date]) -> Timeline:
    ov = overview(playbook, state, today, holidays)
    bars = []
    marks = []
    for stage in playbook.stages:
        views = [v for v in ov.steps if v.step.stage == stage.id and v.status != "n/a"]
        days = []
        for view in views:
            record = state.steps.get(view.step.id)
            if record:
                days.append(record["on"])
            if view.due:
                days.append(view.due)
        if days:
            bars.append(Bar(stage.title, min(days), max(days), all(v.resolved for v in views)))
        for view in views:
            if view.due and view.status in (PENDING, DONE):
                marks.append(Mark(view.step.id, view.step.title, view.due, view.overdue, view.status == DONE))
    return Timeline(
        slug=state.slug,
        name=state.name,
        playbook=playbook.title,
        progress=ov.progress,
        stage=ov.stage.title if ov.stage else "complete",
        bars=tuple(bars),
        marks=tuple(marks),
    )


def build_report(
    clients: Iterable[tuple[ClientState, Playbook]],
    today: date,
    holidays: Collection[date] = (),
    title: str = "Onboarding portfolio",
) -> Report:
    pairs = list(clients)
    timelines = tuple(_timeline(s, p, today, holidays) for s, p in pairs)
    days = [today] + [d for t in timelines for b in t.bars for d in (b.start, b.end)]
    days += [m.due for t in timelines for m in t.marks]
    start = min(days) - timedelta(days=3)
    end = max(days) + timedelta(days=3)
    items = tuple(agenda(pairs, today, holidays))
    return Report(title, today, start, end, timelines, items)


def render_report(report: Report) -> str:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(report=report)
