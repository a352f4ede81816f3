"""Playbooks: a written process as data, and the loader that checks it.

A playbook is ``templates/<id>/playbook.toml``: roles, typed fields, gates,
naming conventions and stages of steps. Loading validates the whole file and
reports every problem at once, each with the file and the step it is in,
because a coordinator editing a playbook wants one list to fix, not a
drip of errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from onboard.core.conditions import Condition, parse_condition
from onboard.core.fields import TYPES, Field, FieldType, reference_problems, with_limits
from onboard.core.naming import convention_fields
from onboard.core.schedule import DueRule, RuleKind, Unit, parse_due_rule
from onboard.core.suggest import with_suggestion
from onboard.errors import OnboardError

EXPORT_KINDS = ("roster", "blank-roster", "attendance", "eval")
RELEASED, DRAFT = "released", "draft"
RACI_KEYS = ("responsible", "accountable", "consulted", "informed")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_ROLE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_&-]*$")


@dataclass(frozen=True)
class Role:
    """A role of the process, by its abbreviation (RL, LC, CSM...)."""

    id: str
    name: str


@dataclass(frozen=True)
class Support:
    """A SUPPORT line of a process: the document or template that helps with a step."""

    text: str
    role: str | None = None

    def __str__(self) -> str:
        return f"({self.role}) {self.text}" if self.role else self.text


@dataclass(frozen=True)
class Gate:
    """An event outside the form fields that steps wait for (a payment, a signature)."""

    id: str
    title: str
    override_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One thing someone does: who owns it, what it needs and produces, when it is due."""

    id: str
    title: str
    stage: str
    owner: str
    also: tuple[str, ...] = ()
    section: str = ""
    description: str = ""
    asks: tuple[str, ...] = ()
    due: DueRule | None = None
    when: Condition | None = None
    after: tuple[str, ...] = ()
    gate: str | None = None
    opens: str | None = None
    support: tuple[Support, ...] = ()
    notes: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    exports: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()
    renamed_from: tuple[str, ...] = ()
    consulted: tuple[str, ...] = ()
    attending: tuple[str, ...] = ()
    inferred: bool = False
    repeat_of: str | None = None
    branch: tuple[str, str] | None = None


@dataclass(frozen=True)
class Decision:
    """A choice that selects a branch: only the chosen option's steps apply."""

    field: str
    title: str
    step: str | None
    branches: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class FollowUp:
    """What comes after this process: another playbook, or a process named in the seed."""

    title: str
    playbook: str | None = None
    when: Condition | None = None
    note: str = ""


@dataclass(frozen=True)
class Stage:
    """Steps that belong together; stages run in order."""

    id: str
    title: str
    phase: str = ""
    when: Condition | None = None
    notes: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Playbook:
    """A whole process, as loaded and checked from its playbook.toml."""

    id: str
    title: str
    revision: int
    description: str = ""
    source: str = ""
    path: Path | None = None
    roles: dict[str, Role] = field(default_factory=dict)
    fields: dict[str, Field] = field(default_factory=dict)
    intake: tuple[str, ...] = ()
    intake_roles: tuple[str, ...] = ()
    """The roles ``onboard new`` asks who holds: the ``role.X`` entries of the TOML's ``intake``."""
    gates: dict[str, Gate] = field(default_factory=dict)
    naming: dict[str, str] = field(default_factory=dict)
    stages: tuple[Stage, ...] = ()
    notes: tuple[str, ...] = ()
    metadata: dict[str, object] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    follow_ups: tuple[FollowUp, ...] = ()
    status: str = RELEASED
    raci: dict[str, str] = field(default_factory=dict)
    revision_history: tuple[str, ...] = ()

    @property
    def draft(self) -> bool:
        """Whether the process this playbook follows is a draft (not launched as it stands)."""
        return self.status == DRAFT

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for stage in self.stages for step in stage.steps)

    def step(self, step_id: str) -> Step:
        for candidate in self.steps:
            if candidate.id == step_id:
                return candidate
        raise OnboardError(
            f"Playbook {self.id!r} has no step {step_id!r}.",
            with_suggestion(
                step_id,
                (s.id for s in self.steps),
                f"See the step ids with `onboard playbooks show {self.id}`.",
            ),
        )

    def stage(self, stage_id: str) -> Stage:
        for candidate in self.stages:
            if candidate.id == stage_id:
                return candidate
        raise OnboardError(f"Playbook {self.id!r} has no stage {stage_id!r}.")

    def has_step(self, step_id: str) -> bool:
        return any(step.id == step_id for step in self.steps)


