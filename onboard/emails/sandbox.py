"""The Jinja environment templates render in, and what it refuses.

Templates run in Jinja's immutable sandbox with a strict undefined, from a
loader that reads only files inside the template folders it was given. A
template that reaches for Python internals (``{{ ''.__class__ }}``) or
builds a text or list big enough to exhaust memory raises a SecurityError,
which :mod:`onboard.emails.compose` turns into a plain OnboardError.
Environments are cached per set of template folders, so each template is
compiled once per run.

This is the module that imports Jinja; the rest of the package imports it
only inside functions that render or check, so quick commands never load it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from onboard.emails.filters import FILTERS
from onboard.emails.renderpass import current_pass
from onboard.emails.template import HTML_SUFFIX, TEXT_SUFFIX, read_spec, standalone_tags

MAX_SEQUENCE = 100_000
MAX_EXPONENT = 100


class _Undefined(StrictUndefined):
    """A strict undefined that knows its dotted path (``roles.FAC.email``).

    During the first pass it records each use instead of failing, so every
    missing value is found in one go; attribute access on it always gives a
    further undefined, so ``roles.FAC.email is defined`` works when no FAC
    is assigned. An unsafe attribute (a sandbox refusal) always fails.

    Jinja's stubs type StrictUndefined's operators as never returning; these
    return during the first pass, hence the ``type: ignore`` on each.
    """

    __slots__ = ()

    @property
    def _path(self) -> str:
        name, obj = self._undefined_name, self._undefined_obj
        if obj is missing:
            return str(name)
        run = current_pass()
        base = run.paths.get(id(obj)) if run else None
        base = base or type(obj).__name__
        return f"{base}.{name}" if isinstance(name, str) else f"{base}[{name!r}]"

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        return f"{self._path!r} is not set"

    def _record(self) -> None:
        run = current_pass()
        if run is None or run.missing is None or issubclass(self._undefined_exception, SecurityError):
            self._fail_with_undefined_error()
        if self._path not in run.missing:
            run.missing.append(self._path)

    def _child(self, name: Any) -> _Undefined:
        if issubclass(self._undefined_exception, SecurityError):
            self._fail_with_undefined_error()
        suffix = f".{name}" if isinstance(name, str) else f"[{name!r}]"
        return type(self)(name=self._path + suffix)

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        return self._child(name)

    def __getitem__(self, key: Any) -> Any:
        return self._child(key)

    def __str__(self) -> str:  # type: ignore[override]
        self._record()
        return ""

    def __bool__(self) -> bool:  # type: ignore[override]
        self._record()
        return False

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        self._record()
        return iter(())

    def __len__(self) -> int:  # type: ignore[override]
        self._record()
        return 0

    def __contains__(self, item: Any) -> bool:  # type: ignore[override]
        self._record()
        return False

    def __eq__(self, other: Any) -> bool:  # type: ignore[override]
        self._record()
        return False

    def __ne__(self, other: Any) -> bool:  # type: ignore[override]
        self._record()
        return True

    def __hash__(self) -> int:  # type: ignore[override]
        self._record()
        return id(self)

    def __int__(self) -> int:  # type: ignore[override]
        self._record()
        return 0

    def __float__(self) -> float:  # type: ignore[override]
        self._record()
        return 0.0

    def _same(self, *args: Any, **kwargs: Any) -> _Undefined:
        self._record()
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same  # type: ignore[assignment]
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _same  # type: ignore[assignment]
    __mod__ = __rmod__ = __pow__ = __rpow__ = __pos__ = __neg__ = __call__ = _same  # type: ignore[assignment]
    __lt__ = __le__ = __gt__ = __ge__ = _same  # type: ignore[assignment]


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, also refusing sequences and powers big enough to exhaust memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"the power {right!r} is too large.")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > MAX_SEQUENCE
                ):
                    raise SecurityError("the repeated text or list would be too long.")
        return super().call_binop(context, operator, left, right)


class _FileLoader(BaseLoader):
    """Loads a template by its file path (``#subject`` for a ``.txt`` file's subject line).

    The path is chosen by :meth:`onboard.emails.compose.Emails.find`; the
    loader only reads files inside the template folders it was given.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = tuple(root.resolve() for root in roots)

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        file, _, part = template.partition("#")
        path = Path(file)
        resolved = path.resolve()
        if not resolved.is_file() or not any(resolved.is_relative_to(root) for root in self.roots):
            raise TemplateNotFound(template)
        mtime = resolved.stat().st_mtime
        if path.suffix == TEXT_SUFFIX:
            spec = read_spec(path)
            source = spec.subject_source if part == "subject" else spec.body_source
        else:
            source = standalone_tags(path.read_text(encoding="utf-8"))

        def uptodate() -> bool:
            try:
                return resolved.stat().st_mtime == mtime
            except OSError:
                return False

        return source, str(path), uptodate


@functools.lru_cache(maxsize=8)
def environment(roots: tuple[Path, ...]) -> Sandbox:
    """The sandboxed environment for these template folders, made once per run."""
    env = Sandbox(
        loader=_FileLoader(roots),
        undefined=_Undefined,
        autoescape=lambda name: bool(name) and name.endswith(HTML_SUFFIX),
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    return env
