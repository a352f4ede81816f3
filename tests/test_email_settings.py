"""What the company decides, in onboard.toml's [emails]: a sentence that needs a setting is left out until it is set."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from onboard.core.engine import assign_role, new_client
from onboard.emails.checks import template_problems
from onboard.emails.compose import Emails
from onboard.errors import OnboardError
from onboard.storage.library import Library, shipped_dir
from onboard.storage.workspace import CONFIG_TEMPLATE, EMAIL_SETTINGS, parse_settings

NOW = datetime(2026, 3, 1, 9, 0)
TODAY = NOW.date()
# Wording the processes never give, and no shipped email may use as it stands.
INVENTED = (
    "half hour",
    "20 minutes",
    "about an hour",
    "30 minutes",
    "an hour",
    "14 days",
    "3 business days",
    "the same day",
    "completed by its end",
    "tables of 4",
    "projector",
    "flip chart",
    "slides and workbook",
    "momentum",
    "five minutes",
    "two-minute",
    "get back to you quickly",
    "priorities for the next quarter",
)


def agency_client():
    agency = Library().load("agency-onboarding")
    facts = {
        "hubspot_deal": "Acme",
        "client_contact": "Helen Park",
        "client_contact_email": "helen@acme.example",
        "services": ["SEO"],
    }
    state = new_client(agency, name="Acme Ltd", slug="acme", facts=facts, now=NOW, by="t")
    state = assign_role(agency, state, "CRM", name="Cleo Ruiz", initials=None, email=None, now=NOW, by="t")
    return agency, state


def test_init_writes_every_setting_commented_so_none_is_set() -> None:
    config = tomllib.loads(CONFIG_TEMPLATE.format(name="ws", user="me"))
    assert parse_settings(config, Path("onboard.toml")).emails == {}
    for key in ("eval_distribution_list", "reply_within_business_days", "room_setup"):
        assert f"\n# {key} = " in CONFIG_TEMPLATE, key
    for meeting in ("one_to_one_call", "welcome_meeting", "exit_interview", "kickoff_call", "value_review"):
        assert f"\n# {meeting} = " in CONFIG_TEMPLATE, meeting
    assert set(EMAIL_SETTINGS) == {
        "eval_distribution_list",
        "reply_within_business_days",
        "room_setup",
        "meeting_lengths",
    }


def test_settings_are_checked_and_every_problem_named() -> None:
    data = {
        "emails": {
            "eval_distribution_list": ["evals@", 3],
            "reply_within_business_days": 0,
            "meeting_lengths": {"welcome_meeting": ""},
            "room_setup": 5,
            "tone": "warm",
        }
    }
    with pytest.raises(OnboardError) as caught:
        parse_settings(data, Path("onboard.toml"))
    message = caught.value.message
    assert message.startswith("onboard.toml: ")
    for part in (
        "emails.eval_distribution_list must be a list of email addresses",
        "emails.reply_within_business_days must be a whole number of business days from 1 to 60",
        "emails.meeting_lengths must be a table of texts",
        "emails.room_setup must be a text",
        "emails.tone is not a setting",
    ):
        assert part in message
    one = parse_settings({"emails": {"eval_distribution_list": "evals@iw.example"}}, Path("o.toml"))
    assert one.emails == {"eval_distribution_list": ["evals@iw.example"]}


def test_an_unset_meeting_length_leaves_it_out_and_a_set_one_says_it() -> None:
    agency, state = agency_client()
    bare = Emails().render(agency, state, "one-to-one-call", TODAY).text
    assert "1-2-1 introduction call with you: to say hello" in bare
    assert "minutes" not in bare
    settings = {"meeting_lengths": {"one_to_one_call": "20 minutes"}}
    decided = Emails(settings=settings).render(agency, state, "one-to-one-call", TODAY).text
    assert "1-2-1 introduction call with you (20 minutes): to say hello" in decided


def test_a_setting_used_without_a_guard_is_named_with_where_to_set_it(tmp_path: Path) -> None:
    agency, state = agency_client()
    folder = tmp_path / "agency-onboarding" / "emails"
    folder.mkdir(parents=True)
    (folder / "call.txt").write_text(
        "Subject: s\nTo: CRM\n---\nA call of {{ settings.meeting_lengths.one_to_one_call }}.\n",
        encoding="utf-8",
    )
    with pytest.raises(OnboardError) as caught:
        Emails(tmp_path).render(agency, state, "call", TODAY)
    assert "[emails.meeting_lengths] one_to_one_call = ... in onboard.toml" in caught.value.message


def test_check_refuses_a_setting_that_does_not_exist(tmp_path: Path) -> None:
    agency = Library().load("agency-onboarding")
    folder = tmp_path / "agency-onboarding" / "emails"
    folder.mkdir(parents=True)
    (folder / "odd.txt").write_text("Subject: s\nTo: CRM\n---\n{{ settings.tone }}\n", encoding="utf-8")
    problems = template_problems(agency, tmp_path)
    assert any("settings.tone is not an [emails] setting" in p for p in problems), problems


@pytest.mark.parametrize("path", sorted(shipped_dir().glob("*/emails/*.txt")), ids=lambda p: p.stem)
def test_no_shipped_email_makes_a_promise_the_process_does_not(path: Path) -> None:
    text = path.read_text(encoding="utf-8").lower()
    body = text.split("\n---\n", 1)[1]
    for words in INVENTED:
        assert words not in body, f"{path.parent.parent.name}/{path.name}: {words!r}"
