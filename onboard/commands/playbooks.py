"""``onboard playbooks`` and ``onboard playbooks show ID``."""

from __future__ import annotations

import click

from onboard.cli import App, pass_app
from onboard.errors import OnboardError


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def playbooks(ctx: click.Context, as_json: bool) -> None:
    """List the playbooks this workspace can use.

    \b
    Example:
      onboard playbooks
      onboard playbooks show training-engagement
    """
    if ctx.invoked_subcommand is not None:
        return
    app: App = ctx.obj
    library = app.library()
    rows = []
    problems = []
    for playbook_id in library.available():
        try:
            pb = library.load(playbook_id)
        except OnboardError as exc:
            problems.append(exc)
            continue
        rows.append(
            {
                "id": pb.id,
                "title": pb.title,
                "revision": pb.revision,
                "description": pb.description,
                "status": pb.status,
                "stages": len(pb.stages),
                "steps": len(pb.steps),
                "origin": library.origin(pb.id),
            }
        )
    if as_json:
        app.terminal.json(rows)
    else:
        app.terminal.table(
            ["id", "title", ("rev", {"justify": "right"}), ("steps", {"justify": "right"}), "from"],
            [
                [
                    r["id"],
                    f"{r['title']}{' (DRAFT)' if r['status'] == 'draft' else ''}",
                    str(r["revision"]),
                    str(r["steps"]),
                    r["origin"],
                ]
                for r in rows
            ],
        )
        if any(r["status"] == "draft" for r in rows):
            app.terminal.print("[dim]DRAFT: the process it follows is a draft, not launched as it stands.[/]")
    for problem in problems:
        app.terminal.error(problem)
    if problems:
        ctx.exit(1)


@playbooks.command()
@click.argument("playbook_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def show(app: App, playbook_id: str, as_json: bool) -> None:
    """Show a playbook: its source, status, RACI, revision history and notes, then its stages and steps.

    \b
    Example:
      onboard playbooks show training-engagement
    """
    from rich.markup import escape
    from rich.tree import Tree

    pb = app.library().load(playbook_id)
    if as_json:
        app.terminal.json(
            {
                "id": pb.id,
                "title": pb.title,
                "revision": pb.revision,
                "status": pb.status,
                "description": pb.description,
                "source": pb.source,
                "raci": pb.raci,
                "revision_history": list(pb.revision_history),
                "notes": list(pb.notes),
                "roles": {r.id: r.name for r in pb.roles.values()},
                "gates": {
                    g.id: {"title": g.title, "override_roles": list(g.override_roles)}
                    for g in pb.gates.values()
                },
                "stages": [
                    {
                        "id": stage.id,
                        "title": stage.title,
                        "phase": stage.phase,
                        "when": stage.when.source if stage.when else None,
                        "steps": [
                            {
                                "id": s.id,
                                "title": s.title,
                                "owner": s.owner,
                                "also": list(s.also),
                                "consulted": list(s.consulted),
                                "attending": list(s.attending),
                                "inferred": s.inferred,
                                "due": s.due.source if s.due else None,
                                "when": s.when.source if s.when else None,
                                "gate": s.gate,
                                "opens": s.opens,
                                "asks": list(s.asks),
                                "emails": list(s.emails),
                                "exports": list(s.exports),
                                "support": [str(x) for x in s.support],
                                "notes": list(s.notes),
                            }
                            for s in stage.steps
                        ],
                    }
                    for stage in pb.stages
                ],
            }
        )
        return
    draft = " [bold red]DRAFT[/]" if pb.draft else ""
    tree = Tree(f"[bold]{escape(pb.title)}[/] [dim]({pb.id}, revision {pb.revision})[/]{draft}")
    _context(tree, pb)
    phase = None
    parent = tree
    for stage in pb.stages:
        if stage.phase and stage.phase != phase:
            phase = stage.phase
            parent = tree.add(f"[bold magenta]{escape(phase)}[/]")
        label = f"[bold cyan]{escape(stage.title)}[/]"
        if stage.when:
            label += f" [dim]when {escape(stage.when.source)}[/]"
        branch = parent.add(label)
        for note in stage.notes:
            branch.add(f"[yellow]NOTE[/] {escape(note)}")
        for step in stage.steps:
            owners = "/".join((step.owner, *step.also))
            text = f"[bold]{escape(owners)}[/] – {escape(step.title)} [dim]{step.id}[/]"
            if step.inferred:
                text += " [magenta](inferred)[/]"
            if step.due:
                text += f" [green]⏱ {escape(step.due.source)}[/]"
            if step.when:
                text += f" [dim]when {escape(step.when.source)}[/]"
            node = branch.add(text)
            if step.gate:
                node.add(f"[red]waits for gate {step.gate}[/]: {escape(pb.gates[step.gate].title)}")
            if step.opens:
                node.add(f"[green]opens gate {step.opens}[/]: {escape(pb.gates[step.opens].title)}")
            for label, roles in (("consulted", step.consulted), ("attending", step.attending)):
                if roles:
                    node.add(f"[dim]{label}:[/] {escape(', '.join(roles))}")
            for note in step.notes:
                node.add(f"[yellow]NOTE[/] {escape(note)}")
            for support in step.support:
                node.add(f"[blue]SUPPORT[/] {escape(str(support))}")
            for email in step.emails:
                node.add(f"[dim]email:[/] {escape(email)}")
            for export in step.exports:
                node.add(f"[dim]file:[/] {escape(export)}")
    app.terminal.print(tree)


def _context(tree, pb) -> None:
    """What the playbook says about itself: source, status, RACI, revision history, roles and notes."""
    from rich.markup import escape

    if pb.description:
        tree.add(escape(pb.description))
    if pb.source:
        tree.add(f"[dim]source:[/] {escape(pb.source)}")
    if pb.draft:
        tree.add("[bold red]status: DRAFT[/] the process it follows is a draft, not launched as it stands")
    if pb.raci:
        raci = tree.add("[bold]RACI[/]")
        for key, value in pb.raci.items():
            raci.add(f"{key.capitalize()}: {escape(value)}")
    if pb.revision_history:
        history = tree.add("[bold]Revision history[/]")
        for entry in pb.revision_history:
            history.add(escape(entry))
    roles = ", ".join(f"{r.id} = {r.name}" for r in pb.roles.values())
    tree.add(f"[dim]roles: {escape(roles)}[/]")
    if pb.notes:
        notes = tree.add("[bold]Notes[/]")
        for note in pb.notes:
            notes.add(escape(note))
