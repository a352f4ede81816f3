from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onboard.core.schedule import (
    Anchor,
    AnchorKind,
    Roll,
    RuleKind,
    Unit,
    add_business_days,
    parse_due_rule,
)
from onboard.core.words import describe_due
from onboard.errors import OnboardError

COURSE = date(2026, 3, 20)  # a Friday


def due(rule, facts=None, completed=None, start=date(2026, 3, 1), holidays=()):
    facts = {"course_date": COURSE} if facts is None else facts
    return parse_due_rule(rule).due(facts, completed or {}, start, holidays)


def test_two_weeks_and_one_week_before_the_course():
    assert due("2 weeks before course_date") == date(2026, 3, 6)
    assert due("1 week before course_date") == date(2026, 3, 13)


def test_hours_after_round_up_to_days_and_follow_ups_move_past_the_weekend():
    # Friday course: 24 h later is Saturday, a follow-up moves to Monday.
    assert due("24 hours after course_date") == date(2026, 3, 23)
    assert due("48 hours after course_date") == date(2026, 3, 23)
    assert due("3 days after course_date") == date(2026, 3, 23)
    assert due("7 days after course_date") == date(2026, 3, 27)


def test_roll_none_keeps_the_weekend_date():
    assert due("24 hours after course_date, roll none") == date(2026, 3, 21)


def test_a_rule_parses_into_named_parts_that_still_read_as_its_words():
    rule = parse_due_rule("2 business days after step:assign-csm, roll earlier")
    assert (rule.kind, rule.unit, rule.roll) == (RuleKind.OFFSET, Unit.BUSINESS_DAYS, Roll.EARLIER)
    assert rule.anchors == (Anchor(AnchorKind.STEP, "assign-csm"),)
    assert rule.roll == "earlier" and f"{rule.unit}" == "business_days"
    assert parse_due_rule("on course_date").roll is Roll.NONE
    assert parse_due_rule("1 week before course_date").roll is Roll.EARLIER
    quarter = parse_due_rule("start of final quarter from proposal_start to proposal_end")
    assert (quarter.kind, quarter.roll) == (RuleKind.FINAL_QUARTER, Roll.EARLIER)
    assert quarter.fields() == {"proposal_start", "proposal_end"}


def test_a_deadline_before_moves_earlier():
    # 6 days before Friday 20 March is Saturday 14 March: a deadline moves to Friday.
    assert due("6 days before course_date") == date(2026, 3, 13)
    assert due("6 days before course_date, roll later") == date(2026, 3, 16)


def test_business_days_skip_weekends_and_listed_holidays():
    friday = date(2026, 3, 27)
    assert add_business_days(friday, 2) == date(2026, 3, 31)
    assert add_business_days(friday, 2, {date(2026, 3, 30)}) == date(2026, 4, 1)
    rule = "2 business days after step:assign-csm"
    assert due(rule, completed={"assign-csm": friday}, holidays={date(2026, 3, 30)}) == date(2026, 4, 1)


def test_step_anchor_is_unknown_until_that_step_is_done():
    assert due("7 days after step:scheduling-handoff") is None
    assert due(
        "7 days after step:scheduling-handoff", completed={"scheduling-handoff": date(2026, 3, 2)}
    ) == date(2026, 3, 9)


def test_missing_field_gives_no_date():
    assert due("2 weeks before course_date", facts={}) is None


def test_final_quarter_of_a_proposal():
    facts = {"proposal_start": date(2026, 1, 1), "proposal_end": date(2026, 12, 31)}
    # 364 days // 4 = 91 days before the end: 1 October 2026, a Thursday.
    assert due("start of final quarter from proposal_start to proposal_end", facts=facts) == date(2026, 10, 1)


def test_on_a_date():
    assert due("on course_date") == COURSE


@pytest.mark.parametrize(
    "rule", ["soon", "2 fortnights before course_date", "99999 days after x", "before", ""]
)
def test_bad_rules_are_reported(rule):
    with pytest.raises(OnboardError):
        parse_due_rule(rule)


@given(st.text(max_size=120))
def test_arbitrary_text_parses_or_raises_onboard_error(text):
    try:
        rule = parse_due_rule(text)
    except OnboardError:
        return
    result = rule.due({}, {}, date(2026, 1, 1))
    assert result is None or isinstance(result, date)


def test_describe_due_in_words():
    today = date(2026, 3, 10)
    assert describe_due(date(2026, 3, 13), today) == "in 3 days"
    assert describe_due(date(2026, 3, 8), today) == "overdue by 2 days"
    assert describe_due(today, today) == "today"
    assert describe_due(None, today) == "no date yet"
