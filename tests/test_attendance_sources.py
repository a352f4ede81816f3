"""Attendance from every source, merged, never replaced (issue 12, points 2, 3 and 7).

Fabrikam's course on Fri 3 April 2026 (tests/fixtures/README.md): the
facilitator's sheet, a Zoom report and a UK Teams report for the same day.
The sheet decides where it speaks, a report fills what it does not: present
Ann, Jürgen, Zoë, Ross, Tomás (a walk-in) and Kwame (blank on the sheet,
in Teams); absent Pieter (Zoom disagrees) and Siobhán.
"""

from __future__ import annotations

import itertools
import json
import tomllib
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onboard.delivery.attendance import (
    REPORT,
    SHEET,
    AttendanceRecords,
    Source,
    count,
    merge,
    observations_of,
    roll,
    source_id,
)
from onboard.delivery.matching import match_marks
from onboard.outputs import excel

FIXTURES = Path(__file__).parent / "fixtures"
DAY = date(2026, 4, 3)
SHEET_FILE = FIXTURES / "attendance-facilitator-fabrikam.xlsx"
ZOOM_FILE = FIXTURES / "attendance-zoom-fabrikam.csv"
TEAMS_FILE = FIXTURES / "attendance-teams-uk-fabrikam.csv"
ROSTER_FILE = FIXTURES / "roster-values.csv"
SLUG = "fabrikam"
PRESENT = {
    "ann.lee@fabrikam.example",
    "jurgen.muller@fabrikam.example",
    "zoe.angstrom@fabrikam.example",
    "ross.mcdonald@fabrikam.example",
    "kwame.mensah@fabrikam.example",
    "tomas.ruiz@fabrikam.example",
}
ABSENT = {"pieter.vanderberg@fabrikam.example", "siobhan.oneill@fabrikam.example"}


# ---------------------------------------------------------------- the rule, from the real files


@pytest.fixture(scope="module")
def roster():
    return excel.import_roster(ROSTER_FILE).roster


@pytest.fixture(scope="module")
def sources(roster):
    """The three files read as onboard reads them: (kind, file, the import), the facilitator's rows set aside."""
    found = {}
    for name, path in (("sheet", SHEET_FILE), ("zoom", ZOOM_FILE), ("teams", TEAMS_FILE)):
        order = "DMY" if name == "teams" else None  # a UK tenant's export; the file cannot tell
        imported = excel.import_attendance(path, (DAY,), date_order=order)
        ignored = match_marks(
            imported.marks,
            roster,
            ignore_emails=["dana.whitfield@iw.example"],
            ignore_names=["Dana Whitfield"],
        ).ignored
        kind = REPORT if imported.report else SHEET
        ident = source_id(path.read_bytes(), imported.days)
        start = time(9) if imported.report else None
        rows = observations_of(imported, ident, skip=ignored, start=start)
        found[name] = (Source(ident, kind, path.name, imported.days, platform=imported.platform), rows)
    return found


def imported_in(order, sources):
    """The records after importing the sources in ``order``, an hour apart."""
    records = AttendanceRecords((DAY,))
    for hour, name in enumerate(order):
        source, rows = sources[name]
        records = records.with_source(replace(source, at=datetime(2026, 4, 3, 14 + hour)), rows, (DAY,))
    return records


def outcome(attendance):
    """What the merged attendance says, without when each source was imported."""
    return (attendance.people, attendance.disagreements, attendance.unknown, attendance.ambiguous)


