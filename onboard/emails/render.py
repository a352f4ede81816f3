"""Email templates: find them, check them, and render them from a client's state.

Template files
==============

One file per email, ``templates/<playbook-id>/emails/<name>.txt``, where
``<name>`` is the name a step lists in ``emails = [...]``. A workspace
overrides a shipped template by putting a file of the same name in its own
``templates/<playbook-id>/emails/``. The file is a small header, a line
holding only ``---``, then the body::

    # Lines starting with # in the header are comments.
    Subject: {{ program }}: please confirm your date
    From: LC
    To: client_coordinator_email
    Cc: RL, session_sponsor_email
    ---
    Hi {{ client_coordinator | first_name }},
    ...

``Subject`` (required) is a Jinja template, like the body. ``To`` (required),
``Cc``, ``Bcc`` and ``From`` are comma-separated recipients: a role id of the
playbook (the role holder's email, as recorded by ``onboard assign``), an
``email`` field of the playbook (``client_coordinator_email``), or a literal
address. An optional ``<name>.html`` next to the ``.txt`` is the body of the
HTML part (rendered with autoescaping); without one, the HTML part is made
from the text.

What a template can use
=======================

Every field of its playbook by name (``course_date``, ``program``...),
``client`` (the client's name), ``slug``, ``today``, ``roles.FAC.name`` /
``.initials`` / ``.email``, ``role_names.FAC`` (the playbook's name for the
role), ``names.roster`` (a file name from the playbook's ``[naming]``) and
``playbook.id`` / ``playbook.title``. A field that is not set is
*undefined*: using it is an error that names it and says how to set it, so
optional fields are guarded with ``{% if course_time is defined %}`` (or
``| default(...)``). Filters: ``longdate`` ("Tuesday 15 March 2022"),
``shortdate`` ("Tue 15 Mar"), ``isodate``, ``add_days(n)``,
``add_business_days(n)`` (skips weekends and the workspace's holidays),
``days_before(n)`` (never earlier than today), ``week_start`` (that week's
Monday), ``first_name`` ("Dr Jane Doe" -> "Jane") and ``possessive``.

Templates run in Jinja's immutable sandbox with a strict undefined. Before
the real render, a first pass records every value the template would fail
on, so one error lists them all. A template that reaches for Python
internals (``{{ ''.__class__ }}``) fails with a plain :class:`OnboardError`.
Environments are cached per set of template folders, so each template is
compiled once per run.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound, nodes, pass_context
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.meta import find_undeclared_variables
from jinja2.runtime import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing
from markupsafe import escape

from onboard.core.naming import apply_convention, convention_fields
from onboard.core.playbook import ROLE_ATTRIBUTES, Playbook
from onboard.core.state import ClientState
from onboard.errors import OnboardError
from onboard.storage.library import shipped_dir

EMAILS_DIR = "emails"
TEXT_SUFFIX = ".txt"
HTML_SUFFIX = ".html"
CONTEXT_NAMES = ("client", "slug", "today", "roles", "role_names", "names", "playbook")
HEADER_KEYS = ("subject", "from", "to", "cc", "bcc")
RECIPIENT_KEYS = ("to", "cc", "bcc")
MAX_SEQUENCE = 100_000
MAX_EXPONENT = 100

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ADDRESS = re.compile(r"^[^@\s<>,;\"()]+@[^@\s<>,;\"()]+\.[^@\s<>,;\"()]+$")
_URL = re.compile(r"(https?://[^\s<>\"]+)")
_BULLET = re.compile(r"^\s*[-•*]\s+")
_STANDALONE = re.compile(r"^([ \t]*(?:\{%(?:[^%]|%(?!\}))*%\}[ \t]*)+)\n", re.MULTILINE)
_TITLES = {"dr", "mr", "mrs", "ms", "mx", "prof", "sir", "dame"}
_RUNTIME_ERRORS = (
    TemplateError,
    ArithmeticError,
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
    RecursionError,
)


# --- the template file format ----------------------------------------------------------


@dataclass(frozen=True)
class TemplateSpec:
    """A parsed template file: its header, and the sources Jinja compiles."""

    name: str
    path: Path
    subject: str
    subject_source: str
    body_source: str
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    sender: str | None = None
    html_path: Path | None = None
    header_lines: Mapping[str, int] = field(default_factory=dict)


def parse_template(text: str, path: Path) -> TemplateSpec:
    """Split a template file into header and body; every header problem is listed at once.

    The sources keep their line numbers (the header is replaced by blank
    lines), so a Jinja error points at the right line of the file.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    problems: list[str] = []
    header: dict[str, str] = {}
    where: dict[str, int] = {}
    end = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "---":
            end = index
            break
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition(":")
        key = key.strip().lower()
        if not sep or key not in HEADER_KEYS:
            problems.append(
                f"line {index + 1}: {stripped[:40]!r} is not a header "
                f"(use {', '.join(k.capitalize() for k in HEADER_KEYS)}, then a line '---')"
            )
            continue
        if key in header:
            problems.append(f"line {index + 1}: {key.capitalize()} is given twice")
        header[key] = value.strip()
        where[key] = index
    if end is None:
        problems.append("no line '---' between the header and the body")
        end = len(lines)
    if not header.get("subject"):
        problems.append("the header has no Subject")
    if not header.get("to"):
        problems.append("the header has no To")
    body = "\n".join(lines[end + 1 :])
    if end < len(lines) and not body.strip():
        problems.append("the body is empty")
    if problems:
        raise OnboardError(
            f"{path}: " + "; ".join(problems) + ".",
            "Start the file with Subject: and To: lines, then '---', then the body.",
        )

    def split(key: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in header.get(key, "").split(",") if part.strip())

    html = path.with_suffix(HTML_SUFFIX)
    return TemplateSpec(
        name=path.stem,
        path=path,
        subject=header["subject"],
        subject_source="\n" * where["subject"] + header["subject"],
        body_source=standalone_tags("\n" * (end + 1) + body),
        to=split("to"),
        cc=split("cc"),
        bcc=split("bcc"),
        sender=(split("from") or (None,))[0],
        html_path=html if html.is_file() else None,
        header_lines={k: v + 1 for k, v in where.items()},
    )


