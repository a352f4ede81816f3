"""The engine, directly: no files, no terminal, fixed dates."""

from datetime import date, datetime

import pytest

from onboard.core.engine import (
    NA,
    assign_role,
    complete_step,
    new_client,
    open_gate,
    overview,
    replay,
    set_facts,
    skip_step,
    undo,
)
from onboard.core.state import StepStatus
from onboard.core.waiting import Waiting, WaitKind
from onboard.errors import OnboardError

NOW = datetime(2026, 3, 1, 9, 0)
TODAY = NOW.date()


def start(training, **facts):
    base = {"program": "Empathy at Work", "business_unit": "General", "delivery_type": "Virtual"}
    return new_client(training, name="Acme Corp", slug="acme-corp", facts={**base, **facts}, now=NOW, by="t")


def applicable(training, state):
    return {v.step.id for v in overview(training, state, TODAY).steps if v.status != NA}


def test_new_client_starts_at_the_first_stage(training):
    state = start(training)
    ov = overview(training, state, TODAY)
    assert ov.stage.id == "ops-1-discovery"
    assert ov.progress == 0.0
    assert [v.step.id for v in ov.actionable] == ["discovery-session", "enter-opportunity"]


def test_new_client_needs_its_intake_facts(training):
    with pytest.raises(OnboardError, match="delivery_type"):
        new_client(
            training, name="A", slug="a", facts={"program": "x", "business_unit": "CFO"}, now=NOW, by="t"
        )


def test_bad_choice_is_explained(training):
    with pytest.raises(OnboardError, match="business_unit"):
        start(training, business_unit="Sales")


def test_p_and_o_never_gets_the_templates_the_seed_excludes(training):
    general = applicable(training, start(training))
    po = applicable(training, start(training, business_unit="P&O Academies"))
    cfo = applicable(training, start(training, business_unit="CFO"))
    for excluded in ("confirm-next-steps", "send-pre-class-info", "collect-roster"):
        assert excluded in general
        assert excluded not in po
    assert "download-po-roster" in po and "download-po-roster" not in general
    assert "po-logistics-spreadsheet" in po
    assert "confirm-next-steps" not in cfo and "send-pre-class-info" not in cfo
    assert "cfo-zoom-link" in cfo and "cfo-zoom-link" not in general


def test_virtual_and_in_person_differ(training):
    virtual = applicable(training, start(training))
    in_person = applicable(training, start(training, delivery_type="In-person"))
    assert "meeting-link" in virtual and "meeting-link" not in in_person
    assert "classroom-logistics" in in_person and "classroom-logistics" not in virtual
    po_virtual = applicable(training, start(training, business_unit="P&O Academies"))
    po_in_person = applicable(
        training, start(training, business_unit="P&O Academies", delivery_type="In-person")
    )
    assert "upload-zoom-attendance" in po_virtual
    assert "upload-zoom-attendance" not in po_in_person


def test_stages_run_in_order(training):
    state = start(training)
    with pytest.raises(OnboardError, match="waiting for stage Ops 1"):
        complete_step(training, state, "review-solutions", answers={}, now=NOW, by="t")
    forced = complete_step(training, state, "review-solutions", answers={}, now=NOW, by="t", force=True)
    assert forced.steps["review-solutions"]["status"] == "done"


def test_done_stores_the_fields_the_step_asks_for(training):
    state = start(training)
    for step in ("discovery-session", "enter-opportunity", "review-solutions"):
        state = complete_step(training, state, step, answers={}, now=NOW, by="t")
    with pytest.raises(OnboardError, match="course_date"):
        complete_step(training, state, "enter-delivery-dates", answers={}, now=NOW, by="t")
    state = complete_step(
        training, state, "enter-delivery-dates", answers={"course_date": "2026-03-20"}, now=NOW, by="t"
    )
    assert state.facts["course_date"] == date(2026, 3, 20)
    assert state.history[-1].action == "done"


