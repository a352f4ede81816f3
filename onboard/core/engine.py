"""The engine: what applies, what is next, when it is due, and how state changes.

Pure functions over a :class:`Playbook` and a :class:`ClientState`. Nothing
here reads a file or the clock: ``today`` and ``now`` are arguments, so
every rule is testable with fixed dates.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from onboard.core.clock import next_clock, not_before
from onboard.core.conditions import Condition
from onboard.core.fields import FactValue, assignments, coerce, limit_problems
from onboard.core.playbook import FollowUp, Gate, Playbook, Stage, Step
from onboard.core.state import (
    SCHEMA,
    ClientState,
    Event,
    StepStatus,
    apply_changes,
    empty_sections,
    event_id,
    split_path,
)
from onboard.core.suggest import with_suggestion
from onboard.core.waiting import Waiting, WaitKind, command, refusal
from onboard.errors import OnboardError

PENDING, DONE, SKIPPED, NA = StepStatus.PENDING, StepStatus.DONE, StepStatus.SKIPPED, StepStatus.NA


@dataclass(frozen=True)
class StepView:
    """A step as it stands for one client on one day."""

    step: Step
    status: StepStatus
    due: date | None
    overdue: bool
    actionable: bool
    waiting: tuple[Waiting, ...] = ()
    moved: bool = False

    @property
    def resolved(self) -> bool:
        return self.status != PENDING


@dataclass(frozen=True)
class Overview:
    """Where a client stands: every step, the current stage, progress, what is next."""

    steps: tuple[StepView, ...]
    stage: Stage | None
    progress: float

    @property
    def actionable(self) -> tuple[StepView, ...]:
        return tuple(v for v in self.steps if v.actionable)

    @property
    def overdue(self) -> tuple[StepView, ...]:
        return tuple(v for v in self.steps if v.overdue)

    @property
    def complete(self) -> bool:
        return self.stage is None

    @property
    def next_step(self) -> StepView | None:
        candidates = self.actionable
        if not candidates:
            return None
        dated = [v for v in candidates if v.due]
        return min(dated, key=lambda v: v.due) if dated else candidates[0]  # type: ignore[arg-type,return-value]

    @property
    def next_due(self) -> date | None:
        dates = [v.due for v in self.steps if v.status == PENDING and v.due]
        return min(dates) if dates else None

    def view(self, step_id: str) -> StepView:
        for view in self.steps:
            if view.step.id == step_id:
                return view
        raise OnboardError(f"No step {step_id!r}.")


def applies(playbook: Playbook, step: Step, facts: Mapping[str, object]) -> bool | None:
    """Whether a step applies: True, False (n/a), or None while a fact it depends on is unknown."""
    return _applies(playbook.stage(step.stage).when, step.when, facts)


def _applies(
    stage_when: Condition | None, step_when: Condition | None, facts: Mapping[str, object]
) -> bool | None:
    if stage_when is None and step_when is None:
        return True
    results = [c.evaluate(facts) for c in (stage_when, step_when) if c is not None]
    if False in results:
        return False
    if None in results:
        return None
    return True


def completion_dates(state: ClientState) -> dict[str, date]:
    return {sid: rec["on"] for sid, rec in state.steps.items() if rec.get("status") == DONE}


@dataclass(frozen=True)
class Standing:
    """What a one-line summary of a client needs, computed without a :class:`StepView` per step.

    ``pending`` holds every pending step as (step, due, actionable, moved).
    It gives the same answers as the :class:`Overview` of the same client:
    both come from :func:`_walk`.
    """

    stage: Stage | None
    progress: float
    next_step: Step | None
    next_due: date | None
    pending: tuple[tuple[Step, date | None, bool, bool], ...]

    def overdue(self, today: date) -> int:
        return sum(1 for _, due, _, _ in self.pending if due is not None and due < today)


_Walked = tuple[Step, StepStatus, date | None, bool, list[tuple[WaitKind, str]]]


def _walk(
    playbook: Playbook, state: ClientState, holidays: Collection[date]
) -> tuple[list[_Walked], Stage | None, float]:
    """Every step's status, due date (None when n/a), moved, and why it waits; the current stage; progress.

    The reasons are (kind, id) pairs: :func:`overview` gives them titles,
    :func:`standing` only needs to know whether there are any.
    """
    facts = state.facts
    records = state.steps
    completed = completion_dates(state)
    all_steps = playbook.steps
    stage_when = {stage.id: stage.when for stage in playbook.stages}
    statuses: dict[str, StepStatus] = {}
    unknown: set[str] = set()
    for step in all_steps:
        applicable = _applies(stage_when[step.stage], step.when, facts)
        record = records.get(step.id)
        if applicable is False:
            statuses[step.id] = NA  # a branch left behind: its records stay in the history
        elif record:
            statuses[step.id] = DONE if record["status"] == DONE else SKIPPED
        else:
            statuses[step.id] = PENDING
            if applicable is None:
                unknown.add(step.id)
    repeats_pending = {s.repeat_of for s in all_steps if s.repeat_of and statuses[s.id] == PENDING}

    walked: list[_Walked] = []
    open_before = False
    current: Stage | None = None
    counted = resolved = 0
    for stage in playbook.stages:
        stage_open = False
        for step in stage.steps:
            status = statuses[step.id]
            waits: list[tuple[WaitKind, str]] = []
            if status == PENDING:
                stage_open = True
                if open_before and current is not None:
                    waits.append((WaitKind.STAGE, current.id))
                waits.extend(
                    (WaitKind.STEP, a)
                    for a in step.after
                    if statuses.get(a) == PENDING or a in repeats_pending
                )
                if step.gate and step.gate not in state.gates:
                    waits.append((WaitKind.GATE, step.gate))
                if step.id in unknown:
                    names = set()
                    for cond in (stage_when[step.stage], step.when):
                        if cond:
                            names |= {n for n in cond.names() if facts.get(n) in (None, "")}
                    waits.extend((WaitKind.FACT, n) for n in sorted(names))
            due, moved = _due(step, state, completed, holidays)
            if status != NA:
                counted += 1
                resolved += status != PENDING
            walked.append((step, status, due if status != NA else None, moved, waits))
        if stage_open and not open_before:
            current = stage
            open_before = True
    progress = resolved / counted if counted else 1.0
    return walked, current, round(progress, 4)


def overview(
    playbook: Playbook, state: ClientState, today: date, holidays: Collection[date] = ()
) -> Overview:
    """Compute every step's status, due date and whether it can be acted on today."""
    walked, current, progress = _walk(playbook, state, holidays)
    views = tuple(
        StepView(
            step=step,
            status=status,
            due=due,
            overdue=status == PENDING and due is not None and due < today,
            actionable=status == PENDING and not waits,
            waiting=tuple(Waiting(kind, i, _wait_title(playbook, kind, i)) for kind, i in waits),
            moved=moved,
        )
        for step, status, due, moved, waits in walked
    )
    return Overview(views, current, progress)


