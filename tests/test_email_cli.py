"""`onboard email`, and the emails saved when a step is done (`onboard done`, `onboard next`)."""

from __future__ import annotations

import email
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from onboard.cli import cli

FACTS = [
    "course_date=2026-04-14",
    "session_sponsor=John Smith",
    "session_sponsor_email=john.smith@acme.example",
    "contract_document=SOW",
    "client_coordinator=Ann Lee",
    "client_coordinator_email=ann.lee@acme.example",
]
SALES = ["discovery-session", "enter-opportunity", "review-solutions"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ONBOARD_NOW", "2026-03-01T09:00")
    monkeypatch.setenv("ONBOARD_USER", "tester")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("ONBOARD_HOME", raising=False)
    root = tmp_path / "ws"
    result = CliRunner().invoke(cli, ["--home", str(root), "init"])
    assert result.exit_code == 0, result.output
    return root


def onboard(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--home", str(home), *args])


def ok(home: Path, *args: str) -> Result:
    result = onboard(home, *args)
    assert result.exit_code == 0, result.output
    return result


def new_client(home: Path) -> None:
    ok(
        home,
        "new",
        "Acme & Sons",
        "-p",
        "training-engagement",
        "--no-input",
        "--set",
        "program=Empathy at Work",
        "--set",
        "business_unit=General",
        "--set",
        "delivery_type=Virtual",
    )


@pytest.fixture
def acme(home: Path) -> Path:
    """A client with the facts and roles the first emails need."""
    new_client(home)
    ok(home, "set", "acme-sons", *FACTS)
    ok(home, "assign", "acme-sons", "RL", "Omar Haddad", "--email", "omar@team.example")
    ok(home, "assign", "acme-sons", "LC", "Sam Rivera", "--email", "sam@team.example")
    return home / "clients" / "acme-sons"


def out_dir(home: Path) -> Path:
    return home / "clients" / "acme-sons" / "out" / "emails"


# --- onboard email CLIENT TEMPLATE -------------------------------------------------------------


def test_email_prints_plain_text_with_the_subject_first(home: Path, acme: Path) -> None:
    result = ok(home, "email", "acme-sons", "date-request")
    lines = result.stdout.splitlines()
    assert lines[0] == "Empathy at Work: please confirm Tuesday 14 April 2026"
    assert lines[1] == ""
    assert lines[2] == "Hi Ann,"
    assert "Sam Rivera" in result.stdout
    assert "\x1b[" not in result.stdout
    assert "To: Ann Lee <ann.lee@acme.example>" in result.stderr
    assert "To:" not in result.stdout


def test_missing_field_exits_1_names_it_and_writes_nothing(home: Path, tmp_path: Path) -> None:
    new_client(home)
    text, eml = tmp_path / "out.txt", tmp_path / "out.eml"
    result = onboard(home, "email", "acme-sons", "date-request", "-o", str(text), "--eml", str(eml))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "course_date" in result.output
    assert "client_coordinator" in result.output
    assert "onboard set acme-sons course_date=2026-03-15" in result.output
    assert 'onboard assign acme-sons LC "Full Name"' in result.output
    assert not text.exists()
    assert not eml.exists()
    assert result.stdout == ""


def test_unknown_template_lists_the_available_ones(home: Path, acme: Path) -> None:
    result = onboard(home, "email", "acme-sons", "no-such-email")
    assert result.exit_code == 1
    assert "No email template 'no-such-email'" in result.output
    assert "date-request" in result.output


def test_hostile_workspace_template_fails_cleanly(home: Path, acme: Path, tmp_path: Path) -> None:
    folder = home / "templates" / "training-engagement" / "emails"
    folder.mkdir(parents=True)
    (folder / "date-request.txt").write_text(
        "Subject: Hi\nTo: RL\n---\n{{ ''.__class__.__mro__ }}\n", encoding="utf-8"
    )
    target = tmp_path / "x.txt"
    result = onboard(home, "email", "acme-sons", "date-request", "-o", str(target))
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "unsafe template, not rendered" in result.output
    assert "__class__" in result.output
    assert not target.exists()


def test_eml_parses_back_with_subject_recipients_and_both_parts(
    home: Path, acme: Path, tmp_path: Path
) -> None:
    target = tmp_path / "draft.eml"
    result = ok(home, "email", "acme-sons", "date-request", "--eml", str(target))
    assert "Wrote" in result.output
    plain = ok(home, "email", "acme-sons", "date-request").stdout
    with target.open("rb") as handle:
        message = email.message_from_binary_file(handle, policy=policy.default)
    assert message["Subject"] == "Empathy at Work: please confirm Tuesday 14 April 2026"
    assert [a.addr_spec for a in message["To"].addresses] == ["ann.lee@acme.example"]
    assert message["To"].addresses[0].display_name == "Ann Lee"
    assert [a.addr_spec for a in message["Cc"].addresses] == ["omar@team.example"]
    assert [a.addr_spec for a in message["From"].addresses] == ["sam@team.example"]
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert parts["text/plain"].strip() == plain.split("\n\n", 1)[1].strip()
    assert "Acme &amp; Sons" in parts["text/html"]
    assert "<p>Hi Ann,</p>" in parts["text/html"]


def test_eml_with_a_recipient_without_address_fails_and_writes_nothing(home: Path, tmp_path: Path) -> None:
    new_client(home)
    ok(home, "set", "acme-sons", "course_date=2026-04-14", "client_coordinator=Ann Lee")
    ok(home, "assign", "acme-sons", "RL", "Omar Haddad", "--email", "omar@team.example")
    ok(home, "assign", "acme-sons", "LC", "Sam Rivera")
    printed = ok(home, "email", "acme-sons", "date-request")
    assert "No address for client_coordinator_email" in printed.stderr
    target = tmp_path / "draft.eml"
    result = onboard(home, "email", "acme-sons", "date-request", "--eml", str(target))
    assert result.exit_code == 1
    assert "client_coordinator_email" in result.output
    assert not target.exists()


def test_output_option_writes_the_text(home: Path, acme: Path, tmp_path: Path) -> None:
    plain = ok(home, "email", "acme-sons", "scheduling-handoff").stdout
    target = tmp_path / "handoff.txt"
    result = ok(home, "email", "acme-sons", "scheduling-handoff", "-o", str(target))
    assert target.read_text(encoding="utf-8") == plain
    assert plain.startswith("Scheduling hand-off: Acme & Sons – Empathy at Work (Virtual)\n\nHi Sam,")
    assert "Hi Sam," not in result.stdout


def test_workspace_override_replaces_a_shipped_template(home: Path, acme: Path) -> None:
    folder = home / "templates" / "training-engagement" / "emails"
    folder.mkdir(parents=True)
    (folder / "date-request.txt").write_text(
        "Subject: Our own date request for {{ client }}\nTo: client_coordinator_email\n---\n"
        "Dear {{ client_coordinator }}, pick a date.\n",
        encoding="utf-8",
    )
    result = ok(home, "email", "acme-sons", "date-request")
    assert result.stdout == "Our own date request for Acme & Sons\n\nDear Ann Lee, pick a date.\n"


# --- onboard email CLIENT (the list) ------------------------------------------------------------


def bring_to_handoff(home: Path) -> None:
    for step in SALES:
        ok(home, "done", "acme-sons", step)
    ok(home, "done", "acme-sons", "enter-delivery-dates")
    ok(home, "done", "acme-sons", "confirm-pricing")
    ok(home, "skip", "acme-sons", "legal-paperwork", "--reason", "MSA in place")


def test_listing_marks_the_emails_of_the_current_steps(home: Path, acme: Path) -> None:
    bring_to_handoff(home)
    import json

    rows = {row["name"]: row for row in json.loads(ok(home, "email", "acme-sons", "--json").stdout)}
    assert rows["scheduling-handoff"]["current"] is True
    assert rows["scheduling-handoff"]["ready"] is True
    assert rows["scheduling-handoff"]["steps"] == ["scheduling-handoff"]
    assert rows["date-request"]["current"] is False
    assert rows["welcome-pack"]["current"] is False
    assert "roles.FAC" in rows["welcome-pack"]["missing"]
    assert len(rows) == 11
    table = ok(home, "email", "acme-sons").stdout
    marked = [line for line in table.splitlines() if "▶" in line and "-" in line]
    assert len(marked) == 1
    assert "scheduling-handoff" in marked[0]

    ok(home, "done", "acme-sons", "scheduling-handoff")
    rows = {row["name"]: row for row in json.loads(ok(home, "email", "acme-sons", "--json").stdout)}
    assert rows["scheduling-handoff"]["current"] is False
    assert rows["date-request"]["current"] is True


def test_listing_with_output_is_a_usage_error(home: Path, acme: Path) -> None:
    result = onboard(home, "email", "acme-sons", "-o", "x.txt")
    assert result.exit_code == 2


# --- emails saved when a step is done --------------------------------------------------------------


def test_done_saves_and_shows_the_step_email(home: Path, acme: Path) -> None:
    bring_to_handoff(home)
    result = ok(home, "done", "acme-sons", "scheduling-handoff")
    saved = out_dir(home) / "scheduling-handoff.txt"
    assert saved.is_file()
    assert (out_dir(home) / "scheduling-handoff.eml").is_file()
    plain = ok(home, "email", "acme-sons", "scheduling-handoff").stdout
    assert saved.read_text(encoding="utf-8") == plain
    assert "Hi Sam," in result.stdout
    assert "saved to" in result.stdout
    assert "scheduling-handoff.txt" in result.stdout


def test_a_different_email_never_overwrites_an_earlier_one(home: Path, acme: Path) -> None:
    bring_to_handoff(home)
    ok(home, "done", "acme-sons", "scheduling-handoff")
    first = (out_dir(home) / "scheduling-handoff.txt").read_bytes()

    ok(home, "undo", "acme-sons")
    again = ok(home, "done", "acme-sons", "scheduling-handoff")
    assert "unchanged in" in again.stdout
    assert sorted(p.name for p in out_dir(home).iterdir()) == [
        "scheduling-handoff.eml",
        "scheduling-handoff.txt",
    ]

    ok(home, "undo", "acme-sons")
    ok(home, "set", "acme-sons", "session_sponsor=Joan Smith")
    ok(home, "done", "acme-sons", "scheduling-handoff")
    ok(home, "undo", "acme-sons")
    ok(home, "set", "acme-sons", "session_sponsor=Jo Smith")
    ok(home, "done", "acme-sons", "scheduling-handoff")
    assert (out_dir(home) / "scheduling-handoff.txt").read_bytes() == first
    dated = out_dir(home) / "scheduling-handoff-2026-03-01.txt"
    assert "Joan Smith" in dated.read_text(encoding="utf-8")
    assert "Jo Smith (" in (out_dir(home) / "scheduling-handoff-2026-03-01-2.txt").read_text(encoding="utf-8")


def test_done_with_a_missing_value_warns_and_keeps_the_step_done(home: Path) -> None:
    new_client(home)
    ok(home, "set", "acme-sons", *FACTS)
    result = ok(home, "done", "acme-sons", "scheduling-handoff", "--force")
    assert "Email scheduling-handoff was not written" in result.output
    assert "roles.RL" in result.output
    assert "onboard email acme-sons scheduling-handoff" in result.output
    assert not out_dir(home).exists() or not any(out_dir(home).iterdir())
    status = ok(home, "status", "acme-sons", "--json", "--all").stdout
    import json

    steps = {s["id"]: s["status"] for s in json.loads(status)["steps"]}
    assert steps["scheduling-handoff"] == "done"


def test_next_walk_saves_the_emails_of_the_steps_it_completes(home: Path) -> None:
    new_client(home)
    ok(home, "assign", "acme-sons", "RL", "Omar Haddad", "--email", "omar@team.example")
    ok(home, "assign", "acme-sons", "LC", "Sam Rivera", "--email", "sam@team.example")
    sets = [
        arg
        for fact in [*FACTS, "course_time=9:00-12:00 CT", "role.FAC=Jane Doe", "contract_number=Marr1234"]
        for arg in ("--set", fact)
    ]
    result = ok(home, "next", "acme-sons", "--yes", "--no-input", *sets, "--answers", str(answers(home)))
    assert "email scheduling-handoff" in result.stdout
    assert "email date-request" in result.stdout
    date_request = (out_dir(home) / "date-request.txt").read_text(encoding="utf-8")
    assert "Tuesday 14 April 2026, 9:00-12:00 CT" in date_request
    assert (out_dir(home) / "scheduling-handoff.txt").is_file()


def answers(home: Path) -> Path:
    path = home / "answers.toml"
    path.write_text('[actions]\nlegal-paperwork = "skip: MSA in place"\n', encoding="utf-8")
    return path


# --- onboard check ------------------------------------------------------------------------------


def test_check_reports_template_syntax_errors_and_unknown_names(home: Path) -> None:
    assert ok(home, "check")
    folder = home / "templates" / "training-engagement" / "emails"
    folder.mkdir(parents=True)
    (folder / "broken.txt").write_text("Subject: x\nTo: RL\n---\nHi {{ program }\n", encoding="utf-8")
    (folder / "odd.txt").write_text("Subject: x\nTo: RL\n---\nHi {{ no_such_field }}\n", encoding="utf-8")
    result = onboard(home, "check")
    assert result.exit_code == 1
    assert "broken.txt:4: syntax error" in result.output
    assert "odd.txt:4: uses 'no_such_field'" in result.output
    assert "2 problem(s)" in result.output


def test_startup_does_not_import_jinja() -> None:
    code = (
        "import sys, onboard.cli, onboard.commands.walk, onboard.commands.steps, "
        "onboard.commands.email, onboard.commands.workspace; "
        "print('jinja2' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
