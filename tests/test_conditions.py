from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onboard.core.conditions import parse_condition
from onboard.errors import OnboardError


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("business_unit not in ['P&O Academies', 'CFO']", {"business_unit": "General"}, True),
        ("business_unit not in ['P&O Academies', 'CFO']", {"business_unit": "CFO"}, False),
        ("decision == 'renew'", {"decision": "renew"}, True),
        ("decision == 'renew'", {"decision": "exit"}, False),
        ("decision == 'renew'", {}, None),
        ("a == 1 and b != 'x'", {"a": 1, "b": "y"}, True),
        ("a == 1 or b == 2", {"a": 1}, True),
        ("a == 1 and b == 2", {"a": 0}, False),
        ("not (a == 1)", {"a": 2}, True),
        ("seats >= 10", {"seats": 12}, True),
        ("meeting_link is set", {"meeting_link": "https://x"}, True),
        ("meeting_link is not set", {}, True),
        ('"a" in tags', {"tags": ["a", "b"]}, True),
        ("flag == true", {"flag": True}, True),
        ("seats < 10", {"seats": 12}, False),
        ("seats <= 12 and seats > 11.5", {"seats": 12}, True),
        ("seats > 'ten'", {"seats": 12}, False),
        ("seats < 10", {}, None),
        ("start >= '2026-03-01'", {"start": date(2026, 3, 2)}, True),
        ("'Acad' in business_unit", {"business_unit": "P&O Academies"}, True),
        ("tags in ['a', 'z']", {"tags": ["b", "z"]}, True),
        ("seats in tags", {"seats": 1, "tags": "a"}, False),
        ("x in ['a', y]", {"x": "a"}, None),
    ],
)
def test_evaluates_three_valued(source, facts, expected):
    assert parse_condition(source).evaluate(facts) is expected


def test_names_are_collected_for_validation():
    cond = parse_condition("business_unit == 'CFO' and (delivery_type != 'Virtual' or x is set)")
    assert cond.names() == {"business_unit", "delivery_type", "x"}


@pytest.mark.parametrize(
    "source",
    [
        "",
        "a ==",
        "a = 1",
        "__import__('os')",
        "(a == 1",
        "a == 1 b",
        "1 is set",
        "a == 'unterminated",
    ],
)
def test_malformed_conditions_raise_the_projects_error(source):
    with pytest.raises(OnboardError):
        parse_condition(source)


def test_attribute_syntax_never_reaches_python_objects():
    cond = parse_condition("a.__class__ == 'str'")
    assert cond.evaluate({"a": "text"}) is None


@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_onboard_error(text):
    try:
        cond = parse_condition(text)
    except OnboardError:
        return
    assert cond.evaluate({"a": 1, "b": "x"}) in (True, False, None)


def test_deep_nesting_is_refused_cleanly():
    with pytest.raises(OnboardError):
        parse_condition("(" * 1500 + "a" + ")" * 1500)
