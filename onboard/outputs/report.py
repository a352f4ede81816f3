"""The portfolio as one self-contained HTML page that reads on screen and on paper.

:func:`build_report` turns clients into plain data: a timeline per client
(stage bars, numbered marks for dated steps, the key dates such as the
course), positions as percentages of the page's time range, marks packed
into lanes so no two numbers overlap. :func:`render_report` fills the HTML
template with Jinja's sandbox and autoescaping. Every mark is labelled on
the page itself, by its number in the list under its timeline, so nothing
depends on hovering; shapes as well as colours tell done, due and overdue
apart, so a black-and-white print keeps them. The page has inline CSS and
SVG, no scripts and nothing fetched from elsewhere, so it can be mailed to a
manager as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from onboard.core.agenda import AgendaItem, agenda
from onboard.core.engine import DONE, NA, PENDING, overview
from onboard.core.playbook import Playbook
from onboard.core.schedule import AnchorKind
from onboard.core.state import ClientState
from onboard.outputs.session import read_session, session_fields

TEMPLATE = Path(__file__).resolve().parent / "assets" / "report.html.j2"
WIDTH = 1000
"""The drawing's width in SVG units; a mark's x is WIDTH times its position in percent / 100."""
MARK_GAP = 20
"""Marks closer than this (in SVG units) go on separate lanes so their numbers stay readable."""
LABEL_LENGTH = 34


@dataclass(frozen=True)
class Bar:
    """A stage drawn from its first to its last date."""

    label: str
    start: date
    end: date
    done: bool


@dataclass(frozen=True)
class Mark:
    """A dated step drawn as a numbered dot; the list under the timeline says what each number is."""

    number: int
    step: str
    title: str
    owner: str
    due: date
    status: str
    lane: int = 0

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def done(self) -> bool:
        return self.status == "done"


@dataclass(frozen=True)
class KeyDate:
    """A date the playbook counts from, such as the course date, drawn as a line across the timeline."""

    label: str
    first: date
    last: date
    detail: str = ""
    session: bool = False

    @property
    def short(self) -> str:
        """The label as the timeline has room for it; the list under the timeline has it whole."""
        if len(self.label) <= LABEL_LENGTH:
            return self.label
        return self.label[: LABEL_LENGTH - 1].rstrip() + "…"


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
    key_dates: tuple[KeyDate, ...] = ()
    not_applying: tuple[str, ...] = ()
    """Stages none of whose steps apply (the branch not taken): named as such, never drawn as done."""

    @property
    def lanes(self) -> int:
        return max((m.lane + 1 for m in self.marks), default=0)


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

    def shows(self, day: date) -> bool:
        return self.start <= day <= self.end

    def months(self) -> list[date]:
        first = date(self.start.year, self.start.month, 1)
        out = []
        while first <= self.end:
            if first >= self.start:
                out.append(first)
            first = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        return out


def day_text(day: date, today: date | None = None) -> str:
    """ "Tue 1 Dec", with the year when it is not ``today``'s."""
    text = f"{day:%a} {day.day} {day:%b}"
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


def key_dates(state: ClientState, playbook: Playbook, holidays: Collection[date] = ()) -> tuple[KeyDate, ...]:
    """The session (a course's days, with its times and place), then every date fact a due rule counts from."""
    out = []
    session = read_session(state, playbook, holidays)
    if session is not None:
        detail = " · ".join(part for part in (session.times_text, session.venue or session.link) if part)
        out.append(KeyDate(session.label, session.days[0], session.days[-1], detail, session=True))
    fields = session_fields(playbook)
    anchors = []
    for step in playbook.steps:
        for anchor in step.due.anchors if step.due else ():
            if anchor.kind == AnchorKind.FIELD and anchor.name not in anchors:
                anchors.append(anchor.name)
    for name in anchors:
        value = state.facts.get(name)
        if (fields is not None and name == fields.date) or not isinstance(value, date):
            continue
        declared = playbook.fields.get(name)
        out.append(KeyDate(declared.prompt if declared else name, value, value))
    return tuple(out)


def _timeline(state: ClientState, playbook: Playbook, today: date, holidays: Collection[date]) -> Timeline:
    ov = overview(playbook, state, today, holidays)
    bars = []
    dated = []
    for stage in playbook.stages:
        views = [v for v in ov.steps if v.step.stage == stage.id and v.status != NA]
        days = []
        for view in views:
            record = state.steps.get(view.step.id)
            if record:
                days.append(record["on"])
            if view.due:
                days.append(view.due)
        if days:
            bars.append(Bar(stage.title, min(days), max(days), all(v.resolved for v in views)))
        dated += [v for v in views if v.due and v.status in (PENDING, DONE)]
    dated.sort(key=lambda v: v.due or today)
    marks = tuple(
        Mark(
            number=number,
            step=view.step.id,
            title=view.step.title,
            owner=view.step.owner,
            due=view.due,
            status="done" if view.status == DONE else "overdue" if view.overdue else "due",
        )
        for number, view in enumerate(dated, start=1)
        if view.due is not None
    )
    return Timeline(
        slug=state.slug,
        name=state.name,
        playbook=playbook.title,
        progress=ov.progress,
        stage=ov.stage.title if ov.stage else "complete",
        bars=tuple(bars),
        marks=marks,
        key_dates=key_dates(state, playbook, holidays),
        not_applying=tuple(
            stage.title
            for stage in playbook.stages
            if all(v.status == NA for v in ov.steps if v.step.stage == stage.id)
        ),
    )


def pack_lanes(positions: list[float], gap: float = MARK_GAP) -> list[int]:
    """A lane for each position (in drawing order) so that marks on one lane are at least ``gap`` apart."""
    ends: list[float] = []
    lanes = []
    for x in positions:
        lane = next((i for i, end in enumerate(ends) if x - end >= gap), len(ends))
        if lane == len(ends):
            ends.append(x)
        ends[lane] = x
        lanes.append(lane)
    return lanes


def build_report(
    clients: Iterable[tuple[ClientState, Playbook]],
    today: date,
    holidays: Collection[date] = (),
    title: str = "Onboarding portfolio",
) -> Report:
    """The report of ``clients`` as they stand on ``today``; ``title`` is the workspace's name."""
    pairs = list(clients)
    timelines = [_timeline(s, p, today, holidays) for s, p in pairs]
    days = [today] + [d for t in timelines for b in t.bars for d in (b.start, b.end)]
    days += [m.due for t in timelines for m in t.marks]
    days += [d for t in timelines for k in t.key_dates if k.session for d in (k.first, k.last)]
    start = min(days) - timedelta(days=3)
    end = max(days) + timedelta(days=3)
    report = Report(title, today, start, end, (), tuple(agenda(pairs, today, holidays)))
    packed = []
    for timeline in timelines:
        lanes = pack_lanes([WIDTH * report.x(m.due) / 100 for m in timeline.marks])
        marks = tuple(replace(m, lane=lane) for m, lane in zip(timeline.marks, lanes, strict=True))
        packed.append(replace(timeline, marks=marks))
    return replace(report, timelines=tuple(packed))


def render_report(report: Report) -> str:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["day"] = lambda day: day_text(day, report.today)
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(report=report, width=WIDTH)
