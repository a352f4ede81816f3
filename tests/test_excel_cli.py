"""`onboard roster`, `onboard export` and `onboard eval` through the CLI, and the delivery's close."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fixtures.spreadsheetml import CLIENT_ROSTER, write_xlsx

from onboard.cli import COMMANDS
from onboard.outputs.excel import CFB_MAGIC

SLUG = "acme-corp"
ATTENDANCE_NAME = "Roster-Acme Corp-Empathy_at_Work-2026.03.16-JD.xlsx"
EVAL_NAME = "Eval-Acme Corp-Empathy_at_Work-2026.03.16-JD.xlsx"
EXCEL_COMMANDS = {
    "roster": "onboard.commands.roster:roster",
    "export": "onboard.commands.export:export",
    "eval": "onboard.commands.evals:eval_",
}
ANSWERS = """\
course_date = 2026-03-16
course_end_date = 2026-03-17
course_time = "9:00-12:00 CT"
session_sponsor = "John Smith"
session_sponsor_email = "john@acme.example"
contract_document = "SOW"
client_coordinator = "Cara Lee"
client_coordinator_email = "cara@acme.example"
contract_number = "Marr1234"
signature_date = 2026-02-27
meeting_link = "https://zoom.example/j/1"
eval_method = "Client internal survey"

[gates]
"signed-contract" = true

[actions]
legal-paperwork = "skip: MSA already signed"
close-delivery = "later"
"""
RESPONSES = """\
Timestamp,Email Address,The content was relevant,The facilitator was engaging,Comments
2026-03-17 12:00,ada.lovelace@acme.example,5,5,Loved the role plays
2026-03-17 12:02,GRACE@acme.example,4,5,
2026-03-17 12:05,ludwig@acme.example,3,4,"=HYPERLINK(""http://x"",""y"")"
2026-03-17 12:09,walt@acme.example,4,,More breaks please
"""


@pytest.fixture(autouse=True)
def excel_commands(monkeypatch):
    """The commands of this feature, registered here while cli.py does not list them yet."""
    for name, target in EXCEL_COMMANDS.items():
        if name not in COMMANDS:
            monkeypatch.setitem(COMMANDS, name, (target, f"{name} (Excel)"))


@pytest.fixture
def client(run, workspace):
    result = run(
        "new",
        "Acme Corp",
        "--playbook",
        "training-engagement",
        "--set",
        "program=Empathy at Work",
        "--set",
        "business_unit=General",
        "--set",
        "delivery_type=Virtual",
        "--no-input",
    )
    assert result.exit_code == 0, result.output
    return workspace / "clients" / SLUG


def write(path: Path, data: bytes | str) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def said(text: str, output: str) -> bool:
    """Whether the output says ``text``, however the terminal wrapped it."""
    return "".join(text.split()) in "".join(output.split())


def facts(folder: Path) -> dict:
    return tomllib.loads((folder / "client.toml").read_text())["facts"]


def stored(path: Path) -> tuple[dict, list[dict]]:
    """A stored .jsonl file as a person would read it: the header line, then a row per line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = json.loads(lines[0])
    rows = [dict(zip(header["fields"], json.loads(line), strict=True)) for line in lines[1:] if line]
    return header, rows


