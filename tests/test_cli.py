"""Every command end to end with CliRunner and real files."""

import json
import tomllib

import pytest
from click.testing import CliRunner

from onboard.cli import COMMANDS, cli

INTAKE = [
    "--set",
    "program=Empathy at Work",
    "--set",
    "business_unit=General",
    "--set",
    "delivery_type=Virtual",
]


@pytest.fixture
def acme(run, workspace):
    result = run("new", "Acme Corp", "--playbook", "training-engagement", *INTAKE)
    assert result.exit_code == 0, result.output
    return workspace / "clients" / "acme-corp" / "client.toml"


def parsed(path):
    doc = tomllib.loads(path.read_text())
    doc.pop("history")
    return doc


def test_init_makes_a_workspace_and_is_idempotent(tmp_path):
    root = tmp_path / "new"
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0
    assert (root / "onboard.toml").is_file() and (root / "clients").is_dir()
    config = (root / "onboard.toml").read_bytes()
    again = CliRunner().invoke(cli, ["init", str(root)])
    assert again.exit_code == 0 and "already a workspace" in again.output
    assert (root / "onboard.toml").read_bytes() == config


def test_workspace_found_from_env_and_parent_folders(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    CliRunner().invoke(cli, ["init", str(root)])
    CliRunner().invoke(cli, ["--home", str(root), "new", "Acme", "-p", "training-engagement", *INTAKE])
    monkeypatch.setenv("ONBOARD_HOME", str(root))
    assert "acme" in CliRunner().invoke(cli, ["list"]).output
    monkeypatch.delenv("ONBOARD_HOME")
    (root / "clients" / "acme").mkdir(exist_ok=True)
    monkeypatch.chdir(root / "clients" / "acme")
    assert "acme" in CliRunner().invoke(cli, ["list"]).output


def test_missing_workspace_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "none"), "list"])
    assert result.exit_code == 1
    assert "not an onboard workspace" in result.output and "onboard init" in result.output