class _Checker:
    """Collects problems while a playbook is converted from TOML to dataclasses."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def text(self, table: dict[str, Any], key: str, where: str, required: bool = False) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.problem(where, f"'{key}' is missing")
            return ""
        if not isinstance(value, str):
            self.problem(where, f"'{key}' must be text, not {value!r}")
            return ""
        return value

    def texts(self, table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(where, f"'{key}' must be a list of text")
            return ()
        return tuple(value)

    def condition(self, table: dict[str, Any], where: str) -> Condition | None:
        source = table.get("when")
        if source is None:
            return None
        try:
            return parse_condition(source)
        except OnboardError as exc:
            self.problem(where, f"bad condition: {exc.message}")
            return None


def parse_playbook(
    data: dict[str, Any], path: Path, folder_id: str, email_templates: frozenset[str] | None
) -> Playbook:
    """Validate a playbook's TOML ``data``; every problem found is listed in one error.

    ``path`` names the file in messages, ``folder_id`` is the name of the
    playbook's own folder (its id), and ``email_templates`` the names of the
    templates in its ``emails/`` folder (None when it has none to check).
    Reading the files is :func:`onboard.storage.library.load_playbook`'s job.
    """
    check = _Checker(path)
    pid = data.get("id", folder_id)
    if pid != folder_id:
        check.problem("", f"id {pid!r} differs from its folder name {folder_id!r}")
    revision = data.get("revision", 1)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        check.problem("", f"'revision' must be a whole number from 1, not {revision!r}")
        revision = 1

    roles = _load_roles(data, check)
    fields = _load_fields(data, check)
    gates = _load_gates(data, check, roles)
    naming = _load_naming(data, check)
    stages = _load_stages(data, check)
    decisions = _load_decisions(data, check, fields, stages)
    stages = _apply_branches(stages, decisions, check)
    follow_ups = _load_follow_ups(data, check, fields)

    asked_first = check.texts(data, "intake", "intake")
    intake = tuple(name for name in asked_first if not name.startswith("role."))
    intake_roles = tuple(name.removeprefix("role.") for name in asked_first if name.startswith("role."))
    for name in intake:
        if name not in fields:
            check.problem("intake", f"unknown field {name!r}")
    for role in intake_roles:
        if role not in roles:
            check.problem("intake", f"unknown role {role!r} in 'role.{role}'")
    _validate_steps(stages, roles, fields, gates, email_templates, check)
    for step in (s for stage in stages for s in stage.steps):
        for name in step.names:
            if name not in naming:
                check.problem(f"step {step.id!r}", f"names {name!r}, which is not in [naming]")
        for role in step.assigns:
            if role not in roles:
                check.problem(f"step {step.id!r}", f"assigns unknown role {role!r}")
    for problem in naming_problems(naming, naming_values(fields, roles)):
        check.problem("naming", problem)
    status = check.text(data, "status", "") or RELEASED
    if status not in (RELEASED, DRAFT):
        check.problem("", f"'status' must be {RELEASED!r} or {DRAFT!r}, not {status!r}")
    raci_table = _tables_or_empty(data, "raci", check)
    raci = {key: check.text(raci_table, key, "raci") for key in RACI_KEYS}
    raci = {key: value for key, value in raci.items() if value}
    for key in raci_table:
        if key not in RACI_KEYS:
            check.problem("raci", f"unknown key {key!r} (use {', '.join(RACI_KEYS)})")

    if check.problems:
        listing = "\n".join(f"  - {p}" for p in check.problems)
        raise OnboardError(f"{path}: {len(check.problems)} problem(s):\n{listing}")
    return Playbook(
        id=folder_id,
        title=check.text(data, "title", "") or folder_id,
        revision=revision,
        description=check.text(data, "description", ""),
        source=check.text(data, "source", ""),
        path=path,
        roles=roles,
        fields=fields,
        intake=intake,
        intake_roles=intake_roles,
        gates=gates,
        naming=naming,
        stages=stages,
        notes=check.texts(data, "notes", "notes"),
        metadata=data.get("metadata", {}) if isinstance(data.get("metadata"), dict) else {},
        decisions=decisions,
        follow_ups=follow_ups,
        status=status,
        raci=raci,
        revision_history=check.texts(data, "revision_history", "revision_history"),
    )


def _load_decisions(
    data: dict[str, Any], check: _Checker, fields: dict[str, Field], stages: tuple[Stage, ...]
) -> dict[str, Decision]:
    step_ids = {step.id for stage in stages for step in stage.steps}
    decisions: dict[str, Decision] = {}
    claimed: dict[str, str] = {}
    for name, table in _tables(data, "decisions", check).items():
        where = f"decision {name!r}"
        spec = fields.get(name)
        if spec is None:
            check.problem(where, "is not a declared field (declare it under [fields])")
        elif spec.type != FieldType.CHOICE:
            check.problem(where, "must be a choice field")
        branches_raw = table.get("branches", {})
        if not isinstance(branches_raw, dict) or not branches_raw:
            check.problem(where, "needs [decisions.NAME.branches] option = [step ids]")
            branches_raw = {}
        branches: dict[str, tuple[str, ...]] = {}
        for option, steps in branches_raw.items():
            if spec is not None and spec.type == FieldType.CHOICE and option not in spec.choices:
                check.problem(where, f"branch {option!r} is not one of the field's choices")
            if not isinstance(steps, list) or not all(isinstance(x, str) for x in steps):
                check.problem(where, f"branch {option!r} must be a list of step ids")
                continue
            for step_id in steps:
                if step_id not in step_ids:
                    check.problem(where, f"branch {option!r} names step {step_id!r}, which does not exist")
                elif step_id in claimed:
                    check.problem(where, f"step {step_id!r} is already in branch {claimed[step_id]!r}")
                claimed[step_id] = option
            branches[option] = tuple(steps)
        asked_by = check.text(table, "step", where) or None
        if asked_by and asked_by not in step_ids:
            check.problem(where, f"'step' names {asked_by!r}, which does not exist")
        decisions[name] = Decision(name, check.text(table, "title", where) or name, asked_by, branches)
    return decisions


def _apply_branches(
    stages: tuple[Stage, ...], decisions: dict[str, Decision], check: _Checker
) -> tuple[Stage, ...]:
    """Give each branch step the condition of its branch, so only the chosen one applies."""
    membership = {
        step_id: (decision.field, option)
        for decision in decisions.values()
        for option, steps in decision.branches.items()
        for step_id in steps
    }
    if not membership:
        return stages
    result = []
    for stage in stages:
        steps = []
        for step in stage.steps:
            key = step.repeat_of or step.id
            if key in membership:
                name, option = membership[key]
                clause = f"{name} == '{option}'"
                source = f"({step.when.source}) and {clause}" if step.when else clause
                try:
                    step = replace(step, when=parse_condition(source), branch=(name, option))
                except OnboardError as exc:
                    check.problem(f"step {step.id!r}", exc.message)
            steps.append(step)
        result.append(replace(stage, steps=tuple(steps)))
    return tuple(result)


def _load_follow_ups(data: dict[str, Any], check: _Checker, fields: dict[str, Field]) -> tuple[FollowUp, ...]:
    raw = data.get("follow_ups", [])
    if not isinstance(raw, list):
        check.problem("follow_ups", "must be [[follow_ups]] tables")
        return ()
    items = []
    for index, table in enumerate(raw, 1):
        where = f"follow_ups #{index}"
        if not isinstance(table, dict):
            check.problem(where, "must be a table")
            continue
        when = check.condition(table, where)
        if when:
            for name in when.names() - set(fields):
                check.problem(where, f"condition names unknown field {name!r}")
        items.append(
            FollowUp(
                title=check.text(table, "title", where, required=True),
                playbook=check.text(table, "playbook", where) or None,
                when=when,
                note=check.text(table, "note", where),
            )
        )
    return tuple(items)


def _tables_or_empty(data: dict[str, Any], key: str, check: _Checker) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        check.problem(key, "must be a table")
        return {}
    return value


def _tables(data: dict[str, Any], key: str, check: _Checker) -> dict[str, dict[str, Any]]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        check.problem(key, "must be a table of tables")
        return {}
    return value


def _load_roles(data: dict[str, Any], check: _Checker) -> dict[str, Role]:
    roles: dict[str, Role] = {}
    for role_id, table in _tables(data, "roles", check).items():
        if not _ROLE_ID.match(role_id):
            check.problem(f"role {role_id!r}", "role ids are letters, digits, _ & or -")
        roles[role_id] = Role(role_id, check.text(table, "name", f"role {role_id!r}") or role_id)
    if not roles:
        check.problem("roles", "a playbook needs at least one role")
    return roles


def _load_fields(data: dict[str, Any], check: _Checker) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for name, table in _tables(data, "fields", check).items():
        where = f"field {name!r}"
        if not _FIELD_NAME.match(name):
            check.problem(where, "field names are lower_case_with_underscores")
        kind = table.get("type", "text")
        if kind not in TYPES:
            check.problem(where, f"unknown type {kind!r} (use one of {', '.join(TYPES)})")
            kind = FieldType.TEXT
        choices = check.texts(table, "choices", where)
        if kind == FieldType.CHOICE and not choices:
            check.problem(where, "a choice field needs 'choices'")
        required = table.get("required", True)
        columns: tuple[Field, ...] = ()
        if kind == FieldType.RECORDS:
            columns = _load_columns(table, where, check)
        fields[name], problems = with_limits(
            Field(
                name=name,
                type=FieldType(kind),
                label=check.text(table, "label", where),
                help=check.text(table, "help", where),
                choices=choices,
                required=bool(required),
                columns=columns,
            ),
            table,
        )
        for problem in problems:
            check.problem(where, problem)
    for name, problem in reference_problems(fields):
        check.problem(f"field {name!r}", problem)
    return fields


def _load_columns(table: dict[str, Any], where: str, check: _Checker) -> tuple[Field, ...]:
    raw = table.get("columns")
    if not isinstance(raw, dict) or not raw:
        check.problem(where, "a records field needs [fields.NAME.columns] with one table per column")
        return ()
    columns = []
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            check.problem(where, f"column {name!r} must be a table like {{ type = 'text' }}")
            continue
        kind = spec.get("type", "text")
        if kind not in TYPES or kind == FieldType.RECORDS:
            check.problem(where, f"column {name!r} has an unusable type {kind!r}")
            kind = FieldType.TEXT
        columns.append(
            Field(
                name=name,
                type=FieldType(kind),
                label=check.text(spec, "label", where),
                choices=check.texts(spec, "choices", where),
                required=bool(spec.get("required", True)),
                sample=check.text(spec, "example", where),
            )
        )
    return tuple(columns)


def _load_gates(data: dict[str, Any], check: _Checker, roles: dict[str, Role]) -> dict[str, Gate]:
    gates: dict[str, Gate] = {}
    for gate_id, table in _tables(data, "gates", check).items():
        where = f"gate {gate_id!r}"
        if not _ID.match(gate_id):
            check.problem(where, "gate ids are lower-case-with-dashes")
        override = check.texts(table, "override_roles", where)
        for role in override:
            if role not in roles:
                check.problem(where, f"unknown role {role!r} in override_roles")
        gates[gate_id] = Gate(gate_id, check.text(table, "title", where) or gate_id, override)
    return gates


def _load_naming(data: dict[str, Any], check: _Checker) -> dict[str, str]:
    naming = data.get("naming", {})
    if not isinstance(naming, dict) or not all(isinstance(v, str) for v in naming.values()):
        check.problem("naming", "must be a table of text patterns")
        return {}
    return dict(naming)


def _load_stages(data: dict[str, Any], check: _Checker) -> tuple[Stage, ...]:
    raw_stages = data.get("stages", [])
    if not isinstance(raw_stages, list) or not raw_stages:
        check.problem("stages", "a playbook needs at least one [[stages]] table")
        return ()
    stages: list[Stage] = []
    for index, table in enumerate(raw_stages, 1):
        if not isinstance(table, dict):
            check.problem(f"stage #{index}", "must be a table")
            continue
        stage_id = check.text(table, "id", f"stage #{index}", required=True)
        where = f"stage {stage_id!r}"
        steps = []
        for position, step_table in enumerate(table.get("steps", []), 1):
            if not isinstance(step_table, dict):
                check.problem(where, f"step #{position} must be a table")
                continue
            steps.extend(_expand_repeat(_load_step(step_table, stage_id, position, check), step_table, check))
        if not steps:
            check.problem(where, "has no steps")
        stages.append(
            Stage(
                id=stage_id,
                title=check.text(table, "title", where) or stage_id,
                phase=check.text(table, "phase", where),
                when=check.condition(table, where),
                notes=check.texts(table, "notes", where),
                steps=tuple(steps),
            )
        )
    return tuple(stages)


def _load_step(table: dict[str, Any], stage_id: str, position: int, check: _Checker) -> Step:
    step_id = check.text(table, "id", f"stage {stage_id!r} step #{position}", required=True)
    where = f"step {step_id!r}"
    due = None
    if "due" in table:
        try:
            due = parse_due_rule(table["due"])
        except OnboardError as exc:
            check.problem(where, f"bad due rule: {exc.message}")
    owners = check.texts(table, "owner", where)
    if not owners:
        check.problem(where, "'owner' is missing")
    support = []
    for item in table.get("support", []):
        if isinstance(item, str):
            support.append(Support(item))
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            role = item.get("role")
            support.append(Support(item["text"], role if isinstance(role, str) else None))
        else:
            check.problem(where, f"support entry {item!r} needs 'text'")
    gate = check.text(table, "gate", where) or None
    opens = check.text(table, "opens", where) or None
    return Step(
        id=step_id,
        title=check.text(table, "title", where, required=True),
        stage=stage_id,
        owner=owners[0] if owners else "",
        also=owners[1:],
        section=check.text(table, "section", where),
        description=check.text(table, "description", where),
        asks=check.texts(table, "asks", where),
        due=due,
        when=check.condition(table, where),
        after=check.texts(table, "after", where),
        gate=gate,
        opens=opens,
        support=tuple(support),
        notes=check.texts(table, "notes", where),
        emails=check.texts(table, "emails", where),
        exports=check.texts(table, "exports", where),
        names=check.texts(table, "names", where),
        assigns=check.texts(table, "assigns", where),
        renamed_from=check.texts(table, "renamed_from", where),
        consulted=check.texts(table, "consulted", where),
        attending=check.texts(table, "attending", where),
        inferred=_flag(table, "inferred", where, check),
    )


def _flag(table: dict[str, Any], key: str, where: str, check: _Checker) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        check.problem(where, f"'{key}' must be true or false, not {value!r}")
        return False
    return value


_EVERY = re.compile(r"^(\d{1,3})\s+(day|week)s?$")


def _expand_repeat(step: Step, table: dict[str, Any], check: _Checker) -> list[Step]:
    """Turn a repeated step into one step per occurrence, each with its own due date.

    ``repeat = { every = "2 weeks", times = 4 }`` or ``until = RULE`` (a rule
    from the same anchor as the step's ``due``): occurrence k is due
    ``every`` later than occurrence k-1 and has the id ``<id>-<k>``.
    """
    spec = table.get("repeat")
    if spec is None:
        return [step]
    where = f"step {step.id!r}"
    if not isinstance(spec, dict):
        check.problem(where, "'repeat' must be a table like { every = '2 weeks', times = 4 }")
        return [step]
    match = _EVERY.match(str(spec.get("every", "")).strip().lower())
    first = step.due
    if not match:
        check.problem(where, "repeat needs every = 'N days' or 'N weeks'")
        return [step]
    if first is None or first.kind != RuleKind.OFFSET or first.unit != Unit.DAYS or first.direction < 0:
        check.problem(where, "a repeated step needs a due rule 'N days|weeks after ...' for its first time")
        return [step]
    every = int(match.group(1)) * (7 if match.group(2) == "week" else 1)
    times = spec.get("times")
    if "until" in spec:
        try:
            until = parse_due_rule(spec["until"])
        except OnboardError as exc:
            check.problem(where, f"bad repeat 'until': {exc.message}")
            return [step]
        if until.anchors != first.anchors or until.unit != Unit.DAYS or until.direction < 0:
            check.problem(where, "repeat 'until' must count days or weeks after the same date as 'due'")
            return [step]
        times = (until.amount - first.amount) // every + 1
    if not isinstance(times, int) or isinstance(times, bool) or not 1 <= times <= 100:
        check.problem(where, "repeat needs times = 1..100, or an 'until' rule after the first due date")
        return [step]
    anchor_text = first.anchors[0].text
    steps = []
    for k in range(1, times + 1):
        amount = first.amount + (k - 1) * every
        due = replace(first, amount=amount, source=f"{amount} days after {anchor_text}")
        steps.append(
            replace(
                step, id=f"{step.id}-{k}", title=f"{step.title} ({k} of {times})", due=due, repeat_of=step.id
            )
        )
    return steps


def _validate_steps(
    stages: tuple[Stage, ...],
    roles: dict[str, Role],
    fields: dict[str, Field],
    gates: dict[str, Gate],
    email_templates: frozenset[str] | None,
    check: _Checker,
) -> None:
    seen_stages: set[str] = set()
    seen: set[str] = set()
    for stage in stages:
        if stage.id in seen_stages:
            check.problem(f"stage {stage.id!r}", "duplicate stage id")
        if stage.id and not _ID.match(stage.id):
            check.problem(f"stage {stage.id!r}", "ids are lower-case-with-dashes")
        seen_stages.add(stage.id)
        if stage.when:
            for name in stage.when.names() - set(fields):
                check.problem(f"stage {stage.id!r}", f"condition names unknown field {name!r}")
        for step in stage.steps:
            where = f"step {step.id!r}"
            if step.id in seen:
                check.problem(where, "duplicate step id")
            if step.id and not _ID.match(step.id):
                check.problem(where, "ids are lower-case-with-dashes")
            for role in (step.owner, *step.also, *step.consulted, *step.attending):
                if role and role not in roles:
                    check.problem(where, f"unknown role {role!r}")
            for name in step.asks:
                if name not in fields:
                    check.problem(where, f"asks for unknown field {name!r}")
            if step.when:
                for name in step.when.names() - set(fields):
                    check.problem(where, f"condition names unknown field {name!r}")
            if step.due:
                for name in step.due.fields():
                    if name not in fields:
                        check.problem(where, f"due rule uses unknown field {name!r}")
                    elif fields[name].type != FieldType.DATE:
                        check.problem(where, f"due rule uses {name!r}, which is not a date field")
                for name in step.due.steps():
                    if name not in seen and name != step.id:
                        check.problem(where, f"due rule counts from step {name!r}, not an earlier step")
            repeated = {x.repeat_of for st in stages for x in st.steps if x.repeat_of}
            for name in step.after:
                if name not in seen and name not in repeated:
                    check.problem(where, f"'after' names {name!r}, which is not an earlier step")
            for gate_id in filter(None, (step.gate, step.opens)):
                if gate_id not in gates:
                    check.problem(where, f"unknown gate {gate_id!r}")
            for email in step.emails:
                if not _ID.match(email):
                    check.problem(where, f"email name {email!r} must be lower-case-with-dashes")
                elif email_templates is not None and email not in email_templates:
                    check.problem(where, f"email {email!r} has no template in its emails/ folder")
            for export in step.exports:
                if export not in EXPORT_KINDS:
                    check.problem(where, f"unknown export {export!r} (use {', '.join(EXPORT_KINDS)})")
            seen.add(step.id)


ROLE_ATTRIBUTES = ("name", "initials", "email")


def naming_values(fields: dict[str, Field], roles: dict[str, Role]) -> set[str]:
    """Every value a naming convention may use: fields, the client, role holders."""
    role_values = {f"roles.{role}.{attr}" for role in roles for attr in ROLE_ATTRIBUTES}
    return set(fields) | {"client", "slug"} | role_values


def naming_problems(naming: dict[str, str], known: set[str]) -> list[str]:
    """Placeholders of the naming conventions that no field or role provides."""
    return [
        f"{kind!r} uses unknown value {name!r}"
        for kind, pattern in naming.items()
        for name in convention_fields(pattern)
        if name not in known
    ]
