"""The report in a real browser: headless Chromium renders it to the DOM, a PNG and a PDF.

Skipped only where Chromium is not installed; CI installs Debian's
``chromium``. The three renderings run at once to keep the test short.
Chromium gets its own HOME and profile under tmp_path, so it neither reads
the real HOME nor writes outside the test's folders.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from conftest import XDG, Run

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

TRAINING = ["-p", "training-engagement", "--set", "business_unit=General", "--set", "delivery_type=Virtual"]
CLIENTS = {
    "Acme": "Empathy at Work",
    "Globex": "Leading Through Change",
    "Müller & <Söhne>": "Coaching Essentials",
}
CLIENT_PAGES = [
    ("acme", "Acme", "Training engagement"),
    ("globex", "Globex", "Training engagement"),
    ("muller-sohne", "Müller & <Söhne>", "Training engagement"),
    ("brightside", "Brightside", "Agency onboarding"),
]
CONSOLE = re.compile(r":CONSOLE[(:]\d*\)?\] (?P<message>.*)")


def chromium(tmp_path: Path, name: str, *args: str) -> subprocess.Popen[str]:
    """Start headless Chromium with profile ``name`` and its own HOME; stdout and stderr are collected."""
    home = tmp_path / "chromium-home"
    env = {**os.environ, "HOME": str(home)}
    env |= {name: str(home / folder) for name, folder in XDG.items()}
    command = [
        str(CHROMIUM),
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--disable-extensions",
        f"--user-data-dir={tmp_path / f'chromium-{name}'}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
    ]
    return subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    assert process.returncode == 0, err[-2000:]
    return out, err


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def list_items(dom: str, slug: str) -> list[str]:
    """The text of each line listed under a client's timeline, as a reader sees it."""
    block = dom.split(f'id="client-{slug}"', 1)[1].split('<div class="client', 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", block, re.DOTALL)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


@pytest.fixture
def report(run: Run, workspace: Path) -> Path:
    for name, program in CLIENTS.items():
        assert run("new", name, *TRAINING, "--set", f"program={program}").exit_code == 0
    for step in ("discovery-session", "enter-opportunity", "review-solutions"):
        assert run("done", "acme", step).exit_code == 0
    facts = ["course_date=2026-03-24", "course_time=9:00-12:00 ET", "meeting_link=https://zoom.example/j/1"]
    assert run("set", "acme", *facts).exit_code == 0
    assert run("set", "globex", "course_date=2026-04-14", "course_end_date=2026-04-15").exit_code == 0
    assert run("set", "muller-sohne", "course_date=2026-03-31", "course_time=1-4pm CT").exit_code == 0
    assert run("new", "Brightside", "-p", "agency-onboarding", "--set", "hubspot_deal=BB-1").exit_code == 0
    assert run("set", "brightside", "desired_start_date=2026-04-06").exit_code == 0
    target = workspace / "report.html"
    result = run("report", "-o", str(target), "--as-of", "2026-03-12")
    assert result.exit_code == 0, result.output
    return target


def test_the_report_renders_in_chromium_without_console_errors(report: Path, tmp_path: Path) -> None:
    home_before = sorted(Path(os.environ["HOME"]).rglob("*"))
    url = report.as_uri()
    png, pdf = tmp_path / "report.png", tmp_path / "report.pdf"
    dom_run = chromium(tmp_path, "dom", "--dump-dom", url)
    png_run = chromium(
        tmp_path, "png", "--hide-scrollbars", "--window-size=1200,1600", f"--screenshot={png}", url
    )
    pdf_run = chromium(tmp_path, "pdf", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    dom, log = finish(dom_run)
    finish(png_run)
    finish(pdf_run)

    console = [m["message"] for m in CONSOLE.finditer(log)]
    assert console == [], console
    names = ["Acme", "Globex", "Müller &amp; &lt;Söhne&gt;", "Brightside"]
    for name in names:
        assert f"<h2>{name}</h2>" in dom
    assert dom.count('<g class="step"') == dom.count('<li class="mark-item') > 10
    assert "Course: Tue 24 Mar · 9:00-12:00 ET" in html.unescape(re.sub(r"<[^>]+>", "", dom))
    assert "Desired start date: Mon 6 Apr" in dom

    assert png_size(png) == (1200, 1600)
    assert png.stat().st_size > 20_000
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 20_000
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2

    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages = [" ".join(page.split()) for page in text.split("\f")]
        for slug, name, playbook in CLIENT_PAGES:
            (first,) = [i for i, page in enumerate(pages) if f"{name} {playbook} ·" in page]
            last_item = list_items(dom, slug)[-1]
            assert last_item in pages[first], f"{name}'s timeline and its list share a page"
        (acme,) = [page for page in pages if "Acme Training engagement ·" in page]
        assert "Course: Tue 24 Mar · 9:00-12:00 ET" in acme

    assert sorted(Path(os.environ["HOME"]).rglob("*")) == home_before
    assert list(Path.cwd().iterdir()) == []