def standing(playbook: Playbook, state: ClientState, holidays: Collection[date] = ()) -> Standing:
    """Stage, progress, next step and the pending steps, as :func:`overview` gives them, but cheaper.

    ``onboard list`` summarises every client when it builds its index; the
    titles of what each step waits for, and an object per step, cost more
    there than the rules themselves.
    """
    walked, current, progress = _walk(playbook, state, holidays)
    pending = tuple(
        (step, due, not waits, moved) for step, status, due, moved, waits in walked if status == PENDING
    )
    next_step: tuple[Step, date] | None = None
    next_due: date | None = None
    first_actionable: Step | None = None
    for step, due, actionable, _ in pending:
        if due is not None and (next_due is None or due < next_due):
            next_due = due
        if actionable:
            if first_actionable is None:
                first_actionable = step
            if due is not None and (next_step is None or due < next_step[1]):
                next_step = (step, due)
    nxt = next_step[0] if next_step else first_actionable
    return Standing(current, progress, nxt, next_due, pending)


def _wait_title(playbook: Playbook, kind: WaitKind, wait_id: str) -> str:
    if kind == WaitKind.STAGE:
        return playbook.stage(wait_id).title
    if kind == WaitKind.STEP:
        return _step_title(playbook, wait_id)
    if kind == WaitKind.GATE:
        return playbook.gates[wait_id].title
    return playbook.fields[wait_id].prompt


def _step_title(playbook: Playbook, step_id: str) -> str:
    """The title of a step named in ``after`` (a repeated step is named by the id its occurrences share)."""
    for step in playbook.steps:
        if step.id == step_id or step.repeat_of == step_id:
            return step.title
    return step_id


