"""`onboard status` draws a kept model while the client, its playbook, the holidays and the code
are unchanged, and exactly what a fresh computation would draw."""

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import onboard.cache.index as index
from onboard.cache import statusview
from onboard.cli import cli
from onboard.storage.library import Library
from onboard.storage.workspace import find_root

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "workspace"


@pytest.fixture
def example(tmp_path, monkeypatch):
    target = tmp_path / "workspace"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns(".onboard-cache"))
    monkeypatch.setenv("ONBOARD_NOW", "2026-11-25T09:00")
    # Look at the files as if a minute had passed, so that none of them counts as just changed.
    monkeypatch.setattr(index, "_clock", lambda: time.time_ns() + 60_000_000_000)
    return target


def status(root, *args):
    result = CliRunner().invoke(cli, ["--home", str(root), "status", *args])
    assert result.exit_code == 0, result.output
    return result.output


def kept(root, slug):
    return root / ".onboard-cache" / "status" / f"{slug}.bin"


@pytest.mark.parametrize("slug", [p.name for p in sorted((EXAMPLES / "clients").iterdir())])
def test_the_kept_model_draws_what_a_fresh_computation_draws(example, slug):
    fresh_text = status(example, slug, "--all")
    fresh_json = status(example, slug, "--json", "--as-of", "2026-12-20")
    assert kept(example, slug).is_file()
    assert statusview.kept(str(example), slug) is not None
    assert status(example, slug, "--all") == fresh_text
    assert status(example, slug, "--json", "--as-of", "2026-12-20") == fresh_json
    shutil.rmtree(example / ".onboard-cache")
    assert status(example, slug, "--json", "--as-of", "2026-12-20") == fresh_json


def test_a_change_behind_its_back_is_seen(example):
    status(example, "northwind-traders")
    path = example / "clients" / "northwind-traders" / "client.toml"
    path.write_text(path.read_text().replace('program = "Empathy at Work"', 'program = "Empathy at Home"'))
    data = json.loads(status(example, "northwind-traders", "--json"))
    assert data["client"]["program"] == "Empathy at Home"


def test_a_holiday_added_moves_the_due_date(example):
    before = json.loads(status(example, "northwind-traders", "--json"))
    due = next(s for s in before["steps"] if s["id"] == "provide-dates")["due"]
    config = example / "onboard.toml"
    config.write_text(config.read_text().replace("holidays = [", f"holidays = [{due}, ", 1))
    after = json.loads(status(example, "northwind-traders", "--json"))
    assert next(s for s in after["steps"] if s["id"] == "provide-dates")["due"] > due


def test_a_playbook_change_is_seen(example):
    status(example, "acme-corp")
    own = example / "templates" / "training-engagement"
    shutil.copytree(Path(__file__).resolve().parent.parent / "templates" / "training-engagement", own)
    playbook = own / "playbook.toml"
    playbook.write_text(
        playbook.read_text().replace(
            'title = "Hold discovery session with client"', 'title = "Discovery call"'
        )
    )
    data = json.loads(status(example, "acme-corp", "--json"))
    assert data["steps"][0]["title"] == "Discovery call"


def test_a_just_changed_file_is_never_kept(example, monkeypatch):
    monkeypatch.setattr(index, "_clock", time.time_ns)
    path = example / "clients" / "acme-corp" / "client.toml"
    path.write_bytes(path.read_bytes())
    status(example, "acme-corp")
    assert not kept(example, "acme-corp").exists()


def test_a_damaged_kept_model_is_ignored(example):
    status(example, "globex")
    kept(example, "globex").write_bytes(b"\x00garbage")
    assert "Globex" in status(example, "globex")


def test_a_name_that_is_not_the_slug_is_resolved_the_long_way_with_the_same_result(example):
    slug_text = status(example, "acme-corp")
    assert statusview.kept(str(example), "acme-corp") is not None
    for name in ("Acme Corp", "acme", "ACME-CORP"):
        assert statusview.kept(str(example), name) is None
        assert status(example, name) == slug_text
    for name in ("../workspace/clients/acme-corp", ".", "", "acme-corp/"):
        assert statusview.kept(str(example), name) is None


def test_a_settings_change_is_seen(example):
    status(example, "acme-corp")
    config = example / "onboard.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert statusview.kept(str(example), "acme-corp") is None
    status(example, "acme-corp")
    assert statusview.kept(str(example), "acme-corp") is not None


def test_a_kept_model_is_not_read_for_another_workspace(example, tmp_path):
    """A copy of the workspace has other files: its own kept model, never the original's."""
    status(example, "acme-corp")
    copy = tmp_path / "copy"
    shutil.copytree(example, copy)
    assert statusview.kept(str(copy), "acme-corp") is None


@pytest.mark.parametrize("how", ["home", "relative", "tilde", "env", "parent", "default"])
def test_the_workspace_is_found_where_the_workspace_module_finds_it(tmp_path, monkeypatch, how):
    user = tmp_path / "user"
    root = user / "work" / "ws"
    (root / "clients" / "acme").mkdir(parents=True)
    (root / "onboard.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("HOME", str(user))
    monkeypatch.chdir(root / "clients" / "acme" if how == "parent" else tmp_path)
    home = {"home": str(root), "relative": "user/work/ws/", "tilde": "~/work/ws"}.get(how)
    if how == "env":
        monkeypatch.setenv("ONBOARD_HOME", "~/work/ws")
    expected, _ = find_root(home)
    assert statusview.find_root(home) == os.path.abspath(expected)
    assert statusview.find_root(home) == (str(user / "onboarding") if how == "default" else str(root))


def test_playbooks_are_looked_for_where_the_library_looks(example):
    found = [os.path.realpath(d) for d in statusview.playbook_dirs(str(example))]
    assert found == [os.path.realpath(d) for d in Library(example / "templates").dirs]
