"""Rebuild the example workspace in examples/workspace from scratch.

Each client is driven through the real CLI with the clock fixed per action
(ONBOARD_NOW), so the files are exactly what a coordinator would have.
Run: python examples/build_workspace.py

``--output DIR`` builds into DIR/workspace, with the input files it makes
(the Fabrikam roster, attendance and survey) in DIR/inputs, leaving
examples/ as it is: to try the builder after a playbook changes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import tomllib
from pathlib import Path

from click.testing import CliRunner

from onboard.cli import cli
from onboard.storage.library import Library

HERE = Path(__file__).resolve().parent
ROOT = HERE / "workspace"
INPUTS = HERE / "inputs"
"""Where the workspace and the input files it makes go; ``--output`` moves both."""

CONFIG = """\
# Example workspace for onboard: a training company's learning coordinators.
holidays = [2026-11-26, 2026-11-27, 2026-12-24, 2026-12-25, 2027-01-01]

[workspace]
name = "Example training company"

[user]
name = "Sam Rivera (LC)"

[[team]]
name = "Jane Doe"
initials = "JD"
email = "jane.doe@example.com"
roles = ["FAC"]

[[team]]
name = "Omar Haddad"
initials = "OH"
email = "omar.haddad@example.com"
roles = ["RL"]

[[team]]
name = "Sam Rivera"
initials = "SR"
email = "sam.rivera@example.com"
roles = ["LC"]

[[team]]
name = "Priya Nair"
initials = "PN"
email = "priya.nair@example.com"
roles = ["CSM", "OM"]
"""

SALES = ["discovery-session", "enter-opportunity", "review-solutions"]


def cmd(when: str, *args: str) -> str:
    os.environ["ONBOARD_NOW"] = when
    result = CliRunner().invoke(cli, ["--home", str(ROOT), *args])
    if result.exit_code != 0:
        raise SystemExit(f"onboard {' '.join(args)} failed:\n{result.output}")
    return result.output


def toml_value(value: object) -> str:
    """A value as --set takes it: dates ISO, lists comma-separated, records as inline TOML."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        rows = [", ".join(f'{k} = "{v}"' for k, v in row.items()) for row in value]
        return "[" + ", ".join("{" + row + "}" for row in rows) + "]"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def walk(
    when: str, slug: str, answers: dict, *, stop: tuple = (), gates: tuple = (), skips: dict | None = None
) -> None:
    """Complete a client's actionable steps in playbook order, giving each what it asks for,
    until the first step in ``stop`` (or nothing is left to do)."""
    skips = skips or {}
    state = tomllib.loads((ROOT / "clients" / slug / "client.toml").read_text())
    playbook = Library(ROOT / "templates").load(state["playbook"], state["playbook_revision"])
    opened: set[str] = set()
    while True:
        status = json.loads(cmd(when, "status", slug, "--json"))
        actionable = [s["id"] for s in status["steps"] if s["actionable"]]
        if not actionable:
            waiting = {
                playbook.step(s["id"]).gate
                for s in status["steps"]
                if s["status"] == "pending" and s["waiting"]
            }
            gate = next((g for g in gates if g in waiting and g not in opened), None)
            if gate is None:
                return
            cmd(when, "gate", slug, gate)
            opened.add(gate)
            continue
        step_id = actionable[0]
        if step_id in stop:
            return
        if step_id in skips:
            cmd(when, "skip", slug, step_id, "--reason", skips[step_id])
            continue
        step = playbook.step(step_id)
        args = []
        for name in step.asks:
            if name in answers:
                args += ["--set", f"{name}={toml_value(answers[name])}"]
        for role in step.assigns:
            args += ["--set", f"role.{role}={answers['role.' + role]}"]
        cmd(when, "done", slug, step_id, "--no-input", *args)


def new(when: str, name: str, unit: str, delivery: str, program: str) -> None:
    cmd(
        when,
        "new",
        name,
        "--playbook",
        "training-engagement",
        "--set",
        f"program={program}",
        "--set",
        f"business_unit={unit}",
        "--set",
        f"delivery_type={delivery}",
        "--set",
        "role.RL=Omar Haddad",
        "--set",
        "role.LC=Sam Rivera",
    )


