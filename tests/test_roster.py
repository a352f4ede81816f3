"""Rosters, attendance and evaluations as data; the naming conventions; the stored files."""

from __future__ import annotations

import json
import random
import tomllib
import unicodedata
from datetime import date, datetime, time
from pathlib import Path

import pytest
import tomli_w
from fixtures.folderstore import FakeStore
from hypothesis import example, given, settings
from hypothesis import strategies as st

from onboard.core.engine import convention_values, new_client, role_holder, set_facts
from onboard.core.naming import apply_convention, safe_filename
from onboard.delivery import datafiles
from onboard.delivery import facts as delivery
from onboard.delivery.attendance import (
    SHEET,
    Attendance,
    AttendanceRecords,
    Attendee,
    Observation,
    Source,
    as_records,
    count,
    merge,
    observations_of,
)
from onboard.delivery.cells import CellError, email_value, is_formula_like, number_value, yes_no_value
from onboard.delivery.evaluations import Scale, parse_evaluations, summarise
from onboard.delivery.facts import course_days, delivery_info, export_stem, start_time
from onboard.delivery.headers import HeaderNotFound, header_field
from onboard.delivery.marks import parse_attendance
from onboard.delivery.matching import match_marks
from onboard.delivery.roster import Person, Roster, name_key, parse_roster, split_full_name
from onboard.delivery.stored import (
    OBSERVATION_FIELDS,
    PERSON_FIELDS,
    attendance_from_document,
    evaluations_from_document,
    evaluations_to_document,
    observation_from_row,
    observation_row,
    person_from_row,
    person_row,
    roster_from_document,
    roster_to_document,
)
from onboard.errors import OnboardError
from onboard.storage.library import Library

NOW = datetime(2026, 3, 1, 9, 0)
MON, TUE = date(2026, 3, 16), date(2026, 3, 17)


def numbered(rows, start=1):
    return list(enumerate(rows, start))


# ---------------------------------------------------------------- headers and cells


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"),
        ("Email Address", "email"),
        ("  EMAIL ", "email"),
        ("Work e-mail", "email"),
        ("Surname", "last_name"),
        ("Last Name", "last_name"),
        ("First name", "first_name"),
        ("Given name", "first_name"),
        ("Full name", "full_name"),
        ("Name", "full_name"),
        ("Department", "title"),
        ("Job Title", "title"),
        ("Title or department", "title"),
        ("Location", "location"),
        ("Office", "location"),
        ("LXP registered?", "lxp_registered"),
        ("Notes", "notes"),
        ("Employee ID", None),
        (None, None),
    ],
)
def test_header_synonyms(header, field):
    assert header_field(header) == field


def test_headers_in_any_order_case_and_words():
    rows = numbered(
        [
            ["SURNAME", "e-mail", "First Name", "Location", "Title"],
            ["Lovelace", "ada@example.com", "Ada", "London", "Engineer"],
        ]
    )
    result = parse_roster(rows, "r.csv")
    (ada,) = result.roster.people
    assert (ada.first_name, ada.last_name, ada.email, ada.location, ada.title) == (
        "Ada",
        "Lovelace",
        "ada@example.com",
        "London",
        "Engineer",
    )
    assert ada.row == 2


def test_header_found_below_a_title_and_other_columns_listed():
    rows = numbered(
        [
            ["Roster for Acme"],
            [],
            ["Full name", "Email Address", "Badge"],
            ["Grace Hopper", "grace@example.com", "B-1"],
        ]
    )
    result = parse_roster(rows, "r.xlsx")
    assert result.header.row == 3
    assert result.header.ignored == ("Badge",)
    assert result.roster.people[0].name == "Grace Hopper"


def test_no_email_column_names_the_file_and_headers():
    with pytest.raises(HeaderNotFound) as err:
        parse_roster(numbered([["Name", "Phone"], ["Ada", "123"]]), "clients.xlsx")
    assert "clients.xlsx: no email column" in err.value.message
    assert "'Name'" in err.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ada Lovelace", ("Ada", "Lovelace")),
        ("Lovelace, Ada", ("Ada", "Lovelace")),
        ("Mary Ann Evans", ("Mary Ann", "Evans")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("Cher", ("Cher", "")),
        ('=HYPERLINK("http://x","y")', ('=HYPERLINK("http://x","y")', "")),
    ],
)
def test_full_name_split(text, expected):
    assert split_full_name(text) == expected


def test_every_bad_row_reported_with_row_column_and_reason():
    rows = numbered(
        [
            ["First name", "Last name", "Email", "LXP registered"],
            ["Ada", "Lovelace", "ada@example.com", "yes"],
            ["Bob", "Builder", "bob@", "no"],
            ["Cy", "Young", "", ""],
            [datetime(2026, 1, 2), "Date", "date@example.com", ""],
            ["Di", "Prince", "di@example.com", "perhaps"],
            ["", "", "noname@example.com", ""],
            [None, None, None, None],
        ]
    )
    result = parse_roster(rows, "r.xlsx")
    problems = [str(p) for p in result.problems]
    assert problems == [
        "row 3, column C (Email): 'bob@' is not an email address",
        "row 4, column C (Email): no email",
        "row 5, column A (First name): a date (2026-01-02), not text",
        "row 6, column D (LXP registered): 'perhaps' is not yes or no",
        "row 7: no name (give a first and last name, or a full name)",
    ]
    assert [p.email for p in result.roster.people] == ["ada@example.com"]
    assert result.blank_rows == 1


