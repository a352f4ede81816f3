"""All output goes through one :class:`Terminal`.

People get rich text on stdout and messages on stderr; programs get plain
JSON with no colour. rich's heavier parts (tables, trees) are imported inside
the method that draws them, so commands that do not draw them stay quick.
Colour follows rich's rules: none when piped, none when NO_COLOR is set.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from onboard.errors import OnboardError


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


class Terminal:
    def __init__(self) -> None:
        self.out = Console(highlight=False, soft_wrap=False)
        self.err = Console(stderr=True, highlight=False)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        self.out.print(*objects, **kwargs)

    def line(self, text: str = "", style: str | None = None) -> None:
        """Print text that may contain user data: never read as markup, never hard-wrapped."""
        self.out.print(escape(text), style=style, soft_wrap=True)

    def success(self, text: str) -> None:
        self.out.print(f"[green]✓[/] {escape(text)}", soft_wrap=True)

    def info(self, text: str) -> None:
        self.err.print(f"[dim]{escape(text)}[/]")

    def warn(self, text: str) -> None:
        self.err.print(f"[yellow]![/] {escape(text)}", soft_wrap=True)

    def error(self, exc: OnboardError) -> None:
        self.err.print(f"[bold red]Error:[/] {escape(exc.message)}", soft_wrap=True)
        if exc.hint:
            self.err.print(escape(exc.hint), soft_wrap=True)

    def hint(self, command: str) -> None:
        self.out.print(f"[dim]Next:[/] [bold]{escape(command)}[/]", soft_wrap=True)

    def json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))

    def table(
        self,
        columns: Sequence[str | tuple[str, dict[str, Any]]],
        rows: Sequence[Sequence[Any]],
        title: str | None = None,
        fit: str | None = None,
    ) -> None:
        """Draw a table; the column named ``fit`` is cut with an ellipsis so the table fits the width."""
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
