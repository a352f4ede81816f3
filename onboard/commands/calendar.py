"""``onboard calendar``: session days and due dates as an .ics file."""

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
    """Write the session days and due dates of one client, or of every client, as an .ics file.

    Each session day is a timed event in its time zone with the meeting link
    or venue; each due date an all-day item with a reminder. Importing a newer
    file updates the events rather than adding copies.

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
    settings = app.workspace().settings
    built = build_calendar(pairs, app.today(), settings.holidays, stamp=app.now(), timezone=settings.timezone)
    atomic_write(target, built.data)
    for problem in built.problems:
        app.terminal.warn(problem)
    app.terminal.success(
        f"Wrote {built.sessions} session day(s) and {built.due_dates} due date(s) to {target}"
    )