def test_deduplicated_by_email_whatever_the_case_filling_blanks():
    rows = numbered(
        [
            ["Name", "Email", "Location"],
            ["Ada Lovelace", "Ada@Example.com", ""],
            ["Ada L.", "ada@example.COM", "London"],
        ]
    )
    result = parse_roster(rows, "r.csv")
    assert len(result.roster.people) == 1
    assert result.roster.people[0].location == "London"
    assert result.duplicates == [(3, 2, "ada@example.COM")]


def test_formula_like_text_is_kept_as_text():
    payload = '=HYPERLINK("http://x","y")'
    rows = numbered([["First name", "Last name", "Email"], [payload, "+1 (555)", "x@example.com"]])
    (person,) = parse_roster(rows, "r.csv").roster.people
    assert person.first_name == payload
    assert person.last_name == "+1 (555)"
    assert is_formula_like(payload) and is_formula_like("@SUM(A1)") and is_formula_like("-2+3")
    assert not is_formula_like("Ada") and not is_formula_like(5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), (4.0, 4), ("4,5", 4.5), (" 3 ", 3), ("", None), (None, None)],
)
def test_number_value(value, expected):
    assert number_value(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (datetime(2026, 3, 15), "a date (2026-03-15), not a number"),
        (date(2026, 3, 15), "a date (2026-03-15), not a number"),
        ("2026-03-15", "a date (2026-03-15), not a number"),
        ("3/15/2026", "a date (3/15/2026), not a number"),
        (True, "TRUE, not a number"),
        ("great", "'great' is not a number"),
    ],
)
def test_number_value_refuses_dates_and_text(value, reason):
    with pytest.raises(CellError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        number_value(value)


def test_scores_read_words_and_labels():
    assert number_value("5 - Excellent", score=True) == 5
    assert number_value("Strongly agree", score=True) == 5
    assert number_value("4 stars", score=True) == 4
    with pytest.raises(CellError):
        number_value("Strongly agree")


def test_yes_no_and_email_values():
    assert [yes_no_value(v) for v in ("Yes", "x", "✓", 1, True, "No", 0, "", None)] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        None,
        None,
    ]
    assert email_value("mailto:ada@example.com") == "ada@example.com"
    assert email_value("Ada <ada@example.com>") == "ada@example.com"
    with pytest.raises(CellError, match="not an email"):
        email_value("ada at example")


# ---------------------------------------------------------------- the delivery


def test_course_days_skip_the_weekend_between():
    assert course_days(date(2026, 3, 13), date(2026, 3, 16)) == (date(2026, 3, 13), date(2026, 3, 16))
    assert course_days(MON, TUE) == (MON, TUE)
    assert course_days(MON, None) == (MON,)
    assert course_days(None) == ()
    with pytest.raises(OnboardError):
        course_days(MON, date(2026, 9, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00-12:00 CT", time(9)),
        ("1pm - 4pm", time(13)),
        ("12:30 PM", time(12, 30)),
        ("", None),
        ("TBD", None),
    ],
)
def test_start_time(text, expected):
    assert start_time(text) == expected


def test_delivery_info_from_facts_and_roles():
    facts = {
        "program": "Empathy at Work",
        "course_date": MON,
        "course_end_date": TUE,
        "meeting_link": "https://z/1",
    }
    info = delivery_info("Acme", facts, {"FAC": {"name": "Jane Doe", "initials": "JD"}})
    assert info.days == (MON, TUE)
    assert info.facilitator == "Jane Doe (JD)"
    assert info.location == "https://z/1"
    assert "2 days" in info.dates_text


# ---------------------------------------------------------------- attendance


def roster_of(*people: tuple[str, str, str]) -> Roster:
    return Roster([Person(email=e, first_name=f, last_name=last) for f, last, e in people])


ROSTER = roster_of(
    ("Ada", "Lovelace", "ada@example.com"),
    ("Grace", "Hopper", "grace@example.com"),
    ("Alan", "Turing", "alan@example.com"),
)

SHEET_HEADER = [
    "#",
    "First name",
    "Last name",
    "Email",
    "Title or department",
    "Location",
    "LXP registered",
    "Present 2026-03-16 (Mon)",
    "Present 2026-03-17 (Tue)",
    "Minutes late",
    "Notes",
]


def sheet_rows(*people, foot=True):
    rows = [["Attendance record"], [None, "Client", None, "Acme"], [], SHEET_HEADER, *people]
    if foot:
        rows += [[], ["Totals", "Present", None, None, None, None, None, '=COUNTIF(H5:H7,"Yes")']]
    return numbered(rows)