def test_the_three_sources_merge_by_the_rule(roster, sources):
    attendance = merge(imported_in(["sheet", "zoom", "teams"], sources), roster)
    people = {p.key: p for p in attendance.people}
    assert {k for k, p in people.items() if p.attended} == PRESENT
    assert {k for k, p in people.items() if p.present == {DAY: False}} == ABSENT
    label = attendance.label
    sheet, zoom, teams = (sources[n][0].id for n in ("sheet", "zoom", "teams"))
    kwame = people["kwame.mensah@fabrikam.example"]
    assert kwame.decided_by == {DAY: (teams,)}, "blank on the sheet: Teams fills it"
    assert kwame.minutes_late == 20 and label(kwame.late_from).startswith("Teams report")
    jurgen = people["jurgen.muller@fabrikam.example"]
    assert (jurgen.minutes_late, jurgen.notes) == (15, "Left at break")
    assert jurgen.late_from == jurgen.notes_from == sheet
    zoe = people["zoe.angstrom@fabrikam.example"]
    assert (zoe.minutes_late, zoe.late_from) == (2, zoom), "the sheet gives none: the earliest join"
    tomas = people["tomas.ruiz@fabrikam.example"]
    assert not tomas.on_roster and tomas.walk_in_from == sheet and tomas.minutes_late == 5
    (pieter,) = attendance.disagreements
    assert (pieter.name, pieter.kept, pieter.kept_from, pieter.other, pieter.other_from) == (
        "Pieter van der Berg",
        False,
        sheet,
        True,
        zoom,
    )
    assert attendance.describe(pieter) == (
        "Pieter van der Berg, Fri 03 Apr 2026: absent by attendance sheet attendance-facilitator-fabrikam.xlsx; "
        "present by Zoom report attendance-zoom-fabrikam.csv (row 9). Kept absent."
    )
    assert people["siobhan.oneill@fabrikam.example"].notes == "Sick"
    assert not attendance.unknown and not attendance.ambiguous
    counts = count(roster, attendance)
    assert (counts.took_part, counts.present[DAY], counts.walk_ins, counts.on_roster) == (
        6,
        6,
        ("Tomás Ruiz",),
        8,
    )
    assert counts.absent[DAY] == ("Pieter van der Berg", "Siobhán O'Neill")
    assert (counts.participants, counts.participants_from) == (6, "attendance")
    assert [p.email for p in roll(roster, attendance)][-1] == "tomas.ruiz@fabrikam.example"


@settings(max_examples=12, deadline=None)
@given(order=st.permutations(["sheet", "zoom", "teams"]), upto=st.integers(1, 3))
def test_the_sources_in_any_order_give_the_same_result(roster, sources, order, upto):
    chosen = order[:upto]
    merged = outcome(merge(imported_in(chosen, sources), roster))
    assert merged == outcome(merge(imported_in(sorted(chosen), sources), roster))


def test_merging_for_a_few_people_gives_their_records_and_every_walk_in(roster, sources):
    records = imported_in(["sheet", "zoom", "teams"], sources)
    everyone = merge(records, roster)
    few = merge(records, roster, only={"kwame.mensah@fabrikam.example"})
    assert [p.key for p in few.people] == ["kwame.mensah@fabrikam.example", "tomas.ruiz@fabrikam.example"]
    assert list(few.people) == [p for p in everyone.people if p.key in {p.key for p in few.people}]
    assert [p.email for p in roll(roster, merge(records, roster, only=()))] == [
        p.email for p in roll(roster, everyone)
    ]


def test_every_order_of_the_three_gives_one_result(roster, sources):
    results = {repr(outcome(merge(imported_in(o, sources), roster))) for o in itertools.permutations(sources)}
    assert len(results) == 1


def test_a_later_sheet_corrects_an_earlier_one_and_the_disagreement_is_listed(roster, sources, tmp_path):
    wb = openpyxl.load_workbook(SHEET_FILE)
    ws = wb.active
    assert ws["C15"].value == "van der Berg"
    ws["H15"] = "Yes"  # Pieter came after all
    corrected = tmp_path / "attendance-corrected.xlsx"
    wb.save(corrected)
    imported = excel.import_attendance(corrected, (DAY,))
    ident = source_id(corrected.read_bytes(), imported.days)
    later = Source(ident, SHEET, corrected.name, imported.days, datetime(2026, 4, 4, 9))
    records = imported_in(["sheet", "zoom"], sources).with_source(
        later, observations_of(imported, ident), (DAY,)
    )
    attendance = merge(records, roster)
    pieter = attendance.by_key()["pieter.vanderberg@fabrikam.example"]
    assert pieter.present == {DAY: True} and pieter.decided_by == {DAY: (ident,)}
    (told,) = attendance.disagreements
    assert (told.kept_from, told.other_from, told.other) == (ident, sources["sheet"][0].id, False)


