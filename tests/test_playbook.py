from pathlib import Path

import pytest

from onboard.core.fields import FieldType
from onboard.errors import OnboardError
from onboard.storage.library import Library, load_playbook

GOOD = """
title = "Tiny"
revision = 2
intake = ["start_date"]

[roles.OM]
name = "Operations Manager"

[fields.start_date]
type = "date"

[[stages]]
id = "one"
title = "One"

[[stages.steps]]
id = "first"
title = "First"
owner = "OM"
due = "2 days after start_date"
"""


def write(tmp_path: Path, text: str, pid: str = "tiny") -> Path:
    path = tmp_path / pid / "playbook.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_playbook_loads(tmp_path):
    pb = load_playbook(write(tmp_path, GOOD))
    assert pb.id == "tiny"
    assert pb.revision == 2
    assert [s.id for s in pb.steps] == ["first"]
    assert pb.steps[0].due.source == "2 days after start_date"


def test_every_problem_is_reported_with_file_and_step(tmp_path):
    bad = (
        GOOD
        + """
[[stages.steps]]
id = "first"
title = "Duplicate"
owner = "XX"
due = "3 days after nowhere_date"
when = "x =="
after = ["ghost"]
emails = ["Not A Name"]
exports = ["pdf"]
"""
    )
    path = write(tmp_path, bad)
    with pytest.raises(OnboardError) as err:
        load_playbook(path)
    message = str(err.value)
    assert str(path) in message
    for expected in (
        "step 'first': duplicate step id",
        "step 'first': unknown role 'XX'",
        "due rule uses unknown field 'nowhere_date'",
        "bad condition",
        "'after' names 'ghost'",
        "email name 'Not A Name'",
        "unknown export 'pdf'",
    ):
        assert expected in message


def test_due_rule_on_a_non_date_field_is_rejected(tmp_path):
    text = GOOD.replace('type = "date"', 'type = "text"')
    with pytest.raises(OnboardError, match="not a date field"):
        load_playbook(write(tmp_path, text))


def test_field_types_load_as_field_types_and_an_unknown_one_is_named(tmp_path):
    pb = load_playbook(write(tmp_path, GOOD))
    assert pb.fields["start_date"].type is FieldType.DATE
    assert pb.fields["start_date"].type == "date"
    text = GOOD.replace('type = "date"', 'type = "when"')
    with pytest.raises(OnboardError) as err:
        load_playbook(write(tmp_path / "other", text))
    assert (
        "unknown type 'when' (use one of text, date, email, int, number, choice, bool, list, records, url)"
        in str(err.value)
    )


def test_condition_on_an_unknown_field_is_rejected(tmp_path):
    text = GOOD + 'when = "mystery == 1"\n'
    with pytest.raises(OnboardError, match="condition names unknown field 'mystery'"):
        load_playbook(write(tmp_path, text))


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, GOOD + "\n[[stages]\n")
    with pytest.raises(OnboardError, match=r"line \d+"):
        load_playbook(path)


def test_naming_convention_with_unknown_value_is_rejected(tmp_path):
    text = GOOD.replace("[roles.OM]", '[naming]\nroster = "Roster-{client}-{nope}"\n\n[roles.OM]')
    with pytest.raises(OnboardError, match="unknown value 'nope'"):
        load_playbook(write(tmp_path, text))


def test_email_names_need_templates_once_the_emails_folder_exists(tmp_path):
    text = GOOD + 'emails = ["welcome"]\n'
    path = write(tmp_path, text)
    load_playbook(path)
    (path.parent / "emails").mkdir()
    with pytest.raises(OnboardError, match="email 'welcome' has no template"):
        load_playbook(path)


def test_workspace_templates_add_and_override(tmp_path):
    own = tmp_path / "templates"
    write(own, GOOD, "tiny")
    write(own, GOOD.replace('title = "Tiny"', 'title = "Our training"'), "training-engagement")
    library = Library(own)
    assert "tiny" in library.available()
    assert library.load("training-engagement").title == "Our training"
    assert library.origin("training-engagement") == "workspace"


def test_shipped_training_playbook_keeps_every_role_and_support_note(training):
    assert set(training.roles) == {"RL", "LC", "FAC", "LEGAL", "FIN", "PL"}
    supports = {s.text for step in training.steps for s in step.support}
    for text in (
        "Sales SharePoint Tools",
        "Opportunity Source",
        "Scheduling Hand-off Email Template",
        "Date Request Email Template",
        "Engagement Calendar Template",
        "Facilitator Calendar Process (for unavailable dates)",
        "PO Process in Dynamics",
        "Confirmation LOE/Next Steps Template",
        "Logistics Form",
        "Session Logistics Template",
        "Pre-Call Quick Part and Protocol",
        "Delivery Report Process",
        "Zoom Facilitation Protocols",
        "MS Teams Facilitation Protocols",
        "Pre-Class Instruction Templates",
        "Pre-Class Email Template",
        "Blank Roster Template",
        "LXP Pre-Registration Instructions",
        "Blank Roster Excel Document",
        "Client Evaluation & Next Steps Email Template",
    ):
        assert text in supports, text
    owners = {step.owner for step in training.steps}
    assert owners == {"RL", "LC", "FAC", "LEGAL", "FIN", "PL"}
    assert [s.title for s in training.stages][:4] == [
        "Ops 1: Discovery",
        "Ops 2: Design & Align Budget",
        "Ops 3: Scheduling",
        "Ops 4: Contract Sent",
    ]


def test_shipped_training_playbook_timings(training):
    rules = {step.id: step.due.source for step in training.steps if step.due}
    assert rules["schedule-pre-call"] == "2 weeks before course_date"
    assert rules["send-pre-class-info"] == "2 weeks before course_date"
    assert rules["collect-roster"] == "1 week before course_date"
    assert rules["send-attendance-summary"] == "24 hours after course_date"
    assert rules["expensify"] == "48 hours after course_date"
    assert rules["client-follow-up"] == "3 days after course_date"
    assert rules["post-course-materials"] == "7 days after course_date"
    assert rules["provide-dates"] == "7 days after step:scheduling-handoff"