def _due(
    step: Step, state: ClientState, completed: Mapping[str, date], holidays: Collection[date]
) -> tuple[date | None, bool]:
    override = state.due_overrides.get(step.id)
    if override:
        return override, True
    if step.due is None:
        return None, False
    return step.due.due(state.facts, completed, state.created, holidays), False


# --- transitions ------------------------------------------------------------------


def _stamp(now: datetime) -> datetime:
    return now.replace(microsecond=0)


def record(
    state: ClientState,
    *,
    action: str,
    summary: str,
    now: datetime,
    by: str,
    set_: Mapping[str, Any] | None = None,
    unset: tuple[str, ...] = (),
    step: str | None = None,
    target: int | None = None,
    records: Mapping[str, str] | None = None,
) -> ClientState:
    """Apply a change and append it to the history with what it replaced.

    ``records`` names the delivery records an import changed (see
    :class:`~onboard.core.state.Event`); such an event may set nothing.
    """
    set_ = dict(set_ or {})
    before = {p: state.get(p) for p in (*set_, *unset) if state.get(p) is not None}
    revision = set_.get("meta.playbook_revision", state.playbook_revision)
    event = Event(
        seq=(state.history[-1].seq + 1) if state.history else 1,
        at=not_before(_stamp(now), state.history),
        by=by,
        action=action,
        summary=summary,
        set=set_,
        unset=tuple(unset),
        before=before,
        step=step,
        target=target,
        clock=next_clock(state.history),
        records=dict(records or {}),
    )
    event = replace(event, id=event_id(event, state.history[-1].id if state.history else ""))
    sections = apply_changes(state.sections, set_, tuple(unset))
    return replace(state, sections=sections, history=(*state.history, event), playbook_revision=revision)


def new_client(
    playbook: Playbook,
    *,
    name: str,
    slug: str,
    facts: Mapping[str, object],
    now: datetime,
    by: str,
) -> ClientState:
    """A client at the first step of ``playbook``, with its intake facts."""
    values = _coerce_facts(playbook, facts)
    _check_limits(playbook, values, values, now.date())
    missing = [n for n in playbook.intake if playbook.fields[n].required and n not in values]
    if missing:
        run = ("onboard", "new", name, "--playbook", playbook.id)
        raise _missing_error(playbook, missing, f"new client {name!r}", run, values, now.date())
    blank = ClientState(
        slug=slug,
        name=name,
        playbook=playbook.id,
        playbook_revision=playbook.revision,
        created=now.date(),
        sections=empty_sections(),
        schema=SCHEMA,
    )
    return record(
        blank,
        action="created",
        summary=f"started on {playbook.id} (revision {playbook.revision})",
        now=now,
        by=by,
        set_={"meta.playbook_revision": playbook.revision, **{f"facts.{k}": v for k, v in values.items()}},
    )


def _coerce_facts(playbook: Playbook, facts: Mapping[str, object]) -> dict[str, FactValue]:
    values: dict[str, FactValue] = {}
    for key, raw in facts.items():
        field = playbook.fields.get(key)
        if field is None:
            raise OnboardError(
                f"{key!r} is not a field of playbook {playbook.id!r}.",
                with_suggestion(key, playbook.fields, "Known fields: " + ", ".join(sorted(playbook.fields))),
            )
        values[key] = coerce(field, raw)
    return values


def _check_limits(
    playbook: Playbook, facts: Mapping[str, object], changed: Collection[str], today: date
) -> None:
    """Refuse values that break a limit the playbook states (an end before its start)."""
    problems = limit_problems(playbook.fields, facts, changed)
    if problems:
        spec, problem = problems[0]
        raise OnboardError(
            f"{problem}.", f"Give {spec.noun} inside that limit, such as {spec.assignment(today, facts)}."
        )


def _missing_error(
    playbook: Playbook,
    missing: list[str],
    what: str,
    run: tuple[str, ...],
    facts: Mapping[str, object],
    today: date,
) -> OnboardError:
    """Missing fields (and ``role.X`` holders) with the command that gives them, examples filled in."""
    specs = [playbook.fields[name] for name in missing if not name.startswith("role.")]
    flags = [f"--set {a}" for a in assignments(specs, today, facts)]
    flags += [f"--set {command(name + '=Ann Lee')}" for name in missing if name.startswith("role.")]
    return OnboardError(
        f"Missing {', '.join(missing)} for {what}.",
        f"Run `{command(*run)} {' '.join(flags)}` with the real values (or put them in --answers FILE.toml).",
    )


