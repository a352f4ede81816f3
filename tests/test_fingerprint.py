"""The kept status and index are only ever served by the code that computed them.

The code fingerprint (onboard.cache.fingerprint) covers every module of the
package, so editing any of them, even one no list names, computes the kept
entries again. Each test runs a copy of the package in a fresh process, as a
developer editing a checkout would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import onboard
from onboard.cache import fingerprint, index

PACKAGE = Path(onboard.__file__).resolve().parent
EXAMPLES = PACKAGE.parent / "examples" / "workspace"


def copy_of_the_package(target: Path) -> Path:
    """The package under ``target``, with the shipped playbooks where :func:`shipped_dir` finds them."""
    shutil.copytree(PACKAGE, target / "onboard", ignore=shutil.ignore_patterns("__pycache__"))
    if not (target / "onboard" / "templates").is_dir():  # a checkout keeps them beside the package
        shutil.copytree(PACKAGE.parent / "templates", target / "templates")
    return target / "onboard"


def run(code: Path, tmp_path: Path, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(code.parent),
        "ONBOARD_NOW": "2026-11-25T09:00",
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "onboard", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_edited_module_is_never_served_from_the_cache(tmp_path):
    code = copy_of_the_package(tmp_path / "code")
    workspace = tmp_path / "ws"
    shutil.copytree(EXAMPLES, workspace, ignore=shutil.ignore_patterns(".onboard-cache"))
    time.sleep(index.RACY_NS / 1e9 + 0.1)  # a file changed in the last two seconds is never kept
    kept = workspace / ".onboard-cache" / "status" / "acme-corp.bin"
    first = run(code, tmp_path, "--home", str(workspace), "status", "acme-corp")
    assert "Training engagement" in first and kept.is_file()
    stamp = kept.stat().st_mtime_ns
    assert run(code, tmp_path, "--home", str(workspace), "status", "acme-corp") == first
    assert kept.stat().st_mtime_ns == stamp  # drawn from the kept model, not computed again

    # The model's playbook title is shaped by statusview.build; the kept one says otherwise.
    module = code / "cache" / "statusview.py"
    text = module.read_text(encoding="utf-8")
    assert text.count('"playbook_title": playbook.title,') == 1
    module.write_text(
        text.replace('"playbook_title": playbook.title,', '"playbook_title": "Edited",'), "utf-8"
    )
    second = run(code, tmp_path, "--home", str(workspace), "status", "acme-corp")
    assert "Edited" in second and "Training engagement" not in second

    module.write_text(text, "utf-8")
    assert run(code, tmp_path, "--home", str(workspace), "status", "acme-corp") == first


def test_the_fingerprint_names_the_location_version_and_every_module(tmp_path):
    code = copy_of_the_package(tmp_path / "code")
    modules = sorted(str(p.relative_to(code)) for p in code.rglob("*.py") if "templates" not in p.parts)
    found = fingerprint.code_fingerprint(str(code))
    assert found[:2] == (onboard.__version__, str(code))
    assert [entry[0] for entry in found[2:]] == modules
    assert fingerprint.code_fingerprint(str(code)) == found
    (code / "core" / "new_module.py").write_text('"""New."""\n', encoding="utf-8")
    assert fingerprint.code_fingerprint(str(code)) != found
    (code / "core" / "new_module.py").unlink()
    assert fingerprint.code_fingerprint(str(code)) == found
    (code / "errors.py").write_text((code / "errors.py").read_text(encoding="utf-8") + "\n", "utf-8")
    assert fingerprint.code_fingerprint(str(code)) != found