def through_contract(slug: str, course: str, sponsor: str, number: str, when: str) -> None:
    for step in SALES:
        cmd(when, "done", slug, step)
    cmd(when, "done", slug, "enter-delivery-dates", "--set", f"course_date={course}")
    cmd(
        when,
        "done",
        slug,
        "confirm-pricing",
        "--set",
        f"session_sponsor={sponsor}",
        "--set",
        f"session_sponsor_email={sponsor.split()[0].lower()}@{slug}.example",
        "--set",
        "contract_document=SOW",
    )
    cmd(when, "skip", slug, "legal-paperwork", "--reason", "MSA already in place")
    cmd(when, "done", slug, "scheduling-handoff")
    cmd(
        when,
        "done",
        slug,
        "provide-dates",
        "--set",
        "course_time=9:00-12:00 CT",
        "--set",
        "client_coordinator=Priya Shah",
        "--set",
        f"client_coordinator_email=priya@{slug}.example",
    )
    cmd(when, "done", slug, "assign-fac", "--set", "role.FAC=Jane Doe")
    cmd(when, "done", slug, "accept-invite")
    cmd(when, "done", slug, "send-contract-to-legal", "--set", f"contract_number={number}")
    cmd(when, "done", slug, "send-docusign")
    cmd(when, "gate", slug, "signed-contract")
    cmd(when, "done", slug, "record-signed-contract", "--set", f"signature_date={when[:10]}")


def main(argv: list[str] | None = None) -> None:
    global ROOT, INPUTS
    parser = argparse.ArgumentParser(description="Rebuild the example workspace from scratch.")
    parser.add_argument(
        "--output",
        metavar="DIR",
        type=Path,
        help="build into DIR/workspace and DIR/inputs instead of examples/ (left as it is)",
    )
    options = parser.parse_args(argv)
    if options.output is not None:
        ROOT = options.output.resolve() / "workspace"
        INPUTS = options.output.resolve() / "inputs"
        INPUTS.mkdir(parents=True, exist_ok=True)
    if ROOT.exists():
        shutil.rmtree(ROOT)
    CliRunner().invoke(cli, ["init", str(ROOT)])
    (ROOT / "onboard.toml").write_text(CONFIG, encoding="utf-8")

    # Just starting: discovery booked.
    new("2026-11-23T10:00", "Acme Corp", "General", "In-person", "Leading Through Change")

    # In scheduling: handed off to the LC, dates requested.
    new("2026-11-16T09:00", "Northwind Traders", "General", "Virtual", "Empathy at Work")
    for step in SALES:
        cmd("2026-11-17T09:00", "done", "northwind-traders", step)
    cmd(
        "2026-11-18T09:00",
        "done",
        "northwind-traders",
        "enter-delivery-dates",
        "--set",
        "course_date=2027-01-20",
    )
    cmd(
        "2026-11-18T09:30",
        "done",
        "northwind-traders",
        "confirm-pricing",
        "--set",
        "session_sponsor=Lena Fischer",
        "--set",
        "session_sponsor_email=lena@northwind.example",
        "--set",
        "contract_document=LOE",
    )
    cmd("2026-11-19T11:00", "done", "northwind-traders", "legal-paperwork")
    cmd("2026-11-20T15:00", "done", "northwind-traders", "scheduling-handoff")

    # P&O Academies, pre-class: the Dell AC uploads the roster.
    new("2026-10-20T09:00", "Contoso P&O Academy", "P&O Academies", "Virtual", "Coaching Essentials")
    through_contract("contoso-p-o-academy", "2026-12-08", "Maria Garcia", "Cont5521", "2026-11-02T10:00")
    cmd("2026-11-03T10:00", "done", "contoso-p-o-academy", "po-logistics-spreadsheet")

    # CFO, In-person, the course ran last week: attendance is overdue.
    new("2026-09-28T09:00", "Fabrikam Finance", "CFO", "In-person", "Presenting with Impact")
    through_contract("fabrikam-finance", "2026-11-18", "John Smith", "Fab1234", "2026-10-12T10:00")
    cmd(
        "2026-10-13T10:00",
        "done",
        "fabrikam-finance",
        "cfo-zoom-link",
        "--set",
        "meeting_link=https://zoom.example/j/555",
    )
    for step, extra in [
        ("schedule-pre-call", []),
        ("pre-call", []),
        ("classroom-logistics", ["--set", "venue=Fabrikam HQ, Room 12"]),
        ("choose-evaluation", ["--set", "eval_method=Client general link"]),
        ("lxp-registration-guide", []),
        ("lxp-walkthrough", []),
    ]:
        cmd("2026-11-04T10:00", "done", "fabrikam-finance", step, *extra)

    # Finished.
    new("2026-08-03T09:00", "Globex", "General", "Virtual", "Empathy at Work")
    answers = HERE / "inputs" / "globex-answers.toml"  # written by hand: always read from examples/
    cmd("2026-09-21T17:00", "next", "globex", "--yes", "--no-input", "--force", "--answers", str(answers))

    other_playbooks()
    input_files()
    os.environ.pop("ONBOARD_NOW", None)
    for folder in (ROOT / "clients").iterdir():  # keep the example to what a reader needs
        shutil.rmtree(folder / ".backup", ignore_errors=True)
        (folder / ".lock").unlink(missing_ok=True)