def _missing_role(playbook: Playbook, slug: str, role: str, what: str, run: tuple[str, ...]) -> OnboardError:
    """No one holds a role a step needs: assign it, or name the holder with the step."""
    name = playbook.roles[role].name
    return OnboardError(
        f"No one is assigned as {role} ({name}) for {what}.",
        f"Assign them: `{command('onboard', 'assign', slug, role, 'Ann Lee')}` with the real name, "
        f"or run `{command(*run)} --set {command(f'role.{role}=Ann Lee')}`.",
    )


def fields_needed(playbook: Playbook, step: Step, state: ClientState) -> list[str]:
    """The fields a step asks for that are required and not yet known."""
    return [
        name for name in step.asks if playbook.fields[name].required and state.facts.get(name) in (None, "")
    ]


def complete_step(
    playbook: Playbook,
    state: ClientState,
    step_id: str,
    *,
    answers: Mapping[str, object],
    now: datetime,
    by: str,
    note: str = "",
    today: date | None = None,
    holidays: Collection[date] = (),
    force: bool = False,
) -> ClientState:
    """Mark a step done, storing the answers to the fields it asks for."""
    step = playbook.step(step_id)
    check_open(playbook, state, step, today or now.date(), holidays, force)
    values = _coerce_facts(playbook, {k: v for k, v in answers.items() if k in step.asks})
    merged = {**state.facts, **values}
    _check_limits(playbook, merged, values, now.date())
    missing = [n for n in step.asks if playbook.fields[n].required and merged.get(n) in (None, "")]
    run = ("onboard", "done", state.slug, step_id)
    if missing:
        raise _missing_error(playbook, missing, f"step {step_id!r}", run, merged, now.date())
    changes: dict[str, Any] = {f"facts.{k}": v for k, v in values.items() if state.facts.get(k) != v}
    for role in step.assigns:
        holder = answers.get(f"role.{role}")
        if holder is not None:
            changes[f"roles.{role}"] = role_holder(holder)
        elif role not in state.roles:
            raise _missing_role(playbook, state.slug, role, f"step {step_id!r}", run)
    changes[f"steps.{step_id}"] = {"status": DONE.value, "on": now.date(), "by": by, "note": note or None}
    if step.opens and step.opens not in state.gates:
        changes[f"gates.{step.opens}"] = {"on": now.date(), "by": by, "via": f"step {step_id}"}
    summary = f"done {step_id}"
    decided = [
        f"{k} = {v!r}" for k, v in values.items() if k in playbook.decisions and state.facts.get(k) != v
    ]
    if decided:
        summary += "; decided " + ", ".join(decided) + (f": {note}" if note else "")
    return record(state, action="done", summary=summary, now=now, by=by, set_=changes, step=step_id)


def skip_step(
    playbook: Playbook,
    state: ClientState,
    step_id: str,
    *,
    reason: str,
    now: datetime,
    by: str,
    today: date | None = None,
    holidays: Collection[date] = (),
    force: bool = False,
) -> ClientState:
    """Mark a step skipped; a reason is required so the history explains itself."""
    if not reason or not reason.strip():
        raise OnboardError(f"Skipping {step_id!r} needs a reason.", "Pass --reason 'why'.")
    step = playbook.step(step_id)
    check_open(playbook, state, step, today or now.date(), holidays, force)
    record_ = {"status": SKIPPED.value, "on": now.date(), "by": by, "note": reason.strip()}
    return record(
        state,
        action="skip",
        summary=f"skipped {step_id}: {reason.strip()}",
        now=now,
        by=by,
        set_={f"steps.{step_id}": record_},
        step=step_id,
    )


def check_open(
    playbook: Playbook,
    state: ClientState,
    step: Step,
    today: date,
    holidays: Collection[date],
    force: bool,
) -> None:
    """Refuse a step that is already recorded, does not apply, or waits (unless forced)."""
    ov = overview(playbook, state, today, holidays)
    view = ov.view(step.id)
    if view.status in (DONE, SKIPPED):
        on = state.steps[step.id]["on"]
        raise OnboardError(
            f"Step {step.id!r} is already {view.status} (on {on}).",
            f"Run `onboard undo {state.slug}` first if that was a mistake.",
        )
    if view.status == NA:
        raise OnboardError(f"Step {step.id!r} does not apply to {state.name} (its condition is false).")
    if view.waiting and not force:
        pending = [v.step.id for v in ov.steps if v.status == PENDING]
        raise refusal(playbook, state.slug, step, view.waiting, pending, state.facts, today)


