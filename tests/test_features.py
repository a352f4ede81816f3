"""Engine features the processes need beyond a straight line, on a small playbook of our own."""

import json
import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar

from onboard.core.engine import (
    NA,
    complete_step,
    decide,
    follow_on,
    new_client,
    overview,
    plan_upgrade,
    postpone,
    replay,
    undo,
    upgrade,
)
from onboard.errors import OnboardError
from onboard.storage.library import Library, load_playbook

NOW = datetime(2026, 3, 2, 9, 0)  # a Monday

MINI = """
title = "Mini"
revision = 2
intake = ["start_date"]

[roles.CSM]
name = "Customer Success Manager"
[roles.MD]
name = "Managing Director"

[fields.start_date]
type = "date"
[fields.outcome]
type = "choice"
choices = ["exit", "renew"]
[fields.contacts]
type = "records"
[fields.contacts.columns]
name = { type = "text" }
email = { type = "email" }
phone = { type = "text", required = false }

[gates.first-payment]
title = "First payment received"
override_roles = ["MD"]

[decisions.outcome]
title = "Exit or renew?"
step = "meeting"
[decisions.outcome.branches]
exit = ["exit-interview"]
renew = ["renew-terms"]

[[follow_ups]]
title = "Delivery Phase"
note = "not a playbook here"

[[follow_ups]]
title = "Do it again"
playbook = "mini"
when = "outcome == 'renew'"

[[stages]]
id = "start"
title = "Start"
[[stages.steps]]
id = "kickoff"
title = "Kick-off outreach"
owner = "CSM"
due = "2 business days after start_date"
asks = ["contacts"]
[[stages.steps]]
id = "meeting"
title = "Meeting"
owner = "CSM"
asks = ["outcome"]
renamed_from = ["old-meeting"]

[[stages]]
id = "branch"
title = "Branch"
[[stages.steps]]
id = "exit-interview"
title = "Exit interview"
owner = "CSM"
[[stages.steps]]
id = "renew-terms"
title = "Renewal terms"
owner = "CSM"
gate = "first-payment"
[[stages.steps]]
id = "check-in"
title = "Check-in"
owner = "CSM"
due = "5 weeks after start_date, roll none"
repeat = { every = "2 weeks", until = "12 weeks after start_date" }
"""

OLD = (
    MINI.replace("revision = 2", "revision = 1")
    .replace('renamed_from = ["old-meeting"]', "")
    .replace('id = "meeting"', 'id = "old-meeting"')
    .replace('step = "meeting"', 'step = "old-meeting"')
    .replace('due = "2 business days after start_date"', 'due = "3 days after start_date"')
)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates" / "mini"
    (folder / "revisions").mkdir(parents=True)
    (folder / "playbook.toml").write_text(MINI)
    (folder / "revisions" / "1.toml").write_text(OLD)
    return tmp_path / "templates"


@pytest.fixture
def mini(templates):
    return Library(templates).load("mini")


def start(pb, **facts):
    return new_client(
        pb, name="Acme", slug="acme", facts={"start_date": "2026-03-06", **facts}, now=NOW, by="t"
    )


def views(pb, state, today=date(2026, 3, 2), holidays=()):
    return {v.step.id: v for v in overview(pb, state, today, holidays).steps}


def test_business_days_across_a_weekend_and_a_holiday(mini):
    state = start(mini)  # Friday 6 March
    assert views(mini, state)["kickoff"].due == date(2026, 3, 10)
    assert views(mini, state, holidays={date(2026, 3, 9)})["kickoff"].due == date(2026, 3, 11)


def test_repeated_steps_each_have_their_own_due_date(mini):
    ids = [s.id for s in mini.steps if s.repeat_of == "check-in"]
    assert ids == ["check-in-1", "check-in-2", "check-in-3", "check-in-4"]
    v = views(mini, start(mini))
    assert [v[i].due for i in ids] == [
        date(2026, 4, 10),
        date(2026, 4, 24),
        date(2026, 5, 8),
        date(2026, 5, 22),
    ]
    assert mini.step("check-in-2").title == "Check-in (2 of 4)"


def test_branches_wait_for_the_decision_then_the_other_is_not_applicable(mini):
    state = start(mini)
    v = views(mini, state)
    assert v["exit-interview"].status == "pending" and not v["exit-interview"].actionable
    contacts = [{"name": "Ann Lee", "email": "ann@acme.example"}]
    state = complete_step(mini, state, "kickoff", answers={"contacts": contacts}, now=NOW, by="t")
    state = complete_step(mini, state, "meeting", answers={"outcome": "exit"}, now=NOW, by="t")
    v = views(mini, state)
    assert v["renew-terms"].status == NA and v["exit-interview"].actionable
    state = complete_step(mini, state, "exit-interview", answers={}, now=NOW, by="t")
    progress_exit = overview(mini, state, NOW.date()).progress
    state = decide(mini, state, "outcome", "renew", reason="they called back", now=NOW, by="md")
    v = views(mini, state)
    assert v["exit-interview"].status == NA
    assert state.steps["exit-interview"]["status"] == "done"  # history kept
    assert v["renew-terms"].status == "pending"
    assert "changed outcome from 'exit' to 'renew': they called back" in state.history[-1].summary
    assert progress_exit > overview(mini, state, NOW.date()).progress
    with pytest.raises(OnboardError, match="already"):
        decide(mini, state, "outcome", "renew", reason="again", now=NOW, by="md")


