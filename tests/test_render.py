"""Email templates without the CLI: rendering, missing values, the sandbox, checks."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from onboard.core.engine import assign_role, complete_step, new_client, open_gate, overview
from onboard.core.fields import Field
from onboard.core.playbook import Playbook
from onboard.core.state import ClientState
from onboard.emails.checks import template_problems
from onboard.emails.compose import Emails
from onboard.emails.filters import first_name, join_and, longdate, possessive, shortdate, week_start
from onboard.emails.missing import MissingValuesError
from onboard.emails.sandbox import environment
from onboard.emails.template import parse_template, standalone_tags
from onboard.errors import OnboardError
from onboard.storage.library import Library, shipped_dir
from tests.fixtures.delivery import record_attendance, record_roster

NOW = datetime(2026, 3, 1, 9, 0)
TODAY = NOW.date()
LEFTOVERS = ("{{", "}}", "{%", "%}", "{#", "None", "Hi ,", "Dear ,", "Hello ,", "Undefined")
SETTINGS = {"eval_distribution_list": ["evaluations@team.example"]}
ATTENDED = [("Ann Lee", "ann.lee@acme.example", True), ("Bo Chen", "bo.chen@acme.example", False)]


def shipped_playbooks() -> list[str]:
    return sorted(p.parent.name for p in shipped_dir().glob("*/playbook.toml"))


def shipped_templates() -> list[tuple[str, str]]:
    emails = Emails()
    return [(pid, name) for pid in shipped_playbooks() for name in emails.names(pid)]


def sample_value(playbook: Playbook, name: str) -> Any:
    """A plausible value for any field type, so every playbook can be filled generically."""
    return sample_of(playbook.fields[name])


def sample_of(spec: Field) -> Any:
    name = spec.name
    samples = {
        "text": f"Sample {name.replace('_', ' ').title()}",
        "date": date(2026, 4, 14),
        "email": f"{name.replace('_', '.')}@client.example",
        "int": 12,
        "number": 4.6,
        "bool": True,
        "list": ["first", "second"],
        "url": f"https://client.example/{name}",
    }
    if spec.type == "choice":
        return spec.choices[0]
    if spec.type == "records":
        return [{column.name: sample_of(column) for column in spec.columns}]
    return samples[spec.type]


def assign_everyone(playbook: Playbook, state: ClientState) -> ClientState:
    for index, role in enumerate(playbook.roles):
        state = assign_role(
            playbook,
            state,
            role,
            name=f"Person{index} Surname{index}",
            initials=None,
            email=f"person{index}@team.example",
            now=NOW,
            by="tester",
        )
    return state


def full_client(playbook: Playbook) -> ClientState:
    facts = {name: sample_value(playbook, name) for name in playbook.fields}
    state = new_client(playbook, name="Client & Co", slug="client-co", facts=facts, now=NOW, by="tester")
    return assign_everyone(playbook, state)


def assert_clean(text: str) -> None:
    for bad in LEFTOVERS:
        assert bad not in text, f"{bad!r} left in:\n{text}"


@pytest.fixture(scope="module")
def training() -> Playbook:
    return Library().load("training-engagement")


def write_template(root: Path, name: str, text: str, playbook_id: str = "training-engagement") -> Path:
    folder = root / playbook_id / "emails"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A client folder where two people were expected and one attended."""
    folder = tmp_path / "clients" / "client-co"
    record_attendance(folder, date(2026, 4, 14), ATTENDED)
    return folder


def intake_client(playbook: Playbook, **extra: Any) -> ClientState:
    facts = {"program": "Empathy at Work", "business_unit": "General", "delivery_type": "Virtual", **extra}
    return new_client(playbook, name="Acme Corp", slug="acme", facts=facts, now=NOW, by="tester")


# --- every shipped template -----------------------------------------------------------------


