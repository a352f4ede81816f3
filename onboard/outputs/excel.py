"""Excel and CSV files in and out: rosters, attendance sheets, evaluation summaries.

openpyxl is imported inside the functions that need it, so only the commands
that touch a workbook pay for it. Workbooks are written in write-only mode
and read in read-only mode, row by row, so memory does not grow with the
sheet; a rich progress bar appears on stderr when a file takes more than
:data:`PROGRESS_DELAY` seconds.

Reading is defensive. An .xlsx is a zip of XML parts; before openpyxl sees
one, every part is scanned for a DTD or entity declaration (which a workbook
saved by Excel never has: it is how entity-expansion attacks start) and the
file is refused if it has one. openpyxl itself must be parsing with
defusedxml (:func:`check_defused`). Password-protected workbooks, old .xls
files, non-Excel files named .xlsx and empty files are refused with a
message naming the file.

Writing is defensive too: text that a spreadsheet would take for a formula
(``=``, ``+``, ``-``, ``@``) is written as an explicit text cell with a
quote prefix, so Excel shows it and never evaluates it.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
import time as clock
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from onboard.delivery.attendance import Attendance
from onboard.delivery.bulk import collector_paused
from onboard.delivery.cells import FORMULA_PREFIXES, FormulaCell, column_letter
from onboard.delivery.evaluations import (
    EvalImport,
    EvalSummary,
    Evaluations,
    Scale,
    parse_evaluations,
    scale_in_header,
)
from onboard.delivery.facts import DeliveryInfo
from onboard.delivery.headers import HeaderNotFound
from onboard.delivery.marks import FOOT_MARK, AttendanceImport, parse_attendance
from onboard.delivery.roster import ROSTER_FIELDS, ROSTER_HEADERS, Person, RosterImport, parse_roster
from onboard.errors import OnboardError
from onboard.outputs.formulas import FormulaScan, sheet_parts
from onboard.storage.atomic import fsync_dir, replace_file, temporary

XLSX_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
MAX_UNCOMPRESSED = 1 << 30
PROGRESS_DELAY = 0.5
_FORMULA_FIRST = frozenset(prefix[0] for prefix in FORMULA_PREFIXES)
BLANK_ROWS = 500
MAX_CELL = 32767

ATTENDANCE_TITLE = "Attendance record"
ATTENDANCE_HEADER_ROW = 10
EVAL_HEADER_ROW = 14
_XML_PARTS = (".xml", ".rels", ".vml")
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
_REFUSED_HINT = (
    "A workbook saved by Excel never has one. Ask for the file again, or open and save it in Excel."
)
_PROTECTED_HINT = (
    "Open it in Excel, remove the password (File > Info > Protect Workbook) and save it as .xlsx "
    "(or save it as CSV UTF-8), then import that file."
)

# ---------------------------------------------------------------- progress


class Ticker:
    """Counts rows; shows a transient rich progress bar once the work has taken a moment."""

    def __init__(self, console: Any, label: str, total: int | None = None) -> None:
        self.console = console if console is not None and getattr(console, "is_terminal", False) else None
        self.label = label
        self.total = total
        self.count = 0
        self._shown = 0
        self._start = clock.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def advance(self, amount: int = 1) -> None:
        self.count += amount
        if self.console is None or self.count - self._shown < 256:
            return
        self._shown = self.count
        if self._progress is None:
            if clock.monotonic() - self._start < PROGRESS_DELAY:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=self.total)
        self._progress.update(self._task, completed=self.count)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> Ticker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- reading


def check_defused() -> None:
    """Refuse to read workbooks unless openpyxl parses XML with defusedxml.

    ``openpyxl.DEFUSEDXML`` is openpyxl's own switch, and
    ``openpyxl.xml.functions.iterparse`` the parser every part of a workbook
    is read with; both are public names of openpyxl. An openpyxl without
    them is refused the same way (tests/test_excel.py says which changed).
    """
    import openpyxl
    import openpyxl.xml.functions

    parser = getattr(openpyxl.xml.functions, "iterparse", None)
    if not openpyxl.DEFUSEDXML or not getattr(parser, "__module__", "").startswith("defusedxml"):
        raise OnboardError(
            "onboard reads .xlsx files only with defusedxml, and openpyxl is not using it.",
            "Install it (pip install defusedxml) and make sure OPENPYXL_DEFUSEDXML is not set to False.",
        )


def file_kind(path: Path) -> str:
    """'xlsx' or 'csv', from the file's first bytes; refuses what onboard cannot read."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except FileNotFoundError:
        raise OnboardError(f"{path}: file not found.") from None
    except IsADirectoryError:
        raise OnboardError(f"{path}: is a folder, not a file.") from None
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
    if not head:
        raise OnboardError(f"{path}: the file is empty.", "Ask for the file again; nothing was stored.")
    suffix = path.suffix.lower()
    if head.startswith(CFB_MAGIC):
        raise OnboardError(
            f"{path}: a password-protected workbook or an old-style .xls file, which onboard cannot read.",
            _PROTECTED_HINT,
        )
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if suffix in XLSX_SUFFIXES or suffix == ".xls":
        looks = " (it looks like text: a CSV with the wrong name?)" if _looks_like_text(head) else ""
        raise OnboardError(
            f"{path}: not an Excel workbook, although its name ends in {suffix}{looks}.",
            "Open it in Excel and save it as .xlsx, or give a CSV file a .csv name.",
        )
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise OnboardError(f"{path}: not a spreadsheet or CSV file (it holds binary data).")
    return "csv"


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def check_xlsx(path: Path) -> dict[str, FormulaScan]:
    """Refuse a zip that is not a workbook, is too large, or declares a DTD or entities in any XML part.

    Returns, by sheet name, the formula cells that have no usable saved
    value (:mod:`onboard.outputs.formulas`), found in the same reading.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise OnboardError(
            f"{path}: not a readable Excel workbook ({exc}).", "Open it in Excel and save it again."
        ) from None
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            what = " (a Word document?)" if any(n.startswith("word/") for n in names) else ""
            raise OnboardError(
                f"{path}: a zip file but not an Excel workbook{what}.",
                "Export the roster from Excel as .xlsx, or as CSV.",
            )
        if any(info.flag_bits & 0x1 for info in infos):
            raise OnboardError(f"{path}: parts of the file are encrypted.", _PROTECTED_HINT)
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
            raise OnboardError(
                f"{path}: unpacks to more than 1 GB; refused.", "Split the file, or save it as CSV."
            )
        scans = {}
        for info in infos:
            if info.filename.lower().endswith(_XML_PARTS):
                scans[info.filename] = _scan_part(path, archive, info)
        return {title: scans[part] for title, part in sheet_parts(archive).items() if part in scans}


def _scan_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> FormulaScan:
    tail = b""
    formulas = FormulaScan()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                if any(marker in block for marker in _DTD_MARKERS):
                    raise OnboardError(
                        f"{path}: {info.filename} declares a DTD or XML entities "
                        "(the start of an entity-expansion attack); the file was refused unread.",
                        _REFUSED_HINT,
                    )
                formulas.feed(chunk)
                tail = block[-32:]
            formulas.feed(b"", final=True)
            return formulas
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise OnboardError(
            f"{path}: {info.filename} is damaged ({exc}).", "Open it in Excel and save it again."
        ) from None


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


Rows = Iterator[tuple[int, tuple[Any, ...]]]


@contextlib.contextmanager
def open_tables(
    path: Path, console: Any = None, label: str = "Reading"
) -> Iterator[list[tuple[str, Callable[[], Rows]]]]:
    """The tables of a file, each as (name, function returning its rows as (row number, values)).

    An xlsx gives one table per worksheet, the active one first; a CSV gives one.
    """
    path = Path(path)
    kind = file_kind(path)
    if kind == "csv":
        yield [("", lambda: _csv_rows(path, console, label))]
        return
    check_defused()
    formulas = check_xlsx(path)
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:
        raise OnboardError(
            f"{path}: cannot be read as an Excel workbook ({_reason(exc)}).",
            "Open it in Excel and save it again as .xlsx.",
        ) from None
    try:
        sheets = list(workbook.worksheets)
        try:
            active = workbook.active
        except Exception:
            active = None
        if active in sheets:
            sheets.remove(active)
            sheets.insert(0, active)
        tables = [
            (ws.title, _rows_of(path, ws, console, label, formulas.get(ws.title)))
            for ws in sheets
            if hasattr(ws, "iter_rows")
        ]
        if not tables:
            raise OnboardError(f"{path}: the workbook has no worksheets.")
        yield tables
    finally:
        workbook.close()


def _rows_of(
    path: Path, ws: Any, console: Any, label: str, formulas: FormulaScan | None = None
) -> Callable[[], Rows]:
    """The rows of a read-only sheet, to the last one whatever size the sheet declares.

    The values are those saved with the file; a formula cell without a
    usable one is a :class:`~onboard.delivery.cells.FormulaCell` in its row.
    The declared size (or openpyxl's count when none is declared) only sizes
    the progress bar: a size written wrong by another program must not cut
    the rows short, hence ``reset_dimensions``.
    """
    if formulas is not None and formulas.unplaced:
        raise OnboardError(
            f"{path}: sheet {ws.title!r} has {formulas.unplaced} formula(s) with no value saved, "
            "in cells the file does not name.",
            "Open it in a spreadsheet application and save it, then import it again.",
        )
    unusable = _by_row(formulas.cells) if formulas is not None else {}

    def rows() -> Rows:
        total = ws.max_row if isinstance(ws.max_row, int) and ws.max_row > 1 else None
        ws.reset_dimensions()
        with Ticker(console, f"{label} {path.name}", total) as ticker:
            try:
                for number, values in enumerate(ws.iter_rows(values_only=True), 1):
                    ticker.advance()
                    if number in unusable:
                        values = _with_markers(values, unusable[number])
                    yield number, values
            except OnboardError:
                raise
            except Exception as exc:
                raise OnboardError(
                    f"{path}: sheet {ws.title!r} cannot be read ({_reason(exc)}).",
                    "Open it in Excel and save it again as .xlsx.",
                ) from None

    return rows


def _by_row(cells: dict[tuple[int, int], FormulaCell]) -> dict[int, list[tuple[int, FormulaCell]]]:
    rows: dict[int, list[tuple[int, FormulaCell]]] = {}
    for (row, column), marker in cells.items():
        rows.setdefault(row, []).append((column, marker))
    return rows


def _with_markers(values: tuple[Any, ...], markers: list[tuple[int, FormulaCell]]) -> tuple[Any, ...]:
    """The row with each formula cell that has no usable value replaced by its marker."""
    row = list(values)
    for column, marker in markers:
        if column > len(row):
            row.extend([None] * (column - len(row)))
        row[column - 1] = marker
    return tuple(row)


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or UTF-16 by BOM; Windows-1252 when it is not UTF-8."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _delimiter(sample: str) -> str:
    lines = sample.splitlines()[:50]
    if any("\t" in line for line in lines):
        return "\t"
    semicolons = sum(line.count(";") for line in lines)
    commas = sum(line.count(",") for line in lines)
    return ";" if semicolons > commas else ","


def _csv_rows(path: Path, console: Any, label: str) -> Rows:
    encoding = _csv_encoding(path)
    try:
        with path.open("r", encoding=encoding, errors="strict", newline="") as handle:
            delimiter = _delimiter(handle.read(64 * 1024))
            handle.seek(0)
            reader = csv.reader(handle, delimiter=delimiter)
            with Ticker(console, f"{label} {path.name}") as ticker:
                try:
                    for number, row in enumerate(reader, 1):
                        ticker.advance()
                        yield number, tuple(row)
                except csv.Error as exc:
                    raise OnboardError(f"{path}: line {reader.line_num}: {exc}.") from None
    except UnicodeDecodeError as exc:
        raise OnboardError(
            f"{path}: not {encoding} text (byte {exc.start}).", "Save it as CSV UTF-8."
        ) from None


def import_roster(path: Path, console: Any = None) -> RosterImport:
    """Read a roster from an xlsx (the first sheet with an email column) or a CSV."""
    with open_tables(Path(path), console, "Reading roster") as tables, collector_paused():
        first_error: HeaderNotFound | None = None
        for _, rows in tables:
            try:
                return parse_roster(rows(), str(path))
            except HeaderNotFound as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise first_error


def import_attendance(
    path: Path,
    days: Sequence[date],
    *,
    day: date | None = None,
    date_order: str | None = None,
    default_order: str | None = None,
    console: Any = None,
) -> AttendanceImport:
    """Read a filled-in attendance sheet (ours or anyone's) or a meeting attendance report (its first sheet).

    ``date_order`` (--date-order) and ``default_order`` (the workspace's
    setting) say how a report's dates like 03/04/2026 read when the file
    does not settle it (:func:`onboard.delivery.marks.settle_date_order`).
    """
    with open_tables(Path(path), console, "Reading attendance") as tables, collector_paused():
        return parse_attendance(
            tables[0][1](), str(path), days, day=day, date_order=date_order, default_order=default_order
        )


def import_evaluations(
    path: Path, console: Any = None, scales: Mapping[str, str] | None = None
) -> EvalImport:
    """Read evaluation responses: one row per response, one column per question.

    ``scales`` (--scale) maps the start of a question's header to its scale.
    """
    with open_tables(Path(path), console, "Reading evaluations") as tables:
        return parse_evaluations(tables[0][1](), str(path), scales)


# ---------------------------------------------------------------- writing


def place(
    directory: Path, stem: str, write: Callable[[Path], None], *, force: bool = False, suffix: str = ".xlsx"
) -> Path:
    """Write a file into ``directory`` as ``stem + suffix`` without ever replacing one silently.

    ``write`` fills a temporary file beside it (:mod:`onboard.storage.atomic`),
    which is fsynced before it gets its name. An existing file of that name
    is kept and the new one becomes ``stem (2).xlsx`` (then 3, ...): the name
    is taken with a hard link, which fails rather than replace a file that
    appeared meanwhile. With ``force`` the existing file is replaced. Either
    way the folder is fsynced, so the new name lasts through a crash.
    """
    directory.mkdir(parents=True, exist_ok=True)
    first = directory / f"{stem}{suffix}"
    tmp, fd = temporary(first)
    os.close(fd)
    try:
        write(tmp)
        with tmp.open("rb+") as handle:
            os.fsync(handle.fileno())
        if force:
            replace_file(tmp, first)
            return first
        for number in range(1, 1000):
            target = first if number == 1 else directory / f"{stem} ({number}){suffix}"
            try:
                os.link(tmp, target)
            except FileExistsError:
                continue
            except OSError:  # no hard links on this file system: check, then move
                if target.exists():
                    continue
                replace_file(tmp, target)
                return target
            fsync_dir(directory)
            return target
        raise OnboardError(f"{directory}: already holds 999 files named {stem}; pass --force or tidy up.")
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


class _Writer:
    """A write-only workbook with the few styles onboard uses."""

    def __init__(self) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import Cell, WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self._cell_types = (Cell, WriteOnlyCell)
        self._illegal = ILLEGAL_CHARACTERS_RE
        self.workbook = Workbook(write_only=True)
        thin = Side(style="thin", color="9CA3AF")
        self.header_font = Font(bold=True, color="FFFFFF")
        self.header_fill = PatternFill("solid", fgColor="1F4E79")
        self.header_border = Border(bottom=thin, top=thin, left=thin, right=thin)
        self.wrap = Alignment(vertical="center", wrap_text=True)
        self.title_font = Font(bold=True, size=14)
        self.label_font = Font(bold=True)

    def sheet(self, title: str, widths: Sequence[float]) -> Any:
        ws = self.workbook.create_sheet(title)
        for index, width in enumerate(widths, 1):
            ws.column_dimensions[column_letter(index)].width = width
        return ws

    def text(self, ws: Any, value: Any) -> Any:
        """A value for a cell: text that looks like a formula becomes an explicit text cell.

        Called for every text cell of a sheet, so the usual case (printable
        text that is not formula-like) costs two string tests.
        """
        if type(value) is not str:
            if not isinstance(value, str):
                return value
            value = str(value)
        if not value:
            return None
        if not value.isprintable():  # control characters are never printable; most other text is
            value = self._illegal.sub("", value)
            if not value:
                return None
        if len(value) > MAX_CELL:
            value = value[:MAX_CELL]
        if value[0] not in _FORMULA_FIRST:
            return value
        cell = self._cell_types[1](ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def styled(
        self, ws: Any, value: Any, *, font: Any = None, header: bool = False, number_format: str = ""
    ) -> Any:
        cell_type, write_only_cell = self._cell_types
        content = self.text(ws, value)
        cell = content if isinstance(content, cell_type) else write_only_cell(ws, value=content)
        if header:
            cell.font, cell.fill, cell.border, cell.alignment = (
                self.header_font,
                self.header_fill,
                self.header_border,
                self.wrap,
            )
        elif font is not None:
            cell.font = font
        if number_format:
            cell.number_format = number_format
        return cell

    def header_row(self, ws: Any, names: Sequence[str]) -> list[Any]:
        return [self.styled(ws, name, header=True) for name in names]

    def save(self, path: Path) -> None:
        self.workbook.save(path)


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("Yes" if value else "No")


def _validation(kind: str, ref: str, **options: Any) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation

    if kind == "yes-no":
        rule = DataValidation(type="list", formula1='"Yes,No"', allow_blank=True)
        rule.error, rule.errorTitle = "Choose Yes or No.", "Yes or No"
    elif kind == "email":
        first = ref.split(":")[0]
        rule = DataValidation(
            type="custom",
            formula1=(
                f'AND(ISNUMBER(SEARCH("@",{first})),ISNUMBER(SEARCH(".",{first},SEARCH("@",{first})+2)),'
                f'ISERROR(SEARCH(" ",{first})))'
            ),
            allow_blank=True,
        )
        rule.error, rule.errorTitle = "Enter an email address like name@example.com.", "Email"
    else:
        rule = DataValidation(
            type="whole", operator="between", formula1="0", formula2="1440", allow_blank=True
        )
        rule.error, rule.errorTitle = (
            "Enter the minutes late as a whole number (0 if on time).",
            "Minutes late",
        )
    rule.showErrorMessage = True
    for key, value in options.items():
        setattr(rule, key, value)
    rule.add(ref)
    return rule


ROSTER_WIDTHS = (16, 18, 32, 28, 18, 15, 40)


def write_roster(path: Path, roster: Iterable[Person] | None = None, *, console: Any = None) -> None:
    """The roster workbook: our columns, styled frozen header, validation; blank when no roster.

    ``roster`` is read once, in its order.
    """
    out = _Writer()
    ws = out.sheet("Roster", ROSTER_WIDTHS)
    ws.freeze_panes = "A2"
    ws.append(out.header_row(ws, [ROSTER_HEADERS[f] for f in ROSTER_FIELDS]))
    count = 0
    if roster is not None:
        append, text = ws.append, out.text
        with Ticker(console, f"Writing {path.name}", _size(roster)) as ticker:
            for person in roster:
                append(
                    [
                        text(ws, person.first_name),
                        text(ws, person.last_name),
                        text(ws, person.email),
                        text(ws, person.title),
                        text(ws, person.location),
                        _yes_no(person.lxp_registered),
                        text(ws, person.notes),
                    ]
                )
                count += 1
                ticker.advance()
    # validations and the filter are written after the rows, so they can count them
    last = max(count, BLANK_ROWS) + 1
    ws.data_validations.append(_validation("email", f"C2:C{last}"))
    ws.data_validations.append(_validation("yes-no", f"F2:F{last}"))
    ws.auto_filter.ref = f"A1:G{max(count + 1, 2)}"
    if roster is None:
        notes = out.sheet("How to fill in", (100,))
        for line in (
            "One row per participant; keep the header row as it is.",
            "Email is required: people are matched by email (then by name) on attendance and evaluations.",
            "Title or department, location and notes are optional.",
            "LXP registered: Yes or No (leave blank if not known).",
            "Send it back as .xlsx or CSV; import it with: onboard roster CLIENT --import FILE",
        ):
            notes.append([line])
    out.save(path)


def _size(rows: Any) -> int | None:
    try:
        return len(rows)
    except TypeError:
        return None


def write_attendance(
    path: Path,
    roster: Iterable[Person],
    info: DeliveryInfo,
    attendance: Attendance | None = None,
    *,
    console: Any = None,
) -> None:
    """The attendance record: header block, a numbered row per participant, Present per day, totals.

    Totals and the absentee list at the foot are formulas over the sheet's
    own cells, so they follow whatever the facilitator fills in. ``roster``
    is read once, in its order; each person's recorded attendance, if any,
    fills their row.
    """
    if not info.days:
        raise OnboardError(
            "The attendance sheet needs the course date.",
            "Set it with `onboard set CLIENT course_date=YYYY-MM-DD` (and course_end_date for more days).",
        )
    out = _Writer()
    ws = _attendance_header(out, info)
    with Ticker(console, f"Writing {path.name}", _size(roster)) as ticker:
        count = _attendance_rows(out, ws, roster, info.days, attendance, ticker)
    _attendance_footer(out, ws, info.days, count)
    out.save(path)


_ATTENDANCE_NAMES = (
    "#",
    "First name",
    "Last name",
    "Email",
    "Title or department",
    "Location",
    "LXP registered",
)
_FIRST_DAY = len(_ATTENDANCE_NAMES) + 1  # the column of the first day's Present


def _attendance_header(out: _Writer, info: DeliveryInfo) -> Any:
    """The sheet with its title, the delivery's block and the column headers (row 10)."""
    days = info.days
    day_headers = [f"Present {d.isoformat()} ({d:%a})" for d in days]
    widths = [5, 16, 18, 32, 26, 16, 11, *([15] * len(days)), 10, 40]
    ws = out.sheet("Attendance", widths)
    ws.freeze_panes = f"C{ATTENDANCE_HEADER_ROW + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.append([out.styled(ws, ATTENDANCE_TITLE, font=out.title_font)])
    block = [
        ("Course / program", info.program),
        ("Client", info.client),
        ("Dates", info.dates_text),
        ("Times", info.times),
        ("Facilitator", info.facilitator),
        ("Location / meeting link", info.location),
        ("Delivery", " · ".join(p for p in (info.delivery_type, info.business_unit) if p)),
    ]
    for label, value in block:
        ws.append([None, out.styled(ws, label, font=out.label_font), None, out.text(ws, value)])
    ws.append([])
    ws.append(out.header_row(ws, [*_ATTENDANCE_NAMES, *day_headers, "Minutes late", "Notes"]))
    return ws


def _attendance_rows(
    out: _Writer,
    ws: Any,
    roster: Iterable[Person],
    days: Sequence[date],
    attendance: Attendance | None,
    ticker: Ticker,
) -> int:
    """A numbered row per person, with what was recorded for them; the number of rows."""
    records = attendance.by_key() if attendance is not None else {}
    no_marks: list[str | None] = [None] * len(days)
    append, text = ws.append, out.text
    count = 0
    for count, person in enumerate(roster, 1):
        record = records.get(person.key)
        if record is None:
            present, lxp, late, notes = no_marks, person.lxp_registered, None, None
        else:
            marks = record.present
            present = [_yes_no(marks.get(d)) for d in days]
            lxp = record.lxp_registered if record.lxp_registered is not None else person.lxp_registered
            late, notes = record.minutes_late, text(ws, record.notes)
        append(
            [
                count,
                text(ws, person.first_name),
                text(ws, person.last_name),
                text(ws, person.email),
                text(ws, person.title),
                text(ws, person.location),
                _yes_no(lxp),
                *present,
                late,
                notes,
            ]
        )
        ticker.advance()
    if not count:
        ws.append([])
    return count


def _attendance_footer(out: _Writer, ws: Any, days: Sequence[date], count: int) -> None:
    """Validation of the rows, then the totals and each day's absentees as formulas over them."""
    from openpyxl.worksheet.formula import ArrayFormula

    top = ATTENDANCE_HEADER_ROW + 1
    bottom = ATTENDANCE_HEADER_ROW + max(count, 1)
    late_col = _FIRST_DAY + len(days)
    validation_bottom = bottom + 20
    # validations are written after the rows in a write-only sheet, so they can count them
    for offset in range(len(days)):
        letter = column_letter(_FIRST_DAY + offset)
        ws.data_validations.append(_validation("yes-no", f"{letter}{top}:{letter}{validation_bottom}"))
    ws.data_validations.append(_validation("yes-no", f"G{top}:G{validation_bottom}"))
    late_letter = column_letter(late_col)
    ws.data_validations.append(_validation("minutes", f"{late_letter}{top}:{late_letter}{validation_bottom}"))

    ws.append([])
    foot = bottom + 2  # the Totals row; the absentee rows start 5 rows below it

    def span(col: int) -> str:
        letter = column_letter(col)
        return f"{letter}{top}:{letter}{bottom}"

    def label_row(label: str, *cells: Any, mark: Any = None) -> list[Any]:
        return [mark, out.styled(ws, label, font=out.label_font), *([None] * (_FIRST_DAY - 3)), *cells]

    day_spans = [span(_FIRST_DAY + i) for i in range(len(days))]
    mark = out.styled(ws, FOOT_MARK, font=out.label_font)
    present = [f'=COUNTIF({s},"Yes")' for s in day_spans]
    ws.append(label_row("Present", *present, f"=SUM({span(late_col)})", mark=mark))
    absent = [f'=IF(COUNTA({s})=0,0,ROWS({s})-COUNTIF({s},"Yes"))' for s in day_spans]
    ws.append(label_row("Absent", *absent))
    any_day = "+".join(f'({s}="Yes")' for s in day_spans)
    ws.append(label_row("Attended (any day)", f"=SUMPRODUCT(--(({any_day})>0))"))
    ws.append(label_row("On the roster", f"=COUNT({span(1)})"))
    ws.append([])
    names_span = f'B{top}:B{bottom}&" "&C{top}:C{bottom}'
    for offset, (d, s) in enumerate(zip(days, day_spans, strict=True)):
        row = foot + 5 + offset
        formula = f'=IF(COUNTA({s})=0,"",_xlfn.TEXTJOIN(", ",TRUE,IF({s}<>"Yes",{names_span},"")))'
        ws.append(
            [
                None,
                out.styled(ws, f"Absentees {d.isoformat()}", font=out.label_font),
                None,
                ArrayFormula(f"D{row}", formula),
            ]
        )


SUMMARY_WIDTHS = (6, 60, 10, 12, 16, 12, 12)


def _figure_format(scale: Scale) -> str:
    """A number format that shows the scale with the figure: '4.3 out of 5', '80% yes'."""
    return '0%" yes"' if scale.yes_no else f'0.0" out of {scale.high}"'


def write_eval_summary(
    path: Path,
    summary: EvalSummary,
    info: DeliveryInfo,
    evaluations: Evaluations,
    *,
    console: Any = None,
) -> None:
    """The evaluation summary, laid out the same way every time, every figure with its scale.

    Summary sheet: the delivery in rows 2-7, participants, responses,
    response rate and the overall average in rows 9-12 (a number only when
    the scored questions share one scale, shown as '4.3 out of 5'; else a
    note), one row per question with its scale from row 15, then the average
    of each scale, then the comments. A Responses sheet keeps every response.
    """
    out = _Writer()
    ws = out.sheet("Summary", SUMMARY_WIDTHS)
    ws.freeze_panes = "A2"
    bold = out.label_font
    ws.append([out.styled(ws, "Evaluation summary", font=out.title_font)])
    for label, value in (
        ("Course / program", info.program),
        ("Client", info.client),
        ("Dates", info.dates_text),
        ("Facilitator", info.facilitator),
        ("Delivery", " · ".join(p for p in (info.delivery_type, info.business_unit) if p)),
        ("Responses file", Path(evaluations.source).name if evaluations.source else ""),
    ):
        ws.append([None, out.styled(ws, label, font=bold), out.text(ws, value)])
    ws.append([])
    participants_note = f"from {summary.participants_from}" if summary.participants_from else ""
    ws.append(
        [
            None,
            out.styled(ws, "Participants", font=bold),
            summary.participants,
            out.text(ws, participants_note),
        ]
    )
    ws.append([None, out.styled(ws, "Responses", font=bold), summary.responses])
    ws.append(
        [
            None,
            out.styled(ws, "Response rate", font=bold),
            out.styled(ws, summary.response_rate, number_format="0%")
            if summary.response_rate is not None
            else None,
        ]
    )
    scale = summary.overall_scale
    if summary.overall is not None and scale is not None:
        overall = out.styled(ws, summary.overall, number_format=_figure_format(scale))
    elif len(summary.by_scale) > 1:
        overall = out.text(ws, "none: the questions use different scales (see the averages by scale below)")
    else:
        overall = out.text(ws, "none: no question was answered")
    ws.append([None, out.styled(ws, "Overall average", font=bold), overall])
    ws.append([])
    ws.append(out.header_row(ws, ["#", "Question", "Scale", "Responses", "Average", "Lowest", "Highest"]))
    for question in summary.questions:
        shown = not question.scale.yes_no
        ws.append(
            [
                question.number,
                out.text(ws, question.question),
                out.text(ws, question.scale.label),
                question.responses,
                out.styled(ws, question.average, number_format=_figure_format(question.scale))
                if question.average is not None
                else None,
                question.lowest if shown else None,
                question.highest if shown else None,
            ]
        )
    ws.append([])
    ws.append(out.header_row(ws, ["", "Averages by scale", "Scale", "Questions", "Average", "Answers"]))
    for group in summary.by_scale:
        ws.append(
            [
                None,
                out.text(ws, ", ".join(str(n) for n in group.questions)),
                out.text(ws, group.scale.label),
                len(group.questions),
                out.styled(ws, group.average, number_format=_figure_format(group.scale))
                if group.average is not None
                else None,
                group.answers,
            ]
        )
    ws.append([])
    ws.append(out.header_row(ws, ["", "Comments", "Question"]))
    for column, text in summary.comments:
        ws.append([None, out.text(ws, text), out.text(ws, column)])

    count = len(evaluations.questions)
    scales = [evaluations.scale(n) for n in range(1, count + 1)]
    raw = out.sheet("Responses", (8, *([14] * count), *([40] * len(evaluations.comment_columns))))
    raw.freeze_panes = "B2"
    headers = [
        f"{q} ({s.label})" if scale_in_header(q) != s else q
        for q, s in zip(evaluations.questions, scales, strict=True)
    ]
    raw.append(out.header_row(raw, ["Row", *headers, *evaluations.comment_columns]))
    with Ticker(console, f"Writing {path.name}", len(evaluations.responses)) as ticker:
        for response in evaluations.responses:
            raw.append(
                [
                    response.row,
                    *(_answer(response.scores.get(n), s) for n, s in enumerate(scales, 1)),
                    *(
                        out.text(raw, response.comments.get(n, ""))
                        for n in range(1, len(evaluations.comment_columns) + 1)
                    ),
                ]
            )
            ticker.advance()
    out.save(path)


def _answer(score: float | None, scale: Scale) -> Any:
    """An answer as the person gave it: a score, or Yes/No."""
    if score is None or not scale.yes_no:
        return score
    return "Yes" if score else "No"