@pytest.mark.parametrize("ids", [("a", "z"), ("z", "a")])
def test_of_two_sheets_imported_in_the_same_second_the_one_added_later_decides(roster, ids):
    imported = excel.import_attendance(SHEET_FILE, (DAY,))
    rows = observations_of(imported, ids[0])
    pieter = next(o for o in rows if o.email.startswith("pieter"))
    corrected = [
        replace(o, source=ids[1], present={DAY: True}) if o is pieter else replace(o, source=ids[1])
        for o in rows
    ]
    at = datetime(2026, 4, 3, 15)
    records = AttendanceRecords((DAY,))
    records = records.with_source(Source(ids[0], SHEET, "first.xlsx", (DAY,), at), rows, (DAY,))
    records = records.with_source(Source(ids[1], SHEET, "second.xlsx", (DAY,), at), corrected, (DAY,))
    attendance = merge(records, roster)
    assert attendance.by_key()["pieter.vanderberg@fabrikam.example"].present == {DAY: True}
    assert [s.file for s in attendance.sources] == ["first.xlsx", "second.xlsx"]


def test_nobody_seen_on_a_covered_day_is_absent_and_a_report_only_stranger_is_listed_not_counted(
    roster, tmp_path
):
    report = tmp_path / "zoom.csv"
    report.write_text(
        "Name (Original Name),User Email,Join Time\n"
        "Ann Lee,ann.lee@fabrikam.example,04/03/2026 09:00:00 AM\n"
        "iPhone,,04/03/2026 09:01:00 AM\n"
    )
    imported = excel.import_attendance(report, (DAY,))
    source = Source("z", REPORT, "zoom.csv", imported.days)
    attendance = merge(
        AttendanceRecords((DAY,)).with_source(source, observations_of(imported, "z"), (DAY,)), roster
    )
    assert count(roster, attendance).took_part == 1
    assert len(attendance.absentees(DAY)) == 6
    assert [(u.name, u.sources) for u in attendance.unknown] == [("iPhone", ("z",))]


# ---------------------------------------------------------------- through the command line


def said(text, output):
    return " ".join(text.split()) in " ".join(output.split())


@pytest.fixture
def fabrikam(fabrikam, run):
    """The shared Fabrikam (conftest) with its course day, facilitator and roster."""
    assert run("set", SLUG, "course_date=2026-04-03", "course_time=09:00-12:00").exit_code == 0
    assert run("assign", SLUG, "FAC", "Dana Whitfield", "--email", "dana.whitfield@iw.example").exit_code == 0
    assert run("roster", SLUG, "--import", str(ROSTER_FILE)).exit_code == 0
    return fabrikam


def history(folder):
    return tomllib.loads((folder / "client.toml").read_text(encoding="utf-8"))["history"]


def test_importing_the_same_file_again_changes_nothing(run, fabrikam):
    first = run("roster", SLUG, "--attendance", str(ZOOM_FILE))
    assert first.exit_code == 0, first.output
    stored = (fabrikam / "attendance.jsonl").read_bytes()
    events = len(history(fabrikam))
    again = run("roster", SLUG, "--attendance", str(ZOOM_FILE))
    assert again.exit_code == 0, again.output
    assert said("attendance-zoom-fabrikam.csv was imported already on", again.output)
    assert said("nothing changed", again.output)
    assert (fabrikam / "attendance.jsonl").read_bytes() == stored
    assert len(history(fabrikam)) == events
    roster_again = run("roster", SLUG, "--import", str(ROSTER_FILE))
    assert roster_again.exit_code == 0 and said("already holds these 7 people", roster_again.output)
    assert len(history(fabrikam)) == events


