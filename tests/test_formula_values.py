"""Issue 12, point 1: a workbook's formula cells are read as the values saved with them, never as formulas.

The two roster fixtures hold the same cells: LibreOffice saved a value with
each formula, openpyxl saved none (see tests/fixtures/README.md).
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from fixtures.spreadsheetml import Formula, write_xlsx

from onboard.delivery.cells import CellError, FormulaCell, email_value, is_blank, number_value, text_value
from onboard.outputs import excel
from onboard.outputs.formulas import FormulaScan

FIXTURES = Path(__file__).parent / "fixtures"
LIBREOFFICE = FIXTURES / "roster-formulas-libreoffice.xlsx"
UNCOMPUTED = FIXTURES / "roster-formulas-uncomputed.xlsx"
NO_VALUE = (
    "a formula with no value saved; open and save the file in a spreadsheet application, or type the value"
)
SLUG = "fabrikam"


def client_saw() -> list[dict[str, str]]:
    with (FIXTURES / "roster-values.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def as_seen(person) -> dict[str, str]:
    return {
        "First name": person.first_name,
        "Last name": person.last_name,
        "Email": person.email,
        "Job title": person.title,
    }


def test_a_workbook_saved_by_libreoffice_imports_the_values_the_client_saw():
    result = excel.import_roster(LIBREOFFICE)
    assert result.problems == []
    assert [as_seen(p) for p in result.roster.people] == client_saw()
    assert result.not_people == [(11, "a total row ('Total')")]
    assert result.blank_rows == 1
    jurgen = result.roster.people[1]
    assert (jurgen.last_name, jurgen.title) == ("Müller", "Senior Planner")  # case and accents kept


def test_formulas_without_saved_values_are_reported_by_cell_and_import_nothing_wrong():
    result = excel.import_roster(UNCOMPUTED)
    assert [str(p) for p in result.problems] == [
        f"row 3, column C (Email): {NO_VALUE}",
        f"row 4, column B (Last name): {NO_VALUE}",
        f"row 4, column D (Job title): {NO_VALUE}",
    ]
    assert result.not_people == [(11, "a total row ('Total')")]
    seen = {row["Email"]: row for row in client_saw()}
    people = [as_seen(p) for p in result.roster.people]
    assert [p["Email"] for p in people] == [
        "zoe.angstrom@fabrikam.example",
        "Ross.McDonald@Fabrikam.example",
        "pieter.vanderberg@fabrikam.example",
        "siobhan.oneill@fabrikam.example",
        "kwame.mensah@fabrikam.example",
    ]
    assert all(person == seen[person["Email"]] for person in people)


def test_formula_text_never_reaches_a_field_of_either_workbook():
    for path in (LIBREOFFICE, UNCOMPUTED):
        for person in excel.import_roster(path).roster.people:
            assert not any(str(v).startswith("=") for v in person.as_dict().values()), person


def error_workbook(path: Path) -> Path:
    """A roster whose surname formula failed: the value saved is the error #NAME? (LibreOffice's bare CONCAT)."""
    rows = [
        ["First name", "Last name", "Email"],
        ["Jürgen", Formula('concat("Mül","ler")', "#NAME?"), "jurgen.muller@fabrikam.example"],
        ["Ann", "Lee", "ann.lee@fabrikam.example"],
    ]
    write_xlsx(path, rows)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<c r="B2" t="str">', b'<c r="B2" t="e">')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_a_formula_whose_saved_value_is_an_error_is_reported_by_cell(tmp_path):
    result = excel.import_roster(error_workbook(tmp_path / "roster.xlsx"))
    assert [str(p) for p in result.problems] == [
        "row 2, column B (Last name): a formula whose saved value is an error (#NAME?); "
        "correct it in a spreadsheet application, or type the value"
    ]
    assert [p.name for p in result.roster.people] == ["Ann Lee"]


def test_a_formula_that_gave_an_empty_text_is_a_blank_cell_not_a_problem(tmp_path):
    rows = [
        ["First name", "Last name", "Email", "Job title"],
        ["Ann", "Lee", "ann.lee@fabrikam.example", Formula('IF(1=2,"x","")', "")],
    ]
    result = excel.import_roster(write_xlsx(tmp_path / "r.xlsx", rows))
    assert result.problems == []
    assert result.roster.people[0].title == ""


def test_rows_that_are_plainly_not_people_are_said_so_and_do_not_block_the_import(tmp_path):
    rows = [
        ["Email", "First name", "Last name"],
        ["ann.lee@fabrikam.example", "Ann", "Lee"],
        ["Sales team"],
        ["E-mail", "First name", "Last name"],
        ["bo.chen@fabrikam.example", "Bo", "Chen"],
        ["Grand total:", 2],
        ["not-an-email", "Cy"],
    ]
    result = excel.import_roster(write_xlsx(tmp_path / "r.xlsx", rows))
    assert result.not_people == [
        (3, "a title or note ('Sales team')"),
        (4, "the header row again"),
        (6, "a total row ('Grand total:')"),
    ]
    assert [str(p) for p in result.problems] == [
        "row 7, column A (Email): 'not-an-email' is not an email address"
    ]
    assert [p.name for p in result.roster.people] == ["Ann Lee", "Bo Chen"]


