"""The rendered email as a coordinator uses it: text to paste, an HTML part, an .eml draft.

Kept apart from rendering so that the shapes of the output (the paste
format, ending with the files to attach; the HTML made from the text; the
RFC 5322 draft with its attachments) can be read and tested without Jinja;
markupsafe is imported only to build HTML.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from onboard.emails.attachments import Attachment, mime_type
from onboard.emails.recipients import Recipient
from onboard.errors import OnboardError

if TYPE_CHECKING:
    from email.message import EmailMessage

_URL = re.compile(r"(https?://[^\s<>\"]+)")
_BULLET = re.compile(r"^\s*[-•*]\s+")


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
    attachments: tuple[Attachment, ...] = ()

    def as_text(self) -> str:
        """Ready to paste: the subject on the first line, a blank line, the body, then what to attach."""
        listed = [a.line() for a in self.attachments if a.path is not None or a.by_hand]
        tail = "\n\n==========\nAttach:\n" + "\n".join(listed) if listed else ""
        return f"{self.subject}\n\n{self.text}{tail}\n"

    @property
    def files(self) -> list[Path]:
        """The files the .eml attaches."""
        return [a.path for a in self.attachments if a.path is not None]

    @property
    def not_made(self) -> list[Attachment]:
        """Declared files that onboard has not made yet (each says how)."""
        return [a for a in self.attachments if not a.by_hand and a.path is None]

    @property
    def unresolved(self) -> list[Recipient]:
        """The To, Cc and Bcc entries with no address yet."""
        return [r for r in (*self.to, *self.cc, *self.bcc) if r.address is None]

    def to_message(self) -> EmailMessage:
        """An RFC 5322 draft with a plain-text and an HTML part, and the files it attaches.

        The MIME boundaries come from the content, so the same email gives
        the same bytes (an unchanged draft is recognised as such).
        """
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
        digest = hashlib.sha256((self.subject + self.text + self.html).encode("utf-8"))
        msg.set_boundary(f"=_onboard_{digest.hexdigest()[:24]}")
        for path in self.files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise OnboardError(
                    f"Cannot attach {path}: {exc.strerror or exc}.",
                    "Make the file again, then run the command again.",
                ) from None
            digest.update(path.name.encode("utf-8") + data)
            maintype, subtype = mime_type(path)
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
        if self.files:
            msg.set_boundary(f"=_onboard_mixed_{digest.hexdigest()[:24]}")
        return msg

    def to_bytes(self) -> bytes:
        """The draft as bytes. Headers are not folded under 998 characters: Python's
        folder breaks a long subject right after ``Subject:``, which readers then
        show with a leading space."""
        from email import policy

        return self.to_message().as_bytes(policy=policy.SMTP.clone(max_line_length=998))


def tidy(text: str) -> str:
    """The rendered body without trailing spaces, runs of blank lines, or blank first/last lines."""
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def text_to_html(text: str, title: str) -> str:
    """The HTML part made from the text: paragraphs, bullet lists, links; everything escaped."""
    from markupsafe import escape

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