def test_attendance_sheet_read_per_day_a_blank_on_a_marked_day_saying_nothing():
    rows = sheet_rows(
        [1, "Ada", "Lovelace", "ada@example.com", None, None, "Yes", "Yes", None, 5, "late train"],
        [2, "Grace", "Hopper", "grace@example.com", None, None, None, None, None, None, None],
        [3, "Alan", "Turing", "alan@example.com", None, None, None, "no", None, None, None],
    )
    imported = parse_attendance(rows, "a.xlsx", (MON, TUE))
    assert not imported.report and imported.problems == []
    assert imported.days == (MON,)  # Tuesday's column is blank: nothing recorded for it
    marks = {m.email: m for m in imported.marks}
    assert marks["ada@example.com"].present == {MON: True}
    assert marks["grace@example.com"].present == {MON: None}, "blank: the sheet does not say"
    assert marks["alan@example.com"].present == {MON: False}
    assert marks["ada@example.com"].minutes_late == 5
    assert marks["ada@example.com"].notes == "late train"
    assert marks["ada@example.com"].lxp_registered is True


def test_attendance_problems_name_row_and_column():
    rows = sheet_rows(
        [1, "Ada", "Lovelace", "ada@example.com", None, None, None, "maybe", None, None, None],
        [
            2,
            "Grace",
            "Hopper",
            "grace@example.com",
            None,
            None,
            None,
            "Yes",
            None,
            datetime(2026, 3, 16),
            None,
        ],
    )
    imported = parse_attendance(rows, "a.xlsx", (MON, TUE))
    assert [str(p) for p in imported.problems] == [
        "row 5, column H (Present 2026-03-16 (Mon)): 'maybe' is not Yes or No",
        "row 6, column J (Minutes late): a date (2026-03-16), not a number",
    ]


def test_attendance_column_for_another_day_is_refused():
    header = ["Name", "Email", "Present 2026-04-01"]
    with pytest.raises(OnboardError, match="not a day of the course"):
        parse_attendance(numbered([header, ["Ada", "ada@example.com", "Yes"]]), "a.xlsx", (MON,))


ZOOM = [
    ["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"],
    ["123", "Empathy", "03/16/2026 08:55:00 AM", "03/16/2026 12:00:00 PM", "jane@iw.example", "185", "4"],
    [],
    ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"],
    ["Jane Doe", "jane@iw.example", "03/16/2026 08:55:00 AM", "03/16/2026 12:00:00 PM", "185", "No"],
    ["Lovelace, Ada (Ada L)", "", "03/16/2026 09:07:00 AM", "03/16/2026 12:00:00 PM", "170", "Yes"],
    ["Grace Hopper", "GRACE@example.com", "03/16/2026 09:00:00 AM", "03/16/2026 10:00:00 AM", "60", "Yes"],
    ["Grace Hopper", "GRACE@example.com", "03/16/2026 10:05:00 AM", "03/16/2026 12:00:00 PM", "115", "Yes"],
    ["Stranger", "s@example.com", "03/16/2026 09:00:00 AM", "03/16/2026 12:00:00 PM", "180", "Yes"],
]


def test_meeting_report_matched_by_email_then_name_and_day_from_join_times():
    imported = parse_attendance(numbered(ZOOM), "zoom.csv", (MON,))
    assert imported.report and imported.days == (MON,)
    matching = match_marks(
        imported.marks, ROSTER, ignore_emails=["jane@iw.example"], ignore_names=["Jane Doe"]
    )
    assert sorted({p.email for _, p in matching.matched}) == ["ada@example.com", "grace@example.com"]
    assert [m.name for m in matching.unmatched] == ["Stranger"]
    assert [m.name for m in matching.ignored] == ["Jane Doe"]
    source = Source("z", "report", "zoom.csv", (MON,))
    rows = observations_of(imported, "z", skip=matching.ignored, start=time(9))
    attendance = merge(AttendanceRecords((MON,)).with_source(source, rows, (MON,)), ROSTER)
    people = {p.email: p for p in attendance.people}
    assert people["ada@example.com"].present == {MON: True}
    assert people["ada@example.com"].minutes_late == 7
    assert people["grace@example.com"].minutes_late == 0
    assert people["alan@example.com"].present == {MON: False}
    assert count(ROSTER, attendance).took_part == 2
    assert "s@example.com" not in people
    assert [u.name for u in attendance.unknown] == ["Stranger"], "listed, never counted"


def test_meeting_report_of_another_day_needs_day():
    with pytest.raises(OnboardError, match="not a day of the course"):
        parse_attendance(numbered(ZOOM), "zoom.csv", (TUE,))
    imported = parse_attendance(numbered(ZOOM), "zoom.csv", (MON, TUE), day=TUE)
    assert imported.days == (TUE,)
    undated = [row[:2] for row in ZOOM[3:]]
    with pytest.raises(OnboardError, match="--day"):
        parse_attendance(numbered(undated), "zoom.csv", (MON, TUE))


