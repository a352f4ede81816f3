"""A whole training engagement's records through the CLI: one set of figures everywhere (issue 12).

Fabrikam's Empathy course on Fri 3 April 2026 with the real files of
tests/fixtures/: the client's roster, the facilitator's attendance sheet, a
Zoom and a UK Teams report for the same day, then survey results. The
delivery is closed and the client emails are rendered; the Eval workbook,
the attendance sheet, the roster, the counts and the emails must give the
same took-part figure, with the walk-in (Tomás Ruiz) in every one of them.
A correction after the close changes every figure shown or sent, and the
figure recorded at the close is flagged as a snapshot the records outgrew.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import openpyxl

from tests.fixtures.emails import open_eml

FIXTURES = Path(__file__).parent / "fixtures"
SLUG = "fabrikam"
WALK_IN = "tomas.ruiz@fabrikam.example"
SURVEY = (
    "Timestamp,Email Address,Content was relevant (1-5),Facilitator was engaging (1-5),Comments\n"
    "2026-04-03 12:05,ann.lee@fabrikam.example,5,4,Great\n"
    "2026-04-03 12:06,tomas.ruiz@fabrikam.example,4,5,\n"
    "2026-04-03 12:07,kwame.mensah@fabrikam.example,4,4,More breaks\n"
)
FACTS = (
    "course_date=2026-04-03",
    "course_time=09:00-12:00",
    "session_sponsor=Priya Shah",
    "session_sponsor_email=priya.shah@fabrikam.example",
    "client_coordinator=Lee Chan",
    "client_coordinator_email=lee.chan@fabrikam.example",
    "class_summary=An engaged group.",
)


def said(text, output):
    return " ".join(text.split()) in " ".join(output.split())


def ok(run, *args):
    result = run(*args)
    assert result.exit_code == 0, (args, result.output)
    return result


def sheet_figures(path):
    """The attendance workbook as the Relationship Lead reads it: who is marked present, and everyone listed."""
    ws = openpyxl.load_workbook(path).active
    listed, present = [], []
    row = 11
    while ws.cell(row, 1).value != "Totals":
        if ws.cell(row, 4).value:
            listed.append(ws.cell(row, 4).value.casefold())
            if ws.cell(row, 8).value == "Yes":
                present.append(ws.cell(row, 4).value.casefold())
        row += 1
    return listed, present


def eval_figures(path):
    """The Eval workbook's Participants, Responses and Response rate, found by their labels."""
    ws = openpyxl.load_workbook(path)["Summary"]
    values = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(1, ws.max_row + 1)}
    return values["Participants"], values["Responses"], values["Response rate"]


def email_text(run, workspace, name):
    out = workspace / f"{name}.txt"
    eml = workspace / f"{name}.eml"
    ok(run, "email", SLUG, name, "-o", str(out), "--eml", str(eml))
    return out.read_text(encoding="utf-8"), open_eml(eml)[0]


def figures(run):
    return json.loads(ok(run, "roster", SLUG, "--json").output)


def test_the_whole_engagement_gives_one_set_of_figures(run, workspace, tmp_path):
    intake = ("--set", "program=Empathy", "--set", "business_unit=General", "--set", "delivery_type=Virtual")
    ok(run, "new", "Fabrikam", "-p", "training-engagement", *intake)
    ok(run, "set", SLUG, *FACTS)
    for role, name in (("FAC", "Dana Whitfield"), ("RL", "Rhea Lund"), ("LC", "Lou Carr"), ("PL", "Pat Lee")):
        email = name.lower().replace(" ", ".") + "@iw.example"
        ok(run, "assign", SLUG, role, name, "--email", email)
    folder = workspace / "clients" / SLUG

    ok(run, "roster", SLUG, "--import", str(FIXTURES / "roster-values.csv"))
    ok(run, "roster", SLUG, "--attendance", str(FIXTURES / "attendance-facilitator-fabrikam.xlsx"))
    ok(run, "roster", SLUG, "--attendance", str(FIXTURES / "attendance-zoom-fabrikam.csv"))
    teams = FIXTURES / "attendance-teams-uk-fabrikam.csv"
    ok(run, "roster", SLUG, "--attendance", str(teams), "--date-order", "DMY")
    survey = tmp_path / "survey.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    ok(run, "eval", SLUG, "--import", str(survey))

    shown = figures(run)
    counts = shown["attendance"]["counts"]
    assert counts["took_part"] == 6 and counts["walk_ins"] == ["Tomás Ruiz"]
    assert WALK_IN in [p["email"] for p in shown["roster"]["people"]], "the walk-in is on the roster"

    closed = run("done", SLUG, "close-delivery", "--force", "--no-input")
    assert closed.exit_code == 0, closed.output
    recorded = tomllib.loads((folder / "client.toml").read_text(encoding="utf-8"))["facts"]
    assert recorded["participant_count"] == 6, "the snapshot taken from the records"

    ok(run, "export", SLUG, "attendance")
    ok(run, "export", SLUG, "eval")
    (sheet,) = (folder / "out").glob("Roster-*.xlsx")
    (evals,) = (folder / "out").glob("Eval-*.xlsx")
    listed, present = sheet_figures(sheet)
    assert len(present) == 6 and WALK_IN in present and WALK_IN in listed
    assert len(listed) == counts["on_roster"] == 8
    assert eval_figures(evals) == (6, 3, 0.5)
    evaluation = json.loads(ok(run, "eval", SLUG, "--json").output)
    assert (evaluation["participants"], evaluation["participants_from"]) == (6, "attendance")

    text, _ = email_text(run, tmp_path, "evaluation-next-steps")
    assert said("6 people took part.", text)
    _, post = email_text(run, tmp_path, "post-course-materials")
    bcc = {a.addr_spec.casefold() for a in post["Bcc"].addresses}
    assert bcc == set(present), "the attendees the sheet lists, the walk-in among them"

    # a correction after the close: Pieter came after all
    wb = openpyxl.load_workbook(FIXTURES / "attendance-facilitator-fabrikam.xlsx")
    wb.active["H15"] = "Yes"
    corrected = tmp_path / "attendance-corrected.xlsx"
    wb.save(corrected)
    ok(run, "roster", SLUG, "--attendance", str(corrected))
    assert figures(run)["attendance"]["counts"]["took_part"] == 7
    status = ok(run, "status", SLUG)
    assert said("The records changed after participant_count 6", status.output)
    assert said("attendance from attendance sheet attendance-corrected.xlsx", status.output)
    assert said("participant_count was recorded as 6; the records now give 7", run("check").output)
    ok(run, "export", SLUG, "attendance", "--force")
    ok(run, "export", SLUG, "eval", "--force")
    assert len(sheet_figures(sheet)[1]) == 7
    assert eval_figures(evals)[0] == 7
    text, _ = email_text(run, tmp_path, "evaluation-next-steps")
    assert said("7 people took part.", text), "computed from the records, not the snapshot"
    recorded = tomllib.loads((folder / "client.toml").read_text(encoding="utf-8"))["facts"]
    assert recorded["participant_count"] == 6, "the snapshot stays what was recorded then"

    undone = ok(run, "undo", SLUG)
    assert said("attendance-corrected.xlsx", undone.output)
    assert figures(run)["attendance"]["counts"]["took_part"] == 6
    assert "records changed" not in ok(run, "status", SLUG).output