def leftovers(folder: Path) -> list[str]:
    """Temporary files an aborted write would have left behind."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


def dated_client(run, client):
    assert run("set", SLUG, "course_date=2026-03-16", "course_end_date=2026-03-17").exit_code == 0
    assert run("assign", SLUG, "FAC", "Jane Doe").exit_code == 0
    return client


# ---------------------------------------------------------------- the scenario


def test_training_engagement_from_roster_to_closed_delivery(run, workspace, client, tmp_path):
    result = run("assign", SLUG, "FAC", "Jane Doe", "--email", "jane@iw.example")
    assert result.exit_code == 0, result.output
    roster_file = write_xlsx(tmp_path / "Acme roster.xlsx", CLIENT_ROSTER)
    result = run("roster", SLUG, "--import", str(roster_file))
    assert result.exit_code == 0, result.output
    assert said("Imported 5 people", result.output) and said("1 duplicate(s) merged", result.output)
    header, people = stored(client / "roster.jsonl")
    assert header["source"] == roster_file.name and header["imported_by"] == "tester"
    grace = next(p for p in people if p["email"] == "GRACE@acme.example")
    assert (grace["row"], grace["notes"]) == (5, "duplicate of row 5"), "row 9 filled row 5's blank"

    answers = tmp_path / "answers.toml"
    answers.write_text(ANSWERS)
    result = run("next", SLUG, "--yes", "--no-input", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    assert said(f"roster file name: {ATTENDANCE_NAME[:-5]}", result.output)
    assert "close-delivery" not in tomllib.loads((client / "client.toml").read_text())["steps"]

    result = run("export", SLUG, "attendance")
    assert result.exit_code == 0, result.output
    sheet = client / "out" / ATTENDANCE_NAME
    assert sheet.is_file(), result.output

    # the facilitator fills it in: two days, a walk-in in the spare row above the totals
    wb = openpyxl.load_workbook(sheet)
    ws = wb.active
    marks = {
        11: ("Yes", "Yes", 5),  # Ada
        12: ("No", "Yes", None),  # Grace
        13: ("Yes", None, None),  # Ludwig
        14: ("Yes", None, 12),  # Katherine
        15: (None, None, None),  # Zoë: absent both days
    }
    for row, (monday, tuesday, late) in marks.items():
        ws.cell(row, 8).value, ws.cell(row, 9).value, ws.cell(row, 10).value = monday, tuesday, late
    assert ws["A17"].value == "Totals" and ws["A16"].value is None
    ws["B16"], ws["C16"], ws["D16"], ws["H16"] = "Walt", "In", "walt@acme.example", "Yes"
    filled = tmp_path / "filled in.xlsx"
    wb.save(filled)

    evals = tmp_path / "responses.csv"
    evals.write_text(RESPONSES, encoding="utf-8")
    result = run("eval", SLUG, "--import", str(evals))
    assert result.exit_code == 0, result.output
    assert said("Imported 4 responses", result.output)

    # without attendance the participant count is not known: it is asked for
    result = run("done", SLUG, "close-delivery", "--no-input")
    assert result.exit_code == 1
    assert said("participant_count", result.output)

    result = run("roster", SLUG, "--attendance", str(filled))
    assert result.exit_code == 0, result.output
    assert said("Mon 16 Mar 2026: 4 present, 2 absent (Grace Hopper, Zoë Çelik)", result.output)
    assert said("Tue 17 Mar 2026: 2 present, 4 absent", result.output)
    assert said("5 took part", result.output)
    header, rows = stored(client / "attendance.jsonl")
    assert header["days"] == ["2026-03-16", "2026-03-17"]
    assert [s["file"] for s in header["sources"]] == ["filled in.xlsx"]
    assert {r["email"] for r in rows} >= {"zoe@acme.example", "walt@acme.example"}, "a row per row"
    shown = json.loads(run("roster", SLUG, "--json").output)
    people = {p["email"]: p for p in shown["attendance"]["people"]}
    assert people["ada.lovelace@acme.example"]["present"] == ["2026-03-16", "2026-03-17"]
    assert people["ada.lovelace@acme.example"]["minutes_late"] == 5
    assert people["zoe@acme.example"]["absent"] == ["2026-03-16", "2026-03-17"]
    assert people["walt@acme.example"]["on_roster"] is False
    assert shown["roster"]["people"][-1]["email"] == "walt@acme.example", "the walk-in joins the roster"
    assert not (client / "attendance.toml").exists() and leftovers(client) == []

    result = run("export", SLUG, "eval")
    assert result.exit_code == 0, result.output
    summary = openpyxl.load_workbook(client / "out" / EVAL_NAME)["Summary"]
    scores = [5, 5, 4, 5, 3, 4, 4]
    overall = round(sum(scores) / len(scores), 2)
    assert [summary.cell(r, 3).value for r in range(9, 13)] == [5, 4, 0.8, overall]
    assert summary["C9"].value == 5 and summary["D9"].value == "from attendance"
    assert [summary.cell(r, 5).value for r in (15, 16)] == [4, 4.67]
    assert summary["C12"].number_format == '0.0" out of 5"'
    assert summary["B23"].value == '=HYPERLINK("http://x","y")' and summary["B23"].data_type == "s"

    result = run("done", SLUG, "close-delivery", "--no-input")
    assert result.exit_code == 0, result.output
    assert said("eval file name: " + EVAL_NAME[:-5], result.output)
    doc = tomllib.loads((client / "client.toml").read_text())
    assert doc["facts"]["participant_count"] == 5
    assert doc["facts"]["eval_score"] == overall == 4.29
    assert doc["steps"]["close-delivery"]["status"] == "done"
    status = json.loads(run("status", SLUG, "--json").output)
    assert status["complete"] is True


def test_a_given_answer_wins_over_the_data(run, client, tmp_path):
    dated_client(run, client)
    run("roster", SLUG, "--import", str(write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)))
    report = tmp_path / "zoom.csv"
    report.write_text("Name (Original Name),User Email,Join Time\nAda Lovelace,,03/16/2026 09:00:00 AM\n")
    assert run("roster", SLUG, "--attendance", str(report)).exit_code == 0
    result = run("done", SLUG, "close-delivery", "--no-input", "--force", "--set", "participant_count=9")
    assert result.exit_code == 0, result.output
    assert facts(client)["participant_count"] == 9


# ---------------------------------------------------------------- bad files store nothing


BAD_ROSTERS = {
    "no email column": (
        lambda d: write_xlsx(d / "names.xlsx", [["Full name", "Phone"], ["Ada Lovelace", "555"]]),
        ["names.xlsx: no email column", "'Full name'"],
    ),
    "a date in the email column": (
        lambda d: write_xlsx(d / "dates.xlsx", [["Name", "Email"], ["Ada", date(2026, 3, 5)]]),
        ["row 2, column B (Email): a date (2026-03-05), not text", "dates.xlsx: 1 row(s) cannot be used"],
    ),
    "an empty file": (
        lambda d: write(d / "empty.xlsx", b""),
        ["empty.xlsx: the file is empty"],
    ),
    "a password-protected workbook": (
        lambda d: write(d / "locked.xlsx", CFB_MAGIC + bytes(504)),
        ["locked.xlsx: a password-protected workbook", "remove the password"],
    ),
    "a CSV named .xlsx": (
        lambda d: write(d / "fake.xlsx", "Name,Email\nAda,ada@x.example\n"),
        ["fake.xlsx: not an Excel workbook"],
    ),
    "an entity-expansion payload": (
        lambda d: write_xlsx(d / "bomb.xlsx", CLIENT_ROSTER, payload_in="strings"),
        ["bomb.xlsx: xl/sharedStrings.xml declares a DTD or XML entities"],
    ),
    "bad rows": (
        lambda d: write(d / "rows.csv", "Name,Email\nAda,ada@x.example\nBob,bob@\n,\nCy,\n"),
        [
            "row 3, column B (Email): 'bob@' is not an email address",
            "row 5, column B (Email): no email",
            "rows.csv: 2 row(s) cannot be used",
            "--skip-invalid",
        ],
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROSTERS))
def test_bad_rosters_exit_1_naming_the_file_and_store_nothing(run, client, tmp_path, case):
    make, expected = BAD_ROSTERS[case]
    path = make(tmp_path)
    result = run("roster", SLUG, "--import", str(path))
    assert result.exit_code == 1, result.output
    assert said(str(path.parent), result.output)
    for text in expected:
        assert said(text, result.output), (text, result.output)
    assert "Traceback" not in result.output
    assert not (client / "roster.jsonl").exists()
    assert sorted(p.name for p in client.iterdir() if not p.name.startswith(".")) == ["client.toml"]
    assert leftovers(client) == []


def test_skip_invalid_imports_the_good_rows(run, client, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("Name,Email\nAda Lovelace,ada@x.example\nBob,bob@\n")
    result = run("roster", SLUG, "--import", str(path), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert said("row 3, column B (Email)", result.output)
    header, people = stored(client / "roster.jsonl")
    assert header["onboard"] == "roster" and header["source"] == path.name
    assert [p["email"] for p in people] == ["ada@x.example"]


def test_a_date_in_a_score_column_stores_no_evaluations(run, client, tmp_path):
    path = write_xlsx(tmp_path / "scores.xlsx", [["Q1", "Q2"], [5, 4], [4, date(2026, 3, 4)]])
    result = run("eval", SLUG, "--import", str(path))
    assert result.exit_code == 1
    assert said("row 3, column B (Q2): a date (2026-03-04), not a score", result.output)
    assert said("scores.xlsx: 1 row(s) cannot be used", result.output)
    assert not (client / "evals.toml").exists()


def test_a_date_in_minutes_late_stores_no_attendance(run, client, tmp_path):
    dated_client(run, client)
    run("roster", SLUG, "--import", str(write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)))
    sheet = tmp_path / "a.xlsx"
    rows = [
        ["Name", "Email", "Present 2026-03-16", "Minutes late"],
        ["Ada", "ada.lovelace@acme.example", "Yes", date(2026, 3, 16)],
    ]
    write_xlsx(sheet, rows)
    result = run("roster", SLUG, "--attendance", str(sheet))
    assert result.exit_code == 1
    assert said("row 2, column D (Minutes late): a date (2026-03-16), not a number", result.output)
    assert not (client / "attendance.jsonl").exists()
    assert leftovers(client) == []


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "roster.jsonl",
            '{"onboard": "roster", "schema": 1, "fields": ["email"]}\n["ada@x.example"\n',
            "roster.jsonl: line 2: not valid JSON",
        ),
        (
            "roster.jsonl",
            '{"onboard": "roster", "schema": 1, "fields": ["email"]}\n[7]\n',
            "roster.jsonl: line 2: email must be",
        ),
        ("roster.jsonl", "people = [ oops", "roster.jsonl: line 1: the header is not valid JSON"),
        ("roster.toml", "people = [ oops", "roster.toml: not valid TOML"),
    ],
)
def test_an_unreadable_roster_file_is_never_overwritten(run, client, tmp_path, name, text, message):
    (client / name).write_text(text)
    result = run("roster", SLUG, "--import", str(write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)))
    assert result.exit_code == 1
    assert said(message, result.output), result.output
    assert (client / name).read_text() == text
    assert leftovers(client) == []


# ---------------------------------------------------------------- exports and showing


def test_exports_are_named_by_convention_and_never_collide(run, client, tmp_path):
    dated_client(run, client)
    run("roster", SLUG, "--import", str(write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)))
    first = run("export", SLUG, "attendance")
    second = run("export", SLUG, "attendance")
    assert first.exit_code == second.exit_code == 0
    out = client / "out"
    assert (out / ATTENDANCE_NAME).is_file()
    assert (out / ATTENDANCE_NAME.replace(".xlsx", " (2).xlsx")).is_file()
    forced = run("export", SLUG, "attendance", "--force")
    assert forced.exit_code == 0 and "(3)" not in forced.output
    elsewhere = tmp_path / "desk"
    assert run("export", SLUG, "roster", "-o", str(elsewhere)).exit_code == 0
    assert [p.name for p in elsewhere.iterdir()] == [ATTENDANCE_NAME.replace(".xlsx", "-Participants.xlsx")]
    result = run("roster", SLUG, "--blank")
    assert result.exit_code == 0 and (out / "Blank Roster Template.xlsx").is_file()
    assert run("export", SLUG, "blank-roster").exit_code == 0
    assert (out / "Blank Roster Template (2).xlsx").is_file()


def test_export_says_what_the_name_needs(run, client, tmp_path):
    run("roster", SLUG, "--import", str(write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)))
    result = run("export", SLUG, "attendance")
    assert result.exit_code == 1
    assert said("course_date", result.output) and said("roles.FAC.initials", result.output)
    assert said("onboard assign acme-corp FAC", result.output)


def test_export_needs_the_data(run, client):
    dated_client(run, client)
    result = run("export", SLUG, "attendance")
    assert result.exit_code == 1 and said("No roster for Acme Corp", result.output)
    result = run("export", SLUG, "eval")
    assert result.exit_code == 1 and said("No evaluations for Acme Corp", result.output)


def test_roster_shown_as_table_and_json(run, client, tmp_path):
    assert said("No roster for Acme Corp", run("roster", SLUG).output)
    run("roster", SLUG, "--import", str(write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)))
    table = run("roster", SLUG)
    assert table.exit_code == 0 and said("Katherine Johnson", table.output)
    data = json.loads(run("roster", SLUG, "--json").output)
    assert [p["email"] for p in data["roster"]["people"]][:2] == [
        "ada.lovelace@acme.example",
        "GRACE@acme.example",
    ]
    assert data["attendance"] is None
    result = run("roster", SLUG, "--import", "x.csv", "--blank")
    assert result.exit_code == 1 and said("one of --import, --blank", result.output)


def test_attendance_needs_a_roster(run, client, tmp_path):
    result = run("roster", SLUG, "--attendance", str(tmp_path / "a.xlsx"))
    assert result.exit_code == 1 and said("No roster", result.output)


def test_meeting_report_csv_records_a_day(run, client, tmp_path):
    dated_client(run, client)
    run("roster", SLUG, "--import", str(write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)))
    report = tmp_path / "participants.csv"
    report.write_text(
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        "Jane Doe,,03/17/2026 08:50:00 AM,03/17/2026 12:00:00 PM,190,No\n"
        '"Lovelace, Ada",,03/17/2026 09:03:00 AM,03/17/2026 12:00:00 PM,177,Yes\n'
        "Someone Else,else@x.example,03/17/2026 09:00:00 AM,03/17/2026 12:00:00 PM,180,Yes\n"
    )
    result = run("roster", SLUG, "--attendance", str(report))
    assert result.exit_code == 0, result.output
    assert said("Tue 17 Mar 2026: 1 present, 4 absent", result.output)
    assert said("Not on the roster, not counted: Someone Else", result.output)
    assert "Jane Doe" not in result.output.split("absent")[-1]
    header, rows = stored(client / "attendance.jsonl")
    assert [r["name"] for r in rows] == ["Lovelace, Ada", "Someone Else"], "as written; the host set aside"
    assert header["sources"][0]["kind"] == "report" and header["sources"][0]["platform"] == "Zoom"
    assert header["sources"][0]["days"] == ["2026-03-17"]


def test_eval_shown_as_json(run, client, tmp_path):
    evals = tmp_path / "responses.csv"
    evals.write_text(RESPONSES)
    assert run("eval", SLUG, "--import", str(evals)).exit_code == 0
    data = json.loads(run("eval", SLUG, "--json").output)
    assert data["responses"] == 4 and data["overall"] == 4.29
    assert data["participants_from"] == "" and data["response_rate"] is None


def test_only_excel_commands_import_openpyxl(client, workspace):
    script = f"""
import sys
from click.testing import CliRunner
from onboard.cli import COMMANDS, cli
COMMANDS.update({{k: (v, k) for k, v in {EXCEL_COMMANDS!r}.items()}})
for args in (["list"], ["status", "{SLUG}"], ["roster", "{SLUG}", "--json"], ["eval", "{SLUG}"]):
    result = CliRunner().invoke(cli, ["--home", {str(workspace)!r}, *args])
    assert result.exit_code == 0, (args, result.output)
print("openpyxl" in sys.modules)
result = CliRunner().invoke(cli, ["--home", {str(workspace)!r}, "roster", "{SLUG}", "--blank"])
assert result.exit_code == 0, result.output
print("openpyxl" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
