"""A radio-station deal walked through station-onboarding (seed 002) through the CLI."""

import json
import tomllib
from datetime import date

from onboard.storage.library import Library

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
    assert playbook.metadata["status"] == "DRAFT - WORKFLOW NOT LAUNCHED"
    for stage in playbook.stages[2:]:
        assert any("Inferred" in note for note in stage.notes), stage.id
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
    slug = "wxyz-media-group"
    assert doc(workspace, slug)["roles"]["SALES"]["name"] == "Sam Seller"

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
    done(
        run,
        slug,
        "send-introduction-email",
        "--set",
        "onboarding_contact=Dana Cole",
        "--set",
        "onboarding_contact_email=dana@wxyz.example",
    )
    done(run, slug, "host-introduction-call")
    missing = run("done", slug, "recap-call", "--no-input")
    assert missing.exit_code == 1 and "call_outcomes" in missing.output
    done(run, slug, "recap-call", "--set", "call_outcomes=Weekly sync on Tuesdays; logo files to share")
    done(run, slug, "move-to-set-up")
    assert_stage_done(workspace, slug, "introduction-call")
    assert status(run, slug)["stage"] == "set-up"

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

    # Stages 4-7 (inferred)
    for stage in ("training", "post-training-cs", "post-training-sales", "deal-won"):
        for step in STAGES[stage]:
            done(run, slug, step)
        assert_stage_done(workspace, slug, stage)
    state = doc(workspace, slug)
    assert "survey_link" not in state["facts"]  # optional, not given
    final = status(run, slug)
    assert final["progress"] == 1.0 and final["complete"] is True and final["stage"] is None
    assert len(final["steps"]) == sum(len(v) for v in STAGES.values())
    assert {s["status"] for s in final["steps"]} == {"done"}
    assert final["client"]["contacts"][0]["name"] == "Dana Cole"


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