def test_a_name_alone_in_a_name_column_is_a_person_without_email_not_a_title(tmp_path):
    rows = [["Full name", "Email"], ["Ann Lee", "ann.lee@fabrikam.example"], ["Bo Chen"]]
    result = excel.import_roster(write_xlsx(tmp_path / "r.xlsx", rows))
    assert result.not_people == []
    assert [str(p) for p in result.problems] == ["row 3, column B (Email): no email"]


def test_every_reader_refuses_a_formula_cell_with_its_reason():
    for marker, reason in ((FormulaCell(), NO_VALUE), (FormulaCell("#REF!"), "(#REF!)")):
        for read in (text_value, email_value, number_value):
            with pytest.raises(CellError, match=reason.replace("(", r"\(").replace(")", r"\)")):
                read(marker)
        assert not is_blank([marker])


@pytest.mark.parametrize("size", [1, 7, 64, 1 << 20])
def test_the_scan_finds_the_same_cells_whatever_the_chunks(size):
    with zipfile.ZipFile(UNCOMPUTED) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    xml = xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 3000)  # a cell start far from a chunk's start
    scan = FormulaScan()
    for start in range(0, len(xml), size):
        scan.feed(xml[start : start + size])
    scan.feed(b"", final=True)
    assert sorted(scan.cells) == [(3, 3), (4, 2), (4, 4), (11, 3)]
    assert scan.unplaced == 0


def test_a_formula_without_a_value_in_a_cell_the_file_does_not_name_refuses_the_sheet(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["First name", "Email"], ["Ann", Formula("LOWER(A2)")]])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b'<c r="B2">', b"<c>")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with pytest.raises(
        excel.OnboardError, match="1 formula\\(s\\) with no value saved, in cells the file does not name"
    ):
        excel.import_roster(path)


# ---------------------------------------------------------------- through the CLI


def stored_people(folder: Path) -> list[dict]:
    lines = (folder / "roster.jsonl").read_text(encoding="utf-8").splitlines()
    fields = json.loads(lines[0])["fields"]
    return [dict(zip(fields, json.loads(line), strict=True)) for line in lines[1:]]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_import_of_the_libreoffice_roster_stores_the_seven_people_and_names_the_total_row(run, fabrikam):
    result = run("roster", SLUG, "--import", str(LIBREOFFICE))
    assert result.exit_code == 0, result.output
    assert "row 11: a total row ('Total'), not a person; skipped." in flat(result.output)
    assert "1 blank row(s) skipped." in flat(result.output)
    people = stored_people(fabrikam)
    assert [(p["first_name"], p["last_name"], p["email"], p["title"]) for p in people] == [
        (r["First name"], r["Last name"], r["Email"], r["Job title"]) for r in client_saw()
    ]


def test_import_of_the_uncomputed_roster_stops_naming_each_formula_cell(run, fabrikam):
    result = run("roster", SLUG, "--import", str(UNCOMPUTED))
    assert result.exit_code == 1
    output = flat(result.output)
    for cell in ("row 3, column C (Email)", "row 4, column B (Last name)", "row 4, column D (Job title)"):
        assert f"{cell}: {NO_VALUE}" in output
    assert "is not an email address" not in output
    assert not (fabrikam / "roster.jsonl").exists()
    skipped = run("roster", SLUG, "--import", str(UNCOMPUTED), "--skip-invalid")
    assert skipped.exit_code == 0, skipped.output
    text = (fabrikam / "roster.jsonl").read_text(encoding="utf-8")
    assert "=" not in text and "concat" not in text.casefold()
    assert len(stored_people(fabrikam)) == 5


def test_formula_cells_of_our_own_attendance_sheet_below_the_people_are_never_read():
    from datetime import date

    imported = excel.import_attendance(FIXTURES / "attendance-facilitator-fabrikam.xlsx", [date(2026, 4, 3)])
    assert imported.problems == []
    assert len(imported.marks) == 8


def test_csv_text_is_read_as_written(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "First name,Last name,Email\nJürgen,Müller,jurgen.muller@fabrikam.example\n", encoding="utf-8"
    )
    person = excel.import_roster(path).roster.people[0]
    assert (person.first_name, person.last_name) == ("Jürgen", "Müller")


def test_a_name_formula_without_a_value_in_an_attendance_sheet_is_reported_by_cell(tmp_path):
    from datetime import date

    rows = [
        ["First name", "Last name", "Email", "Present 2026-04-03"],
        ["Ann", Formula('CONCAT("L","ee")'), "ann.lee@fabrikam.example", "Yes"],
        ["Bo", "Chen", "bo.chen@fabrikam.example", Formula('IF(1=1,"Yes","No")')],
    ]
    imported = excel.import_attendance(write_xlsx(tmp_path / "a.xlsx", rows), [date(2026, 4, 3)])
    assert [str(p) for p in imported.problems] == [
        f"row 2, column B (Last name): {NO_VALUE}",
        f"row 3, column D (Present 2026-04-03): {NO_VALUE}",
    ]
    assert imported.marks == []
