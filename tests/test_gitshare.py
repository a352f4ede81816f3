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


def test_init_in_a_git_repository_routes_client_files_to_the_merge_driver(tmp_path):
    import sys

    from click.testing import CliRunner

    from onboard.cli import cli

    root = tmp_path / "team"
    root.mkdir()
    git(root, "init", "-q")
    result = CliRunner().invoke(cli, ["--home", str(root), "init"])
    assert result.exit_code == 0, result.output
    assert "clients/*/client.toml merge=onboard" in (root / ".gitattributes").read_text().splitlines()
    assert {"clients/*/.lock", "clients/*/.backup/"} <= set((root / ".gitignore").read_text().splitlines())
    driver = git(root, "config", "--get", "merge.onboard.driver").strip()
    assert driver.startswith(sys.executable) and driver.endswith("-m onboard merge-driver %O %A %B %P")
    attribute = git(root, "check-attr", "merge", "--", "clients/acme/client.toml")
    assert attribute.strip().endswith("merge: onboard")


def test_setup_is_idempotent_and_takes_locks_and_backups_out_of_git(run, workspace):
    from onboard.storage.gitshare import setup

    git(workspace, "init", "-q")
    git(workspace, "config", "user.email", "t@example.com")
    git(workspace, "config", "user.name", "T")
    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    assert run("skip", "acme", "discovery-session", "--reason", "r").exit_code == 0
    git(workspace, "add", "-A")
    git(workspace, "commit", "-qm", "everything, locks and backups too")
    assert ".backup/" in git(workspace, "ls-files")
    done = setup(workspace)
    assert any("out of git" in line for line in done)
    assert setup(workspace) == []
    git(workspace, "commit", "-qm", "setup")
    tracked = git(workspace, "ls-files").splitlines()
    assert "clients/acme/client.toml" in tracked
    assert not [p for p in tracked if "/.backup/" in p or p.endswith("/.lock")]
    assert (workspace / "clients" / "acme" / ".backup").is_dir()


def test_commits_of_changes_leave_the_lock_and_backups_out(run, workspace):
    config = workspace / "onboard.toml"
    config.write_text(config.read_text() + "\n[git]\ncommit = true\n")
    git(workspace, "init", "-q")
    git(workspace, "config", "user.email", "t@example.com")
    git(workspace, "config", "user.name", "T")
    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    assert run("skip", "acme", "discovery-session", "--reason", "r").exit_code == 0
    assert git(workspace, "ls-files", "clients").splitlines() == ["clients/acme/client.toml"]


def test_sync_outside_a_repository_says_how_to_start(run, workspace):
    result = run("sync")
    assert result.exit_code == 1
    assert "is not in a git repository" in result.output and "git init" in result.output
