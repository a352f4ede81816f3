"""Rebuild docs/report.png: the example workspace's report as headless Chromium draws it.

The report is written from a copy of examples/workspace as it stands on
25 November 2026 (the day the README's tour is recorded), so the picture
only changes when the report or the example does.
Run: python docs/make_report_png.py   (needs Debian's `chromium`)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from click.testing import CliRunner

from onboard.cli import cli

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "workspace"
TARGET = HERE / "report.png"
AS_OF = "2026-11-25"
WINDOW = "1000,1228"
SCALE = "2"


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium).")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copytree(EXAMPLE, work / "workspace")
        page = work / "report.html"
        os.environ["ONBOARD_NOW"] = f"{AS_OF}T09:00"
        result = CliRunner().invoke(cli, ["--home", str(work / "workspace"), "report", "-o", str(page)])
        if result.exit_code != 0:
            raise SystemExit(result.output)
        env = {**os.environ, "HOME": str(work), "XDG_CONFIG_HOME": str(work), "XDG_CACHE_HOME": str(work)}
        command = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            f"--user-data-dir={work / 'profile'}",
            f"--window-size={WINDOW}",
            f"--force-device-scale-factor={SCALE}",
            f"--screenshot={TARGET}",
            page.as_uri(),
        ]
        subprocess.run(command, env=env, check=True, capture_output=True)
    print(f"Wrote {TARGET}")


if __name__ == "__main__":
    main()
