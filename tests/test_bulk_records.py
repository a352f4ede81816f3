"""What keeps 50,000 people's records fast without changing one of them (issue 11, point 3).

The merge works a record out once for each thing the sources say and
shares it with everyone it fits; stored rows that wrote the same days
share one mapping; the commands that hold every record at once pause the
cyclic collector. Each shortcut is checked against the plain result.
"""

from __future__ import annotations

import gc
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from fixtures.folderstore import FakeStore
from hypothesis import given, settings
from hypothesis import strategies as st

from onboard.delivery import attendance, datafiles
from onboard.delivery.attendance import (
    REPORT,
    SHEET,
    AttendanceRecords,
    Observation,
    Source,
    merge,
    share,
)
from onboard.delivery.cells import CellError, is_blank, yes_no_value
from onboard.delivery.roster import Person, Roster
from onboard.delivery.stored import RowError, observation_from_row, observation_row
from onboard.outputs import excel

MON, TUE = date(2026, 3, 16), date(2026, 3, 17)
FIXTURES = Path(__file__).parent / "fixtures"
SLUG = "fabrikam"


# ---------------------------------------------------------------- the merge: alike records, one decision


def _sources() -> tuple[Source, ...]:
    return (
        Source("sheet", SHEET, "sheet.xlsx", (MON, TUE), datetime(2026, 3, 18, 9)),
        Source("zoom", REPORT, "zoom.csv", (MON,), datetime(2026, 3, 18, 10), platform="Zoom"),
    )


def test_people_the_sources_say_alike_of_get_their_own_records_and_rows_sharing_one_decision():
    people = [Person(f"p{i}@example.com", f"First{i}", f"Last{i}") for i in range(3)]
    absent, present = {MON: False, TUE: True}, {MON: True}
    rows = [
        Observation("sheet", 10 + i, p.email, p.name, absent, notes="left early" if i == 2 else "")
        for i, p in enumerate(people)
    ] + [Observation("zoom", 20 + i, p.email, p.name, present) for i, p in enumerate(people)]
    merged = merge(AttendanceRecords((MON, TUE), _sources(), tuple(rows)), Roster(people))

    assert [(r.email, r.name) for r in merged.people] == [(p.email, p.name) for p in people]
    assert all(r.present == {MON: False, TUE: True} for r in merged.people)
    assert merged.people[0].present is merged.people[1].present is merged.people[2].present
    assert merged.people[0].decided_by is merged.people[1].decided_by
    assert [r.notes for r in merged.people] == ["", "", "left early"]
    assert [r.notes_from for r in merged.people] == ["", "", "sheet"]
    # each disagreement is the person's own, with the row of their own report line
    assert [(d.name, d.key, d.row, d.kept, d.other) for d in merged.disagreements] == [
        (p.name, p.key, 20 + i, False, True) for i, p in enumerate(people)
    ]


_SHEET_DAY = st.sampled_from([True, False, None])


@st.composite
def _records(draw):
    """A few people (some seen by no one) and what two sheets and a report say of each of them."""
    kinds = draw(st.lists(st.sampled_from([SHEET, REPORT]), min_size=1, max_size=3))
    sources = tuple(
        Source(
            f"s{i}",
            kind,
            f"f{i}",
            tuple(draw(st.sampled_from([(MON,), (TUE,), (MON, TUE)]))),
            datetime(2026, 3, 18, 9, draw(st.integers(0, 2))),
        )
        for i, kind in enumerate(kinds)
    )
    people = [Person(f"p{i}@example.com", f"P{i}", "X") for i in range(draw(st.integers(1, 6)))]
    shared: dict = {}
    rows = []
    for source in sources:
        for row, person in enumerate(draw(st.lists(st.sampled_from(people), max_size=8)), 2):
            if source.kind == SHEET:
                said = {day: draw(_SHEET_DAY) for day in source.days}
            else:
                said = {draw(st.sampled_from(source.days)): True}
            rows.append(
                Observation(
                    source.id,
                    row,
                    person.email,
                    person.name,
                    share(shared, said),  # alike rows share their mapping, as stored rows do
                    draw(st.sampled_from([None, 0, 5])),
                    draw(st.sampled_from(["", "left early"])),
                    draw(st.sampled_from([None, True, False])),
                )
            )
    return AttendanceRecords((MON, TUE), sources, tuple(rows)), Roster(people)