def set_facts(
    playbook: Playbook, state: ClientState, values: Mapping[str, object], *, now: datetime, by: str
) -> ClientState:
    """Change client facts (a corrected date, a new business unit)."""
    coerced = _coerce_facts(playbook, values)
    _check_limits(playbook, {**state.facts, **coerced}, coerced, now.date())
    changes = {f"facts.{k}": v for k, v in coerced.items() if state.facts.get(k) != v}
    if not changes:
        raise OnboardError("Nothing changes: every value is already set to that.")
    summary = "set " + ", ".join(f"{k}={v}" for k, v in coerced.items())
    return record(state, action="set", summary=summary, now=now, by=by, set_=changes)


def assign_role(
    playbook: Playbook,
    state: ClientState,
    role: str,
    *,
    name: str,
    initials: str | None,
    email: str | None,
    now: datetime,
    by: str,
) -> ClientState:
    """Record who holds a role for this client (their initials go into file names)."""
    if role not in playbook.roles:
        raise OnboardError(
            f"Playbook {playbook.id!r} has no role {role!r}.",
            with_suggestion(role, playbook.roles, "Roles: " + ", ".join(playbook.roles)),
        )
    holder = role_holder({"name": name, "initials": initials, "email": email})
    return record(
        state,
        action="assign",
        summary=f"assigned {role} to {name.strip()}",
        now=now,
        by=by,
        set_={f"roles.{role}": holder},
    )


def initials_of(name: str) -> str:
    return "".join(part[0] for part in name.split() if part[:1].isalpha()).upper()


def role_holder(value: object) -> dict[str, str | None]:
    """A role holder from a name or a table with name, initials and email."""
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping) or not str(value.get("name") or "").strip():
        raise OnboardError(f"A role needs a person's name, not {value!r}.")
    name = str(value["name"]).strip()
    initials = str(value.get("initials") or initials_of(name) or name[:2].upper())
    email = value.get("email") or None
    return {"name": name, "initials": initials, "email": email}


def open_gate(
    playbook: Playbook,
    state: ClientState,
    gate_id: str,
    *,
    now: datetime,
    by: str,
    override_by: str | None = None,
    reason: str | None = None,
) -> ClientState:
    """Record that a gate's event happened, or that someone allowed work to go on without it."""
    if gate_id not in playbook.gates:
        raise OnboardError(
            f"Playbook {playbook.id!r} has no gate {gate_id!r}.",
            with_suggestion(gate_id, playbook.gates, "Gates: " + (", ".join(playbook.gates) or "none")),
        )
    if gate_id in state.gates:
        raise OnboardError(f"Gate {gate_id!r} is already open (on {state.gates[gate_id]['on']}).")
    if override_by is not None and not (reason or "").strip():
        raise OnboardError("An override needs a reason.", "Pass --reason 'why'.")
    if override_by is not None:
        _check_override(playbook, state, playbook.gates[gate_id], override_by)
    record_ = {"on": now.date(), "by": by, "override_by": override_by, "reason": reason}
    summary = f"opened gate {gate_id}"
    if override_by:
        summary = f"gate {gate_id} overridden by {override_by}: {reason}"
    return record(state, action="gate", summary=summary, now=now, by=by, set_={f"gates.{gate_id}": record_})


def _check_override(playbook: Playbook, state: ClientState, gate: Gate, override_by: str) -> None:
    """Only a holder of one of the gate's ``override_roles`` may let work go on without it.

    ``override_by`` names the role (its id or name, "MD", "Managing Director")
    or the person assigned to it for this client. A gate without
    ``override_roles`` may be overridden by anyone, with a reason.
    """
    if not gate.override_roles:
        return
    allowed: set[str] = set()
    for role_id in gate.override_roles:
        allowed |= {role_id, playbook.roles[role_id].name}
        holder = state.roles.get(role_id) or {}
        allowed |= {str(holder[k]) for k in ("name", "initials") if holder.get(k)}
    if override_by.strip().casefold() not in {a.casefold() for a in allowed}:
        who = " or ".join(f"the {playbook.roles[r].name} ({r})" for r in gate.override_roles)
        raise OnboardError(
            f"Only {who} may let work go on without {gate.title!r}; {override_by!r} is not one.",
            f"Pass --override-by with the role or the name of the person assigned to it "
            f"(`onboard assign {state.slug} {gate.override_roles[0]} NAME`).",
        )


