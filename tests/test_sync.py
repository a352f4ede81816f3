"""`onboard sync`, `resolve`, `due --mine` and who is named: a team on real git in tmp_path.

git itself calls the merge driver here (during `onboard sync` and `git pull`);
tests/test_merge.py covers the merge rules directly.
"""

from __future__ import annotations

import json
import shutil
import tomllib

import pytest
from fixtures.team import INTAKE, Team
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def team(tmp_path, monkeypatch):
    return Team(tmp_path, monkeypatch)


def history(member, slug="acme-corp"):
    return tomllib.loads(member.file(slug).read_text(encoding="utf-8"))["history"]


def test_two_people_skip_two_steps_of_one_client_and_both_stand_on_both_clones(team):
    ann = team.founder("Ann", "Acme Corp")
    bob = team.joiner("Bob")
    ann.ok("skip", "acme-corp", "discovery-session", "--reason", "met at the fair")
    ann.ok("sync")
    bob.ok("skip", "acme-corp", "enter-opportunity", "--reason", "entered by sales")
    synced = bob.ok("sync")
    assert "1 commit(s) in" in synced.output and "Changed by others: acme-corp" in synced.output
    ann.ok("sync")

    assert ann.file("acme-corp").read_bytes() == bob.file("acme-corp").read_bytes()
    for member in (ann, bob):
        steps = tomllib.loads(member.file("acme-corp").read_text())["steps"]
        assert steps["discovery-session"]["status"] == "skipped"
        assert steps["enter-opportunity"]["status"] == "skipped"
        status = member.ok("status", "acme-corp", "--all").output
        assert "conflict" not in status
        log = member.ok("log", "acme-corp").output
        assert "Ann" in log and "Bob" in log
    assert [(e["by"], e["action"]) for e in history(ann)] == [
        ("Ann", "created"),
        ("Ann", "skip"),
        ("Bob", "skip"),
    ]
    assert "<<<<<<<" not in ann.file("acme-corp").read_text()
    assert ann.git("status", "--porcelain").stdout == ""


def test_git_pull_merges_a_client_file_through_the_driver(team):
    ann = team.founder("Ann", "Acme Corp")
    bob = team.joiner("Bob")
    ann.ok("skip", "acme-corp", "discovery-session", "--reason", "r")
    ann.git("commit", "-qam", "ann")
    ann.git("push", "-q")
    bob.ok("skip", "acme-corp", "enter-opportunity", "--reason", "r")
    bob.git("commit", "-qam", "bob")
    pulled = bob.git("pull", "--no-rebase", "--no-edit", check=False)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    steps = tomllib.loads(bob.file("acme-corp").read_text())["steps"]
    assert set(steps) == {"discovery-session", "enter-opportunity"}
    assert bob.ok("status", "acme-corp").exit_code == 0


def test_the_same_step_done_differently_is_a_conflict_the_later_wins_and_resolve_settles_it(team):
    ann = team.founder("Ann", "Acme Corp")
    bob = team.joiner("Bob")
    ann.ok("done", "acme-corp", "discovery-session", now="2026-03-02T09:00")
    ann.ok("sync")
    bob.ok("skip", "acme-corp", "discovery-session", "--reason", "not needed", now="2026-03-02T10:00")
    bob.ok("sync")

    doc = tomllib.loads(bob.file("acme-corp").read_text())
    assert doc["steps"]["discovery-session"]["status"] == "skipped"  # Bob's was later
    [conflict] = doc["conflicts"]
    assert conflict["path"] == "steps.discovery-session" and "settled_by" not in conflict
    status = bob.ok("status", "acme-corp").output
    assert status.splitlines()[0].startswith(f"! conflict {conflict['id']}: step discovery-session")
    assert "kept skipped" in status and "over done" in status
    assert json.loads(bob.ok("status", "acme-corp", "--json").output)["conflicts"]
    checked = bob.run("check")
    assert checked.exit_code == 1 and f"conflict {conflict['id']} to settle" in checked.output

    listed = bob.ok("resolve", "acme-corp").output
    assert conflict["id"] in listed and "--keep kept|other" in listed
    settled = bob.ok("resolve", "acme-corp", conflict["id"][:4], "--keep", "other", now="2026-03-02T11:00")
    assert "brought back done" in settled.output
    assert "conflict" not in bob.ok("status", "acme-corp").output
    assert "to settle" not in bob.run("check").output
    bob.ok("sync")
    ann.ok("sync")
    doc = tomllib.loads(ann.file("acme-corp").read_text())
    assert doc["steps"]["discovery-session"]["status"] == "done"
    assert doc["conflicts"][0]["settled_by"] == "Bob" and doc["conflicts"][0]["settled_keep"] == "other"
    assert "conflict" not in ann.ok("status", "acme-corp").output


