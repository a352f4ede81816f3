"""The store: reading and writing ``clients/<slug>/client.toml`` without ever losing it.

Every change is a read-modify-write under a per-client lock. The new file is
written to a temporary file in the same folder, flushed and fsynced, then
moved over the old one with ``os.replace``, so a crash leaves either the old
state or the new one, never half of each. A file that cannot be read is
reported and never written over. That way of replacing a file
(:func:`replacing`, :func:`replace_file`) is shared by every file onboard
writes, a delivery's roster and attendance too (:mod:`onboard.delivery.datafiles`).

Every save also keeps a copy of what it wrote in ``.backup/`` as
``client.<serial>.toml`` (the last :data:`KEEP_BACKUPS`), the first save by
``onboard new`` included. So the newest saved version is always the last
good file, and a ``client.toml`` damaged afterwards (a bad hand edit, a
half-resolved git merge) loses no change: ``onboard restore`` brings that
version back. A file changed outside onboard (by hand, by ``git pull``) that
still reads is kept as a version of its own before it is replaced. Versions
are numbered for people newest first, 1 being the last one saved.
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
from onboard.core.suggest import with_suggestion
from onboard.errors import OnboardError

if TYPE_CHECKING:
    from onboard.core.state import ClientState
from onboard.storage.atomic import atomic_write
from onboard.storage.tomlfile import toml_error


def _bytes_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


STATE_FILE = "client.toml"
LOCK_FILE = ".lock"
BACKUP_DIR = ".backup"
KEEP_BACKUPS = 10
BEFORE_RESTORE = "client.before-restore.toml"
LOCK_TIMEOUT = 10.0


def dumps(state: ClientState) -> bytes:
    import tomli_w

    from onboard.core.state import to_document

    return tomli_w.dumps(to_document(state)).encode("utf-8")


def parse(data: bytes, path: Path) -> ClientState:
    """Parse the bytes of a client file; errors name the file, line and column.

    The way out an error gives is true of that file at that moment: for a
    ``client.toml`` in its client folder it is ``onboard restore`` only when a
    saved version can be read (:func:`recovery_hint`).
    """
    from onboard.core.state import from_document

    try:
        try:
            text = data.decode("utf-8")
            doc = tomllib.loads(text)
        except UnicodeDecodeError as exc:
            raise OnboardError(f"{path}: not UTF-8 text (byte {exc.start}).") from None
        except tomllib.TOMLDecodeError as exc:
            raise OnboardError(f"{path}: not valid TOML: {toml_error(exc, text)}.") from None
        return from_document(doc, path)
    except OnboardError as exc:
        raise OnboardError(exc.message, recovery_hint(path)) from None


def recovery_hint(path: Path) -> str:
    """What to do about ``path``, a client file that cannot be read.

    A ``client.toml`` in its folder points at ``onboard restore`` and names the
    version it would bring back, when one of the saved versions can be read;
    otherwise (no version saved, every version damaged, or a file that is not
    a client's current file, such as a saved version or one side of a git
    merge) the fix is by hand.
    """
    if path.name == STATE_FILE:
        good = _newest_readable(_numbered(path.parent / BACKUP_DIR), path.parent.name)
        if good is not None:
            return (
                f"Fix it by hand, or bring back the last good version ({good.label()}) with "
                f"`onboard restore {path.parent.name}`; the file was left as it is."
            )
        return (
            f"Fix it by hand at the place named (no readable version of it is saved in "
            f"{path.parent / BACKUP_DIR} to restore); the file was left as it is."
        )
    return "Fix it by hand; the file was left as it is."


@dataclass(frozen=True)
class Version:
    """One saved version of a client file; ``number`` 1 is the newest.

    ``state`` is None when the version cannot be read; ``problem`` then says why.
    """

    number: int
    path: Path
    state: ClientState | None
    problem: str = ""
    data: bytes = b""

    @property
    def readable(self) -> bool:
        return self.state is not None

    def last_change(self) -> str:
        """Its last event, as ``log`` shows it; how a person recognises a version."""
        if self.state is None:
            return f"unreadable: {self.problem}"
        if not self.state.history:
            return "no history"
        last = self.state.history[-1]
        return f"#{last.seq} {last.at:%Y-%m-%d %H:%M} {last.summary}"

    def label(self) -> str:
        return f"saved version {self.number}, {self.last_change()}"


@dataclass(frozen=True)
class Restored:
    """What :meth:`Store.restore` did: the version brought back and where the replaced file went.

    ``replaced`` is ``"missing"`` (there was no file), ``"same"`` (the file
    already held that version), ``"saved"`` or ``"kept"`` (it reads, and is now
    saved version 2, after the one brought back) or ``"unreadable"`` (it is
    put aside at ``aside``).
    """

    version: Version
    replaced: str
    aside: Path | None = None


def _serial(path: Path) -> int | None:
    middle = path.name[len("client.") : -len(".toml")]
    return int(middle) if middle.isdigit() else None


def _numbered(folder: Path) -> list[Path]:
    """The saved versions in ``folder``, newest first; other files there are not versions."""
    if not folder.is_dir():
        return []
    found = [(n, p) for p in folder.glob("client.*.toml") if (n := _serial(p)) is not None]
    return [p for _, p in sorted(found, reverse=True)]


def _read_version(number: int, path: Path, slug: str) -> Version:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Version(number, path, None, f"cannot read it ({exc.strerror})")
    try:
        state = parse(data, path)
    except OnboardError as exc:
        return Version(number, path, None, exc.message.removeprefix(f"{path}: ").rstrip("."), data)
    if state.slug != slug:
        return Version(number, path, None, f"it is client {state.slug!r}, not {slug!r}", data)
    return Version(number, path, state, "", data)


def _newest_readable(paths: list[Path], slug: str) -> Version | None:
    for number, path in enumerate(paths, 1):
        version = _read_version(number, path, slug)
        if version.readable:
            return version
    return None


def _reads(data: bytes, path: Path) -> bool:
    try:
        parse(data, path)
    except OnboardError:
        return False
    return True


@dataclass
class Transaction:
    """A locked read-modify-write of one client; call :meth:`commit` to save."""

    store: Store
    slug: str
    state: ClientState
    committed: bool = False

    def commit(self, new_state: ClientState) -> None:
        self.store.write(self.slug, new_state)
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
            with_suggestion(
                prefix or name_or_slug,
                self.slugs(),
                "See the clients with `onboard list`, or start one with `onboard new NAME`.",
            ),
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
            self.write(state.slug, state)
        return self.path(state.slug)

    def write(self, slug: str, state: ClientState) -> None:
        """Save ``state`` as the client's file and keep it as the newest saved version."""
        self._save(slug, dumps(state))
        if self.on_write is not None:
            self.on_write(slug, state)

    def _save(self, slug: str, data: bytes, aside: Path | None = None) -> str:
        """Replace the client's file with ``data`` and keep ``data`` as the newest version.

        The file replaced is kept first when it is a version not saved yet (a
        hand edit, a ``git pull``, a file from before every save was kept)
        and it reads; one that does not read is copied to ``aside`` when
        given. Returns what the file replaced was: ``"missing"``, ``"same"``
        (it held ``data``), ``"saved"`` (it was the newest version already),
        ``"kept"`` or ``"unreadable"``. The copy is written after the file: a
        crash between the two leaves a file not saved yet, which the next
        save keeps.
        """
        path = self.path(slug)
        folder = path.parent / BACKUP_DIR
        kept = _numbered(folder)
        newest = _bytes_or_none(kept[0]) if kept else None
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            replaced = "missing"
        else:
            if current == data:
                replaced = "same"
            elif current == newest:
                replaced = "saved"
            elif _reads(current, path):
                replaced = "kept"
                newest = self._keep(folder, kept, current)
            else:
                replaced = "unreadable"
                if aside is not None:
                    folder.mkdir(exist_ok=True)
                    atomic_write(aside, current)
        atomic_write(path, data)
        if newest != data:
            self._keep(folder, _numbered(folder), data)
        return replaced

    def _keep(self, folder: Path, kept: list[Path], data: bytes) -> bytes:
        """Save ``data`` as the newest version in ``folder`` and drop the oldest beyond the limit."""
        folder.mkdir(exist_ok=True)
        serial = (_serial(kept[0]) or 0) + 1 if kept else 1
        atomic_write(folder / f"client.{serial:06d}.toml", data)
        for stale in _numbered(folder)[KEEP_BACKUPS:]:
            with contextlib.suppress(OSError):
                stale.unlink()
        return data

    def backups(self, slug: str) -> list[Path]:
        """The saved versions, newest first (the newest is the last file onboard wrote)."""
        return _numbered(self.folder(slug) / BACKUP_DIR)

    def versions(self, slug: str) -> list[Version]:
        """The saved versions, numbered newest first, each read to say what it holds."""
        return [_read_version(n, p, slug) for n, p in enumerate(self.backups(slug), 1)]

    def _nothing_to_restore(self, slug: str) -> OnboardError:
        """Why no saved version can replace the client's file, and what to do instead."""
        path = self.path(slug)
        count = len(self.backups(slug))
        folder = path.parent / BACKUP_DIR
        if count > 1:
            saved = f"none of the {count} versions saved in {folder} can be read"
        elif count:
            saved = f"the one version saved in {folder} cannot be read"
        else:
            saved = "no version of it is saved"
        if path.exists():
            return OnboardError(
                f"{path} cannot be read and {saved}; nothing was restored.",
                "Fix it by hand: `onboard check` names the line and what is wrong.",
            )
        if count:
            return OnboardError(
                f"{path} is missing and {saved}; nothing was restored.",
                f"Copy a saved version to {path} and fix it by hand: `onboard check` names what is wrong.",
            )
        return OnboardError(
            f"No client {slug!r}: {path} is missing and {saved}.", "See the clients with `onboard list`."
        )

    def newest_readable(self, slug: str) -> Version | None:
        """The newest saved version that can be read: the last good file."""
        return _newest_readable(self.backups(slug), slug)

    def restore(self, slug: str, number: int | None = None) -> Restored:
        """Bring back saved version ``number`` (1 is the newest), or the newest readable one.

        The file replaced is not lost: a readable one becomes a saved version
        (so restoring again undoes the restore), an unreadable one is put
        aside as ``.backup/client.before-restore.toml``. The version brought
        back becomes the newest saved version, the last good file.
        """
        folder = self.folder(slug)
        if not folder.is_dir():
            raise self._nothing_to_restore(slug)
        with self.lock(slug):
            if number is None:
                version = self.newest_readable(slug)
                if version is None:
                    raise self._nothing_to_restore(slug)
            else:
                versions = self.backups(slug)
                if not 1 <= number <= len(versions):
                    raise OnboardError(
                        f"There is no saved version {number} of {slug!r} (there are {len(versions)}).",
                        f"See them with `onboard restore {slug} --list`.",
                    )
                version = _read_version(number, versions[number - 1], slug)
                if version.state is None:
                    raise OnboardError(
                        f"{version.path}: {version.problem}; nothing was restored.",
                        f"Pick another version from `onboard restore {slug} --list`.",
                    )
            aside = folder / BACKUP_DIR / BEFORE_RESTORE
            replaced = self._save(slug, version.data, aside)
        return Restored(version, replaced, aside if replaced == "unreadable" else None)

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