@settings(max_examples=150, deadline=None)
@given(_records())
def test_a_persons_record_is_what_their_own_rows_give_whatever_the_others_say(case):
    records, roster = case
    whole = merge(records, roster)
    for person in roster.people:
        own = tuple(o for o in records.observations if o.email == person.email)
        alone = merge(AttendanceRecords(records.days, records.sources, own), Roster([person]))
        (record,) = [r for r in whole.people if r.email == person.email]
        assert record == alone.people[0]
        assert [d for d in whole.disagreements if d.key == person.key] == list(alone.disagreements)


# ---------------------------------------------------------------- stored rows: alike days read once


def test_stored_rows_that_wrote_the_same_days_share_one_mapping_and_a_wrong_one_is_still_refused():
    covers = {"s": (MON, TUE)}
    shared: dict = {}
    first = observation_from_row(
        ["s", 2, "a@example.com", "A", ["2026-03-16"], [], None, "", None, None], covers, shared
    )
    second = observation_from_row(
        ["s", 3, "b@example.com", "B", ["2026-03-16"], [], None, "", None, None], covers, shared
    )
    assert first.present == {MON: True, TUE: None}
    assert first.present is second.present
    blank = observation_from_row(["s", 4, "c@example.com", "C", [], [], None, "", None, None], covers, shared)
    assert blank.present == {MON: None, TUE: None}
    # text where the list was, after the same days as a list were read: refused, not taken from the cache
    with pytest.raises(RowError, match="present and absent must be lists"):
        observation_from_row(["s", 5, "d@example.com", "D", "", [], None, "", None, None], covers, shared)
    with pytest.raises(RowError, match="must be lists of dates"):
        observation_from_row(
            ["s", 6, "e@example.com", "E", [["x"]], [], None, "", None, None], covers, shared
        )


def test_rows_sharing_a_mapping_are_written_alike_and_read_back_the_same():
    days: dict = {}
    said = {MON: True, TUE: False}
    rows = [Observation("s", n, f"p{n}@example.com", f"P{n}", said) for n in (2, 3)]
    rows.append(Observation("s", 4, "q@example.com", "Q", {MON: None, TUE: True}))
    written = [observation_row(o, days) for o in rows]
    assert [w[4:6] for w in written] == [
        [["2026-03-16"], ["2026-03-17"]],
        [["2026-03-16"], ["2026-03-17"]],
        [["2026-03-17"], []],
    ]
    covers = {"s": (MON, TUE)}
    assert [observation_from_row(json.loads(json.dumps(w)), covers, {}) for w in written] == rows


# ---------------------------------------------------------------- cells read 50,000 times


def test_yes_no_words_read_the_same_the_first_time_and_after():
    for _ in range(2):
        assert [yes_no_value(v) for v in ("Yes", " yes ", "X", "No", "absent", "", "  ", None, 1, 0.0)] == [
            True,
            True,
            True,
            False,
            False,
            None,
            None,
            None,
            True,
            False,
        ]
        with pytest.raises(CellError, match="'maybe' is not yes or no"):
            yes_no_value("maybe")


def test_a_blank_row_is_one_of_empty_or_space_only_cells():
    assert is_blank([None, "", "  ", None])
    assert is_blank([])
    assert not is_blank([None, " ", "x"])
    assert not is_blank([0])
    assert not is_blank([None, False])


# ---------------------------------------------------------------- stored rows read by the fast path


@pytest.fixture
def stored_roster(tmp_path):
    folder = tmp_path / "acme"
    folder.mkdir()
    people = [Person("ada@example.com", "Ada", "Lovelace", row=2), Person("bob@example.com", "Bob", row=3)]
    datafiles.save_roster(FakeStore(folder), "acme", Roster(people, source="one.csv"))
    return folder / datafiles.ROSTER_FILE


