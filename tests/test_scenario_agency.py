"""A client walked through agency-onboarding (seed 000) through the CLI, with its payment gate."""

import json
import tomllib
from datetime import date

from tests.fixtures.emails import open_eml

PLAYBOOK = "agency-onboarding"
DETAILS = [
    "--set",
    "scale=3 markets, 12 deliverables",
    "--set",
    "timeline=6 months",
    "--set",
    "desired_start_date=2026-04-04",  # a Saturday
    "--set",
    "services=SEO, Paid social",
]
ROLES = ["--set", "role.AM=Alex Morgan", "--set", "role.PM=Pat Moss"]
STAGE_STEPS = {
    "planning-proposal": ["hubspot-notification", "obtain-details", "delivery-team"],
    "proposal-signed": [
        "notify-proposal-signed",
        "invoice-client",
        "introduce-om-crm",
        "welcome-meeting",
        "update-hubspot-nps",
        "drive-and-slack",
        "share-proposal",
    ],
    "handover-kickoff": [
        "review-proposal",
        "introduction-call",
        "schedule-handover-kickoff",
        "internal-handover",
        "kickoff-call",
    ],
    "first-payment": [
        "monitor-first-payment",
        "notify-payment-received",
        "lead-delivery",
        "schedule-delivery-meetings",
    ],
}
DELIVERY = ["notify-payment-received", "lead-delivery", "schedule-delivery-meetings"]
TEAM = {"OM": "Olive Marsh", "SM": "Sid Mann", "FIN": "Fay Ng", "CRM": "Cleo Ruiz"}
ANSWERS = {
    "obtain-details": DETAILS,
    "delivery-team": ROLES,
    "notify-proposal-signed": [
        "--force",  # signed on a day after today (2026-03-01): kept as given
        "--set",
        "proposal_signed_date=2026-03-10",
        "--set",
        "client_contact=Helen Park",
        "--set",
        "client_contact_email=helen@acme.example",
    ],
    "invoice-client": ["--set", "invoice_number=INV-1001"],
    "drive-and-slack": ["--set", "slack_channel=#client-acme"],
    "schedule-handover-kickoff": ["--set", "kickoff_date=2026-03-20"],
    "monitor-first-payment": ["--set", "first_payment_date=2026-03-25"],
}


def doc(workspace, slug):
    return tomllib.loads((workspace / "clients" / slug / "client.toml").read_text())


