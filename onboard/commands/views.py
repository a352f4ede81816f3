"""Read commands: status, list, due, log. Each has --json; none writes anything."""

from __future__ import annotations

import click

from onboard.cli import App, pass_app
from onboard.workflows import client_context, report_skipped


def as_of_option(func):
    return click.option(
        "--as-of", metavar="DATE", help="Show the picture as it stands on DATE (changes nothing)."
    )(func)


def header_option(func):
    return click.option(
        "--header",
        is_flag=True,
        help="When piped, start with a line of column names (at a terminal they are always shown).",
    )(func)


@click.command()
@click.argument("client")
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Show every step, not just the current stage and overdue ones.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@as_of_option
@pass_app
def status(app: App, client: str, show_all: bool, as_json: bool, as_of: str | None) -> None:
    """Where a client stands: stages, steps, owners, due dates, progress.

    \b
    Example:
      onboard status acme
      onboard status acme --json
    """
    from onboard.cache import statusview

    today = app.today(as_of)
    slug = client
    model = statusview.kept(app.home, client)  # no workspace, store or engine while it holds
    if model is None:
        from onboard.core.engine import overview

        workspace = app.workspace()
        slug = app.store().resolve(client)
        before = statusview.client_stat(workspace.root, slug)
        _, slug, state, playbook = client_context(app, slug)
        model = statusview.build(state, playbook, overview(playbook, state, today, app.holidays()))
        statusview.save(workspace.root, slug, model, before)
    if as_json:
        app.terminal.json(statusview.to_json(model, today))
    else:
        statusview.draw(model, today, app.terminal, show_all)


def _indexed(app: App, today):
    """Every client as the index has it (see onboard.cache.index); unreadable ones come back as problems."""
    from onboard.cache.index import read_clients

    workspace = app.workspace()
    return read_clients(
        workspace.root, workspace.clients_dir, app.library(), app.holidays(), today, app.store
    )


@click.command(name="list")
@click.option(
    "--sort",
    type=click.Choice(["name", "due", "progress", "overdue"]),
    default="name",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@header_option
@as_of_option
@pass_app
def list_(app: App, sort: str, as_json: bool, header: bool, as_of: str | None) -> None:
    """Every client: playbook, stage, progress, next step, next due date, overdue count.

    \b
    Example:
      onboard list --sort due
    """
    from datetime import date

    today = app.today(as_of)
    clients, problems = _indexed(app, today)
    iso = today.isoformat()
    rows = [(client.summary(iso), client) for client in clients]
    keys = {
        "name": lambda r: r[0]["name"].casefold(),
        "due": lambda r: r[0]["next_due"] or date.max.isoformat(),
        "progress": lambda r: r[0]["progress"],
        "overdue": lambda r: -r[0]["overdue"],
    }
    rows.sort(key=keys[sort])
    if as_json:
        app.terminal.json([r[0] for r in rows])
    else:
        from rich.markup import escape

        wide = not app.terminal.at_terminal or app.terminal.out.width >= 110
        table = []
        for summary, client in rows:
            stage = escape(client.stage_title) if client.stage_title is not None else "[green]complete[/]"
            overdue = f"[red]{summary['overdue']}[/]" if summary["overdue"] else ""
            row = [summary["slug"], stage, f"{round(summary['progress'] * 100)}%"]
            row += [summary["next_step"] or "", summary["next_due"] or "", overdue]
            table.append([escape(summary["playbook"]), *row] if wide else row)
        columns: list[str | tuple[str, dict[str, str]]] = [
            "client",
            "stage",
            ("done", {"justify": "right"}),
            "next step",
            "next due",
        ]
        columns.append(("late", {"justify": "right"}))
        app.terminal.table(["playbook", *columns] if wide else columns, table, fit="stage", header=header)
        if not rows and app.terminal.at_terminal:
            app.terminal.hint('onboard new "Client name" --playbook training-engagement')
    report_skipped(app, problems)


@click.command()
@click.option(
    "--within",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Only steps due within DAYS (overdue included).",
)
@click.option("--role", help="Only steps owned by this role (FAC, LC, CSM...).")
@click.option("--owner", help="Only steps whose role is held by this person (name or initials).")
@click.option("--mine", is_flag=True, help="Only steps of the roles you hold (or the team gives you).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@header_option
@as_of_option
@pass_app
def due(
    app: App,
    within: int | None,
    role: str | None,
    owner: str | None,
    mine: bool,
    as_json: bool,
    header: bool,
    as_of: str | None,
) -> None:
    """The agenda across all clients: what can be done now, overdue first.

    \b
    Example:
      onboard due --within 7 --role LC
    """
    from datetime import date

    from rich.markup import escape

    from onboard.cache.index import OWNER, STEP_ID, TITLE, agenda
    from onboard.core.words import describe_due

    today = app.today(as_of)
    clients, problems = _indexed(app, today)
    items = agenda(clients, today, within=within, role=role, owner=owner)
    if mine:
        from onboard.cache.index import ROLES
        from onboard.storage.identity import mine_for

        me = mine_for(app.workspace())
        holders = [i.client.info[ROLES].get(i.step[OWNER]) for i in items]
        items = [
            i for i, h in zip(items, holders, strict=True) if me.holds(i.step[OWNER], h[1] if h else None)
        ]
    if as_json:
        app.terminal.json([i.as_json() for i in items])
    else:
        rows = []
        words: dict[str | None, str] = {}  # the same few dates and titles come back on many lines
        titles: dict[str, str] = {}
        for item in items:
            due_on = item.due
            when = words.get(due_on)
            if when is None:
                when = describe_due(date.fromisoformat(due_on), today) if due_on else "any time"
                when = words[due_on] = f"[red]{when}[/]" if item.overdue else escape(when)
            step = item.step
            title = titles.get(step[TITLE])
            if title is None:
                title = titles[step[TITLE]] = escape(step[TITLE])
            rows.append([when, item.client.slug, step[OWNER], step[STEP_ID], title])
        app.terminal.table(["due", "client", "role", "step", "what"], rows, fit="what", header=header)
        if not items and app.terminal.at_terminal:
            app.terminal.line("Nothing due.")
    report_skipped(app, problems)


@click.command()
@click.argument("client")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@header_option
@pass_app
def log(app: App, client: str, as_json: bool, header: bool) -> None:
    """A client's history, oldest first.

    \b
    Example:
      onboard log acme
    """
    from rich.markup import escape

    from onboard.core.state import event_to_dict

    _, _, state, _ = client_context(app, client)
    if as_json:
        app.terminal.json([event_to_dict(e) for e in state.history])
        return
    rows = [[str(e.seq), f"{e.at:%Y-%m-%d %H:%M}", escape(e.by), escape(e.summary)] for e in state.history]
    app.terminal.table([("#", {"justify": "right"}), "when", "who", "what"], rows, header=header)