def test_each_import_is_kept_merged_reported_and_shown_with_its_source(run, fabrikam):
    sheet = run("roster", SLUG, "--attendance", str(SHEET_FILE))
    assert sheet.exit_code == 0, sheet.output
    assert said("Walk-ins (added to the roster): Tomás Ruiz", sheet.output)
    assert said("Fri 03 Apr 2026: 5 present, 3 absent", sheet.output), "Kwame: nobody saw him yet"
    zoom = run("roster", SLUG, "--attendance", str(ZOOM_FILE))
    assert said("1 disagreement(s) between sources", zoom.output)
    assert said("Pieter van der Berg, Fri 03 Apr 2026: absent by attendance sheet", zoom.output)
    assert "Not on the roster" not in zoom.output, "Tomás in Zoom is the sheet's walk-in"
    teams = run("roster", SLUG, "--attendance", str(TEAMS_FILE), "--date-order", "DMY")
    assert teams.exit_code == 0, teams.output
    assert said("Fri 03 Apr 2026: 6 present, 2 absent (Pieter van der Berg, Siobhán O'Neill)", teams.output)
    assert said(
        "merged with attendance sheet attendance-facilitator-fabrikam.xlsx, Zoom report", teams.output
    )
    assert said("6 took part", teams.output)
    data = json.loads(run("roster", SLUG, "--json").output)
    shown = data["attendance"]
    assert [(s["kind"], s["platform"]) for s in shown["sources"]] == [
        ("sheet", ""),
        ("report", "Zoom"),
        ("report", "Teams"),
    ]
    people = {p["email"]: p for p in shown["people"]}
    assert people["kwame.mensah@fabrikam.example"]["decided_by"] == {
        "2026-04-03": ["Teams report attendance-teams-uk-fabrikam.csv"]
    }
    assert people["jurgen.muller@fabrikam.example"]["notes_from"] == (
        "attendance sheet attendance-facilitator-fabrikam.xlsx"
    )
    assert [d["name"] for d in shown["disagreements"]] == ["Pieter van der Berg"]
    assert shown["counts"]["took_part"] == shown["present_count"] == 6
    assert data["roster"]["people"][-1] == {
        "first_name": "Tomás",
        "last_name": "Ruiz",
        "email": "tomas.ruiz@fabrikam.example",
        "title": "",
        "location": "",
        "notes": "Walk-in, seen by attendance sheet attendance-facilitator-fabrikam.xlsx",
        "walk_in": True,
    }
    table = run("roster", SLUG)
    assert said("Tomás Ruiz (walk-in)", table.output) and said("6 took part", table.output)
    log = run("log", SLUG).output
    assert said("roster from roster-values.csv: +7 people", log)
    assert said(
        "attendance from attendance sheet attendance-facilitator-fabrikam.xlsx: Fri 03 Apr: 5 present, 3 absent",
        log,
    )
    assert said(
        "attendance from Teams report attendance-teams-uk-fabrikam.csv: Fri 03 Apr: 6 present, 2 absent (+Kwame Mensah)",
        log,
    )


def test_the_exported_sheet_lists_the_walk_in_and_reads_back_the_same(run, fabrikam):
    for args in ([str(SHEET_FILE)], [str(ZOOM_FILE)], [str(TEAMS_FILE), "--date-order", "DMY"]):
        assert run("roster", SLUG, "--attendance", *args).exit_code == 0
    result = run("export", SLUG, "attendance")
    assert result.exit_code == 0, result.output
    (sheet,) = (fabrikam / "out").glob("Roster-*.xlsx")
    ws = openpyxl.load_workbook(sheet).active
    rows = {ws.cell(r, 4).value: ws.cell(r, 8).value for r in range(11, 19)}
    assert {e for e, v in rows.items() if v == "Yes"} == {
        e for e in PRESENT if e != "ross.mcdonald@fabrikam.example"
    } | {"Ross.McDonald@Fabrikam.example"}
    assert ws["A18"].value == 8 and ws["B18"].value == "Tomás" and ws["A20"].value == "Totals"
    assert run("export", SLUG, "roster").exit_code == 0
    (participants,) = (fabrikam / "out").glob("*-Participants.xlsx")
    emails = [
        row[2] for row in openpyxl.load_workbook(participants).active.iter_rows(min_row=2, values_only=True)
    ]
    assert len(emails) == 8 and emails[-1] == "tomas.ruiz@fabrikam.example", (
        "the roster and its walk-in, once"
    )
    before = json.loads(run("roster", SLUG, "--json").output)["attendance"]["counts"]
    again = run("roster", SLUG, "--attendance", str(sheet))
    assert again.exit_code == 0, again.output
    assert json.loads(run("roster", SLUG, "--json").output)["attendance"]["counts"] == before


