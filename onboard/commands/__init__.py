"""Click commands, one module per group of related commands.

They parse arguments, call the core and print; the rules live elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

_Command = TypeVar("_Command", bound=Callable[..., Any])


def answer_options(func: _Command) -> _Command:
    """``--set``, ``--answers`` and ``--no-input``: every prompt answerable without a terminal."""
    func = click.option(
        "--no-input",
        is_flag=True,
        help="Never prompt; a missing answer is an error naming its flag.",
    )(func)
    func = click.option(
        "--answers",
        "answers_file",
        metavar="FILE.toml",
        help="Answers (fields, [roles], [actions], [gates]) from a TOML file.",
    )(func)
    func = click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="KEY=VALUE",
        help="Answer a field (repeatable); roles as role.FAC=NAME.",
    )(func)
    return func
