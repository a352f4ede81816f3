"""How fast onboard is, as whole-process wall times beside the floor each is measured against.

    python benchmarks/run.py            # 100, 1,000 and 10,000 clients (a few minutes)
    python benchmarks/run.py --quick    # 100 and 1,000 clients, fewer runs (under a minute)

Every figure is the median of several runs of a fresh process; its floor (the
cheapest process doing what it cannot avoid) is run in the same loop,
alternating with it, so that both see the same machine, and the ratio is the
median of each run's ratio to the floor run beside it (a slow spell on a
shared machine stretches both of a pair, and moves that ratio less). The
workspaces come from ``gen_workspace.py`` (fixed seed, every playbook the
library offers);
``status`` is also timed on a copy of ``examples/workspace``, piped and as at
a terminal (TTY_COMPATIBLE=1, so rich draws the table).
``list``/``due`` "first run" deletes the index before each run (it is built
then); "warm" runs find it. The Excel figures come from ``excel_bench.py``
when it exists (skip with ``--no-excel``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
TODAY = "2026-06-01"  # fixed, so that overdue counts are the same on any day
PARSE_ALL = (
    "import os, sys, tomllib\n"
    "base = sys.argv[1]\n"
    "for name in sorted(os.listdir(base)):\n"
    "    with open(os.path.join(base, name, 'client.toml'), 'rb') as f:\n"
    "        tomllib.load(f)\n"
)
RENDER_ALL = """
import json, sys, time
started = time.perf_counter()
from datetime import date
from pathlib import Path
from onboard.storage.library import Library
from onboard.emails.compose import Emails
from onboard.emails.missing import MissingValuesError
from onboard.storage.store import Store
from onboard.storage.workspace import open_workspace
home, slug = Path(sys.argv[1]), sys.argv[2]
ws = open_workspace(home)
state = Store(ws.clients_dir).load(slug)
playbook = Library(ws.templates_dir).load(state.playbook, state.playbook_revision)
emails = Emails(ws.templates_dir)
ready = time.perf_counter()
rendered = missing = 0
for name in emails.names(playbook.id):
    try:
        emails.render(playbook, state, name, date.fromisoformat(sys.argv[3]), ws.settings.holidays)
        rendered += 1
    except MissingValuesError:
        missing += 1
done = time.perf_counter()
print(json.dumps({"startup": ready - started, "render": done - ready, "rendered": rendered, "missing": missing}))
"""


EXAMPLE_CLIENT = "acme-corp"
FINGERPRINT = (
    "import time\n"
    "from onboard.cache.fingerprint import current\n"
    "started = time.perf_counter()\n"
    "current()\n"
    "print(time.perf_counter() - started)\n"
)


def ignore_cache(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == ".onboard-cache"]


def first_fingerprint(runs: int) -> float:
    """Median seconds of the code fingerprint's one computation in a fresh process (it stats every module)."""
    times = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", FINGERPRINT], capture_output=True, env=env(), check=True)
        times.append(float(done.stdout))
    return statistics.median(times)