def test_a_name_shared_by_two_people_is_not_guessed():
    roster = roster_of(("Sam", "Lee", "sam1@example.com"), ("Sam", "Lee", "sam2@example.com"))
    imported = parse_attendance(numbered([["Name"], ["Sam Lee"]]), "r.csv", (MON,))
    matching = match_marks(imported.marks, roster)
    assert matching.ambiguous and not matching.matched


def sheet_source(ident, imported, at_hour=9):
    source = Source(ident, SHEET, f"{ident}.xlsx", tuple(imported.days), datetime(2026, 3, 18, at_hour))
    return source, observations_of(imported, ident)


def test_two_sheets_for_two_days_both_stand_and_a_walk_in_joins_the_roster():
    day1 = parse_attendance(
        sheet_rows(
            [1, "Ada", "Lovelace", "ada@example.com", None, None, None, "Yes", None, None, None],
            [2, "Grace", "Hopper", "grace@example.com", None, None, None, "No", None, None, None],
            [None, "Walk", "In", "walk@example.com", None, None, None, "Yes", None, None, None],
        ),
        "day1.xlsx",
        (MON, TUE),
    )
    records = AttendanceRecords((MON, TUE)).with_source(*sheet_source("one", day1), (MON, TUE))
    first = merge(records, ROSTER)
    walk_in = next(p for p in first.people if not p.on_roster)
    assert walk_in.email == "walk@example.com" and walk_in.present == {MON: True}
    assert walk_in.walk_in_from == "one"
    day2 = parse_attendance(
        numbered([["Email", "Present 2026-03-17"], ["grace@example.com", "Yes"]]), "d2", (MON, TUE)
    )
    second = merge(records.with_source(*sheet_source("two", day2, 10), (MON, TUE)), ROSTER)
    people = {p.email: p for p in second.people}
    assert people["ada@example.com"].present == {MON: True, TUE: False}
    assert people["grace@example.com"].present == {MON: False, TUE: True}
    assert people["walk@example.com"].present == {MON: True, TUE: False}
    assert count(ROSTER, second).took_part == 3
    assert [s.file for s in second.sources] == ["one.xlsx", "two.xlsx"]
    assert second.absentees(TUE)[0].email == "ada@example.com"


def random_delivery(rng: random.Random, size: int):
    """A roster, attendance stored by an earlier version (in another order, with walk-ins), and a sheet."""
    people = [
        Person(f"p{i}@example.com", f"First{i}", f"Last{i % 7}", notes=rng.choice(["", "n"]))
        for i in range(size)
    ]
    for person in people[-2:] if size > 2 else ():
        person.first_name, person.last_name = "Sam", "Lee"
    roster = Roster(people, source="r.xlsx")
    yes_no = ["Yes", "No", None, "x"]
    earlier = [
        Attendee(p.email, p.name, {MON: rng.random() < 0.5}, rng.choice([None, 3]))
        for p in people
        if rng.random() < 0.8
    ]
    earlier += [
        Attendee("", "Old Walk-in", {MON: True}, on_roster=False),
        Attendee("gone@x.example", "Gone", {MON: False}),
    ]
    rng.shuffle(earlier)
    sheet = [
        [
            None,
            p.first_name,
            p.last_name,
            p.email,
            None,
            None,
            None,
            rng.choice(yes_no),
            rng.choice(yes_no),
            rng.choice([None, 2]),
            rng.choice([None, "note"]),
        ]
        for p in people
        if rng.random() < 0.9
    ]
    sheet += [
        [None, "First3", "Last3", None, None, None, None, "Yes", None, None, None],  # by name
        [None, "First1", "Last1", "p1@example.com", None, None, "No", None, "Yes", 9, "again"],  # twice
        [None, "Walk", "In", "walk@x.example", None, None, None, "Yes", None, None, None],
        [None, "Old Walk-in", None, None, None, None, None, None, "Yes", None, None],
        [None, "No", "Show", "noshow@x.example", None, None, None, None, None, None, None],
        [None, "Sam", "Lee", None, None, None, None, "Yes", None, None, None],  # two on the roster
    ]
    if rng.random() < 0.5:  # else in the roster's order, as exported, walk-ins at the end
        rng.shuffle(sheet)
    if rng.random() < 0.3:  # a day left blank: nothing recorded for it
        for row in sheet:
            row[8] = None
    return roster, Attendance((MON, TUE), earlier), sheet_rows(*sheet)


