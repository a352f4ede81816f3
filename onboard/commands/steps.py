"""Recording changes without the walk: done, skip, undo, set, assign, gate, restore."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from onboard.cli import App, pass_app
from onboard.commands import answer_options
from onboard.errors import OnboardError
from onboard.workflows import ClientContext, client_context, finish_step, warn_guessed_holder

if TYPE_CHECKING:
    from onboard.core.playbook import Playbook


@click.command()
@click.argument("client")
@click.argument("step_id", metavar="STEP")
@click.option("--note", default="", help="A note kept with the step.")
@click.option(
    "--force",
    is_flag=True,
    help="Record it even if it is waiting for other steps or a gate, or a date its field doubts.",
)
@answer_options
@pass_app
def done(
    app: App,
    client: str,
    step_id: str,
    note: str,
    force: bool,
    sets: tuple[str, ...],
    answers_file: str | None,
    no_input: bool,
) -> None:
    """Mark a step done, giving the fields it asks for.

    \b
    Example:
      onboard done acme enter-delivery-dates --set course_date=2026-03-15
    """
    from onboard.core.engine import check_open
    from onboard.ui.answers import load_answers

    store, slug, state, playbook = client_context(app, client)
    step = playbook.step(step_id)
    check_open(playbook, state, step, app.today(), app.holidays(), force)
    answers = load_answers(answers_file, sets)
    finish_step(
        app,
        ClientContext(store, slug, state, playbook),
        step,
        answers,
        app.get_prompter(no_input),
        note=note,
        force=force,
    )


@click.command()
@click.argument("client")
@click.argument("step_id", metavar="STEP")
@click.option("--reason", required=True, help="Why the step is skipped (kept in the history).")
@click.option("--force", is_flag=True, help="Record it even if it is waiting for other steps or a gate.")
@pass_app
def skip(app: App, client: str, step_id: str, reason: str, force: bool) -> None:
    """Skip a step that does not apply this time, with a reason.

    \b
    Example:
      onboard skip acme legal-paperwork --reason "MSA already in place"
    """
    from onboard.core.engine import skip_step

    store, slug, state, playbook = client_context(app, client)
    with store.transaction(slug) as tx:
        tx.commit(
            skip_step(
                playbook,
                tx.state,
                step_id,
                reason=reason,
                now=app.now(),
                by=app.user(),
                holidays=app.holidays(),
                force=force,
            )
        )
    app.terminal.success(f"{state.name}: skipped {step_id} ({reason})")


@click.command()
@click.argument("client")
@pass_app
def undo(app: App, client: str) -> None:
    """Undo the client's most recent change (the undo itself is kept in the history).

    An import of the roster, attendance or evaluations is taken back out of
    the client's records too.

    \b
    Example:
      onboard undo acme
    """
    from onboard.core.engine import undo as undo_change

    store = app.store()
    slug = store.resolve(client)
    done = ""
    with store.transaction(slug) as tx:
        new_state, target = undo_change(tx.state, now=app.now(), by=app.user())
        if target.records:
            from onboard.delivery.datafiles import RecordsChange, revert

            done = revert(store.folder(slug), RecordsChange.from_event(target.records))
        tx.commit(new_state)
    app.terminal.success(f"Undid #{target.seq}: {target.summary}" + (f" ({done})" if done else ""))


@click.command(name="set")
@click.argument("client")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option("--force", is_flag=True, help="Keep a date its field doubts (a course date in the past).")
@pass_app
def set_(app: App, client: str, pairs: tuple[str, ...], force: bool) -> None:
    """Change client facts, such as a moved course date.

    \b
    Example:
      onboard set acme course_date=2026-04-02
    """
    from onboard.core.engine import set_facts
    from onboard.ui.answers import parse_sets

    store, slug, state, playbook = client_context(app, client)
    values = parse_sets(pairs)
    if not force:
        _refuse_doubtful(app, playbook, slug, values, pairs)
    with store.transaction(slug) as tx:
        tx.commit(set_facts(playbook, tx.state, values, now=app.now(), by=app.user()))
    app.terminal.success(f"{state.name}: set " + ", ".join(f"{k}={v}" for k, v in values.items()))


def _refuse_doubtful(
    app: App, playbook: Playbook, slug: str, values: dict[str, str], pairs: tuple[str, ...]
) -> None:
    """A date on the side of today its field doubts (a signature next week) needs --force to be kept."""
    from onboard.core.fields import coerce, doubt
    from onboard.core.waiting import command

    today = app.today()
    for key, raw in values.items():
        spec = playbook.fields.get(key)
        if spec is None:
            continue
        problem = doubt(spec, coerce(spec, raw), today)
        if problem:
            raise OnboardError(
                f"{problem}.",
                f"If that is right, run `{command('onboard', 'set', slug, *pairs)} --force`; "
                f"otherwise give another, such as `{command('onboard', 'set', slug)} {spec.assignment(today)}`.",
            )


@click.command()
@click.argument("client")
@click.argument("role")
@click.argument("person")
@click.option("--initials", help="Initials used in file names (default: from the team list or the name).")
@click.option("--email", help="Email address used in emails.")
@pass_app
def assign(app: App, client: str, role: str, person: str, initials: str | None, email: str | None) -> None:
    """Record who holds a role (FAC, RL, CSM...) for a client.

    \b
    Example:
      onboard assign acme FAC "Jane Doe" --initials JD
    """
    from onboard.core.engine import assign_role

    store, slug, state, playbook = client_context(app, client)
    member = app.workspace().settings.member(person)
    if member:
        person, initials, email = member.name, initials or member.initials, email or member.email
    with store.transaction(slug) as tx:
        tx.commit(
            assign_role(
                playbook,
                tx.state,
                role,
                name=person,
                initials=initials,
                email=email,
                now=app.now(),
                by=app.user(),
            )
        )
    app.terminal.success(f"{state.name}: {role} is {person}")
    if not initials:
        warn_guessed_holder(app, slug, role, {"name": person, "email": email})


@click.command()
@click.argument("client")
@click.argument("gate_id", metavar="GATE")
@click.option("--override-by", metavar="NAME", help="Go on without the event, approved by NAME.")
@click.option("--reason", help="Why (required with --override-by).")
@pass_app
def gate(app: App, client: str, gate_id: str, override_by: str | None, reason: str | None) -> None:
    """Record that a gate's event happened (a signed contract, a first payment).

    \b
    Example:
      onboard gate acme signed-contract
      onboard gate acme first-payment --override-by "Managing Director" --reason "long-standing client"
    """
    from onboard.core.engine import open_gate

    store, slug, state, playbook = client_context(app, client)
    with store.transaction(slug) as tx:
        tx.commit(
            open_gate(
                playbook,
                tx.state,
                gate_id,
                now=app.now(),
                by=app.user(),
                override_by=override_by,
                reason=reason,
            )
        )
    app.terminal.success(f"{state.name}: gate {gate_id} is open")


@click.command()
@click.argument("client")
@click.argument("number", required=False, type=int, metavar="[N]")
@click.option(
    "--list", "list_only", is_flag=True, help="List the saved versions, newest first; change nothing."
)
@pass_app
def restore(app: App, client: str, number: int | None, list_only: bool) -> None:
    """Bring back the last good version of a client file, or an earlier one.

    Every save keeps a copy of the file in clients/<slug>/.backup/ (the last
    ten), the first one by `onboard new` included. With no N, a client.toml
    that cannot be read (or is gone) is replaced by the newest saved version
    that can, and a file that reads is left as it is. The file replaced is
    kept: a damaged one as .backup/client.before-restore.toml, a readable one
    as a saved version, so a restore can be undone by restoring again.

    \b
    Example:
      onboard restore acme            (bring back the last good version)
      onboard restore acme --list     (list the versions, 1 the newest)
      onboard restore acme 2          (bring back version 2 of the list)
    """
    from onboard.core.naming import slugify

    store = app.store()
    try:
        slug = store.resolve(client)
    except OnboardError:
        slug = slugify(client)
    if list_only:
        if number is not None:
            raise OnboardError("--list shows the versions; give N without it to bring one back.")
        _list_versions(app, slug)
        return
    if number is None and _reads(app, slug):
        app.terminal.line(f"{store.path(slug)} reads fine; nothing was restored. Its saved versions:")
        _list_versions(app, slug)
        return
    restored = store.restore(slug, number)
    path = store.path(slug)
    app.terminal.success(f"Restored {path} from {restored.version.label()}")
    if restored.replaced == "unreadable":
        app.terminal.line(f"The damaged file it replaced is kept as {restored.aside}.")
    elif restored.replaced in ("saved", "kept"):
        app.terminal.line(
            f"The file it replaced is kept as saved version 2: `onboard restore {slug} 2` brings it back."
        )
    elif restored.replaced == "same":
        app.terminal.line("The file already held that version; it is unchanged.")
    else:
        app.terminal.line("There was no client.toml before.")


def _reads(app: App, slug: str) -> bool:
    """Whether the client's file can be used as it is: a restore with no N leaves such a file alone."""
    try:
        app.store().load(slug)
    except OnboardError:
        return False
    return True