def test_rows_edited_by_hand_with_spaces_around_them_read_as_written(stored_roster):
    header, *rows = stored_roster.read_text(encoding="utf-8").splitlines()
    stored_roster.write_text(
        "\n".join([header, "  " + rows[0] + " \t", "", rows[1] + "\r"]) + "\n", encoding="utf-8"
    )
    people = datafiles.load_roster(stored_roster.parent).people
    assert [(p.email, p.first_name, p.last_name) for p in people] == [
        ("ada@example.com", "Ada", "Lovelace"),
        ("bob@example.com", "Bob", ""),
    ]


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda row: row + ' ["more"]', "Extra data"),
        (lambda row: row + "\u2028", "Extra data"),  # not JSON's whitespace, so not stripped
        (lambda row: row[: len(row) // 2], ""),
        (lambda row: "  " + row[: len(row) // 2], ""),
    ],
    ids=["data after the row", "a line separator after it", "cut short", "indented and cut short"],
)
def test_a_damaged_row_is_refused_naming_its_line_and_what_is_wrong(stored_roster, edit, reason):
    from onboard.errors import OnboardError

    header, first, second = stored_roster.read_text(encoding="utf-8").splitlines()
    stored_roster.write_text("\n".join([header, first, edit(second)]) + "\n", encoding="utf-8")
    with pytest.raises(OnboardError, match=rf"roster\.jsonl: line 3: not valid JSON \({reason}") as refused:
        datafiles.load_roster(stored_roster.parent)
    assert "column" in str(refused.value)


# ---------------------------------------------------------------- the collector, paused by the bulk commands


@pytest.fixture
def fabrikam(fabrikam, run):
    """The shared Fabrikam (conftest) with its course day, facilitator and roster."""
    assert run("set", SLUG, "course_date=2026-04-03", "course_time=09:00-12:00").exit_code == 0
    assert run("assign", SLUG, "FAC", "Dana Whitfield", "--email", "dana.whitfield@iw.example").exit_code == 0
    assert run("roster", SLUG, "--import", str(FIXTURES / "roster-values.csv")).exit_code == 0
    return fabrikam


def _watch(monkeypatch, module, name, seen):
    real = getattr(module, name)

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, watched)


def test_an_attendance_import_and_an_export_run_with_the_collector_paused_then_on_again(
    run, fabrikam, monkeypatch
):
    seen: list[bool] = []
    _watch(monkeypatch, attendance, "merge", seen)  # the import's merges
    _watch(monkeypatch, datafiles, "merge", seen)  # the export's, through load_attendance
    _watch(monkeypatch, excel, "write_attendance", seen)
    assert gc.isenabled()
    imported = run("roster", SLUG, "--attendance", str(FIXTURES / "attendance-zoom-fabrikam.csv"))
    assert imported.exit_code == 0, imported.output
    assert seen and not any(seen)
    assert gc.isenabled()
    seen.clear()
    exported = run("export", SLUG, "attendance")
    assert exported.exit_code == 0, exported.output
    assert seen == [False, False]  # the merge of the records, then the sheet written
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_refused_import(run, fabrikam, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(
        "Name,Email,Present 2026-01-05\nAnn Lee,ann.lee@fabrikam.example,Yes\n", encoding="utf-8"
    )
    refused = run("roster", SLUG, "--attendance", str(wrong))
    assert refused.exit_code == 1 and "not a day of the course" in refused.output
    assert gc.isenabled()


def test_what_a_paused_block_made_is_long_lived_after_it_so_the_next_collection_does_not_trace_it():
    from onboard.delivery.bulk import collector_paused

    assert gc.isenabled() and gc.get_freeze_count() == 0
    with collector_paused():
        kept = [[i] for i in range(50_000)]  # tracked objects, alive after the block
        assert not gc.isenabled()
        young_collections = gc.get_stats()[0]["collections"]
    # Left in the youngest generation, the 50,000 would be traced by a collection at the very next
    # allocation (leaving the block is one); promoted, the count that schedules it starts again.
    assert gc.get_stats()[0]["collections"] == young_collections
    assert gc.isenabled() and gc.get_count()[0] < gc.get_threshold()[0]
    assert gc.get_freeze_count() == 0  # promoted, not left frozen
    assert all(gc.is_tracked(row) for row in kept[:3])


def test_a_paused_block_leaves_objects_someone_else_froze_frozen():
    from onboard.delivery.bulk import collector_paused

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            made = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() == frozen and made
    finally:
        gc.unfreeze()