def test_shipped_playbooks_have_templates() -> None:
    assert "training-engagement" in shipped_playbooks()
    names = {name for pid, name in shipped_templates() if pid == "training-engagement"}
    assert {"welcome-pack", "date-request", "confirmation-next-steps", "scheduling-handoff"} <= names


@pytest.mark.parametrize(("playbook_id", "name"), shipped_templates())
def test_every_shipped_template_renders_for_a_fully_filled_client(
    playbook_id: str, name: str, folder: Path
) -> None:
    playbook = Library().load(playbook_id)
    state = full_client(playbook)
    rendered = Emails(settings=SETTINGS).render(playbook, state, name, TODAY, folder=folder)
    assert rendered.subject.strip()
    assert rendered.text.strip()
    assert_clean(rendered.subject)
    assert_clean(rendered.text)
    assert_clean(rendered.html)
    assert not rendered.unresolved, [r.ref for r in rendered.unresolved]
    assert rendered.to, "every email has someone to go to"
    assert rendered.to_bytes().startswith(b"Subject:")


@pytest.mark.parametrize("playbook_id", shipped_playbooks())
def test_shipped_templates_pass_the_check(playbook_id: str) -> None:
    assert template_problems(Library().load(playbook_id)) == []


WALKS = {
    "general-virtual": (
        {"business_unit": "General", "delivery_type": "Virtual"},
        {
            "scheduling-handoff",
            "date-request",
            "confirmation-next-steps",
            "welcome-pack",
            "session-logistics",
            "pre-class-instructions",
            "roster-request",
            "lxp-registration",
            "attendance-summary",
            "evaluation-next-steps",
            "post-course-materials",
        },
    ),
    "other-in-person-with-optional-fields": (
        {
            "business_unit": "Other",
            "delivery_type": "In-person",
            "course_end_date": "2026-04-15",
            "course_time": "9:00-12:00 CT",
            "eval_score": "4.8",
            "eval_scale": "5",
        },
        {
            "scheduling-handoff",
            "date-request",
            "confirmation-next-steps",
            "welcome-pack",
            "session-logistics",
            "pre-class-instructions",
            "roster-request",
            "lxp-registration",
            "attendance-summary",
            "evaluation-next-steps",
            "post-course-materials",
        },
    ),
    "cfo": (
        {"business_unit": "CFO", "delivery_type": "Virtual"},
        {
            "scheduling-handoff",
            "date-request",
            "roster-request",
            "lxp-registration",
            "attendance-summary",
            "evaluation-next-steps",
            "post-course-materials",
        },
    ),
    "p-and-o-academies": (
        {"business_unit": "P&O Academies", "delivery_type": "In-person"},
        {
            "scheduling-handoff",
            "date-request",
            "lxp-registration",
            "attendance-summary",
            "evaluation-next-steps",
            "post-course-materials",
        },
    ),
}