def standalone_tags(source: str) -> str:
    """Make a line that holds only block tags (``{% if ... %}``) vanish from the output.

    Its newline moves into a Jinja comment, so the output loses the line
    but error messages keep the file's line numbers. A tag in the middle or
    at the end of a line of text keeps that line's break.
    """
    return _STANDALONE.sub(lambda m: m.group(1).rstrip() + "{#\n#}", source)


def read_spec(path: Path) -> TemplateSpec:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OnboardError(f"{path}: not UTF-8 text (byte {exc.start}).", "Save it again as UTF-8.") from None
    return parse_template(text, path)


# --- the Jinja environment --------------------------------------------------------------


@dataclass
class _Run:
    """One render pass: where context values came from, and (first pass) what was missing."""

    paths: dict[int, str]
    missing: list[str] | None
    holidays: frozenset[date] = frozenset()


_RUN: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("onboard_render_run", default=None)


class _Undefined(StrictUndefined):
    """A strict undefined that knows its dotted path (``roles.FAC.email``).

    During the first pass it records each use instead of failing, so every
    missing value is found in one go; attribute access on it always gives a
    further undefined, so ``roles.FAC.email is defined`` works when no FAC
    is assigned. An unsafe attribute (a sandbox refusal) always fails.
    """

    __slots__ = ()

    @property
    def _path(self) -> str:
        name, obj = self._undefined_name, self._undefined_obj
        if obj is missing:
            return str(name)
        run = _RUN.get()
        base = run.paths.get(id(obj)) if run else None
        base = base or type(obj).__name__
        return f"{base}.{name}" if isinstance(name, str) else f"{base}[{name!r}]"

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        return f"{self._path!r} is not set"

    def _record(self) -> None:
        run = _RUN.get()
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

    def __str__(self) -> str:
        self._record()
        return ""

    def __bool__(self) -> bool:
        self._record()
        return False

    def __iter__(self) -> Iterator[Any]:
        self._record()
        return iter(())

    def __len__(self) -> int:
        self._record()
        return 0

    def __contains__(self, item: Any) -> bool:
        self._record()
        return False

    def __eq__(self, other: Any) -> bool:
        self._record()
        return False

    def __ne__(self, other: Any) -> bool:
        self._record()
        return True

    def __hash__(self) -> int:
        self._record()
        return id(self)

    def __int__(self) -> int:
        self._record()
        return 0

    def __float__(self) -> float:
        self._record()
        return 0.0

    def _same(self, *args: Any, **kwargs: Any) -> _Undefined:
        self._record()
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _same
    __mod__ = __rmod__ = __pow__ = __rpow__ = __pos__ = __neg__ = __call__ = _same
    __lt__ = __le__ = __gt__ = __ge__ = _same