def effective_events(state: ClientState) -> list[Event]:
    """Events that still stand: neither undone nor undo records themselves."""
    undone = {e.target for e in state.history if e.action == "undo"}
    return [e for e in state.history if e.action != "undo" and e.seq not in undone]


def undo(state: ClientState, *, now: datetime, by: str) -> tuple[ClientState, Event]:
    """Revert the most recent change that still stands; returns the new state and what was undone.

    An import's undo names the same records; taking the import out of them
    is the caller's (the files are not the core's).
    """
    candidates = [e for e in effective_events(state) if e.action != "created"]
    if not candidates:
        raise OnboardError(f"Nothing to undo for {state.name}.")
    target = candidates[-1]
    set_ = {p: target.before[p] for p in target.paths() if p in target.before}
    unset = tuple(p for p in target.paths() if p not in target.before)
    new_state = record(
        state,
        action="undo",
        summary=f"undid #{target.seq}: {target.summary}",
        now=now,
        by=by,
        set_=set_,
        unset=unset,
        step=target.step,
        target=target.seq,
        records=target.records,
    )
    return new_state, target


def replay(state: ClientState) -> ClientState:
    """Rebuild the sections from the history alone (for checks and tests)."""
    sections: Mapping[str, Mapping[str, Any]] = empty_sections()
    revision = state.playbook_revision
    for event in state.history:
        sections = apply_changes(sections, event.set, event.unset)
        revision = event.set.get("meta.playbook_revision", revision)
    return replace(state, sections=sections, playbook_revision=revision)


def describe_path(path: str) -> str:
    section, key = split_path(path)
    return f"{section} {key}"


def convention_values(state: ClientState) -> dict[str, object]:
    """The values a naming convention can use for this client."""
    values: dict[str, object] = {"client": state.name, "slug": state.slug, **state.facts}
    for role, holder in state.roles.items():
        for attr, value in holder.items():
            values[f"roles.{role}.{attr}"] = value
    return values


def decide(
    playbook: Playbook,
    state: ClientState,
    name: str,
    value: object,
    *,
    reason: str,
    now: datetime,
    by: str,
) -> ClientState:
    """Record (or change) a decision; the branch not taken becomes not applicable.

    Steps already done on the branch that is left keep their records and
    history, shown as not applicable, and come back if the decision does.
    """
    decision = playbook.decisions.get(name)
    if decision is None:
        known = ", ".join(playbook.decisions) or "none"
        raise OnboardError(
            f"Playbook {playbook.id!r} has no decision {name!r}.",
            with_suggestion(name, playbook.decisions, f"Decisions: {known}."),
        )
    if not reason.strip():
        raise OnboardError("A decision needs a reason.", "Pass --reason 'why'.")
    chosen = coerce(playbook.fields[name], value)
    previous = state.facts.get(name)
    if previous == chosen:
        raise OnboardError(f"{name} is already {chosen!r}.")
    verb = f"changed {name} from {previous!r} to {chosen!r}" if previous else f"decided {name} = {chosen!r}"
    return record(
        state,
        action="decide",
        summary=f"{verb}: {reason.strip()}",
        now=now,
        by=by,
        set_={f"facts.{name}": chosen},
    )


def postpone(
    playbook: Playbook,
    state: ClientState,
    step_id: str,
    *,
    to: date,
    reason: str,
    now: datetime,
    by: str,
    holidays: Collection[date] = (),
) -> ClientState:
    """Move a step's due date by hand; the rule's date is kept and comes back on undo."""
    if not reason.strip():
        raise OnboardError("Postponing needs a reason.", "Pass --reason 'why'.")
    view = overview(playbook, state, now.date(), holidays).view(playbook.step(step_id).id)
    if view.status != PENDING:
        raise OnboardError(f"Step {step_id!r} is {view.status}; only a pending step can be postponed.")
    old = view.due.isoformat() if view.due else "no date"
    return record(
        state,
        action="postpone",
        summary=f"moved {step_id} from {old} to {to.isoformat()}: {reason.strip()}",
        now=now,
        by=by,
        set_={f"due.{step_id}": to},
        step=step_id,
    )


