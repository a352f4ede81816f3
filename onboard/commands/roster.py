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
    if import_file or attendance_file:
        from onboard.delivery.bulk import collector_paused

        with collector_paused():
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
    from onboard.core.engine import record
    from onboard.delivery.cells import problems_error
    from onboard.delivery.datafiles import load_roster, store_roster
    from onboard.delivery.roster import Roster
    from onboard.outputs.excel import import_roster

    result = import_roster(path, console=app.terminal.err)
    people = result.roster.people
    report_problems(app, result.problems)
    if result.problems and not skip_invalid:
        raise problems_error(str(path), result.problems, len(people), "people")
    if not people:
        raise OnboardError(f"{path}: no participants in it; nothing was stored.")
    with store.transaction(slug) as tx:
        folder = store.folder(slug)
        before = load_roster(folder)
        if before is not None and before.people == people:
            app.terminal.success(
                f"{path.name}: the roster already holds these {len(people)} people; nothing changed."
            )
            return
        change = store_roster(folder, Roster(people, path.name, app.now(), app.user()))
        summary = f"roster from {path.name}: {_roster_change(before, people)}"
        tx.commit(
            record(
                tx.state,
                action="import",
                summary=summary,
                now=app.now(),
                by=app.user(),
                records=change.as_event(),
            )
        )
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
    app.terminal.success(
        f"Imported {len(people)} people from {path.name} into {folder / 'roster.jsonl'}{note}"
    )
    app.terminal.hint(f"onboard export {slug} attendance")


def _roster_change(before, people) -> str:
    """'+7 people', or '+1, -2, 3 changed (now 6 people)'."""
    if before is None:
        return f"+{len(people)} {'person' if len(people) == 1 else 'people'}"
    old = {p.key: p for p in before.people}
    new = {p.key: p for p in people}
    parts = [f"+{sum(1 for k in new if k not in old)}", f"-{sum(1 for k in old if k not in new)}"]
    changed = sum(1 for k, v in new.items() if k in old and old[k] != v)
    if changed:
        parts.append(f"{changed} changed")
    return ", ".join(parts) + f" (now {len(people)} {'person' if len(people) == 1 else 'people'})"


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
    from onboard.core.engine import record
    from onboard.delivery.attendance import (
        REPORT,
        SHEET,
        AttendanceRecords,
        Source,
        change_summary,
        count,
        listing,
        merge,
        observations_of,
        roll,
        source_id,
    )
    from onboard.delivery.cells import problems_error
    from onboard.delivery.datafiles import (
        ATTENDANCE_FILE,
        RecordsChange,
        load_attendance_records,
        load_roster,
        store_attendance,
    )
    from onboard.delivery.facts import delivery_info, start_time
    from onboard.delivery.matching import match_marks
    from onboard.delivery.roster import Roster
    from onboard.outputs.excel import import_attendance

    folder = store.folder(slug)
    roster = load_roster(folder)
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
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
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
    source = Source(
        id=source_id(content, imported.days),
        kind=REPORT if imported.report else SHEET,
        file=path.name,
        days=tuple(imported.days),
        at=app.now().replace(microsecond=0),
        by=app.user(),
        platform=imported.platform if imported.report else "",
    )
    term = app.terminal
    with store.transaction(slug) as tx:
        records = load_attendance_records(folder) or AttendanceRecords(tuple(info.days))
        kept = records.source(source.id)
        if kept is not None:
            when = f" on {kept.at:%Y-%m-%d %H:%M}" if kept.at else ""
            who = f" by {kept.by}" if kept.by else ""
            term.success(f"{path.name} was imported already{when}{who} ({kept.label}); nothing changed.")
            return
        named = match_marks(imported.marks, roster).matched  # before, only they can change
        before = merge(records, roster, only={p.key for _, p in named}) if records.sources else None
        everyone = Roster(roll(roster, before))
        marks_before = {p.key: p.present for p in before.people} if before is not None else {}
        del before  # 50,000 records: the marks are all the summary needs
        matching = match_marks(
            imported.marks,
            everyone,
            ignore_emails=[str(h.get("email") or "") for h in holders],
            ignore_names=[str(h.get("name") or "") for h in holders],
        )
        if imported.report and not matching.matched:
            raise OnboardError(
                f"{path}: nobody in it matches the roster by email or name; nothing was stored.",
                "Check that it is the report of this client's session.",
            )
        start = start_time(info.times) if imported.report and len(info.days) == 1 else None
        observations = observations_of(imported, source.id, skip=matching.ignored, start=start)
        del named, everyone, matching  # 50,000 rows: the observations say it all from here
        imported.marks.clear()
        records = records.with_source(source, observations, info.days)
        after = merge(records, roster)
        store_attendance(folder, records)
        tx.commit(
            record(
                tx.state,
                action="import",
                summary=change_summary(marks_before, after, source),
                now=app.now(),
                by=app.user(),
                records=RecordsChange(ATTENDANCE_FILE, source=source.id).as_event(),
            )
        )
    counts = count(roster, after, imported.days)
    ours = [o for o in after.ambiguous if o.source == source.id]
    if ours:
        term.warn(
            "Not recorded: the same name as more than one person on the roster: "
            + listing([o.name for o in ours])
        )
    unknown = [u for u in after.unknown if source.id in u.sources]
    if unknown:
        term.warn(
            "Not on the roster, not counted: "
            + listing([u.name or u.email for u in unknown])
            + ". If they took part, add them to the attendance sheet (or the roster) and import it again."
        )
    new_walk_ins = [r.name or r.email for r in after.people if not r.on_roster and r.key not in marks_before]
    if new_walk_ins:
        term.info(f"Walk-ins (added to the roster): {listing(new_walk_ins)}")
    for covered in imported.days:
        absent = counts.absent[covered]
        line = f"{covered:%a %d %b %Y}: {counts.present[covered]} present, {len(absent)} absent"
        if absent:
            line += f" ({listing(absent)})"
        term.line(line)
    disagreements = [d for d in after.disagreements if d.day in imported.days]
    if disagreements:
        term.warn(
            f"{len(disagreements)} disagreement(s) between sources (the attendance sheet decides where it speaks):"
        )
        for item in disagreements:
            term.line(f"  {after.describe(item)}")
    others = [s.label for s in after.sources if s.id != source.id and set(s.days) & set(imported.days)]
    merged = f", merged with {listing(others, 3)}" if others else ""
    term.success(
        f"Recorded attendance from {source.label}{merged} into {folder / ATTENDANCE_FILE}: "
        f"{counts.took_part} took part (present on at least one day)."
    )


