"""Answers: every question answerable from flags, a file or a prompt.

Like copier's ``--data`` and ``--data-file``, a value may come from
``--set KEY=VALUE`` (repeatable), from ``--answers FILE.toml`` or, failing
both, from the prompt. With ``--no-input`` (or no terminal) a missing answer
is an error naming the field and the flag that supplies it. The answers file
may also hold ``[actions]`` (what ``onboard next`` does with each step:
``"done"``, ``"later"`` or ``"skip: reason"``, and ``follow = "PLAYBOOK"`` to
start a follow-on process at the end), ``[roles]`` and ``[gates]``.

Each answer is checked where it comes in, whichever way it came: its type,
the limits its playbook states (:mod:`onboard.core.fields`), and, when
``today`` is given, whether a date lies on the side of today the field
expects. Such a doubtful date is asked about at a terminal and refused
without ``--force`` otherwise. A refusal names the command that gives the
missing or corrected values, with examples built from each field's own
definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onboard.core.fields import Field, assignments, coerce, doubt, format_value, limit_problems
from onboard.core.playbook import Playbook, Step
from onboard.core.state import ClientState
from onboard.core.suggest import with_suggestion
from onboard.core.waiting import command
from onboard.errors import OnboardError
from onboard.storage.tomlfile import read_toml
from onboard.ui.prompt import Prompter

if TYPE_CHECKING:
    from onboard.storage.workspace import TeamMember

_SECTIONS = ("actions", "roles", "gates")


@dataclass(frozen=True)
class Answers:
    """Everything given without a prompt: field values, actions, gates, and where each came from."""

    values: Mapping[str, Any] = field(default_factory=dict)
    actions: Mapping[str, str] = field(default_factory=dict)
    gates: Mapping[str, bool] = field(default_factory=dict)
    source: Mapping[str, str] = field(default_factory=dict)
    force: bool = False
    """``--force``: a date its field doubts (a signature next week) is kept without a question."""

    def has(self, key: str) -> bool:
        return key in self.values

    def with_defaults(self, defaults: Mapping[str, Any], source: str) -> Answers:
        """These answers plus ``defaults`` for keys not already answered."""
        extra = {k: v for k, v in defaults.items() if k not in self.values}
        return Answers(
            values={**self.values, **extra},
            actions=self.actions,
            gates=self.gates,
            source={**self.source, **dict.fromkeys(extra, source)},
            force=self.force,
        )


def parse_sets(pairs: Iterable[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OnboardError(
                f"--set {pair!r} is not KEY=VALUE.", "Write it like --set course_date=2026-03-15."
            )
        values[key.strip()] = value
    return values


def load_answers(path: str | None, sets: Sequence[str], force: bool = False) -> Answers:
    """Merge an answers file and ``--set`` pairs (``--set`` wins); ``force`` keeps doubtful dates."""
    values: dict[str, Any] = {}
    source: dict[str, str] = {}
    actions: dict[str, str] = {}
    gates: dict[str, bool] = {}
    if path:
        data = read_toml(Path(path))
        for key, value in data.items():
            if key == "actions":
                actions = _table_of(value, str, path, key)
            elif key == "gates":
                gates = _table_of(value, bool, path, key)
            elif key == "roles":
                for role, holder in _table_of(value, (str, dict), path, key).items():
                    values[f"role.{role}"] = holder
                    source[f"role.{role}"] = path
            else:
                values[key] = value
                source[key] = path
    for key, value in parse_sets(sets).items():
        values[key] = value
        source[key] = "--set"
    for step, action in actions.items():
        if step == "follow":
            continue
        if not (action in {"done", "later"} or action.startswith("skip")):
            raise OnboardError(f"{path}: actions.{step} = {action!r} is not done, later or 'skip: reason'.")
    return Answers(values=values, actions=actions, gates=gates, source=source, force=force)


def _table_of(value: Any, kind: type | tuple[type, ...], path: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(v, kind) for v in value.values()):
        raise OnboardError(f"{path}: [{key}] has a value of the wrong type.")
    return dict(value)


def _validator(spec: Field, facts: Mapping[str, Any]):
    """Type and limits (against the client's other facts), so a wrong answer is re-asked at once."""

    def check(text: str) -> str | None:
        if not text.strip() and not spec.required:
            return None
        try:
            value = coerce(spec, text)
        except OnboardError as exc:
            return exc.message
        problems = limit_problems({spec.name: spec}, {**facts, spec.name: value}, [spec.name])
        return f"{problems[0][1]}." if problems else None

    return check


def ask_field(
    prompter: Prompter,
    spec: Field,
    current: Any = None,
    facts: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> Any:
    """Prompt for one field until the answer is valid; blank keeps the current value.

    A date on the wrong side of ``today`` for the field is confirmed; if the
    coordinator says no, the question comes back empty.
    """
    label = spec.prompt + ("" if spec.required else " (optional)")
    if spec.help:
        label = f"{label} — {spec.help}"
    if spec.type == "choice":
        choices = [(c, c) for c in spec.choices]
        return prompter.select(label, choices, default=current if current in spec.choices else None)
    if spec.type == "bool":
        return prompter.confirm(label, default=bool(current))
    if spec.type == "records":
        return _ask_records(prompter, spec, current)
    default = "" if current is None else format_value(current)
    while True:
        text = prompter.text(label, default=default, validate=_validator(spec, facts or {}))
        if not text.strip():
            return current
        value = coerce(spec, text)
        if _confirmed(prompter, spec, value, today):
            return value
        default = ""


def _confirmed(prompter: Prompter, spec: Field, value: Any, today: date | None) -> bool:
    """True unless the value is doubtful for today and the coordinator does not confirm it."""
    problem = doubt(spec, value, today) if today is not None else None
    return problem is None or prompter.confirm(f"{problem}. Is that right?", default=False)


def _ask_records(prompter: Prompter, spec: Field, current: Any) -> Any:
    """Ask for entries one at a time (a contact, a station) until the coordinator stops."""
    rows = list(current or [])
    if rows and not prompter.confirm(f"{spec.prompt}: {len(rows)} already; add more?", default=False):
        return rows
    while True:
        row = {}
        for column in spec.columns:
            value = ask_field(prompter, column)
            if value is not None:
                row[column.name] = value
        rows.append(row)
        if not prompter.confirm(f"Add another to {spec.prompt.lower()}?", default=False):
            return coerce(spec, rows)


def collect(
    specs: Sequence[Field],
    answers: Answers,
    prompter: Prompter,
    current: Mapping[str, Any],
    what: str,
    *,
    run: Sequence[str] = (),
    today: date | None = None,
    force: bool = False,
    missing_roles: Sequence[str] = (),
    slug: str = "",
) -> dict[str, Any]:
    """Values for ``specs``: from the answers, then the prompt; errors list every missing one.

    ``run`` is the command being run (``onboard done acme step``): a refusal
    repeats it with the flags that give what is missing. ``missing_roles``
    (``role.FAC``...) are role holders already known to be missing, named in
    the same refusal, with ``onboard assign`` for the client ``slug``. A date
    that ``today`` makes doubtful is confirmed at a terminal and refused
    without ``force`` elsewhere.
    """
    values: dict[str, Any] = {}
    missing: list[Field] = []
    for spec in specs:
        known = {**current, **values}
        if answers.has(spec.name):
            value = coerce_from(spec, answers)
            if today is not None and not (force or answers.force) and doubt(spec, value, today):
                value = _settle_doubt(prompter, spec, value, answers, known, today)
            values[spec.name] = value
        elif prompter.interactive:
            value = ask_field(prompter, spec, current.get(spec.name), known, today)
            if value is not None:
                values[spec.name] = value
        elif spec.required and current.get(spec.name) in (None, ""):
            missing.append(spec)
    if missing or missing_roles:
        facts = {**current, **values}
        flags = [f"--set {a}" for a in assignments(missing, today, facts)]
        flags += [f"--set {command(f'{key}=Ann Lee')}" for key in missing_roles]
        names = [s.name for s in missing] + list(missing_roles)
        way = f"`{command(*run)} {' '.join(flags)}`" if run else " ".join(flags)
        hint = (
            f"Run {way} with the real values (or put them in --answers FILE.toml)."
            if run
            else f"Pass {way} (or put them in --answers FILE.toml)."
        )
        if missing_roles and slug:
            role = missing_roles[0].removeprefix("role.")
            hint += (
                f"\nOr record who holds it first: `{command('onboard', 'assign', slug, role, 'Ann Lee')}`."
            )
        raise OnboardError(f"Missing {', '.join(names)} for {what}.", hint)
    return values


def _settle_doubt(
    prompter: Prompter, spec: Field, value: Any, answers: Answers, facts: Mapping[str, Any], today: date
) -> Any:
    """A doubtful date given by flag or file: confirmed (or asked again) at a terminal, else refused."""
    problem = doubt(spec, value, today)
    where = answers.source.get(spec.name, "answers")
    if not prompter.interactive:
        raise OnboardError(
            f"{where}: {problem}.",
            f"If that is right, pass --force; otherwise give another, such as "
            f"--set {spec.assignment(today, facts)}.",
        )
    if prompter.confirm(f"{problem}. Is that right?", default=False):
        return value
    return ask_field(prompter, spec, None, facts, today)


def coerce_from(spec: Field, answers: Answers) -> Any:
    """Coerce an answer, naming where it came from when it is wrong."""
    try:
        return coerce(spec, answers.values[spec.name])
    except OnboardError as exc:
        where = answers.source.get(spec.name, "answers")
        raise OnboardError(f"{where}: {exc.message}", exc.hint) from None


def check_known_keys(playbook: Playbook, answers: Answers) -> None:
    """Refuse a ``--set`` key that is neither a field nor ``role.X`` of the playbook, with the close ones.

    Otherwise a typo (``--set cours_date=...``) would be dropped without a word.
    """
    known = [*playbook.fields, *(f"role.{r}" for r in playbook.roles)]
    for key in answers.values:
        if answers.source.get(key) == "--set" and key not in known:
            raise OnboardError(
                f"--set {key}=...: {key!r} is not a field of playbook {playbook.id!r}.",
                with_suggestion(key, known, f"See its fields with `onboard playbooks show {playbook.id}`."),
            )


SOMEONE_ELSE = ""
"""The pick list's last choice: type a name that is not on the team list."""


def ask_holder(prompter: Prompter, question: str, role: str, current: str, team: Sequence[TeamMember]) -> str:
    """Who holds ``role``: the team members with that role as a pick list, free entry last.

    The current holder (else the first with the role) is pre-selected. The
    answer is a name; the caller expands a team member's name into their
    initials and email (:meth:`onboard.storage.workspace.Settings.holder`).
    """
    candidates = [m for m in team if role in m.roles]
    if candidates:
        choices = [
            (m.name, m.name + f" ({', '.join(filter(None, (m.initials, m.email)))})") for m in candidates
        ]
        names = [m.name for m in candidates]
        default = current if current in names else names[0]
        picked = prompter.select(question, [*choices, (SOMEONE_ELSE, "someone else…")], default=default)
        if picked != SOMEONE_ELSE:
            return picked
    return prompter.text(
        question, default=current, validate=lambda text: None if text.strip() else "A name is needed."
    )


def answers_for_step(
    playbook: Playbook,
    step: Step,
    state: ClientState,
    answers: Answers,
    prompter: Prompter,
    team: Sequence[TeamMember] = (),
    *,
    today: date | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Everything a step asks for: its fields, and who holds the roles it assigns.

    A role is offered from ``team`` (the workspace's ``[[team]]``) before free entry.
    Without a terminal, missing fields and role holders are refused together,
    with the one ``onboard done`` command that gives them all.
    """
    check_known_keys(playbook, answers)
    specs = [playbook.fields[name] for name in step.asks]
    unheld = [
        f"role.{role}"
        for role in step.assigns
        if not answers.has(f"role.{role}") and not (state.roles.get(role) or {}).get("name")
    ]
    values: dict[str, Any] = collect(
        specs,
        answers,
        prompter,
        state.facts,
        f"step {step.id!r}",
        run=("onboard", "done", state.slug, step.id),
        today=today,
        force=force,
        missing_roles=() if prompter.interactive else unheld,
        slug=state.slug,
    )
    for role in step.assigns:
        key = f"role.{role}"
        current = (state.roles.get(role) or {}).get("name", "")
        if answers.has(key):
            values[key] = answers.values[key]
        elif prompter.interactive:
            values[key] = ask_holder(
                prompter, f"Who is the {role} ({playbook.roles[role].name})?", role, current, team
            )
    return values