def test_a_branch_naming_a_missing_step_is_rejected(tmp_path):
    path = tmp_path / "mini" / "playbook.toml"
    path.parent.mkdir()
    path.write_text(MINI.replace('renew = ["renew-terms"]', 'renew = ["renew-terms", "ghost"]'))
    with pytest.raises(OnboardError, match="names step 'ghost', which does not exist"):
        load_playbook(path)


def test_records_fields_are_checked_column_by_column(mini):
    state = start(mini)
    with pytest.raises(OnboardError, match="entry 1, email"):
        complete_step(
            mini, state, "kickoff", answers={"contacts": [{"name": "A", "email": "nope"}]}, now=NOW, by="t"
        )
    text = '[{name = "Ann", email = "ann@x.io"}, {name = "Bo", email = "bo@x.io", phone = "555"}]'
    state = complete_step(mini, state, "kickoff", answers={"contacts": text}, now=NOW, by="t")
    assert state.facts["contacts"][1] == {"name": "Bo", "email": "bo@x.io", "phone": "555"}


def test_gate_override_records_who_and_why(run, workspace, templates):
    (workspace / "templates").rmdir()
    (workspace / "templates").symlink_to(templates)
    run("new", "Acme", "-p", "mini", "--set", "start_date=2026-03-06")
    run("done", "acme", "kickoff", "--set", 'contacts=[{name="Ann", email="a@b.co"}]')
    run("done", "acme", "meeting", "--set", "outcome=renew")
    status = json.loads(run("status", "acme", "--json").output)
    waiting = next(s for s in status["steps"] if s["id"] == "renew-terms")["waiting"]
    assert waiting == [{"kind": "gate", "id": "first-payment", "label": "First payment received"}]
    result = run("gate", "acme", "first-payment", "--override-by", "Managing Director")
    assert result.exit_code == 1 and "reason" in result.output
    result = run(
        "gate", "acme", "first-payment", "--override-by", "Managing Director", "--reason", "trusted client"
    )
    assert result.exit_code == 0
    doc = tomllib.loads((workspace / "clients" / "acme" / "client.toml").read_text())
    assert doc["gates"]["first-payment"]["override_by"] == "Managing Director"
    assert doc["gates"]["first-payment"]["reason"] == "trusted client"
    assert run("done", "acme", "renew-terms").exit_code == 0


def test_postpone_shows_the_new_date_and_undo_restores_the_old(mini):
    state = start(mini)
    state = postpone(mini, state, "kickoff", to=date(2026, 3, 20), reason="client away", now=NOW, by="t")
    v = views(mini, state)["kickoff"]
    assert v.due == date(2026, 3, 20) and v.moved
    state, _ = undo(state, now=NOW, by="t")
    v = views(mini, state)["kickoff"]
    assert v.due == date(2026, 3, 10) and not v.moved


def test_postpone_and_as_of_through_the_cli(run, workspace, templates):
    (workspace / "templates").rmdir()
    (workspace / "templates").symlink_to(templates)
    run("new", "Acme", "-p", "mini", "--set", "start_date=2026-03-06")
    client = workspace / "clients" / "acme" / "client.toml"
    before = client.read_bytes()
    late = json.loads(run("due", "--json", "--as-of", "2026-03-12").output)
    assert late[0]["step"] == "kickoff" and late[0]["overdue"] is True
    early = json.loads(run("due", "--json", "--as-of", "2026-03-02").output)
    assert early[0]["overdue"] is False
    assert client.read_bytes() == before
    assert run("postpone", "acme", "kickoff", "--by", "1w", "--reason", "holiday").exit_code == 0
    status = json.loads(run("status", "acme", "--json").output)
    assert next(s for s in status["steps"] if s["id"] == "kickoff")["due"] == "2026-03-17"
    assert "(moved)" in run("status", "acme").output
    assert run("undo", "acme").exit_code == 0
    status = json.loads(run("status", "acme", "--json").output)
    assert next(s for s in status["steps"] if s["id"] == "kickoff")["due"] == "2026-03-10"


