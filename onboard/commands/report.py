"""``onboard report``: the portfolio as one HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from onboard.cli import App, pass_app


@click.command()
@click.option(
    "-o", "--output", metavar="FILE.html", help="Where to write (default: report.html in the workspace)."
)
@click.option("--as-of", metavar="DATE", help="Draw the portfolio as it stands on DATE.")
@pass_app
def report(app: App, output: str | None, as_of: str | None) -> None:
    """Write one self-contained HTML page: a timeline per client, then the agenda.

    The page is titled with the workspace's name (onboard.toml, [workspace]
    name); every mark on a timeline is numbered and listed under it, and the
    course or other key dates are drawn. It prints (landscape, a client per
    block, readable in black and white).

    \b
    Example:
      onboard report -o portfolio.html
    """
    from onboard.outputs.report import build_report, render_report
    from onboard.storage.atomic import atomic_write
    from onboard.workflows import all_clients, report_skipped

    pairs, problems = all_clients(app)
    report_skipped(app, problems)
    built = build_report(pairs, app.today(as_of), app.holidays(), title=app.workspace().settings.name)
    target = Path(output) if output else app.workspace().root / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, render_report(built).encode("utf-8"))
    app.terminal.success(f"Wrote {target} ({len(built.timelines)} clients, {len(built.agenda)} agenda items)")
