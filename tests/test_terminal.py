"""What a person sees: 80 columns, no escape codes when piped, a first run that explains itself."""

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from onboard.cli import cli
from onboard.ui.prompt import ScriptedPrompter
from onboard.ui.terminal import Terminal

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workspace"


@pytest.fixture
def example(tmp_path, monkeypatch):
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".onboard-cache"))
    monkeypatch.setenv("ONBOARD_NOW", "2026-11-25T09:00")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return target


READ_COMMANDS = [
    ["list"],
    ["due"],
    ["due", "--within", "7"],
    ["status", "fabrikam-finance"],
    ["status", "nimbus-analytics", "--all"],
    ["status", "halcyon-health", "--all"],
    ["log", "globex"],
    ["playbooks"],
]
# rich's own switch for "this is a terminal", so CliRunner can stand in for one.
AT_A_TERMINAL = {"COLUMNS": "80", "TTY_COMPATIBLE": "1", "TERM": "xterm-256color"}
ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def invoke(example, *args, env=None):
    result = CliRunner().invoke(cli, ["--home", str(example), *args], env=env or {"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("args", READ_COMMANDS)
def test_read_commands_fit_80_columns_at_a_terminal(example, args):
    out = invoke(example, *args, env=AT_A_TERMINAL)
    too_wide = [line for line in ESCAPE.sub("", out).splitlines() if len(line) > 80]
    assert not too_wide, too_wide


@pytest.mark.parametrize("args", READ_COMMANDS)
def test_read_commands_print_no_escape_codes_when_piped(example, args):
    assert "\x1b" not in invoke(example, *args)


def test_due_piped_is_one_full_tab_separated_row_per_step_and_no_header(example):
    out = invoke(example, "due")
    items = json.loads(invoke(example, "due", "--json"))
    lines = out.splitlines()
    assert len(lines) == len(items) > 10
    rows = [line.split("\t") for line in lines]
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        (i["client"], i["role"], i["step"], i["title"]) for i in items
    ]
    assert "Send LXP Registration & Resource Guide (PDF) to the session sponsor;" in out
    assert "…" not in out


def test_due_at_a_terminal_cuts_the_title_to_fit(example):
    out = ESCAPE.sub("", invoke(example, "due", env=AT_A_TERMINAL))
    assert "Send LXP …" in out and "Registration & Resource" not in out
    assert "\t" not in out and out.splitlines()[0].split() == ["due", "client", "role", "step", "what"]


def test_the_header_line_comes_only_when_asked_for(example):
    assert invoke(example, "due", "--header").splitlines()[0] == "due\tclient\trole\tstep\twhat"
    listed = invoke(example, "list", "--header").splitlines()
    assert listed[0] == "playbook\tclient\tstage\tdone\tnext step\tnext due\tlate"
    assert invoke(example, "log", "globex", "--header").splitlines()[0] == "#\twhen\twho\twhat"
    assert not any(line.startswith("#\t") for line in invoke(example, "log", "globex").splitlines())


def test_list_piped_has_every_column_whatever_the_width(example):
    rows = [line.split("\t") for line in invoke(example, "list").splitlines()]
    nimbus = next(r for r in rows if r[1] == "nimbus-analytics")
    assert nimbus[2] == "Phase 4: Value Realization & Handover (Weeks 5-12)"
    assert nimbus[3] == "71%" and nimbus[6] == "2"
    assert all(len(r) == 7 for r in rows)


def test_an_empty_agenda_pipes_nothing(example):
    assert invoke(example, "due", "--role", "NOBODY") == ""
    assert "Nothing due." in invoke(example, "due", "--role", "NOBODY", env=AT_A_TERMINAL)


def test_status_piped_is_plain_text_a_line_per_line(example):
    lines = invoke(example, "status", "fabrikam-finance").splitlines()
    assert lines[0] == "Fabrikam Finance (fabrikam-finance) · Training engagement · 71% done"
    assert lines[1].startswith("✓ Ops 1: Discovery  ✓ Ops 2:") and lines[1].endswith("○ Post-Class")
    roster = next(line for line in lines if "\tcollect-roster\t" in line)
    assert roster.startswith(
        "○\tcollect-roster\tLC (SR)\toverdue by 14 days\tFollow up with client for roster;"
    )
    assert lines[-1] == "Next: onboard next fabrikam-finance"


def test_piped_cells_are_plain_and_never_split_a_row(capsys):
    Terminal().table(["a", "b", "c"], [["tab\there", "[red]3[/]", "line\nbreak \x1b[31m"]], fit="a")
    assert capsys.readouterr().out == "tab here\t3\tline break  [31m\n"


def test_status_reads_at_a_glance(example):
    out = CliRunner().invoke(cli, ["--home", str(example), "status", "fabrikam-finance"]).output
    assert "71% done" in out
    assert "✓ Ops 1: Discovery" in out and "● Pre-Class" in out
    assert "overdue by 14 days" in out
    assert "Next: onboard next fabrikam-finance" in out


def test_first_run_explains_itself_and_offers_the_next_command(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    assert "onboard init" in result.output and "examples/workspace" in result.output
    assert not (tmp_path / "onboarding").exists()


def test_no_arguments_inside_a_workspace_points_at_the_agenda(example, monkeypatch):
    monkeypatch.chdir(example)
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    assert "10 clients" in result.output and "onboard due" in result.output


def test_the_walk_says_where_the_client_is_and_what_it_wrote(example):
    result = CliRunner().invoke(
        cli,
        [
            "--home",
            str(example),
            "next",
            "northwind",
            "--set",
            "course_time=9:00-12:00 CT",
            "--set",
            "client_coordinator=Kim Lee",
            "--set",
            "client_coordinator_email=kim@northwind.example",
        ],
        # the draft first: None (Enter) keeps the course date, then "done" once it is sent
        obj={"prompter": ScriptedPrompter([None, "done", "later"])},
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Northwind Traders · Training engagement · Ops 3: Scheduling · 22% done" in out
    assert "SUPPORT (LC) Date Request Email Template" in out
    assert "owner: LC (Learning Coordinator (Logistics), Sam Rivera)" in out
    assert "Left for later: assign-fac" in out
    written = out.split("Written:")[1]
    assert "out/emails/date-request.txt" in written
