import shutil
import subprocess

import pytest

INTAKE = ["--set", "program=P", "--set", "business_unit=General", "--set", "delivery_type=Virtual"]

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root, *args):
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def test_every_change_becomes_a_readable_commit_when_opted_in(run, workspace):
    config = workspace / "onboard.toml"
    config.write_text(config.read_text() + "\n[git]\ncommit = true\n")
    git(workspace, "init", "-q")
    git(workspace, "config", "user.email", "t@example.com")
    git(workspace, "config", "user.name", "T")
    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    assert run("done", "acme", "discovery-session").exit_code == 0
    assert run("undo", "acme").exit_code == 0
    log = git(workspace, "log", "--format=%s").splitlines()
    assert log == [
        "acme: undid #2: done discovery-session",
        "acme: done discovery-session",
        "acme: started on training-engagement (revision 1)",
    ]
    assert git(workspace, "status", "--porcelain", "--", "clients/acme/client.toml") == ""


def test_opted_in_outside_a_repository_warns_but_saves(run, workspace):
    config = workspace / "onboard.toml"
    config.write_text(config.read_text() + "\n[git]\ncommit = true\n")
    result = run("new", "Acme", "-p", "training-engagement", *INTAKE)
    assert result.exit_code == 0
    assert "not a git repository" in result.output
    assert (workspace / "clients" / "acme" / "client.toml").is_file()


def test_off_by_default(run, workspace):
    git(workspace, "init", "-q")
    run("new", "Acme", "-p", "training-engagement", *INTAKE)
    assert subprocess.run(["git", "-C", str(workspace), "log"], capture_output=True).returncode != 0