def other_playbooks() -> None:
    # Agency onboarding: kicked off, waiting for the first payment before delivery.
    cmd(
        "2026-11-02T09:00",
        "new",
        "Brightside Bakery",
        "-p",
        "agency-onboarding",
        "--set",
        "hubspot_deal=BB-2211",
    )
    agency = {
        "scale": "Three sites, 40 staff",
        "timeline": "12 weeks",
        "desired_start_date": "2026-12-07",
        "services": ["SEO", "Paid social", "Email"],
        "role.AM": "Priya Nair",
        "role.PM": "Sam Rivera",
        "proposal_signed_date": "2026-11-06",
        "client_contact": "Rosa Lind",
        "client_contact_email": "rosa@brightside.example",
        "invoice_number": "INV-2026-118",
        "welcome_meeting_date": "2026-11-16",
        "welcome_meeting_time": "10:00",
        "drive_folder": "Clients/Brightside Bakery",
        "slack_channel": "#client-brightside",
        "handover_date": "2026-11-19",
        "kickoff_date": "2026-11-24",
        "kickoff_time": "14:00",
    }
    for role, person in (("OM", "Priya Nair"), ("SM", "Omar Haddad"), ("CRM", "Sam Rivera")):
        cmd("2026-11-02T09:05", "assign", "brightside-bakery", role, person)
    walk("2026-11-09T10:00", "brightside-bakery", agency, stop=("monitor-first-payment",))

    # Renewal: the client renews; terms being agreed.
    renewal = ["--set", "client_contact=Dev Patel", "--set", "client_contact_email=dev@halcyon.example"]
    cmd(
        "2026-10-01T09:00",
        "new",
        "Halcyon Health",
        "-p",
        "renewal",
        "--set",
        "proposal_start=2026-01-05",
        "--set",
        "proposal_end=2026-12-31",
        *renewal,
    )
    for role, person in (("PM", "Sam Rivera"), ("AM", "Priya Nair"), ("SM", "Omar Haddad")):
        cmd("2026-10-01T09:05", "assign", "halcyon-health", role, person)
    walk(
        "2026-10-05T11:00",
        "halcyon-health",
        {"renewal_meeting_date": "2026-10-20", "renewal_meeting_time": "15:00", "client_decision": "renew"},
        stop=("agree-renewal-terms",),
    )

    # Renewal: the client leaves; exit interview next.
    cmd(
        "2026-10-12T09:00",
        "new",
        "Marlow & Finch",
        "-p",
        "renewal",
        "--set",
        "proposal_start=2026-02-01",
        "--set",
        "proposal_end=2027-01-31",
        "--set",
        "client_contact=Ines Marlow",
        "--set",
        "client_contact_email=ines@marlowfinch.example",
    )
    for role, person in (
        ("PM", "Sam Rivera"),
        ("AM", "Priya Nair"),
        ("SM", "Omar Haddad"),
        ("CRM", "Sam Rivera"),
    ):
        cmd("2026-10-12T09:05", "assign", "marlow-finch", role, person)
    walk(
        "2026-11-12T16:00",
        "marlow-finch",
        {"renewal_meeting_date": "2026-11-12", "client_decision": "exit"},
        stop=("exit-interview", "track-deliverables", "crm-status-lapsed"),
    )

    # Station onboarding: contacts, stations and contract terms in; set-up under way.
    station = {
        "contacts": [
            {"name": "Andy Travis", "email": "andy@wkrp.example", "title": "Program Director"},
            {"name": "Jennifer Marlowe", "email": "jennifer@wkrp.example", "title": "Office Manager"},
        ],
        "entities": [
            {"call_sign": "WKRP", "market": "Cincinnati", "format": "Rock"},
            {"call_sign": "WKRP-FM2", "market": "Dayton"},
        ],
        "agreement_length": "24 months",
        "payment_type": "Quarterly",
        "products_licensed": ["Scheduler", "Music Log"],
        "start_date": "2026-11-01",
        "end_date": "2028-10-31",
        "role.ONB": "Mike Ellis",
        "role.CSM": "Priya Nair",
        "call_outcomes": "Standard set-up; two stations; training for 6 users.",
        "recap_links": "https://help.example.com/getting-started",
    }
    cmd(
        "2026-10-26T09:00",
        "new",
        "WKRP Cincinnati",
        "-p",
        "station-onboarding",
        "--set",
        "deal_summary=Two-station licence, 24 months, quarterly billing",
    )
    cmd("2026-10-26T09:05", "assign", "wkrp-cincinnati", "SALES", "Omar Haddad")
    cmd("2026-10-26T09:05", "assign", "wkrp-cincinnati", "OPS", "Mike Malone")
    walk("2026-11-03T10:00", "wkrp-cincinnati", station, stop=("receive-set-up-info",))

    # SaaS onboarding: in the bi-weekly check-ins.
    saas = {
        "stakeholders": [{"name": "Lena Ortiz", "role": "VP Operations", "email": "lena@nimbus.example"}],
        "business_objectives": "One view of fleet utilisation",
        "pain_points": "Spreadsheets rebuilt every Monday",
        "sales_commitments": "SSO in the first month",
        "role.CSM": "Priya Nair",
        "territory": "EMEA",
        "kickoff_date": "2026-09-10",
        "kickoff_time": "16:00 CET",
        "success_kpis": [{"metric": "Weekly active users", "target": "80%", "baseline": "0"}],
        "key_users": [{"name": "Tom Berg", "email": "tom@nimbus.example", "session": "Admin"}],
        "success_plan_link": "https://gainsight.example/plans/nimbus",
        "needs_solutions_engineer": "no",
        "admin_training_date": "2026-09-22",
        "user_training_date": "2026-09-24",
    }
    cmd(
        "2026-09-02T09:00",
        "new",
        "Nimbus Analytics",
        "-p",
        "saas-onboarding",
        "--set",
        "closed_won_date=2026-09-01",
        "--set",
        "primary_contact=Lena Ortiz",
        "--set",
        "primary_contact_email=lena@nimbus.example",
    )
    cmd("2026-09-02T09:05", "assign", "nimbus-analytics", "AE", "Omar Haddad")
    walk("2026-09-03T10:00", "nimbus-analytics", saas, stop=("check-in-1",))
    cmd("2026-10-09T10:00", "done", "nimbus-analytics", "check-in-1")
    cmd("2026-10-23T10:00", "done", "nimbus-analytics", "check-in-2")


