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
    store.write("acme-corp", state)
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


def test_every_save_is_kept_the_first_one_included(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    path = store.path("acme-corp")
    created = path.read_bytes()
    assert [p.read_bytes() for p in store.backups("acme-corp")] == [created]
    with store.transaction("acme-corp") as tx:
        tx.commit(complete_step(training, tx.state, "discovery-session", answers={}, now=NOW, by="t"))
    assert [p.read_bytes() for p in store.backups("acme-corp")] == [path.read_bytes(), created]


def test_backups_are_bounded_and_the_newest_is_the_last_save(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    for i in range(KEEP_BACKUPS + 4):
        with store.transaction("acme-corp") as tx:
            tx.commit(set_facts(training, tx.state, {"program": f"P{i}"}, now=NOW, by="t"))
    backups = store.backups("acme-corp")
    assert len(backups) == KEEP_BACKUPS
    assert backups[0].read_bytes() == store.path("acme-corp").read_bytes()
    assert tomllib.loads(backups[0].read_text())["facts"]["program"] == f"P{KEEP_BACKUPS + 3}"
    assert tomllib.loads(backups[-1].read_text())["facts"]["program"] == "P4"


def test_a_file_changed_outside_onboard_is_kept_before_a_save_replaces_it(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    path = store.path("acme-corp")
    edited = path.read_bytes().replace(b'program = "P"', b'program = "By hand"')
    path.write_bytes(edited)
    with store.transaction("acme-corp") as tx:
        tx.commit(set_facts(training, tx.state, {"business_unit": "CFO"}, now=NOW, by="t"))
    saved = [p.read_bytes() for p in store.backups("acme-corp")]
    assert saved[0] == path.read_bytes() and b'program = "By hand"' in saved[0]
    assert saved[1] == edited
    assert len(saved) == 3


def test_backups_named_by_seq_before_every_save_was_kept_are_versions_too(training, tmp_path):
    """A workspace from before: .backup/ holds the versions before each change, named by their seq."""
    store = Store(tmp_path / "clients")
    make(training, store)
    folder = store.folder("acme-corp") / ".backup"
    first = (folder / "client.000001.toml").read_bytes()
    (folder / "client.000001.toml").unlink()
    (folder / "client.000000.toml").write_bytes(first)
    with store.transaction("acme-corp") as tx:
        tx.commit(complete_step(training, tx.state, "discovery-session", answers={}, now=NOW, by="t"))
    assert [p.name for p in store.backups("acme-corp")] == ["client.000001.toml", "client.000000.toml"]
    assert store.backups("acme-corp")[0].read_bytes() == store.path("acme-corp").read_bytes()


def damage(path: Path) -> bytes:
    broken = path.read_bytes().replace(b'name = "Acme Corp"', b'name = "Acme Corp')
    path.write_bytes(broken)
    return broken


def test_restore_right_after_new_gives_back_the_new_client_exactly(training, tmp_path):
    store = Store(tmp_path / "clients")
    state = make(training, store)
    path = store.path("acme-corp")
    created = path.read_bytes()
    broken = damage(path)
    restored = store.restore("acme-corp")
    assert path.read_bytes() == created
    assert store.load("acme-corp") == state
    assert (restored.version.number, restored.replaced) == (1, "unreadable")
    assert restored.aside is not None and restored.aside.read_bytes() == broken


def test_restore_after_several_changes_loses_none_of_them(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    for i in range(3):
        with store.transaction("acme-corp") as tx:
            tx.commit(set_facts(training, tx.state, {"program": f"P{i}"}, now=NOW, by="t"))
    path = store.path("acme-corp")
    last_good = path.read_bytes()
    damage(path)
    store.restore("acme-corp")
    assert path.read_bytes() == last_good
    assert store.load("acme-corp").facts["program"] == "P2"


def test_restore_skips_versions_that_cannot_be_read_and_says_which_it_took(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    with store.transaction("acme-corp") as tx:
        tx.commit(set_facts(training, tx.state, {"program": "Q"}, now=NOW, by="t"))
    newest, older = store.backups("acme-corp")
    good = older.read_bytes()
    damage(newest)
    damage(store.path("acme-corp"))
    restored = store.restore("acme-corp")
    assert restored.version.number == 2
    assert "started on training-engagement" in restored.version.label()
    assert store.path("acme-corp").read_bytes() == good


def test_restore_of_an_earlier_version_keeps_the_replaced_one_so_it_can_be_undone(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    with store.transaction("acme-corp") as tx:
        tx.commit(set_facts(training, tx.state, {"program": "Q"}, now=NOW, by="t"))
    path = store.path("acme-corp")
    changed = path.read_bytes()
    restored = store.restore("acme-corp", 2)
    assert restored.replaced == "saved"
    assert store.load("acme-corp").facts["program"] == "P"
    assert store.backups("acme-corp")[0].read_bytes() == path.read_bytes()
    store.restore("acme-corp", 2)
    assert path.read_bytes() == changed


def test_restore_with_nothing_readable_changes_nothing_and_says_so(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    damage(store.backups("acme-corp")[0])
    broken = damage(store.path("acme-corp"))
    with pytest.raises(OnboardError, match=r"the one version saved in .* cannot be read") as err:
        store.restore("acme-corp")
    assert "onboard check" in str(err.value)
    assert store.path("acme-corp").read_bytes() == broken
    with pytest.raises(OnboardError, match="no saved version 5"):
        store.restore("acme-corp", 5)
    with pytest.raises(OnboardError, match=r"client\.000001\.toml: not valid TOML.*nothing was restored"):
        store.restore("acme-corp", 1)
    assert store.path("acme-corp").read_bytes() == broken


def test_an_unreadable_file_points_at_restore_only_when_a_version_can_be_read(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    damage(store.path("acme-corp"))
    with pytest.raises(OnboardError) as err:
        store.load("acme-corp")
    assert "`onboard restore acme-corp`" in str(err.value)
    assert "started on training-engagement" in str(err.value)
    damage(store.backups("acme-corp")[0])
    with pytest.raises(OnboardError) as err:
        store.load("acme-corp")
    assert "onboard restore" not in str(err.value)
    assert "Fix it by hand" in str(err.value) and "no readable version" in str(err.value)


def test_a_file_with_wrong_values_points_at_restore_the_same_way(training, tmp_path):
    store = Store(tmp_path / "clients")
    make(training, store)
    path = store.path("acme-corp")
    path.write_text(path.read_text().replace("created = 2026-03-01", "created = 20260301"))
    with pytest.raises(OnboardError) as err:
        store.load("acme-corp")
    assert "created: must be a date" in err.value.message
    assert err.value.hint is not None and "`onboard restore acme-corp`" in err.value.hint
    for kept in store.backups("acme-corp"):
        kept.unlink()
    with pytest.raises(OnboardError) as err:
        store.load("acme-corp")
    assert err.value.hint is not None and "onboard restore" not in err.value.hint


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
