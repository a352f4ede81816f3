"""The index behind `onboard list` and `onboard due`: never stale, never needed, same output.

Each test compares the commands with the computation they replaced (every
client file parsed, `overview` per client, drawn by rich), after changing
the workspace behind the index's back: hand edits, added and removed
clients, playbook and holiday changes, a deleted or corrupt index.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fixtures.clients import make_workspace

import onboard.cache.index as index
from onboard.cli import App, cli, pass_app
from onboard.storage.library import shipped_dir

# --- what list and due printed before the index, kept here as the reference ----------


@click.command()
@click.option("--sort", default="name")
@click.option("--json", "as_json", is_flag=True)
@click.option("--as-of")
@pass_app
def reference_list(app: App, sort: str, as_json: bool, as_of: str | None) -> None:
    from rich.markup import escape

    from onboard.core.agenda import summary_json
    from onboard.core.engine import overview
    from onboard.workflows import all_clients, report_skipped

    today = app.today(as_of)
    pairs, problems = all_clients(app)
    rows = []
    for state, playbook in pairs:
        ov = overview(playbook, state, today, app.holidays())
        rows.append((summary_json(state, playbook, ov), ov))
    keys = {
        "name": lambda r: r[0]["name"].casefold(),
        "due": lambda r: r[0]["next_due"] or date.max.isoformat(),
        "progress": lambda r: r[0]["progress"],
        "overdue": lambda r: -r[0]["overdue"],
    }
    rows.sort(key=keys[sort])
    if as_json:
        app.terminal.json([r[0] for r in rows])
    else:
        wide = not app.terminal.at_terminal or app.terminal.out.width >= 110
        table = []
        for summary, ov in rows:
            stage = escape(ov.stage.title) if ov.stage else "[green]complete[/]"
            overdue = f"[red]{summary['overdue']}[/]" if summary["overdue"] else ""
            row = [summary["slug"], stage, f"{round(summary['progress'] * 100)}%"]
            row += [summary["next_step"] or "", summary["next_due"] or "", overdue]
            table.append([escape(summary["playbook"]), *row] if wide else row)
        columns = ["client", "stage", ("done", {"justify": "right"}), "next step", "next due"]
        columns.append(("late", {"justify": "right"}))
        app.terminal.table(["playbook", *columns] if wide else columns, table, fit="stage")
        if not rows and app.terminal.at_terminal:
            app.terminal.hint('onboard new "Client name" --playbook training-engagement')
    report_skipped(app, problems)


@click.command()
@click.option("--within", type=int)
@click.option("--role")
@click.option("--owner")
@click.option("--json", "as_json", is_flag=True)
@click.option("--as-of")
@pass_app
def reference_due(app: App, within, role, owner, as_json: bool, as_of: str | None) -> None:
    from rich.markup import escape

    from onboard.core.agenda import agenda
    from onboard.core.words import describe_due
    from onboard.workflows import all_clients, report_skipped

    today = app.today(as_of)
    pairs, problems = all_clients(app)
    items = agenda(pairs, today, app.holidays(), within=within, role=role, owner=owner)
    if as_json:
        app.terminal.json([i.as_json() for i in items])
    else:
        rows = []
        for item in items:
            v = item.view
            when = describe_due(v.due, today) if v.due else "any time"
            when = f"[red]{when}[/]" if v.overdue else escape(when)
            rows.append([when, item.client.slug, v.step.owner, v.step.id, escape(v.step.title)])
        app.terminal.table(["due", "client", "role", "step", "what"], rows, fit="what")
        if not items and app.terminal.at_terminal:
            app.terminal.line("Nothing due.")
    report_skipped(app, problems)


CASES = [
    ("list",),
    ("list", "--json"),
    ("list", "--sort", "due"),
    ("list", "--sort", "overdue", "--as-of", "2026-09-01"),
    ("due",),
    ("due", "--json"),
    ("due", "--within", "10"),
    ("due", "--role", "am", "--json"),
    ("due", "--owner", "ann lee"),
    ("due", "--as-of", "2026-12-01", "--json"),
]


def _env(columns: int | None) -> dict[str, str]:
    """Piped when ``columns`` is None, else a terminal that wide (rich's TTY_COMPATIBLE switch)."""
    return {"COLUMNS": "80"} if columns is None else {"COLUMNS": str(columns), "TTY_COMPATIBLE": "1"}


def invoke(home: Path, *args: str, columns: int | None = None):
    return CliRunner().invoke(cli, ["--home", str(home), *args], env=_env(columns))


def reference(home: Path, *args: str, columns: int | None = None):
    command = reference_list if args[0] == "list" else reference_due
    return CliRunner().invoke(command, list(args[1:]), obj=App(home=str(home)), env=_env(columns))


def assert_same_as_uncached(home: Path, cases=CASES, columns=(None,)) -> None:
    for args in cases:
        for width in columns:
            got, want = invoke(home, *args, columns=width), reference(home, *args, columns=width)
            assert got.exit_code == want.exit_code == 0, (args, got.output, want.output)
            assert got.output == want.output, (args, width)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch):
    """Look at the files as if a minute had passed since they were written (no entry is racy)."""
    monkeypatch.setattr(index, "_clock", lambda: time.time_ns() + 60_000_000_000)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Clients of every playbook at random points, one unreadable, one on a missing playbook."""
    home = tmp_path / "mixed"
    make_workspace(home, 36, seed=11)
    clients = home / "clients"
    bad = clients / "broken-co"
    bad.mkdir()
    (bad / "client.toml").write_text('slug = "broken-co"\nname = [oops\n', encoding="utf-8")
    first = sorted(clients.iterdir())[0]
    orphan = clients / "orphan-co"
    orphan.mkdir()
    text = (first / "client.toml").read_text(encoding="utf-8")
    text = text.replace(f'slug = "{first.name}"', 'slug = "orphan-co"')
    playbook = json.loads(invoke(home, "status", first.name, "--json").stdout)["playbook"]
    (orphan / "client.toml").write_text(
        text.replace(f'"{playbook}"', '"no-such-playbook"', 1), encoding="utf-8"
    )
    return home


def entries(home: Path) -> dict:
    library = App(home=str(home)).library()
    return index.Index(home, library, App(home=str(home)).holidays()).read()[1]


def test_list_and_due_are_the_uncached_computation_cold_and_warm(mixed, later):
    assert_same_as_uncached(mixed, columns=(None, 60, 80, 200))  # builds the index on the first run
    stored = entries(mixed)
    assert len(stored) == 36 and "broken-co" not in stored and "orphan-co" not in stored
    assert_same_as_uncached(mixed, columns=(None, 80, 200))  # from the index
    warning = invoke(mixed, "list")
    assert "skipped:" in warning.output and "broken-co" in warning.output
    assert "no-such-playbook" in warning.output


def test_warm_runs_read_no_client_file(mixed, later, monkeypatch):
    invoke(mixed, "list")
    from onboard.storage.store import Store

    def refuse(self, slug):
        if slug not in ("broken-co", "orphan-co"):  # never indexed, so read every time
            raise AssertionError(f"read {slug}")
        return load(self, slug)

    load = Store.load
    monkeypatch.setattr(Store, "load", refuse)
    assert invoke(mixed, "list").exit_code == 0
    assert invoke(mixed, "due", "--json").exit_code == 0


def _client(home: Path, n: int = 0) -> Path:
    return sorted(p for p in (home / "clients").iterdir() if p.name not in ("broken-co", "orphan-co"))[n]


def _rename(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    name_line = next(line for line in text.splitlines() if line.startswith("name = "))
    path.write_text(text.replace(name_line, name_line.replace(old, new), 1), encoding="utf-8")


def test_a_hand_edit_is_noticed(mixed, later):
    invoke(mixed, "list")
    path = _client(mixed) / "client.toml"
    name = json.loads(invoke(mixed, "status", path.parent.name, "--json").stdout)["client"]["name"]
    _rename(path, name, name + " Renamed")
    assert any(c["name"] == name + " Renamed" for c in json.loads(invoke(mixed, "list", "--json").stdout))
    assert_same_as_uncached(mixed)


def test_a_same_size_edit_with_the_old_mtime_is_noticed(mixed, later):
    invoke(mixed, "list")
    path = _client(mixed, 1) / "client.toml"
    before = path.stat()
    name = json.loads(invoke(mixed, "status", path.parent.name, "--json").stdout)["client"]["name"]
    time.sleep(0.02)  # let the change time tick
    new = ("Z" if name[0] != "Z" else "Y") + name[1:]
    _rename(path, name, new)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert any(c["name"] == new for c in json.loads(invoke(mixed, "list", "--json").stdout))


def test_racy_entries_are_read_again(mixed, monkeypatch):
    """On a file system whose stat shows nothing but mtime, size and inode, a file changed in
    the same instant as the index looked at it keeps its stat: only the racy rule saves it."""
    monkeypatch.setattr(index, "_key", lambda st: (st.st_mtime_ns, st.st_size, st.st_ino))
    path = _client(mixed, 2) / "client.toml"
    name = json.loads(invoke(mixed, "status", path.parent.name, "--json").stdout)["client"]["name"]

    def edit_in_the_same_instant(new: str, old: str) -> None:
        stamp = path.stat()
        _rename(path, old, new)
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))

    invoke(mixed, "list")  # the files were written just now: none is indexed yet
    assert path.parent.name not in entries(mixed)
    new = ("Q" if name[0] != "Q" else "P") + name[1:]
    edit_in_the_same_instant(new, name)
    assert any(c["name"] == new for c in json.loads(invoke(mixed, "list", "--json").stdout))

    # Without the rule, the same edit would be missed: that is what it is for.
    monkeypatch.setattr(index, "RACY_NS", -60_000_000_000)
    invoke(mixed, "list")
    assert path.parent.name in entries(mixed)
    edit_in_the_same_instant(name, new)
    assert any(c["name"] == new for c in json.loads(invoke(mixed, "list", "--json").stdout))


def test_a_linked_or_misnamed_client_folder_is_reported_as_the_store_reports_it(mixed, later, tmp_path):
    """Read straight from its file, a client is still refused where Store.load refuses it."""
    outside = tmp_path / "outside"
    moved = _client(mixed, 6)
    shutil.move(moved, outside)
    (mixed / "clients" / moved.name).symlink_to(outside, target_is_directory=True)
    misnamed = mixed / "clients" / "misnamed-co"
    shutil.copytree(_client(mixed, 7), misnamed)
    for _ in range(2):  # building the index, then from it
        assert_same_as_uncached(mixed, cases=[("list", "--json"), ("due",)])
        warnings = invoke(mixed, "list").output
        assert f"{moved.name!r} points outside" in warnings
        assert "but the folder is 'misnamed-co'" in warnings
    assert moved.name not in entries(mixed) and "misnamed-co" not in entries(mixed)


def test_added_and_removed_clients_are_noticed(mixed, later):
    invoke(mixed, "list")
    source = _client(mixed, 3)
    copy = mixed / "clients" / "pulled-from-git"
    shutil.copytree(source, copy)
    doc = copy / "client.toml"
    doc.write_text(
        doc.read_text(encoding="utf-8").replace(f'"{source.name}"', '"pulled-from-git"', 1), "utf-8"
    )
    gone = _client(mixed, 4)
    shutil.rmtree(gone)
    slugs = [c["slug"] for c in json.loads(invoke(mixed, "list", "--json").stdout)]
    assert "pulled-from-git" in slugs and gone.name not in slugs
    assert gone.name not in {i["client"] for i in json.loads(invoke(mixed, "due", "--json").stdout)}
    assert gone.name not in entries(mixed) and "pulled-from-git" in entries(mixed)
    assert_same_as_uncached(mixed)


def test_a_playbook_change_is_noticed(mixed, later):
    before = json.loads(invoke(mixed, "due", "--json").stdout)
    step = next(i for i in before if i["role"])
    playbook = json.loads(invoke(mixed, "status", step["client"], "--json").stdout)["playbook"]
    own = mixed / "templates" / playbook
    shutil.copytree(shipped_dir() / playbook, own)  # the workspace's own copy now wins
    text = (own / "playbook.toml").read_text(encoding="utf-8")
    retitled = step["title"] + " (new wording)"
    (own / "playbook.toml").write_text(text.replace(step["title"], retitled), encoding="utf-8")
    assert any(i["title"] == retitled for i in json.loads(invoke(mixed, "due", "--json").stdout))
    assert_same_as_uncached(mixed)
    text = (own / "playbook.toml").read_text(encoding="utf-8")
    (own / "playbook.toml").write_text(text.replace(retitled, step["title"] + " (v3)"), encoding="utf-8")
    assert any(
        i["title"] == step["title"] + " (v3)" for i in json.loads(invoke(mixed, "due", "--json").stdout)
    )
    shutil.rmtree(own)  # back to the shipped one
    assert json.loads(invoke(mixed, "due", "--json").stdout) == before


def test_a_holidays_change_moves_due_dates(mixed, later):
    before = invoke(mixed, "due", "--json").stdout
    dates = sorted({i["due"] for i in json.loads(before) if i["due"]})
    config = mixed / "onboard.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("holidays = []", f"holidays = [{', '.join(dates)}]"), encoding="utf-8")
    assert invoke(mixed, "due", "--json").stdout != before
    assert_same_as_uncached(mixed)


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.unlink(),
        lambda p: shutil.rmtree(p.parent),
        lambda p: p.write_bytes(b"not an index"),
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        lambda p: p.write_bytes(p.read_bytes()[:-9] + bytes([p.read_bytes()[-9] ^ 1]) + p.read_bytes()[-8:]),
        lambda p: p.write_bytes(index.MAGIC + b"\0\0\0\0"),
    ],
    ids=["deleted", "folder-deleted", "garbage", "truncated", "flipped-bit", "empty"],
)
def test_a_deleted_or_corrupt_index_is_rebuilt(mixed, later, damage):
    path = mixed / index.CACHE_DIR / index.INDEX_FILE
    invoke(mixed, "list")
    good = entries(mixed)
    assert len(good) == 36
    damage(path)
    assert_same_as_uncached(mixed, cases=[("list", "--json"), ("due",)])
    assert entries(mixed) == good


def test_single_client_commands_never_touch_the_index(mixed, later, monkeypatch):
    invoke(mixed, "list")
    path = mixed / index.CACHE_DIR / index.INDEX_FILE
    stamp = path.stat()

    def refuse(*args, **kwargs):
        raise AssertionError("scanned the workspace")

    monkeypatch.setattr(index, "scan", refuse)
    monkeypatch.setattr(index.Index, "read", refuse)
    slug = _client(mixed, 5).name
    assert invoke(mixed, "status", slug).exit_code == 0
    step = json.loads(invoke(mixed, "status", slug, "--json").stdout)["steps"][0]["id"]
    invoke(mixed, "skip", slug, step, "--reason", "not needed")
    assert path.stat().st_mtime_ns == stamp.st_mtime_ns
    monkeypatch.undo()
    later_clock = lambda: time.time_ns() + 60_000_000_000  # noqa: E731
    monkeypatch.setattr(index, "_clock", later_clock)
    assert_same_as_uncached(mixed, cases=[("list", "--json"), ("due", "--json")])


def test_init_keeps_the_cache_out_of_git(tmp_path):
    home = tmp_path / "ws"
    assert CliRunner().invoke(cli, ["--home", str(home), "init"]).exit_code == 0
    assert ".onboard-cache/" in (home / ".gitignore").read_text(encoding="utf-8").splitlines()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / ".gitignore").write_text("*.xlsx", encoding="utf-8")
    CliRunner().invoke(cli, ["--home", str(mine), "init"])
    assert (mine / ".gitignore").read_text(encoding="utf-8") == "*.xlsx\n.onboard-cache/\n"


def test_the_cache_folder_ignores_itself(mixed, later):
    invoke(mixed, "list")
    assert (mixed / index.CACHE_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
