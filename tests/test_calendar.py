"""The calendar: each session day a timed event in its zone, due dates all-day with reminders, stable UIDs."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Run
from icalendar import Calendar, Event

from onboard.errors import OnboardError
from onboard.outputs.calendar import session_invitation
from onboard.outputs.session import SessionTime, parse_session_time
from onboard.storage.library import Library
from onboard.storage.store import Store
from onboard.storage.workspace import open_workspace

INTAKE = [
    "--set",
    "program=Empathy at Work",
    "--set",
    "business_unit=General",
    "--set",
    "delivery_type=Virtual",
]
LINK = "https://zoom.example/j/4242"
NEW_YORK = ZoneInfo("America/New_York")


def events(path: Path) -> dict[str, Event]:
    cal = Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def export(run: Run, target: Path, *args: str) -> str:
    result = run("calendar", *args, "-o", str(target))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def acme(run: Run) -> Run:
    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    result = run("assign", "acme", "FAC", "Jane Doe", "--email", "jane@example.com")
    assert result.exit_code == 0, result.output
    return run


def test_a_course_with_date_time_zone_and_link_is_a_timed_event(acme: Run, tmp_path: Path) -> None:
    facts = ["course_date=2027-02-16", "course_time=9:00-12:00 ET", f"meeting_link={LINK}"]
    assert acme("set", "acme", *facts).exit_code == 0
    target = tmp_path / "acme.ics"
    output = export(acme, target, "acme")
    assert "1 session day(s)" in output
    raw = target.read_bytes().decode()
    assert "DTSTART;TZID=America/New_York:20270216T090000" in raw
    assert "DTEND;TZID=America/New_York:20270216T120000" in raw
    cal = Calendar.from_ical(target.read_bytes())
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["America/New_York"]
    event = events(target)["acme.session-1@onboard"]
    assert event.decoded("DTSTART") == datetime(2027, 2, 16, 9, tzinfo=NEW_YORK)
    assert event.decoded("DTEND") == datetime(2027, 2, 16, 12, tzinfo=NEW_YORK)
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=-5)
    assert str(event["LOCATION"]) == LINK
    assert str(event["URL"]) == LINK
    assert str(event["SUMMARY"]) == "Empathy at Work: Acme"
    description = str(event["DESCRIPTION"])
    assert f"Join: {LINK}" in description
    assert "FAC – Facilitator: Jane Doe <jane@example.com>" in description.splitlines()[3]


def test_exporting_twice_gives_the_same_uids_and_a_moved_course_keeps_its_uid(
    acme: Run, tmp_path: Path
) -> None:
    acme("set", "acme", "course_date=2027-02-16", "course_time=9:00-12:00 ET")
    first, second, moved = tmp_path / "1.ics", tmp_path / "2.ics", tmp_path / "3.ics"
    export(acme, first)
    export(acme, second)
    assert first.read_bytes() == second.read_bytes()
    before = events(first)
    assert "acme.session-1@onboard" in before
    assert "acme.schedule-pre-call@onboard" in before
    assert all(uid.startswith("acme.") and uid.endswith("@onboard") for uid in before)
    acme("set", "acme", "course_date=2027-03-02")
    export(acme, moved)
    after = events(moved)
    assert after.keys() == before.keys()
    session = after["acme.session-1@onboard"]
    assert session.decoded("DTSTART").date() == date(2027, 3, 2)
    assert session["SEQUENCE"] > before["acme.session-1@onboard"]["SEQUENCE"]


def test_each_course_day_is_an_event_and_weekends_between_are_not(acme: Run, tmp_path: Path) -> None:
    facts = ["course_date=2027-02-18", "course_end_date=2027-02-22", "course_time=1pm-4:30pm CT"]
    acme("set", "acme", *facts)
    target = tmp_path / "acme.ics"
    export(acme, target, "acme")
    sessions = sorted((e for uid, e in events(target).items() if ".session-" in uid), key=lambda e: e["UID"])
    chicago = ZoneInfo("America/Chicago")
    days = [date(2027, 2, 18), date(2027, 2, 19), date(2027, 2, 22)]
    assert [e.decoded("DTSTART") for e in sessions] == [datetime.combine(d, time(13), chicago) for d in days]
    assert [e.decoded("DTEND").time() for e in sessions] == [time(16, 30)] * 3
    assert [str(e["SUMMARY"]) for e in sessions][2] == "Empathy at Work: Acme (day 3 of 3)"


def test_a_time_without_a_zone_is_all_day_and_says_how_to_fix_it(
    acme: Run, workspace: Path, tmp_path: Path
) -> None:
    acme("set", "acme", "course_date=2027-02-16", "course_time=9:00-12:00")
    target = tmp_path / "acme.ics"
    output = export(acme, target, "acme")
    assert "course_time '9:00-12:00' has no time zone" in output
    assert "[calendar] timezone" in output
    event = events(target)["acme.session-1@onboard"]
    assert event.decoded("DTSTART") == date(2027, 2, 16)
    assert event.decoded("DTEND") == date(2027, 2, 17)
    config = workspace / "onboard.toml"
    config.write_text(config.read_text() + '\n[calendar]\ntimezone = "America/Denver"\n')
    output = export(acme, target, "acme")
    assert "time zone" not in output
    event = events(target)["acme.session-1@onboard"]
    assert event.decoded("DTSTART") == datetime(2027, 2, 16, 9, tzinfo=ZoneInfo("America/Denver"))
    assert "America/Denver, the workspace's time zone" in str(event["DESCRIPTION"])


def test_unreadable_times_are_all_day_and_named(acme: Run, tmp_path: Path) -> None:
    acme("set", "acme", "course_date=2027-02-16", "course_time=mornings")
    target = tmp_path / "acme.ics"
    output = export(acme, target, "acme")
    assert "acme: course_time 'mornings' is not a time range" in output
    assert events(target)["acme.session-1@onboard"].decoded("DTSTART") == date(2027, 2, 16)


def test_due_dates_stay_all_day_with_a_reminder_the_business_day_before(acme: Run, tmp_path: Path) -> None:
    acme("set", "acme", "course_date=2027-02-23")
    target = tmp_path / "acme.ics"
    export(acme, target, "acme")
    item = events(target)["acme.collect-roster@onboard"]
    due = item.decoded("DTSTART")
    assert due == date(2027, 2, 16)
    assert item.decoded("DTEND") == due + timedelta(days=1)
    (alarm,) = item.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    reminder = datetime.combine(due, time()) + alarm.decoded("TRIGGER")
    assert reminder == datetime(2027, 2, 15, 9)
    monday = events(target)["acme.schedule-pre-call@onboard"]
    assert monday.decoded("DTSTART") == date(2027, 2, 9)
    (alarm,) = monday.walk("VALARM")
    assert datetime.combine(date(2027, 2, 9), time()) + alarm.decoded("TRIGGER") == datetime(2027, 2, 8, 9)


def test_a_step_done_ahead_of_its_due_date_stays_ticked_without_a_reminder(acme: Run, tmp_path: Path) -> None:
    acme("set", "acme", "course_date=2027-02-23")
    assert acme("done", "acme", "schedule-pre-call", "--force").exit_code == 0
    target = tmp_path / "acme.ics"
    export(acme, target, "acme")
    item = events(target)["acme.schedule-pre-call@onboard"]
    assert str(item["SUMMARY"]).startswith("✓ done: Acme: ")
    assert item.walk("VALARM") == []


def test_session_invitation_holds_the_session_alone(acme: Run, workspace: Path) -> None:
    settings = open_workspace(workspace).settings
    store = Store(workspace / "clients")
    playbook = Library().load("training-engagement")
    assert session_invitation(store.load("acme"), playbook, settings) is None
    acme("set", "acme", "course_date=2027-02-16", "course_time=9-12 ET", "venue=HQ, Room 4")
    data = session_invitation(store.load("acme"), playbook, settings)
    assert data is not None
    cal = Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "PUBLISH"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == "acme.session-1@onboard"
    assert str(event["LOCATION"]) == "HQ, Room 4"
    assert event.decoded("DTSTART") == datetime(2027, 2, 16, 9, tzinfo=NEW_YORK)
    assert session_invitation(store.load("acme"), playbook, settings) == data


def test_a_station_training_names_every_contact_of_the_deal_with_their_email(
    run: Run, tmp_path: Path
) -> None:
    assert run("new", "WKRP", "-p", "station-onboarding", "--set", "deal_summary=Two stations").exit_code == 0
    contacts = (
        'contacts=[{name="Andy Travis", email="andy@wkrp.example", title="Program Director"},'
        ' {name="Jennifer Marlowe", email="jennifer@wkrp.example"}]'
    )
    facts = [contacts, "first_training_date=2027-02-16", "training_time=9:00-12:00 ET"]
    result = run("set", "wkrp", *facts)
    assert result.exit_code == 0, result.output
    target = tmp_path / "wkrp.ics"
    export(run, target, "wkrp")
    lines = str(events(target)["wkrp.session-1@onboard"]["DESCRIPTION"]).splitlines()
    assert "Contacts – Program Director: Andy Travis <andy@wkrp.example>" in lines
    assert "Contacts: Jennifer Marlowe <jennifer@wkrp.example>" in lines


def test_the_calendar_timezone_setting_is_checked(run: Run, workspace: Path) -> None:
    config = workspace / "onboard.toml"
    config.write_text(config.read_text() + '\n[calendar]\ntimezone = "Eastern"\n')
    result = run("calendar")
    assert result.exit_code == 1
    assert "onboard.toml: [calendar] timezone = 'Eastern' is not a time zone name" in result.output


@pytest.mark.parametrize(
    ("text", "start", "end", "zone"),
    [
        ("9:00-12:00 CT", time(9), time(12), "America/Chicago"),
        ("9am–12pm ET", time(9), time(12), "America/New_York"),
        ("9:00 AM - 12:00 PM Eastern Time", time(9), time(12), "America/New_York"),
        ("1:30pm to 4:30pm PT", time(13, 30), time(16, 30), "America/Los_Angeles"),
        ("1-4pm", time(13), time(16), None),
        ("9-12pm (MT)", time(9), time(12), "America/Denver"),
        ("11-1pm", time(11), time(13), None),
        ("9:00-1:00", time(9), time(13), None),
        ("13:30-16:00 Europe/London", time(13, 30), time(16), "Europe/London"),
        ("0900-1200 UTC", time(9), time(12), "UTC"),
        ("noon-2pm CET", time(12), time(14), "Europe/Paris"),
    ],
)
def test_session_times_as_people_write_them(text: str, start: time, end: time, zone: str | None) -> None:
    assert parse_session_time(text) == SessionTime(start, end, zone)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("mornings", "is not a time range"),
        ("9:00", "is not a time range"),
        ("1:00-4:00 ET", "starts before 7:00 with no am or pm"),
        ("14:00-12:00", "ends before it starts"),
        ("9:00-25:00", "not a time of day"),
        ("9:00-12:00 IST", "'IST', which is not a time zone onboard knows"),
    ],
)
def test_session_times_it_would_have_to_guess_are_refused(text: str, why: str) -> None:
    with pytest.raises(OnboardError, match=why) as caught:
        parse_session_time(text, "course_time")
    assert caught.value.message.startswith(f"course_time {text!r}")
    assert caught.value.hint and "9:00-12:00 ET" in caught.value.hint


def test_calendar_and_report_write_in_the_workspace_only(acme: Run, workspace: Path) -> None:
    """Without -o both land in the workspace; the test's HOME and working folder stay empty."""
    home = Path(os.environ["HOME"])
    before = sorted(home.rglob("*"))
    acme("set", "acme", "course_date=2027-02-16", "course_time=9:00-12:00 ET")
    assert acme("calendar").exit_code == 0
    assert acme("calendar", "acme").exit_code == 0
    assert acme("report").exit_code == 0
    assert (workspace / "onboard.ics").is_file()
    assert (workspace / "clients" / "acme" / "out" / "acme.ics").is_file()
    assert (workspace / "report.html").is_file()
    assert sorted(home.rglob("*")) == before
    assert list(Path.cwd().iterdir()) == []
