"""``onboard next``: the walk through a client's actionable steps.

Each step is saved the moment it is confirmed, in its own locked
transaction, so Ctrl-C or the end of input never loses a confirmed step
and never leaves one half-recorded; the next run picks up where this one
stopped.

A step that sends an email shows it first, as a draft (saved as .txt and
.eml), after asking who holds the roles it needs and nobody holds yet (the
team members with that role, as a pick list) and the fields the email
uses; only then does the walk ask whether it was sent and the step is
done. The answers typed for the draft are saved at once, whatever is
answered next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import click
from rich.markup import escape

from onboard.cli import App, pass_app
from onboard.commands import answer_options
from onboard.errors import OnboardError
from onboard.workflows import (
    ClientContext,
    announce_emails,
    ask_needed_holders,
    client_context,
    emails_for,
    finish_step,
    start_follow_on,
)

ACTIONS = [
    ("done", "Done"),
    ("skip", "Skip (give a reason)"),
    ("later", "Later"),
    ("stop", "Stop here"),
]
SENT_ACTIONS = [
    ("done", "Sent: mark it done"),
    ("later", "Not sent yet: later"),
    ("skip", "Skip (give a reason)"),
    ("stop", "Stop here"),
]


@dataclass
class Walk:
    """What one `onboard next` run did, for the summary at its end."""

    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    later: list[str] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)
    produced: list[str] = field(default_factory=list)


def _show_step(app: App, playbook, state, view, today) -> None:
    from onboard.core.words import describe_due

    step = view.step
    term = app.terminal
    owners = "/".join((step.owner, *step.also))
    holder = state.roles.get(step.owner, {}).get("name")
    who = f"{owners} ({playbook.roles[step.owner].name}{', ' + holder if holder else ''})"
    term.print("")
    term.print(f"[bold cyan]{escape(step.title)}[/] [dim]{step.id}[/]")
    term.print(f"  owner: {escape(who)}")
    for label, roles in (("consulted", step.consulted), ("attending", step.attending)):
        if roles:
            names = ", ".join(_person(playbook, state, role) for role in roles)
            term.print(f"  {label}: {escape(names)}")
    if step.inferred:
        term.print("  [magenta]INFERRED[/] not in the process document: onboard filled a gap in it")
    if view.due:
        style = "red" if view.overdue else "green"
        term.print(f"  due: [{style}]{view.due:%a %d %b %Y} ({describe_due(view.due, today)})[/]")
    if step.description:
        term.print(f"  {escape(step.description)}")
    for note in step.notes:
        term.print(f"  [yellow]NOTE[/] {escape(note)}")
    for support in step.support:
        term.print(f"  [blue]SUPPORT[/] {escape(str(support))}")
    produces = [f"email {e}" for e in step.emails] + [f"file {x}" for x in step.exports]
    if produces:
        term.print(f"  produces: {escape(', '.join(produces))}")


def _person(playbook, state, role: str) -> str:
    """``HOD (Heads of Department)``, or ``AM (Priya Nair)`` once someone holds the role."""
    holder = (state.roles.get(role) or {}).get("name")
    return f"{role} ({holder or playbook.roles[role].name})"


@click.command(name="next")
@click.argument("client")
@click.option("--yes", "-y", is_flag=True, help="Mark each step done without asking done/skip/later.")
@click.option("--force", is_flag=True, help="Keep a date its field doubts (a signature next week).")
@answer_options
@pass_app
def next_(
    app: App,
    client: str,
    yes: bool,
    force: bool,
    sets: tuple[str, ...],
    answers_file: str | None,
    no_input: bool,
) -> None:
    """Walk through the client's next steps: done, skip or later for each.

    Steps answered in an --answers file's [actions] table ("done", "later",
    "skip: reason") are recorded without asking; with --no-input the others
    are left for later, so `onboard next CLIENT --no-input` just shows them.

    \b
    Example:
      onboard next acme
      onboard next acme --yes --set course_date=2026-03-15 --no-input
    """
    from onboard.ui.answers import load_answers

    answers = load_answers(answers_file, sets, force=force)
    prompter = app.get_prompter(no_input)
    store, slug, state, playbook = client_context(app, client)
    walk = Walk()
    term = app.terminal
    _where(app, playbook, state)
    try:
        _walk(app, store, slug, playbook, answers, prompter, yes, walk)
    except (KeyboardInterrupt, EOFError):
        term.print("")
        term.print("[yellow]Stopped.[/] Everything confirmed so far is saved.")
        _summary(app, slug, walk)
        raise click.exceptions.Exit(130) from None
    _summary(app, slug, walk)


def _where(app: App, playbook, state) -> None:
    """One line on where the client stands before the walk starts."""
    from onboard.core.engine import overview

    ov = overview(playbook, state, app.today(), app.holidays())
    stage = ov.stage.title if ov.stage else "complete"
    late = f" · [red]{len(ov.overdue)} overdue[/]" if ov.overdue else ""
    app.terminal.print(
        f"[bold]{escape(state.name)}[/] · {escape(playbook.title)} · {escape(stage)} · "
        f"{round(ov.progress * 100)}% done{late}"
    )


def _walk(app, store, slug, playbook, answers, prompter, yes, walk: Walk) -> None:
    from onboard.core.engine import open_gate, overview, skip_step

    today = app.today()
    holidays = app.holidays()
    offered: set[str] = set()
    asked_gates: set[str] = set()
    state = store.load(slug)
    while True:
        ov = overview(playbook, state, today, holidays)
        if ov.complete:
            app.terminal.print("[green]Every step is done.[/]")
            _offer_follow_ups(app, store, slug, playbook, state, answers, prompter)
            return
        pending = [v for v in ov.actionable if v.step.id not in offered]
        if not pending:
            gate_ids = [
                v.step.gate
                for v in ov.steps
                if v.status == "pending"
                and v.step.gate
                and v.waiting
                and all(w.kind == "gate" for w in v.waiting)
            ]
            gate_id = next((g for g in gate_ids if g not in asked_gates), None)
            if gate_id is None:
                return
            asked_gates.add(gate_id)
            gate = playbook.gates[gate_id]
            happened = answers.gates.get(gate_id)
            if happened is None and prompter.interactive:
                happened = prompter.confirm(f"Has this happened yet: {gate.title}?", default=False)
            if not happened:
                app.terminal.print(
                    f"[dim]Waiting for: {escape(gate.title)} (record it with `onboard gate {slug} {gate_id}`).[/]"
                )
                continue
            with store.transaction(slug) as tx:
                state = open_gate(playbook, tx.state, gate_id, now=app.now(), by=app.user())
                tx.commit(state)
            walk.gates.append(gate_id)
            app.terminal.success(f"{gate.title}: recorded")
            continue
        view = pending[0]
        step = view.step
        offered.add(step.id)
        _show_step(app, playbook, state, view, today)
        action = answers.actions.get(step.id) or ("done" if yes else None)
        drafted: dict[str, Any] | None = None
        if step.emails and (action == "done" or (action is None and prompter.interactive)):
            state = ask_needed_holders(
                app, ClientContext(store, slug, state, playbook), step, answers, prompter
            )
            state, drafted, written = _draft(
                app, store, slug, playbook, state, step, answers, prompter, keep=action is None
            )
            walk.produced += [str(path) for path in written if str(path) not in walk.produced]
        if action is None:
            question, choices = (
                ("Sent? What now?", SENT_ACTIONS) if drafted is not None else ("What now?", ACTIONS)
            )
            action = prompter.select(question, choices, default="done") if prompter.interactive else "later"
        if action == "stop":
            return
        if action == "later":
            walk.later.append(step.id)
            continue
        if action.startswith("skip"):
            reason = action.partition(":")[2].strip()
            if not reason:
                if not prompter.interactive:
                    raise OnboardError(
                        f"Skipping {step.id!r} needs a reason.",
                        f'Write it as {step.id} = "skip: why".',
                    )
                reason = prompter.text(
                    "Why skip it?", validate=lambda t: None if t.strip() else "A reason is needed."
                )
            with store.transaction(slug) as tx:
                state = skip_step(
                    playbook,
                    tx.state,
                    step.id,
                    reason=reason,
                    now=app.now(),
                    by=app.user(),
                    holidays=holidays,
                )
                tx.commit(state)
            walk.skipped.append(step.id)
            app.terminal.success(f"skipped {step.id}")
            continue
        step_answers = answers.with_defaults(drafted, "the draft") if drafted else answers
        state, written = finish_step(
            app,
            ClientContext(store, slug, state, playbook),
            step,
            step_answers,
            prompter,
            emails=drafted is None,
        )
        walk.done.append(step.id)
        walk.produced += [str(path) for path in written]


def _draft(app, store, slug, playbook, state, step, answers, prompter, *, keep: bool):
    """Ask the step's fields its emails use, then save and show the emails as drafts.

    ``keep``: the answers are recorded now (``set``), so that nothing typed
    is lost whether the step is then done, left for later or skipped; else
    they are recorded with the step. Returns the state, the answers and the
    files written.
    """
    from onboard.core.engine import set_facts
    from onboard.ui.answers import ask_field, coerce_from

    emails = emails_for(app)
    used: set[str] = set()
    for name in step.emails:
        try:
            used |= emails.names_used(playbook, name)
        except OnboardError:
            continue
    values: dict[str, Any] = {}
    for name in (n for n in step.asks if n in used):
        spec = playbook.fields[name]
        if answers.has(name):
            values[name] = coerce_from(spec, answers)
        elif prompter.interactive:
            value = ask_field(prompter, spec, state.facts.get(name))
            if value is not None:
                values[name] = value
    changed = {k: v for k, v in values.items() if state.facts.get(k) != v}
    shown = state
    if changed and keep:
        with store.transaction(slug) as tx:
            shown = set_facts(playbook, tx.state, changed, now=app.now(), by=app.user())
            tx.commit(shown)
        state = shown
    elif changed:
        shown = set_facts(playbook, state, changed, now=app.now(), by=app.user())
    written = announce_emails(app, playbook, shown, step, draft=True)
    return state, values, written


def _offer_follow_ups(app, store, slug, playbook, state, answers, prompter) -> None:
    """At the end of a process, offer the processes that follow it.

    A follow-up naming a playbook can be started for the same client (facts
    and role holders carried over) when the coordinator agrees, or when the
    answers file says ``[actions] follow = "PLAYBOOK"``.
    """
    from onboard.core.engine import next_follow_ups
    from onboard.core.naming import slugify

    library = app.library()
    for item in next_follow_ups(playbook, state):
        if not item.playbook or item.playbook not in library.available():
            note = f" ({item.note})" if item.note else ""
            app.terminal.line(f"Next process: {item.title}{note}")
            continue
        new_slug = slugify(f"{slug}-{item.playbook}")
        if store.exists(new_slug):
            continue
        wanted = answers.actions.get("follow") == item.playbook
        if not wanted and prompter.interactive:
            wanted = prompter.confirm(f"Start {item.title} ({item.playbook}) for {state.name}?", default=True)
        if not wanted:
            app.terminal.line(
                f"Follow-up: {item.title} – start it with `onboard follow {slug} {item.playbook}`"
            )
            continue
        context = ClientContext(store, slug, state, playbook)
        start_follow_on(app, context, library.load(item.playbook), new_slug)
        app.terminal.success(f"Started {item.title} as {new_slug}")
        app.terminal.hint(f"onboard next {new_slug}")


def _summary(app: App, slug: str, walk: Walk) -> None:
    term = app.terminal
    if walk.done:
        term.print(f"Done: {', '.join(walk.done)}")
    if walk.skipped:
        term.print(f"Skipped: {', '.join(walk.skipped)}")
    if walk.gates:
        term.print(f"Recorded: {', '.join(walk.gates)}")
    if walk.later:
        term.print(f"Left for later: {', '.join(walk.later)}")
    if walk.produced:
        term.print("Written:")
        for path in walk.produced:
            term.line(f"  {path}")
    if not (walk.done or walk.skipped or walk.gates):
        term.print("[dim]Nothing recorded.[/]")
    term.hint(f"onboard status {slug}")