@pytest.mark.parametrize("seed", range(8))
def test_an_import_stored_beside_earlier_records_reads_back_the_same(tmp_path, seed):
    rng = random.Random(seed)
    roster, earlier, rows = random_delivery(rng, rng.choice([1, 5, 40]))
    folder = tmp_path / "acme"
    folder.mkdir()
    store = FakeStore(folder)
    datafiles.save_roster(store, "acme", roster)
    old = as_records(earlier, Source("earlier", SHEET, "old.xlsx", (), datetime(2026, 3, 16, 18)))
    datafiles.update_attendance(store, "acme", lambda existing: old)
    imported = parse_attendance(rows, "a.xlsx", (MON, TUE))
    matching = match_marks(imported.marks, roster, ignore_emails=["noshow@x.example"])
    assert bool(matching.ambiguous) == (len(roster) > 2), "two Sam Lees are never guessed"
    assert [m.email for m in matching.ignored] == ["noshow@x.example"]
    source = Source("new", SHEET, "a.xlsx", tuple(imported.days), datetime(2026, 3, 18, 9))
    observations = observations_of(imported, "new", skip=matching.ignored)
    _, records = datafiles.update_attendance(
        store, "acme", lambda existing: existing.with_source(source, observations, (MON, TUE))
    )
    merged = merge(records, roster)
    stored = datafiles.load_attendance(folder)
    assert stored == merged and stored.days == (MON, TUE)
    assert [p.email for p in stored.people[: len(roster)]] == [p.email for p in roster.people]
    assert [s.file for s in stored.sources] == ["old.xlsx", "a.xlsx"]
    walk_ins = {p.name for p in stored.people if not p.on_roster}
    assert {"Walk In", "Old Walk-in"} <= walk_ins
    assert "Gone" not in {p.name for p in stored.people}, "absent and not on the roster: not a walk-in"
    assert "No Show" not in {p.name for p in stored.people}, "set aside"
    for person in stored.people:
        for day, value in person.present.items():
            said = [o.present.get(day) for o in observations if match_key(o) == person.key]
            if said and any(v is not None for v in said) and day in imported.days:
                assert value == any(v for v in said if v is not None), "the later sheet decides"


def match_key(obs):
    return obs.email.casefold() if obs.email else "name:" + name_key(obs.name)


# ---------------------------------------------------------------- evaluations


EVAL_ROWS = [
    ["Timestamp", "Email Address", "Content was relevant", "Facilitator was engaging", "Comments"],
    [datetime(2026, 3, 16, 12), "a@example.com", 5, "4 - Agree", "More breaks"],
    [datetime(2026, 3, 16, 12), "b@example.com", 4, "Strongly agree", '=cmd|" /C calc"!A0'],
    [datetime(2026, 3, 16, 13), "c@example.com", 3, None, None],
    [None, None, None, None, None],
]


def test_evaluations_summarised():
    result = parse_evaluations(numbered(EVAL_ROWS), "evals.csv")
    assert result.problems == [] and result.ignored == ["Timestamp", "Email Address"]
    evaluations = result.evaluations
    assert evaluations.questions == ["Content was relevant", "Facilitator was engaging"]
    assert evaluations.comment_columns == ["Comments"]
    summary = summarise(evaluations, participants=4, participants_from="attendance")
    assert summary.responses == 3
    assert summary.response_rate == 0.75
    assert [(q.responses, q.average) for q in summary.questions] == [(3, 4.0), (2, 4.5)]
    assert summary.overall == 4.2  # (5 + 4 + 3 + 4 + 5) / 5
    assert summary.comments == (("Comments", "More breaks"), ("Comments", '=cmd|" /C calc"!A0'))
    assert summary.scales == (Scale(1, 5),)
    assert summary.overall_text == "4.2 out of 5"
    assert summarise(evaluations, None).response_rate is None


def test_a_date_in_a_score_column_is_reported_with_row_and_column():
    rows = [*EVAL_ROWS[:3], [None, "d@example.com", datetime(2026, 3, 4), 5, None], ["", "", 150, 5, ""]]
    result = parse_evaluations(numbered(rows), "evals.xlsx")
    assert [str(p) for p in result.problems] == [
        "row 4, column C (Content was relevant): a date (2026-03-04), not a score on 1–5",
        "row 5, column C (Content was relevant): 150 is not on the question's scale (1–5)",
    ]


def test_evaluations_without_scores_are_refused():
    with pytest.raises(OnboardError, match="no question with scores"):
        parse_evaluations(numbered([["Name", "Comments"], ["Ada", "Great"]]), "e.csv")
    with pytest.raises(OnboardError, match="no data"):
        parse_evaluations([], "e.csv")


# ---------------------------------------------------------------- documents


def through_toml(doc):
    return tomllib.loads(tomli_w.dumps(doc))


def test_documents_round_trip():
    roster = Roster(
        [Person("ada@example.com", "Ada", "Lovelace", "Eng", "London", True, "=1+1", 4)],
        source="r.xlsx",
        imported_at=NOW,
        imported_by="tester",
    )
    back = roster_from_document(through_toml(roster_to_document(roster)), "roster.toml")
    assert back.people == roster.people and back.imported_at == NOW
    earlier = {
        "schema": 1,
        "days": [MON, TUE],
        "people": [{"email": "ada@example.com", "name": "Ada", "present": [MON], "absent": [TUE]}],
    }
    again = attendance_from_document(through_toml(earlier), "attendance.toml")
    assert again.people == [Attendee("ada@example.com", "Ada", {MON: True, TUE: False})]
    evaluations = parse_evaluations(numbered(EVAL_ROWS), "evals.csv").evaluations
    restored = evaluations_from_document(through_toml(evaluations_to_document(evaluations)), "evals.toml")
    assert restored.responses == evaluations.responses
    assert restored.questions == evaluations.questions