def onboard_command() -> list[str]:
    script = Path(sys.executable).with_name("onboard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "onboard"]


def env(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if k not in ("ONBOARD_HOME", "FORCE_COLOR")}
    values.update(ONBOARD_NOW=TODAY, COLUMNS="100", ONBOARD_USER="bench", **extra)
    return values


def wall(command: list[str], **extra: str) -> float:
    """Seconds one run of ``command`` takes, its output thrown away (``extra``: more environment)."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env(**extra))
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")
    return elapsed


def compare(
    command: list[str], floor: list[str] | None, runs: int, before=None, **extra: str
) -> tuple[float, float | None, float | None]:
    """Medians of ``command``, of ``floor`` and of their ratio run by run, run alternately
    (``before`` runs ahead of each command run).

    ``extra`` is more environment for ``command``, such as TTY_COMPATIBLE=1 to draw as at a terminal.
    """
    wall(command, **extra)  # warm the file cache and the bytecode, like any second run
    if floor:
        wall(floor)
    ours, theirs = [], []
    for _ in range(runs):
        if before:
            before()
        ours.append(wall(command, **extra))
        if floor:
            theirs.append(wall(floor))
    if not floor:
        return statistics.median(ours), None, None
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    return statistics.median(ours), statistics.median(theirs), ratio


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float, str, float | None, float | None, str, str]] = []

    def add(self, figure, size, ours, floor_name, floor, target=None, limit=None, absolute=None, ratio=None):
        """``target``: the ratio to meet; ``absolute``: seconds to stay under; ``ratio``: from :func:`compare`."""
        met = ""
        if target is not None and ratio is not None:
            met = "yes" if ratio <= target else "NO"
            goal = f"<= {target}x"
        elif absolute is not None:
            met = "yes" if ours <= absolute else "NO"
            goal = f"< {absolute:g} s"
        else:
            goal = limit or ""
        self.rows.append((figure, size, ours, floor_name, floor, ratio, goal, met))
        print(f"  {figure} [{size}]: {_ms(ours)}" + (f" / {_ms(floor)}" if floor else ""))

    def print(self) -> None:
        head = ("figure", "size", "median", "floor", "floor median", "ratio", "target", "met")
        lines = []
        for figure, size, ours, floor_name, floor, ratio, goal, met in self.rows:
            shown = f"{ratio:.2f}x" if ratio is not None else ""
            lines.append((figure, size, _ms(ours), floor_name, _ms(floor) if floor else "", shown, goal, met))
        widths = [max(len(str(r[i])) for r in [head, *lines]) for i in range(len(head))]
        for n, line in enumerate([head, *lines]):
            print(
                "  ".join(
                    str(c).ljust(w) if i in (0, 1, 3, 6) else str(c).rjust(w)
                    for i, (c, w) in enumerate(zip(line, widths, strict=True))
                )
            )
            if n == 0:
                print("  ".join("-" * w for w in widths))


def _ms(seconds: float) -> str:
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def make_workspace(base: Path, count: int) -> Path:
    from gen_workspace import generate

    root = base / f"ws-{count}"
    if not (root / "clients").is_dir():
        started = time.perf_counter()
        generate(root, count, quiet=True)
        print(f"  generated {count:,} clients in {time.perf_counter() - started:.1f} s")
    return root


def settle(root: Path) -> None:
    """Build the index, after waiting out the two seconds in which a new file is neither indexed nor kept."""
    files = [root / "onboard.toml", *(root / "clients").glob("*/client.toml")]
    newest = max(max(st.st_mtime, st.st_ctime) for st in (p.stat() for p in files))
    time.sleep(max(0.0, newest + 2.2 - time.time()))
    for _ in range(2):
        wall([*onboard_command(), "--home", str(root), "list"])


def render_row(table: Table, root: Path, runs: int) -> None:
    try:
        import onboard.emails.compose  # noqa: F401
    except ImportError:
        table.add("render every email of a client", "-", 0.0, "skipped: no onboard.emails.compose", None)
        return
    # The client of the workspace for whom the most emails can be rendered.
    best, best_count = None, -1
    for folder in sorted((root / "clients").iterdir())[:40]:
        done = subprocess.run(
            [sys.executable, "-c", RENDER_ALL, str(root), folder.name, TODAY], capture_output=True, env=env()
        )
        if done.returncode == 0:
            result = json.loads(done.stdout)
            if result["rendered"] > best_count:
                best, best_count = folder.name, result["rendered"]
    if best is None:
        table.add("render every email of a client", "-", 0.0, "skipped: nothing renders", None)
        return
    results = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", RENDER_ALL, str(root), best, TODAY],
            capture_output=True,
            env=env(),
            check=True,
        )
        results.append(json.loads(done.stdout))
    render = statistics.median(r["render"] for r in results)
    n, m = results[0]["rendered"], results[0]["missing"]
    label = f"{n} rendered" + (f", {m} stopped at missing values" if m else "")
    table.add(
        "render every email of a client (in-process, after start-up)", label, render, "", None, absolute=0.1
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 clients, fewer runs")
    parser.add_argument("--runs", type=int, help="runs per figure (default 9, quick 5)")
    parser.add_argument("--sizes", help="comma-separated client counts (default 100,1000,10000)")
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the generated workspaces in DIR")
    parser.add_argument("--no-excel", action="store_true", help="skip benchmarks/excel_bench.py")
    args = parser.parse_args()
    runs = args.runs or (5 if args.quick else 9)
    sizes = [int(s) for s in (args.sizes or ("100,1000" if args.quick else "100,1000,10000")).split(",")]
    slow_runs = max(3, runs // 3)

    print(
        f"onboard benchmarks: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}; medians of {runs} runs (first-run builds: {slow_runs})"
    )
    # Installed packages carry compiled bytecode; a checkout may not (PYTHONDONTWRITEBYTECODE).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "onboard")], check=True)

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="onboard-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    onboard = onboard_command()
    py = sys.executable
    table = Table()
    try:
        small = make_workspace(base, 10)
        settle(small)
        client = sorted(p.name for p in (small / "clients").iterdir())[0]
        ours, _, _ = compare([py, "-c", "pass"], None, runs)
        table.add("python -c pass", "-", ours, "", None)
        ours, floor, ratio = compare([*onboard, "--help"], [py, "-c", "import click"], runs)
        table.add("onboard --help", "-", ours, "import click", floor, target=1.3, ratio=ratio)
        status_floor = [py, "-c", "import click, tomllib, rich.console, rich.table"]
        status_small, floor, ratio = compare(
            [*onboard, "--home", str(small), "status", client], status_floor, runs
        )
        table.add(
            "onboard status CLIENT",
            "10 clients",
            status_small,
            "import click, tomllib, rich",
            floor,
            1.2,
            ratio=ratio,
        )
        example = base / "example"
        if not example.is_dir():
            shutil.copytree(ROOT / "examples" / "workspace", example, ignore=ignore_cache)
        settle(example)
        for label, extra in (("", {}), (", as at a terminal", {"TTY_COMPATIBLE": "1"})):
            argv = [*onboard, "--home", str(example), "status", EXAMPLE_CLIENT]
            ours, floor, ratio = compare(argv, status_floor, runs, **extra)
            table.add(
                f"onboard status CLIENT{label}",
                "examples/workspace",
                ours,
                "import click, tomllib, rich",
                floor,
                1.2,
                ratio=ratio,
            )
        table.add(
            "code fingerprint, once per process", "-", first_fingerprint(runs), "", None, absolute=0.002
        )
        kept = small / ".onboard-cache" / "status" / f"{client}.bin"
        rebuilt, floor, ratio = compare(
            [*onboard, "--home", str(small), "status", client],
            status_floor,
            runs,
            before=lambda: kept.unlink(missing_ok=True),
        )
        table.add(
            "onboard status CLIENT, first run after a change",
            "10 clients",
            rebuilt,
            "import click, tomllib, rich",
            floor,
            ratio=ratio,
        )

        warm: dict[str, dict[int, float]] = {"list": {}, "due": {}}
        biggest = None
        for count in sizes:
            root = make_workspace(base, count)
            settle(root)
            parse = [py, "-c", PARSE_ALL, str(root / "clients")]
            cache = root / ".onboard-cache"
            for command in ("list", "due"):
                argv = [*onboard, "--home", str(root), command]
                ours, floor, ratio = compare(
                    argv, parse, slow_runs, before=lambda c=cache: shutil.rmtree(c, True)
                )
                table.add(
                    f"onboard {command}, first run (builds the index)",
                    f"{count:,} clients",
                    ours,
                    "tomllib parse of every file",
                    floor,
                    target=1.5 if command == "list" and count >= 10_000 else None,
                    ratio=ratio,
                )
                wall(argv)  # leave a complete index behind
                ours, floor, ratio = compare(argv, parse, runs)
                absolute = 1.0 if count >= 10_000 else None
                table.add(
                    f"onboard {command}, warm",
                    f"{count:,} clients",
                    ours,
                    "tomllib parse of every file",
                    floor,
                    absolute=absolute,
                    ratio=ratio,
                )
                warm[command][count] = ours
                ours, floor, ratio = compare([*argv, "--json"], parse, runs)
                table.add(
                    f"onboard {command} --json, warm",
                    f"{count:,} clients",
                    ours,
                    "tomllib parse of every file",
                    floor,
                    absolute=absolute,
                    ratio=ratio,
                )
            biggest = root

        if biggest is not None and biggest != small:
            size = f"{int(biggest.name.split('-')[1]):,} clients"
            status_big = [*onboard, "--home", str(biggest), "status", client]
            ours, floor, ratio = compare(status_big, status_floor, runs)
            table.add(
                "onboard status CLIENT", size, ours, "import click, tomllib, rich", floor, 1.2, ratio=ratio
            )
            status_at_10 = [*onboard, "--home", str(small), "status", client]
            ours, floor, ratio = compare(status_big, status_at_10, runs)
            table.add(
                "onboard status CLIENT, same client",
                f"{size} vs 10",
                ours,
                "status at 10 clients",
                floor,
                1.1,
                ratio=ratio,
            )

        render_row(table, make_workspace(base, sizes[0]), runs)
        print()
        table.print()
        for command, by_size in warm.items():
            counts = sorted(by_size)
            if len(counts) > 1:
                steps = "; ".join(
                    f"{a:,} -> {b:,} clients (x{b / a:g}): time x{by_size[b] / by_size[a]:.1f}"
                    for a, b in pairwise(counts)
                )
                print(f"growth of warm `onboard {command}`: {steps}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)

    excel = HERE / "excel_bench.py"
    if excel.exists() and not args.no_excel:
        print("\nExcel (benchmarks/excel_bench.py):", flush=True)
        extra = ["--sizes", "1000,10000"] if args.quick else []
        subprocess.run([py, str(excel), *extra], check=False)


if __name__ == "__main__":
    main()
