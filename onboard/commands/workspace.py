"""``onboard init`` and ``onboard check``."""

from __future__ import annotations

from pathlib import Path

import click

from onboard.cli import App, pass_app
from onboard.errors import OnboardError


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@pass_app
def init(app: App, directory: str | None) -> None:
    """Make a workspace: onboard.toml, clients/ and templates/.

    \b
    Example:
      onboard init ~/onboarding
    """
    from onboard.storage.workspace import find_root, init_workspace

    root = Path(directory) if directory else find_root(app.home)[0]
    if root.exists() and not root.is_dir():
        raise OnboardError(f"{root} is a file, not a folder.")
    created = init_workspace(root)
    if created:
        app.terminal.success(f"Workspace ready in {root}")
    else:
        app.terminal.success(f"{root} is already a workspace; nothing was changed.")
    from onboard.storage.identity import in_git_repository

    if created and in_git_repository(root):
        from onboard.storage import gitshare

        for change in gitshare.setup(root):
            app.terminal.info(change)
    app.terminal.hint('onboard new "Client name" --playbook training-engagement')


def workspace_problems(app: App) -> tuple[list[str], list[str], int, int]:
    """Every problem and warning in the workspace, its playbooks and its clients."""
    from onboard.core.engine import replay
    from onboard.emails.checks import template_problems
    from onboard.storage.store import STATE_FILE

    problems: list[str] = []
    warnings: list[str] = []
    workspace = app.workspace(create=False)
    library = app.library()
    playbooks = {}
    for playbook_id in library.available():
        try:
            playbooks[playbook_id] = library.load(playbook_id)
        except OnboardError as exc:
            problems.append(exc.message)
    for loaded in playbooks.values():
        problems.extend(template_problems(loaded, workspace.templates_dir))
    store = app.store()
    folders = (
        sorted(p for p in workspace.clients_dir.glob("*") if p.is_dir())
        if workspace.clients_dir.is_dir()
        else []
    )
    clients = 0
    for folder in folders:
        if not (folder / STATE_FILE).is_file():
            warnings.append(f"{folder}: no {STATE_FILE}; not a client folder.")
            continue
        clients += 1
        try:
            state = store.load(folder.name)
        except OnboardError as exc:
            problems.append(exc.message)
            continue
        path = store.path(state.slug)
        playbook = playbooks.get(state.playbook)
        if playbook is None:
            problems.append(f"{path}: playbook {state.playbook!r} is not available.")
            continue
        for step_id in state.steps:
            if not playbook.has_step(step_id):
                problems.append(
                    f"{path}: steps.{step_id} is not a step of {playbook.id} (renamed or removed?)."
                )
        for name in state.facts:
            if name not in playbook.fields:
                warnings.append(f"{path}: facts.{name} is not a field of {playbook.id}.")
        if state.playbook_revision != playbook.revision:
            warnings.append(
                f"{path}: started on {playbook.id} revision {state.playbook_revision}; "
                f"the playbook is now revision {playbook.revision}."
            )
        if replay(state).sections != state.sections:
            warnings.append(f"{path}: edited by hand (its values differ from its history).")
        problems.extend(
            f"{path}: conflict {c.id} to settle ({c.summary}); see onboard resolve {state.slug}"
            for c in state.conflicts
            if c.open
        )
        warnings.extend(_stale_figures(state, folder))
    return problems, warnings, len(playbooks), clients


def _stale_figures(state, folder: Path) -> list[str]:
    """Figures recorded as of a moment (close-delivery's) that the records no longer give, and why."""
    from onboard.core.snapshots import SNAPSHOT_FIELDS, stale_snapshot
    from onboard.delivery.facts import derived_facts

    found = []
    stale = stale_snapshot(state)
    if stale is not None:
        found.append(f"{folder.name}: " + "\n".join(stale.lines()))
    try:
        now = derived_facts(folder)
    except OnboardError as exc:
        return [*found, exc.message]
    for name in SNAPSHOT_FIELDS:
        recorded = state.facts.get(name)
        if recorded is not None and name in now and now[name] != recorded:
            found.append(
                f"{folder.name}: {name} was recorded as {recorded}; the records now give {now[name]}. "
                f"If the figure sent elsewhere should change, update it there and run "
                f"`onboard set {state.slug} {name}={now[name]}`."
            )
    return found


@click.command()
@pass_app
def check(app: App) -> None:
    """Validate the workspace, every playbook and every client file, listing every problem.

    \b
    Example:
      onboard check
    """
    problems, warnings, n_playbooks, n_clients = workspace_problems(app)
    for warning in warnings:
        app.terminal.warn(warning)
    if problems:
        for problem in problems:
            app.terminal.line(f"✗ {problem}", style="red")
        raise OnboardError(f"{len(problems)} problem(s) found; files were not changed.")
    app.terminal.success(f"{n_playbooks} playbook(s) and {n_clients} client(s) check out.")
