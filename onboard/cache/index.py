"""The index: what ``onboard list`` and ``onboard due`` need from every client, kept between runs.

Parsing ten thousand client files takes seconds; reading one small file of
what was computed from them, and checking each client file's ``stat``, takes
a fraction of that. The index lives in ``.onboard-cache/index.bin`` in the
workspace. It is only ever a copy: deleting it loses nothing, and a missing,
unreadable or corrupt index is silently rebuilt.

What is kept per client, from :func:`onboard.core.engine.standing`: name,
playbook, current stage, progress, the next step and next due date, the role
holders, and every pending step that is actionable or has a due date (id,
title, owner role, due date, actionable, moved). None of that depends on
today's date, only *overdue* does (pending and due before today), so it is
worked out when the index is read, and ``--as-of`` works unchanged.

An entry is used only while all of this still holds, so the index never
serves stale data:

- the client file's ``stat`` is the one recorded: modification and change
  times in nanoseconds, size and inode (a hand edit, ``git pull``, a restore
  or any ``onboard`` command changes at least one of them). Files added or
  removed are seen by listing ``clients/`` on every run;
- the files its playbook is loaded from are unchanged: ``playbook.toml`` of
  the folder that wins (a workspace's own, or the shipped one), its kept
  ``revisions/`` and its ``emails/`` folder, which loading checks;
- the holidays of ``onboard.toml`` (they move due dates), the onboard
  version and the source files of the modules that compute an entry are the
  same.

A file changed twice within the file system's time granularity could keep
the same ``stat``; like git's "racy clean" check, an entry is written only for
a file last changed more than :data:`RACY_NS` before it was looked at, so a
file changed in the last two seconds is always read again.

A single-client command (``status``, ``done``...) neither reads nor writes
the index: it changes the client file, and the next ``list`` sees that.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from onboard import __version__
from onboard.errors import OnboardError

if TYPE_CHECKING:
    from pathlib import Path

FORMAT = 2  # 2: the status model keeps conflicts and stamps onboard.toml by its stat
CACHE_DIR = ".onboard-cache"
INDEX_FILE = "index.bin"
MAGIC = b"onboard index\n"
RACY_NS = 2_000_000_000
STATE_FILE = "client.toml"  # onboard.storage.store.STATE_FILE, without importing the store
PLAYBOOK_FILE = "playbook.toml"  # onboard.storage.library.PLAYBOOK_FILE
_LAST_DATE = date.max.isoformat()
_clock = time.time_ns  # what "now" is for the racy check (tests move it)

# Positions in an entry's summary (a tuple of plain values, so that marshal can store it).
NAME, PLAYBOOK, STAGE, STAGE_TITLE, PROGRESS, NEXT_STEP, NEXT_DUE, STEPS, ROLES, SOURCE = range(10)
# Positions in a step: (id, title, owner role, due ISO date or None, actionable, moved).
STEP_ID, TITLE, OWNER, DUE, ACTIONABLE, MOVED = range(6)


class Client:
    """One client as the index knows it: its slug and its summary."""

    __slots__ = ("info", "slug")

    def __init__(self, slug: str, info: tuple[Any, ...]) -> None:
        self.slug = slug
        self.info = info

    @property
    def name(self) -> str:
        return self.info[NAME]

    @property
    def stage_title(self) -> str | None:
        return self.info[STAGE_TITLE]

    def overdue(self, today: str) -> int:
        return sum(1 for step in self.info[STEPS] if step[DUE] is not None and step[DUE] < today)

    def summary(self, today: str) -> dict[str, Any]:
        """What :func:`onboard.core.agenda.summary_json` says of this client; ``today`` is an ISO date."""
        info = self.info
        return {
            "slug": self.slug,
            "name": info[NAME],
            "playbook": info[PLAYBOOK],
            "stage": info[STAGE],
            "progress": info[PROGRESS],
            "next_step": info[NEXT_STEP],
            "next_due": info[NEXT_DUE],
            "overdue": self.overdue(today),
        }

    def assignee(self, role: str) -> Any:
        holder = self.info[ROLES].get(role)
        return holder[0] if holder else None


class Item:
    """A line of the agenda: a client's pending step that can be done now or is overdue."""

    __slots__ = ("client", "overdue", "step")

    def __init__(self, client: Client, step: tuple[Any, ...], overdue: bool) -> None:
        self.client = client
        self.step = step
        self.overdue = overdue

    @property
    def due(self) -> str | None:
        return self.step[DUE]

    def as_json(self) -> dict[str, Any]:
        """What :meth:`onboard.core.agenda.AgendaItem.as_json` says of it."""
        step = self.step
        return {
            "client": self.client.slug,
            "name": self.client.name,
            "step": step[STEP_ID],
            "title": step[TITLE],
            "role": step[OWNER],
            "assignee": self.client.assignee(step[OWNER]),
            "due": step[DUE],
            "overdue": self.overdue,
        }


