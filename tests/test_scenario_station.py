"""A radio-station deal walked through station-onboarding (seed 002) through the CLI."""

import json
import tomllib
from datetime import date

from onboard.storage.library import Library
from tests.fixtures.emails import open_eml

PLAYBOOK = "station-onboarding"
STAGES = {
    "customer-brief": [
        "summarize-deal",
        "assign-owner",
        "review-summary",
        "assign-csm",
        "move-to-introduction-call",
    ],
    "introduction-call": [
        "send-introduction-email",
        "host-introduction-call",
        "recap-call",
        "move-to-set-up",
    ],
    "set-up": [
        "receive-set-up-info",
        "send-station-set-up",
        "create-entities",
        "create-training-users",
        "schedule-training",
        "move-to-training",
    ],
    "training": ["conduct-training", "move-to-post-training-cs"],
    "post-training-cs": ["send-completion-email", "cs-follow-up", "move-to-post-training-sales"],
    "post-training-sales": ["sales-follow-up", "move-to-deal-won"],
    "deal-won": ["mark-deal-won"],
}
BRIEF = """
agreement_length = "24 months"
payment_type = "quarterly"
products_licensed = ["Ratings Pro", "Ad Insights"]
start_date = 2026-04-01
end_date = 2028-03-31
contract_link = "https://drive.example/wxyz-contract.pdf"

[[contacts]]
name = "Dana Cole"
email = "dana@wxyz.example"
title = "Program Director"

[[contacts]]
name = "Lee Park"
email = "lee@wxyz.example"
phone = "+1 555 0100"

[[entities]]
call_sign = "WXYZ-FM"
market = "Springfield"
format = "Country"

[[entities]]
call_sign = "WABC-AM"
market = "Springfield"

[[sales_notes]]
on = 2026-02-20
kind = "email"
text = "Dana asked for training before the spring book"

[[sales_notes]]
on = 2026-02-24
kind = "note"
text = "Two stations now, a third maybe next year"

[roles]
ONB = "Mike E."
CSM = { name = "Casey Stone", email = "casey@example.com" }

[actions]
send-introduction-email = "later"
"""
SET_UP = """
first_training_date = 2026-04-14

[[training_users]]
name = "Dana Cole"
email = "dana@wxyz.example"
station = "WXYZ-FM"

[[training_users]]
name = "Robin Hale"
email = "robin@wxyz.example"
"""


def doc(workspace, slug):
    return tomllib.loads((workspace / "clients" / slug / "client.toml").read_text())