class _Sandbox(ImmutableSandboxedEnvironment):
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

    The path is chosen by :meth:`Emails.find`; the loader only reads files
    inside the template folders it was given.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = tuple(root.resolve() for root in roots)

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
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


def _as_date(value: Any, filter_name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"the {filter_name} filter needs a date, not {value!r}")


def longdate(value: Any) -> Any:
    """A date in words: "Tuesday 15 March 2022"."""
    if isinstance(value, Undefined):
        return value
    day = _as_date(value, "longdate")
    return f"{day:%A} {day.day} {day:%B %Y}"


def shortdate(value: Any) -> Any:
    """A short date: "Tue 15 Mar"."""
    if isinstance(value, Undefined):
        return value
    day = _as_date(value, "shortdate")
    return f"{day:%a} {day.day} {day:%b}"


def isodate(value: Any) -> Any:
    if isinstance(value, Undefined):
        return value
    return _as_date(value, "isodate").isoformat()


def add_days(value: Any, days: int) -> Any:
    if isinstance(value, Undefined):
        return value
    return _as_date(value, "add_days") + timedelta(days=int(days))


@pass_context
def days_before(context: Any, value: Any, days: int) -> Any:
    """``days`` before the date, but never earlier than today (a deadline still ahead)."""
    if isinstance(value, Undefined):
        return value
    target = _as_date(value, "days_before") - timedelta(days=int(days))
    today = context.get("today")
    return max(target, today) if isinstance(today, date) else target


def add_business_days(value: Any, days: int) -> Any:
    """``days`` business days later (earlier when negative), skipping weekends and the workspace's holidays."""
    from onboard.core.schedule import add_business_days as add

    if isinstance(value, Undefined):
        return value
    run = _RUN.get()
    return add(_as_date(value, "add_business_days"), int(days), run.holidays if run else ())


def week_start(value: Any) -> Any:
    """The Monday of the date's week ("the week of Monday 9 March 2026")."""
    if isinstance(value, Undefined):
        return value
    day = _as_date(value, "week_start")
    return day - timedelta(days=day.weekday())


def possessive(value: Any) -> Any:
    """ "Globex" -> "Globex's", "Acme Sons" -> "Acme Sons'"."""
    if isinstance(value, Undefined):
        return value
    text = str(value)
    return f"{text}'" if text.endswith(("s", "S")) else f"{text}'s"


def first_name(value: Any) -> Any:
    """The first name of a full name, skipping a title ("Dr Jane Doe" -> "Jane")."""
    if isinstance(value, Undefined):
        return value
    parts = str(value).split()
    while len(parts) > 1 and parts[0].rstrip(".").lower() in _TITLES:
        parts = parts[1:]
    return parts[0] if parts else ""


FILTERS = {
    "longdate": longdate,
    "shortdate": shortdate,
    "isodate": isodate,
    "add_days": add_days,
    "add_business_days": add_business_days,
    "week_start": week_start,
    "possessive": possessive,
    "days_before": days_before,
    "first_name": first_name,
}


