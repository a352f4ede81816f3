"""``onboard roster``: import a roster, record attendance, write the blank template, show it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from onboard.cli import App, pass_app
from onboard.errors import OnboardError
from onboard.workflows import client_context, output_dir, report_problems


@click.command()
@click.argument("client")
@click.option("--import", "import_file", metavar="FILE", help="Import the roster from an .xlsx or .csv file.")
@click.option(
    "--attendance",
    "attendance_file",
    metavar="FILE",
    help="Record attendance from a filled-in attendance sheet or a Zoom/Teams attendance report.",
)
@click.option("--blank", is_flag=True, help="Write the Blank Roster Template to send to the client.")
@click.option(
    "--day", metavar="DATE", help="The course day a meeting report is for (default: its join times)."
)
@click.option(
    "--date-order",
    type=click.Choice(["DMY", "MDY"], case_sensitive=False),
    help="How a meeting report's dates like 03/04/2026 read, when the file does not settle it "
    "(DMY: 3 April; MDY: 4 March). Default: [attendance] date_order in onboard.toml.",
)
@click.option("--skip-invalid", is_flag=True, help="Import the usable rows even when others cannot be used.")
@click.option(
    "-o", "--output", "output", metavar="DIR", help="Where --blank writes (default: the client's out/)."
)
@click.option(
    "--force", is_flag=True, help="Replace a file of the same name instead of writing NAME (2).xlsx."
)
@click.option("--json", "as_json", is_flag=True, help="Print the roster and attendance as JSON.")
@pass_app
def roster(
    app: App,
    client: str,
    import_file: str | None,
    attendance_file: str | None,
    blank: bool,
    day: str | None,
    date_order: str | None,
    skip_invalid: bool,
    output: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Import a client's roster, record attendance, or show them.

    A roster's headers may be in any order and use common names ('E-mail',
    'Surname', 'Full name'...). Every row that cannot be used is listed with
    its row number and reason, and then nothing is stored unless
    --skip-invalid is given. People are de-duplicated by email.

    \b
    Example:
      onboard roster acme --import "Acme roster.xlsx"
      onboard roster acme --blank
      onboard roster acme --attendance "Roster-Acme-Empathy_at_Work-2026.03.16-JD.xlsx"
      onboard roster acme --attendance zoom-participants.csv --day 2026-03-17
      onboard roster acme --attendance teams-attendance.csv --date-order DMY
      onboard roster acme --json
    """
    chosen = [name for name, value in (("--import", import_file), ("--attendance", attendance_file)) if value]
    if blank:
        chosen.append("--blank")
    if len(chosen) > 1:
        raise OnboardError(f"Give one of {', '.join(chosen)} at a time.")
    store, slug, state, _ = client_context(app, client)
    if import_file:
        _import_roster(app, store, slug, Path(import_file), skip_invalid)
    elif attendance_file:
        _import_attendance(
            app, store, slug, state, Path(attendance_file), day, skip_invalid, date_order=date_order
        )
    elif blank:
        from onboard.delivery.facts import BLANK_ROSTER_NAME
        from onboard.outputs.excel import place, write_roster

        path = place(
            output_dir(store, slug, output), BLANK_ROSTER_NAME, lambda p: write_roster(p, None), force=force
        )
        app.terminal.success(f"Wrote {path}")
        app.terminal.hint(f'onboard roster {slug} --import "FILLED-IN ROSTER.xlsx"')
    else:
        _show(app, store, slug, state, as_json)


def _import_roster(app: App, store, slug: str, path: Path, skip_invalid: bool) -> None:
    from onboard.delivery.cells import problems_error
    from onboard.delivery.datafiles import save_roster
    from onboard.delivery.roster import Roster
    from onboard.outputs.excel import import_roster

    result = import_roster(path, console=app.terminal.err)
    people = result.roster.people
    report_problems(app, result.problems)
    if result.problems and not skip_invalid:
        raise problems_error(str(path), result.problems, len(people), "people")
    if not people:
        raise OnboardError(f"{path}: no participants in it; nothing was stored.")
    saved = save_roster(store, slug, Roster(people, str(path), app.now(), app.user()))
    for row, kept, email in result.duplicates:
        app.terminal.info(f"row {row}: {email} is also in row {kept}; merged into row {kept}.")
    for row, what in result.not_people:
        app.terminal.info(f"row {row}: {what}, not a person; skipped.")
    if result.blank_rows:
        app.terminal.info(f"{result.blank_rows} blank row(s) skipped.")
    if result.header.ignored:
        app.terminal.info("Columns not used: " + ", ".join(result.header.ignored))
    extra = []
    if result.duplicates:
        extra.append(f"{len(result.duplicates)} duplicate(s) merged")
    if result.problems:
        extra.append(f"{len(result.problems)} row(s) skipped")
    note = f" ({'; '.join(extra)})" if extra else ""
    app.terminal.success(f"Imported {len(people)} people from {path.name} into {saved}{note}")
    app.terminal.hint(f"onboard export {slug} attendance")


def _parse_day(day: str | None) -> date | None:
    if day is None:
        return None
    try:
        return date.fromisoformat(day)
    except ValueError:
        raise OnboardError(f"--day {day!r} is not a date.", "Write it like 2026-03-16.") from None


