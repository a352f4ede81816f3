"""The one way onboard replaces a file: a temporary file beside it, fsync, ``os.replace``, fsync the folder.

A crash at any moment leaves the old file or the new one, never half of
each. Every writer in the project goes through here: client files, the
delivery's records, the cache, emails and workbooks.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_serial = itertools.count()


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new bytes, never a mix."""
    with replacing(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def replacing(path: Path, mode: str = "wb", **options: Any) -> Iterator[IO[Any]]:
    """A file to write the next version of ``path`` into; it replaces ``path`` when the block ends.

    It is a temporary file beside ``path`` (``mode`` and ``options`` as for
    ``open``) put in place by :func:`replace_file`; if the block raises, it is
    removed and ``path`` is left as it was.
    """
    tmp, fd = temporary(path)
    try:
        with os.fdopen(fd, mode, **options) as handle:
            yield handle
            replace_file(tmp, path, handle)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def temporary_name(path: Path) -> Path:
    """A name beside ``path`` for its next version, not used by another process or call."""
    return path.with_name(f".{path.name}.{os.getpid()}.{next(_serial)}.tmp")


def temporary(path: Path) -> tuple[Path, int]:
    """A new, empty temporary file beside ``path`` (see :func:`temporary_name`), open for writing."""
    while True:
        tmp = temporary_name(path)
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue


def replace_file(
    tmp: Path, path: Path, handle: IO[Any] | None = None, *, superseded: Path | None = None
) -> None:
    """Move ``tmp`` over ``path`` so that a crash at any moment leaves the old file or the new one.

    ``handle``, the file ``tmp`` was written through, is flushed, fsynced and
    closed first, so the new bytes are on disk before the name points at
    them; ``superseded`` (a file the new one takes over from) is removed
    after the move; then the folder is fsynced, so the move lasts too.
    """
    if handle is not None:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
    os.replace(tmp, path)
    if superseded is not None:
        with contextlib.suppress(FileNotFoundError):
            superseded.unlink()
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    """Make the changes of names in ``folder`` (a file moved in, one removed) last through a crash."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