def test_sync_without_a_remote_says_so_and_keeps_the_change(team, tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    from fixtures.team import Member, git

    git(alone, "init", "-q")
    git(alone, "config", "user.name", "Ann")
    git(alone, "config", "user.email", "ann@example.com")
    ann = Member("Ann", alone)
    ann.ok("init")
    ann.ok("new", "Acme Corp", "-p", "training-engagement", *INTAKE)
    result = ann.run("sync")
    assert result.exit_code == 1
    assert "has no remote to sync with" in result.output and "git remote add origin URL" in result.output
    assert ann.file("acme-corp").is_file()


def test_sync_with_an_unreachable_remote_says_so_and_keeps_the_commit(team, tmp_path):
    ann = team.founder("Ann", "Acme Corp")
    ann.git("remote", "set-url", "origin", str(tmp_path / "no-such-folder" / "remote.git"))
    ann.ok("skip", "acme-corp", "discovery-session", "--reason", "r")
    result = ann.run("sync")
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert "cannot be reached" in first and "no-such-folder" in first
    assert "committed here" in result.output
    assert (
        "skipped discovery-session"
        in ann.git("log", "-1", "--format=%s").stdout + history(ann)[-1]["summary"]
    )
    assert ann.git("status", "--porcelain").stdout == ""


def test_sync_with_refused_credentials_says_so(team, tmp_path, monkeypatch):
    ann = team.founder("Ann", "Acme Corp")
    ssh = tmp_path / "fake-ssh"
    ssh.write_text("#!/bin/sh\necho 'git@example.invalid: Permission denied (publickey).' >&2\nexit 255\n")
    ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(ssh))
    ann.git("remote", "set-url", "origin", "git@example.invalid:team/onboarding.git")
    result = ann.run("sync")
    assert result.exit_code == 1
    assert "refused your credentials" in result.output.splitlines()[0]