def test_an_older_revision_is_kept_and_upgrade_lists_and_moves(templates):
    library = Library(templates)
    assert library.revisions("mini") == [1, 2]
    old = library.load("mini", 1)
    new = library.load("mini")
    assert old.revision == 1 and old.has_step("old-meeting")
    state = new_client(old, name="Acme", slug="acme", facts={"start_date": "2026-03-06"}, now=NOW, by="t")
    state = complete_step(
        old, state, "kickoff", answers={"contacts": [{"name": "A", "email": "a@b.co"}]}, now=NOW, by="t"
    )
    state = complete_step(old, state, "old-meeting", answers={"outcome": "exit"}, now=NOW, by="t")
    plan = plan_upgrade(old, new, state)
    assert plan.renamed == (("old-meeting", "meeting"),)
    assert ("kickoff", "3 days after start_date", "2 business days after start_date") in plan.retimed
    moved = upgrade(old, new, state, now=NOW, by="t")
    assert moved.playbook_revision == 2
    assert moved.steps["meeting"]["status"] == "done" and "old-meeting" not in moved.steps
    assert moved.steps["kickoff"] == state.steps["kickoff"]
    assert replay(moved).sections == moved.sections and replay(moved).playbook_revision == 2
    back, _ = undo(moved, now=NOW, by="t")
    assert back.playbook_revision == 1 and back.steps == state.steps


def test_upgrade_through_the_cli(run, workspace, templates):
    (workspace / "templates").rmdir()
    (workspace / "templates").symlink_to(templates)
    run("new", "Acme", "-p", "mini", "--set", "start_date=2026-03-06")
    path = workspace / "clients" / "acme" / "client.toml"
    path.write_text(
        path.read_text()
        .replace("playbook_revision = 2", "playbook_revision = 1")
        .replace('"meta.playbook_revision" = 2', '"meta.playbook_revision" = 1')
    )
    run("done", "acme", "kickoff", "--set", 'contacts=[{name="Ann", email="a@b.co"}]')
    assert run("done", "acme", "old-meeting", "--set", "outcome=exit").exit_code == 0
    assert "started on mini revision 1" in run("check").output
    dry = run("upgrade", "acme", "--dry-run")
    assert "old-meeting -> meeting (renamed)" in dry.output
    assert tomllib.loads(path.read_text())["playbook_revision"] == 1
    assert run("upgrade", "acme", "--yes").exit_code == 0
    doc = tomllib.loads(path.read_text())
    assert doc["playbook_revision"] == 2 and doc["steps"]["meeting"]["status"] == "done"


def test_follow_on_carries_facts_and_roles(mini):
    state = start(mini)
    state = complete_step(
        mini, state, "kickoff", answers={"contacts": [{"name": "A", "email": "a@b.co"}]}, now=NOW, by="t"
    )
    from onboard.core.engine import assign_role

    state = assign_role(mini, state, "CSM", name="Ann Lee", initials=None, email=None, now=NOW, by="t")
    nxt = follow_on(mini, state, mini, slug="acme-mini", now=NOW, by="t")
    assert nxt.facts["contacts"] == state.facts["contacts"]
    assert nxt.roles["CSM"]["name"] == "Ann Lee"
    assert nxt.steps == {}


def test_next_offers_the_follow_on_playbook_at_the_end(run, workspace, templates):
    (workspace / "templates").rmdir()
    (workspace / "templates").symlink_to(templates)
    run("new", "Acme", "-p", "mini", "--set", "start_date=2026-03-06")
    answers = workspace / "a.toml"
    answers.write_text(
        'outcome = "renew"\ncontacts = [{name = "Ann", email = "a@b.co"}]\n'
        '[actions]\nfollow = "mini"\n[gates]\n"first-payment" = true\n'
    )
    result = run("next", "acme", "--yes", "--no-input", "--answers", str(answers))
    assert result.exit_code == 0, result.output
    assert "Next process: Delivery Phase" in result.output
    assert (workspace / "clients" / "acme-mini" / "client.toml").is_file()
    log = json.loads(run("log", "acme", "--json").output)
    assert log[-1]["summary"] == "followed by mini as acme-mini"


def test_calendar_file_has_one_event_per_due_step(run, workspace, templates):
    (workspace / "templates").rmdir()
    (workspace / "templates").symlink_to(templates)
    run("new", "Acme", "-p", "mini", "--set", "start_date=2026-03-06")
    target = workspace / "due.ics"
    assert run("calendar", "acme", "-o", str(target)).exit_code == 0
    cal = Calendar.from_ical(target.read_bytes())
    events = [c for c in cal.walk("VEVENT")]
    status = json.loads(run("status", "acme", "--json").output)
    dated = {s["id"]: s["due"] for s in status["steps"] if s["due"] and s["status"] == "pending"}
    assert len(events) == len(dated) == 5
    got = {str(e["UID"]).split(".")[1].split("@")[0]: e.decoded("DTSTART").isoformat() for e in events}
    assert got == dated
