"""The README's commands are run here, so they cannot rot."""

import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from onboard.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def onboard_commands(block: str) -> list[list[str]]:
    text = block.replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        for part in line.split("&&"):
            words = shlex.split(part, comments=True)
            if words and words[0] == "onboard":
                commands.append(words[1:])
    return commands


def copy_examples(tmp_path: Path) -> Path:
    target = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "workspace", target, ignore=shutil.ignore_patterns(".onboard-cache"))
    return target


def test_the_first_command_installs_and_runs_on_the_example(tmp_path, monkeypatch):
    first = BLOCKS[0]
    assert first.startswith("pip install . && onboard --home examples/workspace ")
    monkeypatch.chdir(tmp_path)
    copy_examples(tmp_path)
    (tmp_path / "examples").mkdir()
    (tmp_path / "workspace").rename(tmp_path / "examples" / "workspace")
    for args in onboard_commands(first):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        assert result.output.strip()


def test_the_second_command_is_what_ci_runs():
    second = BLOCKS[1].strip()
    assert second.startswith("pip install")
    test_command = second.split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1].strip() == test_command


def test_the_example_workspace_checks_out(tmp_path):
    workspace = copy_examples(tmp_path)
    result = CliRunner().invoke(cli, ["--home", str(workspace), "check"])
    assert result.exit_code == 0, result.output


def test_the_scripting_examples_run(tmp_path):
    workspace = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["init", str(workspace)]).exit_code == 0
    block = next(b for b in BLOCKS if "--no-input" in b and "onboard new" in b)
    answers = tmp_path / "answers.toml"
    answers.write_text(
        'course_date = 2027-03-15\n[actions]\nreview-solutions = "done"\nenter-delivery-dates = "done"\n'
    )
    for args in onboard_commands(block):
        args = [str(answers) if a == "answers.toml" else a for a in args]
        result = CliRunner().invoke(cli, ["--home", str(workspace), *args])
        assert result.exit_code == 0, (args, result.output)
    status = CliRunner().invoke(cli, ["--home", str(workspace), "status", "acme", "--json"])
    assert '"enter-delivery-dates"' in status.output and "2027-03-15" in status.output


def test_the_emails_shown_in_the_readme_are_what_onboard_renders(tmp_path, monkeypatch):
    shown = re.findall(
        r"```text\n\$ ONBOARD_NOW=(\S+) onboard --home examples/workspace (email .*?)\n(.*?)```",
        README,
        flags=re.S,
    )
    assert len(shown) == 3
    workspace = copy_examples(tmp_path)
    for when, command, text in shown:
        monkeypatch.setenv("ONBOARD_NOW", when)
        result = CliRunner().invoke(cli, ["--home", str(workspace), *shlex.split(command)])
        assert result.exit_code == 0, result.output
        assert result.stdout == text