def test_undo_takes_an_import_back_out_of_the_records(run, fabrikam):
    roster = fabrikam / "roster.jsonl"
    assert run("roster", SLUG, "--attendance", str(SHEET_FILE)).exit_code == 0
    with_sheet = (fabrikam / "attendance.jsonl").read_bytes()
    assert run("roster", SLUG, "--attendance", str(ZOOM_FILE)).exit_code == 0
    undone = run("undo", SLUG)
    assert undone.exit_code == 0, undone.output
    assert said("Undid #", undone.output) and said("attendance from Zoom report", undone.output)
    assert said("removed its attendance source", undone.output)
    assert (fabrikam / "attendance.jsonl").read_bytes() == with_sheet, "as it was before the import"
    assert history(fabrikam)[-1]["records"]["file"] == "attendance.jsonl"

    smaller = fabrikam.parent.parent / "smaller.csv"
    smaller.write_text(
        "".join(ROSTER_FILE.read_text(encoding="utf-8").splitlines(keepends=True)[:4]), encoding="utf-8"
    )
    first = roster.read_bytes()
    changed = run("roster", SLUG, "--import", str(smaller))
    assert changed.exit_code == 0, changed.output
    assert said("roster from smaller.csv: +0, -4 (now 3 people)", run("log", SLUG).output)
    assert said("brought back the roster.jsonl it replaced", run("undo", SLUG).output)
    assert roster.read_bytes() == first

    run("undo", SLUG)  # the sheet
    header = json.loads((fabrikam / "attendance.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert header["sources"] == [], "no source left"
    assert said("removed roster.jsonl", run("undo", SLUG).output), "the first roster import"
    assert not roster.exists()
    assert said("No roster for Fabrikam", run("roster", SLUG).output)


def test_undo_of_an_evaluation_import_brings_back_the_responses_before(run, fabrikam, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("Q1,Q2\n5,4\n4,4\n")
    second.write_text("Q1,Q2\n1,2\n")
    assert run("eval", SLUG, "--import", str(first)).exit_code == 0
    kept = (fabrikam / "evals.toml").read_bytes()
    assert run("eval", SLUG, "--import", str(second)).exit_code == 0
    assert said("evaluations from second.csv: 1 responses (replacing 2)", run("log", SLUG).output)
    assert said("brought back the evals.toml it replaced", run("undo", SLUG).output)
    assert (fabrikam / "evals.toml").read_bytes() == kept


def test_an_import_without_its_kept_version_cannot_be_undone_and_says_why(run, fabrikam):
    import shutil

    changed = fabrikam.parent.parent / "one.csv"
    changed.write_text("First name,Last name,Email\nAnn,Lee,ann.lee@fabrikam.example\n", encoding="utf-8")
    assert run("roster", SLUG, "--import", str(changed)).exit_code == 0
    shutil.rmtree(fabrikam / ".backup" / "records")
    (fabrikam / "roster.jsonl").write_text((fabrikam / "roster.jsonl").read_text() + "\n")
    result = run("undo", SLUG)
    assert result.exit_code == 1
    assert said("is not kept on this machine", result.output) and said(
        "Import the file you want", result.output
    )
    assert "undo" not in [e["action"] for e in history(fabrikam)], "nothing recorded"


def test_status_and_check_say_the_records_changed_after_close_delivery(run, fabrikam):
    assert run("roster", SLUG, "--attendance", str(SHEET_FILE)).exit_code == 0
    run("set", SLUG, "participant_count=5", "--force")
    status = run("status", SLUG)
    assert "records changed" not in status.output
    teams = run("roster", SLUG, "--attendance", str(TEAMS_FILE), "--date-order", "DMY")
    assert teams.exit_code == 0, teams.output
    status = run("status", SLUG)
    assert said("The records changed after participant_count 5 was recorded on", status.output)
    assert said("attendance from Teams report attendance-teams-uk-fabrikam.csv", status.output)
    data = json.loads(run("status", SLUG, "--json").output)
    assert data["records_changed"][0].startswith("The records changed after participant_count 5")
    check = run("check")
    assert said("participant_count was recorded as 5; the records now give 6", check.output)
    assert said(f"onboard set {SLUG} participant_count=6", check.output)
    assert run("set", SLUG, "participant_count=6").exit_code == 0
    assert "records changed" not in run("status", SLUG).output
    assert "participant_count was recorded" not in run("check").output
