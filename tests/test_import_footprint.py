"""What keeps a large import small: the collector paused while rows are read, marks sharing their days."""

from __future__ import annotations

import gc
from datetime import date

import openpyxl
import pytest

from onboard.errors import OnboardError
from onboard.outputs import excel

MON, TUE = date(2026, 3, 16), date(2026, 3, 17)


def _sheet(tmp_path, rows):
    wb = openpyxl.Workbook()
    wb.active.append(
        ["First name", "Last name", "Email", "Present 2026-03-16 (Mon)", "Present 2026-03-17 (Tue)"]
    )
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "attendance.xlsx"
    wb.save(path)
    return path


def test_marks_alike_share_one_present_mapping(tmp_path):
    path = _sheet(
        tmp_path,
        [
            ["Ada", "L", "ada@example.com", "Yes", "No"],
            ["Bob", "M", "bob@example.com", "Yes", "No"],
            ["Cy", "N", "cy@example.com", "No", None],
        ],
    )
    marks = excel.import_attendance(path, (MON, TUE)).marks
    assert [m.present for m in marks] == [
        {MON: True, TUE: False},
        {MON: True, TUE: False},
        {MON: False, TUE: None},
    ]
    assert marks[0].present is marks[1].present
    assert marks[2].present is not marks[0].present


def test_the_collector_runs_again_after_an_import_read_or_refused(tmp_path):
    assert gc.isenabled()
    excel.import_attendance(_sheet(tmp_path, [["Ada", "L", "ada@example.com", "Yes", "No"]]), (MON, TUE))
    assert gc.isenabled()
    with pytest.raises(OnboardError):
        excel.import_attendance(
            _sheet(tmp_path, [["Ada", "L", "ada@example.com", "Yes", "No"]]), (date(2026, 1, 1),)
        )
    assert gc.isenabled()
    gc.disable()
    try:
        excel.import_attendance(_sheet(tmp_path, [["Ada", "L", "ada@example.com", "Yes", "No"]]), (MON, TUE))
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
