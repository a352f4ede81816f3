"""``onboard calendar``: due dates as an .ics file."""

from __future__ import annotations

from pathlib import Path

import click

from onboard.cli import App, pass_app


@click.command()
@click.argument("client", required=False)
@click.option(
    "-o",
    "--output",
    metavar="FILE.ics",
    help="Where to write (default: onboard.ics, or the client's folder).",
)
@pass_app
def calendar(app: App, client: str | None, output: str | None) -> None:
    """Write the due dates of one client, or of every client, as an .ics calendar file.

    \b
    Example:
      onboard calendar acme
      onboard calendar -o ~/due.ics
    """
    from onboard.outputs.calendar import build_calendar
    from onboard.storage.atomic import atomic_write
    from onboard.workflows import all_clients, client_context, report_skipped

    if client:
        store, slug, state, playbook = client_context(app, client)
        pairs = [(state, playbook)]
        default = store.folder(slug) / "out" / f"{slug}.ics"
    else:
        pairs, problems = all_clients(app)
        report_skipped(app, problems)
        default = app.workspace().root / "onboard.ics"
    target = Path(output) if output else default
    target.parent.mkdir(parents=True, exist_ok=True)
    data = build_calendar(pairs, app.today(), app.holidays(), stamp=app.now())
    atomic_write(target, data)
    events = data.count(b"BEGIN:VEVENT")
    app.terminal.success(f"Wrote {events} due date(s) to {target}")
