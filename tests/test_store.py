import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from onboard.core.engine import complete_step, new_client, set_facts
from onboard.core.naming import is_slug, slugify
from onboard.errors import OnboardError
from onboard.storage.atomic import atomic_write
from onboard.storage.store import KEEP_BACKUPS, Store

NOW = datetime(2026, 3, 1, 9, 0)


def make(training, store: Store, name="Acme Corp"):
    state = new_client(
        training,
        name=name,
        slug=slugify(name),
        facts={"program": "P", "business_unit": "General", "delivery_type": "Virtual"},
        now=NOW,
        by="t",
    )
    store.create(state)
    return state


def test_round_trip_is_exact(training, tmp_path):
    store = Store(tmp_path / "clients")
    state = make(training, store)
    assert store.load("acme-corp") == state


def test_a_step_status_is_written_as_plain_text(training, tmp_path):
    store = Store(tmp_path / "clients")
    state = complete_step(training, make(training, store), "discovery-session", answers={}, now=NOW, by="t")
    store.write("acme-corp", state, previous=True)
    assert type(state.steps["discovery-session"]["status"]) is str
    assert (
        tomllib.loads(store.path("acme-corp").read_text())["steps"]["discovery-session"]["status"] == "done"
    )
    assert store.load("acme-corp").steps["discovery-session"]["status"] == "done"


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "f.toml"
    atomic_write(target, b"a = 1\n")
    atomic_write(target, b"a = 2\n")
    assert target.read_bytes() == b"a = 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.toml"]


def test_corrupt_file_is_reported_with_line_and_never_written(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    path = store.path("acme-corp")
    broken = path.read_bytes().replace(b'name = "Acme Corp"', b'name = "Acme Corp')
    path.write_bytes(broken)
    with pytest.raises(OnboardError) as err, store.transaction("acme-corp") as tx:
        tx.commit(tx.state)
    assert str(path) in str(err.value)
    assert "line 3" in str(err.value)
    assert path.read_bytes() == broken


def test_wrong_types_and_future_schema_are_named(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    path = store.path("acme-corp")
    text = path.read_text()
    path.write_text(text.replace("created = 2026-03-01", "created = 20260301"))
    with pytest.raises(OnboardError, match="created: must be a date"):
        store.load("acme-corp")
    path.write_text(text.replace("schema = 1", "schema = 99"))
    with pytest.raises(OnboardError, match="newer onboard"):
        store.load("acme-corp")


def test_every_write_keeps_the_previous_version(training, tmp_path):
    store = Store(tmp_path / "clients")
    state = make(training, store)
    original = store.path("acme-corp").read_bytes()
    with store.transaction("acme-corp") as tx:
        tx.commit(complete_step(training, tx.state, "discovery-session", answers={}, now=NOW, by="t"))
    backups = store.backups("acme-corp")
    assert len(backups) == 1
    assert backups[0].read_bytes() == original
    assert tomllib.loads(backups[0].read_text())["history"][-1]["seq"] == state.history[-1].seq


def test_backups_are_bounded(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    for i in range(KEEP_BACKUPS + 4):
        with store.transaction("acme-corp") as tx:
            tx.commit(set_facts(training, tx.state, {"program": f"P{i}"}, now=NOW, by="t"))
    backups = store.backups("acme-corp")
    assert len(backups) == KEEP_BACKUPS
    newest = tomllib.loads(backups[0].read_text())
    assert newest["facts"]["program"] == f"P{KEEP_BACKUPS + 2}"


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        "a/../../b",
        "C:\\Windows\\system32",
        "con",
        "nul.txt",
        "x" * 500,
        "é\x00",
    ],
)
def test_slugs_never_leave_the_clients_folder(name, tmp_path):
    try:
        slug = slugify(name)
    except OnboardError:
        return
    assert is_slug(slug)
    store = Store(tmp_path / "clients")
    assert store.folder(slug).parent == tmp_path / "clients"


def test_store_refuses_a_path_as_slug(tmp_path):
    store = Store(tmp_path / "clients")
    for bad in ("../x", "a/b", "", "CON", "con"):
        with pytest.raises(OnboardError):
            store.folder(bad)


def test_creating_an_existing_client_is_refused(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    with pytest.raises(OnboardError, match="already exists"):
        make(training, store)


def test_resolve_accepts_name_slug_or_unique_prefix(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    make(training, store, "Acme Labs")
    assert store.resolve("Acme Corp") == "acme-corp"
    assert store.resolve("acme-labs") == "acme-labs"
    assert store.resolve("acme-l") == "acme-labs"
    with pytest.raises(OnboardError, match="could be"):
        store.resolve("acme")
    with pytest.raises(OnboardError, match="No client"):
        store.resolve("globex")


def test_lock_file_lives_in_the_client_folder(training, tmp_path: Path):
    store = Store(tmp_path / "clients")
    make(training, store)
    with store.transaction("acme-corp"):
        assert (tmp_path / "clients" / "acme-corp" / ".lock").exists()
