"""Where playbooks come from: the shipped ones, and a workspace's own ``templates/``.

A workspace folder ``templates/<id>/playbook.toml`` adds a playbook or
replaces the shipped one of the same id, so a team can adapt a process
without forking the tool.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from onboard.core.suggest import with_suggestion
from onboard.errors import OnboardError

if TYPE_CHECKING:
    from onboard.core.playbook import Playbook

PLAYBOOK_FILE = "playbook.toml"


def shipped_dir() -> Path:
    """The shipped templates: inside the installed package, or at the top of a checkout."""
    package = Path(__file__).resolve().parent.parent
    inside = package / "templates"
    return inside if inside.is_dir() else package.parent / "templates"


class Library:
    def __init__(self, workspace_templates: Path | None = None) -> None:
        self.dirs = [d for d in (workspace_templates, shipped_dir()) if d is not None]
        self._cache: dict[str, Playbook] = {}

    def available(self) -> dict[str, Path]:
        """Playbook id -> its file, workspace first so it overrides what is shipped."""
        found: dict[str, Path] = {}
        for folder in self.dirs:
            if not folder.is_dir():
                continue
            for path in sorted(folder.glob(f"*/{PLAYBOOK_FILE}")):
                found.setdefault(path.parent.name, path)
        return dict(sorted(found.items()))

    def origin(self, playbook_id: str) -> str:
        path = self.available().get(playbook_id)
        if path is None:
            return "missing"
        return "shipped" if path.parent.parent == shipped_dir() else "workspace"

    def load(self, playbook_id: str, revision: int | None = None) -> Playbook:
        """The playbook's current revision, or the kept older ``revision`` a client started on.

        Older revisions live in ``<id>/revisions/<n>.toml``; when the one asked
        for is not kept, the current revision is returned (``onboard check``
        and ``onboard upgrade`` report the difference).
        """
        current = self._load_current(playbook_id)
        if revision is None or revision == current.revision:
            return current
        key = f"{playbook_id}@{revision}"
        if key not in self._cache:
            if current.path is None:
                return current
            kept = current.path.parent / "revisions" / f"{revision}.toml"
            if not kept.is_file():
                return current
            older = load_playbook(kept, folder=current.path.parent)
            if older.revision != revision:
                raise OnboardError(f"{kept}: says revision {older.revision}, expected {revision}.")
            self._cache[key] = older
        return self._cache[key]

    def revisions(self, playbook_id: str) -> list[int]:
        """Every revision of a playbook that can be loaded, oldest first."""
        current = self._load_current(playbook_id)
        folder = current.path.parent / "revisions" if current.path else None
        kept = (
            [int(p.stem) for p in folder.glob("*.toml") if p.stem.isdigit()]
            if folder and folder.is_dir()
            else []
        )
        return sorted({*kept, current.revision})

    def _load_current(self, playbook_id: str) -> Playbook:
        if playbook_id in self._cache:
            return self._cache[playbook_id]
        path = self._find(playbook_id)
        if path is None:
            available = self.available()
            names = ", ".join(available) or "none"
            raise OnboardError(
                f"No playbook {playbook_id!r}.",
                with_suggestion(
                    playbook_id, available, f"Available: {names}. See them with `onboard playbooks`."
                ),
            )
        playbook = load_playbook(path)
        self._cache[playbook_id] = playbook
        return playbook

    def _find(self, playbook_id: str) -> Path | None:
        for folder in self.dirs:
            candidate = folder / playbook_id / PLAYBOOK_FILE
            if "/" not in playbook_id and ".." not in playbook_id and candidate.is_file():
                return candidate
        return None


def load_playbook(path: Path, folder: Path | None = None) -> Playbook:
    """Read and validate the playbook at ``path``; every problem found is listed in one error.

    ``folder`` is the playbook's own folder (its id and its ``emails/``); it
    differs from ``path.parent`` for a kept older revision in ``revisions/``.
    """
    from onboard.core.playbook import parse_playbook
    from onboard.storage.tomlfile import read_toml

    folder = folder or path.parent
    email_dir = folder / "emails"
    templates = (
        frozenset(p.name.split(".", 1)[0] for p in email_dir.iterdir() if p.is_file())
        if email_dir.is_dir()
        else None
    )
    return parse_playbook(read_toml(path), path, folder.name, templates)
