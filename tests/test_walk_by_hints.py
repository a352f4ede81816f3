"""Every shipped playbook walked from its first step to its last by a newcomer who reads only what
onboard prints.

The walker knows no field names, gate ids or roles. For each pending step, in
playbook order, it runs ``onboard done CLIENT STEP --no-input``; when that is
refused, it takes the first command the refusal quotes (`onboard ...`),
runs it as written through bash, as a person pastes it, and tries again. A
refusal that names no command, or a command that does not work as printed,
fails the test: this is the test that would have caught a gate named only by
its title and a records hint with another playbook's columns.

The walker's own ``done`` and ``status --json`` run in-process (they are
not taken from the output); every command taken from the output runs in a
real shell and a real ``python -m onboard`` process.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from onboard.cli import cli
from onboard.storage.library import Library

NOW = "2026-03-02T09:00"
COMMAND = re.compile(r"`(onboard [^`]+)`")
PLAYBOOKS = sorted(Library().available())
WALKS = [(pid, None) for pid in PLAYBOOKS if pid != "renewal"] + [("renewal", "exit"), ("renewal", "renew")]


@pytest.fixture
def shell_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment both the walker and the pasted commands see: a workspace found by ONBOARD_HOME."""
    workspace = tmp_path / "ws"
    monkeypatch.setenv("ONBOARD_HOME", str(workspace))
    monkeypatch.setenv("ONBOARD_NOW", NOW)
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    assert paste(f"onboard init {shlex.quote(str(workspace))}", env).returncode == 0
    return env


def paste(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a printed command line in bash, ``onboard`` being this Python's ``python -m onboard``."""
    script = f'onboard() {{ {shlex.quote(sys.executable)} -m onboard "$@"; }}\n{line}\n'
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )


def way_out(text: str) -> str:
    """The first command a refusal quotes."""
    found = COMMAND.search(text)
    assert found, f"a refusal names no command:\n{text}"
    return found.group(1)


def follow(command: str, env: dict[str, str], decision: str | None, trail: list[str], depth: int = 0) -> None:
    """Run a printed command; if it is refused in turn, follow that refusal's command first."""
    assert depth < 6, "refusals lead in a circle:\n" + "\n".join(trail)
    if decision:
        command = re.sub(r"client_decision([= ])exit\b", rf"client_decision\g<1>{decision}", command)
    trail.append(command)
    done = paste(command, env)
    if done.returncode != 0:
        follow(way_out(done.stderr), env, decision, trail, depth + 1)
        again = paste(command, env)
        assert again.returncode == 0, f"{command}\n{again.stderr}"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def pending_steps(slug: str) -> list[str]:
    code, out = invoke("status", slug, "--json")
    assert code == 0, out
    return [s["id"] for s in json.loads(out)["steps"] if s["status"] == "pending"]


@pytest.mark.parametrize(("playbook_id", "decision"), WALKS, ids=[f"{p}-{d}" if d else p for p, d in WALKS])
def test_every_playbook_walked_by_its_hints_alone(
    shell_env: dict[str, str], playbook_id: str, decision: str | None
) -> None:
    trail: list[str] = []
    name = f"Client {decision or 'one'}"
    code, out = invoke("new", name, "--playbook", playbook_id, "--no-input")
    if code != 0:
        follow(way_out(out), shell_env, decision, trail)
    slug = "client-" + (decision or "one")
    for _ in range(200):
        pending = pending_steps(slug)
        if not pending:
            break
        step = pending[0]
        code, out = invoke("done", slug, step, "--no-input")
        if code != 0:
            follow(way_out(out), shell_env, decision, trail)
    else:
        pytest.fail("the walk did not end:\n" + "\n".join(trail))

    code, out = invoke("status", slug, "--json")
    status = json.loads(out)
    assert status["complete"] is True
    assert {s["status"] for s in status["steps"]} <= {"done", "n/a"}
    if decision:
        assert status["client"]["client_decision"] == decision
        taken = {"exit": "Exit", "renew": "Renew"}[decision]
        stages = {s["title"]: s["status"] for s in status["stages"]}
        assert stages[taken] == "done"
        assert stages[({"Exit", "Renew"} - {taken}).pop()] == "n/a"
    assert trail, "every playbook asks for something"
