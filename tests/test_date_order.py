"""Issue 12, point 6: a meeting report's dates are read in the order the file, the option or the
workspace settles, never guessed. The UK Teams fixture writes every date 03/04/2026 (3 April)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from onboard.delivery.marks import DateOrder, parse_timestamp, settle_date_order
from onboard.errors import OnboardError
from onboard.outputs import excel
from onboard.storage.workspace import parse_settings

FIXTURES = Path(__file__).parent / "fixtures"
TEAMS = FIXTURES / "attendance-teams-uk-fabrikam.csv"
ZOOM = FIXTURES / "attendance-zoom-fabrikam.csv"
COURSE = (date(2026, 4, 3),)
BOTH_READINGS = (date(2026, 4, 3), date(2026, 3, 4))  # a course on both days: only the order decides
SLUG = "fabrikam"


def rows(*texts: str) -> list[tuple[int, object]]:
    return list(enumerate(texts, 2))


def test_a_day_above_12_settles_the_order_and_must_agree_with_the_option():
    assert settle_date_order(rows("03/04/2026, 09:00", "25/03/2026 10:00"), "r.csv") == DateOrder(
        "DMY", "25/03/2026 10:00 in row 3 can only be read that way"
    )
    assert settle_date_order(rows("3/25/2026 9:00 AM"), "r.csv").order == "MDY"
    with pytest.raises(OnboardError, match="--date-order MDY does not fit 25/03/2026"):
        settle_date_order(rows("25/03/2026"), "r.csv", given="MDY")
    with pytest.raises(OnboardError, match=r"both day first .* and month first"):
        settle_date_order(rows("25/03/2026", "03/25/2026"), "r.csv")


def test_dates_that_read_one_way_only_need_no_order():
    assert settle_date_order(rows("2026-04-03 09:00:00", "03/03/2026", "", None), "r.csv") is None


def test_an_ambiguous_file_takes_the_option_then_the_platform_then_the_setting_else_stops():
    ambiguous = rows("03/04/2026, 08:56:10")
    assert settle_date_order(ambiguous, "r", given="MDY", platform="Zoom", setting="DMY").because == (
        "as --date-order says"
    )
    assert settle_date_order(ambiguous, "r", platform="Zoom", setting="DMY") == DateOrder(
        "MDY", "as Zoom writes them"
    )
    assert settle_date_order(ambiguous, "r", platform="Teams", setting="DMY").because == (
        "as the workspace's [attendance] date_order says"
    )
    with pytest.raises(OnboardError) as err:
        settle_date_order(ambiguous, "r.csv", platform="Teams")
    assert (
        "03/04/2026, 08:56:10 (row 2), may be day first (3 April 2026) or month first (4 March 2026)"
        in str(err.value.message)
    )
    assert "--date-order DMY" in err.value.hint and "[attendance]" in err.value.hint


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("04/03/2026 09:05:00 AM", "MDY", datetime(2026, 4, 3, 9, 5)),
        ("04/03/2026 12:02:00 PM", "MDY", datetime(2026, 4, 3, 12, 2)),
        ("03/04/2026, 08:56:10", "DMY", datetime(2026, 4, 3, 8, 56, 10)),
        ("4/3/2026, 9:01:42 PM", "MDY", datetime(2026, 4, 3, 21, 1, 42)),
        ("25/03/26 10:00", None, datetime(2026, 3, 25, 10, 0)),
        ("2026-04-03T09:05:00", None, datetime(2026, 4, 3, 9, 5)),
        ("03/04/2026 09:00", None, None),  # ambiguous without an order: not read at all
        ("31/02/2026 09:00", "DMY", None),
        ("yesterday", "DMY", None),
    ],
)
def test_join_times_in_the_formats_meeting_platforms_write(text, order, expected):
    assert parse_timestamp(text, order) == expected


def test_the_uk_teams_report_without_an_order_stops_naming_the_option():
    with pytest.raises(OnboardError) as err:
        excel.import_attendance(TEAMS, BOTH_READINGS)
    assert "may be day first (3 April 2026) or month first (4 March 2026)" in err.value.message
    assert "--date-order" in err.value.hint


def test_the_uk_teams_report_with_dmy_is_3_april_and_its_join_times_are_read():
    imported = excel.import_attendance(TEAMS, BOTH_READINGS, date_order="DMY")
    assert imported.report and imported.platform == "Teams"
    assert imported.days == (date(2026, 4, 3),)
    assert str(imported.date_order) == "dates read day first (DMY): as --date-order says"
    joined = {m.name: m.joined for m in imported.marks}
    assert joined["Ross McDonald"] == datetime(2026, 4, 3, 9, 1, 42)
    assert [m.name for m in imported.marks] == [
        "Dana Whitfield",
        "Ross McDonald",
        "Zoë Ångström",
        "Kwame Mensah",
        "Tomás Ruiz",
    ], "the participants section only, not the in-meeting activities"


def test_the_workspace_setting_reads_the_teams_report_and_the_option_overrides_it():
    assert excel.import_attendance(TEAMS, BOTH_READINGS, default_order="DMY").days == (date(2026, 4, 3),)
    assert excel.import_attendance(TEAMS, BOTH_READINGS, date_order="MDY", default_order="DMY").days == (
        date(2026, 3, 4),
    )


def test_zoom_writes_month_first():
    imported = excel.import_attendance(ZOOM, BOTH_READINGS)
    assert imported.platform == "Zoom"
    assert imported.days == (date(2026, 4, 3),)
    assert str(imported.date_order) == "dates read month first (MDY): as Zoom writes them"


def test_the_setting_is_checked(tmp_path):
    path = tmp_path / "onboard.toml"
    assert parse_settings({"attendance": {"date_order": "dmy"}}, path).date_order == "DMY"
    assert parse_settings({}, path).date_order is None
    with pytest.raises(OnboardError, match="date_order = '12/31' must be \"DMY\""):
        parse_settings({"attendance": {"date_order": "12/31"}}, path)


# ---------------------------------------------------------------- through the CLI


@pytest.fixture
def fabrikam(fabrikam, run):
    """The shared Fabrikam (conftest) with its course day and roster."""
    assert run("set", SLUG, "course_date=2026-04-03", "--force").exit_code == 0
    imported = run("roster", SLUG, "--import", str(FIXTURES / "roster-values.csv"))
    assert imported.exit_code == 0, imported.output
    return fabrikam


def flat(text: str) -> str:
    return " ".join(text.split())


def test_cli_without_an_order_stops_and_names_the_option(run, fabrikam):
    result = run("roster", SLUG, "--attendance", str(TEAMS))
    assert result.exit_code == 1
    assert "--date-order DMY or --date-order MDY" in flat(result.output)
    assert not (fabrikam / "attendance.jsonl").exists()


def test_cli_with_dmy_records_3_april(run, fabrikam):
    result = run("roster", SLUG, "--attendance", str(TEAMS), "--date-order", "dmy")
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert "dates read day first (DMY): as --date-order says" in output
    assert "Fri 03 Apr 2026" in output


def test_cli_reads_the_workspace_setting(run, fabrikam, workspace):
    config = workspace / "onboard.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[attendance]\ndate_order = "DMY"\n', encoding="utf-8"
    )
    result = run("roster", SLUG, "--attendance", str(TEAMS))
    assert result.exit_code == 0, result.output
    assert "as the workspace's [attendance] date_order says" in flat(result.output)