def test_playbooks_lists_and_shows(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    result = run("playbooks")
    assert result.exit_code == 0 and "training-engagement" in result.output
    data = {p["id"]: p for p in json.loads(run("playbooks", "--json").output)}
    assert data["training-engagement"]["origin"] == "shipped"
    tree = run("playbooks", "show", "training-engagement")
    assert "Ops 3: Scheduling" in tree.output and "7 days after step:scheduling-handoff" in tree.output
    assert (
        "SUPPORT" in tree.output
        and "waits for gate signed-contract: Signed LOE/contract received" in tree.output
    )
    shown = json.loads(run("playbooks", "show", "training-engagement", "--json").output)
    assert shown["roles"]["LC"] == "Learning Coordinator (Logistics)"
    missing = run("playbooks", "show", "nope")
    assert missing.exit_code == 1 and "No playbook 'nope'" in missing.output


def test_new_asks_for_intake_without_input_names_the_flag(run):
    result = run("new", "Acme", "--playbook", "training-engagement", "--no-input", "--set", "program=X")
    assert result.exit_code == 1
    assert "business_unit" in result.output and "--set business_unit=General" in result.output
    assert "Traceback" not in result.output


def test_new_without_playbook_and_without_input_lists_them(run):
    result = run("new", "Acme", "--no-input")
    assert result.exit_code == 1 and "training-engagement" in result.output


@pytest.mark.parametrize("name", ["../../etc/passwd", "/tmp/evil", "..", "a/../../b"])
def test_new_never_writes_outside_clients(run, workspace, tmp_path, name):
    before = {p for p in tmp_path.rglob("*")}
    result = run("new", name, "--playbook", "training-engagement", *INTAKE)
    after = {p for p in tmp_path.rglob("*")} - before
    for path in after:
        assert (workspace / "clients") in path.parents, path
    if result.exit_code == 0:
        assert any(p.name == "client.toml" for p in after)


def test_new_refuses_a_duplicate(run, acme):
    result = run("new", "Acme Corp", "--playbook", "training-engagement", *INTAKE)
    assert result.exit_code == 1 and "already exists" in result.output


def test_status_json_has_the_documented_keys(run, acme):
    data = json.loads(run("status", "acme", "--json").output)
    assert {"client", "playbook", "stage", "progress", "steps"} <= set(data)
    assert {"slug", "name", "program"} <= set(data["client"])
    assert data["stage"] == "ops-1-discovery"
    step = data["steps"][0]
    assert {"id", "title", "stage", "role", "status", "due", "overdue"} <= set(step)
    assert {s["status"] for s in data["steps"]} <= {"pending", "done", "skipped", "n/a"}


def test_list_json_has_the_documented_keys(run, acme):
    data = json.loads(run("list", "--json").output)
    assert len(data) == 1
    assert set(data[0]) >= {
        "slug",
        "name",
        "playbook",
        "stage",
        "progress",
        "next_step",
        "next_due",
        "overdue",
    }
    assert data[0]["next_step"] == "discovery-session" and data[0]["overdue"] == 0


def test_due_json_is_sorted_overdue_first(run, acme, workspace):
    run("new", "Globex", "-p", "training-engagement", *INTAKE)
    for step in ("discovery-session", "enter-opportunity", "review-solutions"):
        run("done", "globex", step)
    run("done", "globex", "enter-delivery-dates", "--set", "course_date=2026-03-10")
    for step in ("discovery-session", "enter-opportunity", "review-solutions"):
        run("done", "acme", step)
    run("done", "acme", "enter-delivery-dates", "--set", "course_date=2026-04-30")
    items = json.loads(run("due", "--json", "--as-of", "2026-03-05").output)
    assert {"client", "step", "title", "role", "due", "overdue"} <= set(items[0])
    overdue = [i for i in items if i["overdue"]]
    assert overdue and items[: len(overdue)] == overdue
    dated = [i["due"] for i in items if i["due"] and not i["overdue"]]
    assert dated == sorted(dated)
    lc = json.loads(run("due", "--json", "--role", "LEGAL").output)
    assert lc and {i["role"] for i in lc} == {"LEGAL"}


def test_corrupt_client_file_exit_1_names_line_and_is_untouched(run, acme):
    broken = acme.read_bytes().replace(b"[facts]", b"[facts")
    acme.write_bytes(broken)
    for args in (("status", "acme"), ("done", "acme-corp", "discovery-session"), ("undo", "acme-corp")):
        result = run(*args)
        assert result.exit_code == 1, args
        assert "client.toml" in result.output and "line" in result.output
        assert "Traceback" not in result.output
        assert acme.read_bytes() == broken


def test_undo_after_done_restores_the_state_exactly(run, acme):
    before = parsed(acme)
    assert run("done", "acme", "discovery-session", "--note", "good call").exit_code == 0
    assert parsed(acme) != before
    result = run("undo", "acme")
    assert result.exit_code == 0 and "done discovery-session" in result.output
    assert parsed(acme) == before
    actions = [e["action"] for e in tomllib.loads(acme.read_text())["history"]]
    assert actions == ["created", "done", "undo"]


def test_skip_needs_reason_and_log_shows_it(run, acme):
    assert run("skip", "acme", "discovery-session").exit_code == 2
    assert run("skip", "acme", "discovery-session", "--reason", "met at conference").exit_code == 0
    log = run("log", "acme")
    assert "skipped discovery-session: met at conference" in log.output
    events = json.loads(run("log", "acme", "--json").output)
    assert [e["action"] for e in events] == ["created", "skip"]


def test_done_on_a_waiting_step_explains_and_force_records(run, acme):
    result = run("done", "acme", "scheduling-handoff")
    assert result.exit_code == 1 and "waiting for stage" in result.output and "--force" in result.output
    assert run("done", "acme", "scheduling-handoff", "--force").exit_code == 0


def test_bad_value_names_field_and_fix(run, acme):
    run("done", "acme", "discovery-session")
    run("done", "acme", "enter-opportunity")
    run("done", "acme", "review-solutions")
    result = run("done", "acme", "enter-delivery-dates", "--set", "course_date=15/03/2026")
    assert result.exit_code == 1
    assert "course_date" in result.output and "YYYY-MM-DD" in result.output
    assert run("done", "acme", "enter-delivery-dates", "--set", "nonsense").exit_code == 1


def test_set_assign_and_gate(run, acme):
    assert run("set", "acme", "course_date=2026-05-01").exit_code == 0
    assert run("assign", "acme", "FAC", "Jane Doe").exit_code == 0
    assert run("assign", "acme", "BOSS", "X").exit_code == 1
    assert run("gate", "acme", "signed-contract").exit_code == 0
    assert run("gate", "acme", "signed-contract").exit_code == 1
    doc = tomllib.loads(acme.read_text())
    assert doc["roles"]["FAC"]["initials"] == "JD" and "signed-contract" in doc["gates"]


def test_assign_uses_the_team_list(run, acme, workspace):
    config = workspace / "onboard.toml"
    config.write_text(
        config.read_text() + '\n[[team]]\nname = "Jane Doe"\ninitials = "JDO"\nemail = "jane@iw.example"\n'
    )
    assert run("assign", "acme", "FAC", "jdo").exit_code == 0
    doc = tomllib.loads(acme.read_text())
    assert doc["roles"]["FAC"] == {"name": "Jane Doe", "initials": "JDO", "email": "jane@iw.example"}


def test_check_lists_every_problem_in_one_run(run, acme, workspace):
    assert run("check").exit_code == 0
    run("new", "Globex", "-p", "training-engagement", *INTAKE)
    globex = workspace / "clients" / "globex" / "client.toml"
    globex.write_text(globex.read_text().replace("schema = 1", "schema = 7"))
    acme.write_text(acme.read_text() + '\n[steps.renamed-step]\nstatus = "done"\non = 2026-03-01\n')
    bad = workspace / "templates" / "broken" / "playbook.toml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        '[roles.X]\nname = "x"\n[[stages]]\nid = "s"\n[[stages.steps]]\nid = "a"\ntitle = "A"\nowner = "Y"\n'
    )
    before = {p: p.read_bytes() for p in (globex, acme, bad)}
    result = run("check")
    assert result.exit_code == 1
    assert "schema 7" in result.output
    assert "renamed-step" in result.output
    assert "unknown role 'Y'" in result.output
    assert {p: p.read_bytes() for p in before} == before