@functools.lru_cache(maxsize=8)
def environment(roots: tuple[Path, ...]) -> _Sandbox:
    """The sandboxed environment for these template folders, made once per run."""
    env = _Sandbox(
        loader=_FileLoader(roots),
        undefined=_Undefined,
        autoescape=lambda name: bool(name) and name.endswith(HTML_SUFFIX),
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    return env


# --- rendering ----------------------------------------------------------------------------


def email_context(playbook: Playbook, state: ClientState, today: date) -> dict[str, Any]:
    """Everything a template can use; values that are not set are left out (undefined)."""
    from onboard.core.engine import convention_values

    context: dict[str, Any] = {k: v for k, v in state.facts.items() if v is not None}
    names = {}
    for kind, pattern in playbook.naming.items():
        try:
            names[kind] = apply_convention(pattern, convention_values(state))
        except OnboardError:
            continue
    context.update(
        client=state.name,
        slug=state.slug,
        today=today,
        roles={
            role: {k: v for k, v in holder.items() if v not in (None, "")}
            for role, holder in state.roles.items()
        },
        role_names={role: spec.name for role, spec in playbook.roles.items()},
        names=names,
        playbook={"id": playbook.id, "title": playbook.title},
    )
    return context


def _paths(context: Mapping[str, Any]) -> dict[int, str]:
    paths: dict[int, str] = {}
    for key, value in context.items():
        if isinstance(value, dict | list):
            paths[id(value)] = key
        if isinstance(value, dict):
            for inner, item in value.items():
                if isinstance(item, dict | list):
                    paths[id(item)] = f"{key}.{inner}"
    return paths


@dataclass(frozen=True)
class Recipient:
    """One To/Cc/Bcc/From entry, resolved against the client (``address`` None when unknown)."""

    ref: str
    address: str | None
    display: str | None = None
    how: str = ""

    def formatted(self) -> str:
        from email.utils import formataddr

        return formataddr((self.display or "", self.address or ""))


@dataclass(frozen=True)
class RenderedEmail:
    """An email ready to paste or to save as a draft."""

    name: str
    subject: str
    text: str
    html: str
    source: Path
    to: tuple[Recipient, ...] = ()
    cc: tuple[Recipient, ...] = ()
    bcc: tuple[Recipient, ...] = ()
    sender: Recipient | None = None

    def as_text(self) -> str:
        """Ready to paste: the subject on the first line, a blank line, the body."""
        return f"{self.subject}\n\n{self.text}\n"

    @property
    def unresolved(self) -> list[Recipient]:
        return [r for r in (*self.to, *self.cc, *self.bcc) if r.address is None]

    def to_message(self):
        """An RFC 5322 draft with a plain-text and an HTML part."""
        from email.headerregistry import Address
        from email.message import EmailMessage

        def addresses(recipients: Sequence[Recipient]) -> list[Address]:
            result = []
            for rec in recipients:
                user, _, domain = (rec.address or "").rpartition("@")
                result.append(Address(display_name=rec.display or "", username=user, domain=domain))
            return result

        missing_ = self.unresolved
        if missing_:
            lines = "\n".join(f"  - {r.ref}: {r.how}" for r in missing_)
            raise OnboardError(
                f"Email {self.name!r} has recipients with no address:\n{lines}",
                "Nothing was written. Set them, then run the command again.",
            )
        msg = EmailMessage()
        msg["Subject"] = self.subject
        if self.sender and self.sender.address:
            msg["From"] = addresses([self.sender])
        msg["To"] = addresses(self.to)
        if self.cc:
            msg["Cc"] = addresses(self.cc)
        if self.bcc:
            msg["Bcc"] = addresses(self.bcc)
        msg["X-Unsent"] = "1"
        msg.set_content(self.text + "\n")
        msg.add_alternative(self.html, subtype="html")
        digest = hashlib.sha256((self.subject + self.text + self.html).encode("utf-8")).hexdigest()
        msg.set_boundary(f"=_onboard_{digest[:24]}")
        return msg

    def to_bytes(self) -> bytes:
        """The draft as bytes. Headers are not folded under 998 characters: Python's
        folder breaks a long subject right after ``Subject:``, which readers then
        show with a leading space."""
        from email import policy

        return self.to_message().as_bytes(policy=policy.SMTP.clone(max_line_length=998))


class MissingValuesError(OnboardError):
    """A template needs values the client does not have; ``short`` names them."""

    def __init__(self, message: str, hint: str, short: list[str]) -> None:
        super().__init__(message, hint)
        self.short = short


def _example(playbook: Playbook, name: str) -> str:
    spec = playbook.fields[name]
    value = spec.example()
    if spec.type == "text":
        value = "..."
    return f'"{value}"' if (" " in value or spec.type == "text") else value


def _missing_keys(path: str, playbook: Playbook, state: ClientState) -> list[str]:
    """Turn a dotted path a template used into the values someone has to set."""
    head, _, rest = path.partition(".")
    head = head.split("[")[0]
    if head == "roles" and rest:
        role, _, attr = rest.partition(".")
        role = role.split("[")[0]
        if role in state.roles and attr == "email":
            return [f"roles.{role}.email"]
        return [f"roles.{role}"] if role not in state.roles else [path]
    if head == "names" and rest in playbook.naming:
        from onboard.core.engine import convention_values

        values = convention_values(state)
        keys: list[str] = []
        for value_name in convention_fields(playbook.naming[rest]):
            if values.get(value_name) in (None, ""):
                keys.extend(_missing_keys(value_name.split(":")[0], playbook, state))
        return keys or [path]
    if head in playbook.fields:
        return [head]
    return [path]


def _how_to_set(key: str, playbook: Playbook, state: ClientState, source: Path) -> str:
    if key in playbook.fields:
        label = playbook.fields[key].prompt
        return f"{key} ({label}): onboard set {state.slug} {key}={_example(playbook, key)}"
    if key.startswith("roles."):
        role, _, attr = key[6:].partition(".")
        if role in playbook.roles:
            holder = state.roles.get(role, {}).get("name")
            if holder and attr == "email":
                return f'{key}: onboard assign {state.slug} {role} "{holder}" --email name@example.com'
            if not holder:
                return (
                    f"{key} ({playbook.roles[role].name}): "
                    f'onboard assign {state.slug} {role} "Full Name" --email name@example.com'
                )
        return f"{key}: not a role or role detail of {playbook.id}; fix the template {source}"
    return f"{key}: not a field, role or known name of {playbook.id}; fix the template {source}"


def _recipient(ref: str, playbook: Playbook, state: ClientState) -> Recipient:
    if ref in playbook.roles:
        holder = state.roles.get(ref) or {}
        name = holder.get("name")
        address = holder.get("email")
        how = _how_to_set(f"roles.{ref}" if not name else f"roles.{ref}.email", playbook, state, Path())
    elif ref in playbook.fields:
        address = state.facts.get(ref)
        base = ref.removesuffix("_email")
        name = state.facts.get(base) if base != ref and isinstance(state.facts.get(base), str) else None
        how = _how_to_set(ref, playbook, state, Path())
    else:
        address, name, how = ref, None, ""
    if not isinstance(address, str) or not _ADDRESS.match(address):
        if address:
            how = f"{address!r} is not an email address; " + (how or "fix the template")
        address = None
    return Recipient(ref=ref, address=address, display=name, how=how)


def text_to_html(text: str, title: str) -> str:
    """The HTML part made from the text: paragraphs, bullet lists, links; everything escaped."""

    def inline(line: str) -> str:
        return _URL.sub(r'<a href="\1">\1</a>', str(escape(line)))

    parts: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        paragraph: list[str] = []
        items: list[str] = []

        def flush_paragraph(paragraph: list[str] = paragraph) -> None:
            if paragraph:
                parts.append("<p>" + "<br>\n".join(inline(x) for x in paragraph) + "</p>")
                paragraph.clear()

        def flush_items(items: list[str] = items) -> None:
            if items:
                parts.append("<ul>\n" + "\n".join(f"<li>{inline(x)}</li>" for x in items) + "\n</ul>")
                items.clear()

        for line in lines:
            if _BULLET.match(line):
                flush_paragraph()
                items.append(_BULLET.sub("", line))
            else:
                flush_items()
                paragraph.append(line)
        flush_paragraph()
        flush_items()
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n"
        '<body style="font-family: Calibri, Arial, sans-serif; font-size: 11pt;">\n'
        f"{body}\n</body>\n</html>\n"
    )


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