@pytest.mark.parametrize("variant", sorted(WALKS))
def test_each_email_renders_when_its_step_is_done_in_order(
    training: Playbook, variant: str, folder: Path
) -> None:
    """Walking the process step by step, each email only needs what is known by its step."""
    facts, expected = WALKS[variant]
    answers: dict[str, Any] = {
        "course_date": "2026-04-14",
        "session_sponsor": "John Smith",
        "session_sponsor_email": "john.smith@acme.example",
        "contract_document": "SOW",
        "client_coordinator": "Ann Lee",
        "client_coordinator_email": "ann.lee@acme.example",
        "contract_number": "Marr1234",
        "signature_date": "2026-03-10",
        "meeting_link": "https://zoom.us/j/123456",
        "venue": "Acme HQ, Room 4",
        "eval_method": "IW Ask Nicely",
        "participant_count": "14",
        "class_summary": "An engaged group; the role plays went well.",
    }
    intake = {k: v for k, v in facts.items() if k in training.intake}
    answers.update({k: v for k, v in facts.items() if k not in training.intake})
    state = new_client(
        training,
        name="Acme Corp",
        slug="acme",
        facts={"program": "Empathy at Work", **intake},
        now=NOW,
        by="t",
    )
    for role, person in {"RL": "Omar Haddad", "LC": "Sam Rivera", "PL": "Pat Lee"}.items():
        state = assign_role(
            training,
            state,
            role,
            name=person,
            initials=None,
            email=f"{role.lower()}@team.example",
            now=NOW,
            by="t",
        )
    emails = Emails(settings=SETTINGS)
    seen: dict[str, str] = {}
    for _ in range(100):
        ov = overview(training, state, TODAY)
        if ov.complete:
            break
        if not ov.actionable:
            gates = {v.step.gate for v in ov.steps if v.status == "pending" and v.step.gate} - set(
                state.gates
            )
            assert gates, f"stuck: {[(v.step.id, v.waiting) for v in ov.steps if v.status == 'pending']}"
            state = open_gate(training, state, sorted(gates)[0], now=NOW, by="t")
            continue
        step = ov.actionable[0].step
        values: dict[str, Any] = {k: answers[k] for k in step.asks if k in answers}
        values.update({f"role.{r}": {"name": "Jane Doe", "email": "jane@team.example"} for r in step.assigns})
        state = complete_step(training, state, step.id, answers=values, now=NOW, by="t")
        for name in step.emails:
            rendered = emails.render(training, state, name, TODAY, folder=folder)
            assert_clean(rendered.as_text())
            assert not rendered.unresolved, (name, [r.ref for r in rendered.unresolved])
            seen[name] = rendered.as_text()
    assert overview(training, state, TODAY).complete
    assert set(seen) == expected
    if "course_time" in facts:
        assert "9:00-12:00 CT" in seen["date-request"]
        assert "Tuesday 14 April 2026 to Wednesday 15 April 2026" in seen["date-request"]
        assert "an average score of 4.8 out of 5." in seen["evaluation-next-steps"]
    else:
        assert "Tuesday 14 April 2026 for your" in seen["date-request"]
        assert "Evaluation results" not in seen["evaluation-next-steps"]
    assert "the role plays went well" in seen["attendance-summary"]


def test_attendees_are_those_present_or_the_roster_before_any_attendance(
    tmp_path: Path, training: Playbook
) -> None:
    state = full_client(training)
    emails = Emails(settings=SETTINGS)
    folder = tmp_path / "clients" / "client-co"
    nobody = emails.render(training, state, "post-course-materials", TODAY, folder=folder)
    assert [r.ref for r in nobody.unresolved] == ["attendees"]
    assert "onboard roster client-co --import" in nobody.unresolved[0].how
    record_roster(folder, [("Ann", "Lee", "ann.lee@acme.example"), ("Bo", "Chen", "bo.chen@acme.example")])
    invited = emails.render(training, state, "post-course-materials", TODAY, folder=folder)
    assert [(r.display, r.address) for r in invited.bcc] == [
        ("Ann Lee", "ann.lee@acme.example"),
        ("Bo Chen", "bo.chen@acme.example"),
    ]
    record_attendance(folder, date(2026, 4, 14), ATTENDED)
    attended = emails.render(training, state, "post-course-materials", TODAY, folder=folder)
    assert [r.address for r in attended.bcc] == ["ann.lee@acme.example"], "Bo did not come"
    assert [r.address for r in attended.to] == ["person5@team.example"], "to the PL, the attendees Bcc"


def test_names_and_dates_come_from_the_state(training: Playbook) -> None:
    state = full_client(training)
    text = Emails().render(training, state, "date-request", TODAY).as_text()
    assert text.splitlines()[0] == "Sample Program: please confirm Tuesday 14 April 2026"
    assert "Hi Sample," in text
    assert "Person1 Surname1" in text  # the LC signs it
    assert "Tuesday 14 April 2026" in text


