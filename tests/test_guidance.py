"""Every message leads somewhere: refusals that name their way out, hints built from the field's own
definition, dates and links checked where they come in, did-you-mean, a re-asked question that
starts clean, and a stage that does not apply drawn as such.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from datetime import date
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from onboard.core.fields import Field, FieldType, coerce, doubt, limit_problems
from onboard.errors import OnboardError
from onboard.storage.library import load_playbook
from onboard.ui.prompt import QuestionaryPrompter, ScriptedPrompter

TRAINING = ["-p", "training-engagement", "--set", "program=Empathy at Work"]
TRAINING += ["--set", "business_unit=General", "--set", "delivery_type=Virtual"]
COMMAND = re.compile(r"`(onboard [^`]+)`")


def facts(workspace: Path, slug: str) -> dict:
    return tomllib.loads((workspace / "clients" / slug / "client.toml").read_text())["facts"]


@pytest.fixture
def acme(run):
    assert run("new", "Acme", *TRAINING).exit_code == 0
    return "acme"


def commands(output: str) -> list[str]:
    return COMMAND.findall(output)


# --- 1. every refusal names its way out ---------------------------------------------------------


def test_a_step_waiting_for_a_gate_names_the_gate_command_and_the_approvers_path(run, acme):
    refused = run("done", acme, "record-signed-contract")
    assert refused.exit_code == 1
    assert "gate signed-contract (Signed LOE/contract received)" in refused.output
    found = commands(refused.output)
    assert "onboard gate acme signed-contract" in found
    assert "onboard gate acme signed-contract --override-by NAME --reason 'why'" in found
    assert "--force" not in refused.output.split("gate signed-contract (")[1].split("Or pass")[0]


def test_a_step_waiting_for_steps_names_them_and_the_command_for_the_first(run, acme):
    refused = run("done", acme, "send-docusign")
    assert refused.exit_code == 1
    assert "step send-contract-to-legal" in refused.output
    assert commands(refused.output)[0] == "onboard done acme discovery-session"  # the earlier stage first


def test_a_missing_role_holder_names_onboard_assign(run, acme, workspace):
    refused = run("done", acme, "assign-fac", "--no-input", "--force")
    assert refused.exit_code == 1 and "role.FAC" in refused.output
    found = commands(refused.output)
    assert found == [
        "onboard done acme assign-fac --set 'role.FAC=Ann Lee'",
        "onboard assign acme FAC 'Ann Lee'",
    ]
    assert run(*shlex.split(found[1])[1:]).exit_code == 0
    assert run("done", acme, "assign-fac", "--no-input", "--force").exit_code == 0
    holder = tomllib.loads((workspace / "clients" / acme / "client.toml").read_text())["roles"]["FAC"]
    assert holder["name"] == "Ann Lee"


def test_status_names_gate_ids_and_json_waiting_entries_are_objects(run, acme):
    status = json.loads(run("status", acme, "--json").output)
    waiting = next(s for s in status["steps"] if s["id"] == "record-signed-contract")["waiting"]
    assert {"kind": "gate", "id": "signed-contract", "label": "Signed LOE/contract received"} in waiting
    assert {"kind": "step", "id": "send-docusign", "label": waiting[1]["label"]} in waiting
    text = run("status", acme, "--all").output
    assert "gate signed-contract (Signed LOE/contract received)" in text
    shown = json.loads(run("playbooks", "show", "training-engagement", "--json").output)
    assert shown["gates"]["signed-contract"]["title"] == "Signed LOE/contract received"


# --- 2. hints built from the field's own definition ---------------------------------------------


def test_a_records_hint_uses_its_own_columns_and_pastes(run, workspace):
    assert run("new", "Wave", "-p", "station-onboarding", "--set", "deal_summary=Two stations").exit_code == 0
    run("done", "wave", "assign-owner", "--set", "role.ONB=Ona Bell")
    refused = run("done", "wave", "summarize-deal", "--no-input")
    line = commands(refused.output)[0]
    assert '\'entities=[{call_sign = "WXYZ-FM", market = ' in line
    assert "email" not in line.split("entities=", 1)[1].split("]")[0]
    args = shlex.split(line)[1:]
    pasted = run(*args)
    assert pasted.exit_code == 0, pasted.output
    assert facts(workspace, "wave")["entities"][0]["call_sign"] == "WXYZ-FM"


def test_the_saas_stakeholders_hint_asks_for_name_and_role():
    saas = load_playbook(Path(__file__).resolve().parent.parent / "templates/saas-onboarding/playbook.toml")
    example = saas.fields["stakeholders"].example()
    assert example.startswith("[{name = ") and "role = " in example
    assert coerce(saas.fields["stakeholders"], example)


def test_hints_are_shell_quoted_and_say_what_is_wanted_in_good_grammar():
    choice = Field("eval_method", type=FieldType.CHOICE, choices=("Client internal survey", "IW Ask Nicely"))
    assert choice.assignment() == "'eval_method=Client internal survey'"
    with pytest.raises(OnboardError) as err:
        coerce(Field("contact_email", type=FieldType.EMAIL), "nobody")
    assert err.value.hint == "Give an email address, such as contact_email=name@example.com."
    with pytest.raises(OnboardError) as err:
        coerce(Field("people", type=FieldType.RECORDS, columns=(Field("name"),)), "[{")
    assert err.value.hint.startswith("Give a list of records, such as 'people=[{name = ")


# --- 3. dates and links checked where they come in ----------------------------------------------


def test_an_impossible_day_is_named_as_such(run, acme, workspace):
    result = run("set", acme, "course_date=2027-02-30")
    assert result.exit_code == 1
    assert "30 February 2027 does not exist" in result.output
    assert "2027-02-30" not in json.dumps(facts(workspace, acme), default=str)


def test_an_end_before_its_start_is_refused_in_set_done_and_answers(run, acme, workspace):
    assert run("set", acme, "course_date=2026-05-04").exit_code == 0
    refused = run("set", acme, "course_end_date=2026-05-01")
    assert (
        refused.exit_code == 1
        and "course_end_date = 2026-05-01 is before course_date (2026-05-04)" in refused.output
    )
    moved = run("set", acme, "course_end_date=2026-05-05")
    assert moved.exit_code == 0
    start_after_end = run("set", acme, "course_date=2026-05-06")
    assert start_after_end.exit_code == 1 and "is before course_date (2026-05-06)" in start_after_end.output
    answers = workspace / "dates.toml"
    answers.write_text("course_date = 2026-05-10\ncourse_end_date = 2026-05-09\n")
    for step in ("discovery-session", "enter-opportunity", "review-solutions"):
        run("done", acme, step)
    from_file = run("done", acme, "enter-delivery-dates", "--answers", str(answers))
    assert from_file.exit_code == 1 and "before course_date" in from_file.output
    assert facts(workspace, acme)["course_date"] == date(2026, 5, 4)


def test_a_past_course_date_is_refused_without_force_and_kept_with_it(run, acme, workspace):
    refused = run("set", acme, "course_date=2020-01-06")
    assert refused.exit_code == 1 and "is in the past (today is 2026-03-01)" in refused.output
    assert "onboard set acme course_date=2020-01-06 --force" in commands(refused.output)
    for step in ("discovery-session", "enter-opportunity", "review-solutions"):
        run("done", acme, step)
    by_flag = run("done", acme, "enter-delivery-dates", "--no-input", "--set", "course_date=2020-01-06")
    assert by_flag.exit_code == 1 and "--force" in by_flag.output
    forced = run(
        "done", acme, "enter-delivery-dates", "--no-input", "--force", "--set", "course_date=2020-01-06"
    )
    assert forced.exit_code == 0, forced.output
    assert facts(workspace, acme)["course_date"] == date(2020, 1, 6)


def test_a_future_signature_date_is_asked_about_in_the_walk(run, acme, workspace):
    assert run("set", acme, "signature_date=2026-03-20").exit_code == 1
    assert run("set", acme, "signature_date=2026-03-20", "--force").exit_code == 0
    spec = load_playbook(
        Path(__file__).resolve().parent.parent / "templates/training-engagement/playbook.toml"
    )
    from onboard.ui.answers import ask_field

    prompter = ScriptedPrompter(["2026-03-20", False, "2026-02-26"])
    value = ask_field(prompter, spec.fields["signature_date"], None, {}, date(2026, 3, 1))
    assert value == date(2026, 2, 26)
    assert prompter.asked[1].startswith("signature_date = 2026-03-20 is in the future")
    kept = ScriptedPrompter(["2026-03-20", True])
    assert ask_field(kept, spec.fields["signature_date"], None, {}, date(2026, 3, 1)) == date(2026, 3, 20)


def test_links_must_be_web_links(run, acme, workspace):
    refused = run("set", acme, "meeting_link=not a url")
    assert refused.exit_code == 1 and "is not a web link" in refused.output
    assert run("set", acme, "meeting_link=ftp://files.example/x").exit_code == 1
    assert run("set", acme, "meeting_link=https://zoom.example/j/1").exit_code == 0
    assert facts(workspace, acme)["meeting_link"] == "https://zoom.example/j/1"


def test_the_rules_live_with_the_field_definitions(tmp_path):
    text = """
