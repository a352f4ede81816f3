"""What a person sees: 80 columns, no escape codes when piped, a first run that explains itself."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from onboard.cli import cli
from onboard.ui.prompt import ScriptedPrompter

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workspace"


@pytest.fixture
def example(tmp_path, monkeypatch):
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".onboard-cache"))
    monkeypatch.setenv("ONBOARD_NOW", "2026-11-25T09:00")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return target


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["due"],
        ["due", "--within", "7"],
        ["status", "fabrikam-finance"],
        ["status", "nimbus-analytics", "--all"],
        ["status", "halcyon-health", "--all"],
        ["log", "globex"],
        ["playbooks"],
    ],
)
def test_read_commands_fit_80_columns_and_print_no_escape_codes_when_piped(example, args):
    result = CliRunner().invoke(cli, ["--home", str(example), *args], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.output
    too_wide = [line for line in result.output.splitlines() if len(line) > 80]
    assert not too_wide, too_wide


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
        obj={"prompter": ScriptedPrompter(["done", None, "later"])},  # None: Enter keeps the course date
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Northwind Traders · Training engagement · Ops 3: Scheduling · 22% done" in out
    assert "SUPPORT (LC) Date Request Email Template" in out
    assert "owner: LC (Learning Coordinator (Logistics), Sam Rivera)" in out
    assert "Left for later: assign-fac" in out
    written = out.split("Written:")[1]
    assert "out/emails/date-request.txt" in written
