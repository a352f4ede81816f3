"""Reading and writing workbooks: round trips, layouts, injection and hostile files."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fixtures.spreadsheetml import CLIENT_ROSTER, Formula, write_xlsx
from rich.console import Console

from onboard.delivery.attendance import Attendance, Attendee
from onboard.delivery.evaluations import parse_evaluations, summarise
from onboard.delivery.facts import DeliveryInfo
from onboard.delivery.marks import FOOT_MARK
from onboard.delivery.matching import match_marks
from onboard.delivery.roster import Person, Roster
from onboard.errors import OnboardError
from onboard.outputs import excel

MON, TUE = date(2026, 3, 16), date(2026, 3, 17)
INFO = DeliveryInfo(
    client="Acme Corp",
    program="Empathy at Work",
    days=(MON, TUE),
    times="9:00-12:00 CT",
    facilitator="Jane Doe (JD)",
    location="https://zoom.example/j/1",
    delivery_type="Virtual",
    business_unit="General",
)
PAYLOAD = '=HYPERLINK("http://x","y")'


def sheet_xml(path: Path, part: str = "xl/worksheets/sheet1.xml") -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(part).decode("utf-8")


def people_rows(ws, first: int, count: int) -> list[tuple]:
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=first, max_row=first + count - 1)]


# ---------------------------------------------------------------- round trip


def test_roster_from_another_program_round_trips_through_the_attendance_sheet(tmp_path):
    source = write_xlsx(tmp_path / "client roster.xlsx", CLIENT_ROSTER)
    assert b"openpyxl" not in source.read_bytes()
    result = excel.import_roster(source)
    assert result.problems == []
    assert result.duplicates == [(9, 5, "grace@ACME.example")]
    assert result.header.ignored == ("Employee ID",)
    expected = [
        ("Ada", "Lovelace", "ada.lovelace@acme.example", "Engineering", "London", True),
        ("Grace", "Hopper", "GRACE@acme.example", "Navy", "Arlington", False),
        ("Ludwig", "van Beethoven", "ludwig@acme.example", "Music", "Vienna", None),
        ("Katherine", "Johnson", "katherine@acme.example", "Flight Research", "Hampton", True),
        ("Zoë", "Çelik", "zoe@acme.example", "Design", "İstanbul", True),
    ]
    got = [
        (p.first_name, p.last_name, p.email, p.title, p.location, p.lxp_registered)
        for p in result.roster.people
    ]
    assert got == expected

    out = tmp_path / "attendance.xlsx"
    excel.write_attendance(out, result.roster, INFO)
    ws = openpyxl.load_workbook(out).active
    assert ws["A10"].value == "#" and ws["D10"].value == "Email"
    rows = people_rows(ws, excel.ATTENDANCE_HEADER_ROW + 1, len(expected))
    back = [(r[1], r[2], r[3], r[4], r[5], {"Yes": True, "No": False, None: None}[r[6]]) for r in rows]
    assert back == expected
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert ws.cell(excel.ATTENDANCE_HEADER_ROW + len(expected) + 2, 1).value == FOOT_MARK


def test_filled_in_sheet_reads_back(tmp_path):
    roster = excel.import_roster(write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)).roster
    out = tmp_path / "attendance.xlsx"
    excel.write_attendance(out, roster, INFO)
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    ws["H11"], ws["I11"], ws["J11"] = "Yes", "Yes", 10
    ws["H12"], ws["I12"], ws["K12"] = "No", "Yes", "left at noon"
    ws["H13"] = "Yes"
    wb.save(out)
    imported = excel.import_attendance(out, INFO.days)
    assert imported.problems == [] and imported.days == (MON, TUE)
    matching = match_marks(imported.marks, roster)
    assert len(matching.matched) == 5
    marks = {m.email: m for m in imported.marks}
    assert marks["ada.lovelace@acme.example"].present == {MON: True, TUE: True}
    assert marks["ada.lovelace@acme.example"].minutes_late == 10
    assert marks["GRACE@acme.example"].present == {MON: False, TUE: True}
    assert marks["GRACE@acme.example"].notes == "left at noon"
    assert marks["zoe@acme.example"].present == {MON: None, TUE: None}, "blank: the sheet does not say"


# ---------------------------------------------------------------- layouts


def test_blank_roster_template(tmp_path):
    out = tmp_path / "blank.xlsx"
    excel.write_roster(out, None)
    wb = openpyxl.load_workbook(out)
    ws = wb["Roster"]
    headers = [c.value for c in ws[1]]
    assert headers == [
        "First name",
        "Last name",
        "Email",
        "Title or department",
        "Location",
        "LXP registered",
        "Notes",
    ]
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith("1F4E79")
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["C"].width >= 30
    rules = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    assert rules["C2:C501"].type == "custom" and "@" in rules["C2:C501"].formula1
    assert rules["F2:F501"].type == "list" and rules["F2:F501"].formula1 == '"Yes,No"'
    assert ws.max_row == 1
    assert "How to fill in" in wb.sheetnames


def test_attendance_sheet_layout(tmp_path):
    roster = Roster([Person(f"p{i}@example.com", f"First{i}", f"Last{i}") for i in range(1, 4)])
    attendance = Attendance((MON, TUE), [Attendee("p2@example.com", "First2 Last2", {MON: True}, 3, "note")])
    out = tmp_path / "a.xlsx"
    excel.write_attendance(out, roster, INFO, attendance)
    ws = openpyxl.load_workbook(out).active
    block = {ws.cell(r, 2).value: ws.cell(r, 4).value for r in range(2, 9)}
    assert block == {
        "Course / program": "Empathy at Work",
        "Client": "Acme Corp",
        "Dates": "Mon 16 Mar 2026 – Tue 17 Mar 2026 (2 days)",
        "Times": "9:00-12:00 CT",
        "Facilitator": "Jane Doe (JD)",
        "Location / meeting link": "https://zoom.example/j/1",
        "Delivery": "Virtual · General",
    }
    header = [c.value for c in ws[10]]
    assert header[7:] == ["Present 2026-03-16 (Mon)", "Present 2026-03-17 (Tue)", "Minutes late", "Notes"]
    assert ws.freeze_panes == "C11"
    assert people_rows(ws, 12, 1)[0][7:] == ("Yes", None, 3, "note")
    rules = {str(v.sqref): (v.type, v.formula1) for v in ws.data_validations.dataValidation}
    assert rules["H11:H33"] == ("list", '"Yes,No"') and rules["I11:I33"] == ("list", '"Yes,No"')
    assert rules["J11:J33"][0] == "whole"
    # the foot: formulas over the sheet's own cells
    assert ws["A15"].value == FOOT_MARK
    assert ws["H15"].value == '=COUNTIF(H11:H13,"Yes")'
    assert ws["I15"].value == '=COUNTIF(I11:I13,"Yes")'
    assert ws["J15"].value == "=SUM(J11:J13)"
    assert ws["H16"].value == '=IF(COUNTA(H11:H13)=0,0,ROWS(H11:H13)-COUNTIF(H11:H13,"Yes"))'
    assert ws["H17"].value == '=SUMPRODUCT(--(((H11:H13="Yes")+(I11:I13="Yes"))>0))'
    assert ws["H18"].value == "=COUNT(A11:A13)"
    assert ws["B20"].value == "Absentees 2026-03-16" and ws["B21"].value == "Absentees 2026-03-17"
    absentees = ws["D20"].value
    assert absentees.ref == "D20"
    assert absentees.text == (
        '=IF(COUNTA(H11:H13)=0,"",_xlfn.TEXTJOIN(", ",TRUE,IF(H11:H13<>"Yes",B11:B13&" "&C11:C13,"")))'
    )


def test_writers_read_the_roster_once_as_it_comes(tmp_path):
    people = [Person(f"p{i}@example.com", f"First{i}", f"Last{i}") for i in range(1, 4)]
    attendance = Attendance((MON, TUE), [Attendee("p2@example.com", "First2 Last2", {TUE: True})])
    out = tmp_path / "a.xlsx"
    excel.write_attendance(out, (p for p in people), INFO, attendance)
    ws = openpyxl.load_workbook(out).active
    assert [r[3] for r in people_rows(ws, 11, 3)] == ["p1@example.com", "p2@example.com", "p3@example.com"]
    assert people_rows(ws, 12, 1)[0][7:9] == (None, "Yes")
    assert ws["A15"].value == FOOT_MARK and ws["H18"].value == "=COUNT(A11:A13)"
    assert "H11:H33" in {str(v.sqref) for v in ws.data_validations.dataValidation}
    excel.write_roster(tmp_path / "r.xlsx", (p for p in people))
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert ws.auto_filter.ref == "A1:G4" and ws.max_row == 4


def test_attendance_needs_a_course_date(tmp_path):
    roster = Roster([Person("a@example.com", "A")])
    info = DeliveryInfo(client="Acme")
    with pytest.raises(OnboardError, match="course date"):
        excel.write_attendance(tmp_path / "a.xlsx", roster, info)


def test_eval_summary_layout_is_fixed(tmp_path):
    rows = [
        ["Timestamp", "Q1 relevant", "Q2 engaging", "Comments"],
        [None, 5, 4, "Great"],
        [None, 3, 5, PAYLOAD],
    ]
    evaluations = parse_evaluations(list(enumerate(rows, 1)), "responses.csv").evaluations
    summary = summarise(evaluations, 4, "attendance")
    out = tmp_path / "eval.xlsx"
    excel.write_eval_summary(out, summary, INFO, evaluations)
    wb = openpyxl.load_workbook(out)
    ws = wb["Summary"]
    assert ws["A1"].value == "Evaluation summary"
    assert [ws.cell(r, 2).value for r in range(9, 13)] == [
        "Participants",
        "Responses",
        "Response rate",
        "Overall average",
    ]
    assert [ws.cell(r, 3).value for r in range(9, 13)] == [4, 2, 0.5, 4.25]
    assert ws["C11"].number_format == "0%"
    assert ws["C12"].number_format == '0.0" out of 5"', "the overall average states its scale"
    assert [c.value for c in ws[excel.EVAL_HEADER_ROW]] == [
        "#",
        "Question",
        "Scale",
        "Responses",
        "Average",
        "Lowest",
        "Highest",
    ]
    assert [c.value for c in ws[15]] == [1, "Q1 relevant", "1–5", 2, 4, 3, 5]
    assert [c.value for c in ws[16]] == [2, "Q2 engaging", "1–5", 2, 4.5, 4, 5]
    assert ws["E16"].number_format == '0.0" out of 5"'
    assert [c.value for c in ws[18]][1:6] == ["Averages by scale", "Scale", "Questions", "Average", "Answers"]
    assert [c.value for c in ws[19]][1:6] == ["1, 2", "1–5", 2, 4.25, 4]
    assert ws["B21"].value == "Comments"
    assert (ws["B22"].value, ws["B23"].value) == ("Great", PAYLOAD)
    assert ws["B23"].data_type == "s"
    raw = wb["Responses"]
    assert [c.value for c in raw[1]] == ["Row", "Q1 relevant (1–5)", "Q2 engaging (1–5)", "Comments"]
    assert [c.value for c in raw[2]] == [2, 5, 4, "Great"]


# ---------------------------------------------------------------- formula injection


INJECTIONS = [PAYLOAD, "+SUM(1,1)", "-2+3", "@SUM(A1)", "=1+1"]


@pytest.mark.parametrize("writer", ["roster", "attendance"])
def test_formula_like_text_is_written_as_text_cells(tmp_path, writer):
    people = [Person(f"p{i}@example.com", text, "Doe", title=text) for i, text in enumerate(INJECTIONS)]
    roster = Roster(people)
    out = tmp_path / "out.xlsx"
    if writer == "roster":
        excel.write_roster(out, roster)
        first_row, name_col = 2, 1
    else:
        excel.write_attendance(out, roster, INFO)
        first_row, name_col = 11, 2
    ws = openpyxl.load_workbook(out).active
    for offset, text in enumerate(INJECTIONS):
        cell = ws.cell(first_row + offset, name_col)
        assert cell.value == text
        assert cell.data_type == "s", (text, cell.data_type)
        assert cell.quotePrefix is True
    xml = sheet_xml(out)
    assert "HYPERLINK" in xml
    assert not re.search(r"<f>[^<]*HYPERLINK", xml), "the payload must never be a formula element"


def test_payload_from_a_hand_written_workbook_stays_text_all_the_way(tmp_path):
    rows = [
        ["First name", "Last name", "Email"],
        [PAYLOAD, Formula('HYPERLINK("http://x","y")', "y"), "x@example.com"],
    ]
    result = excel.import_roster(write_xlsx(tmp_path / "r.xlsx", rows, inline_every=0))
    assert result.roster.people[0].first_name == PAYLOAD  # a text cell: the text as typed
    assert result.roster.people[0].last_name == "y"  # a formula cell: the value saved with it
    out = tmp_path / "a.xlsx"
    excel.write_attendance(out, result.roster, INFO)
    cell = openpyxl.load_workbook(out).active["B11"]
    assert (cell.value, cell.data_type) == (PAYLOAD, "s")


# ---------------------------------------------------------------- hostile and broken files


@pytest.mark.parametrize("part", ["sheet", "strings", "workbook"])
def test_entity_expansion_payload_is_refused_unread(tmp_path, part):
    bomb = write_xlsx(tmp_path / "bomb.xlsx", CLIENT_ROSTER, payload_in=part)
    with pytest.raises(OnboardError) as err:
        excel.import_roster(bomb)
    assert str(bomb) in err.value.message
    assert "declares a DTD or XML entities" in err.value.message


def test_defusedxml_is_in_effect_as_a_second_line():
    import defusedxml

    assert openpyxl.DEFUSEDXML is True, "openpyxl no longer says whether it parses with defusedxml"
    excel.check_defused()
    bomb = write_xlsx(
        Path(__import__("tempfile").mkdtemp()) / "bomb.xlsx", CLIENT_ROSTER, payload_in="strings"
    )
    with pytest.raises(ValueError) as err:
        openpyxl.load_workbook(bomb, read_only=True)
    chain = []
    exc: BaseException | None = err.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert any(isinstance(e, defusedxml.DefusedXmlException) for e in chain)


def test_reading_is_refused_without_defusedxml(tmp_path, monkeypatch):
    from xml.etree import ElementTree

    import openpyxl.xml.functions

    roster = write_xlsx(tmp_path / "r.xlsx", CLIENT_ROSTER)
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(OnboardError, match="defusedxml"):
        excel.import_roster(roster)
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", True)
    monkeypatch.setattr(openpyxl.xml.functions, "iterparse", ElementTree.iterparse)
    with pytest.raises(OnboardError, match="defusedxml"):
        excel.import_roster(roster)
    monkeypatch.delattr(
        openpyxl.xml.functions, "iterparse"
    )  # an openpyxl that moved it: refused, not a crash
    with pytest.raises(OnboardError, match="defusedxml"):
        excel.import_roster(roster)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.xlsx", b"", "the file is empty"),
        ("locked.xlsx", excel.CFB_MAGIC + b"\x00" * 504, "password-protected workbook or an old-style .xls"),
        ("old.xls", excel.CFB_MAGIC + b"\x00" * 504, "password-protected workbook or an old-style .xls"),
        (
            "text.xlsx",
            b"First name,Email\nAda,ada@example.com\n",
            "not an Excel workbook, although its name ends in .xlsx",
        ),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary data"),
        ("broken.xlsx", b"PK\x03\x04 truncated", "not a readable Excel workbook"),
    ],
)
def test_unreadable_files_are_named(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(OnboardError) as err:
        excel.import_roster(path)
    assert err.value.message.startswith(f"{path}: ")
    assert message in err.value.message


def test_a_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(OnboardError, match="a Word document"):
        excel.import_roster(path)


def test_missing_file(tmp_path):
    with pytest.raises(OnboardError, match="file not found"):
        excel.import_roster(tmp_path / "nope.xlsx")


def test_first_sheet_without_emails_falls_through_to_the_next(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.active["A1"] = "Participants are on the next sheet"
    people = wb.create_sheet("People")
    people.append(["Name", "Email"])
    people.append(["Ada Lovelace", "ada@example.com"])
    wb.save(tmp_path / "two.xlsx")
    assert [p.email for p in excel.import_roster(tmp_path / "two.xlsx").roster.people] == ["ada@example.com"]


def test_a_date_in_a_score_column_of_a_workbook(tmp_path):
    rows = [["Q1", "Q2"], [5, 4], [date(2026, 3, 5), 3]]
    result = excel.import_evaluations(write_xlsx(tmp_path / "e.xlsx", rows))
    assert [str(p) for p in result.problems] == [
        "row 3, column A (Q1): a date (2026-03-05), not a score on 1–5"
    ]


# ---------------------------------------------------------------- CSV


def test_csv_with_bom_semicolons_and_windows_1252(tmp_path):
    utf8 = tmp_path / "r.csv"
    utf8.write_bytes(codecs.BOM_UTF8 + "Name;E-mail\nZoë Çelik;zoe@example.com\n".encode())
    assert excel.import_roster(utf8).roster.people[0].first_name == "Zoë"
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("Name,Email\nZoë Çelik,zoe@example.com\n".encode("cp1252"))
    assert excel.import_roster(legacy).roster.people[0].last_name == "Çelik"


def test_utf16_tab_separated_teams_report(tmp_path):
    text = (
        "1. Summary\nMeeting title\tEmpathy\nStart time\t3/16/26, 8:58:00 AM\n\n2. Participants\n"
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tRole\n"
        "Ada Lovelace\t3/16/26, 9:04:00 AM\t3/16/26, 12:00:00 PM\t3h\tada@example.com\tAttendee\n"
        "\n3. In-Meeting Activities\nName\tJoin Time\tLeave Time\tDuration\tEmail\tRole\n"
        "Ada Lovelace\t3/16/26, 9:04:00 AM\t3/16/26, 12:00:00 PM\t3h\tada@example.com\tAttendee\n"
    )
    path = tmp_path / "teams.csv"
    path.write_bytes(text.encode("utf-16"))
    imported = excel.import_attendance(path, (MON, TUE))
    assert imported.report and imported.days == (MON,)
    assert [(m.email, m.joined.minute) for m in imported.marks] == [("ada@example.com", 4)]


# ---------------------------------------------------------------- files and progress


def test_place_never_replaces_silently(tmp_path):
    def writer(text):
        return lambda path: path.write_text(text)

    first = excel.place(tmp_path / "out", "Roster-Acme", writer("one"))
    second = excel.place(tmp_path / "out", "Roster-Acme", writer("two"))
    third = excel.place(tmp_path / "out", "Roster-Acme", writer("three"))
    assert [p.name for p in (first, second, third)] == [
        "Roster-Acme.xlsx",
        "Roster-Acme (2).xlsx",
        "Roster-Acme (3).xlsx",
    ]
    assert first.read_text() == "one"
    forced = excel.place(tmp_path / "out", "Roster-Acme", writer("four"), force=True)
    assert forced == first and first.read_text() == "four"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "Roster-Acme (2).xlsx",
        "Roster-Acme (3).xlsx",
        "Roster-Acme.xlsx",
    ]

    def failing(path):
        path.write_text("half")
        raise OnboardError("disk full")

    with pytest.raises(OnboardError):
        excel.place(tmp_path / "out", "Other", failing)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "Roster-Acme (2).xlsx",
        "Roster-Acme (3).xlsx",
        "Roster-Acme.xlsx",
    ], "nothing is left of a file whose writing failed"


def test_place_fsyncs_the_new_file_before_naming_it_and_then_the_folder(tmp_path, monkeypatch):
    from onboard.storage import atomic

    events = []
    real_fsync, real_link = excel.os.fsync, excel.os.link
    monkeypatch.setattr(excel.os, "fsync", lambda fd: events.append("fsync file") or real_fsync(fd))
    monkeypatch.setattr(excel.os, "link", lambda a, b: events.append("name") or real_link(a, b))
    monkeypatch.setattr(excel, "fsync_dir", lambda folder: events.append(f"fsync {folder.name}"))
    excel.place(tmp_path / "out", "Roster-Acme", lambda path: path.write_text("one"))
    assert events == ["fsync file", "name", "fsync out"]
    events.clear()
    monkeypatch.setattr(atomic, "fsync_dir", lambda folder: events.append(f"fsync {folder.name}"))
    excel.place(tmp_path / "out", "Roster-Acme", lambda path: path.write_text("two"), force=True)
    assert events == ["fsync file", "fsync out"]
    assert (tmp_path / "out" / "Roster-Acme.xlsx").read_text() == "two"

    def no_links(source, target):
        raise PermissionError("no hard links here")

    monkeypatch.setattr(excel.os, "link", no_links)
    third = excel.place(tmp_path / "out", "Roster-Acme", lambda path: path.write_text("three"))
    assert third.name == "Roster-Acme (2).xlsx" and third.read_text() == "three"
    assert (tmp_path / "out" / "Roster-Acme.xlsx").read_text() == "two"


def test_progress_bar_appears_on_a_terminal_once_it_takes_a_moment(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "PROGRESS_DELAY", 0.0)
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=100)
    roster = Roster([Person(f"p{i}@example.com", f"P{i}") for i in range(600)])
    excel.write_attendance(tmp_path / "big.xlsx", roster, INFO, console=console)
    assert "Writing big.xlsx" in stream.getvalue()
    quiet = io.StringIO()
    excel.write_attendance(tmp_path / "quiet.xlsx", roster, INFO, console=Console(file=quiet))
    assert quiet.getvalue() == "", "no bar when stderr is not a terminal"


def test_rows_are_read_to_the_end_whatever_size_the_sheet_declares(tmp_path):
    people = [["Name", "Email"], *([f"P{i}", f"p{i}@example.com"] for i in range(40))]
    for declared in ("A1:B2", None, "A1:B41"):  # too small, none (another program's), right
        path = write_xlsx(tmp_path / f"{declared}.xlsx".replace(":", "-"), people, dimension=declared)
        emails = [p.email for p in excel.import_roster(path).roster.people]
        assert emails == [f"p{i}@example.com" for i in range(40)], declared


def test_large_roster_is_streamed_both_ways(tmp_path, monkeypatch):
    loaded = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        loaded.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    roster = Roster([Person(f"p{i}@example.com", f"First{i}", f"Last{i}") for i in range(2000)])
    out = tmp_path / "big.xlsx"
    excel.write_roster(out, roster)
    assert "<dimension" not in sheet_xml(out), "write-only sheets are streamed without a dimension"
    result = excel.import_roster(out)
    assert len(result.roster.people) == 2000 and result.problems == []
    assert loaded == [{"read_only": True, "data_only": True, "keep_links": False}]
