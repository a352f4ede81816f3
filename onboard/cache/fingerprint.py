"""What the code that fills the cache looks like right now.

A kept entry is only true for the code that computed it. Rather than a list
of the modules that shape an entry (which goes stale the day someone adds a
module), the fingerprint is the installed version, the package's folder and
the size and modification time of every Python file in it, found by walking
the folder itself. Editing any of them, upgrading the package or running a
copy of it elsewhere makes every kept entry be computed again.

It costs one ``stat`` per module (about a hundred), once per process: a
fraction of a millisecond, against the tens it saves.
"""

from __future__ import annotations

import os
from functools import cache

from onboard import __version__

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _walk(folder: str, prefix: str, found: list[tuple[str, int, int]]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__" and entry.name != "templates":
                    _walk(entry.path, f"{prefix}{entry.name}/", found)
            elif entry.name.endswith(".py"):
                st = entry.stat()
                found.append((prefix + entry.name, st.st_mtime_ns, st.st_size))


def code_fingerprint(package_dir: str = PACKAGE_DIR) -> tuple[str | tuple[str, int, int], ...]:
    """The version, ``package_dir`` and the stat of every module of the package under it."""
    found: list[tuple[str, int, int]] = []
    _walk(package_dir, "", found)
    return (__version__, package_dir, *sorted(found))


@cache
def current() -> tuple[str | tuple[str, int, int], ...]:
    """The fingerprint of the running package, computed once per process."""
    return code_fingerprint()