def _show(app: App, store, slug: str, state, as_json: bool) -> None:
    from rich.markup import escape

    from onboard.delivery.attendance import count, listing, roll
    from onboard.delivery.datafiles import load_attendance, load_roster

    folder = store.folder(slug)
    roster = load_roster(folder)
    attendance = load_attendance(folder, roster)
    people = roll(roster, attendance)
    counts = count(roster, attendance)
    records = attendance.by_key() if attendance else {}
    if as_json:
        app.terminal.json(_as_json(slug, roster, attendance, people, counts))
        return
    term = app.terminal
    if roster is None:
        term.line(f"No roster for {state.name} yet.")
        term.hint(f'onboard roster {slug} --import "ROSTER.xlsx"  (or --blank for the template)')
        return
    days = attendance.recorded_days() if attendance else []
    rows = []
    for number, person in enumerate(people, 1):
        lxp = {True: "yes", False: "no", None: ""}[person.lxp_registered]
        record = records.get(person.key)
        name = escape(person.name) + (" (walk-in)" if record is not None and not record.on_roster else "")
        row = [str(number), name, escape(person.email), escape(person.title), escape(person.location), lxp]
        if days:
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
    walk_ins = f" and {len(counts.walk_ins)} walk-in(s)" if counts.walk_ins else ""
    term.table(
        columns,
        rows,
        title=f"{state.name}: {len(roster.people)} on the roster{walk_ins}{imported}",
        fit="title or department",
    )
    if attendance and days:
        term.line(f"{counts.took_part} took part (present on at least one day).")
        term.line("From " + listing([escape(s.label) for s in attendance.sources], 5) + ".")
        for item in attendance.disagreements:
            term.warn(escape(attendance.describe(item)))
        if attendance.unknown:
            term.warn(
                "Not on the roster, not counted: "
                + escape(listing([u.name or u.email for u in attendance.unknown]))
            )


def _as_json(slug: str, roster, attendance, people, counts) -> dict[str, Any]:
    """``roster --json``: the roster with its walk-ins, the merged attendance with where each value
    came from, the sources, the disagreements and the counts."""
    if attendance is None:
        shown = None
    else:
        label = attendance.label
        shown = {
            "days": list(attendance.days),
            "recorded_days": attendance.recorded_days(),
            "present_count": counts.took_part,
            "counts": {
                "took_part": counts.took_part,
                "present": {d.isoformat(): n for d, n in counts.present.items()},
                "absent": {d.isoformat(): list(n) for d, n in counts.absent.items()},
                "walk_ins": list(counts.walk_ins),
                "on_roster": counts.on_roster,
            },
            "sources": [
                {
                    "id": s.id,
                    "kind": s.kind,
                    "platform": s.platform,
                    "file": s.file,
                    "days": list(s.days),
                    "imported_at": s.at,
                    "imported_by": s.by,
                }
                for s in attendance.sources
            ],
            "people": [
                {
                    "email": p.email,
                    "name": p.name,
                    "present": sorted(d for d, v in p.present.items() if v),
                    "absent": sorted(d for d, v in p.present.items() if not v),
                    "decided_by": {
                        d.isoformat(): [label(i) for i in ids] for d, ids in sorted(p.decided_by.items())
                    },
                    "minutes_late": p.minutes_late,
                    "minutes_late_from": label(p.late_from) if p.late_from else None,
                    "notes": p.notes,
                    "notes_from": label(p.notes_from) if p.notes_from else None,
                    "on_roster": p.on_roster,
                    "walk_in_from": label(p.walk_in_from) if p.walk_in_from else None,
                }
                for p in attendance.people
            ],
            "disagreements": [
                {
                    "name": d.name,
                    "key": d.key,
                    "day": d.day,
                    "kept": d.kept,
                    "kept_from": label(d.kept_from),
                    "other": d.other,
                    "other_from": label(d.other_from),
                    "row": d.row,
                    "text": attendance.describe(d),
                }
                for d in attendance.disagreements
            ],
            "not_on_roster": [
                {"name": u.name, "email": u.email, "seen_by": [label(i) for i in u.sources]}
                for u in attendance.unknown
            ],
        }
    return {
        "client": slug,
        "roster": None
        if roster is None
        else {
            "source": roster.source,
            "imported_at": roster.imported_at,
            "imported_by": roster.imported_by,
            "people": [
                {**p.as_dict(), **({"walk_in": True} if i >= len(roster.people) else {})}
                for i, p in enumerate(people)
            ],
        },
        "attendance": shown,
    }
