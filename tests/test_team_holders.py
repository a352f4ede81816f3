"""Role holders from the team (issue 14, point 5): a name as people type it finds the team member,
`new` and `next` offer the members with the role as a pick list, free entry last and warned."""

from __future__ import annotations

import pytest

from onboard.storage.workspace import Settings, TeamMember

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
