"""Time and peak memory of onboard's Excel work, beside a bare openpyxl floor.

    python benchmarks/excel_bench.py                 # 1,000, 10,000 and 50,000 rows
    python benchmarks/excel_bench.py --sizes 1000,5000

Every measurement runs in a fresh Python process, so its peak resident
memory (``ru_maxrss``) is that operation's alone; the ``baseline`` line is a
process that only imports the same modules, and the "MB over baseline"
column subtracts it. Operations, for N participants:

* ``floor write``: openpyxl write-only, N rows of 7 short strings, nothing else;
* ``floor read``: openpyxl read-only, iterating the rows of that file;
* ``export roster``: ``onboard export CLIENT roster`` without the CLI: load
  roster.toml, write the styled, validated workbook;
* ``import roster``: ``onboard roster CLIENT --import``: scan the zip for
  DTDs, read it in read-only mode, map headers, check and de-duplicate
  every row, write roster.toml;
* ``export attendance``: load roster.toml and attendance.toml, write the
  two-day attendance sheet with its header block and foot formulas;
* ``import attendance``: read that filled-in sheet, match every row to the
  roster, merge and write attendance.toml.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

DAYS = (date(2026, 3, 16), date(2026, 3, 17))
OPERATIONS = (
    "floor write",
    "floor read",
    "export roster",
    "import roster",
    "export attendance",
    "import attendance",
)


def _people(count: int):
    from onboard.roster import Person

    return [
        Person(
            email=f"person{i}@example.com",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            title="Engineering",
            location="London",
            lxp_registered=i % 3 == 0,
            notes="" if i % 5 else "vegetarian",
            row=i + 2,
        )
        for i in range(count)
    ]


def _info():
    from onboard.roster import DeliveryInfo

    return DeliveryInfo(
        client="Acme Corp",
        program="Empathy at Work",
        days=DAYS,
        times="9:00-12:00",
        facilitator="Jane Doe (JD)",
        location="https://zoom.example/j/1",
        delivery_type="Virtual",
    )


def prepare(folder: Path, count: int) -> None:
    """Inputs the measured operations start from (not measured)."""
    import tomli_w

    from onboard.roster import Attendance, Attendee, Roster, attendance_to_document, roster_to_document

    people = _people(count)
    client = folder / "client"
    client.mkdir(exist_ok=True)
    (client / "roster.toml").write_text(tomli_w.dumps(roster_to_document(Roster(people, source="bench"))))
    marks = [
        Attendee(p.email, p.name, {DAYS[0]: i % 4 != 0, DAYS[1]: i % 3 != 0}) for i, p in enumerate(people)
    ]
    (client / "attendance.toml").write_text(tomli_w.dumps(attendance_to_document(Attendance(DAYS, marks))))


class _Store:
    """The lock and folder of a client, as onboard.store.Store gives them."""

    def __init__(self, folder: Path) -> None:
        from onboard.store import Store

        self.store = Store(folder.parent)
        self.slug = folder.name

    def folder(self, slug: str) -> Path:
        return self.store.folder(self.slug)

    def lock(self, slug: str):
        return self.store.lock(self.slug)


def run_operation(operation: str, folder: Path, count: int) -> None:
    from openpyxl import Workbook, load_workbook

    from onboard import delivery, excel
    from onboard.roster import match_marks, merge_attendance

    client = folder / "client"
    if operation == "floor write":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Roster")
        sheet.append(["First name", "Last name", "Email", "Title", "Location", "LXP", "Notes"])
        for i in range(count):
            sheet.append(
                [f"First{i}", f"Last{i}", f"person{i}@example.com", "Engineering", "London", "Yes", ""]
            )
        workbook.save(folder / "floor.xlsx")
    elif operation == "floor read":
        workbook = load_workbook(folder / "floor.xlsx", read_only=True)
        rows = sum(1 for _ in workbook.active.iter_rows(values_only=True))
        workbook.close()
        assert rows == count + 1, rows
    elif operation == "export roster":
        excel.write_roster(folder / "roster.xlsx", delivery.load_roster(client))
    elif operation == "import roster":
        result = excel.import_roster(folder / "roster.xlsx")
        assert len(result.roster.people) == count and not result.problems
        delivery.save_roster(_Store(client), "client", result.roster)
    elif operation == "export attendance":
        roster, attendance = delivery.load_roster(client), delivery.load_attendance(client)
        excel.write_attendance(folder / "attendance.xlsx", roster, _info(), attendance)
    elif operation == "import attendance":
        roster = delivery.load_roster(client)
        imported = excel.import_attendance(folder / "attendance.xlsx", DAYS)
        matching = match_marks(imported.marks, roster)
        assert len(matching.matched) == count, len(matching.matched)

        def merge(existing):
            return merge_attendance(existing, roster, DAYS, imported, matching, {"file": "attendance.xlsx"})

        delivery.update_attendance(_Store(client), "client", merge)
    elif operation != "baseline":
        raise SystemExit(f"unknown operation {operation!r}")


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def child(operation: str, folder: Path, count: int) -> None:
    import openpyxl  # noqa: F401  (the baseline imports what the operations import)
    import tomli_w  # noqa: F401

    import onboard.delivery
    import onboard.excel  # noqa: F401

    if operation == "prepare":
        prepare(folder, count)
        return
    start = time.perf_counter()
    run_operation(operation, folder, count)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb()}))


def measure(operation: str, folder: Path, count: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", operation, str(folder), str(count)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{operation} ({count} rows) failed:\n{done.stderr}")
    return json.loads(done.stdout) if done.stdout.strip() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated row counts")
    parser.add_argument("--child", nargs=3, metavar=("OPERATION", "DIR", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        operation, folder, count = args.child
        child(operation, Path(folder), int(count))
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        baseline = measure("baseline", Path(tmp), 0)["peak_mb"]
        print(f"Python {sys.version.split()[0]} on {sys.platform}; baseline process {baseline:.0f} MB")
        print(f"{'rows':>7}  {'operation':<18} {'seconds':>8} {'rows/s':>9} {'MB over baseline':>17}")
        for count in sizes:
            folder = Path(tmp) / str(count)
            folder.mkdir()
            measure("prepare", folder, count)
            for operation in OPERATIONS:
                result = measure(operation, folder, count)
                rate = count / result["seconds"] if result["seconds"] else float("inf")
                print(
                    f"{count:>7}  {operation:<18} {result['seconds']:>8.2f} {rate:>9,.0f} "
                    f"{result['peak_mb'] - baseline:>17.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
