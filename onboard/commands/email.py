"""``onboard email``: a client's emails, to paste, to a file or as an .eml draft.

Saving and showing the emails of a finished step is
:func:`onboard.workflows.announce_emails`. Jinja is imported only when an
email is actually rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from onboard.cli import App, pass_app
from onboard.errors import OnboardError
from onboard.workflows import (
    addresses,
    client_context,
    emails_for,
    render_email,
    warn_incomplete,
    write_file,
)


@click.command()
@click.argument("client")
@click.argument("template", required=False)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write the text (subject on the first line) to FILE instead of printing it.",
)
@click.option(
    "--eml",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write an .eml draft (plain text, HTML and the files it attaches) that a mail client opens.",
)
@click.option("--json", "as_json", is_flag=True, help="With no TEMPLATE: print the list as JSON.")
@pass_app
def email(
    app: App,
    client: str,
    template: str | None,
    output: str | None,
    eml: str | None,
    as_json: bool,
) -> None:
    """Render one of a client's emails, or list the emails of its playbook.

    The text goes to stdout, plain, ready to paste: the subject on the first
    line, a blank line, the body, then the files to attach. Every value comes
    from the client; if one is missing, the command names each and says how
    to set it, and writes nothing. Any email can be rendered at any time,
    before its step is done.

    \b
    Example:
      onboard email acme                          (list; ▶ = sent by a step you can do now)
      onboard email acme date-request
      onboard email acme date-request -o date-request.txt
      onboard email acme date-request --eml date-request.eml
    """
    store, _, state, playbook = client_context(app, client)
    emails = emails_for(app)
    if template is None:
        if output or eml:
            raise click.UsageError("-o and --eml need a TEMPLATE.")
        _list(app, emails, playbook, state, store.folder(state.slug), as_json)
        return
    if as_json:
        raise click.UsageError("--json lists the templates; leave out TEMPLATE.")
    rendered = render_email(app, emails, playbook, state, template)
    eml_bytes = rendered.to_bytes() if eml else None
    if output:
        write_file(Path(output), rendered.as_text().encode("utf-8"))
        app.terminal.success(f"Wrote {output}")
    if eml and eml_bytes is not None:
        write_file(Path(eml), eml_bytes)
        attached = f", {len(rendered.files)} file(s) attached" if rendered.files else ""
        app.terminal.success(f"Wrote {eml} (open it in your mail client; it is a draft{attached})")
    if not (output or eml):
        click.echo(rendered.as_text(), nl=False)
        _recipients_note(app, rendered)
    else:
        warn_incomplete(app, rendered)


def _recipients_note(app: App, rendered) -> None:
    """Who the email goes to, and what is missing, on stderr so that stdout stays ready to paste."""
    for label, recipients in (("To", rendered.to), ("Cc", rendered.cc), ("Bcc", rendered.bcc)):
        if any(r.address for r in recipients):
            app.terminal.info(f"{label}: {addresses(recipients)}")
    warn_incomplete(app, rendered)


def _list(app: App, emails, playbook, state, folder: Path, as_json: bool) -> None:
    from rich.markup import escape

    from onboard.core.engine import NA, overview

    ov = overview(playbook, state, app.today(), app.holidays())
    current = {name for view in ov.actionable for name in view.step.emails}
    steps: dict[str, list[Any]] = {}
    for view in ov.steps:
        for name in view.step.emails:
            steps.setdefault(name, []).append(view)
    names = list(steps) + [n for n in emails.names(playbook.id) if n not in steps]
    rows: list[dict[str, Any]] = []
    for name in names:
        views = steps.get(name, [])
        entry: dict[str, Any] = {
            "name": name,
            "steps": [v.step.id for v in views],
            "current": name in current,
            "applies": not views or any(v.status != NA for v in views),
            "ready": False,
            "missing": [],
        }
        if emails.find(playbook.id, name) is None:
            entry["error"] = "no template"
        else:
            try:
                entry["missing"] = emails.missing(playbook, state, name, app.today(), app.holidays(), folder)
                entry["ready"] = not entry["missing"]
            except OnboardError as exc:
                entry["error"] = exc.message
        rows.append(entry)
    if as_json:
        app.terminal.json(rows)
        return
    table = []
    for entry in rows:
        if "error" in entry:
            ready = f"[red]{escape(entry['error'])}[/]"
        elif entry["ready"]:
            ready = "[green]ready[/]"
        else:
            ready = "[yellow]needs[/] " + escape(", ".join(entry["missing"]))
        sent_by = ", ".join(entry["steps"]) or "[dim](any time)[/]"
        if not entry["applies"]:
            sent_by += " [dim](n/a)[/]"
        mark = "[bold cyan]▶[/]" if entry["current"] else ""
        table.append([mark, escape(entry["name"]), sent_by, ready])
    app.terminal.table(
        ["", "email", "sent by step", "ready"],
        table,
        title=f"Emails for {state.name} ({playbook.id})",
        fit="ready",
    )
    if current:
        app.terminal.print("[dim]▶ sent by a step you can do now.[/]")
    app.terminal.hint(f"onboard email {state.slug} NAME")