def test_restore_brings_back_an_earlier_version(run, acme):
    original = acme.read_bytes()
    run("done", "acme", "discovery-session")
    listing = run("restore", "acme")
    assert listing.exit_code == 0 and "started on training-engagement" in listing.output
    assert run("restore", "acme", "2").exit_code == 0
    assert acme.read_bytes() == original


def test_every_command_has_help_with_an_example(run):
    for name in COMMANDS:
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Example" in result.output, name


def test_no_arguments_explains_itself():
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    assert "onboard init" in result.output


def test_unknown_client_is_one_clear_line(run, acme):
    result = run("status", "globex")
    assert result.exit_code == 1
    assert "No client 'globex'" in result.output and "onboard list" in result.output


def test_python_dash_m_runs(tmp_path):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "onboard", "--version"], capture_output=True, text=True, check=True
    )
    assert "onboard" in out.stdout


def test_done_on_a_step_that_does_not_apply_says_so_before_asking(run, workspace):
    run(
        "new",
        "Po",
        "-p",
        "training-engagement",
        "--set",
        "program=P",
        "--set",
        "business_unit=P&O Academies",
        "--set",
        "delivery_type=Virtual",
    )
    result = run("done", "po", "send-pre-class-info", "--no-input", "--force")
    assert result.exit_code == 1
    assert "does not apply" in result.output and "Missing" not in result.output


def test_new_fills_role_holders_from_the_team_list(run, workspace):
    config = workspace / "onboard.toml"
    config.write_text(
        config.read_text() + '\n[[team]]\nname = "Omar Haddad"\ninitials = "OH"\nemail = "omar@iw.example"\n'
    )
    assert (
        run("new", "Acme", "-p", "training-engagement", *INTAKE, "--set", "role.RL=Omar Haddad").exit_code
        == 0
    )
    doc = tomllib.loads((workspace / "clients" / "acme" / "client.toml").read_text())
    assert doc["roles"]["RL"] == {"name": "Omar Haddad", "initials": "OH", "email": "omar@iw.example"}


def test_due_filters_by_the_person_holding_the_role(run, workspace):
    run("new", "Acme", "-p", "training-engagement", *INTAKE, "--set", "role.RL=Omar Haddad")
    run("new", "Globex", "-p", "training-engagement", *INTAKE, "--set", "role.RL=Jane Doe")
    mine = json.loads(run("due", "--json", "--owner", "Omar Haddad").output)
    assert mine and {i["client"] for i in mine} == {"acme"}
    assert {i["assignee"] for i in mine} == {"Omar Haddad"}
    by_initials = json.loads(run("due", "--json", "--owner", "jd").output)
    assert {i["client"] for i in by_initials} == {"globex"}


def test_new_without_a_playbook_offers_the_list(run, workspace):
    from onboard.ui.prompt import ScriptedPrompter

    prompter = ScriptedPrompter(["renewal", "2026-01-05", "2026-12-31", "Dev Patel", "dev@halcyon.example"])
    result = run("new", "Halcyon", prompter=prompter)
    assert result.exit_code == 0, result.output
    assert prompter.asked[0] == "Which playbook?"
    assert (
        tomllib.loads((workspace / "clients" / "halcyon" / "client.toml").read_text())["playbook"]
        == "renewal"
    )
