"""The store: reading and writing ``clients/<slug>/client.toml`` without ever losing it.

Every change is a read-modify-write under a per-client lock. The new file is
written to a temporary file in the same folder, flushed and fsynced, then
moved over the old one with ``os.replace``, so a crash leaves either the old
state or the new one, never half of each. The version being replaced is kept
in ``.backup/`` (the last :data:`KEEP_BACKUPS`), and a file that cannot be
read is reported and never written over. That way of replacing a file
(:func:`replacing`, :func:`replace_file`) is shared by every file onboard
writes, a delivery's roster and attendance too (:mod:`onboard.delivery.datafiles`).
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from onboard.core.naming import is_slug, slugify
from onboard.errors import OnboardError

if TYPE_CHECKING:
    from onboard.core.state import ClientState
from onboard.storage.atomic import atomic_write
from onboard.storage.tomlfile import toml_error

STATE_FILE = "client.toml"
LOCK_FILE = ".lock"
BACKUP_DIR = ".backup"
KEEP_BACKUPS = 10
LOCK_TIMEOUT = 10.0


def dumps(state: ClientState) -> bytes:
    import tomli_w

    from onboard.core.state import to_document

    return tomli_w.dumps(to_document(state)).encode("utf-8")


def parse(data: bytes, path: Path) -> ClientState:
    """Parse the bytes of a client file; errors name the file, line and column."""
    try:
        text = data.decode("utf-8")
        doc = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise OnboardError(f"{path}: not UTF-8 text (byte {exc.start}).", _UNTOUCHED) from None
    except tomllib.TOMLDecodeError as exc:
        raise OnboardError(f"{path}: not valid TOML: {toml_error(exc, text)}.", _UNTOUCHED) from None
    from onboard.core.state import from_document

    return from_document(doc, path)


_UNTOUCHED = "Fix it by hand or run `onboard restore CLIENT`; the file was left as it is."


@dataclass
class Transaction:
    """A locked read-modify-write of one client; call :meth:`commit` to save."""

    store: Store
    slug: str
    state: ClientState
    committed: bool = False

    def commit(self, new_state: ClientState) -> None:
        self.store.write(self.slug, new_state, previous=True)
        self.state = new_state
        self.committed = True


class Store:
    """Client files of one workspace."""

    def __init__(self, clients_dir: Path, on_write: Callable[[str, ClientState], None] | None = None) -> None:
        self.clients_dir = clients_dir
        self.on_write = on_write

    def folder(self, slug: str) -> Path:
        """The folder of ``slug``; refuses anything that is not a plain slug."""
        if not is_slug(slug):
            raise OnboardError(f"{slug!r} is not a valid client folder name.")
        folder = self.clients_dir / slug
        if folder.resolve().parent != self.clients_dir.resolve():
            raise OnboardError(f"{slug!r} points outside {self.clients_dir}.")
        return folder

    def path(self, slug: str) -> Path:
        return self.folder(slug) / STATE_FILE

    def exists(self, slug: str) -> bool:
        return self.path(slug).is_file()

    def resolve(self, name_or_slug: str) -> str:
        """Accept a slug or a display name and return the slug of an existing client."""
        candidates = [name_or_slug] if is_slug(name_or_slug) else []
        with contextlib.suppress(OnboardError):
            candidates.append(slugify(name_or_slug))
        for slug in candidates:
            if self.exists(slug):
                return slug
        prefix = candidates[-1] if candidates else ""
        matches = [s for s in self.slugs() if prefix and s.startswith(prefix)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise OnboardError(
                f"{name_or_slug!r} could be {', '.join(matches[:5])}.", "Give more of the name."
            )
        raise OnboardError(
            f"No client {name_or_slug!r} in {self.clients_dir.parent}.",
            "See the clients with `onboard list`, or start one with `onboard new NAME`.",
        )

    def slugs(self) -> list[str]:
        if not self.clients_dir.is_dir():
            return []
        return sorted(
            entry.name
            for entry in os.scandir(self.clients_dir)
            if entry.is_dir() and is_slug(entry.name) and os.path.isfile(os.path.join(entry.path, STATE_FILE))
        )

    def load(self, slug: str) -> ClientState:
        path = self.path(slug)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise OnboardError(f"{path}: not found.", "See the clients with `onboard list`.") from None
        except OSError as exc:
            raise OnboardError(f"{path}: cannot read it ({exc.strerror}).") from None
        state = parse(data, path)
        if state.slug != slug:
            raise OnboardError(
                f"{path}: slug is {state.slug!r} but the folder is {slug!r}.",
                f'Set slug = "{slug}" in the file, or rename the folder.',
            )
        return state

    def create(self, state: ClientState) -> Path:
        """Write a new client; refuses to touch a folder that already holds one."""
        folder = self.folder(state.slug)
        self.clients_dir.mkdir(parents=True, exist_ok=True)
        folder.mkdir(exist_ok=True)
        with self.lock(state.slug):
            if self.exists(state.slug):
                raise OnboardError(
                    f"A client {state.slug!r} already exists in {self.clients_dir}.",
                    "Pick another name, or work on the existing one with `onboard status`.",
                )
            self.write(state.slug, state, previous=False)
        return self.path(state.slug)

    def write(self, slug: str, state: ClientState, *, previous: bool) -> None:
        path = self.path(slug)
        data = dumps(state)
        if previous and path.exists():
            self._backup(path, state)
        atomic_write(path, data)
        if self.on_write is not None:
            self.on_write(slug, state)

    def _backup(self, path: Path, state: ClientState) -> None:
        folder = path.parent / BACKUP_DIR
        folder.mkdir(exist_ok=True)
        old_seq = state.history[-2].seq if len(state.history) > 1 else 0
        atomic_write(folder / f"client.{old_seq:06d}.toml", path.read_bytes())
        for stale in self.backups(state.slug)[KEEP_BACKUPS:]:
            with contextlib.suppress(OSError):
                stale.unlink()

    def backups(self, slug: str) -> list[Path]:
        """Saved earlier versions, newest first."""
        folder = self.folder(slug) / BACKUP_DIR
        if not folder.is_dir():
            return []
        return sorted(folder.glob("client.*.toml"), reverse=True)

    @contextlib.contextmanager
    def lock(self, slug: str) -> Iterator[None]:
        """Hold the client's lock. It is an OS lock (flock or its Windows twin), so
        a process that dies releases it: a lock can never go stale."""
        from filelock import FileLock, Timeout

        lock_path = self.folder(slug) / LOCK_FILE
        timeout = float(os.environ.get("ONBOARD_LOCK_TIMEOUT", LOCK_TIMEOUT))
        lock = FileLock(str(lock_path), timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            raise OnboardError(
                f"{slug}: another onboard has been changing this client for {timeout:.0f}s ({lock_path}).",
                "Let it finish (or stop it), then run the command again; nothing was changed.",
            ) from None
        try:
            yield
        finally:
            lock.release()

    @contextlib.contextmanager
    def transaction(self, slug: str) -> Iterator[Transaction]:
        """Lock the client, read it, and let the caller commit a new state."""
        self.folder(slug)
        with self.lock(slug):
            yield Transaction(self, slug, self.load(slug))
