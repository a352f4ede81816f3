"""All output goes through one :class:`Terminal`.

People get rich text on stdout and messages on stderr; programs get plain
JSON with no colour. rich's heavier parts (tables, trees) are imported inside
the method that draws them, so commands that do not draw them stay quick.
Colour follows rich's rules: none when piped, none when NO_COLOR is set.

Tables without colour (piped, redirected, ``NO_COLOR`` without a terminal)
are laid out here in plain Python when every cell fits on one line: the
characters are exactly those rich would print, at a small fraction of the
cost, so ``onboard list`` over ten thousand clients is not spent in rich.
Anything else (colour, a title, a cell that would wrap) is drawn by rich.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from onboard.errors import OnboardError

# rich replaces :emoji_codes: in markup; text with no such pattern renders the same without it,
# and skipping the replacement spares loading rich's table of emoji names.
_EMOJI_CODE = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")
# Characters rich strips or treats specially in a cell; a cell holding one goes to rich.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _no_emoji(text: str) -> bool:
    return ":" not in text or _EMOJI_CODE.search(text) is None


class Terminal:
    def __init__(self) -> None:
        self.out = Console(highlight=False, soft_wrap=False)
        self._err: Console | None = None

    @property
    def err(self) -> Console:
        if self._err is None:
            self._err = Console(stderr=True, highlight=False)
        return self._err

    def print(self, *objects: Any, **kwargs: Any) -> None:
        if "emoji" not in kwargs and all(isinstance(o, str) and _no_emoji(o) for o in objects):
            kwargs["emoji"] = False
        self.out.print(*objects, **kwargs)

    def line(self, text: str = "", style: str | None = None) -> None:
        """Print text that may contain user data: never read as markup, never hard-wrapped."""
        self.print(escape(text), style=style, soft_wrap=True)

    def success(self, text: str) -> None:
        self.print(f"[green]✓[/] {escape(text)}", soft_wrap=True)

    def info(self, text: str) -> None:
        self._err_print(f"[dim]{escape(text)}[/]")

    def warn(self, text: str) -> None:
        self._err_print(f"[yellow]![/] {escape(text)}", soft_wrap=True)

    def error(self, exc: OnboardError) -> None:
        self._err_print(f"[bold red]Error:[/] {escape(exc.message)}", soft_wrap=True)
        if exc.hint:
            self._err_print(escape(exc.hint), soft_wrap=True)

    def _err_print(self, text: str, **kwargs: Any) -> None:
        self.err.print(text, emoji=not _no_emoji(text), **kwargs)

    def hint(self, command: str) -> None:
        self.print(f"[dim]Next:[/] [bold]{escape(command)}[/]", soft_wrap=True)

    def json(self, data: Any) -> None:
        import json

        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))

    def table(
        self,
        columns: Sequence[str | tuple[str, dict[str, Any]]],
        rows: Sequence[Sequence[Any]],
        title: str | None = None,
        fit: str | None = None,
    ) -> None:
        """Draw a table; the column named ``fit`` is cut with an ellipsis so the table fits the width."""
        if title is None and self.out.color_system is None:
            text = plain_table(columns, rows, self.out, fit)
            if text is not None:
                file = self.out.file
                file.write(text)
                file.flush()
                return
        self.rich_table(columns, rows, title, fit)

    def rich_table(
        self,
        columns: Sequence[str | tuple[str, dict[str, Any]]],
        rows: Sequence[Sequence[Any]],
        title: str | None = None,
        fit: str | None = None,
    ) -> None:
        """The table as rich draws it (colour, titles, wrapping cells)."""
        from rich.table import Table
        from rich.text import Text

        names = [c if isinstance(c, str) else c[0] for c in columns]
        cells = [[Text.from_markup(c) if isinstance(c, str) else c for c in row] for row in rows]
        if fit in names and cells:
            index = names.index(fit)
            widths = [max([len(name)] + [row[i].cell_len for row in cells]) for i, name in enumerate(names)]
            room = self.out.width - sum(w for i, w in enumerate(widths) if i != index) - 2 * len(names)
            room = max(room, 10)
            for row in cells:
                row[index].truncate(room, overflow="ellipsis")
        table = Table(title=title, title_justify="left", header_style="bold", box=None, pad_edge=False)
        for column in columns:
            name, options = (column, {}) if isinstance(column, str) else column
            table.add_column(name, **options)
        for row in cells:
            table.add_row(*row)
        self.out.print(table)


def plain_table(
    columns: Sequence[str | tuple[str, dict[str, Any]]],
    rows: Sequence[Sequence[Any]],
    console: Console,
    fit: str | None = None,
) -> str | None:
    """The uncoloured text rich prints for :meth:`Terminal.table`, or None when rich must draw it.

    The layout is rich's for a borderless table: each column as wide as its
    widest cell plus one space of padding on each inner side; when that is
    wider than the console, rich's own functions narrow the columns and wrap
    the cells that no longer fit, and every line is padded to the table's
    width. A cell holding control characters or starting or ending with white
    space, or a column option other than ``justify`` left or right: None.
    """
    width = console.width
    names: list[str] = []
    justify: list[str] = []
    for column in columns:
        name, options = (column, {}) if isinstance(column, str) else column
        if any(key != "justify" for key in options) or options.get("justify", "left") not in (
            "left",
            "right",
        ):
            return None
        names.append(name)
        justify.append(options.get("justify", "left"))
    plain_of = _PlainCells()
    headers = [plain_of(name) for name in names]
    cells = [[plain_of(cell) for cell in row] for row in rows]
    if any(h is None for h in headers) or any(c is None for row in cells for c in row):
        return None
    count = len(names)
    if count == 0 or width < 1 or any(len(row) != count for row in cells):
        return None
    from rich.cells import cell_len, set_cell_size

    sizes = [[len(text) if text.isascii() else cell_len(text) for text in row] for row in cells]
    if fit in names and cells:
        index = names.index(fit)
        widths = [max([len(name)] + [size[i] for size in sizes]) for i, name in enumerate(names)]
        room = width - sum(w for i, w in enumerate(widths) if i != index) - 2 * count
        room = max(room, 10)
        for row, size in zip(cells, sizes, strict=True):
            if size[index] > room:
                row[index] = set_cell_size(row[index], room - 1) + "…"
                size[index] = cell_len(row[index])
    pads = [(0 if i == 0 else 1) + (0 if i == count - 1 else 1) for i in range(count)]
    rows_out = [headers, *cells]
    sizes.insert(0, [cell_len(text) for text in headers])
    widths = [min(max(row[i] for row in sizes) + pads[i], width) or 1 for i in range(count)]
    if sum(widths) > width:
        from rich._ratio import ratio_reduce
        from rich.table import Table

        widths = Table._collapse_widths(widths, [True] * count, width)
        if sum(widths) > width:
            widths = ratio_reduce(sum(widths) - width, [1] * count, widths, widths)
    inner = [w - p for w, p in zip(widths, pads, strict=True)]
    if min(inner) < 1:
        return None
    left = ["" if i == 0 else " " for i in range(count)]
    right = ["" if i == count - 1 else " " for i in range(count)]
    blank = [" " * w for w in widths]
    right_aligned = [j == "right" for j in justify]
    wraps: dict[tuple[str, int, bool], list[str]] = {}
    lines: list[str] = []
    for number, (row, size) in enumerate(zip(rows_out, sizes, strict=True)):
        if all(n <= inner[i] for i, n in enumerate(size)):
            lines.append(
                "".join(
                    f"{left[i]}{' ' * (inner[i] - size[i])}{text}{right[i]}"
                    if right_aligned[i]
                    else f"{left[i]}{text}{' ' * (inner[i] - size[i])}{right[i]}"
                    for i, text in enumerate(row)
                )
            )
            continue
        wrapped: list[list[str | None]] = []
        for i, text in enumerate(row):
            if size[i] <= inner[i]:
                gap = " " * (inner[i] - size[i])
                wrapped.append([gap + text if right_aligned[i] else text + gap])
            else:
                key = (text, inner[i], right_aligned[i])
                if key not in wraps:
                    wraps[key] = _wrap(text, inner[i], right_aligned[i])
                wrapped.append(list(wraps[key]))
        height = max(len(cell) for cell in wrapped)
        if number == 0:  # rich aligns header cells to the bottom, the others to the top
            wrapped = [[None] * (height - len(cell)) + cell for cell in wrapped]
        for n in range(height):
            parts = []
            for i, cell in enumerate(wrapped):
                line = cell[n] if n < len(cell) else None
                parts.append(blank[i] if line is None else f"{left[i]}{line}{right[i]}")
            lines.append("".join(parts))
    lines.append("")
    return "\n".join(lines)


_TRAILING_SPACE = re.compile(r"\s+$")


def _wrap(text: str, width: int, right: bool) -> list[str]:
    """A cell too wide for its column, wrapped as rich's ``Text.wrap`` wraps it, on plain text."""
    from itertools import pairwise

    from rich._wrap import divide_line
    from rich.cells import cell_len, set_cell_size

    def truncate(line: str) -> str:
        return set_cell_size(line, width - 1) + "…" if cell_len(line) > width else line

    bounds = [0, *divide_line(text, width, fold=False), len(text)]
    out = []
    for start, end in pairwise(bounds):
        line = text[start:end]
        if len(line) > width and (space := _TRAILING_SPACE.search(line)):
            line = line[: len(line) - min(len(space.group(0)), len(line) - width)]
        if right:
            line = truncate(line.rstrip())
            line = " " * (width - cell_len(line)) + line
        else:
            length = cell_len(line)
            line = truncate(line)
            if length < width:
                line += " " * (width - length)
        out.append(set_cell_size(truncate(line), width))
    return out


class _PlainCells:
    """The plain text of a table cell (markup or rich Text), or None when rich must draw it."""

    def __init__(self) -> None:
        self.seen: dict[str, str | None] = {}

    def __call__(self, cell: Any) -> str | None:
        if isinstance(cell, str):
            known = self.seen.get(cell, _MISSING)
            if known is _MISSING:
                known = self.seen[cell] = self._markup(cell)
            return known  # type: ignore[return-value]
        from rich.text import Text

        if type(cell) is Text and not (cell.justify or cell.overflow or cell.no_wrap) and cell.end == "\n":
            return _usable(cell.plain)
        return None

    @staticmethod
    def _markup(cell: str) -> str | None:
        if "[" not in cell and _no_emoji(cell):
            return _usable(cell)
        from rich.text import Text

        return _usable(Text.from_markup(cell, emoji=not _no_emoji(cell)).plain)


_MISSING: Any = object()


def _usable(text: str) -> str | None:
    if not text or (_CONTROL.search(text) is None and not text[0].isspace() and not text[-1].isspace()):
        return text
    return None
