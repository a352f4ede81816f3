"""Role holders from the team (issue 14, point 5): a name as people type it finds the team member,
`new` and `next` offer the members with the role as a pick list, free entry last and warned."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from onboard.errors import OnboardError
from onboard.storage.library import Library
from onboard.storage.workspace import Settings, TeamMember
from onboard.ui.answers import SOMEONE_ELSE
from onboard.ui.prompt import ScriptedPrompter

JANE = TeamMember("Jane Doe", "JDO", "jane@example.com", ("FAC",))
JANET = TeamMember("Janet Roe", "JR", None, ("LC",))
OMAR = TeamMember("Omar Ali", "OA", "omar@example.com", ("FAC", "LC"))
OMAR_2 = TeamMember("Omar Haddad", "OH", None, ("RL",))
SETTINGS = Settings(team=(JANE, JANET, OMAR, OMAR_2))


@pytest.mark.parametrize(
    ("typed", "member"),
    [
        ("Jane Doe", JANE),
        ("  jane   DOE ", JANE),
        ("Jane", JANE),
        ("jane", JANE),
        ("JDO", JANE),
        ("jdo", JANE),
        ("JANE@example.com", JANE),
        ("Janet", JANET),
        ("jane d", JANE),
        ("Omar H", OMAR_2),
        ("oa", OMAR),
    ],
)
def test_a_name_first_name_start_initials_or_email_finds_the_one_team_member(typed, member):
    assert SETTINGS.member(typed) == member
    assert SETTINGS.holder(typed) == {"name": member.name, "initials": member.initials, "email": member.email}


@pytest.mark.parametrize(("typed", "count"), [("Omar", 2), ("Jan", 2), ("Pat", 0), ("", 0), ("   ", 0)])
def test_an_ambiguous_or_unknown_name_is_no_member_and_stays_as_typed(typed, count):
    assert len(SETTINGS.matches(typed)) == count
    assert SETTINGS.member(typed) is None
    assert SETTINGS.holder(typed) == typed


def test_a_table_holder_takes_the_team_entry_and_keeps_its_own_initials_and_email():
    assert SETTINGS.holder({"name": "Jane"}) == {
        "name": "Jane Doe",
        "initials": "JDO",
        "email": "jane@example.com",
    }
    assert SETTINGS.holder({"name": "Jane", "initials": "JX"})["initials"] == "JX"
    assert SETTINGS.holder({"name": "Pat Free", "initials": "PF"}) == {"name": "Pat Free", "initials": "PF"}


TEAM = """
[[team]]
name = "Jane Doe"
initials = "JDO"
email = "jane@example.com"
roles = ["FAC"]

[[team]]
name = "Janet Roe"
initials = "JR"
roles = ["LC"]

[[team]]
name = "Omar Ali"
initials = "OA"
email = "omar@example.com"
roles = ["FAC", "LC"]
"""

MINI = """
title = "Mini"
intake = ["start_date", "role.LC"]

[roles.LC]
name = "Learning Coordinator"
[roles.FAC]
name = "Facilitator"

[fields.start_date]
type = "date"

[naming]
roster = "Roster-{client}-{roles.FAC.initials}"

[[stages]]
id = "one"
title = "One"
[[stages.steps]]
id = "welcome"
title = "Welcome the facilitator"
owner = "LC"
emails = ["welcome"]
[[stages.steps]]
id = "send-roster"
title = "Send the roster"
owner = "LC"
after = ["welcome"]
names = ["roster"]
"""

WELCOME = """\
Subject: Welcome to {{ client }}
From: LC
To: FAC
---
Hi {{ roles.FAC.name | first_name }},

You facilitate for {{ client }}.

