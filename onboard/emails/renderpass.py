"""The state of one render pass, seen by the sandbox's undefined values and by the filters.

Jinja calls filters and undefined values with no way to pass them our own
arguments, so the pass they belong to is kept in a context variable: where
each context value came from (to name an undefined one), the values found
missing (first pass only) and the workspace's holidays. Neither the sandbox
nor the filters import the other to reach it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RenderPass:
    """One pass over a template's parts.

    ``missing`` is a list to record undefined values in (the first pass,
    which finds them all at once), or None to fail on the first one.
    """

    paths: Mapping[int, str]
    missing: list[str] | None
    holidays: frozenset[date] = frozenset()


_CURRENT: contextvars.ContextVar[RenderPass | None] = contextvars.ContextVar(
    "onboard_render_pass", default=None
)


def current_pass() -> RenderPass | None:
    """The pass being rendered, or None outside one (a template rendered directly)."""
    return _CURRENT.get()


@contextmanager
def rendering(render_pass: RenderPass) -> Iterator[RenderPass]:
    """Make ``render_pass`` the current one for the duration of the block."""
    token = _CURRENT.set(render_pass)
    try:
        yield render_pass
    finally:
        _CURRENT.reset(token)