title = "Tiny"
[roles.OM]
name = "Operations"
[fields.start]
type = "date"
not_before = "today"
[fields.end]
type = "date"
not_before = "start"
not_after = "2030-12-31"
[fields.seats]
type = "int"
min = 1
max = 40
[[stages]]
id = "s"
[[stages.steps]]
id = "a"
title = "A"
owner = "OM"
asks = ["start", "end", "seats"]
"""
    path = tmp_path / "tiny" / "playbook.toml"
    path.parent.mkdir()
    path.write_text(text)
    tiny = load_playbook(path)
    fields = tiny.fields
    assert fields["seats"].example() == "1"
    known = {"start": date(2026, 5, 1), "end": date(2031, 1, 1), "seats": 41}
    problems = [message for _, message in limit_problems(fields, known, ["end", "seats"])]
    assert "end = 2031-01-01 is after 2030-12-31" in problems
    assert "seats = 41 is above its maximum of 40" in problems
    assert doubt(fields["start"], date(2026, 1, 1), date(2026, 3, 1)) is not None
    assert doubt(fields["start"], date(2026, 4, 1), date(2026, 3, 1)) is None
    path.write_text(
        text.replace('not_before = "start"', 'not_before = "seats"').replace("min = 1", 'not_after = "today"')
    )
    with pytest.raises(OnboardError) as err:
        load_playbook(path)
    assert "'not_before' names 'seats', which is not a date field" in str(err.value)
    assert "'not_after' applies only to a date field" in str(err.value)


# --- 4. holidays as people write them -----------------------------------------------------------


def test_holidays_in_both_spellings_and_a_bad_entry_named_with_its_line(run, workspace):
    from onboard.cli import App

    config = workspace / "onboard.toml"
    text = config.read_text()
    assert '# [public_holidays]\n# country = "US"' in text  # init writes a commented example
    config.write_text(text.replace("holidays = []", 'holidays = [2026-12-24, "2026-12-31"]'))
    assert {date(2026, 12, 24), date(2026, 12, 31)} <= App(home=str(workspace)).holidays()
    config.write_text(text.replace("holidays = []", 'holidays = [\n  2026-12-24,\n  "2026-02-30",\n]'))
    result = run("list")
    assert result.exit_code == 1
    assert "line 7: holidays[1] = '2026-02-30': 30 February 2026 does not exist" in result.output


def test_public_holidays_by_country_and_region(run, workspace):
    from onboard.cli import App

    config = workspace / "onboard.toml"
    text = config.read_text()
    config.write_text(
        text.replace('# [public_holidays]\n# country = "US"', '[public_holidays]\ncountry = "US"')
    )
    days = App(home=str(workspace)).holidays()
    assert date(2026, 7, 3) in days  # Independence Day, observed on the Friday
    assert date(2026, 2, 12) not in days
    assert (workspace / ".onboard-cache" / "holidays.json").is_file()
    regional = text.replace(
        '# [public_holidays]\n# country = "US"\n# region = "NY"',
        '[public_holidays]\ncountry = "us"\nregion = "ny"',
    )
    config.write_text(regional)
    assert date(2026, 2, 12) in App(home=str(workspace)).holidays()  # Lincoln's Birthday, New York
    config.write_text(regional.replace('"ny"', '"nyc"'))
    refused = run("list")
    assert refused.exit_code == 1 and "region = 'nyc' is not a region of US" in refused.output
    assert "Did you mean 'NY'" in refused.output


# --- 5. read commands never write ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["list"], ["due"], ["status", "acme"], ["log", "acme"], ["check"], ["playbooks"]]
)
def test_a_read_command_in_an_empty_home_creates_nothing(args, isolated_machine):
    from click.testing import CliRunner

    from onboard.cli import cli

    home = isolated_machine / "home"
    before = sorted(home.rglob("*"))
    result = CliRunner().invoke(cli, args)
    assert sorted(home.rglob("*")) == before
    assert not (home / "onboarding").exists()
    if args == ["playbooks"]:
        assert result.exit_code == 0 and "training-engagement" in result.output
        assert "onboard init" in result.output
    else:
        assert result.exit_code == 1
        assert "onboard init" in result.output and "--home" in result.output


def test_new_still_makes_the_default_workspace_on_first_use(isolated_machine):
    from click.testing import CliRunner

    from onboard.cli import cli

    result = CliRunner().invoke(cli, ["new", "Acme", *TRAINING, "--no-input"])
    assert result.exit_code == 0, result.output
    assert (isolated_machine / "home" / "onboarding" / "clients" / "acme" / "client.toml").is_file()


# --- 7. did you mean ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["status", "acem"], "Did you mean 'acme'?"),
        (["done", "acme", "discovery-sesion"], "Did you mean 'discovery-session'?"),
        (["email", "acme", "welcom-pack"], "Did you mean 'welcome-pack'?"),
        (["new", "Other", "-p", "traning-engagement"], "Did you mean 'training-engagement'?"),
        (["assign", "acme", "FCA", "Jane Doe"], "Did you mean 'FAC'?"),
        (["gate", "acme", "signed-contrct"], "Did you mean 'signed-contract'?"),
        (["set", "acme", "cours_date=2026-05-04"], "Did you mean 'course_date'"),
        (
            ["done", "acme", "discovery-session", "--set", "cours_date=2026-05-04"],
            "Did you mean 'course_date'",
        ),
        (["decide", "acme", "busines_unit", "CFO", "--reason", "r"], "Decisions: none"),
    ],
)
def test_did_you_mean(run, acme, args, suggestion):
    result = run(*args)
    assert result.exit_code == 1
    assert suggestion in result.output


# --- 8. a re-asked question starts clean --------------------------------------------------------


def test_a_rejected_answer_is_asked_again_from_empty(capsys):
    asked = []

    def check(text: str) -> str | None:
        asked.append(text)
        return None if text == "2027-03-01" else "30 February 2027 does not exist"

    with create_pipe_input() as keys:
        keys.send_text("2027-02-30\r2027-03-01\r")
        prompter = QuestionaryPrompter(input=keys, output=DummyOutput())
        assert prompter.text("Course date", default="", validate=check) == "2027-03-01"
    assert asked == ["2027-02-30", "2027-03-01"]  # the second answer was not typed after the first
    assert "30 February 2027 does not exist" in capsys.readouterr().err


# --- 9. a stage that does not apply -------------------------------------------------------------


def test_a_stage_whose_steps_do_not_apply_is_drawn_as_not_applying(run, workspace):
    intake = ["--set", "proposal_start=2026-01-01", "--set", "proposal_end=2026-12-31"]
    intake += ["--set", "client_contact=Kim Lee", "--set", "client_contact_email=kim@x.example"]
    assert run("new", "Bramble", "-p", "renewal", *intake).exit_code == 0
    assert run("decide", "bramble", "client_decision", "renew", "--reason", "another year").exit_code == 0
    text = run("status", "bramble").output
    assert "– Exit (n/a)" in text and "✓ Exit" not in text
    stages = {
        s["title"]: s["status"] for s in json.loads(run("status", "bramble", "--json").output)["stages"]
    }
    assert stages["Exit"] == "n/a" and stages["Renew"] == "pending"
    page = workspace / "report.html"
    assert run("report", "-o", str(page)).exit_code == 0
    assert "does not apply: Exit" in page.read_text(encoding="utf-8")
