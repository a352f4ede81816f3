"""What a playbook can now say of its process: who is consulted or attends, which steps were inferred,
its status (a draft), RACI and revision history; a due date that counts from a fact or, failing it,
from a step; a document type carrying its number in a file name."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from onboard.core.naming import apply_convention, required_fields
from onboard.core.schedule import parse_due_rule
from onboard.errors import OnboardError
from onboard.storage.library import Library, load_playbook

PLAYBOOK = """
title = "Tiny"
status = "draft"
revision_history = ["v2 (2026-02-01): a second meeting", "v1 (2026-01-01): first"]

[raci]
responsible = "Operations Manager"
consulted = "Heads of Department"

[roles.OM]
name = "Operations Manager"

[roles.HOD]
name = "Heads of Department"

[roles.AM]
name = "Accountable Manager"

[fields.won_date]
type = "date"
required = false

[[stages]]
id = "one"
title = "One"

[[stages.steps]]
id = "assign"
title = "Assign"
owner = "OM"
consulted = ["HOD"]

[[stages.steps]]
id = "meet"
title = "Meet"
owner = "OM"
attending = ["AM", "OM"]
inferred = true
due = "2 business days after won_date or step:assign"
"""


def load(tmp_path: Path, text: str = PLAYBOOK):
    path = tmp_path / "tiny" / "playbook.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_playbook(path)


def test_consulted_and_attending_are_not_owners_and_inferred_is_marked(tmp_path):
    playbook = load(tmp_path)
    assign, meet = playbook.steps
    assert (assign.owner, assign.also, assign.consulted) == ("OM", (), ("HOD",))
    assert (meet.owner, meet.also, meet.attending) == ("OM", (), ("AM", "OM"))
    assert meet.inferred and not assign.inferred


def test_status_raci_and_revision_history(tmp_path):
    playbook = load(tmp_path)
    assert playbook.status == "draft" and playbook.draft
    assert playbook.raci == {"responsible": "Operations Manager", "consulted": "Heads of Department"}
    assert playbook.revision_history[0].startswith("v2")
    released = load(tmp_path / "b", PLAYBOOK.replace('status = "draft"\n', ""))
    assert released.status == "released" and not released.draft


def test_a_wrong_status_role_raci_key_or_flag_is_named(tmp_path):
    bad = (
        PLAYBOOK.replace('status = "draft"', 'status = "beta"')
        .replace('consulted = ["HOD"]', 'consulted = ["CFO"]')
        .replace('consulted = "Heads of Department"', 'consulted = "Heads"\ninform = "x"')
        .replace("inferred = true", 'inferred = "yes"')
    )
    with pytest.raises(OnboardError) as caught:
        load(tmp_path, bad)
    message = caught.value.message
    assert "'status' must be 'released' or 'draft', not 'beta'" in message
    assert "step 'assign': unknown role 'CFO'" in message
    assert "raci: unknown key 'inform'" in message
    assert "step 'meet': 'inferred' must be true or false" in message


def test_a_due_date_counts_from_the_fact_or_else_from_the_step(tmp_path):
    rule = parse_due_rule("2 business days after won_date or step:assign")
    assert rule.fields() == {"won_date"} and rule.steps() == {"assign"}
    assert rule.anchors[0].text == "won_date or step:assign"
    start = date(2026, 1, 1)
    won = {"won_date": date(2026, 3, 2)}  # a Monday
    assigned = {"assign": date(2026, 3, 6)}  # a Friday
    assert rule.due(won, assigned, start) == date(2026, 3, 4)
    assert rule.due({}, assigned, start) == date(2026, 3, 10)
    assert rule.due({}, {}, start) is None
    assert parse_due_rule("on a or b or c").due({"c": date(2026, 5, 1)}, {}, start) == date(2026, 5, 1)


def test_a_fallback_step_must_be_an_earlier_step(tmp_path):
    bad = PLAYBOOK.replace("or step:assign", "or step:later")
    with pytest.raises(OnboardError, match="counts from step 'later', not an earlier step"):
        load(tmp_path, bad)


def test_a_repeated_step_keeps_its_fallback_anchor(tmp_path):
    text = PLAYBOOK.replace(
        'due = "2 business days after won_date or step:assign"',
        'due = "1 week after won_date or step:assign"\n'
        'repeat = { every = "2 weeks", until = "5 weeks after won_date or step:assign" }',
    )
    steps = load(tmp_path, text).steps
    assert [s.due.source for s in steps[1:]] == [
        "7 days after won_date or step:assign",
        "21 days after won_date or step:assign",
        "35 days after won_date or step:assign",
    ]


def test_an_optional_placeholder_carries_a_number_or_leaves_no_gap():
    pattern = "Contract – {number} – {document} {document_number:optional} – {signed}"
    values = {"number": "Marr1234", "document": "Amendment", "document_number": "2", "signed": "2022.03.15"}
    assert apply_convention(pattern, values) == "Contract – Marr1234 – Amendment 2 – 2022.03.15"
    values = {**values, "document": "SOW", "document_number": None}
    assert apply_convention(pattern, values) == "Contract – Marr1234 – SOW – 2022.03.15"
    assert required_fields(pattern) == ["number", "document", "signed"]
    with pytest.raises(OnboardError, match="needs signed"):
        apply_convention(pattern, {"number": "M", "document": "SOW"})


def test_the_training_contract_name_carries_the_document_number():
    from onboard.core.engine import convention_values, new_client

    training = Library().load("training-engagement")
    facts = {
        "program": "Empathy at Work",
        "business_unit": "General",
        "delivery_type": "Virtual",
        "contract_number": "Marr1234",
        "session_sponsor": "John Smith",
        "contract_document": "Amendment",
        "contract_document_number": "2",
        "signature_date": date(2022, 3, 15),
    }
    now = datetime(2022, 3, 1, 9, 0)
    state = new_client(training, name="Acme", slug="acme", facts=facts, now=now, by="t")
    name = apply_convention(training.naming["contract"], convention_values(state))
    assert name == "Contract – Marr1234 – John Smith – Empathy_at_Work – Virtual – Amendment 2 – 2022.03.15"