def status(run, slug):
    result = run("status", slug, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    data["by_id"] = {s["id"]: s for s in data["steps"]}
    return data


def done(run, slug, step, *args):
    result = run("done", slug, step, "--no-input", *args)
    assert result.exit_code == 0, (step, result.output)


def assert_stage_done(workspace, slug, stage):
    steps = doc(workspace, slug)["steps"]
    for step in STAGES[stage]:
        assert steps[step]["status"] == "done", step


def test_the_playbook_keeps_the_seed():
    playbook = Library().load(PLAYBOOK)
    assert [s.title for s in playbook.stages] == [
        "Stage 1: Customer Brief",
        "Stage 2: Introduction Call",
        "Stage 3: Set-Up",
        "Stage 4: Training",
        "Stage 5: Post Training - CS",
        "Stage 6: Post Training - Sales",
        "Stage 7: Deal Won",
    ]
    assert [[x.id for x in s.steps] for s in playbook.stages] == list(STAGES.values())
    assert playbook.status == "draft" and playbook.draft
    for stage in playbook.stages[2:]:
        assert any("Inferred" in note for note in stage.notes), stage.id
        assert all(step.inferred for step in stage.steps), stage.id
    assert not any(step.inferred for stage in playbook.stages[:2] for step in stage.steps)
    notes = playbook.fields["sales_notes"]
    assert notes.type == "records" and [c.name for c in notes.columns] == ["on", "kind", "text"]
    assert "sales_notes" in playbook.step("summarize-deal").asks
    assert playbook.step("assign-csm").assigns == ("CSM",)
    assert playbook.step("send-introduction-email").emails == ("introduction-call",)
    assert playbook.step("recap-call").emails == ("call-recap",)
    assert playbook.step("send-completion-email").emails == ("onboarding-completion",)
    assert playbook.step("create-entities").owner == "OPS"
    assert playbook.step("conduct-training").owner == "TRAIN"
    assert [c.name for c in playbook.fields["contacts"].columns] == ["name", "email", "title", "phone"]
    assert [c.name for c in playbook.fields["entities"].columns] == ["call_sign", "market", "format"]


def test_a_deal_from_the_brief_to_deal_won(run, workspace):
    brief = workspace / "brief.toml"
    brief.write_text(BRIEF)
    result = run(
        "new",
        "WXYZ Media Group",
        "--playbook",
        PLAYBOOK,
        "--no-input",
        "--set",
        "deal_summary=Two Springfield stations, 2-year license",
        "--set",
        "role.SALES=Sam Seller",
    )
    assert result.exit_code == 0, result.output
    assert "follows a DRAFT process" in result.output
    slug = "wxyz-media-group"
    assert doc(workspace, slug)["roles"]["SALES"]["name"] == "Sam Seller"
    for role, person in (("SALES", "Sam Seller"), ("OPS", "Mike Malone"), ("TRAIN", "Tia Train")):
        email = person.split()[0].lower() + "@example.com"
        assert run("assign", slug, role, person, "--email", email).exit_code == 0

    # Stage 1: the records fields come from the answers file's arrays of tables
    result = run("next", slug, "--yes", "--no-input", "--answers", str(brief))
    assert result.exit_code == 0, result.output
    assert "Left for later: send-introduction-email" in result.output
    assert_stage_done(workspace, slug, "customer-brief")
    state = doc(workspace, slug)
    facts = state["facts"]
    assert facts["contacts"] == [
        {"name": "Dana Cole", "email": "dana@wxyz.example", "title": "Program Director"},
        {"name": "Lee Park", "email": "lee@wxyz.example", "phone": "+1 555 0100"},
    ]
    assert facts["entities"] == [
        {"call_sign": "WXYZ-FM", "market": "Springfield", "format": "Country"},
        {"call_sign": "WABC-AM", "market": "Springfield"},
    ]
    assert facts["payment_type"] == "Quarterly"
    assert [(n["on"], n["kind"]) for n in facts["sales_notes"]] == [
        (date(2026, 2, 20), "email"),
        (date(2026, 2, 24), "note"),
    ]
    assert facts["products_licensed"] == ["Ratings Pro", "Ad Insights"]
    assert (facts["start_date"], facts["end_date"]) == (date(2026, 4, 1), date(2028, 3, 31))
    # the hand-off: Mike E. owns the deal first, then the CSM
    assert state["roles"]["ONB"] == {"name": "Mike E.", "initials": "ME"}
    assert state["roles"]["CSM"] == {"name": "Casey Stone", "initials": "CS", "email": "casey@example.com"}
    assignments = [e for e in state["history"] if e.get("step") == "assign-csm"]
    assert assignments and assignments[0]["set"]["roles.CSM"]["name"] == "Casey Stone"
    assert status(run, slug)["stage"] == "introduction-call"
    assert not set(STAGES["introduction-call"]) & set(state["steps"])

    # Stage 2
    done(run, slug, "send-introduction-email")
    out = workspace / "clients" / slug / "out" / "emails"
    intro, _ = open_eml(out / "introduction-call.eml")
    assert [a.addr_spec for a in intro["To"].addresses] == ["dana@wxyz.example", "lee@wxyz.example"]
    done(run, slug, "host-introduction-call")
    missing = run("done", slug, "recap-call", "--no-input")
    assert missing.exit_code == 1 and "call_outcomes" in missing.output
    done(run, slug, "recap-call", "--set", "call_outcomes=Weekly sync on Tuesdays; logo files to share")
    done(run, slug, "move-to-set-up")
    assert_stage_done(workspace, slug, "introduction-call")
    assert status(run, slug)["stage"] == "set-up"
    shown = run("status", slug).output
    assert "receive-set-up-info" in shown and "(inferred)" in shown
    assert "INFERRED" in run("next", slug, "--no-input").output

    # Stage 3 (inferred): station and user information from the client contact
    set_up = workspace / "set-up.toml"
    set_up.write_text(SET_UP)
    done(run, slug, "receive-set-up-info", "--answers", str(set_up))
    users = doc(workspace, slug)["facts"]["training_users"]
    assert users == [
        {"name": "Dana Cole", "email": "dana@wxyz.example", "station": "WXYZ-FM"},
        {"name": "Robin Hale", "email": "robin@wxyz.example"},
    ]
    early = run("done", slug, "create-entities", "--no-input")
    assert early.exit_code == 1 and "send-station-set-up" in early.output
    for step in STAGES["set-up"][1:]:
        done(run, slug, step, "--answers", str(set_up))
    assert_stage_done(workspace, slug, "set-up")
    view = status(run, slug)
    assert view["stage"] == "training"
    assert view["by_id"]["conduct-training"]["due"] == "2026-04-14"
    _, files = open_eml(out / "training-schedule.eml")
    assert list(files) == [f"{slug}-invitation.ics"], "the session's calendar invitation"

    # Stages 4-7 (inferred)
    links = ["--set", "survey_link=https://survey.example/wxyz"]
    for stage in ("training", "post-training-cs", "post-training-sales", "deal-won"):
        for step in STAGES[stage]:
            done(run, slug, step, *(links if step == "send-completion-email" else []))
        assert_stage_done(workspace, slug, stage)
    state = doc(workspace, slug)
    assert "resources_link" not in state["facts"]  # optional, not given
    assert not (out / "onboarding-completion.eml").exists(), "its text needs the resources link"
    assert run("set", slug, "resources_link=https://help.example/stations").exit_code == 0
    assert (
        run("email", slug, "onboarding-completion", "--eml", str(out / "onboarding-completion.eml")).exit_code
        == 0
    )
    final = status(run, slug)
    assert final["progress"] == 1.0 and final["complete"] is True and final["stage"] is None
    assert len(final["steps"]) == sum(len(v) for v in STAGES.values())
    assert {s["status"] for s in final["steps"]} == {"done"}
    assert final["client"]["contacts"][0]["name"] == "Dana Cole"
    completion, _ = open_eml(out / "onboarding-completion.eml")
    assert [a.addr_spec for a in completion["To"].addresses] == ["dana@wxyz.example", "robin@wxyz.example"]


def test_records_from_set_and_their_checks(run, workspace):
    run("new", "KQRS", "-p", PLAYBOOK, "--set", "deal_summary=One station")
    bad = run(
        "done",
        "kqrs",
        "summarize-deal",
        "--no-input",
        "--set",
        'contacts=[{name="A"}]',
    )
    assert bad.exit_code == 1 and "entry 1 needs 'email'" in bad.output
    terms = [
        "--set",
        "agreement_length=12 months",
        "--set",
        "payment_type=Annual",
        "--set",
        "products_licensed=Ratings Pro",
        "--set",
        "start_date=2026-05-01",
        "--set",
        "end_date=2027-04-30",
    ]
    missing = run("done", "kqrs", "summarize-deal", "--no-input", *terms)
    assert missing.exit_code == 1 and "contacts" in missing.output and "entities" in missing.output
    done(
        run,
        "kqrs",
        "summarize-deal",
        *terms,
        "--set",
        'contacts=[{name="A", email="a@b.co"}]',
        "--set",
        'entities=[{call_sign="KQRS-FM", market="Minneapolis", format="Classic Rock"}]',
    )
    facts = doc(workspace, "kqrs")["facts"]
    assert facts["contacts"] == [{"name": "A", "email": "a@b.co"}]
    assert facts["entities"][0]["call_sign"] == "KQRS-FM"
    assert facts["products_licensed"] == ["Ratings Pro"]
    # the review step only confirms: everything it needs is there
    done(run, "kqrs", "assign-owner", "--set", "role.ONB=Mike E.")
    done(run, "kqrs", "review-summary")
    refused = run("done", "kqrs", "assign-csm", "--no-input")
    assert refused.exit_code == 1 and "role.CSM" in refused.output
    done(run, "kqrs", "assign-csm", "--set", "role.CSM=Casey Stone")
    assert doc(workspace, "kqrs")["roles"]["CSM"]["initials"] == "CS"
