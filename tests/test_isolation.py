"""The test suite's own isolation: no test sees the real HOME, working folder or ONBOARD_HOME."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from onboard.cli import cli

REPO = Path(__file__).resolve().parent.parent


def test_home_and_working_folder_are_the_tests_own(isolated_machine: Path) -> None:
    home = Path(os.environ["HOME"])
    assert home.is_relative_to(isolated_machine)
    assert Path.cwd().is_relative_to(isolated_machine)
    assert not Path.cwd().is_relative_to(REPO)
    assert "ONBOARD_HOME" not in os.environ
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        assert Path(os.environ[name]).is_relative_to(home)


def test_a_workspace_in_home_does_not_leak_into_a_command(tmp_path: Path) -> None:
    """A user who once ran `onboard playbooks` has ~/onboarding; a test's --home still wins."""
    home_workspace = Path(os.environ["HOME"]) / "onboarding"
    assert CliRunner().invoke(cli, ["--home", str(home_workspace), "init"]).exit_code == 0
    stray = CliRunner().invoke(
        cli, ["new", "Stray", "-p", "agency-onboarding", "--no-input", "--set", "hubspot_deal=D-1"]
    )
    assert stray.exit_code == 0, stray.output
    assert (home_workspace / "clients" / "stray" / "client.toml").is_file()
    mine = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["--home", str(mine), "init"]).exit_code == 0
    listed = CliRunner().invoke(cli, ["--home", str(mine), "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip() == "[]"
