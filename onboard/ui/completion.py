"""Shell completion for client names, step ids, template names and playbook ids.

click asks these while the user presses Tab, so they must be quick and must
never fail: any problem (no workspace, a damaged file) just means no
suggestions. They are attached to the parameters by name when a command is
loaded (see ``LazyGroup.get_command``), so commands need not repeat them.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.shell_completion import CompletionItem


def _root(ctx: click.Context) -> Path | None:
    from onboard.storage.workspace import find_root

    home = ctx.find_root().params.get("home")
    root, _ = find_root(home)
    return root if (root / "onboard.toml").is_file() else None


def _playbook(ctx: click.Context):
    from onboard.storage.library import Library
    from onboard.storage.store import Store

    root = _root(ctx)
    client = ctx.params.get("client")
    if root is None or not client:
        return None
    store = Store(root / "clients")
    state = store.load(store.resolve(client))
    return Library(root / "templates").load(state.playbook, state.playbook_revision)


def complete_clients(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        root = _root(ctx)
        if root is None or not (root / "clients").is_dir():
            return []
        return [
            CompletionItem(entry.name)
            for entry in sorted(os.scandir(root / "clients"), key=lambda e: e.name)
            if entry.is_dir()
            and entry.name.startswith(incomplete)
            and (Path(entry.path) / "client.toml").is_file()
        ]
    except Exception:  # completion must never break the shell
        return []


def complete_steps(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        playbook = _playbook(ctx)
        if playbook is None:
            return []
        return [CompletionItem(s.id, help=s.title) for s in playbook.steps if s.id.startswith(incomplete)]
    except Exception:
        return []


def complete_templates(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        playbook = _playbook(ctx)
        if playbook is None:
            return []
        names = sorted({e for s in playbook.steps for e in s.emails})
        return [CompletionItem(n) for n in names if n.startswith(incomplete)]
    except Exception:
        return []


def complete_playbooks(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        from onboard.storage.library import Library

        root = _root(ctx)
        library = Library(root / "templates" if root else None)
        return [CompletionItem(p) for p in library.available() if p.startswith(incomplete)]
    except Exception:
        return []


def complete_roles(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    try:
        playbook = _playbook(ctx)
        if playbook is None:
            return []
        return [
            CompletionItem(r.id, help=r.name) for r in playbook.roles.values() if r.id.startswith(incomplete)
        ]
    except Exception:
        return []


COMPLETERS = {
    "client": complete_clients,
    "step_id": complete_steps,
    "template": complete_templates,
    "playbook_id": complete_playbooks,
    "role": complete_roles,
}


def attach(command: click.Command) -> click.Command:
    """Give a command's client, step, template, playbook and role parameters their completion."""
    for param in command.params:
        completer = COMPLETERS.get(param.name or "")
        if completer is not None and getattr(param, "_custom_shell_complete", None) is None:
            param._custom_shell_complete = completer  # click's hook for shell_complete=...
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            attach(sub)
    return command
