"""``onboard sync``, ``onboard resolve`` and the hidden ``onboard merge-driver`` git calls."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click

from onboard.cli import App, pass_app
from onboard.errors import OnboardError


@click.command()
@click.option(
    "--setup", "setup_only", is_flag=True, help="Only set the workspace up for a team; sync nothing."
)
@click.option("--name", help="With --setup: your name in every change you make (kept outside the workspace).")
@click.option("--email", help="With --setup: your email, kept with your name.")
@pass_app
def sync(app: App, setup_only: bool, name: str | None, email: str | None) -> None:
    """Share your work with the team: commit what is pending, fetch, merge, push.

    Client files merge by their histories (two people doing two steps of one
    client is no conflict); where both changed the same thing differently
    the later change stands and the client shows a conflict to settle with
    `onboard resolve`. --setup registers the merge driver for this clone
    (once per clone; sync renews it).

    \b
    Example:
      onboard sync --setup --name "Ann Lee" --email ann@example.com
      onboard sync
    """
    from onboard.storage import gitshare
    from onboard.storage.identity import current_person, user_config_path, write_user_config

    workspace = app.workspace(create=False)
    if (name or email) and not setup_only:
        raise OnboardError("--name and --email go with --setup.", "Run onboard sync --setup --name NAME.")
    if setup_only:
        if email and not name:
            raise OnboardError(
                "--email needs --name.", 'Run onboard sync --setup --name "Your Name" --email ADDRESS.'
            )
        if name is not None:
            if not name.strip():
                raise OnboardError("--name cannot be blank.")
            write_user_config(user_config_path(), name, email)
        for change in gitshare.setup(workspace.root):
            app.terminal.success(change)
        person = current_person(workspace.root, workspace.settings)
        app.terminal.success(
            f"Set up for team work; your changes are recorded as {person.name} ({person.source})."
        )
        app.terminal.hint("onboard sync")
        return
    person = current_person(workspace.root, workspace.settings)
    report = gitshare.sync(workspace.root, person.name)
    for change in report.setup:
        app.terminal.info(change)
    parts = [f"{report.received} commit(s) in", f"{report.sent} out"]
    if report.committed:
        parts.insert(0, "your changes committed")
    app.terminal.success(f"Synced with {report.remote}/{report.branch}: " + ", ".join(parts) + ".")
    if report.changed_clients:
        app.terminal.line("Changed by others: " + ", ".join(report.changed_clients))
    _warn_conflicts(app)


def _warn_conflicts(app: App) -> None:
    from onboard.storage.merge import open_conflicts_in

    store = app.store()
    for slug in store.slugs():
        pending = open_conflicts_in(store.path(slug))
        if pending:
            app.terminal.warn(f"{slug}: {len(pending)} conflict(s) to settle; see onboard resolve {slug}")


@click.command()
@click.argument("client")
@click.argument("conflict_id", metavar="[ID]", required=False)
@click.option(
    "--keep",
    type=click.Choice(["kept", "other"]),
    help="kept: the change the rule chose stands; other: bring back the change it overrode.",
)
@click.option("--value", help="Settle with a value of your own (a fact, a role's holder or a due date).")
@pass_app
def resolve(app: App, client: str, conflict_id: str | None, keep: str | None, value: str | None) -> None:
    """Settle a conflict a merge left on a client; without --keep or --value, list them.

    When two people changed the same thing differently, the later change
    stands and a conflict is shown by `status` and `check` until settled.
    The ID can be left out when the client has one open conflict, and
    shortened to any unique start.

    \b
    Example:
      onboard resolve acme
      onboard resolve acme 3f2a --keep other
      onboard resolve acme 3f2a --value 2026-04-02
    """
    from onboard.core.conflicts import Keep
    from onboard.core.merge import find_conflict, open_conflicts, settle
    from onboard.workflows import client_context

    store, slug, state, playbook = client_context(app, client)
    if keep is None and value is None:
        pending = open_conflicts(state)
        if not pending:
            app.terminal.success(f"{state.name} has no open conflict.")
            return
        for conflict in pending:
            app.terminal.line(f"{conflict.id}  {conflict.summary}")
        app.terminal.hint(f"onboard resolve {slug} {pending[0].id} --keep kept|other")
        return
    if keep is not None and value is not None:
        raise OnboardError("Give --keep or --value, not both.")
    with store.transaction(slug) as tx:
        conflict = find_conflict(tx.state, conflict_id)
        chosen = Keep(keep) if keep is not None else Keep.VALUE
        parsed = _parse_value(app, playbook, conflict.path, value) if value is not None else None
        new_state = settle(tx.state, conflict, chosen, now=app.now(), by=app.user(), value=parsed)
        tx.commit(new_state)
    app.terminal.success(f"{state.name}: {new_state.history[-1].summary}")
    left = open_conflicts(new_state)
    if left:
        app.terminal.line(f"{len(left)} more to settle: onboard resolve {slug}")


def _parse_value(app: App, playbook: Any, path: str, text: str) -> Any:
    """A value typed on the command line, read as the thing in conflict is."""
    from onboard.core.engine import role_holder
    from onboard.core.fields import coerce

    section, _, key = path.partition(".")
    if section == "facts" and key in playbook.fields:
        return coerce(playbook.fields[key], text)
    if section == "roles":
        return role_holder(app.workspace().settings.holder(text.strip()))
    if section == "due":
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise OnboardError(f"--value {text!r} is not a date.", "Write it like 2026-03-15.") from None
    raise OnboardError(
        f"A conflict on {path} is settled with --keep kept or --keep other, not a value of your own."
    )


@click.command(name="merge-driver", hidden=True)
@click.argument("ancestor")
@click.argument("current")
@click.argument("other")
@click.argument("path")
def merge_driver(ancestor: str, current: str, other: str, path: str) -> None:
    """What git runs to merge a client file (registered by `onboard sync --setup`)."""
    from onboard.storage.merge import run_driver

    sys.exit(run_driver(ancestor, current, other, path))
