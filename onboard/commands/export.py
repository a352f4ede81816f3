"""``onboard export``: the roster, the attendance sheet and the evaluation summary as .xlsx."""

from __future__ import annotations

import click

from onboard.cli import App, pass_app
from onboard.errors import OnboardError
from onboard.workflows import client_context

KINDS = ("roster", "attendance", "eval", "blank-roster")


@click.command()
@click.argument("client")
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "-o", "--output", "output", metavar="DIR", help="Write into DIR (default: the client's out/ folder)."
)
@click.option(
    "--force", is_flag=True, help="Replace a file of the same name instead of writing NAME (2).xlsx."
)
@pass_app
def export(app: App, client: str, kind: str, output: str | None, force: bool) -> None:
    """Write a client's roster, attendance sheet or evaluation summary, named by convention.

    \b
    attendance    the attendance record (Roster-Client-Program-Date-FAC Initials)
    eval          the evaluation summary (Eval-Client-Program-Date-FAC Initials)
    roster        the participant list (Roster-...-Participants)
    blank-roster  the Blank Roster Template

    An existing file is never replaced: the new one is NAME (2).xlsx, unless
    --force is given.

    \b
    Example:
      onboard export acme attendance
      onboard export acme eval -o ~/Desktop
    """
    from onboard.delivery.bulk import collector_paused

    with collector_paused():  # every record of the client is in memory
        _export(app, client, kind, output, force)


def _export(app: App, client: str, kind: str, output: str | None, force: bool) -> None:
    from onboard.core.engine import convention_values
    from onboard.delivery.attendance import roll
    from onboard.delivery.datafiles import load_attendance, load_evaluations, load_roster
    from onboard.delivery.evaluations import summarise
    from onboard.delivery.facts import delivery_info, export_stem, participants
    from onboard.outputs.excel import place, write_attendance, write_eval_summary, write_roster
    from onboard.workflows import output_dir

    store, slug, state, playbook = client_context(app, client)
    folder = store.folder(slug)
    try:
        stem = export_stem(kind, playbook.naming, convention_values(state))
    except OnboardError as exc:
        raise OnboardError(
            f"Cannot name the {kind} file: {exc.message}",
            f"Set facts with `onboard set {slug} course_date=YYYY-MM-DD`, "
            f'the facilitator with `onboard assign {slug} FAC "Full Name"`.',
        ) from None
    console = app.terminal.err
    info = delivery_info(state.name, state.facts, state.roles)
    if kind == "blank-roster":

        def write(path):
            write_roster(path, None)

    elif kind in ("roster", "attendance"):
        roster = load_roster(folder)
        if roster is None or not roster.people:
            raise OnboardError(
                f"No roster for {state.name} yet.",
                f'Import it with `onboard roster {slug} --import "ROSTER.xlsx"`.',
            )
        # the roster needs only the walk-ins of the attendance; the sheet, everyone's
        attendance = load_attendance(folder, roster, only=() if kind == "roster" else None)
        people = roll(roster, attendance)  # the walk-ins too, as counted and sent
        if kind == "roster":

            def write(path):
                write_roster(path, people, console=console)

        else:

            def write(path):
                write_attendance(path, people, info, attendance, console=console)

    else:
        evaluations = load_evaluations(folder)
        if evaluations is None:
            raise OnboardError(
                f"No evaluations for {state.name} yet.",
                f'Import the responses with `onboard eval {slug} --import "RESPONSES.xlsx"`.',
            )
        count, source = participants(folder)
        summary = summarise(evaluations, count, source)

        def write(path):
            write_eval_summary(path, summary, info, evaluations, console=console)

    path = place(output_dir(store, slug, output), stem, write, force=force)
    app.terminal.success(f"Wrote {path}")
    if kind == "attendance":
        app.terminal.hint(f'onboard roster {slug} --attendance "{path}"  (once it is filled in)')
