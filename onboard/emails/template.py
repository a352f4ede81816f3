"""The email template file format: a small header, a line ``---``, then the body.

One file per email, ``templates/<playbook-id>/emails/<name>.txt``, where
``<name>`` is the name a step lists in ``emails = [...]``::

    # Lines starting with # in the header are comments.
    Subject: {{ program }}: please confirm your date
    From: LC
    To: client_coordinator_email
    Cc: RL, session_sponsor_email
    Attach: blank-roster
    ---
    Hi {{ client_coordinator | first_name }},
    ...

``Subject`` (required) is a Jinja template, like the body. ``To`` (required),
``Cc``, ``Bcc`` and ``From`` are comma-separated recipients (see
:mod:`onboard.emails.recipients`). ``Attach`` lists what the email attaches:
files onboard makes, by kind, and documents the sender adds, in quotes (see
:mod:`onboard.emails.attachments`). An optional ``<name>.html`` next to the
``.txt`` is the body of the HTML part.

This module only reads the format, so that finding, listing and checking
templates never needs Jinja; the sources it returns keep the file's line
numbers, so a Jinja error later points at the right line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from onboard.emails.attachments import parse_attach
from onboard.errors import OnboardError

EMAILS_DIR = "emails"
TEXT_SUFFIX = ".txt"
HTML_SUFFIX = ".html"
HEADER_KEYS = ("subject", "from", "to", "cc", "bcc", "attach")

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_STANDALONE = re.compile(r"^([ \t]*(?:\{%(?:[^%]|%(?!\}))*%\}[ \t]*)+)\n", re.MULTILINE)


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
    attach_kinds: tuple[str, ...] = ()
    attach_documents: tuple[str, ...] = ()
    html_path: Path | None = None
    header_lines: Mapping[str, int] = field(default_factory=dict)


def is_template_name(name: str) -> bool:
    """Whether ``name`` can name a template (and a playbook folder): lower-case-with-dashes."""
    return bool(_NAME.match(name))


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
    kinds, documents = parse_attach(header.get("attach", ""))
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
        attach_kinds=kinds,
        attach_documents=documents,
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
    """Read and parse a template file; a file that cannot be read or is not UTF-8 is an OnboardError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OnboardError(f"{path}: not UTF-8 text (byte {exc.start}).", "Save it again as UTF-8.") from None
    return parse_template(text, path)
