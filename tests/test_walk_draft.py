"""`onboard next` shows a step's email as a draft, saved as .txt and .eml, before asking whether it was sent."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click
import pytest

from onboard.ui.prompt import ScriptedPrompter
from tests.fixtures.emails import open_eml

SLUG = "acme-corp"
INTAKE = [
    "--set",
    "program=Empathy at Work",
    "--set",
    "business_unit=General",
    "--set",
    "delivery_type=Virtual",
]


class Recording(ScriptedPrompter):
    """Writes each question into the output as it is asked, so the order of questions and output shows."""

    def _next(self, message: str) -> object:
        click.echo(f"? {message}")
        return super()._next(message)


def state_file(workspace: Path) -> dict:
    return tomllib.loads((workspace / "clients" / SLUG / "client.toml").read_text())


@pytest.fixture
def at_provide_dates(run, workspace: Path) -> Path:
    """A client whose next step is provide-dates (the date request email)."""
    assert run("new", "Acme Corp", "-p", "training-engagement", "--no-input", *INTAKE).exit_code == 0
    run("assign", SLUG, "RL", "Omar Haddad", "--email", "omar@iw.example")
    run("assign", SLUG, "LC", "Sam Rivera", "--email", "sam@iw.example")
    run(
        "set",
        SLUG,
        "course_date=2026-04-14",
        "session_sponsor=John Smith",
        "session_sponsor_email=john@acme.example",
        "contract_document=SOW",
    )
    for step in ("discovery-session", "enter-opportunity", "review-solutions", "enter-delivery-dates"):
        assert run("done", SLUG, step, "--no-input").exit_code == 0
    run("done", SLUG, "confirm-pricing", "--no-input")
    run("skip", SLUG, "legal-paperwork", "--reason", "MSA in place")
    assert run("done", SLUG, "scheduling-handoff", "--no-input").exit_code == 0
    return workspace / "clients" / SLUG / "out" / "emails"


ANSWERS = [None, "9:00-12:00 CT", "Ann Lee", "ann@acme.example"]  # None: the date kept


def test_the_draft_comes_before_the_done_question(run, workspace: Path, at_provide_dates: Path) -> None:
    prompter = Recording([*ANSWERS, "done", "stop"])
    result = run("next", SLUG, prompter=prompter)
    assert result.exit_code == 0, result.output
    out = result.output
    asked_email = out.index("? Client coordinator's email")
    draft = out.index("draft: email date-request")
    saved = out.index("date-request saved to")
    sent = out.index("? Sent? What now?")
    recorded = out.index("done provide-dates")
    assert asked_email < draft < saved < sent < recorded
    assert "Hi Ann," in out[draft:sent] and "Tuesday 14 April 2026, 9:00-12:00 CT" in out[draft:sent]
    assert out.count("date-request saved to") == 1 and "unchanged in" not in out, "shown once, as the draft"
    assert prompter.asked[-2:] == ["Sent? What now?", "What now?"]
    message, _ = open_eml(at_provide_dates / "date-request.eml")
    assert [a.addr_spec for a in message["To"].addresses] == ["ann@acme.example"]
    doc = state_file(workspace)
    assert doc["steps"]["provide-dates"]["status"] == "done"
    assert doc["facts"]["client_coordinator"] == "Ann Lee"
    assert [e["action"] for e in doc["history"][-2:]] == ["set", "done"]
    assert "Written:" in out and str(at_provide_dates / "date-request.txt") in out


def test_a_draft_not_sent_yet_keeps_the_answers_and_the_files(
    run, workspace: Path, at_provide_dates: Path
) -> None:
    result = run("next", SLUG, prompter=Recording([*ANSWERS, "later", "stop"]))
    assert result.exit_code == 0, result.output
    assert "Left for later: provide-dates" in result.output
    doc = state_file(workspace)
    assert "provide-dates" not in doc["steps"]
    assert doc["facts"]["client_coordinator_email"] == "ann@acme.example"
    assert (at_provide_dates / "date-request.txt").is_file() and (
        at_provide_dates / "date-request.eml"
    ).is_file()
    # at any time, before the step is done, the email renders from what was kept
    again = run("email", SLUG, "date-request")
    assert again.exit_code == 0 and again.stdout.startswith(
        "Empathy at Work: please confirm Tuesday 14 April"
    )
    # the next walk asks with the kept answers as defaults, and the draft is unchanged
    result = run("next", SLUG, prompter=Recording([None, None, None, None, "done", "stop"]))
    assert result.exit_code == 0, result.output
    assert "date-request unchanged in" in result.output
    assert state_file(workspace)["steps"]["provide-dates"]["status"] == "done"


def test_a_step_without_emails_asks_what_now_at_once(run, workspace: Path, at_provide_dates: Path) -> None:
    run("next", SLUG, prompter=Recording([*ANSWERS, "done", "stop"]))
    prompter = Recording(["stop"])
    result = run("next", SLUG, prompter=prompter)
    assert prompter.asked == ["What now?"], "assign-fac sends no email"
    assert "draft:" not in result.output
