"""Merging copies of a client by history (onboard.core.merge), without git.

The rules: the union of both sides' events since the ancestor, in time order
with a stable tie-break, replayed; the later change wins where both changed
the same thing, and a conflict records it until settled. The property tests
run several replicas that change and sync in random orders and check that
every copy ends identical with no event lost or duplicated.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onboard.core.conflicts import ConflictKind, Keep
from onboard.core.engine import (
    assign_role,
    complete_step,
    new_client,
    postpone,
    replay,
    set_facts,
    skip_step,
    undo,
)
from onboard.core.merge import find_conflict, merge, open_conflicts, settle
from onboard.errors import OnboardError
from onboard.storage.merge import merge_client_files, playbook_needs
from onboard.storage.store import dumps, parse

T0 = datetime(2026, 3, 1, 9, 0)
FACTS = {"program": "P", "business_unit": "General", "delivery_type": "Virtual"}
PATH = Path("clients/acme/client.toml")


@pytest.fixture(scope="module")
def start(training):
    return new_client(training, name="Acme", slug="acme", facts=FACTS, now=T0, by="Ann")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def assert_round_trip(state) -> None:
    """The state is a valid client file: written and read back, it writes the same bytes."""
    assert dumps(parse(dumps(state), PATH)) == dumps(state)


def both_ways(base, ours, theirs, needs=None):
    """Merge both ways round; the files must be byte for byte the same."""
    one = merge(base, ours, theirs, needs)
    other = merge(base, theirs, ours, needs)
    assert dumps(one.state) == dumps(other.state)
    return one


def test_two_steps_on_two_sides_both_stand_without_conflict(training, start):
    ann = skip_step(training, start, "discovery-session", reason="fair", now=at(5), by="Ann")
    bob = skip_step(training, start, "enter-opportunity", reason="sales", now=at(3), by="Bob", force=True)
    merged = both_ways(start, ann, bob).state
    assert set(merged.steps) == {"discovery-session", "enter-opportunity"}
    assert [(e.seq, e.by, e.action) for e in merged.history] == [
        (1, "Ann", "created"),
        (2, "Bob", "skip"),
        (3, "Ann", "skip"),
    ]
    assert merged.conflicts == ()
    assert replay(merged).sections == merged.sections
    assert_round_trip(merged)


def test_same_step_two_outcomes_later_wins_and_is_recorded(training, start):
    ann = complete_step(training, start, "discovery-session", answers={}, now=at(5), by="Ann")
    bob = skip_step(training, start, "discovery-session", reason="no need", now=at(9), by="Bob")
    result = both_ways(start, ann, bob)
    assert result.state.steps["discovery-session"]["status"] == "skipped"
    [conflict] = result.new_conflicts
    assert conflict.kind is ConflictKind.VALUE and conflict.path == "steps.discovery-session"
    assert conflict.kept == bob.history[-1].id and conflict.other == ann.history[-1].id
    assert conflict.summary.startswith("step discovery-session: kept skipped (Bob")
    assert open_conflicts(result.state) == (conflict,)

    back = settle(result.state, conflict, Keep.OTHER, now=at(20), by="Cy")
    assert back.steps["discovery-session"]["status"] == "done"
    assert open_conflicts(back) == () and back.conflicts[0].settled.by == "Cy"
    assert back.history[-1].action == "resolve" and "brought back done" in back.history[-1].summary
    assert_round_trip(back)
    undone, _ = undo(back, now=at(21), by="Cy")
    assert undone.steps["discovery-session"]["status"] == "skipped"


def test_same_step_same_outcome_is_no_conflict(training, start):
    ann = skip_step(training, start, "discovery-session", reason="a", now=at(5), by="Ann")
    bob = skip_step(training, start, "discovery-session", reason="b", now=at(6), by="Bob")
    result = both_ways(start, ann, bob)
    assert result.new_conflicts == () and len(result.state.history) == 3


def test_a_fact_set_twice_is_settled_with_a_value_of_ones_own(training, start):
    ann = set_facts(training, start, {"program": "Empathy"}, now=at(5), by="Ann")
    bob = set_facts(training, start, {"program": "Listening"}, now=at(6), by="Bob")
    result = both_ways(start, ann, bob)
    assert result.state.facts["program"] == "Listening"
    conflict = find_conflict(result.state, None)
    assert conflict.summary == (
        "program: kept 'Listening' (Bob: set program=Listening), over 'Empathy' (Ann: set program=Empathy)"
    )
    mine = settle(result.state, conflict, Keep.VALUE, value="Both", now=at(9), by="Ann")
    assert mine.facts["program"] == "Both" and not open_conflicts(mine)
    with pytest.raises(OnboardError, match="already settled"):
        find_conflict(mine, conflict.id)


def test_undoing_what_the_other_side_built_on_is_a_conflict(training, start):
    base = complete_step(
        training,
        start,
        "send-contract-to-legal",
        answers={"contract_number": "C-1"},
        now=at(1),
        by="Ann",
        force=True,
    )
    ann, _ = undo(base, now=at(5), by="Ann")
    bob = complete_step(training, base, "send-docusign", answers={}, now=at(4), by="Bob", force=True)
    needs = {"send-docusign": {"send-contract-to-legal"}}
    result = both_ways(base, ann, bob, needs)
    [conflict] = result.new_conflicts
    assert conflict.kind is ConflictKind.UNDO and conflict.path == "steps.send-contract-to-legal"
    assert "send-contract-to-legal" not in result.state.steps  # the undo stands
    assert "send-docusign" in result.state.steps
    redone = settle(result.state, conflict, Keep.OTHER, now=at(9), by="Bob")
    assert redone.steps["send-contract-to-legal"]["status"] == "done"
    assert redone.facts["contract_number"] == "C-1"
    assert merge(base, ann, bob).new_conflicts == ()  # without the playbook's order it cannot tell


def test_the_playbook_says_which_steps_build_on_which(training, start):
    needs = playbook_needs(None, start)
    assert needs["send-docusign"] == {"send-contract-to-legal"}
    assert "send-docusign" in needs["record-signed-contract"]


def test_an_older_file_without_ids_gets_the_same_ids_everywhere_and_merges(training, start):
    ann = skip_step(training, start, "discovery-session", reason="r", now=at(5), by="Ann")
    old = "\n".join(
        line for line in dumps(ann).decode().splitlines() if not line.startswith(("id = ", "clock = "))
    )
    first, second = parse(old.encode(), PATH), parse(old.encode(), PATH)
    assert [e.id for e in first.history] == [e.id for e in second.history]
    assert all(len(e.id) == 32 for e in first.history)
    old_base = "\n".join(
        line for line in dumps(start).decode().splitlines() if not line.startswith(("id = ", "clock = "))
    )
    bob = skip_step(
        training,
        parse(old_base.encode(), PATH),
        "enter-opportunity",
        reason="r",
        now=at(6),
        by="Bob",
        force=True,
    )
    data, result = merge_client_files(old_base.encode(), old.encode(), dumps(bob), PATH)
    assert set(result.state.steps) == {"discovery-session", "enter-opportunity"}
    assert len(result.state.history) == 3 and result.new_conflicts == ()
    assert "id = " in data.decode()


def test_an_event_removed_on_one_side_since_the_ancestor_stays_removed(training, start):
    base = skip_step(training, start, "discovery-session", reason="r", now=at(1), by="Ann")
    restored = start  # `onboard restore` took Ann's copy back before the skip
    bob = set_facts(training, base, {"program": "Q"}, now=at(3), by="Bob")
    merged = both_ways(base, restored, bob).state
    assert "discovery-session" not in merged.steps and merged.facts["program"] == "Q"


def test_a_slow_clock_cannot_put_a_change_before_the_one_it_followed(training, start):
    ahead = skip_step(training, start, "discovery-session", reason="r", now=at(60), by="Ann")
    undone, _ = undo(ahead, now=at(1), by="Bob")  # Bob's clock is an hour behind
    assert undone.history[-1].at == ahead.history[-1].at
    same_second = set_facts(training, undone, {"program": "Q"}, now=at(1), by="Bob")
    assert [e.clock for e in same_second.history] == [1, 2, 3, 4]
    other = set_facts(training, start, {"delivery_type": "In-person"}, now=at(60), by="Cy")
    merged = both_ways(start, same_second, other).state
    assert "discovery-session" not in merged.steps
    assert merged.facts["program"] == "Q" and merged.facts["delivery_type"] == "In-person"
    assert [e.seq for e in merged.history] == [1, 2, 3, 4, 5]


def test_undo_after_a_merge_restores_what_stood_before_in_the_merged_history(training, start):
    ann = set_facts(training, start, {"program": "A"}, now=at(5), by="Ann")
    bob = set_facts(training, start, {"program": "B"}, now=at(6), by="Bob")
    merged = both_ways(start, ann, bob).state
    undone, target = undo(merged, now=at(7), by="Bob")
    assert target.by == "Bob" and undone.facts["program"] == "A"


def test_two_clients_in_one_folder_are_not_merged(training, start):
    other = new_client(training, name="Acme", slug="acme", facts=FACTS, now=at(1), by="Bob")
    other = type(other)(**{**other.__dict__, "playbook": "agency-onboarding"})
    with pytest.raises(OnboardError, match="Two different clients share the folder 'acme'"):
        merge(None, start, other)


def test_the_driver_leaves_ours_and_fails_when_a_side_is_not_a_client_file(tmp_path, start):
    from onboard.storage.merge import run_driver

    files = {name: tmp_path / name for name in ("o", "a", "b")}
    files["o"].write_bytes(dumps(start))
    files["a"].write_bytes(dumps(start) + b"\n[facts\n")
    files["b"].write_bytes(dumps(start))
    before = files["a"].read_bytes()
    assert run_driver(str(files["o"]), str(files["a"]), str(files["b"]), str(PATH), tmp_path) == 1
    assert files["a"].read_bytes() == before


# --- replicas changing and syncing at random ------------------------------------------------

STEPS = (
    "discovery-session",
    "enter-opportunity",
    "review-solutions",
    "legal-paperwork",
    "scheduling-handoff",
)
OPS = ("done", "skip", "set", "assign", "postpone", "undo")


def change(training, state, op: str, pick: int, now: datetime, by: str):
    """One random change; a change the engine refuses (already done, nothing to undo) is no change."""
    step = STEPS[pick % len(STEPS)]
    try:
        if op == "done":
            return complete_step(training, state, step, answers={}, now=now, by=by, force=True)
        if op == "skip":
            return skip_step(training, state, step, reason=f"r{pick}", now=now, by=by, force=True)
        if op == "set":
            return set_facts(training, state, {"program": f"P{pick % 3}"}, now=now, by=by)
        if op == "assign":
            role = ("RL", "LC", "FAC")[pick % 3]
            return assign_role(
                training, state, role, name=f"N{pick % 2}", initials=None, email=None, now=now, by=by
            )
        if op == "postpone":
            return postpone(
                training, state, step, to=date(2026, 4, 1 + pick % 20), reason="r", now=now, by=by
            )
        return undo(state, now=now, by=by)[0]
    except OnboardError:
        return state


replica_plan = st.lists(
    st.tuples(
        st.integers(0, 2),  # which replica acts
        st.sampled_from((*OPS, "sync")),
        st.integers(0, 40),  # which step, value or role
        st.integers(-90, 90),  # that replica's clock error, in minutes
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=replica_plan)
def test_replicas_that_change_and_sync_in_any_order_end_identical_with_every_event(training, start, plan):
    remote = start
    replicas = [{"state": start, "base": start} for _ in range(3)]
    made: list[str] = [e.id for e in start.history]

    def sync(replica):
        nonlocal remote
        merged = merge(replica["base"], replica["state"], remote).state
        remote = replica["state"] = replica["base"] = merged

    for minute, (who, op, pick, skew) in enumerate(plan, start=1):
        replica = replicas[who]
        if op == "sync":
            sync(replica)
            continue
        before = replica["state"]
        replica["state"] = change(training, before, op, pick, at(minute * 10 + skew), f"person{who}")
        if replica["state"] is not before:
            made.append(replica["state"].history[-1].id)
    for _round in range(2):
        for replica in replicas:
            sync(replica)

    files = {dumps(r["state"]) for r in replicas}
    assert len(files) == 1
    final = replicas[0]["state"]
    ids = [e.id for e in final.history]
    assert len(ids) == len(set(ids)) and set(ids) == set(made)
    assert [e.seq for e in final.history] == list(range(1, len(ids) + 1))
    assert replay(final).sections == final.sections
    assert_round_trip(final)
    assert tomllib.loads(dumps(final).decode())["slug"] == "acme"


divergent = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 40), st.integers(-30, 30)), max_size=5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ours=divergent, theirs=divergent)
def test_a_merge_is_the_same_whichever_side_runs_it(training, start, ours, theirs):
    sides = []
    for who, plan in enumerate((ours, theirs)):
        state = start
        for minute, (op, pick, skew) in enumerate(plan, start=1):
            state = change(training, state, op, pick, at(minute * 7 + skew), f"p{who}")
        sides.append(state)
    result = both_ways(start, *sides)
    expected = {e.id for side in sides for e in side.history}
    assert {e.id for e in result.state.history} == expected
    assert len(result.state.history) == len(expected)


# --- a delivery's records, row by row ---------------------------------------------------------


def _records(tmp_path, name, write):
    """The bytes of a records file as the delivery writes it (through its public save functions)."""
    from onboard.storage.store import Store

    store = Store(tmp_path / name / "clients")
    store.folder("acme").mkdir(parents=True)
    path = write(store)
    return path.read_bytes()


def _roster(tmp_path, name, people, at_hour):
    from onboard.delivery.datafiles import save_roster
    from onboard.delivery.roster import Person, Roster

    roster = Roster([Person(*p) for p in people], "r.csv", datetime(2026, 3, 1, at_hour), "x")
    return _records(tmp_path, name, lambda store: save_roster(store, "acme", roster))


D1, D2 = date(2026, 3, 2), date(2026, 3, 3)


def _attendance(tmp_path, name, sources):
    """attendance.jsonl as onboard writes it with these sources, each (id, hour imported, rows);
    a row is (email, name, {day: present})."""
    from onboard.delivery.attendance import SHEET, AttendanceRecords, Observation, Source
    from onboard.delivery.datafiles import update_attendance

    records = AttendanceRecords((D1, D2))
    for ident, hour, rows in sources:
        days = tuple(sorted({d for _, _, marks in rows for d in marks}))
        source = Source(ident, SHEET, f"{ident}.xlsx", days, datetime(2026, 3, 3, hour), "x")
        observations = [Observation(ident, i, e, n, marks) for i, (e, n, marks) in enumerate(rows, 11)]
        records = records.with_source(source, observations, (D1, D2))
    return _records(tmp_path, name, lambda store: update_attendance(store, "acme", lambda _: records)[0])


def _legacy_attendance(people):
    """attendance.jsonl as schema 1 stored it: a merged record per person."""
    fields = ["email", "name", "present", "absent", "minutes_late", "notes", "lxp_registered", "on_roster"]
    header = {
        "onboard": "attendance",
        "schema": 1,
        "days": [str(D1), str(D2)],
        "sources": [],
        "fields": fields,
    }
    lines = [json.dumps(header)]
    for email, name, marks in people:
        present = [str(d) for d, v in marks.items() if v]
        absent = [str(d) for d, v in marks.items() if not v]
        lines.append(json.dumps([email, name, present, absent, None, "", None, bool(email)]))
    return ("\n".join(lines) + "\n").encode()


def _load(tmp_path, name, data):
    from onboard.delivery.datafiles import load_attendance, load_roster

    folder = tmp_path / "merged"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return load_roster(folder) if name == "roster.jsonl" else load_attendance(folder)


def test_attendance_of_schema_1_merges_person_by_person_and_day_by_day(tmp_path):
    from onboard.storage.records import merge_rows

    base = _legacy_attendance([("a@x.com", "Al", {}), ("b@x.com", "Bea", {})])
    ann = _legacy_attendance([("a@x.com", "Al", {D1: True}), ("b@x.com", "Bea", {D1: False})])
    bob = _legacy_attendance(
        [("a@x.com", "Al", {D2: True}), ("b@x.com", "Bea", {D2: True}), ("", "Walk In", {D2: True})]
    )
    data, clashes = merge_rows(base, ann, bob, Path("clients/acme/attendance.jsonl"))
    assert clashes == []
    merged = {p.key: p for p in _load(tmp_path, "attendance.jsonl", data).people}
    assert merged["a@x.com"].present == {D1: True, D2: True}
    assert merged["b@x.com"].present == {D1: False, D2: True}
    assert merged["name:walk in"].present == {D1: False, D2: True}
    assert merge_rows(base, bob, ann, Path("attendance.jsonl"))[1] == []


AL, BEA, WALK = ("a@x.com", "Al"), ("b@x.com", "Bea"), ("", "Walk In")


def test_attendance_sources_imported_on_two_machines_all_stand_alike_whoever_merges(tmp_path):
    from onboard.storage.records import merge_rows

    sheet = ("sheet", 9, [(*AL, {D1: True}), (*BEA, {D1: False})])
    zoom = ("zoom", 10, [(*AL, {D2: True}), (*WALK, {D2: True})])
    teams = ("teams", 11, [(*BEA, {D2: True})])
    base = _attendance(tmp_path, "o", [sheet])
    ann = _attendance(tmp_path, "a", [sheet, zoom])
    bob = _attendance(tmp_path, "b", [sheet, teams])
    path = Path("clients/acme/attendance.jsonl")
    data, clashes = merge_rows(base, ann, bob, path)
    assert clashes == []
    assert merge_rows(base, bob, ann, path)[0] == data, "the same bytes whichever side merges"
    header = json.loads(data.splitlines()[0])
    assert [s["id"] for s in header["sources"]] == ["sheet", "zoom", "teams"]
    both = _attendance(tmp_path, "c", [sheet, zoom, teams])
    assert data == both, "as if one machine had imported all three"
    merged = {p.key: p.present for p in _load(tmp_path, "attendance.jsonl", data).people}
    assert merged == {
        "a@x.com": {D1: True, D2: True},
        "b@x.com": {D1: False, D2: True},
        "name:walk in": {D1: False, D2: True},
    }


def test_an_attendance_import_undone_on_one_machine_stays_out_after_the_merge(tmp_path):
    from onboard.storage.records import merge_rows

    sheet = ("sheet", 9, [(*AL, {D1: True})])
    zoom = ("zoom", 10, [(*BEA, {D1: True})])
    teams = ("teams", 11, [(*AL, {D2: True})])
    base = _attendance(tmp_path, "o", [sheet, zoom])
    undone = _attendance(tmp_path, "a", [sheet])
    added = _attendance(tmp_path, "b", [sheet, zoom, teams])
    data, clashes = merge_rows(base, undone, added, Path("clients/acme/attendance.jsonl"))
    assert clashes == [] and data == _attendance(tmp_path, "c", [sheet, teams])
    twice = _attendance(tmp_path, "d", [sheet, teams])
    assert merge_rows(base, twice, added, Path("attendance.jsonl"))[0] == data, "an import made on both"


def test_a_roster_merges_by_email_and_the_later_import_wins_a_clash(tmp_path):
    from onboard.storage.records import merge_rows

    x, y = ("x@x.com", "Xi", "Lo", "Eng"), ("y@x.com", "Yu", "Ma")
    base = _roster(tmp_path, "o", [x, y], 9)
    reimport = _roster(tmp_path, "a", [(*x[:3], "Lead"), ("z@x.com", "Zo")], 11)  # y left, z joined
    edited = _roster(tmp_path, "b", [(*x[:3], "Manager", "", True), y], 10)
    data, clashes = merge_rows(base, edited, reimport, Path("clients/acme/roster.jsonl"))
    roster = _load(tmp_path, "roster.jsonl", data)
    people = {p.email: p for p in roster.people}
    assert set(people) == {"x@x.com", "z@x.com"}
    assert people["x@x.com"].title == "Lead" and people["x@x.com"].lxp_registered is True
    assert clashes == ["x@x.com: title changed on both sides; kept 'Lead'"]
    assert roster.imported_at == datetime(2026, 3, 1, 11)


# --- replicas that also import a roster and attendance, synced as git would -------------------

POOL = (
    ("Ann", "Lee", "ann.lee@x.example"),
    ("Bo", "Ma", "bo.ma@x.example"),
    ("Cy", "Ng", "cy.ng@x.example"),
    ("Di", "Oz", "di.oz@x.example"),
    ("Ed", "Po", "ed.po@x.example"),
)
SHARED = ("client.toml", "roster.jsonl", "attendance.jsonl")
COURSE = {**FACTS, "course_date": "2026-04-03"}


def _git_merge(name: str, base: bytes | None, ours: bytes | None, theirs: bytes | None) -> bytes | None:
    """One file merged as git does with onboard's driver: a side unchanged since the ancestor takes
    the other, and only a file changed on both sides goes to the driver's merge functions."""
    from onboard.storage.records import merge_rows

    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    if ours is None or theirs is None:
        return ours if theirs is None else theirs  # removed on one side, changed on the other
    path = Path("clients/acme") / name
    if name == "client.toml":
        return merge_client_files(base, ours, theirs, path)[0]
    return merge_rows(base, ours, theirs, path)[0]