class Emails:
    """The email templates a workspace sees: its own ``templates/`` first, then the shipped ones."""

    def __init__(self, workspace_templates: Path | None = None) -> None:
        self.roots = tuple(d for d in (workspace_templates, shipped_dir()) if d is not None)

    @property
    def env(self) -> _Sandbox:
        return environment(self.roots)

    def folders(self, playbook_id: str) -> list[Path]:
        return [root / playbook_id / EMAILS_DIR for root in self.roots]

    def names(self, playbook_id: str) -> list[str]:
        """Every template name available for the playbook."""
        found: set[str] = set()
        for folder in self.folders(playbook_id):
            if folder.is_dir():
                found.update(p.stem for p in folder.glob(f"*{TEXT_SUFFIX}") if _NAME.match(p.stem))
        return sorted(found)

    def find(self, playbook_id: str, name: str) -> Path | None:
        if len(name) > 100 or not _NAME.match(name) or not _NAME.match(playbook_id):
            return None
        for folder in self.folders(playbook_id):
            candidate = folder / f"{name}{TEXT_SUFFIX}"
            if candidate.is_file():
                return candidate
        return None

    def spec(self, playbook: Playbook, name: str) -> TemplateSpec:
        path = self.find(playbook.id, name)
        if path is None:
            names = ", ".join(self.names(playbook.id)) or "none"
            raise OnboardError(
                f"No email template {name!r} for playbook {playbook.id!r}.",
                f"Available: {names}. See them with `onboard email CLIENT`.",
            )
        return read_spec(path)

    def _compiled(self, spec: TemplateSpec) -> list[Any]:
        names = [f"{spec.path}#subject", str(spec.path)]
        if spec.html_path:
            names.append(str(spec.html_path))
        try:
            return [self.env.get_template(n) for n in names]
        except TemplateSyntaxError as exc:
            raise OnboardError(
                f"{exc.filename or spec.path}:{exc.lineno}: {exc.message}.",
                "Fix the template (check it with `onboard check`).",
            ) from None

    def _run(
        self,
        templates: list[Any],
        context: dict[str, Any],
        spec: TemplateSpec,
        collect: bool,
        holidays: Collection[date] = (),
    ):
        run = _Run(paths=_paths(context), missing=[] if collect else None, holidays=frozenset(holidays))
        token = _RUN.set(run)
        try:
            outputs = [t.render(context) for t in templates]
        except SecurityError as exc:
            raise OnboardError(
                f"{spec.path}: unsafe template, not rendered: {str(exc).rstrip('.')}.",
                "A template may use the client's fields, roles and dates; it cannot reach Python internals.",
            ) from None
        except UndefinedError as exc:
            raise OnboardError(f"{spec.path}: {exc}.", "Set it, or guard it with `is defined`.") from None
        except _RUNTIME_ERRORS as exc:
            raise OnboardError(
                f"{spec.path}: the template failed: {exc}.",
                "Fix the template (check it with `onboard check`).",
            ) from None
        finally:
            _RUN.reset(token)
        return outputs, run.missing or []

    def missing(
        self,
        playbook: Playbook,
        state: ClientState,
        name: str,
        today: date,
        holidays: Collection[date] = (),
    ) -> list[str]:
        """The values the template needs that the client does not have (empty: ready)."""
        spec = self.spec(playbook, name)
        context = email_context(playbook, state, today)
        _, paths = self._run(self._compiled(spec), context, spec, True, holidays)
        keys: list[str] = []
        for path in paths:
            keys.extend(k for k in _missing_keys(path, playbook, state) if k not in keys)
        return keys

    def render(
        self,
        playbook: Playbook,
        state: ClientState,
        name: str,
        today: date,
        holidays: Collection[date] = (),
    ) -> RenderedEmail:
        """Render one email, or raise an error listing every value it is missing."""
        spec = self.spec(playbook, name)
        templates = self._compiled(spec)
        context = email_context(playbook, state, today)
        _, paths = self._run(templates, context, spec, True, holidays)
        if paths:
            keys: list[str] = []
            for path in paths:
                keys.extend(k for k in _missing_keys(path, playbook, state) if k not in keys)
            lines = "\n".join(f"  - {_how_to_set(k, playbook, state, spec.path)}" for k in keys)
            raise MissingValuesError(
                f"Email {name!r} for {state.name} needs {len(keys)} value(s) that are not set:\n{lines}",
                f"Nothing was written. Set them, then run `onboard email {state.slug} {name}` again.",
                keys,
            )
        outputs, _ = self._run(templates, context, spec, False, holidays)
        subject = " ".join(outputs[0].split())
        text = _tidy(outputs[1])
        html = outputs[2] if spec.html_path else text_to_html(text, subject)
        seen: set[str] = set()

        def resolve(refs: Sequence[str]) -> tuple[Recipient, ...]:
            result = []
            for ref in refs:
                rec = _recipient(ref, playbook, state)
                key = (rec.address or rec.ref).casefold()
                if key not in seen:
                    seen.add(key)
                    result.append(rec)
            return tuple(result)

        return RenderedEmail(
            name=name,
            subject=subject,
            text=text,
            html=html,
            source=spec.path,
            to=resolve(spec.to),
            cc=resolve(spec.cc),
            bcc=resolve(spec.bcc),
            sender=_recipient(spec.sender, playbook, state) if spec.sender else None,
        )

    def problems(self, playbook: Playbook) -> list[str]:
        """Every problem of every template of the playbook, in the workspace and shipped.

        A shipped template that a workspace file replaces is not checked: it
        is never used, and the workspace may have changed the playbook too.
        """
        problems: list[str] = []
        used: set[str] = set()
        for folder in self.folders(playbook.id):
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob(f"*{TEXT_SUFFIX}")):
                if path.stem not in used:
                    used.add(path.stem)
                    problems.extend(self._file_problems(playbook, path))
            for path in sorted(folder.glob(f"*{HTML_SUFFIX}")):
                if not path.with_suffix(TEXT_SUFFIX).is_file():
                    problems.append(f"{path}: no {path.stem}{TEXT_SUFFIX} beside it (it holds the subject).")
        named = {email: step.id for step in playbook.steps for email in step.emails}
        if not any(folder.is_dir() for folder in self.folders(playbook.id)):
            named = {}  # no emails/ folder yet: the playbook's emails are still to be written
        for email, step_id in named.items():
            if self.find(playbook.id, email) is None:
                problems.append(
                    f"playbook {playbook.id}: step {step_id!r} sends email {email!r}, "
                    f"which has no template ({email}{TEXT_SUFFIX})."
                )
        return problems

    def _file_problems(self, playbook: Playbook, path: Path) -> list[str]:
        if not _NAME.match(path.stem):
            return [f"{path}: template names are lower-case-with-dashes."]
        try:
            spec = read_spec(path)
        except OnboardError as exc:
            return [exc.message]
        problems: list[str] = []
        recipients = {
            "to": spec.to,
            "cc": spec.cc,
            "bcc": spec.bcc,
            "from": (spec.sender,) if spec.sender else (),
        }
        for key, refs in recipients.items():
            for ref in refs:
                problem = _recipient_problem(ref, playbook)
                if problem:
                    problems.append(f"{path}:{spec.header_lines.get(key, 1)}: {key.capitalize()} {problem}")
        sources = [(spec.subject_source, path), (spec.body_source, path)]
        if spec.html_path:
            sources.append((standalone_tags(spec.html_path.read_text(encoding="utf-8")), spec.html_path))
        for source, where in sources:
            problems.extend(source_problems(self.env, source, where, playbook))
        return problems


