"""The git merge driver for client files and records: ``onboard merge-driver %O %A %B %P``.

git calls it (see :mod:`onboard.storage.gitshare` for how it is registered)
whenever both sides of a merge changed the same ``clients/<slug>/client.toml``,
with the common ancestor's version (%O), ours (%A, where the result goes),
theirs (%B) and the file's path in the repository (%P). The merge itself is
:func:`onboard.core.merge.merge`, by history; this module reads and writes
the three files, finds the client's playbook (for which steps build on
which) and tells git how it went: exit 0 with a valid file, conflicts and
all, or exit 1 (ours left untouched, git marks the file conflicted) only
when a side cannot be read at all. A delivery's ``roster.jsonl`` and
``attendance.jsonl`` go to :mod:`onboard.storage.records`, row by row.
"""

from __future__ import annotations

import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from onboard.errors import OnboardError
from onboard.storage.store import STATE_FILE

if TYPE_CHECKING:
    from onboard.core.conflicts import Conflict
    from onboard.core.merge import MergeResult
    from onboard.core.state import ClientState


def playbook_needs(root: Path | None, state: ClientState) -> dict[str, set[str]]:
    """Which steps each step builds on, from the client's playbook; empty when it cannot be loaded."""
    from onboard.core.merge import needs_from_steps
    from onboard.storage.library import Library

    try:
        playbook = Library(root / "templates" if root else None).load(state.playbook, state.playbook_revision)
    except OnboardError:
        return {}
    openers = {s.opens: s.id for s in playbook.steps if s.opens}
    return needs_from_steps(((s.id, s.after, s.gate) for s in playbook.steps), openers)


def merge_client_files(
    base: bytes | None, ours: bytes, theirs: bytes, path: Path, root: Path | None = None
) -> tuple[bytes, MergeResult]:
    """Merge three versions of a client file; the bytes to write and what the merge found."""
    from onboard.core.merge import merge
    from onboard.storage.store import dumps, parse

    states = []
    for label, data in (("ancestor", base), ("ours", ours), ("theirs", theirs)):
        states.append(parse(data, Path(f"{path} ({label})")) if data and data.strip() else None)
    base_state, our_state, their_state = states
    if our_state is None or their_state is None:
        raise OnboardError(f"{path}: one side of the merge is empty.")
    needs: dict[str, Collection[str]] = dict(playbook_needs(root, our_state))
    result = merge(base_state, our_state, their_state, needs)
    return dumps(result.state), result


def workspace_of(repo_path: str, cwd: Path) -> Path | None:
    """The workspace a ``clients/<slug>/<file>`` path (relative to the repository) belongs to."""
    path = cwd / repo_path
    return path.parent.parent.parent if path.parent.parent.name == "clients" else None


def run_driver(ancestor: str, current: str, other: str, repo_path: str, cwd: Path | None = None) -> int:
    """What git runs: merge into ``current``; 0 when the result is a valid file, 1 when not."""
    from onboard.core.merge import open_conflicts
    from onboard.storage.atomic import atomic_write
    from onboard.storage.records import KINDS, merge_rows

    try:
        base = Path(ancestor).read_bytes()
        ours = Path(current).read_bytes()
        theirs = Path(other).read_bytes()
        if Path(repo_path).name in KINDS:
            data, clashes = merge_rows(base, ours, theirs, Path(repo_path))
            atomic_write(Path(current), data)
            for clash in clashes:
                print(f"onboard: {repo_path}: {clash}", file=sys.stderr)
            return 0
        if Path(repo_path).name != STATE_FILE:
            raise OnboardError(
                f"onboard merges client.toml, roster.jsonl and attendance.jsonl, not {repo_path}."
            )
        data, result = merge_client_files(
            base, ours, theirs, Path(repo_path), workspace_of(repo_path, cwd or Path.cwd())
        )
        atomic_write(Path(current), data)
    except OnboardError as exc:
        print(f"onboard: {repo_path} was not merged: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"onboard: {repo_path} was not merged: {exc}", file=sys.stderr)
        return 1
    fresh = result.new_conflicts
    if fresh:
        slug = result.state.slug
        print(
            f"onboard: {repo_path}: merged with {len(fresh)} conflict(s) to settle "
            f"(onboard resolve {slug}); {len(open_conflicts(result.state))} open in all.",
            file=sys.stderr,
        )
    return 0


def open_conflicts_in(path: Path) -> tuple[Conflict, ...]:
    """The open conflicts of a client file, read only when the file has any (``status`` asks each time)."""
    try:
        data = path.read_bytes()
    except OSError:
        return ()
    if b"[[conflicts]]" not in data:
        return ()
    from onboard.core.merge import open_conflicts
    from onboard.storage.store import parse

    try:
        return open_conflicts(parse(data, path))
    except OnboardError:
        return ()