def agenda(
    clients: list[Client],
    today: date,
    *,
    within: int | None = None,
    role: str | None = None,
    owner: str | None = None,
) -> list[Item]:
    """:func:`onboard.core.agenda.agenda` over the index: the same items, in the same order."""
    now = today.isoformat()
    horizon = (today + timedelta(days=within)).isoformat() if within is not None else None
    wanted_role = role.casefold() if role else None
    wanted_owner = owner.casefold() if owner else None
    items = []
    for client in clients:
        roles = client.info[ROLES]
        for step in client.info[STEPS]:
            due = step[DUE]
            overdue = due is not None and due < now
            if not (step[ACTIONABLE] or overdue):
                continue
            if horizon is not None and (due is None or due > horizon):
                continue
            if wanted_role and step[OWNER].casefold() != wanted_role:
                continue
            if wanted_owner:
                holder = roles.get(step[OWNER])
                if holder is None or wanted_owner not in holder[1]:
                    continue
            items.append(Item(client, step, overdue))
    items.sort(key=lambda i: (not i.overdue, i.step[DUE] or _LAST_DATE, i.client.slug, i.step[STEP_ID]))
    return items


# --- computing an entry ---------------------------------------------------------


_SCALAR = (str, int, float, bool, type(None))


def summarise(state: Any, playbook: Any, today: date, holidays: Any) -> tuple[Any, ...]:
    """The summary of one client, from its standing (``today`` is not used: *overdue* is not kept).

    :func:`onboard.core.engine.standing` gives what :func:`~onboard.core.engine.overview`
    would, without the per-step objects that building the index at ten
    thousand clients cannot afford.
    """
    from onboard.core.engine import standing

    ov = standing(playbook, state, holidays)
    steps = tuple(
        (step.id, step.title, step.owner, due.isoformat() if due else None, actionable, moved)
        for step, due, actionable, moved in ov.pending
        if actionable or due is not None
    )
    roles = {}
    for role, value in state.roles.items():
        holder = value or {}
        names = (str(holder.get("name", "")).casefold(), str(holder.get("initials", "")).casefold())
        roles[role] = (holder.get("name"), names)
    nxt = ov.next_step
    return (
        state.name,
        playbook.id,
        ov.stage.id if ov.stage else None,
        ov.stage.title if ov.stage else None,
        ov.progress,
        nxt.id if nxt else None,
        ov.next_due.isoformat() if ov.next_due else None,
        steps,
        roles,
        state.playbook,
    )


def storable(info: tuple[Any, ...]) -> bool:
    """Whether marshal can keep the summary (a role holder's name is always text in a valid file)."""
    plain = [v for i, v in enumerate(info) if i not in (STEPS, ROLES)]
    plain += [v for step in info[STEPS] for v in step]
    plain += [k for k in info[ROLES]] + [h[0] for h in info[ROLES].values()]
    return all(isinstance(v, _SCALAR) for v in plain)


# --- reading and keeping the index -----------------------------------------------