@dataclass(frozen=True)
class Upgrade:
    """What moving a client to a playbook's current revision changes."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]
    retimed: tuple[tuple[str, str, str], ...]
    orphaned: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed or self.retimed)

    def lines(self) -> list[str]:
        out = [f"+ {s}" for s in self.added]
        out += [f"- {s}" for s in self.removed]
        out += [f"~ {old} -> {new} (renamed)" for old, new in self.renamed]
        out += [f"~ {s}: due {a!r} -> {b!r}" for s, a, b in self.retimed]
        out += [
            f"! {s} was recorded but is gone from the new revision (kept in history)" for s in self.orphaned
        ]
        return out


def plan_upgrade(old: Playbook, new: Playbook, state: ClientState) -> Upgrade:
    """Compare two revisions of a playbook as they affect this client."""
    old_ids = {s.id for s in old.steps}
    renames: dict[str, str] = {}
    for step in new.steps:
        for previous in step.renamed_from:
            candidates = [previous]
            if step.repeat_of:
                # occurrence k of a renamed repeated step was occurrence k of the old one;
                # a step that was not repeated before becomes the first occurrence
                suffix = step.id[len(step.repeat_of) :]
                candidates = [previous + suffix, *([previous] if suffix == "-1" else [])]
            for old_id in candidates:
                if old_id in old_ids and step.id not in old_ids and old_id not in renames:
                    renames[old_id] = step.id
                    break
    new_ids = {s.id for s in new.steps}
    added = tuple(s for s in (x.id for x in new.steps) if s not in old_ids and s not in renames.values())
    removed = tuple(s for s in (x.id for x in old.steps) if s not in new_ids and s not in renames)
    retimed = []
    for step in new.steps:
        before_id = next((o for o, n in renames.items() if n == step.id), step.id)
        if before_id in old_ids:
            a = old.step(before_id).due
            b = step.due
            if (a.source if a else None) != (b.source if b else None):
                retimed.append((step.id, a.source if a else "none", b.source if b else "none"))
    orphaned = tuple(s for s in state.steps if s in removed)
    return Upgrade(added, removed, tuple(renames.items()), tuple(retimed), orphaned)


def upgrade(old: Playbook, new: Playbook, state: ClientState, *, now: datetime, by: str) -> ClientState:
    """Move a client to ``new``'s revision, carrying done steps over renames."""
    plan = plan_upgrade(old, new, state)
    changes: dict[str, Any] = {"meta.playbook_revision": new.revision}
    unset: list[str] = []
    for before, after in plan.renamed:
        for section in ("steps", "due"):
            value = state.sections.get(section, {}).get(before)
            if value is not None:
                changes[f"{section}.{after}"] = value
                unset.append(f"{section}.{before}")
    summary = f"upgraded {new.id} from revision {state.playbook_revision} to {new.revision}"
    return record(state, action="upgrade", summary=summary, now=now, by=by, set_=changes, unset=tuple(unset))


def follow_on(
    old_playbook: Playbook,
    state: ClientState,
    playbook: Playbook,
    *,
    slug: str,
    now: datetime,
    by: str,
) -> ClientState:
    """A new client record on the follow-on playbook, carrying facts and role holders over."""
    facts = {}
    for name, value in state.facts.items():
        spec = playbook.fields.get(name)
        if spec is None:
            continue
        try:
            facts[name] = coerce(spec, value)
        except OnboardError:
            continue
    missing = [n for n in playbook.intake if playbook.fields[n].required and n not in facts]
    if missing:
        run = ("onboard", "new", state.name, "--playbook", playbook.id, "--slug", slug)
        raise _missing_error(playbook, missing, f"{playbook.id} for {state.name}", run, facts, now.date())
    new_state = new_client(playbook, name=state.name, slug=slug, facts=facts, now=now, by=by)
    roles = {f"roles.{r}": dict(h) for r, h in state.roles.items() if r in playbook.roles}
    if roles:
        summary = f"carried over from {state.slug} ({old_playbook.id}): " + ", ".join(sorted(state.roles))
        new_state = record(new_state, action="assign", summary=summary, now=now, by=by, set_=roles)
    return new_state


def next_follow_ups(playbook: Playbook, state: ClientState) -> list[FollowUp]:
    """The follow-ups that apply to a finished client."""
    return [f for f in playbook.follow_ups if f.when is None or f.when.evaluate(state.facts) is True]
