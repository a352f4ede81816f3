"""All output goes through one :class:`Terminal`.

People get rich text on stdout and messages on stderr; programs get plain
JSON with no colour. rich is imported on the first line printed through it,
and its tables only when one is drawn at a terminal, so that commands
printing JSON or piping rows stay quick. Colour follows rich's rules: none
when piped, none when NO_COLOR is set.

Tables follow gh's convention. At a terminal rich draws them to fit its
width, the ``fit`` column cut with an ellipsis. Piped or redirected, each row
is one line of tab-separated cells, in full and as plain text, with no header
line unless the command was asked for one (``--header``): ready for ``cut``,
``sort`` and ``grep``. ``--json`` is for programs that want field names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import click

from onboard.errors import OnboardError

if TYPE_CHECKING:
    from rich.console import Console

Columns = Sequence[str | tuple[str, dict[str, Any]]]

# rich replaces :emoji_codes: in markup; text with no such pattern renders the same without it,
# and skipping the replacement spares loading rich's table of emoji names.
_EMOJI_CODE = re.compile(r"(:(\S*?)(?:(?:\-)(emoji|text))?:)")
# A tab or line break inside a cell would split a piped row; escape codes must not reach a pipe.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _no_emoji(text: str) -> bool:
    return ":" not in text or _EMOJI_CODE.search(text) is None


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


class Terminal:
    def __init__(self) -> None:
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def out(self) -> Console:
        if self._out is None:
            from rich.console import Console

            self._out = Console(highlight=False, soft_wrap=False)
        return self._out

    @property
    def err(self) -> Console:
        if self._err is None:
            from rich.console import Console

            self._err = Console(stderr=True, highlight=False)
        return self._err

    @property
    def at_terminal(self) -> bool:
        """Whether stdout is a terminal (rich's test, so FORCE_COLOR and TTY_COMPATIBLE count)."""
        return self.out.is_terminal

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Print markup; piped, a long line stays one line rather than being wrapped at 80 columns."""
        if "emoji" not in kwargs and all(isinstance(o, str) and _no_emoji(o) for o in objects):
            kwargs["emoji"] = False
        if not self.at_terminal:
            kwargs.setdefault("soft_wrap", True)
        self.out.print(*objects, **kwargs)

    def line(self, text: str = "", style: str | None = None) -> None:
        """Print text that may contain user data: never read as markup, never hard-wrapped."""
        self.print(_escape(text), style=style, soft_wrap=True)

    def success(self, text: str) -> None:
        self.print(f"[green]✓[/] {_escape(text)}", soft_wrap=True)

    def info(self, text: str) -> None:
        self._err_print(f"[dim]{_escape(text)}[/]")

    def warn(self, text: str) -> None:
        self._err_print(f"[yellow]![/] {_escape(text)}", soft_wrap=True)

    def error(self, exc: OnboardError) -> None:
        self._err_print(f"[bold red]Error:[/] {_escape(exc.message)}", soft_wrap=True)
        if exc.hint:
            self._err_print(_escape(exc.hint), soft_wrap=True)

    def _err_print(self, text: str, **kwargs: Any) -> None:
        self.err.print(text, emoji=not _no_emoji(text), **kwargs)

    def hint(self, command: str) -> None:
        self.print(f"[dim]Next:[/] [bold]{_escape(command)}[/]", soft_wrap=True)

    def json(self, data: Any) -> None:
        import json

        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))

    def table(
        self,
        columns: Columns,
        rows: Sequence[Sequence[Any]],
        title: str | None = None,
        fit: str | None = None,
        header: bool = False,
    ) -> None:
        """Rows of markup cells: at a terminal, a table cut to its width at the column named ``fit``;
        piped, tab-separated lines, the header line first only when ``header`` (a title never)."""
        if self.at_terminal:
            self._draw(columns, rows, title, fit)
            return
        lines = [[_plain(cell) for cell in row] for row in rows]
        if header:
            lines.insert(0, [_plain(_escape(name)) for name in _names(columns)])
        click.echo("".join("\t".join(line) + "\n" for line in lines), nl=False)

    def _draw(
        self, columns: Columns, rows: Sequence[Sequence[Any]], title: str | None, fit: str | None
    ) -> None:
        from rich.table import Table
        from rich.text import Text

        names = _names(columns)
        cells = [[Text.from_markup(c, emoji=False) if isinstance(c, str) else c for c in row] for row in rows]
        room = None
        if fit in names and cells:
            index = names.index(fit)
            widths = [max([len(name)] + [row[i].cell_len for row in cells]) for i, name in enumerate(names)]
            room = self.out.width - sum(w for i, w in enumerate(widths) if i != index) - 2 * len(names)
            room = max(room, 10)
        table = Table(title=title, title_justify="left", header_style="bold", box=None, pad_edge=False)
        for column in columns:
            name, options = (column, {}) if isinstance(column, str) else column
            if name == fit and room is not None:
                options = {"max_width": room, "no_wrap": True, "overflow": "ellipsis", **options}
            # A text header, not markup: rich would load its emoji table to read a plain string.
            table.add_column(Text.from_markup(name, emoji=False), **options)
        for row in cells:
            table.add_row(*row)
        self.out.print(table)


def _names(columns: Columns) -> list[str]:
    return [c if isinstance(c, str) else c[0] for c in columns]


def _plain(cell: Any) -> str:
    """A cell's text with its markup (or rich ``Text`` styles) dropped and control characters made spaces."""
    text = cell.plain if not isinstance(cell, str) else _from_markup(cell) if "[" in cell else cell
    return _CONTROL.sub(" ", text)


@lru_cache(maxsize=4096)
def _from_markup(cell: str) -> str:
    from rich.markup import render

    return render(cell, emoji=False).plain
