"""Whole-process time and peak memory of onboard's Excel commands, each beside its openpyxl floor.

    python benchmarks/excel_bench.py                      # 1,000, 10,000 and 50,000 rows, 3 runs each
    python benchmarks/excel_bench.py --sizes 1000,5000 --runs 5
    python benchmarks/excel_bench.py --sizes 50000 --runs 5 --kinds attendance

Every figure is a fresh process, timed from start to exit (start-up
included) and its peak resident memory read from the kernel (``wait4``'s
``ru_maxrss``) — the numbers a coordinator sees. (A child starts with its
parent's high-water mark, so this script keeps itself small: it never
imports onboard or openpyxl, and prepares each workspace in a child too.)
Each command runs alternately with its floor, in the same run, and the
table shows medians; the ratio is the median of each run's ratio to the
floor run just before it, so a slow spell on a shared machine, which
stretches both of a pair, moves it less than it moves a ratio of medians.
The package is byte-compiled first, as an install does. The targets are
for 50,000 rows (at 1,000 the commands' fixed start-up, about 60 ms more
than a bare ``python`` with openpyxl, dominates):

* ``export attendance``: ``onboard export CLIENT attendance`` over a roster
  and recorded attendance of N people, beside the floor: a bare ``python``
  process running an openpyxl write-only loop over the same N rows, the same
  11 columns and values (number, names, email, title, location, LXP, Present
  for each of two days, minutes late, notes), and nothing else.
  Target: at most 1.2 times the floor, peak memory under 100 MB.
* ``import attendance``: ``onboard roster CLIENT --attendance FILE`` reading
  that sheet back (matching every row, merging and storing the attendance),
  beside a bare read-only iteration over the same file. Target: at most 1.3
  times the floor. (Both pay openpyxl's extra pass that counts the rows of
  a sheet that declares no size, as write-only sheets do; a sheet saved by
  Excel declares it.)
* ``export roster`` and ``import roster`` (``onboard export CLIENT roster``,
  ``onboard roster CLIENT --import FILE``), beside the same floors over the
  7-column roster sheet, for reference.

The roster and the recorded attendance are held in memory, so memory grows
with the rows (a few hundred bytes a person); the last column is each
command's peak beside its peak at the smallest size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

DAYS = (date(2026, 3, 16), date(2026, 3, 17))
SLUG = "acme-corp"
TARGETS = {"export attendance": (1.2, 100.0), "import attendance": (1.3, None)}
TARGET_ROWS = 50_000

# The rows: the same values for the floors (generated inline, so a floor process is only
# Python and openpyxl) and for the stored roster and attendance the commands start from.
ROWS = """
def person(i):
    return (f"person{i}@example.com", f"First{i}", f"Last{i}", "Engineering", "London", i % 3 == 0,
            "vegetarian" if i % 5 == 0 else "")

def marks(i):
    return (i % 4 != 0, i % 3 != 0, 5 if i % 7 == 0 else None, "left early" if i % 11 == 0 else "")

def yes_no(value):
    return None if value is None else ("Yes" if value else "No")

def attendance_row(i):
    email, first, last, title, location, lxp, _ = person(i)
    monday, tuesday, late, notes = marks(i)
    return [i + 1, first, last, email, title, location, yes_no(lxp), yes_no(monday), yes_no(tuesday),
            late, notes or None]

def roster_row(i):
    email, first, last, title, location, lxp, notes = person(i)
    return [first, last, email, title, location, yes_no(lxp), notes or None]
"""
_rows: dict = {}
exec(ROWS, _rows)
person, marks = _rows["person"], _rows["marks"]

ATTENDANCE_HEADER = [
    "#",
    "First name",
    "Last name",
    "Email",
    "Title or department",
    "Location",
    "LXP registered",
    "Present 2026-03-16 (Mon)",
    "Present 2026-03-17 (Tue)",
    "Minutes late",
    "Notes",
]
ROSTER_HEADER = [
    "First name",
    "Last name",
    "Email",
    "Title or department",
    "Location",
    "LXP registered",
    "Notes",
]

FLOOR_WRITE = (
    ROWS
    + """