# --- filters ---------------------------------------------------------------------------------


def test_date_and_name_filters() -> None:
    assert longdate(date(2022, 3, 15)) == "Tuesday 15 March 2022"
    assert longdate("2026-03-01") == "Sunday 1 March 2026"
    assert shortdate(date(2022, 3, 15)) == "Tue 15 Mar"
    assert week_start(date(2026, 3, 12)) == date(2026, 3, 9)
    assert first_name("Dr. Jane Doe") == "Jane"
    assert first_name("Jane") == "Jane"
    assert possessive("Globex") == "Globex's"
    assert possessive("Acme Sons") == "Acme Sons'"
    assert join_and(["Ann", "Bo", "Cy"]) == "Ann, Bo and Cy"
    assert join_and(["Ann", "Bo"]) == "Ann and Bo"
    assert join_and(["Ann"]) == "Ann"
    with pytest.raises(ValueError, match="needs a date"):
        longdate("next week")


def test_business_days_skip_weekends_and_holidays(tmp_path: Path, training: Playbook) -> None:
    write_template(
        tmp_path, "reply.txt", "Subject: s\nTo: RL\n---\nBy {{ today | add_business_days(5) | longdate }}.\n"
    )
    state = intake_client(training)
    emails = Emails(tmp_path)
    assert emails.render(training, state, "reply", TODAY).text == "By Friday 6 March 2026."
    holiday = emails.render(training, state, "reply", TODAY, holidays={date(2026, 3, 4)})
    assert holiday.text == "By Monday 9 March 2026."


# --- missing values ----------------------------------------------------------------------------


def test_missing_values_are_all_listed_with_how_to_set_them(training: Playbook) -> None:
    state = intake_client(training)
    with pytest.raises(MissingValuesError) as caught:
        Emails().render(training, state, "welcome-pack", TODAY)
    err = caught.value
    for key in ("course_date", "client_coordinator", "session_sponsor", "roles.RL", "roles.LC", "roles.FAC"):
        assert key in err.short
    text = str(err)
    assert "onboard set acme course_date=2026-03-15" in text
    assert 'onboard assign acme FAC "Full Name"' in text
    assert "Nothing was written" in text


def test_a_missing_role_email_says_how_to_add_it(tmp_path: Path, training: Playbook) -> None:
    write_template(tmp_path, "ask.txt", "Subject: s\nTo: RL\n---\nWrite to {{ roles.FAC.email }}.\n")
    state = assign_role(
        training, intake_client(training), "FAC", name="Jane Doe", initials=None, email=None, now=NOW, by="t"
    )
    with pytest.raises(MissingValuesError) as caught:
        Emails(tmp_path).render(training, state, "ask", TODAY)
    assert caught.value.short == ["roles.FAC.email"]
    assert 'onboard assign acme FAC "Jane Doe" --email name@example.com' in str(caught.value)


def test_a_name_that_is_no_field_is_reported_as_a_template_problem(
    tmp_path: Path, training: Playbook
) -> None:
    write_template(tmp_path, "odd.txt", "Subject: s\nTo: RL\n---\n{{ shoe_size }} {{ course_date }}\n")
    with pytest.raises(MissingValuesError) as caught:
        Emails(tmp_path).render(training, intake_client(training), "odd", TODAY)
    assert caught.value.short == ["shoe_size", "course_date"]
    assert "shoe_size: not a field, role or known name of training-engagement" in str(caught.value)


def test_optional_fields_guarded_with_is_defined(tmp_path: Path, training: Playbook) -> None:
    write_template(
        tmp_path,
        "opt.txt",
        "Subject: s\nTo: RL\n---\nOn {{ course_date | longdate }}"
        "{% if course_time is defined %}, {{ course_time }}{% endif %}.\n"
        "{% if roles.FAC.email is defined %}FAC {{ roles.FAC.email }}{% endif %}\nEnd\n",
    )
    emails = Emails(tmp_path)
    state = intake_client(training, course_date="2026-04-14")
    assert emails.render(training, state, "opt", TODAY).text == "On Tuesday 14 April 2026.\n\nEnd"
    with_time = intake_client(training, course_date="2026-04-14", course_time="9:00")
    assert emails.render(training, with_time, "opt", TODAY).text.startswith(
        "On Tuesday 14 April 2026, 9:00.\n"
    )