{{ roles.LC.name }}
"""

START = ("--set", "start_date=2026-03-02")


@pytest.fixture
def team_workspace(workspace: Path) -> Path:
    """The test workspace with a team and a small playbook whose email and file name need the FAC."""
    config = workspace / "onboard.toml"
    config.write_text(config.read_text() + TEAM)
    folder = workspace / "templates" / "mini"
    (folder / "emails").mkdir(parents=True)
    (folder / "playbook.toml").write_text(MINI)
    (folder / "emails" / "welcome.txt").write_text(WELCOME)
    return workspace


def roles_of(workspace: Path, slug: str = "acme") -> dict:
    return tomllib.loads((workspace / "clients" / slug / "client.toml").read_text()).get("roles", {})


def test_new_offers_the_team_members_with_the_intake_role_the_first_preselected(run, team_workspace):
    prompter = ScriptedPrompter([None])
    result = run("new", "Acme", "-p", "mini", *START, prompter=prompter)
    assert result.exit_code == 0, result.output
    ((question, choices, default),) = prompter.offered
    assert question == "Who is the LC (Learning Coordinator)?"
    assert choices == [
        ("Janet Roe", "Janet Roe (JR)"),
        ("Omar Ali", "Omar Ali (OA, omar@example.com)"),
        (SOMEONE_ELSE, "someone else…"),
    ]
    assert default == "Janet Roe"
    assert roles_of(team_workspace)["LC"] == {"name": "Janet Roe", "initials": "JR"}
    assert "guess" not in result.output


def test_new_takes_someone_else_typed_and_warns_that_the_initials_are_a_guess(run, team_workspace):
    prompter = ScriptedPrompter([SOMEONE_ELSE, "Pat Free"])
    result = run("new", "Acme", "-p", "mini", *START, prompter=prompter)
    assert result.exit_code == 0, result.output
    assert roles_of(team_workspace)["LC"] == {"name": "Pat Free", "initials": "PF"}
    assert "'Pat Free' is not on the team list" in result.output
    assert "onboard assign acme LC 'Pat Free' --initials XX --email name@example.com" in result.output


def test_new_without_a_terminal_names_the_missing_intake_role_and_resolves_a_typed_name(run, team_workspace):
    refused = run("new", "Acme", "-p", "mini", *START, "--no-input")
    assert refused.exit_code == 1
    assert "Missing role.LC for new client 'Acme'" in refused.output
    assert "onboard new Acme --playbook mini --set 'role.LC=" in refused.output
    result = run("new", "Acme", "-p", "mini", *START, "--set", "role.LC=omar a", "--no-input")
    assert result.exit_code == 0, result.output
    assert roles_of(team_workspace)["LC"] == {
        "name": "Omar Ali",
        "initials": "OA",
        "email": "omar@example.com",
    }


def test_an_intake_role_the_playbook_lacks_is_a_playbook_problem(tmp_path):
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "playbook.toml").write_text(MINI.replace('"role.LC"', '"role.CSM"'))
    with pytest.raises(OnboardError) as caught:
        Library(tmp_path).load("mini")
    assert "intake: unknown role 'CSM' in 'role.CSM'" in caught.value.message


def test_next_asks_the_role_an_email_needs_from_the_pick_list_before_the_draft(run, team_workspace):
    assert run("new", "Acme", "-p", "mini", *START, "--set", "role.LC=Janet", "--no-input").exit_code == 0
    prompter = ScriptedPrompter(["Jane Doe", "done", "stop"])
    result = run("next", "acme", prompter=prompter)
    assert result.exit_code == 0, result.output
    assert prompter.asked[:2] == ["Who is the FAC (Facilitator)?", "Sent? What now?"]
    assert [value for value, _ in prompter.offered[0][1]] == ["Jane Doe", "Omar Ali", SOMEONE_ELSE]
    assert prompter.offered[0][2] == "Jane Doe"
    assert "email welcome needs the FAC" in result.output
    assert "To: Jane Doe <jane@example.com>" in result.output
    assert "Hi Jane," in result.output
    assert roles_of(team_workspace)["FAC"] == {
        "name": "Jane Doe",
        "initials": "JDO",
        "email": "jane@example.com",
    }


@pytest.mark.parametrize("script", [[None], [SOMEONE_ELSE, "Jane"], [SOMEONE_ELSE, "jane@example.com"]])
def test_next_asks_the_role_a_file_name_needs_and_the_name_ends_with_their_real_initials(
    run, team_workspace, script
):
    assert run("new", "Acme", "-p", "mini", *START, "--set", "role.LC=Janet", "--no-input").exit_code == 0
    assert run("skip", "acme", "welcome", "--reason", "met in person").exit_code == 0
    prompter = ScriptedPrompter(["done", *script])
    result = run("next", "acme", prompter=prompter)
    assert result.exit_code == 0, result.output
    assert prompter.asked[1] == "Who is the FAC (Facilitator)?"
    assert "the roster file name needs the FAC" in result.output
    assert "roster file name: Roster-Acme-JDO" in result.output
    assert roles_of(team_workspace)["FAC"]["name"] == "Jane Doe"
    assert "guess" not in result.output


def test_an_ambiguous_name_typed_is_kept_with_a_warning_naming_the_members_and_the_fix(run, team_workspace):
    assert run("new", "Acme", "-p", "mini", *START, "--set", "role.LC=Janet", "--no-input").exit_code == 0
    assert run("skip", "acme", "welcome", "--reason", "met in person").exit_code == 0
    result = run("next", "acme", prompter=ScriptedPrompter(["done", SOMEONE_ELSE, "Jan"]))
    assert result.exit_code == 0, result.output
    assert roles_of(team_workspace)["FAC"] == {"name": "Jan", "initials": "J"}
    assert "roster file name: Roster-Acme-J" in result.output
    assert "'Jan' could be Jane Doe or Janet Roe on the team list" in result.output
    assert "onboard assign acme FAC 'Jane Doe'" in result.output
    assert "onboard assign acme FAC Jan --initials XX --email name@example.com" in result.output


def test_next_without_a_terminal_leaves_the_role_and_names_onboard_assign(run, team_workspace):
    assert run("new", "Acme", "-p", "mini", *START, "--set", "role.LC=Janet", "--no-input").exit_code == 0
    result = run("next", "acme", "--yes", "--no-input")
    assert result.exit_code == 0, result.output
    assert "FAC" not in roles_of(team_workspace)
    assert "Email welcome was not written: roles.FAC not set." in result.output
    assert "roster file name: Naming convention" in result.output
    hint = "Nobody holds FAC yet; record who does, like `onboard assign acme FAC 'Jane Doe'` (FAC on the team: Jane Doe, Omar Ali)."
    assert result.output.count(hint) == 2


def test_next_takes_the_role_an_email_needs_from_the_answers(run, team_workspace):
    assert run("new", "Acme", "-p", "mini", *START, "--set", "role.LC=Janet", "--no-input").exit_code == 0
    result = run("next", "acme", "--yes", "--no-input", "--set", "role.FAC=Omar")
    assert result.exit_code == 0, result.output
    assert roles_of(team_workspace)["FAC"] == {
        "name": "Omar Ali",
        "initials": "OA",
        "email": "omar@example.com",
    }
    assert "roster file name: Roster-Acme-OA" in result.output


def test_assign_with_a_first_name_stores_the_team_member_and_an_unknown_one_is_warned(run, team_workspace):
    assert run("new", "Acme", "-p", "mini", *START, "--set", "role.LC=Janet", "--no-input").exit_code == 0
    assert run("assign", "acme", "FAC", "Jane").exit_code == 0
    assert roles_of(team_workspace)["FAC"] == {
        "name": "Jane Doe",
        "initials": "JDO",
        "email": "jane@example.com",
    }
    result = run("assign", "acme", "FAC", "Sue Park", "--email", "sue@example.com")
    assert result.exit_code == 0
    assert (
        "'Sue Park' is not on the team list ([[team]] in onboard.toml), so FAC's initials 'SP' are a guess."
        in (" ".join(result.output.split()))
    )
    assert "guess" not in run("assign", "acme", "FAC", "Sue Park", "--initials", "SPK").output
