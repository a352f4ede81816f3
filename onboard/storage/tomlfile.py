"""Reading TOML files: one place that turns a syntax error into the file, line and column.

Kept apart from the playbook loader so that reading a settings file or a
client file does not import the whole playbook model.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from onboard.errors import OnboardError


def toml_error(exc: Exception, text: str) -> str:
    """tomllib's message, with the line named even when the error is at the end of the file."""
    message = str(exc)
    if "at end of document" in message:
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        message = message.replace("(at end of document)", f"(at line {max(lines, 1)}, the end of the file)")
    return message


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file, line and column."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OnboardError(f"{path}: file not found.") from None
    except OSError as exc:
        raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
    try:
        text = data.decode("utf-8")
        return tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise OnboardError(f"{path}: not UTF-8 text (byte {exc.start}).", "Save it again as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise OnboardError(
            f"{path}: not valid TOML: {toml_error(exc, text)}.",
            "Fix that line by hand; nothing was changed.",
        ) from None