def test_missing_reports_without_raising(training: Playbook) -> None:
    state = intake_client(training)
    assert "course_date" in Emails().missing(training, state, "scheduling-handoff", TODAY)
    assert Emails().missing(training, full_client(training), "scheduling-handoff", TODAY) == []


# --- the sandbox -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ roles.__class__ }}",
        "{{ (roles | list).append(1) }}",
        "{{ 'x' * 100000000 }}",
        "{{ 9 ** 99999 }}",
        "{{ ''['__class__'] }}",
    ],
)
def test_hostile_templates_fail_with_a_clear_error(
    tmp_path: Path, training: Playbook, expression: str
) -> None:
    write_template(tmp_path, "date-request.txt", f"Subject: s\nTo: RL\n---\n{expression}\n")
    with pytest.raises(OnboardError) as caught:
        Emails(tmp_path).render(training, full_client(training), "date-request", TODAY)
    assert "unsafe template, not rendered" in caught.value.message
    assert not isinstance(caught.value, MissingValuesError)


def test_check_flags_reaching_for_internals(tmp_path: Path, training: Playbook) -> None:
    write_template(tmp_path, "date-request.txt", "Subject: s\nTo: RL\n---\n{{ ''.__class__.__mro__ }}\n")
    problems = template_problems(training, tmp_path)
    assert any("'__class__', a Python internal" in p for p in problems)


# --- template files, overrides, caching --------------------------------------------------------


def test_workspace_template_overrides_the_shipped_one(tmp_path: Path, training: Playbook) -> None:
    path = write_template(
        tmp_path, "date-request.txt", "Subject: Ours for {{ client }}\nTo: RL\n---\nOur text.\n"
    )
    emails = Emails(tmp_path)
    assert emails.find(training.id, "date-request") == path
    assert Emails().find(training.id, "date-request").parent.parent.parent == shipped_dir()
    assert emails.names(training.id) == Emails().names(training.id)
    rendered = emails.render(training, intake_client(training), "date-request", TODAY)
    assert rendered.subject == "Ours for Acme Corp"
    assert rendered.text == "Our text."


def test_environment_is_made_and_templates_compiled_once(tmp_path: Path) -> None:
    roots = (tmp_path, shipped_dir())
    assert environment(roots) is environment(roots)
    assert Emails(tmp_path).env is Emails(tmp_path).env
    path = Emails().find("training-engagement", "date-request")
    env = Emails().env
    assert env.get_template(str(path)) is env.get_template(str(path))


def test_html_companion_is_autoescaped_and_text_is_not(tmp_path: Path, training: Playbook) -> None:
    write_template(tmp_path, "note.txt", "Subject: For {{ client }}\nTo: RL\n---\nHello {{ client }}\n")
    write_template(tmp_path, "note.html", "<p>Hello {{ client }}</p>\n")
    write_template(
        tmp_path, "plain.txt", "Subject: s\nTo: RL\n---\nHello {{ client }}\nhttps://x.example/a?b=1\n"
    )
    state = new_client(
        training,
        name="Tom <b> & Jerry",
        slug="tom",
        facts={"program": "P", "business_unit": "General", "delivery_type": "Virtual"},
        now=NOW,
        by="t",
    )
    emails = Emails(tmp_path)
    note = emails.render(training, state, "note", TODAY)
    assert note.text == "Hello Tom <b> & Jerry"
    assert note.html.strip() == "<p>Hello Tom &lt;b&gt; &amp; Jerry</p>"
    plain = emails.render(training, state, "plain", TODAY)
    assert "Hello Tom &lt;b&gt; &amp; Jerry" in plain.html
    assert '<a href="https://x.example/a?b=1">' in plain.html