def test_rows_round_trip():
    people = [
        Person("ada@example.com", "Ada", "Lovelace", "Eng", "London", True, "=1+1", 4),
        Person("zoe@example.com", "Zoë", "Çelik", lxp_registered=None),
    ]
    assert [person_from_row(json.loads(json.dumps(person_row(p)))) for p in people] == people
    covers = {"s": (MON, TUE)}
    rows = [
        Observation("s", 4, "ada@example.com", "Ada Lovelace", {MON: True, TUE: False}, 5, "x", True),
        Observation("s", 9, "", "Walk In", {MON: None, TUE: True}, joined=datetime(2026, 3, 17, 9, 2)),
    ]
    again = [observation_from_row(json.loads(json.dumps(observation_row(r))), covers) for r in rows]
    assert again == rows


def test_damaged_documents_name_the_file():
    with pytest.raises(OnboardError, match=r"roster\.toml: people is missing"):
        roster_from_document({"schema": 1}, "roster.toml")
    with pytest.raises(OnboardError, match="newer onboard"):
        attendance_from_document({"schema": 99, "days": [], "people": []}, "attendance.toml")
    bad = {"schema": 1, "questions": ["Q"], "responses": [{"row": 2, "scores": {"7": 5}}]}
    with pytest.raises(OnboardError, match="question 7"):
        evaluations_from_document(bad, "evals.toml")


def jsonl(path: Path) -> tuple[dict, list[list]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:] if line]


def test_storage_keeps_the_previous_version_and_never_overwrites_an_unreadable_file(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    store = FakeStore(folder)
    first = Roster([Person("ada@example.com", "Ada", notes="=1+1")], source="one.csv")
    datafiles.save_roster(store, "acme", first)
    datafiles.save_roster(store, "acme", Roster([Person("bob@example.com", "Bob")], source="two.csv"))
    assert datafiles.load_roster(folder).people[0].email == "bob@example.com"
    header, rows = jsonl(folder / ".backup" / "roster.previous.jsonl")
    assert header["source"] == "one.csv" and rows[0][PERSON_FIELDS.index("notes")] == "=1+1"
    # the backup is its own file, not the current one
    assert jsonl(folder / "roster.jsonl")[0]["source"] == "two.csv"
    text = (folder / "roster.jsonl").read_text()
    broken = text.replace('"bob@example.com"', '"bob@example.com" oops')
    (folder / "roster.jsonl").write_text(broken)
    with pytest.raises(OnboardError, match=r"roster\.jsonl: line 2: not valid JSON"):
        datafiles.save_roster(store, "acme", first)
    assert (folder / "roster.jsonl").read_text() == broken
    assert not [p.name for p in folder.rglob("*.tmp")]


def test_a_roster_toml_from_before_is_read_and_replaced_on_the_next_save(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    old = Roster(
        [Person("ada@example.com", "Ada", "Lovelace", lxp_registered=True, row=2)], source="old.xlsx"
    )
    legacy = tomli_w.dumps(roster_to_document(old))
    (folder / "roster.toml").write_text(legacy)
    assert datafiles.load_roster(folder).people == old.people
    assert delivery.participants(folder) == (1, "roster")
    datafiles.save_roster(FakeStore(folder), "acme", ROSTER)
    assert not (folder / "roster.toml").exists()
    assert (folder / ".backup" / "roster.previous.toml").read_text() == legacy
    assert [p.email for p in datafiles.load_roster(folder).people] == [p.email for p in ROSTER.people]
    (folder / "attendance.toml").write_text("days = 3")
    with pytest.raises(OnboardError, match=r"attendance\.toml"):
        datafiles.load_attendance(folder)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "line 1: empty"),
        (
            ['{"onboard": "attendance", "schema": 1, "fields": ["email"]}'],
            'line 1: the header must be a JSON object with "onboard": "roster"',
        ),
        (['{"onboard": "roster", "schema": 9, "fields": ["email"]}'], "written by a newer onboard"),
        (['{"onboard": "roster", "schema": 1, "fields": ["name"]}'], "line 1: 'fields' has no email"),
        (
            ['{"onboard": "roster", "schema": 1, "fields": ["email"]}', "", '["a@x.example", 2]'],
            "line 3: must be a JSON array of 1 values (email)",
        ),
        (
            ['{"onboard": "roster", "schema": 1, "fields": ["email", "notes"]}', '["a@x.example", 5]'],
            "line 2: notes must be text, not 5",
        ),
    ],
)
def test_damaged_roster_files_name_the_line(tmp_path, lines, message):
    (tmp_path / "roster.jsonl").write_text("\n".join(lines))
    with pytest.raises(OnboardError) as err:
        datafiles.load_roster(tmp_path)
    assert err.value.message.startswith(f"{tmp_path / 'roster.jsonl'}: ")
    assert message in err.value.message


