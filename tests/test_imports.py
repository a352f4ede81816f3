"""What a command imports: quick commands never pay for modules they do not use.

Each run is a fresh ``python -c`` process that calls the CLI's ``main`` and
then lists ``sys.modules`` (a test of imports, not of time; the figures are
in benchmarks/run.py). Only the commands that render emails, prompt, touch
Excel or write the calendar may import jinja2, questionary, openpyxl or
icalendar; reading never needs tomli_w (writing TOML) or filelock (the
per-client lock taken to change a file); ``--help`` does not even load rich.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.clients import make_workspace

import onboard.cache.index as index
from onboard.cli import cli

HEAVY = {"jinja2", "questionary", "prompt_toolkit", "openpyxl", "icalendar", "tomli_w", "filelock"}
RICH_EXTRAS = {"rich.tree", "rich.markdown", "rich.syntax", "rich.progress", "rich.live", "rich.prompt"}
PROBE = """
import json, sys
out, sys.argv = sys.argv[1], ["onboard", *sys.argv[2:]]
from onboard.cli import main
try:
    main()
except SystemExit:
    pass
with open(out, "w") as handle:
    json.dump(sorted(sys.modules), handle)
"""


def modules(tmp_path: Path, *args: str, **extra_env: str) -> set[str]:
    out = tmp_path / "modules.json"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", **extra_env}
    env.pop("ONBOARD_HOME", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text()))


def top(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A few clients on the shipped playbooks, walked forward with the engine (tests/fixtures/clients.py)."""
    root = tmp_path / "ws"
    make_workspace(root, 4, seed=5)
    return root


def first_client(home: Path) -> str:
    return sorted(p.name for p in (home / "clients").iterdir())[0]


def test_help_does_not_load_rich_or_the_core(tmp_path):
    loaded = modules(tmp_path, "--help")
    assert "rich" not in top(loaded)
    assert not loaded & {
        "onboard.core.engine",
        "onboard.core.playbook",
        "onboard.storage.store",
        "onboard.ui.terminal",
    }
    assert not top(loaded) & HEAVY


def test_status_loads_no_heavy_module(tmp_path, home):
    loaded = modules(tmp_path, "--home", str(home), "status", first_client(home))
    assert not top(loaded) & HEAVY, top(loaded) & HEAVY
    assert not loaded & RICH_EXTRAS
    assert not (home / index.CACHE_DIR / index.INDEX_FILE).exists()  # one client: no workspace scan


def test_status_of_an_unchanged_client_loads_neither_engine_nor_playbook(tmp_path, home):
    """Its model is kept (onboard.cache.statusview): the second run draws it without the core,
    the settings, store and library, or pathlib (which they all use)."""
    slug = first_client(home)
    time.sleep(index.RACY_NS / 1e9 + 0.1)  # a file changed in the last 2 s is never trusted
    first = modules(tmp_path, "--home", str(home), "status", slug)
    assert "onboard.core.engine" in first
    second = modules(tmp_path, "--home", str(home), "status", slug)
    assert not second & {
        "onboard.core.engine",
        "onboard.core.playbook",
        "onboard.core.conditions",
        "onboard.core.state",
        "pathlib",
    }
    assert not {name for name in second if name.startswith("onboard.storage")}


def test_a_table_drawn_at_a_terminal_does_not_load_richs_emoji_table(tmp_path, home):
    """rich reads a plain string header as markup and loads its table of emoji names to do so."""
    loaded = modules(tmp_path, "--home", str(home), "status", first_client(home), "--all", TTY_COMPATIBLE="1")
    assert "rich.table" in loaded
    assert "rich._emoji_codes" not in loaded


@pytest.mark.parametrize("command", ["list", "due"])
def test_list_and_due_load_no_heavy_module(tmp_path, home, command, monkeypatch):
    cold = modules(tmp_path, "--home", str(home), command)
    assert not top(cold) & HEAVY, top(cold) & HEAVY
    assert not cold & RICH_EXTRAS
    # Once indexed (written as if a minute later, so that no entry is racy), nothing is parsed.
    monkeypatch.setattr(index, "_clock", lambda: time.time_ns() + 60_000_000_000)
    assert CliRunner().invoke(cli, ["--home", str(home), "list"]).exit_code == 0
    warm = modules(tmp_path, "--home", str(home), command, "--json")
    assert not top(warm) & HEAVY
    assert "onboard.core.engine" not in warm


def test_json_loads_no_rich_and_a_piped_table_no_table_layout(tmp_path, home):
    """--json never draws; piped, a table is tab-separated lines, so rich's table is not needed."""
    assert "rich" not in top(modules(tmp_path, "--home", str(home), "list", "--json"))
    assert "rich.table" not in modules(tmp_path, "--home", str(home), "due")