def test_header_problems_are_listed_together() -> None:
    with pytest.raises(OnboardError) as caught:
        parse_template("Subjet: hi\nCc: RL\nHello\n", Path("x.txt"))
    message = caught.value.message
    assert "'Subjet: hi' is not a header" in message
    assert "no line '---'" in message
    assert "no Subject" in message
    assert "no To" in message


def test_header_keeps_line_numbers_for_errors(tmp_path: Path, training: Playbook) -> None:
    write_template(tmp_path, "bad.txt", "# comment\nSubject: s\nTo: RL\n---\nfine\n{% if %}\n")
    problems = template_problems(training, tmp_path)
    assert any("bad.txt:6: syntax error" in p for p in problems), problems


def test_lines_with_only_a_tag_vanish_and_inline_tags_keep_the_line_break() -> None:
    source = "a\n{% if x %}\nb{% if y %}!{% endif %}\n  {% endif %}  \nc\n"
    assert standalone_tags(source).count("\n") == source.count("\n")
    env = environment((shipped_dir(),))
    rendered = env.from_string(standalone_tags(source)).render(x=True, y=False)
    assert rendered == "a\nb\nc"


def test_check_reports_unknown_names_and_recipients(tmp_path: Path, training: Playbook) -> None:
    write_template(
        tmp_path,
        "odd.txt",
        "Subject: {{ program }}\nTo: RL, venue, nobody\n---\n"
        "{{ no_such_field }} {{ roles.XYZ.name }} {{ roles.FAC.phone }} {{ names.foo }}\n"
        "{% for r in roles %}{{ loop.index }}{% endfor %}{% set x = 1 %}{{ x }}\n",
    )
    problems = "\n".join(template_problems(training, tmp_path))
    assert "odd.txt:4: uses 'no_such_field'" in problems
    assert "roles.XYZ" in problems
    assert "roles.FAC.phone" in problems
    assert "names.foo" in problems
    assert "'venue' is a text field, not an email field" in problems
    assert "'nobody' is not a role" in problems
    assert "loop" not in problems
    assert "'x'" not in problems
    assert "'program'" not in problems


def test_check_reports_a_step_email_with_no_template(tmp_path: Path) -> None:
    text = (shipped_dir() / "training-engagement" / "playbook.toml").read_text(encoding="utf-8")
    text = text.replace('emails = ["roster-request"]', 'emails = ["roster-request", "thank-you"]')
    (tmp_path / "training-engagement").mkdir()
    (tmp_path / "training-engagement" / "playbook.toml").write_text(text, encoding="utf-8")
    playbook = Library(tmp_path).load("training-engagement")
    problems = template_problems(playbook, tmp_path)
    assert problems == [
        "playbook training-engagement: step 'collect-roster' sends email 'thank-you', "
        "which has no template (thank-you.txt)."
    ]


def test_a_long_subject_reads_back_unchanged_from_the_eml(tmp_path):
    import email
    from email import policy

    from onboard.emails.message import RenderedEmail
    from onboard.emails.recipients import Recipient

    subject = "Nimbus Analytics Success Plan: for your approval by Wednesday 4 March 2026"
    rendered = RenderedEmail(
        name="success-plan-approval",
        subject=subject,
        text="Hi Ann,\n\nHere it is.",
        html="<p>Hi Ann,</p><p>Here it is.</p>",
        source=tmp_path / "success-plan-approval.txt",
        to=(Recipient(ref="x", address="ann@example.com", display="Ann"),),
    )
    parsed = email.message_from_bytes(rendered.to_bytes(), policy=policy.default)
    assert parsed["Subject"] == subject