def test_sync_stops_on_a_conflict_in_onboard_toml_and_leaves_the_repository_as_it_was(team):
    ann = team.founder("Ann", "Acme Corp")
    bob = team.joiner("Bob")
    for member, holiday in ((ann, "2026-12-24"), (bob, "2026-12-31")):
        config = member.root / "onboard.toml"
        text = config.read_text().replace("holidays = []", f"holidays = [{holiday}]")
        config.write_text(text)
    ann.ok("sync")
    bob.ok("skip", "acme-corp", "discovery-session", "--reason", "r")
    head_before = bob.git("rev-parse", "HEAD").stdout
    result = bob.run("sync")
    assert result.exit_code == 1
    assert "Both sides changed onboard.toml" in result.output and "nothing was merged" in result.output
    head = bob.git("rev-parse", "HEAD").stdout
    assert head != head_before  # Bob's own changes were committed first...
    assert bob.git("rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).returncode != 0
    assert bob.git("status", "--porcelain").stdout == ""  # ...and nothing is half merged
    assert "2026-12-31" in (bob.root / "onboard.toml").read_text()
    assert "<<<<<<<" not in (bob.root / "onboard.toml").read_text()
    assert (
        tomllib.loads(bob.file("acme-corp").read_text())["steps"]["discovery-session"]["status"] == "skipped"
    )


def test_setup_records_the_person_outside_the_workspace_and_names_them(team):
    ann = team.founder("Ann", "Acme Corp")
    setup = ann.ok("sync", "--setup", "--name", "Ann Lee", "--email", "ann.lee@example.com")
    assert "recorded as Ann Lee" in setup.output
    ann.ok("skip", "acme-corp", "discovery-session", "--reason", "r")
    assert history(ann)[-1]["by"] == "Ann Lee"
    assert (
        ann.run("skip", "acme-corp", "enter-opportunity", "--reason", "r", ONBOARD_USER="Ann L.").exit_code
        == 0
    )
    assert history(ann)[-1]["by"] == "Ann L."
    assert "Ann Lee" not in (ann.root / "onboard.toml").read_text()


def test_due_mine_shows_the_steps_of_the_roles_i_hold(team):
    ann = team.founder("Ann", "Acme Corp", "Beta Co")
    config = ann.root / "onboard.toml"
    config.write_text(
        config.read_text()
        + '\n[[team]]\nname = "Ann"\ninitials = "AN"\nroles = ["LEGAL"]\n'
        + '\n[[team]]\nname = "Rita Lopez"\ninitials = "RL2"\nroles = ["RL"]\n'
    )
    ann.ok("assign", "acme-corp", "RL", "Ann")
    ann.ok("assign", "beta-co", "RL", "Rita Lopez")
    everything = json.loads(ann.ok("due", "--json").output)
    mine = json.loads(ann.ok("due", "--mine", "--json").output)
    assert mine and len(mine) < len(everything)
    assert {(i["client"], i["role"]) for i in mine} <= {
        ("acme-corp", "RL"),
        ("acme-corp", "LEGAL"),
        ("beta-co", "LEGAL"),
    }
    assert any(i["client"] == "acme-corp" and i["role"] == "RL" for i in mine)
    assert not any(i["client"] == "beta-co" and i["role"] == "RL" for i in mine)


CLI_CHANGES = {
    "done": lambda step, n: ("done", "acme-corp", step, "--force"),
    "skip": lambda step, n: ("skip", "acme-corp", step, "--force", "--reason", f"r{n}"),
    "set": lambda step, n: ("set", "acme-corp", f"program=P{n % 3}"),
    "assign": lambda step, n: ("assign", "acme-corp", "RL", f"Person {n % 2}"),
    "postpone": lambda step, n: (
        "postpone",
        "acme-corp",
        step,
        "--to",
        f"2026-04-{1 + n % 20:02d}",
        "--reason",
        "r",
    ),
    "undo": lambda step, n: ("undo", "acme-corp"),
}


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.lists(
        st.tuples(
            st.integers(0, 1),
            st.sampled_from((*CLI_CHANGES, "sync")),
            st.sampled_from(("discovery-session", "enter-opportunity", "review-solutions")),
            st.integers(0, 9),
        ),
        min_size=2,
        max_size=6,
    )
)
def test_clones_that_change_and_sync_through_git_in_any_order_end_identical(
    tmp_path_factory, monkeypatch, plan
):
    team = Team(tmp_path_factory.mktemp("team"), monkeypatch)
    members = [team.founder("Ann", "Acme Corp"), team.joiner("Bob")]
    made = {e["id"] for e in history(members[0])}
    for minute, (who, op, step, n) in enumerate(plan, start=1):
        member = members[who]
        if op == "sync":
            member.ok("sync")
            continue
        before = len(history(member))
        result = member.run(*CLI_CHANGES[op](step, n), now=f"2026-03-02T09:{minute:02d}")
        if result.exit_code == 0 and len(history(member)) > before:
            made.add(history(member)[-1]["id"])
    for _round in range(2):
        for member in members:
            member.ok("sync")
    files = {member.file("acme-corp").read_bytes() for member in members}
    assert len(files) == 1
    ids = [e["id"] for e in history(members[0])]
    assert len(ids) == len(set(ids)) and set(ids) == made
    assert members[0].ok("status", "acme-corp").exit_code == 0


TEAM = (
    '\n[[team]]\nname = "Jane Doe"\ninitials = "JDO"\nemail = "jane@example.com"\nroles = ["FAC"]\n'
    '\n[[team]]\nname = "Omar Ali"\ninitials = "OA"\nroles = ["FAC", "LC"]\n'
    '\n[[team]]\nname = "Lee Chan"\ninitials = "LC"\nroles = ["LC"]\n'
)


@pytest.mark.parametrize(
    ("script", "stored"),
    [
        (["Jane Doe"], {"name": "Jane Doe", "initials": "JDO", "email": "jane@example.com"}),
        (["", "Pat Free"], {"name": "Pat Free", "initials": "PF"}),
    ],
)
def test_a_role_holder_is_picked_from_the_team_members_with_that_role(run, workspace, script, stored):
    from onboard.ui.prompt import ScriptedPrompter

    config = workspace / "onboard.toml"
    config.write_text(config.read_text() + TEAM)
    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    prompter = ScriptedPrompter(script)
    result = run("done", "acme", "assign-fac", "--force", prompter=prompter)
    assert result.exit_code == 0, result.output
    assert prompter.asked[0] == "Who is the FAC (Facilitator)?"
    holder = tomllib.loads((workspace / "clients" / "acme" / "client.toml").read_text())["roles"]["FAC"]
    assert holder == stored