def _import_attendance(
    app: App,
    store,
    slug: str,
    state,
    path: Path,
    day: str | None,
    skip_invalid: bool,
    *,
    date_order: str | None = None,
) -> None:
    from onboard.delivery.attendance import AttendanceTally, merge_attendance
    from onboard.delivery.cells import problems_error
    from onboard.delivery.datafiles import load_roster, update_attendance
    from onboard.delivery.facts import delivery_info, start_time
    from onboard.delivery.matching import match_marks
    from onboard.outputs.excel import import_attendance

    roster = load_roster(store.folder(slug))
    if roster is None or not roster.people:
        raise OnboardError(
            f"No roster for {state.name}: attendance is matched against it.",
            f'Import it first: onboard roster {slug} --import "ROSTER.xlsx"',
        )
    info = delivery_info(state.name, state.facts, state.roles)
    if not info.days:
        raise OnboardError(
            f"{state.name} has no course date yet.",
            f"Set it with `onboard set {slug} course_date=YYYY-MM-DD`.",
        )
    imported = import_attendance(
        path,
        info.days,
        day=_parse_day(day),
        date_order=date_order.upper() if date_order else None,
        default_order=app.workspace().settings.date_order,
        console=app.terminal.err,
    )
    report_problems(app, imported.problems)
    if imported.problems and not skip_invalid:
        raise problems_error(str(path), imported.problems, len(imported.marks), "rows")
    if imported.date_order is not None:
        app.terminal.info(f"{path.name}: {imported.date_order}.")
    if not imported.days:
        raise OnboardError(
            f"{path}: no attendance is marked in it (every Present column is blank); nothing was stored.",
            "Fill in Present (Yes or No) for each participant and import it again.",
        )
    holders = [h for h in state.roles.values() if isinstance(h, dict)]
    matching = match_marks(
        imported.marks,
        roster,
        ignore_emails=[str(h.get("email") or "") for h in holders],
        ignore_names=[str(h.get("name") or "") for h in holders],
    )
    if imported.report and not matching.matched:
        raise OnboardError(
            f"{path}: nobody in it matches the roster by email or name; nothing was stored.",
            "Check that it is the report of this client's session.",
        )
    source: dict[str, Any] = {
        "file": str(path),
        "kind": "meeting report" if imported.report else "attendance sheet",
        "days": list(imported.days),
        "at": app.now().replace(microsecond=0),
        "by": app.user(),
    }
    saved, attendance = update_attendance(
        store,
        slug,
        lambda existing: merge_attendance(
            existing, roster, info.days, imported, matching, source, start=start_time(info.times)
        ),
    )
    tally = AttendanceTally.of(attendance, imported.days)
    term = app.terminal
    if matching.ambiguous:
        term.warn(
            "Not recorded: the same name as more than one person on the roster: "
            + ", ".join(m.name for m in matching.ambiguous)
        )
    if imported.report and matching.unmatched:
        term.warn(
            "Not on the roster, not recorded: "
            + ", ".join(m.name or m.email for m in matching.unmatched)
            + ". Add them to the roster and import the report again if they took part."
        )
    if tally.walk_ins.count and not imported.report:
        term.info(f"Walk-ins (not on the roster): {tally.walk_ins}")
    for covered in imported.days:
        absent = tally.absent[covered]
        line = f"{covered:%a %d %b %Y}: {tally.present[covered]} present, {absent.count} absent"
        if absent.count:
            line += f" ({absent})"
        term.line(line)
    term.success(
        f"Recorded attendance from {path.name} into {saved}: "
        f"{tally.attended} took part (present on at least one day)."
    )


def _show(app: App, store, slug: str, state, as_json: bool) -> None:
    from rich.markup import escape

    from onboard.delivery.datafiles import load_attendance, load_roster

    folder = store.folder(slug)
    roster = load_roster(folder)
    attendance = load_attendance(folder)
    records = {p.key: p for p in attendance.people} if attendance else {}
    if as_json:
        app.terminal.json(
            {
                "client": slug,
                "roster": None
                if roster is None
                else {
                    "source": roster.source,
                    "imported_at": roster.imported_at,
                    "imported_by": roster.imported_by,
                    "people": [p.as_dict() for p in roster.people],
                },
                "attendance": None
                if attendance is None
                else {
                    "days": list(attendance.days),
                    "recorded_days": attendance.recorded_days(),
                    "present_count": attendance.present_count(),
                    "people": [
                        {
                            "email": p.email,
                            "name": p.name,
                            "present": sorted(d for d, v in p.present.items() if v),
                            "absent": sorted(d for d, v in p.present.items() if not v),
                            "minutes_late": p.minutes_late,
                            "notes": p.notes,
                            "on_roster": p.on_roster,
                        }
                        for p in attendance.people
                    ],
                },
            }
        )
        return
    term = app.terminal
    if roster is None:
        term.line(f"No roster for {state.name} yet.")
        term.hint(f'onboard roster {slug} --import "ROSTER.xlsx"  (or --blank for the template)')
        return
    days = attendance.recorded_days() if attendance else []
    rows = []
    for number, person in enumerate(roster.people, 1):
        lxp = {True: "yes", False: "no", None: ""}[person.lxp_registered]
        row = [
            str(number),
            escape(person.name),
            escape(person.email),
            escape(person.title),
            escape(person.location),
            lxp,
        ]
        if days:
            record = records.get(person.key)
            marks = [
                "✓" if record and record.present.get(d) else "✗" if record and d in record.present else ""
                for d in days
            ]
            row.append(" ".join(marks))
        rows.append(row)
    columns: list[Any] = [
        ("#", {"justify": "right"}),
        "name",
        "email",
        "title or department",
        "location",
        "LXP",
    ]
    if days:
        columns.append("present " + " ".join(f"{d:%d/%m}" for d in days))
    imported = f" (from {roster.source}, {roster.imported_at:%Y-%m-%d %H:%M})" if roster.imported_at else ""
    term.table(
        columns,
        rows,
        title=f"{state.name}: {len(roster.people)} on the roster{imported}",
        fit="title or department",
    )
    if attendance and days:
        term.line(f"{attendance.present_count()} took part (present on at least one day).")
