"""Shared fixtures: a fixed clock, a fresh workspace and a CLI runner bound to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from onboard.cli import cli
from onboard.core.playbook import Playbook
from onboard.storage.library import Library

NOW = "2026-03-01T09:00"
XDG = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_CACHE_HOME": ".cache",
    "XDG_STATE_HOME": ".local/state",
}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBOARD_NOW", NOW)
    monkeypatch.setenv("ONBOARD_USER", "tester")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture(autouse=True)
def isolated_machine(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test gets its own HOME, XDG folders and working folder, and no ONBOARD_HOME.

    So a workspace in the real ``~/onboarding``, a user config file or the
    folder pytest was started from can never change what a test sees, and
    no test can write there.
    """
    machine = tmp_path_factory.mktemp("machine")
    home = machine / "home"
    work = machine / "cwd"
    for folder in (home, work):
        folder.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    for name, sub in XDG.items():
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.delenv("ONBOARD_HOME", raising=False)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    monkeypatch.chdir(work)
    return machine


Run = Callable[..., Result]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    result = CliRunner().invoke(cli, ["--home", str(root), "init"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def run(workspace: Path) -> Run:
    """Run `onboard --home WORKSPACE ARGS...`; `prompter=` injects scripted answers."""

    def invoke(*args: str, prompter: object = None, input: str | None = None) -> Result:
        obj = {"prompter": prompter} if prompter is not None else None
        return CliRunner().invoke(cli, ["--home", str(workspace), *args], obj=obj, input=input)

    return invoke


@pytest.fixture(scope="session")
def training() -> Playbook:
    return Library().load("training-engagement")


@pytest.fixture
def fabrikam(run: Run, workspace: Path) -> Path:
    """Fabrikam, a virtual training engagement (program Empathy) started through the CLI; its folder.

    The records tests (formulas, date order, scales, attendance sources) build on it.
    """
    intake = ("program=Empathy", "business_unit=General", "delivery_type=Virtual")
    result = run(
        "new",
        "Fabrikam",
        "--playbook",
        "training-engagement",
        "--no-input",
        *(f for value in intake for f in ("--set", value)),
    )
    assert result.exit_code == 0, result.output
    return workspace / "clients" / "fabrikam"