def _recipient_problem(ref: str, playbook: Playbook) -> str | None:
    if ref in playbook.roles:
        return None
    if ref in playbook.fields:
        kind = playbook.fields[ref].type
        return None if kind == "email" else f"{ref!r} is a {kind} field, not an email field."
    if _ADDRESS.match(ref):
        return None
    return f"{ref!r} is not a role, an email field of {playbook.id} or an email address."


def source_problems(env: Any, source: str, path: Path, playbook: Playbook) -> list[str]:
    """Syntax errors, and names that are not a field, role or known name of the playbook."""
    try:
        env.compile(source, path.name, str(path))
        tree = env.parse(source, path.name, str(path))
    except TemplateSyntaxError as exc:
        return [f"{path}:{exc.lineno}: syntax error: {exc.message}."]
    problems: list[str] = []
    known = set(playbook.fields) | set(CONTEXT_NAMES) | set(env.globals)
    first_line: dict[str, int] = {}
    for node in tree.find_all(nodes.Name):
        first_line.setdefault(node.name, node.lineno)
    for name in sorted(find_undeclared_variables(tree) - known, key=lambda n: first_line.get(n, 0)):
        problems.append(
            f"{path}:{first_line.get(name, 1)}: uses {name!r}, which is not a field, role or known "
            f"name of {playbook.id}."
        )
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        key = _key_of(node)
        if key is None:
            continue
        line = node.lineno
        if key.startswith("_"):
            problems.append(f"{path}:{line}: reaches for {key!r}, a Python internal; templates may not.")
            continue
        base = node.node
        if isinstance(base, nodes.Name) and base.ctx == "load":
            if base.name in ("roles", "role_names") and key not in playbook.roles:
                problems.append(f"{path}:{line}: {base.name}.{key}: {playbook.id} has no role {key!r}.")
            elif base.name == "names" and key not in playbook.naming:
                problems.append(
                    f"{path}:{line}: names.{key}: {playbook.id} has no naming convention {key!r}."
                )
        elif (
            isinstance(base, nodes.Getattr | nodes.Getitem)
            and isinstance(base.node, nodes.Name)
            and base.node.name == "roles"
            and key not in ROLE_ATTRIBUTES
        ):
            problems.append(
                f"{path}:{line}: roles.{_key_of(base)}.{key}: a role holder has only "
                f"{', '.join(ROLE_ATTRIBUTES)}."
            )
    return problems


def _key_of(node: Any) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ):
        return node.arg.value
    return None


def template_problems(playbook: Playbook, workspace_templates: Path | None = None) -> list[str]:
    """For `onboard check`: every problem of every email template of ``playbook``."""
    return Emails(workspace_templates).problems(playbook)
