"""An email says "attached" only where it declares the attachment; the .eml carries the files onboard made."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from icalendar import Calendar, Event

from onboard.core.engine import assign_role, new_client
from onboard.emails.attachments import Attachment, mentions_attaching, newest, parse_attach
from onboard.emails.checks import file_problems, template_problems
from onboard.emails.compose import Emails
from onboard.emails.message import RenderedEmail
from onboard.emails.recipients import Recipient
from onboard.emails.template import read_spec
from onboard.outputs.excel import write_roster
from onboard.storage.library import Library, shipped_dir
from tests.fixtures.emails import open_eml

NOW = datetime(2026, 3, 1, 9, 0)
TODAY = NOW.date()
SHIPPED = sorted(shipped_dir().glob("*/emails/*.txt"))


def write_template(root: Path, name: str, text: str) -> Path:
    folder = root / "training-engagement" / "emails"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def invitation(path: Path) -> Path:
    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", "acme.session-1@onboard")
    event.add("dtstamp", datetime(2026, 3, 1, 9, 0))
    event.add("dtstart", datetime(2026, 3, 20, 9, 0))
    event.add("dtend", datetime(2026, 3, 20, 12, 0))
    event.add("summary", "Empathy at Work")
    cal.add_component(event)
    path.write_bytes(cal.to_ical())
    return path


def test_the_header_declares_files_by_kind_and_documents_in_quotes() -> None:
    kinds, documents = parse_attach('attendance, eval, "the LXP guide (PDF)", "a, b"')
    assert kinds == ("attendance", "eval")
    assert documents == ("the LXP guide (PDF)", "a, b")
    assert mentions_attaching("The roster is Attached.") and mentions_attaching("two attachments")
    assert not mentions_attaching("a detached house")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_shipped_template_that_speaks_of_attaching_declares_it(path: Path) -> None:
    spec = read_spec(path)
    if mentions_attaching(spec.subject_source + spec.body_source):
        assert spec.attach_kinds or spec.attach_documents, path
    playbook = Library().load(path.parent.parent.name)
    assert file_problems(Emails().env, playbook, path) == []


def test_check_fails_a_template_that_claims_an_attachment_it_does_not_declare(tmp_path: Path) -> None:
    training = Library().load("training-engagement")
    write_template(tmp_path, "claims", "Subject: s\nTo: RL\n---\nHi,\n\nThe roster is attached.\n")
    write_template(tmp_path, "declares", 'Subject: s\nTo: RL\nAttach: "the roster"\n---\nAttached.\n')
    write_template(tmp_path, "typo", "Subject: s\nTo: RL\nAttach: atendance\n---\nHi\n")
    write_template(
        tmp_path,
        "undeclared",
        "Subject: s\nTo: RL\nAttach: eval\n---\n{% if attached.attendance is defined %}x{% endif %}\n",
    )
    problems = "\n".join(template_problems(training, tmp_path))
    assert "claims.txt:6: speaks of attaching but declares no attachment" in problems
    assert "declares.txt" not in problems
    assert "typo.txt:3: Attach attaches 'atendance', which is not a file onboard makes" in problems
    assert (
        "undeclared.txt:5: attached.attendance: the header's Attach: does not declare that file" in problems
    )


def test_the_newest_of_the_files_onboard_made_is_attached(tmp_path: Path) -> None:
    for name in (
        "Roster-A.xlsx",
        "Roster-A (2).xlsx",
        "Roster-A (10).xlsx",
        "Roster-AB.xlsx",
        "Roster-A.csv",
    ):
        (tmp_path / name).write_bytes(b"x")
    assert newest(tmp_path, "Roster-A", ".xlsx") == tmp_path / "Roster-A (10).xlsx"
    assert newest(tmp_path, "Roster-Z", ".xlsx") is None
    assert newest(tmp_path / "missing", "Roster-A", ".xlsx") is None


def test_the_eml_attaches_workbooks_and_invitations_that_open(tmp_path: Path) -> None:
    roster = tmp_path / "Blank Roster Template.xlsx"
    write_roster(roster, None)
    ics = invitation(tmp_path / "acme-invitation.ics")
    rendered = RenderedEmail(
        name="roster-request",
        subject="Roster, please",
        text="Hi Ann,\n\nOur blank roster template is attached.",
        html="<p>Hi Ann,</p>",
        source=tmp_path / "roster-request.txt",
        to=(Recipient(ref="x", address="ann@example.com", display="Ann"),),
        attachments=(
            Attachment("the Blank Roster Template", "blank-roster", roster),
            Attachment("the calendar invitation", "invitation", ics),
            Attachment("the LXP guide (PDF)"),
            Attachment("the evaluation summary", "eval", None, "onboard export acme eval"),
        ),
    )
    eml = tmp_path / "roster-request.eml"
    eml.write_bytes(rendered.to_bytes())
    message, files = open_eml(eml)
    assert sorted(files) == ["Blank Roster Template.xlsx", "acme-invitation.ics"]
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)).get_content().strip() == rendered.text
    assert rendered.to_bytes() == rendered.to_bytes(), "the same email gives the same bytes"
    assert rendered.as_text().endswith(
        f"==========\nAttach:\n- {roster}\n- {ics}\n- the LXP guide (PDF) (not made by onboard: attach it yourself)\n"
    )
    assert [a.label for a in rendered.not_made] == ["the evaluation summary"]


def test_a_file_not_made_yet_is_not_claimed_and_its_command_is_named(tmp_path: Path) -> None:
    training = Library().load("training-engagement")
    facts = {
        "program": "Empathy at Work",
        "business_unit": "General",
        "delivery_type": "Virtual",
        "course_date": date(2026, 4, 14),
        "client_coordinator": "Ann Lee",
        "client_coordinator_email": "ann@acme.example",
    }
    state = new_client(training, name="Acme", slug="acme", facts=facts, now=NOW, by="t")
    for role in ("LC", "RL", "FAC"):
        state = assign_role(
            training, state, role, name=f"{role} Person", initials=None, email=None, now=NOW, by="t"
        )
    folder = tmp_path / "acme"
    before = Emails().render(training, state, "roster-request", TODAY, folder=folder)
    assert not mentions_attaching(before.text)
    assert [a.how for a in before.not_made] == ["onboard roster acme --blank"]
    assert "Attach:" not in before.as_text()
    (folder / "out").mkdir(parents=True)
    write_roster(folder / "out" / "Blank Roster Template.xlsx", None)
    after = Emails().render(training, state, "roster-request", TODAY, folder=folder)
    assert "Our blank roster template is attached (Blank Roster Template.xlsx)" in after.text
    assert after.files == [folder / "out" / "Blank Roster Template.xlsx"] and not after.not_made


def test_the_cli_warns_and_names_the_command_then_attaches(run, workspace: Path, tmp_path: Path) -> None:
    intake = [
        "--set",
        "program=Empathy at Work",
        "--set",
        "business_unit=General",
        "--set",
        "delivery_type=Virtual",
    ]
    assert run("new", "Acme", "-p", "training-engagement", "--no-input", *intake).exit_code == 0
    run("set", "acme", "course_date=2026-04-14")
    run("set", "acme", "client_coordinator=Ann Lee", "client_coordinator_email=ann@acme.example")
    for role in ("LC", "RL", "FAC"):
        run("assign", "acme", role, f"{role} Person", "--email", f"{role.lower()}@iw.example")
    first = run("email", "acme", "roster-request")
    assert first.exit_code == 0, first.output
    assert "attach" not in first.stdout.lower()
    assert (
        "Not attached, the Blank Roster Template is not made yet: onboard roster acme --blank" in first.stderr
    )
    assert run("roster", "acme", "--blank").exit_code == 0
    second = run("email", "acme", "roster-request", "--eml", str(tmp_path / "r.eml"))
    assert second.exit_code == 0 and "1 file(s) attached" in second.output
    _, files = open_eml(tmp_path / "r.eml")
    assert list(files) == ["Blank Roster Template.xlsx"]
    listed = json.loads(run("email", "acme", "--json").stdout)
    assert next(r for r in listed if r["name"] == "roster-request")["ready"] is True
