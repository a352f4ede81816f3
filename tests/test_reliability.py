"""Nothing lost: crashes mid-write, concurrent processes, damaged files, undo and history."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onboard.core.engine import complete_step, new_client, replay, set_facts, skip_step, undo
from onboard.core.naming import is_slug, slugify
from onboard.errors import OnboardError
from onboard.storage.library import Library
from onboard.storage.store import Store

NOW = datetime(2026, 3, 1, 9, 0)
TRAINING = Library().load("training-engagement")
FACTS = {"program": "P0", "business_unit": "General", "delivery_type": "Virtual"}
CRASH_TRIALS = 200
INTAKE = ("--set", "program=P", "--set", "business_unit=General", "--set", "delivery_type=Virtual")


def fresh(store: Store):
    state = new_client(TRAINING, name="Acme", slug="acme", facts=FACTS, now=NOW, by="t")
    store.create(state)
    return state


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_during_writes_leaves_the_old_or_the_new_state(tmp_path):
    """Kill a writer at random points, CRASH_TRIALS times: the file is always one whole state."""
    store = Store(tmp_path / "clients")
    initial = fresh(store)
    expected = {initial.history[-1].seq: initial}
    state = initial
    for i in range(1, 2000):
        state = set_facts(TRAINING, state, {"program": f"P{i}"}, now=NOW + timedelta(seconds=i), by="t")
        expected[state.history[-1].seq] = state
    rng = random.Random(7)
    deadline = time.monotonic() + 60
    trials = 0
    seen = set()
    while trials < CRASH_TRIALS and time.monotonic() < deadline:
        pid = os.fork()
        if pid == 0:  # the writer: apply the next changes until killed
            try:
                while True:
                    with store.transaction("acme") as tx:
                        seq = tx.state.history[-1].seq
                        tx.commit(expected[seq + 1])
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        trials += 1
        on_disk = store.load("acme")  # parses, and names a state we know
        seq = on_disk.history[-1].seq
        assert on_disk == expected[seq]
        seen.add(seq)
    assert trials == CRASH_TRIALS
    assert len(seen) > 20, len(seen)  # the kills landed at many different points
    print(f"{trials} SIGKILL trials, {len(seen)} distinct states on disk")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_lock_held_by_a_killed_process_does_not_block(tmp_path):
    store = Store(tmp_path / "clients")
    fresh(store)
    ready = tmp_path / "ready"
    pid = os.fork()
    if pid == 0:
        with store.lock("acme"):
            ready.touch()
            time.sleep(30)
        os._exit(0)
    while not ready.exists():
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    started = time.monotonic()
    with store.transaction("acme") as tx:
        tx.commit(set_facts(TRAINING, tx.state, {"program": "after"}, now=NOW, by="t"))
    assert time.monotonic() - started < 2
    assert store.load("acme").facts["program"] == "after"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_busy_lock_times_out_with_a_message_saying_what_to_do(tmp_path, monkeypatch):
    store = Store(tmp_path / "clients")
    fresh(store)
    ready = tmp_path / "ready"
    pid = os.fork()
    if pid == 0:
        with store.lock("acme"):
            ready.touch()
            time.sleep(10)
        os._exit(0)
    try:
        while not ready.exists():
            time.sleep(0.01)
        monkeypatch.setenv("ONBOARD_LOCK_TIMEOUT", "0.3")
        with pytest.raises(OnboardError) as err, store.transaction("acme"):
            pass
        assert "another onboard" in str(err.value) and "run the command again" in str(err.value)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_concurrent_processes_lose_no_event(tmp_path):
    """Six processes complete six different steps of one client at the same moment."""
    home = tmp_path / "ws"
    env = {**os.environ, "ONBOARD_NOW": "2026-03-01T09:00", "ONBOARD_USER": "t"}
    onboard = [sys.executable, "-m", "onboard", "--home", str(home)]
    subprocess.run([*onboard, "init"], check=True, env=env, capture_output=True)
    subprocess.run(
        [
            *onboard,
            "new",
            "Acme",
            "-p",
            "training-engagement",
            "--set",
            "program=P",
            "--set",
            "business_unit=General",
            "--set",
            "delivery_type=Virtual",
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    steps = [
        "discovery-session",
        "enter-opportunity",
        "review-solutions",
        "legal-paperwork",
        "scheduling-handoff",
        "accept-invite",
    ]
    procs = [
        subprocess.Popen(
            [*onboard, "done", "acme", s, "--force"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for s in steps
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    doc = tomllib.loads((home / "clients" / "acme" / "client.toml").read_text())
    assert set(doc["steps"]) == set(steps)
    done_events = [e["step"] for e in doc["history"] if e["action"] == "done"]
    assert sorted(done_events) == sorted(steps)
    assert [e["seq"] for e in doc["history"]] == list(range(1, len(steps) + 2))


def test_check_lists_every_damaged_file_in_one_run_and_changes_none(run, workspace):
    intake = ["--set", "program=P", "--set", "business_unit=General", "--set", "delivery_type=Virtual"]
    for name in ("Truncated", "Wrong Type", "Unknown Step", "Future", "Renamed Step", "Fine"):
        assert run("new", name, "-p", "training-engagement", *intake).exit_code == 0
    run("done", "renamed-step", "discovery-session")
    clients = workspace / "clients"
    edits = {
        "truncated": lambda t: t[: len(t) // 2],
        "wrong-type": lambda t: t.replace("created = 2026-03-01", "created = 42"),
        "unknown-step": lambda t: t + '\n[steps.no-such-step]\nstatus = "done"\non = 2026-03-01\n',
        "future": lambda t: t.replace("schema = 1", "schema = 3"),
        "renamed-step": lambda t: t.replace("discovery-session", "discovery-call"),
    }
    for slug, edit in edits.items():
        path = clients / slug / "client.toml"
        path.write_text(edit(path.read_text()))
    before = {p: p.read_bytes() for p in clients.glob("*/client.toml")}
    result = run("check")
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "truncated/client.toml: not valid TOML" in out and "line" in out
    assert "wrong-type/client.toml: created: must be a date" in out
    assert "steps.no-such-step is not a step of training-engagement" in out
    assert "future/client.toml: written by a newer onboard" in out
    assert "steps.discovery-call is not a step" in out
    assert "fine/client.toml" not in out
    assert {p: p.read_bytes() for p in clients.glob("*/client.toml")} == before
    # A client whose playbook changed under it still works, and says so through check.
    assert run("status", "renamed-step").exit_code == 0
    for slug in ("truncated", "wrong-type", "future"):
        assert run("done", slug, "discovery-session").exit_code == 1
    assert {p: p.read_bytes() for p in clients.glob("*/client.toml")} == before


def damage(path: Path) -> bytes:
    """What a slip in a hand edit does: an unclosed string, so the file no longer reads."""
    broken = path.read_bytes().replace(b'name = "Acme"', b'name = "Acme', 1)
    path.write_bytes(broken)
    return broken


def test_restore_right_after_new_gives_back_the_new_client_exactly(run, workspace):
    assert run("new", "Acme", "-p", "training-engagement", *INTAKE).exit_code == 0
    path = workspace / "clients" / "acme" / "client.toml"
    created = path.read_bytes()
    broken = damage(path)
    status = run("status", "acme")
    assert status.exit_code == 1
    assert "`onboard restore acme`" in status.output and "started on training-engagement" in status.output
    result = run("restore", "acme")
    assert result.exit_code == 0, result.output
    assert "saved version 1" in result.output and "started on training-engagement" in result.output
    assert path.read_bytes() == created
    assert (path.parent / ".backup" / "client.before-restore.toml").read_bytes() == broken
    assert run("status", "acme").exit_code == 0


def test_restore_after_several_changes_loses_none_of_them(run, workspace):
    run("new", "Acme", "-p", "training-engagement", *INTAKE)
    path = workspace / "clients" / "acme" / "client.toml"
    for command in (("done", "acme", "discovery-session"), ("set", "acme", "program=Q"), ("undo", "acme")):
        assert run(*command).exit_code == 0
    assert run("set", "acme", "program=Last").exit_code == 0
    last_good = path.read_bytes()
    damage(path)
    result = run("restore", "acme")
    assert result.exit_code == 0 and "set program=Last" in result.output
    assert path.read_bytes() == last_good
    log = run("log", "acme").output
    assert all(change in log for change in ("discovery-session", "program=Q", "program=Last"))


def test_restore_leaves_a_file_that_reads_alone_and_lists_the_versions(run, workspace):
    run("new", "Acme", "-p", "training-engagement", *INTAKE)
    run("set", "acme", "program=Q")
    path = workspace / "clients" / "acme" / "client.toml"
    before = path.read_bytes()
    result = run("restore", "acme")
    assert result.exit_code == 0 and "reads fine; nothing was restored" in result.output
    assert path.read_bytes() == before
    listing = run("restore", "acme", "--list").output.splitlines()
    assert listing[0].split("\t")[0] == "1" and "set program=Q" in listing[0] and "current file" in listing[0]
    assert "started on training-engagement" in listing[1] and "current file" not in listing[1]
    assert run("restore", "acme", "2").exit_code == 0
    assert tomllib.loads(path.read_text())["facts"]["program"] == "P"
    assert run("restore", "acme", "2").exit_code == 0
    assert path.read_bytes() == before


def test_with_no_readable_version_no_message_points_at_restore(run, workspace):
    run("new", "Acme", "-p", "training-engagement", *INTAKE)
    path = workspace / "clients" / "acme" / "client.toml"
    for kept in (path.parent / ".backup").iterdir():
        kept.unlink()
    broken = damage(path)
    status = run("status", "acme")
    assert status.exit_code == 1 and "onboard restore" not in status.output
    assert "Fix it by hand" in status.output
    result = run("restore", "acme")
    assert result.exit_code == 1
    assert "no version of it is saved; nothing was restored" in " ".join(result.output.split())
    assert "onboard check" in result.output
    assert path.read_bytes() == broken


STEP_IDS = [s.id for s in TRAINING.steps]
ANSWERS = {
    "course_date": "2026-03-20",
    "session_sponsor": "S",
    "session_sponsor_email": "s@x.io",
    "contract_document": "SOW",
    "client_coordinator": "C",
    "client_coordinator_email": "c@x.io",
    "contract_number": "N1",
    "signature_date": "2026-02-27",
    "meeting_link": "https://x",
    "venue": "V",
    "eval_method": "IW Ask Nicely",
    "participant_count": "3",
    "role.FAC": "Jane Doe",
}
operation = st.one_of(
    st.tuples(st.just("done"), st.sampled_from(STEP_IDS)),
    st.tuples(st.just("skip"), st.sampled_from(STEP_IDS)),
    st.tuples(st.just("set"), st.sampled_from(["program", "course_date", "business_unit"])),
    st.tuples(st.just("undo"), st.none()),
)


def apply(state, op, i):
    kind, arg = op
    now = NOW + timedelta(minutes=i)
    if kind == "done":
        return complete_step(TRAINING, state, arg, answers=ANSWERS, now=now, by="t", force=True)
    if kind == "skip":
        return skip_step(TRAINING, state, arg, reason="r", now=now, by="t", force=True)
    if kind == "set":
        value = {
            "program": f"P{i}",
            "course_date": f"2026-04-{i % 28 + 1:02d}",
            "business_unit": ["CFO", "General"][i % 2],
        }[arg]
        return set_facts(TRAINING, state, {arg: value}, now=now, by="t")
    return undo(state, now=now, by="t")[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, max_size=25))
def test_any_sequence_equals_its_replay_and_undoes_back_to_new(ops):
    initial = new_client(TRAINING, name="Acme", slug="acme", facts=FACTS, now=NOW, by="t")
    state = initial
    for i, op in enumerate(ops):
        try:
            state = apply(state, op, i)
        except OnboardError:
            continue
        assert replay(state).sections == state.sections
    while True:
        try:
            state = undo(state, now=NOW, by="t")[0]
        except OnboardError:
            break
    assert state.without_history() == initial.without_history()
    assert replay(state).sections == initial.sections


@given(st.text(max_size=300))
def test_slugs_of_any_text_stay_inside_clients(name):
    try:
        slug = slugify(name)
    except OnboardError:
        return
    assert is_slug(slug)
    assert "/" not in slug and "\\" not in slug and ".." not in slug and len(slug) <= 60


@pytest.mark.parametrize("name", ["..", "../x", "/etc/passwd", "a\x00b", "CON", "x" * 300, "  ", "nul"])
def test_client_arguments_cannot_reach_outside_the_workspace(run, workspace, name):
    result = run("status", name)
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_status_json_survives_a_history_only_edit(run, workspace):
    """A hand edit that leaves the values alone is reported by check as a warning only."""
    run("new", "Acme", "-p", "training-engagement", *INTAKE)
    path = workspace / "clients" / "acme" / "client.toml"
    path.write_text(path.read_text().replace('program = "P"', 'program = "Q"', 1))
    assert json.loads(run("status", "acme", "--json").output)["client"]["program"] == "Q"
    result = run("check")
    assert result.exit_code == 0 and "edited by hand" in result.output


def test_interrupted_walk_keeps_confirmed_steps_only(run, workspace):
    from onboard.ui.prompt import Interrupt, ScriptedPrompter

    run("new", "Acme", "-p", "training-engagement", *INTAKE)
    path = workspace / "clients" / "acme" / "client.toml"
    result = run("next", "acme", prompter=ScriptedPrompter(["done", "done", "done", "done", Interrupt()]))
    assert result.exit_code == 130
    doc = tomllib.loads(path.read_text())
    assert set(doc["steps"]) == {"discovery-session", "enter-opportunity", "review-solutions"}
    assert "course_date" not in doc["facts"]  # the step being answered left nothing behind
    result = run("next", "acme", prompter=ScriptedPrompter(["done", "2026-04-01", ""]))
    assert tomllib.loads(path.read_text())["steps"]["enter-delivery-dates"]["status"] == "done"
    assert Path(path).with_name(".backup").is_dir()


@pytest.mark.parametrize(
    "name", ["../../../etc/passwd", "/etc/passwd", "welcome-pack/../../x", "a\x01b", "CON", "x" * 300]
)
def test_template_names_cannot_reach_outside_the_templates(run, workspace, name):
    run("new", "Acme", "-p", "training-engagement", *INTAKE)
    result = run("email", "acme", name)
    assert result.exit_code == 1
    assert "No email template" in result.output and "root:" not in result.output


@pytest.mark.parametrize(
    "body",
    [
        '{% include "/etc/passwd" %}',
        '{% include "../../../../../../../etc/passwd" %}',
        "{{ cycler.__init__.__globals__ }}",
        "{{ self.__dict__ }}",
    ],
)
def test_a_workspace_template_cannot_read_files_or_python_internals(run, workspace, body):
    run("new", "Acme", "-p", "training-engagement", *INTAKE)
    own = workspace / "templates" / "training-engagement" / "emails"
    own.mkdir(parents=True)
    (own / "welcome-pack.txt").write_text(f"Subject: hi\nTo: RL\n---\n{body}\n")
    result = run("email", "acme", "welcome-pack")
    assert result.exit_code == 1
    assert "root:" not in result.output and "Traceback" not in result.output


cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cells, min_size=0, max_size=6), max_size=8), raw=st.binary(max_size=200))
def test_roster_import_of_arbitrary_files_ends_in_a_result_or_a_clean_error(run, workspace, rows, raw):
    """Random csv rows, random bytes, random cells in an xlsx: exit 0 or 1, never a crash."""
    import csv

    from openpyxl import Workbook

    if not (workspace / "clients" / "acme").exists():
        run("new", "Acme", "-p", "training-engagement", *INTAKE)
    header = [["First name", "Last name", "Email"], *rows]
    text_file = workspace / "fuzz.csv"
    with text_file.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(header)
    binary_file = workspace / "fuzz-bytes.csv"
    binary_file.write_bytes(raw)
    book = Workbook()
    for row in header:
        book.active.append([ILLEGAL.sub("", c) for c in row])
    xlsx_file = workspace / "fuzz.xlsx"
    book.save(xlsx_file)
    fake_xlsx = workspace / "fake.xlsx"
    fake_xlsx.write_bytes(raw)
    for path in (text_file, binary_file, xlsx_file, fake_xlsx):
        result = run("roster", "acme", "--import", str(path), "--skip-invalid")
        assert result.exit_code in (0, 1), (path.name, result.output, result.exception)
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert result.output.strip()


ILLEGAL = __import__("re").compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