import sys
from openpyxl import Workbook
count, shape, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
row = attendance_row if shape == "attendance" else roster_row
workbook = Workbook(write_only=True)
sheet = workbook.create_sheet(shape)
sheet.append(HEADER)
for i in range(count):
    sheet.append(row(i))
workbook.save(out)
"""
)
FLOOR_READ = """
import sys
from openpyxl import load_workbook
workbook = load_workbook(sys.argv[1], read_only=True)
for row in workbook.active.iter_rows(values_only=True):
    pass
workbook.close()
"""


def run(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one process."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            error = stderr.read().decode("utf-8", "replace")
            raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{error}")
    peak = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return seconds, peak


def onboard(home: Path, *args: str) -> list[str]:
    """The command line a coordinator types: the installed ``onboard`` script when there is one."""
    script = Path(sys.executable).with_name("onboard")
    program = [str(script)] if script.is_file() else [sys.executable, "-m", "onboard"]
    return [*program, "--home", str(home), *args]


def prepare(home: Path, count: int) -> None:
    """A workspace with one training client, its roster and attendance of ``count`` people (not timed)."""
    from onboard.delivery import datafiles
    from onboard.delivery.attendance import SHEET, Attendance, Attendee, Source, as_records
    from onboard.delivery.roster import Person, Roster

    steps = [
        ["init"],
        [
            "new",
            "Acme Corp",
            "--playbook",
            "training-engagement",
            "--set",
            "program=Empathy at Work",
            "--set",
            "business_unit=General",
            "--set",
            "delivery_type=Virtual",
            "--no-input",
        ],
        ["set", SLUG, "course_date=2026-03-16", "course_end_date=2026-03-17", "--force"],
        ["assign", SLUG, "FAC", "Jane Doe"],
    ]
    for step in steps:
        done = subprocess.run(onboard(home, *step), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"onboard {' '.join(step)} failed:\n{done.stdout}{done.stderr}")
    client = home / "clients" / SLUG
    roster = Roster([Person(*person(i), row=i + 2) for i in range(count)], source="bench")
    records = []
    for i, p in enumerate(roster.people):
        monday, tuesday, late, notes = marks(i)
        records.append(Attendee(p.email, p.name, {DAYS[0]: monday, DAYS[1]: tuesday}, late, notes))

    class Store:
        def folder(self, slug):
            return client

        def lock(self, slug):
            from onboard.storage.store import Store

            return Store(client.parent).lock(SLUG)

    datafiles.save_roster(Store(), SLUG, roster)
    earlier = as_records(Attendance(DAYS, records), Source("bench", SHEET, "bench.xlsx", DAYS))
    datafiles.update_attendance(Store(), SLUG, lambda existing: earlier)


def measure(
    folder: Path,
    count: int,
    runs: int,
    env: dict[str, str],
    kinds: tuple[str, ...] = ("roster", "attendance"),
) -> Iterator[tuple[str, list, list]]:
    """(command, its runs, its floor's runs) for each command at one size, each run beside its floor's."""
    home = folder / "ws"
    done = subprocess.run(
        [sys.executable, __file__, "--prepare", str(home), str(count)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"preparing {count} rows failed:\n{done.stderr}")
    out = folder / "out"
    sheets = {"attendance": out / "attendance.xlsx", "roster": out / "roster.xlsx"}

    def export(kind: str) -> tuple[float, float]:
        measured = run(onboard(home, "export", SLUG, kind, "-o", str(out), "--force"), env)
        (made,) = out.glob("Roster-*.xlsx")  # named by the playbook's convention
        shutil.move(made, sheets[kind])
        return measured

    def read_back(kind: str) -> tuple[float, float]:
        option = "--attendance" if kind == "attendance" else "--import"
        measured = run(onboard(home, "roster", SLUG, option, str(sheets[kind])), env)
        if kind == "attendance":  # take the import back (not timed): the same file again changes nothing
            run(onboard(home, "undo", SLUG), env)
        return measured

    def floor_write(kind: str) -> tuple[float, float]:
        header = ATTENDANCE_HEADER if kind == "attendance" else ROSTER_HEADER
        code = f"HEADER = {header!r}\n{FLOOR_WRITE}"
        return run([sys.executable, "-c", code, str(count), kind, str(folder / f"floor-{kind}.xlsx")], env)

    def floor_read(kind: str) -> tuple[float, float]:
        return run([sys.executable, "-c", FLOOR_READ, str(sheets[kind])], env)

    for kind in kinds:
        for name, command, floor in (
            (f"export {kind}", export, floor_write),
            (f"import {kind}", read_back, floor_read),
        ):
            mine, base = [], []
            for _ in range(runs):
                base.append(floor(kind))
                mine.append(command(kind))
            yield name, mine, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated row counts")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command and floor (median shown)")
    parser.add_argument(
        "--kinds", default="roster,attendance", help="comma-separated sheets to time (roster, attendance)"
    )
    parser.add_argument("--prepare", nargs=2, metavar=("HOME", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(Path(args.prepare[0]), int(args.prepare[1]))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    # as installed: bytecode compiled once (pip does it), not recompiled at every start
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(NO_COLOR="1", ONBOARD_USER="bench")
    package = Path(__file__).resolve().parent.parent / "onboard"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], env=env, check=False)
    version = subprocess.run(
        [sys.executable, "-c", "import openpyxl; print(openpyxl.__version__)"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"Python {sys.version.split()[0]}, openpyxl {version}, {os.cpu_count()} cores, "
        f"{sys.platform}; medians of {args.runs} runs; wall time and peak RSS of the whole process"
    )
    head = (
        f"{'rows':>7}  {'command':<18} {'seconds':>8} {'floor s':>8} {'ratio':>6} {'target':>7}  "
        f"{'peak MB':>8} {'floor MB':>8} {'MB target':>9}  {'MB vs ' + format(sizes[0], ','):>10}"
    )
    print(head)
    print("-" * len(head))
    first_peak: dict[str, float] = {}
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in sizes:
            folder = Path(tmp) / str(count)
            folder.mkdir()
            kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
            for name, mine, base in measure(folder, count, args.runs, env, kinds):
                seconds = statistics.median(s for s, _ in mine)
                peak = statistics.median(m for _, m in mine)
                floor_seconds = statistics.median(s for s, _ in base)
                floor_peak = statistics.median(m for _, m in base)
                ratio = statistics.median(m / b for (m, _), (b, _) in zip(mine, base, strict=True))
                target_ratio, target_mb = TARGETS.get(name, (None, None))
                if count != TARGET_ROWS:
                    target_ratio = None
                first_peak.setdefault(name, peak)
                ok = (target_ratio is None or ratio <= target_ratio) and (
                    target_mb is None or peak < target_mb
                )
                if not ok:
                    missed.append(f"{name} at {count:,}")
                print(
                    f"{count:>7,}  {name:<18} {seconds:>8.2f} {floor_seconds:>8.2f} {ratio:>6.2f} "
                    f"{'<=' + str(target_ratio) if target_ratio else '':>7}  {peak:>8.1f} {floor_peak:>8.1f} "
                    f"{'<' + str(int(target_mb)) if target_mb else '':>9}  {peak - first_peak[name]:>+10.1f}"
                    + ("" if ok else "  MISSED"),
                    flush=True,
                )
    print("Targets met." if not missed else "Targets missed: " + ", ".join(missed) + ".")


if __name__ == "__main__":
    main()
