"""Rebuild the example workspace in examples/workspace from scratch.

Each client is driven through the real CLI with the clock fixed per action
(ONBOARD_NOW), so the files are exactly what a coordinator would have.
Run: python examples/build_workspace.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from onboard.cli import cli

HERE = Path(__file__).resolve().parent
ROOT = HERE / "workspace"

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
"""

SALES = ["discovery-session", "enter-opportunity", "review-solutions"]


def cmd(when: str, *args: str) -> None:
    os.environ["ONBOARD_NOW"] = when
    result = CliRunner().invoke(cli, ["--home", str(ROOT), *args])
    if result.exit_code != 0:
        raise SystemExit(f"onboard {' '.join(args)} failed:\n{result.output}")


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
    cmd(when, "assign", slug, "RL", "Omar Haddad")
    cmd(when, "assign", slug, "LC", "Sam Rivera")
    cmd(when, "done", slug, "accept-invite")
    cmd(when, "done", slug, "send-contract-to-legal", "--set", f"contract_number={number}")
    cmd(when, "done", slug, "send-docusign")
    cmd(when, "gate", slug, "signed-contract")
    cmd(when, "done", slug, "record-signed-contract", "--set", f"signature_date={when[:10]}")


def main() -> None:
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
    answers = HERE / "inputs" / "globex-answers.toml"
    cmd("2026-09-21T17:00", "next", "globex", "--yes", "--no-input", "--answers", str(answers))
    os.environ.pop("ONBOARD_NOW", None)


if __name__ == "__main__":
    main()