def test_stored_rows_map_fields_by_the_header(tmp_path):
    """A file whose header lists the fields in another order (or fewer of them) reads the same."""
    (tmp_path / "roster.jsonl").write_text(
        '{"onboard": "roster", "schema": 1, "fields": ["notes", "email", "first_name", "extra"]}\n'
        '["vegetarian", "ada@example.com", "Ada", 42]\n\n'
    )
    (ada,) = datafiles.load_roster(tmp_path).people
    assert (ada.email, ada.first_name, ada.notes, ada.last_name, ada.lxp_registered) == (
        "ada@example.com",
        "Ada",
        "vegetarian",
        "",
        None,
    )


def test_attendance_is_stored_a_line_per_row_of_each_source(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    source = Source("s1", SHEET, "a.xlsx", (MON, TUE), NOW, "tester")
    records = AttendanceRecords(
        (MON, TUE),
        (source,),
        (
            Observation("s1", 11, "ada@example.com", "Ada Lovelace", {TUE: True, MON: None}, 5, "=1+1", True),
            Observation("s1", 12, "", "Walk In", {MON: True, TUE: False}),
        ),
    )
    datafiles.update_attendance(FakeStore(folder), "acme", lambda existing: records)
    header, rows = jsonl(folder / "attendance.jsonl")
    assert header["onboard"] == "attendance" and header["schema"] == 2
    assert header["days"] == ["2026-03-16", "2026-03-17"]
    assert header["sources"] == [
        {
            "id": "s1",
            "kind": "sheet",
            "file": "a.xlsx",
            "days": ["2026-03-16", "2026-03-17"],
            "at": "2026-03-01T09:00:00",
            "by": "tester",
        }
    ]
    assert header["fields"] == list(OBSERVATION_FIELDS)
    assert rows == [
        ["s1", 11, "ada@example.com", "Ada Lovelace", ["2026-03-17"], [], 5, "=1+1", True, None],
        ["s1", 12, "", "Walk In", ["2026-03-16"], ["2026-03-17"], None, "", None, None],
    ]
    assert datafiles.load_attendance_records(folder) == records


def test_attendance_stored_as_a_record_per_person_is_read_as_one_source(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "attendance.jsonl").write_text(
        '{"onboard": "attendance", "schema": 1, "days": ["2026-03-16"], '
        '"sources": [{"file": "/x/a.xlsx", "at": "2026-03-16T18:00:00"}], '
        '"fields": ["email", "name", "present", "absent", "minutes_late", "notes", "lxp_registered", "on_roster"]}\n'
        '["ada@example.com", "Ada Lovelace", ["2026-03-16"], [], 5, "", null, true]\n'
        '["alan@example.com", "Alan Turing", [], ["2026-03-16"], null, "", null, true]\n'
        '["", "Walk In", ["2026-03-16"], [], null, "", null, false]\n',
        encoding="utf-8",
    )
    attendance = datafiles.load_attendance(folder, ROSTER)
    assert [s.label for s in attendance.sources] == ["attendance sheet a.xlsx"]
    people = {p.key: p for p in attendance.people}
    assert people["ada@example.com"].present == {MON: True} and people["ada@example.com"].minutes_late == 5
    assert people["alan@example.com"].present == {MON: False}
    assert people["grace@example.com"].present == {MON: False}, "on the roster, seen by nobody"
    assert not people["name:walk in"].on_roster
    datafiles.update_attendance(FakeStore(folder), "acme", lambda existing: existing)
    assert jsonl(folder / "attendance.jsonl")[0]["schema"] == 2
    assert datafiles.load_attendance(folder, ROSTER) == attendance


def test_derived_facts_from_attendance_and_evaluations(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    store = FakeStore(folder)
    assert delivery.derived_facts(folder) == {}
    datafiles.save_roster(store, "acme", ROSTER)
    assert delivery.derived_facts(folder) == {}, "a roster alone is not a participant count"
    assert delivery.participants(folder) == (3, "roster")
    evaluations = parse_evaluations(numbered(EVAL_ROWS), "evals.csv").evaluations
    datafiles.save_evaluations(store, "acme", evaluations)
    assert delivery.derived_facts(folder) == {"eval_score": 4.2, "eval_scale": "5"}
    attendance = Attendance(
        (MON,),
        [
            Attendee("ada@example.com", "Ada", {MON: True}),
            Attendee("grace@example.com", "Grace", {MON: True}),
            Attendee("alan@example.com", "Alan", {MON: False}),
        ],
    )
    records = as_records(attendance, Source("s", SHEET, "a.xlsx", ()))
    datafiles.update_attendance(store, "acme", lambda existing: records)
    assert delivery.derived_facts(folder) == {"participant_count": 2, "eval_score": 4.2, "eval_scale": "5"}
    assert delivery.participants(folder) == (2, "attendance")
    (folder / "attendance.jsonl").write_text('{"onboard": "attendance", "schema": 1, "days": 3}')
    with pytest.raises(OnboardError, match=r"attendance\.jsonl: line 1: 'fields'"):
        delivery.derived_facts(folder)


# ---------------------------------------------------------------- naming conventions


@pytest.fixture(scope="module")
def naming():
    return Library().load("training-engagement").naming


SEED_CONTRACT = "Contract – Marr1234 – John Smith – Empathy_at_Work – Virtual – SOW – 2022.03.15"


def test_seed_contract_name_exactly(naming):
    playbook = Library().load("training-engagement")
    state = new_client(
        playbook,
        name="Marr",
        slug="marr",
        facts={"program": "Empathy at Work", "business_unit": "General", "delivery_type": "Virtual"},
        now=NOW,
        by="tester",
    )
    state = set_facts(
        playbook,
        state,
        {
            "contract_number": "Marr1234",
            "session_sponsor": "John Smith",
            "contract_document": "SOW",
            "signature_date": "2022-03-15",
        },
        now=NOW,
        by="tester",
    )
    assert apply_convention(naming["contract"], convention_values(state)) == SEED_CONTRACT


def test_roster_eval_and_export_names(naming):
    values = {
        "client": "Acme Corp",
        "program": "Empathy at Work",
        "course_date": date(2026, 3, 16),
        "roles.FAC.initials": role_holder("Jane Doe")["initials"],
    }
    assert export_stem("attendance", naming, values) == "Roster-Acme Corp-Empathy_at_Work-2026.03.16-JD"
    assert export_stem("eval", naming, values) == "Eval-Acme Corp-Empathy_at_Work-2026.03.16-JD"
    assert (
        export_stem("roster", naming, values) == "Roster-Acme Corp-Empathy_at_Work-2026.03.16-JD-Participants"
    )
    assert export_stem("blank-roster", naming, values) == "Blank Roster Template"
    with pytest.raises(OnboardError, match=r"roles\.FAC\.initials"):
        export_stem("eval", naming, {k: v for k, v in values.items() if k != "roles.FAC.initials"})


WINDOWS_DEVICES = {"con", "prn", "aux", "nul", "conin$", "conout$"} | {
    f"{name}{n}" for name in ("com", "lpt") for n in [*"0123456789", "¹", "²", "³"]
}


def assert_portable(name: str) -> None:
    """Valid on Windows (NTFS), macOS (APFS/HFS+) and Linux (ext4)."""
    assert name and name not in {".", ".."}
    assert not any(ch in '<>:"/\\|?*' or ord(ch) < 32 for ch in name), name
    assert not name.endswith((" ", ".")), name
    assert name.split(".")[0].rstrip(" ").lower() not in WINDOWS_DEVICES, name
    encoded = name.encode("utf-8")  # no lone surrogates
    assert len(encoded) <= 255, len(encoded)
    assert len(unicodedata.normalize("NFD", name).encode("utf-16-le")) // 2 <= 255


names = st.text(min_size=1, max_size=300).filter(lambda s: s.strip())


@settings(max_examples=300, deadline=None)
@given(client=names, program=names, person=names, sponsor=names, number=names, day=st.dates())
@example(client="CON", program="aux", person="Nul Ul", sponsor="x", number="1", day=date(2026, 3, 16))
@example(client="nul .", program="x", person="Ann", sponsor="x", number="1", day=date(2026, 3, 16))
@example(
    client="😀" * 150,
    program="é" * 150,
    person="李 小龙",
    sponsor="x" * 300,
    number="1",
    day=date(2026, 1, 1),
)
@example(
    client="../../etc/passwd",
    program="a\\b:c*d?",
    person="Ann",
    sponsor='"q"',
    number="<1>",
    day=date(1, 1, 1),
)
def test_convention_names_are_portable_file_names(
    naming, tmp_path_factory, client, program, person, sponsor, number, day
):
    fac = role_holder(person)
    values = {
        "client": client,
        "program": program,
        "course_date": day,
        "roles.FAC.initials": fac["initials"],
        "contract_number": number,
        "session_sponsor": sponsor,
        "delivery_type": "Virtual",
        "contract_document": "SOW",
        "signature_date": day,
    }
    folder = tmp_path_factory.mktemp("names", numbered=True)
    for kind in ("roster", "eval", "contract"):
        stem = apply_convention(naming[kind], values)
        for name in (stem, f"{stem}.xlsx", f"{stem} (2).xlsx"):
            assert_portable(name)
        (folder / f"{stem}.xlsx").write_bytes(b"")
    for kind in ("attendance", "roster", "eval"):
        assert_portable(export_stem(kind, naming, values) + " (12).xlsx")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
@example("\ud800 lone surrogate")
@example("COM¹.txt")
@example("con .xlsx")
@example(" . ")
def test_safe_filename_is_always_portable(text):
    assert_portable(safe_filename(text))
    assert_portable(safe_filename(text) + " (2).xlsx")


def test_name_key_ignores_case_accents_brackets_and_order():
    assert name_key("Lovelace, Ada (she/her)") == name_key("ADA LOVELACE") == "ada lovelace"
    assert name_key("Zoë Çelik") == "zoe celik"
    assert name_key("李 小龙") == "李 小龙"