def test_due_dates_and_overdue_with_fixed_dates(training):
    state = start(training, course_date=date(2026, 3, 20))
    views = {v.step.id: v for v in overview(training, state, date(2026, 3, 10)).steps}
    assert views["schedule-pre-call"].due == date(2026, 3, 6)
    assert views["schedule-pre-call"].overdue
    assert views["collect-roster"].due == date(2026, 3, 13)
    assert not views["collect-roster"].overdue
    assert views["send-attendance-summary"].due == date(2026, 3, 23)
    assert views["expensify"].due == date(2026, 3, 23)
    assert views["client-follow-up"].due == date(2026, 3, 23)
    assert views["post-course-materials"].due == date(2026, 3, 27)
    assert views["confirm-next-steps"].due is None


def test_skip_needs_a_reason_and_counts_as_resolved(training):
    state = start(training)
    with pytest.raises(OnboardError, match="reason"):
        skip_step(training, state, "discovery-session", reason=" ", now=NOW, by="t")
    state = skip_step(training, state, "discovery-session", reason="met already", now=NOW, by="t")
    ov = overview(training, state, TODAY)
    assert ov.view("discovery-session").status is StepStatus.SKIPPED
    assert ov.view("discovery-session").status == "skipped"
    assert ov.progress > 0


def test_a_gate_holds_a_step_until_recorded(training):
    state = start(training)
    state = complete_step(
        training,
        state,
        "send-contract-to-legal",
        answers={"contract_number": "M1"},
        now=NOW,
        by="t",
        force=True,
    )
    state = complete_step(training, state, "send-docusign", answers={}, now=NOW, by="t", force=True)
    view = overview(training, state, TODAY).view("record-signed-contract")
    gate = Waiting(WaitKind.GATE, "signed-contract", "Signed LOE/contract received")
    assert gate in view.waiting
    state = open_gate(training, state, "signed-contract", now=NOW, by="t")
    view = overview(training, state, TODAY).view("record-signed-contract")
    assert not any(w.kind == WaitKind.GATE for w in view.waiting)


def test_undo_restores_the_state_exactly(training):
    state = start(training)
    before = state
    after = complete_step(training, state, "discovery-session", answers={}, now=NOW, by="t", note="went well")
    undone, target = undo(after, now=NOW, by="t")
    assert target.action == "done"
    assert undone.without_history() == before.without_history()
    assert [e.action for e in undone.history] == ["created", "done", "undo"]


def test_undo_steps_back_through_changes_and_stops_at_creation(training):
    state = start(training)
    state = set_facts(training, state, {"course_date": "2026-04-01"}, now=NOW, by="t")
    state = set_facts(training, state, {"course_date": "2026-04-02"}, now=NOW, by="t")
    state = assign_role(training, state, "FAC", name="Jane Doe", initials=None, email=None, now=NOW, by="t")
    assert state.roles["FAC"]["initials"] == "JD"
    state, _ = undo(state, now=NOW, by="t")
    assert "FAC" not in state.roles
    state, _ = undo(state, now=NOW, by="t")
    assert state.facts["course_date"] == date(2026, 4, 1)
    state, _ = undo(state, now=NOW, by="t")
    assert "course_date" not in state.facts
    with pytest.raises(OnboardError, match="Nothing to undo"):
        undo(state, now=NOW, by="t")
    assert replay(state).sections == state.sections


def test_replaying_history_rebuilds_the_state(training):
    state = start(training)
    state = complete_step(training, state, "discovery-session", answers={}, now=NOW, by="t")
    state = skip_step(training, state, "enter-opportunity", reason="n/a", now=NOW, by="t")
    state, _ = undo(state, now=NOW, by="t")
    state = complete_step(training, state, "enter-opportunity", answers={}, now=NOW, by="t")
    assert replay(state).sections == state.sections


def test_done_twice_is_refused(training):
    state = complete_step(training, start(training), "discovery-session", answers={}, now=NOW, by="t")
    with pytest.raises(OnboardError, match="already done"):
        complete_step(training, state, "discovery-session", answers={}, now=NOW, by="t")


def test_not_applicable_step_is_refused(training):
    state = start(training, business_unit="P&O Academies")
    with pytest.raises(OnboardError, match="does not apply"):
        complete_step(training, state, "confirm-next-steps", answers={}, now=NOW, by="t", force=True)


def test_unknown_choice_condition_waits_instead_of_na(training):
    state = start(training)
    view = overview(training, state, TODAY).view("upload-roster-for-eval")
    assert view.status == "pending"
    assert any(w.kind == WaitKind.FACT and w.id == "eval_method" for w in view.waiting)
