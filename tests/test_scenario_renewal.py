"""Clients walked through renewal (seed 001) through the CLI: the exit branch, the renew branch,
and a decision changed half-way."""

import json
import tomllib
from datetime import date

import pytest

from onboard.storage.library import Library

PLAYBOOK = "renewal"
MEETINGS = ["set-up-renewal-meeting", "internal-meeting", "renewal-meeting"]
EXIT = [
    "review-remaining-deliverables",
    "track-deliverables",
    "exit-interview",
    "crm-status-lapsed",
    "archive-access-and-tools",
    "archive-teamwork-project",
    "lessons-learned",
]
RENEW = [
    "agree-renewal-terms",
    "share-renewed-proposal",
    "save-proposal-update-tools",
    "follow-delivery-phase",
]
INTAKE = [
    "--set",
    "proposal_start=2026-01-06",
    "--set",
    "proposal_end=2026-12-31",
    "--set",
    "client_contact=Ravi Shah",
    "--set",
    "client_contact_email=ravi@acme.example",
]


@pytest.fixture(autouse=True)
def final_quarter(monkeypatch):
    monkeypatch.setenv("ONBOARD_NOW", "2026-10-01T09:00")


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


def statuses(view, ids):
    return {view["by_id"][i]["status"] for i in ids}


def start(run, name):
    result = run("new", name, "--playbook", PLAYBOOK, "--no-input", *INTAKE)
    assert result.exit_code == 0, result.output


def test_the_playbook_keeps_the_seed(run):
    shown = json.loads(run("playbooks", "show", PLAYBOOK, "--json").output)
    ids = [x["id"] for s in shown["stages"] for x in s["steps"]]
    assert ids == MEETINGS + EXIT + RENEW
    assert len(set(ids)) == len(ids)  # the seed's two steps 4c have their own ids
    when = {x["id"]: x["when"] for s in shown["stages"] for x in s["steps"]}
    assert all(when[i] == "client_decision == 'exit'" for i in EXIT)
    assert all(when[i] == "client_decision == 'renew'" for i in RENEW)
    playbook = Library().load(PLAYBOOK)
    notes = " ".join(playbook.notes)
    assert "two steps numbered 4c" in notes and "no step 6" in notes
    meeting = playbook.step("renewal-meeting")
    assert playbook.decisions["client_decision"].step == "renewal-meeting"
    assert "the Sales Manager should always be involved" in " ".join(meeting.notes)
    assert "unless it is agreed that the Accountable Manager should lead" in " ".join(meeting.notes)
    assert {s.section for s in playbook.steps if s.section.startswith("Step 4c")} == {
        "Step 4c (first)",
        "Step 4c (second)",
    }
    # the Accountable Manager holds the internal meeting; the Sales Manager and Consultant attend
    internal = playbook.step("internal-meeting")
    assert (internal.owner, internal.also, internal.attending) == ("AM", (), ("SM", "CONS"))
    assert playbook.step("exit-interview").consulted == ("AM", "CONS")
    assert shown["raci"]["consulted"] == "Consultant & Sales Manager"
    text = run("playbooks", "show", PLAYBOOK).output
    assert "attending: SM, CONS" in text and "Consulted: Consultant & Sales Manager" in text


def test_before_the_decision_neither_branch_is_actionable_nor_not_applicable(run):
    start(run, "Acme")
    view = status(run, "acme")
    # at the beginning of the final quarter (Oct 3 is a Saturday: the Friday before)
    assert view["by_id"]["set-up-renewal-meeting"]["due"] == "2026-10-02"
    assert view["by_id"]["set-up-renewal-meeting"]["actionable"] is True
    for step in EXIT + RENEW:
        assert view["by_id"][step]["status"] == "pending"
        assert view["by_id"][step]["actionable"] is False
        assert [w["id"] for w in view["by_id"][step]["waiting"] if w["kind"] == "fact"] == ["client_decision"]
    assert view["progress"] == 0.0
    late = run("status", "acme", "--json", "--as-of", "2026-10-05")
    assert next(s for s in json.loads(late.output)["steps"] if s["id"] == "set-up-renewal-meeting")["overdue"]