def _import_file(folder: Path, op: str, pick: int, n: int) -> Path:
    """A small roster (a subset of the pool) or a Zoom report of who joined, unique per import."""
    people = [p for i, p in enumerate(POOL) if (pick >> i) & 1] or [POOL[pick % len(POOL)]]
    path = folder / f"{op}-{n}.csv"
    if op == "roster":
        lines = ["First name,Last name,Email", *(",".join(p) for p in people)]
    else:
        lines = ["Name (Original Name),User Email,Join Time"]
        lines += [f"{f} {la},{e},04/03/2026 09:{n % 50 + 1:02d}:00 AM" for f, la, e in people]
    path.write_text("\n".join(lines) + "\n")
    return path


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.lists(
        st.tuples(
            st.integers(0, 2),  # which replica acts
            st.sampled_from((*OPS, "roster", "attendance", "roster", "attendance", "sync")),
            st.integers(0, 40),  # which step, value, role or people
            st.integers(-90, 90),  # that replica's clock error, in minutes
        ),
        min_size=4,
        max_size=16,
    ),
    order=st.randoms(use_true_random=False),
)
def test_replicas_that_also_import_records_end_identical_whatever_order_they_sync_in(
    training, tmp_path_factory, plan, order
):
    """Three workspaces, each with the client and a first roster: engine changes on the file, and
    imports and undo through the CLI (so an undone import leaves the records too); a sync merges
    each shared file with the remote as git and the driver would, the last rounds in a random order."""
    from click.testing import CliRunner

    from onboard.cli import cli
    from onboard.storage.store import Store

    home = tmp_path_factory.mktemp("replicas")
    assert CliRunner().invoke(cli, ["--home", str(home / "r0"), "init"]).exit_code == 0
    start = new_client(training, name="Acme", slug="acme", facts=COURSE, now=T0, by="Ann")
    store = Store(home / "r0" / "clients")
    store.folder("acme").mkdir(parents=True)
    store.folder("acme").joinpath("client.toml").write_bytes(dumps(start))
    first = _import_file(home, "roster", 0b111, 0)
    imported = CliRunner().invoke(cli, ["--home", str(home / "r0"), "roster", "acme", "--import", str(first)])
    assert imported.exit_code == 0, imported.output
    roots = [home / "r0"]
    for i in (1, 2):
        shutil.copytree(home / "r0", home / f"r{i}")
        roots.append(home / f"r{i}")
    folders = [root / "clients" / "acme" for root in roots]

    def files(folder: Path) -> dict[str, bytes | None]:
        return {n: (folder / n).read_bytes() if (folder / n).exists() else None for n in SHARED}

    def put(folder: Path, contents: dict[str, bytes | None]) -> None:
        for name, data in contents.items():
            if data is None:
                (folder / name).unlink(missing_ok=True)
            else:
                (folder / name).write_bytes(data)

    remote = files(folders[0])
    bases = [dict(remote) for _ in roots]
    made = [e.id for e in parse(remote["client.toml"] or b"", PATH).history]

    def sync(who: int) -> None:
        nonlocal remote
        ours = files(folders[who])
        merged = {n: _git_merge(n, bases[who][n], ours[n], remote[n]) for n in SHARED}
        put(folders[who], merged)
        remote = bases[who] = merged

    for n, (who, op, pick, skew) in enumerate(plan, start=1):
        folder, now = folders[who], at(n * 10 + skew)
        if op == "sync":
            sync(who)
            continue
        before = parse(files(folder)["client.toml"] or b"", PATH)
        if op in ("roster", "attendance", "undo"):
            flag = {"roster": "--import", "attendance": "--attendance"}.get(op)
            args = (
                ["undo", "acme"]
                if flag is None
                else ["roster", "acme", flag, str(_import_file(home, op, pick, n))]
            )
            env = {"ONBOARD_USER": f"person{who}", "ONBOARD_NOW": now.isoformat(timespec="minutes")}
            CliRunner(env=env).invoke(cli, ["--home", str(roots[who]), *args])
            after = parse(files(folder)["client.toml"] or b"", PATH)
        else:
            after = change(training, before, op, pick, now, f"person{who}")
            folder.joinpath("client.toml").write_bytes(dumps(after))
        if len(after.history) > len(before.history):
            made.append(after.history[-1].id)
    for _round in range(2):
        for who in order.sample(range(3), 3):
            sync(who)

    final = [files(folder) for folder in folders]
    assert final[0] == final[1] == final[2], "every replica holds the same client, roster and attendance"
    state = parse(final[0]["client.toml"] or b"", PATH)
    ids = [e.id for e in state.history]
    assert len(ids) == len(set(ids)) and set(ids) == set(made)
    assert replay(state).sections == state.sections