def _list_versions(app: App, slug: str) -> None:
    from rich.markup import escape

    store = app.store()
    versions = store.versions(slug)
    if not versions:
        raise OnboardError(
            f"No saved versions of {slug!r} in {store.folder(slug) / '.backup'}.",
            "Every save keeps one from now on; a damaged file can only be fixed by hand until then.",
        )
    try:
        current = store.path(slug).read_bytes()
    except OSError:
        current = None
    rows = [
        [str(v.number), v.path.name, escape(v.last_change()), "current file" if current == v.data else ""]
        for v in versions
    ]
    app.terminal.table(["#", "file", "last change", ""], rows)
    app.terminal.hint(f"onboard restore {slug} N")


@click.command()
@click.argument("client")
@click.argument("name")
@click.argument("value")
@click.option("--reason", required=True, help="Why (kept in the history).")
@pass_app
def decide(app: App, client: str, name: str, value: str, reason: str) -> None:
    """Record or change a decision; only the chosen branch's steps apply.

    \b
    Example:
      onboard decide acme client_decision renew --reason "signed for another year"
    """
    from onboard.core.engine import decide as record_decision

    store, slug, state, playbook = client_context(app, client)
    with store.transaction(slug) as tx:
        new_state = record_decision(
            playbook, tx.state, name, value, reason=reason, now=app.now(), by=app.user()
        )
        tx.commit(new_state)
    app.terminal.success(f"{state.name}: {new_state.history[-1].summary}")