def test_the_pick_list_offers_only_that_roles_members_preselects_one_and_ends_with_free_entry():
    from onboard.storage.workspace import TeamMember
    from onboard.ui.answers import SOMEONE_ELSE, ask_holder

    class Recorder:
        interactive = True

        def select(self, message, choices, default=None):
            self.choices, self.default = choices, default
            return default

    team = (
        TeamMember("Jane Doe", "JD", "jane@example.com", ("FAC",)),
        TeamMember("Lee Chan", "LC", None, ("LC",)),
    )
    team += (TeamMember("Omar Ali", "OA", None, ("FAC",)),)
    prompter = Recorder()
    assert ask_holder(prompter, "Who?", "FAC", "", team) == "Jane Doe"
    assert prompter.choices == [
        ("Jane Doe", "Jane Doe (JD, jane@example.com)"),
        ("Omar Ali", "Omar Ali (OA)"),
        (SOMEONE_ELSE, "someone else…"),
    ]
    assert ask_holder(prompter, "Who?", "FAC", "Omar Ali", team) == "Omar Ali"


def test_attendance_imported_on_two_clones_merges_source_by_source_and_undoes_through_git(team):
    from pathlib import Path

    from onboard.delivery.datafiles import load_attendance

    fixtures = Path(__file__).parent / "fixtures"
    ann = team.founder("Ann", "Acme Corp")
    ann.ok("set", "acme-corp", "course_date=2026-04-03", "course_time=09:00-12:00")
    ann.ok("assign", "acme-corp", "FAC", "Dana Whitfield", "--email", "dana.whitfield@iw.example")
    ann.ok("roster", "acme-corp", "--import", str(fixtures / "roster-values.csv"))
    ann.ok("sync")
    bob = team.joiner("Bob")
    ann.ok("roster", "acme-corp", "--attendance", str(fixtures / "attendance-facilitator-fabrikam.xlsx"))
    zoom = fixtures / "attendance-zoom-fabrikam.csv"
    bob.ok("roster", "acme-corp", "--attendance", str(zoom), now="2026-03-01T10:00")
    ann.ok("sync")
    bob.ok("sync")
    ann.ok("sync")
    folders = [member.root / "clients" / "acme-corp" for member in (ann, bob)]
    assert (folders[0] / "attendance.jsonl").read_bytes() == (folders[1] / "attendance.jsonl").read_bytes()
    for folder in folders:
        attendance = load_attendance(folder)
        assert [s.kind for s in attendance.sources] == ["sheet", "report"]
        assert [d.name for d in attendance.disagreements] == ["Pieter van der Berg"]
        assert sum(p.attended for p in attendance.people) == 5
    log = ann.ok("log", "acme-corp").output
    assert "attendance from attendance sheet" in log and "attendance from Zoom report" in log

    undone = bob.ok("undo", "acme-corp", now="2026-03-01T11:00").output  # the latest change: Bob's import
    assert "attendance from Zoom report" in undone and "removed its attendance source" in undone
    bob.ok("sync")
    ann.ok("sync")
    attendance = load_attendance(folders[0])
    assert [s.kind for s in attendance.sources] == ["sheet"] and not attendance.disagreements
    assert (folders[0] / "attendance.jsonl").read_bytes() == (folders[1] / "attendance.jsonl").read_bytes()


def test_resolve_with_a_value_of_ones_own_and_with_nothing_to_settle(run, workspace, training):
    from datetime import datetime

    from onboard.core.engine import set_facts
    from onboard.core.merge import merge
    from onboard.storage.store import Store

    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    assert "has no open conflict" in run("resolve", "acme").output
    store = Store(workspace / "clients")
    base = store.load("acme")
    ann = set_facts(training, base, {"program": "A"}, now=datetime(2026, 3, 2, 9), by="Ann")
    bob = set_facts(training, base, {"program": "B"}, now=datetime(2026, 3, 2, 10), by="Bob")
    with store.transaction("acme") as tx:
        tx.commit(merge(base, ann, bob).state)
    wrong = run("resolve", "acme", "--value", "x", "--keep", "kept")
    assert wrong.exit_code == 1 and "not both" in wrong.output
    settled = run("resolve", "acme", "--value", "Both")
    assert settled.exit_code == 0, settled.output
    assert "set 'Both'" in settled.output
    doc = tomllib.loads((workspace / "clients" / "acme" / "client.toml").read_text())
    assert doc["facts"]["program"] == "Both" and doc["conflicts"][0]["settled_keep"] == "value"
    assert doc["history"][-1]["by"] == "tester"


def test_outside_git_the_name_comes_from_onboard_toml(run, workspace, monkeypatch):
    config = workspace / "onboard.toml"
    config.write_text(config.read_text().replace('name = "tester"', 'name = "Solo Coordinator"', 1))
    monkeypatch.delenv("ONBOARD_USER")
    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    doc = tomllib.loads((workspace / "clients" / "acme" / "client.toml").read_text())
    assert doc["history"][0]["by"] == "Solo Coordinator"