def status(run, slug):
    result = run("status", slug, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    data["by_id"] = {s["id"]: s for s in data["steps"]}
    return data


def done(run, slug, step):
    result = run("done", slug, step, "--no-input", *ANSWERS.get(step, []))
    assert result.exit_code == 0, (step, result.output)


def walk_stage(run, workspace, slug, stage):
    for step in STAGE_STEPS[stage]:
        done(run, slug, step)
    steps = doc(workspace, slug)["steps"]
    for step in STAGE_STEPS[stage]:
        assert steps[step]["status"] == "done", step


def test_the_playbook_keeps_the_seed(run):
    shown = json.loads(run("playbooks", "show", PLAYBOOK, "--json").output)
    assert [s["id"] for s in shown["stages"]] == list(STAGE_STEPS)
    assert [[x["id"] for x in s["steps"]] for s in shown["stages"]] == list(STAGE_STEPS.values())
    assert {"OM", "SM", "MD", "FIN", "CRM", "AM", "PM", "HOD", "HOR"} <= set(shown["roles"])
    owners = {x["id"]: [x["owner"], *x["also"]] for s in shown["stages"] for x in s["steps"]}
    assert owners["notify-proposal-signed"] == ["SM", "MD"]
    assert owners["invoice-client"] == ["FIN"]
    assert owners["delivery-team"] == ["OM"]
    assert owners["internal-handover"] == ["OM"]
    assert owners["kickoff-call"] == ["OM"]
    steps = {x["id"]: x for s in shown["stages"] for x in s["steps"]}
    assert steps["delivery-team"]["consulted"] == ["HOD"], "the Heads of Department are consulted"
    assert steps["internal-handover"]["attending"] == ["AM", "OM", "CRM", "SM"]
    assert steps["kickoff-call"]["attending"] == ["AM", "OM"]
    assert shown["raci"] == {
        "responsible": "Operations Manager & Accountable Manager",
        "accountable": "Operations Manager",
        "consulted": "Heads of Department and Consultant",
        "informed": "Delivery team & Customer Relationship Manager",
    }
    assert owners["schedule-delivery-meetings"] == ["PM"]
    gated = {x["id"] for s in shown["stages"] for x in s["steps"] if x["gate"] == "first-payment"}
    assert gated == set(DELIVERY)
    text = run("playbooks", "show", PLAYBOOK).output
    assert "30 minutes" in text and "Putting a Client's Delivery team together" in text
    assert "Accountable: Operations Manager" in text and "consulted: HOD" in text
    assert "attending: AM, OM, CRM, SM" in text
    assert "The Acting Finance Manager is currently the Managing Director" in text  # a playbook note


def test_new_client_to_delivery_with_the_payment_gate(run, workspace):
    result = run(
        "new", "Acme Ltd", "--playbook", PLAYBOOK, "--no-input", "--set", "hubspot_deal=Acme – SEO retainer"
    )
    assert result.exit_code == 0, result.output
    assert doc(workspace, "acme-ltd")["facts"] == {"hubspot_deal": "Acme – SEO retainer"}
    for role, person in TEAM.items():
        email = person.split()[0].lower() + "@agency.example"
        assert run("assign", "acme-ltd", role, person, "--email", email).exit_code == 0
    # the delivery-team step names the Accountable Manager and the Project Manager
    run("done", "acme-ltd", "hubspot-notification")
    run("done", "acme-ltd", "obtain-details", "--no-input", *DETAILS)
    missing = run("done", "acme-ltd", "delivery-team", "--no-input")
    assert missing.exit_code == 1 and "role.AM" in missing.output
    done(run, "acme-ltd", "delivery-team")
    state = doc(workspace, "acme-ltd")
    assert state["facts"]["services"] == ["SEO", "Paid social"]
    assert state["facts"]["desired_start_date"] == date(2026, 4, 4)
    assert state["roles"]["AM"] == {"name": "Alex Morgan", "initials": "AM"}
    assert state["roles"]["PM"]["name"] == "Pat Moss"
    assert status(run, "acme-ltd")["stage"] == "proposal-signed"

    walk_stage(run, workspace, "acme-ltd", "proposal-signed")
    state = doc(workspace, "acme-ltd")
    assert state["facts"]["invoice_number"] == "INV-1001"
    assert state["facts"]["proposal_signed_date"] == date(2026, 3, 10)
    assert "drive_folder" not in state["facts"]  # optional, not given
    view = status(run, "acme-ltd")
    assert view["stage"] == "handover-kickoff"
    # kick-off by the desired start date (a Saturday): the Friday before
    assert view["by_id"]["kickoff-call"]["due"] == "2026-04-03"

    walk_stage(run, workspace, "acme-ltd", "handover-kickoff")
    view = status(run, "acme-ltd")
    assert view["stage"] == "first-payment"
    for step in DELIVERY:
        assert view["by_id"][step]["actionable"] is False
        gate = {"kind": "gate", "id": "first-payment", "label": "First payment received"}
        assert gate in view["by_id"][step]["waiting"]
    assert view["by_id"]["monitor-first-payment"]["actionable"] is True
    blocked = run("done", "acme-ltd", "lead-delivery", "--no-input")
    assert blocked.exit_code == 1 and "First payment received" in blocked.output
    assert "lead-delivery" not in doc(workspace, "acme-ltd")["steps"]

    result = run("gate", "acme-ltd", "first-payment")
    assert result.exit_code == 0, result.output
    gate = doc(workspace, "acme-ltd")["gates"]["first-payment"]
    assert gate == {"on": date(2026, 3, 1), "by": "tester"}
    view = status(run, "acme-ltd")
    for step in DELIVERY[:2]:
        assert view["by_id"][step]["actionable"] is True
    walk_stage(run, workspace, "acme-ltd", "first-payment")
    state = doc(workspace, "acme-ltd")
    assert state["gates"]["first-payment"] == gate  # step 14 does not record the gate again
    assert state["facts"]["first_payment_date"] == date(2026, 3, 25)

    final = status(run, "acme-ltd")
    assert final["progress"] == 1.0 and final["complete"] is True and final["stage"] is None
    assert all(s["status"] == "done" for s in final["steps"])
    assert len(final["steps"]) == sum(len(v) for v in STAGE_STEPS.values())
    end = run("next", "acme-ltd", "--no-input")
    assert "Every step is done." in end.output
    assert "Next process: Delivery Phase" in end.output
    assert "Putting a Client's Delivery team together" in end.output

    # the documents the sender attaches are listed at the end of the text to paste
    out = workspace / "clients" / "acme-ltd" / "out" / "emails"
    for name, document in (("invoice", "the invoice"), ("welcome-pack", "the Welcome pack")):
        text = (out / f"{name}.txt").read_text(encoding="utf-8")
        assert text.endswith(f"Attach:\n- {document} (not made by onboard: attach it yourself)\n"), name
        message, files = open_eml(out / f"{name}.eml")
        assert files == {} and "helen@acme.example" in str(message["To"])
    assert "reissue" not in (out / "invoice.txt").read_text(encoding="utf-8")
    assert "attach" not in (out / "introduction.txt").read_text(encoding="utf-8").lower()


def test_the_managing_director_lets_delivery_start_before_the_payment(run, workspace):
    answers = workspace / "beta.toml"
    answers.write_text(
        """
scale = "one pilot market"
timeline = "3 months"
desired_start_date = 2026-03-16
services = ["Content"]
proposal_signed_date = 2026-03-02
client_contact = "Bea Stone"
client_contact_email = "bea@beta.example"
invoice_number = "INV-2002"
kickoff_date = 2026-03-12

[roles]
AM = "Alex Morgan"
PM = { name = "Pat Moss", initials = "PMo" }

[actions]
monitor-first-payment = "later"
"""
    )
    result = run("new", "Beta Co", "-p", PLAYBOOK, "--set", "hubspot_deal=Beta pilot")
    assert result.exit_code == 0, result.output
    result = run("next", "beta-co", "--yes", "--no-input", "--force", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    assert "Waiting for: First payment received" in result.output
    state = doc(workspace, "beta-co")
    assert state["roles"]["PM"] == {"name": "Pat Moss", "initials": "PMo"}
    for stage in ("planning-proposal", "proposal-signed", "handover-kickoff"):
        for step in STAGE_STEPS[stage]:
            assert state["steps"][step]["status"] == "done", step
    assert not set(STAGE_STEPS["first-payment"]) & set(state["steps"])
    assert "first-payment" not in state.get("gates", {})

    no_reason = run("gate", "beta-co", "first-payment", "--override-by", "Managing Director")
    assert no_reason.exit_code == 1 and "reason" in no_reason.output
    not_allowed = run(
        "gate", "beta-co", "first-payment", "--override-by", "Pat Moss", "--reason", "in a hurry"
    )
    assert not_allowed.exit_code == 1 and "Managing Director" in not_allowed.output
    assert "first-payment" not in doc(workspace, "beta-co").get("gates", {})

    result = run(
        "gate",
        "beta-co",
        "first-payment",
        "--override-by",
        "Managing Director",
        "--reason",
        "long-standing client, pays on 30-day terms",
    )
    assert result.exit_code == 0, result.output
    state = doc(workspace, "beta-co")
    assert state["gates"]["first-payment"] == {
        "on": date(2026, 3, 1),
        "by": "tester",
        "override_by": "Managing Director",
        "reason": "long-standing client, pays on 30-day terms",
    }
    last = state["history"][-1]
    assert last["action"] == "gate" and "overridden by Managing Director" in last["summary"]

    for step in DELIVERY:
        done(run, "beta-co", step)
    view = status(run, "beta-co")
    assert view["by_id"]["monitor-first-payment"]["status"] == "pending"
    assert view["stage"] == "first-payment" and view["progress"] < 1.0

    done(run, "beta-co", "monitor-first-payment")  # the payment does arrive later
    state = doc(workspace, "beta-co")
    assert state["gates"]["first-payment"]["override_by"] == "Managing Director"
    final = status(run, "beta-co")
    assert final["progress"] == 1.0 and final["complete"] is True


def test_the_head_of_revenue_may_override_by_name_once_assigned(run, workspace):
    run("new", "Gamma", "-p", PLAYBOOK, "--set", "hubspot_deal=Gamma")
    assert run("assign", "gamma", "HOR", "Rita Vance").exit_code == 0
    result = run(
        "gate", "gamma", "first-payment", "--override-by", "Rita Vance", "--reason", "board approval"
    )
    assert result.exit_code == 0, result.output
    assert doc(workspace, "gamma")["gates"]["first-payment"]["override_by"] == "Rita Vance"
