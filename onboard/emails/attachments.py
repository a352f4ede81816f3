"""What an email attaches: the files onboard made for the client, and documents the sender adds.

A template declares its attachments in its header, so that an email says
"attached" only where something is::

    Attach: attendance, eval, "the LXP Registration & Resource Guide (PDF)"

A bare word is a kind of file onboard makes in the client's ``out/`` folder
(:data:`FILE_KINDS`: the blank roster template, the participant roster, the
attendance record, the evaluation summary, the session's calendar
invitation); the .eml carries the newest such file. A quoted text is a
document onboard does not make (an invoice, a proposal, a guide): the text
to paste lists it for the sender to attach. A declared file not made yet is
not attached; :attr:`Attachment.how` names the command that makes it, and
the template can mention the file only inside ``{% if attached.KIND is
defined %}`` (``attached.blank_roster`` for ``blank-roster``), where
``attached.KIND`` is the file's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from onboard.core.playbook import Playbook
from onboard.core.state import ClientState
from onboard.errors import OnboardError

INVITATION = "invitation"


@dataclass(frozen=True)
class FileKind:
    """A kind of file onboard makes for a client, that an email can attach."""

    name: str
    label: str
    suffix: str
    make: str
    """The command that makes it, with ``{slug}`` for the client."""


FILE_KINDS: dict[str, FileKind] = {
    kind.name: kind
    for kind in (
        FileKind("blank-roster", "the Blank Roster Template", ".xlsx", "onboard roster {slug} --blank"),
        FileKind("roster", "the participant roster", ".xlsx", "onboard export {slug} roster"),
        FileKind("attendance", "the attendance record", ".xlsx", "onboard export {slug} attendance"),
        FileKind("eval", "the evaluation summary", ".xlsx", "onboard export {slug} eval"),
        FileKind(
            INVITATION,
            "the calendar invitation for the session",
            ".ics",
            "set the session's date first (onboard set {slug} ...); the email then makes it",
        ),
    )
}
MIME = {
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".ics": ("text", "calendar"),
}
_NUMBERED = re.compile(r"^(?P<stem>.*) \((?P<n>\d{1,3})\)$")
_ATTACH_WORD = re.compile(r"\battach", re.IGNORECASE)


@dataclass(frozen=True)
class Attachment:
    """One declared attachment: a file (``path`` None while it is not made) or a document by hand."""

    label: str
    kind: str | None = None
    path: Path | None = None
    how: str = ""

    @property
    def by_hand(self) -> bool:
        """A document onboard does not make: the sender attaches it."""
        return self.kind is None

    def line(self) -> str:
        """How the text to paste lists it."""
        if self.path is not None:
            return f"- {self.path}"
        return f"- {self.label} (not made by onboard: attach it yourself)"


def parse_attach(value: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split an ``Attach:`` header into file kinds and quoted documents (by hand)."""
    kinds: list[str] = []
    documents: list[str] = []
    for quoted, bare in re.findall(r'\s*(?:"([^"]*)"|([^,]+))\s*(?:,|$)', value):
        if quoted.strip():
            documents.append(quoted.strip())
        elif bare.strip():
            kinds.append(bare.strip())
    return tuple(kinds), tuple(documents)


def context_key(kind: str) -> str:
    """The name a template uses for a file kind: ``attached.blank_roster``."""
    return kind.replace("-", "_")


def kind_problem(kind: str) -> str | None:
    """Why ``kind`` in an ``Attach:`` header is not a file onboard makes (None: it is)."""
    if kind in FILE_KINDS:
        return None
    return (
        f"attaches {kind!r}, which is not a file onboard makes ({', '.join(FILE_KINDS)}); "
        'put a document you attach yourself in quotes, like "the invoice"'
    )


def mentions_attaching(text: str) -> bool:
    """Whether an email's text speaks of attaching ("attached", "attachment"...)."""
    return bool(_ATTACH_WORD.search(text))


def invitation_stem(slug: str) -> str:
    """The file name (without .ics) of a client's session invitation in its ``out/`` folder."""
    return f"{slug}-invitation"


def file_stem(kind: str, playbook: Playbook, state: ClientState) -> str:
    """The name (without suffix) onboard gives the file of ``kind`` for this client."""
    from onboard.core.engine import convention_values
    from onboard.delivery.facts import export_stem

    if kind == INVITATION:
        return invitation_stem(state.slug)
    return export_stem(kind, playbook.naming, convention_values(state))


def newest(folder: Path, stem: str, suffix: str) -> Path | None:
    """The newest of ``stem.xlsx``, ``stem (2).xlsx``... in ``folder``: onboard never replaces one."""
    best: tuple[int, Path] | None = None
    if not folder.is_dir():
        return None
    for path in folder.glob(f"*{suffix}"):
        name = path.name[: -len(suffix)]
        match = _NUMBERED.match(name)
        number, base = (int(match["n"]), match["stem"]) if match else (1, name)
        if base == stem and path.is_file() and (best is None or number > best[0]):
            best = (number, path)
    return best[1] if best else None


def find_attachments(
    kinds: Sequence[str],
    documents: Sequence[str],
    playbook: Playbook,
    state: ClientState,
    out: Path | None,
) -> tuple[Attachment, ...]:
    """Every declared attachment, each file found (newest) in ``out`` or with how to make it."""
    found: list[Attachment] = []
    for kind in kinds:
        spec = FILE_KINDS.get(kind)
        if spec is None:
            continue
        how = spec.make.format(slug=state.slug)
        path = None
        try:
            stem = file_stem(kind, playbook, state)
        except OnboardError as exc:
            how = f"{exc.message} Then: {how}"
        else:
            path = newest(out, stem, spec.suffix) if out is not None else None
        found.append(Attachment(spec.label, kind, path, "" if path else how))
    found.extend(Attachment(document) for document in documents)
    return tuple(found)


def attached_names(attachments: Sequence[Attachment]) -> dict[str, str]:
    """``attached`` in a template: each file kind that is there, by its context key, with its name."""
    return {context_key(a.kind): a.path.name for a in attachments if a.kind and a.path is not None}


def mime_type(path: Path) -> tuple[str, str]:
    """The MIME type an .eml gives a file it attaches."""
    return MIME.get(path.suffix.lower(), ("application", "octet-stream"))