def _key(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def _recent(st: os.stat_result, now: int) -> bool:
    """Changed within :data:`RACY_NS` of ``now`` (or in the future): its stat may not change again."""
    return max(st.st_mtime_ns, st.st_ctime_ns) > now - RACY_NS


def scan(clients_dir: Path) -> Iterator[tuple[str, os.stat_result, bool]]:
    """Every client folder, the stat of its file and whether the folder is a link, sorted by slug.

    The folders are those :meth:`Store.slugs` finds.
    """
    from onboard.core.naming import is_slug

    try:
        with os.scandir(clients_dir) as entries:
            found = sorted((e.name, e.is_symlink()) for e in entries if e.is_dir() and is_slug(e.name))
    except (FileNotFoundError, NotADirectoryError):
        return
    base = os.fspath(clients_dir)
    for name, linked in found:
        try:
            st = os.stat(os.path.join(base, name, STATE_FILE))
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            yield name, st, linked


class Index:
    """The index of one workspace, read once per run and written back only if something changed."""

    def __init__(self, root: Path, library: Any, holidays: Any) -> None:
        self.root = root
        self.path = root / CACHE_DIR / INDEX_FILE
        self.library = library
        self.stamp = (
            FORMAT,
            __version__,
            tuple(sorted(d.isoformat() for d in holidays)),
            _code_fingerprint(),
        )
        self.now = _clock()
        self._playbooks: dict[str, tuple[Any, bool]] = {}

    def playbook_fingerprint(self, playbook_id: str) -> tuple[Any, bool]:
        """The stat of every file a playbook is loaded from, and whether any changed very recently."""
        known = self._playbooks.get(playbook_id)
        if known is None:
            known = self._playbooks[playbook_id] = _playbook_fingerprint(
                self.library.dirs, playbook_id, self.now
            )
        return known

    def read(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The playbook fingerprints and client entries of the stored index, or two empty dicts."""
        import marshal
        import zlib

        try:
            data = self.path.read_bytes()
            if not data.startswith(MAGIC):
                return {}, {}
            body = memoryview(data)[len(MAGIC) + 4 :]
            if int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big") != zlib.crc32(body):
                return {}, {}
            stamp, playbooks, clients = marshal.loads(body)
        except (OSError, ValueError, EOFError, TypeError):
            return {}, {}
        if stamp != self.stamp or not isinstance(playbooks, dict) or not isinstance(clients, dict):
            return {}, {}
        return playbooks, clients

    def write(self, playbooks: dict[str, Any], clients: dict[str, Any]) -> None:
        """Store the index atomically; a workspace that cannot be written to just goes without."""
        import marshal
        import zlib

        from onboard.storage.atomic import atomic_write

        body = marshal.dumps((self.stamp, playbooks, clients))
        folder = self.path.parent
        try:
            if not folder.is_dir():
                folder.mkdir()
                (folder / ".gitignore").write_text(
                    "# onboard's cache: safe to delete.\n*\n", encoding="utf-8"
                )
            atomic_write(self.path, MAGIC + zlib.crc32(body).to_bytes(4, "big") + body)
        except OSError:
            pass


def _code_fingerprint() -> tuple[str | tuple[str, int, int], ...]:
    from onboard.cache.fingerprint import current

    return current()


def _playbook_fingerprint(dirs: list[Path] | list[str], playbook_id: str, now: int) -> tuple[Any, bool]:
    if "/" in playbook_id or "\\" in playbook_id or playbook_id in ("", ".", ".."):
        return None, True
    for folder in dirs:
        base = os.path.join(os.fspath(folder), playbook_id)
        try:
            st = os.stat(os.path.join(base, PLAYBOOK_FILE))
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        recent = _recent(st, now)
        parts: list[Any] = [base, _key(st)]
        for sub in ("emails", "revisions"):
            try:
                sub_st = os.stat(os.path.join(base, sub))
            except OSError:
                parts.append(None)
                continue
            recent = recent or _recent(sub_st, now)
            parts.append(_key(sub_st))
        try:
            with os.scandir(os.path.join(base, "revisions")) as entries:
                kept = sorted((e.name, e.stat()) for e in entries if e.name.endswith(".toml"))
        except OSError:
            kept = []
        for name, kept_st in kept:
            recent = recent or _recent(kept_st, now)
            parts.append((name, _key(kept_st)))
        return tuple(parts), recent
    return None, True


def read_state(clients_dir: Path, slug: str, linked: bool, store: Callable[[], Any]) -> Any:
    """A client's state from a single read of its file, for a folder :func:`scan` found.

    :meth:`Store.load` resolves the folder to refuse a link out of ``clients/``,
    which costs more than parsing does; a folder that is not a link needs no
    such check. A link, a file that cannot be read or a slug that is not the
    folder's goes to ``store().load``, so that every problem is reported in
    the store's words.
    """
    from pathlib import Path

    from onboard.storage.store import parse

    if not linked:
        path = os.path.join(os.fspath(clients_dir), slug, STATE_FILE)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            data = None
        if data is not None:
            state = parse(data, Path(path))
            if state.slug == slug:
                return state
    return store().load(slug)


def read_clients(
    root: Path, clients_dir: Path, library: Any, holidays: Any, today: date, store: Callable[[], Any]
) -> tuple[list[Client], list[OnboardError]]:
    """Every readable client, by slug, from the index where it is valid and from its file where not.

    An unreadable client (bad TOML, unknown playbook...) is returned as a
    problem, exactly as reading it directly reports it, and never indexed.
    The index is written back only when an entry was added, changed or removed.
    ``store`` makes the :class:`onboard.storage.store.Store`, needed only for
    what :func:`read_state` hands over to it.
    """
    index = Index(root, library, holidays)
    old_playbooks, old_clients = index.read()
    playbooks: dict[str, Any] = {}
    clients: dict[str, Any] = {}
    found: list[Client] = []
    problems: list[OnboardError] = []
    changed = False
    for slug, st, linked in scan(clients_dir):
        key = _key(st)
        entry = old_clients.get(slug)
        if entry is not None and entry[0] == key:
            info = entry[1]
            source = info[SOURCE]
            fingerprint, recent = index.playbook_fingerprint(source)
            if not recent and fingerprint is not None and old_playbooks.get(source) == fingerprint:
                clients[slug] = entry
                playbooks[source] = fingerprint
                found.append(Client(slug, info))
                continue
        try:
            state = read_state(clients_dir, slug, linked, store)
            fingerprint, recent = index.playbook_fingerprint(state.playbook)
            playbook = library.load(state.playbook, state.playbook_revision)
        except OnboardError as exc:
            problems.append(exc)
            continue
        info = summarise(state, playbook, today, holidays)
        if not recent and fingerprint is not None and not _recent(st, index.now) and storable(info):
            clients[slug] = (key, info)
            playbooks[state.playbook] = fingerprint
            changed = True
        found.append(Client(slug, info))
    if changed or len(clients) != len(old_clients) or playbooks != old_playbooks:
        index.write(playbooks, clients)
    return found, problems
