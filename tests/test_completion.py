"""Shell completion suggests client slugs, step ids, template names and playbooks."""

import pytest
from click.shell_completion import ShellComplete

from onboard.cli import cli

INTAKE = ["--set", "program=P", "--set", "business_unit=General", "--set", "delivery_type=Virtual"]


@pytest.fixture
def complete(workspace, monkeypatch):
    monkeypatch.setenv("_ONBOARD_COMPLETE", "bash_complete")

    def suggestions(args, incomplete):
        shell = ShellComplete(cli, {}, "onboard", "_ONBOARD_COMPLETE")
        return [item.value for item in shell.get_completions(["--home", str(workspace), *args], incomplete)]

    return suggestions


def test_commands_clients_steps_templates_and_playbooks(run, complete):
    for name in ("Acme Corp", "Acme Labs", "Globex"):
        assert run("new", name, "-p", "training-engagement", *INTAKE).exit_code == 0
    assert "status" in complete([], "sta")
    assert complete(["status"], "acme") == ["acme-corp", "acme-labs"]
    assert complete(["done"], "") == ["acme-corp", "acme-labs", "globex"]
    steps = complete(["done", "acme-corp"], "pre")
    assert steps == ["pre-call"]
    assert "discovery-session" in complete(["skip", "globex"], "")
    assert "date-request" in complete(["email", "acme-corp"], "date")
    assert complete(["playbooks", "show"], "train") == ["training-engagement"]
    assert "FAC" in complete(["assign", "acme-corp"], "F")


def test_completion_without_a_workspace_suggests_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("_ONBOARD_COMPLETE", "bash_complete")
    shell = ShellComplete(cli, {}, "onboard", "_ONBOARD_COMPLETE")
    assert shell.get_completions(["--home", str(tmp_path / "none"), "status"], "") == []
