"""The architecture as a test: import-linter's contracts in pyproject.toml must all be kept.

The contracts say that the pure core imports no storage, cache, records,
emails, outputs, UI or command module; that each area imports only the areas
below it; and that no command imports another command's module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def lint_imports(repo: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the package in ``repo`` with that folder's pyproject.toml."""
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script)] if script.exists() else [shutil.which("lint-imports") or "lint-imports"]
    return subprocess.run(
        [*command, "--no-cache", "--config", str(repo / "pyproject.toml")],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )


def test_the_layers_hold() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("onboard/core/words.py", "onboard.storage.atomic"),
        ("onboard/commands/report.py", "onboard.commands.views"),
        ("onboard/storage/store.py", "onboard.ui.terminal"),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path: Path, importer: str, imported: str) -> None:
    """The contracts are not vacuous: one forbidden import in a copy of the package breaks one."""
    copy = tmp_path / "repo"
    shutil.copytree(
        REPO / "onboard", copy / "onboard", ignore=shutil.ignore_patterns("__pycache__", "templates")
    )
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    module = copy / importer
    module.write_text(module.read_text(encoding="utf-8") + f"\nimport {imported}  # noqa\n", encoding="utf-8")
    result = lint_imports(copy)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