def test_exit_branch(run, workspace):
    start(run, "Acme")
    done(run, "acme", "set-up-renewal-meeting", "--set", "renewal_meeting_date=2026-10-20")
    done(run, "acme", "internal-meeting")
    missing = run("done", "acme", "renewal-meeting", "--no-input")
    assert missing.exit_code == 1 and "client_decision" in missing.output
    done(run, "acme", "renewal-meeting", "--set", "client_decision=exit")
    state = doc(workspace, "acme")
    assert state["facts"]["client_decision"] == "exit"
    assert state["facts"]["renewal_meeting_date"] == date(2026, 10, 20)
    assert set(state["steps"]) == set(MEETINGS)
    view = status(run, "acme")
    assert view["stage"] == "exit"
    assert statuses(view, RENEW) == {"n/a"}
    assert all(view["by_id"][s]["due"] is None for s in RENEW)
    # both steps 4c wait for the proposal to come to an end: due on its last day
    assert view["by_id"]["crm-status-lapsed"]["due"] == "2026-12-31"
    assert view["by_id"]["archive-access-and-tools"]["due"] == "2026-12-31"
    assert view["progress"] == round(3 / 10, 4)
    refused = run(
        "done",
        "acme",
        "agree-renewal-terms",
        "--no-input",
        "--set",
        "renewal_type=project",
        "--set",
        "renewal_signed_date=2026-10-15",
    )
    assert refused.exit_code == 1 and "does not apply" in refused.output

    for step in EXIT:
        done(
            run,
            "acme",
            step,
            *(["--set", "lessons_learned=scope earlier"] if step == "lessons-learned" else []),
        )
    state = doc(workspace, "acme")
    assert set(state["steps"]) == set(MEETINGS + EXIT)  # no renew step recorded
    assert all(state["steps"][s]["status"] == "done" for s in MEETINGS + EXIT)

    final = status(run, "acme")
    assert final["progress"] == 1.0 and final["complete"] is True and final["stage"] is None
    assert statuses(final, MEETINGS + EXIT) == {"done"}
    assert statuses(final, RENEW) == {"n/a"}
    agenda = json.loads(run("due", "--json").output)
    assert not [item for item in agenda if item["client"] == "acme"]
    end = run("next", "acme", "--no-input")
    assert "Every step is done." in end.output and "Next process" not in end.output


def test_renew_branch_into_a_retainer(run, workspace):
    answers = workspace / "renew.toml"
    answers.write_text('renewal_type = "retainer"\nrenewal_signed_date = 2026-11-02\n')
    start(run, "Beta")
    done(run, "beta", "set-up-renewal-meeting")
    done(run, "beta", "internal-meeting")
    result = run("decide", "beta", "client_decision", "renew", "--reason", "signed for another year")
    assert result.exit_code == 0, result.output
    state = doc(workspace, "beta")
    last = state["history"][-1]
    assert last["action"] == "decide" and last["by"] == "tester"
    assert "signed for another year" in last["summary"]
    assert state["facts"]["client_decision"] == "renew"
    done(run, "beta", "renewal-meeting")  # the decision is known: nothing more to ask
    view = status(run, "beta")
    assert view["stage"] == "renew"
    assert statuses(view, EXIT) == {"n/a"}

    result = run("next", "beta", "--yes", "--no-input", "--force", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    assert "Every step is done." in result.output
    assert "Next process: Moving a Client from a Project to Retainer" in result.output
    assert "Next process: Quarterly Delivery Phase" in result.output
    assert "Next process: Delivery Phase" not in result.output
    state = doc(workspace, "beta")
    assert state["facts"]["renewal_type"] == "retainer"
    assert state["facts"]["renewal_signed_date"] == date(2026, 11, 2)
    assert set(state["steps"]) == set(MEETINGS + RENEW)  # no exit step recorded

    final = status(run, "beta")
    assert final["progress"] == 1.0 and final["complete"] is True
    assert statuses(final, MEETINGS + RENEW) == {"done"}
    assert statuses(final, EXIT) == {"n/a"}


def test_a_changed_decision_leaves_the_branch_left_not_applicable_with_its_history(run, workspace):
    start(run, "Gamma")
    for step in MEETINGS[:2]:
        done(run, "gamma", step)
    done(run, "gamma", "renewal-meeting", "--set", "client_decision=exit")
    done(run, "gamma", "review-remaining-deliverables")
    done(run, "gamma", "track-deliverables")
    before = doc(workspace, "gamma")["steps"]

    result = run("decide", "gamma", "client_decision", "renew", "--reason", "new budget approved")
    assert result.exit_code == 0, result.output
    state = doc(workspace, "gamma")
    assert state["facts"]["client_decision"] == "renew"
    for step in ("review-remaining-deliverables", "track-deliverables"):
        assert state["steps"][step] == before[step]  # kept, with when and by whom
    actions = [(e["action"], e.get("step")) for e in state["history"]]
    assert ("done", "review-remaining-deliverables") in actions and ("done", "track-deliverables") in actions
    assert (
        "changed client_decision from 'exit' to 'renew': new budget approved"
        in state["history"][-1]["summary"]
    )
    view = status(run, "gamma")
    assert statuses(view, EXIT) == {"n/a"}
    assert view["stage"] == "renew"
    assert view["progress"] == round(3 / 7, 4)  # only the meetings and the renew branch count

    same = run("decide", "gamma", "client_decision", "renew", "--reason", "again")
    assert same.exit_code == 1
    for step in RENEW:
        extra = ["--force", "--set", "renewal_type=project", "--set", "renewal_signed_date=2026-10-15"]
        done(run, "gamma", step, *(extra if step == "agree-renewal-terms" else []))
    final = status(run, "gamma")
    assert final["progress"] == 1.0 and final["complete"] is True
    assert statuses(final, EXIT) == {"n/a"}
    end = run("next", "gamma", "--no-input")
    assert "Next process: Delivery Phase" in end.output
    assert "Retainer" not in end.output

    # going back to exit brings the two done steps back, the renew branch becomes n/a
    assert (
        run("decide", "gamma", "client_decision", "exit", "--reason", "renewal fell through").exit_code == 0
    )
    back = status(run, "gamma")
    assert back["by_id"]["track-deliverables"]["status"] == "done"
    assert statuses(back, RENEW) == {"n/a"}
    assert back["progress"] == round(5 / 10, 4)