def input_files() -> None:
    """Files as they arrive from outside: a client's roster, a filled attendance sheet, survey results."""
    from openpyxl import Workbook, load_workbook

    people = [
        ("Ng", "Alice", "alice.ng@fabrikam.example", "Finance", "Austin"),
        ("Okafor", "Ben", "ben.okafor@fabrikam.example", "Treasury", "Austin"),
        ("Duarte", "Carla", "carla.duarte@fabrikam.example", "Audit", "Remote"),
        ("Schmidt", "Dieter", "dieter.schmidt@fabrikam.example", "Finance", "Berlin"),
        ("Evans", "Ella", "ella.evans@fabrikam.example", "Tax", "Austin"),
        ("Farouk", "Omar", '=HYPERLINK("http://example.com","click me")', "Finance", "Austin"),
    ]
    book = Workbook()
    sheet = book.active
    sheet.title = "Participants"
    sheet.append(["Fabrikam Finance – Presenting with Impact – participant list"])
    sheet.append([])
    sheet.append(["Surname", "First Name", "E-mail Address", "Dept.", "Office"])
    for row in people:
        sheet.append(list(row))
    book.save(INPUTS / "fabrikam-roster.xlsx")

    # Import it (the bad row is reported and left out), then export the attendance sheet.
    cmd(
        "2026-11-10T09:00",
        "roster",
        "fabrikam-finance",
        "--import",
        str(INPUTS / "fabrikam-roster.xlsx"),
        "--skip-invalid",
    )
    out = ROOT / "clients" / "fabrikam-finance" / "out"
    before = set(out.glob("Roster-*.xlsx")) if out.is_dir() else set()
    cmd("2026-11-17T09:00", "export", "fabrikam-finance", "attendance")
    sheet_path = next(iter(set(out.glob("Roster-*.xlsx")) - before))
    # The facilitator fills it in after class: present, except one.
    filled = load_workbook(sheet_path)
    ws = filled.active
    header_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "#")
    present_col = next(c.column for c in ws[header_row] if str(c.value or "").startswith("Present"))
    email_col = next(c.column for c in ws[header_row] if str(c.value or "").lower().startswith("email"))
    for r in range(header_row + 1, ws.max_row + 1):
        email = ws.cell(r, email_col).value
        if email and "@" in str(email):
            ws.cell(r, present_col).value = "No" if str(email).startswith("carla") else "Yes"
    filled.save(INPUTS / f"{sheet_path.stem} (filled in).xlsx")

    with (INPUTS / "fabrikam-survey-results.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Timestamp",
                "Email",
                "The content was relevant (1-5)",
                "The facilitator was engaging (1-5)",
                "I will use this at work (1-5)",
                "Comments",
            ]
        )
        writer.writerow(["2026-11-18 12:05", "alice.ng@fabrikam.example", 5, 5, 4, "Great pacing."])
        writer.writerow(["2026-11-18 12:07", "ben.okafor@fabrikam.example", 4, 5, 4, ""])
        writer.writerow(
            ["2026-11-18 12:10", "dieter.schmidt@fabrikam.example", 4, 4, 5, "More practice time please"]
        )
        writer.writerow(["2026-11-18 12:15", "ella.evans@fabrikam.example", 5, 4, 4, ""])


if __name__ == "__main__":
    main()