def _parse_by(text: str) -> int:
    import re

    match = re.fullmatch(r"\s*(\d{1,4})\s*([dw])\s*", text.lower())
    if not match:
        raise OnboardError(f"--by {text!r} is not a span like 3d or 2w.")
    return int(match.group(1)) * (7 if match.group(2) == "w" else 1)


@click.command()
@click.argument("client")
@click.argument("step_id", metavar="STEP")
@click.option("--to", "to_date", metavar="DATE", help="The new due date (YYYY-MM-DD).")
@click.option("--by", "by_span", metavar="SPAN", help="Move the due date later by 3d, 2w...")
@click.option("--reason", required=True, help="Why (kept in the history).")
@pass_app
def postpone(
    app: App, client: str, step_id: str, to_date: str | None, by_span: str | None, reason: str
) -> None:
    """Move a step's due date by hand (undo brings the rule's date back).

    \b
    Example:
      onboard postpone acme collect-roster --by 3d --reason "client on holiday"
    """
    from datetime import date, timedelta

    from onboard.core.engine import overview
    from onboard.core.engine import postpone as move

    if bool(to_date) == bool(by_span):
        raise OnboardError("Give exactly one of --to DATE or --by SPAN.")
    store, slug, state, playbook = client_context(app, client)
    if to_date:
        try:
            new_due = date.fromisoformat(to_date)
        except ValueError:
            raise OnboardError(f"--to {to_date!r} is not a date.", "Write it like 2026-03-15.") from None
    else:
        current = overview(playbook, state, app.today(), app.holidays()).view(playbook.step(step_id).id).due
        if current is None:
            raise OnboardError(f"Step {step_id!r} has no due date yet.", "Use --to DATE instead.")
        new_due = current + timedelta(days=_parse_by(by_span or ""))
    with store.transaction(slug) as tx:
        tx.commit(
            move(
                playbook,
                tx.state,
                step_id,
                to=new_due,
                reason=reason,
                now=app.now(),
                by=app.user(),
                holidays=app.holidays(),
            )
        )
    app.terminal.success(f"{state.name}: {step_id} now due {new_due.isoformat()}")
