"""A client across playbook versions and processes: ``upgrade`` and ``follow``."""

from __future__ import annotations

import click

from onboard.cli import App, pass_app
from onboard.errors import OnboardError
from onboard.workflows import ClientContext, client_context, start_follow_on


@click.command()
@click.argument("client")
@click.option("--yes", "-y", is_flag=True, help="Move the client without asking.")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@pass_app
def upgrade(app: App, client: str, yes: bool, dry_run: bool) -> None:
    """Show what moving a client to the playbook's current revision changes, and move it.

    Done steps and their history are kept; renamed steps carry their records.

    \b
    Example:
      onboard upgrade acme --dry-run
    """
    from onboard.core.engine import plan_upgrade
    from onboard.core.engine import upgrade as move

    store, slug, state, old = client_context(app, client)
    current = app.library().load(state.playbook)
    if current.revision == state.playbook_revision:
        app.terminal.success(f"{state.name} is on the current revision ({current.revision}) of {current.id}.")
        return
    plan = plan_upgrade(old, current, state)
    app.terminal.line(f"{current.id}: revision {state.playbook_revision} -> {current.revision}")
    for line in plan.lines() or ["(no step changes)"]:
        app.terminal.line(f"  {line}")
    if dry_run:
        return
    if not yes:
        prompter = app.get_prompter(no_input=False)
        if not prompter.interactive:
            raise OnboardError("Pass --yes to upgrade without a prompt.")
        if not prompter.confirm("Upgrade?", default=True):
            return
    with store.transaction(slug) as tx:
        tx.commit(move(old, current, tx.state, now=app.now(), by=app.user()))
    app.terminal.success(f"{state.name} is now on revision {current.revision}.")


@click.command()
@click.argument("client")
@click.argument("playbook_id", metavar="PLAYBOOK")
@click.option("--slug", help="Folder name of the new record (default CLIENT-PLAYBOOK).")
@pass_app
def follow(app: App, client: str, playbook_id: str, slug: str | None) -> None:
    """Start a follow-on playbook for a client, carrying over its facts and role holders.

    \b
    Example:
      onboard follow acme renewal
    """
    from onboard.core.naming import is_slug, slugify

    store, old_slug, state, playbook = client_context(app, client)
    target = app.library().load(playbook_id)
    new_slug = slug or slugify(f"{old_slug}-{target.id}")
    if not is_slug(new_slug):
        raise OnboardError(f"--slug {new_slug!r} must be lower-case letters, digits and dashes.")
    if store.exists(new_slug):
        raise OnboardError(f"A client {new_slug!r} already exists.", "Choose another --slug.")
    start_follow_on(app, ClientContext(store, old_slug, state, playbook), target, new_slug)
    app.terminal.success(f"Started {state.name} on {target.title} as {new_slug}")
    app.terminal.hint(f"onboard next {new_slug}")
