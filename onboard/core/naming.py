"""What things are called: client slugs and file names.

Pure functions only. A slug names a client's folder, so it must never be
able to point outside ``clients/``; a file name produced by a naming
convention must be valid on Windows, macOS and Linux alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from onboard.errors import OnboardError

MAX_SLUG = 60
MAX_FILENAME = 150
MAX_FILENAME_BYTES = 200
"""UTF-8 bytes: Linux allows 255 per name, so this leaves room for " (2)" and an extension."""

_WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    "conin$",
    "conout$",
    *(f"com{i}" for i in (*range(10), "¹", "²", "³")),
    *(f"lpt{i}" for i in (*range(10), "¹", "²", "³")),
}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_OK = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
_BAD_FILE_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?::([^{}]*))?\}")


def slugify(name: str) -> str:
    """Turn a display name into a folder name made only of ``a-z0-9-``.

    Accents are folded ("Café Ltd" -> "cafe-ltd"); anything else becomes a
    dash, so "../../etc/passwd" becomes "etc-passwd" and can never climb out
    of the clients folder.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", folded.lower()).strip("-")
    slug = slug[:MAX_SLUG].rstrip("-")
    if not slug:
        raise OnboardError(
            f"Cannot make a folder name from {name!r}.",
            "Use a client name with at least one letter or digit.",
        )
    if slug in _WINDOWS_RESERVED:
        slug = f"{slug}-client"
    return slug


def is_slug(text: str) -> bool:
    """True when ``text`` is already a well-formed slug (safe as a folder name)."""
    return bool(_SLUG_OK.match(text)) and text not in _WINDOWS_RESERVED


def safe_filename(name: str, max_length: int = MAX_FILENAME) -> str:
    """Make ``name`` a file name every common file system accepts.

    Reserved characters become ``_``, trailing dots and spaces go (Windows
    drops them silently), reserved device names get a prefix, lone surrogates
    are dropped, and the name is cut to ``max_length`` characters and
    :data:`MAX_FILENAME_BYTES` UTF-8 bytes.
    """
    cleaned = _BAD_FILE_CHARS.sub("_", _encodable(name)).strip()
    cleaned = cleaned[:max_length]
    while len(cleaned.encode("utf-8")) > MAX_FILENAME_BYTES:
        cleaned = cleaned[:-1]
    cleaned = cleaned.rstrip(" .")
    if cleaned in {"", ".", ".."}:
        cleaned = "untitled"
    # Windows treats "CON.txt" and "con .xlsx" as the device CON.
    stem = cleaned.split(".")[0].rstrip(" ").lower()
    if stem in _WINDOWS_RESERVED:
        cleaned = f"_{cleaned}"
    return cleaned


def _encodable(text: str) -> str:
    """Drop lone surrogates, which no file system can store."""
    return text.encode("utf-8", "ignore").decode("utf-8")


def _format_value(value: object, spec: str | None) -> str:
    if isinstance(value, date):
        return value.strftime(spec or "%Y.%m.%d")
    text = str(value)
    if spec == "underscore":
        return re.sub(r"\s+", "_", text.strip())
    if spec == "upper":
        return text.upper()
    return text


def apply_convention(pattern: str, values: Mapping[str, object]) -> str:
    """Fill a naming convention such as ``Roster-{client}-{program:underscore}``.

    Placeholders are plain lookups in ``values`` (``{roles.FAC.initials}`` is
    the key ``"roles.FAC.initials"``), never attribute access, so a pattern
    from a playbook cannot reach into Python objects. A date placeholder takes
    a ``strftime`` format after a colon and defaults to ``YYYY.MM.DD``.
    Missing values are an error naming every one of them, except a
    placeholder marked ``:optional`` (``{contract_document_number:optional}``),
    which is left out, with the extra space it leaves.
    """
    missing = [name for name in required_fields(pattern) if values.get(name) in (None, "")]
    if missing:
        raise OnboardError(
            f"Naming convention {pattern!r} needs {', '.join(sorted(set(missing)))}.",
            "Set them with --set NAME=VALUE (roles with `onboard assign`).",
        )

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value in (None, ""):
            return ""
        return _BAD_FILE_CHARS.sub("_", _format_value(value, match.group(2)))

    return safe_filename(re.sub(r" {2,}", " ", _PLACEHOLDER.sub(fill, pattern)))


def convention_fields(pattern: str) -> list[str]:
    """The value names a convention pattern refers to, in order."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(pattern)]


def required_fields(pattern: str) -> list[str]:
    """The value names a convention cannot do without (those not marked ``:optional``)."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(pattern) if m.group(2) != "optional"]
