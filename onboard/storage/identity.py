"""Who is at the keyboard: the name every change is recorded under.

A workspace shared by a team cannot say who its user is: ``onboard.toml``
is the same file for everyone. So the name comes from what is each
person's own, in this order:

1. ``ONBOARD_USER`` in the environment;
2. ``[user] name`` (and ``email``) in the per-person config file, in the
   platform's config folder (``~/.config/onboard/config.toml`` on Linux;
   ``onboard sync --setup --name NAME`` writes it);
3. git's ``user.name``, when the workspace is inside a git repository;
4. ``[user] name`` of ``onboard.toml``, for a workspace used alone;
5. the login name.

The person is matched against the workspace's ``[[team]]`` by name or
initials, which is how ``onboard due --mine`` knows the roles they hold.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onboard.errors import OnboardError
from onboard.storage.atomic import atomic_write
from onboard.storage.workspace import Settings, TeamMember, Workspace, default_user

CONFIG_NAME = "config.toml"


@dataclass(frozen=True)
class Person:
    """The current person, with where the name came from (shown by ``onboard sync --setup``)."""

    name: str
    email: str | None
    source: str


def user_config_path() -> Path:
    """The per-person config file (not in any workspace)."""
    from platformdirs import user_config_path as config_dir

    return config_dir("onboard", appauthor=False) / CONFIG_NAME


def read_user_config(path: Path) -> Mapping[str, Any]:
    """``[user]`` of the per-person config file; empty when there is none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise OnboardError(
            f"{path}: cannot be read ({exc}).", "Fix or delete it; it only holds your name and email."
        ) from None
    user = data.get("user", {})
    return user if isinstance(user, dict) else {}


def write_user_config(path: Path, name: str, email: str | None) -> None:
    """Write ``[user]`` to the per-person config file, keeping anything else in it."""
    import tomli_w

    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
    user = {"name": name.strip()}
    if email:
        user["email"] = email.strip()
    data["user"] = user
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, tomli_w.dumps(data).encode("utf-8"))


def in_git_repository(root: Path) -> bool:
    """Whether ``root`` is inside a git work tree (found without running git)."""
    here = root.resolve()
    return any((folder / ".git").exists() for folder in (here, *here.parents))


def git_user(root: Path) -> tuple[str, str | None] | None:
    """git's ``user.name`` and ``user.email`` as seen from ``root``, if git knows them."""
    git = shutil.which("git")
    if git is None or not in_git_repository(root):
        return None
    found = subprocess.run(
        [git, "-C", str(root), "config", "--get-regexp", r"^user\.(name|email)$"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    values: dict[str, str] = {}
    for line in found.stdout.splitlines():
        key, _, value = line.partition(" ")
        values.setdefault(key, value.strip())
    name = values.get("user.name", "")
    return (name, values.get("user.email") or None) if name else None


def current_person(root: Path, settings: Settings) -> Person:
    """The person changes are recorded under (see the module's docstring for the order)."""
    if os.environ.get("ONBOARD_USER", "").strip():
        return Person(os.environ["ONBOARD_USER"].strip(), None, "ONBOARD_USER")
    path = user_config_path()
    user = read_user_config(path)
    if isinstance(user.get("name"), str) and user["name"].strip():
        email = user.get("email") if isinstance(user.get("email"), str) else None
        return Person(user["name"].strip(), email, str(path))
    from_git = git_user(root)
    if from_git:
        return Person(from_git[0], from_git[1], "git config user.name")
    shared = settings.raw.get("user", {})
    name = shared.get("name") if isinstance(shared, dict) else None
    if isinstance(name, str) and name.strip():
        return Person(name.strip(), None, f"{root / 'onboard.toml'} [user]")
    return Person(default_user(), None, "your login name")


def team_entry(settings: Settings, person: Person) -> TeamMember | None:
    """The person's ``[[team]]`` entry, by name, initials or email."""
    found = settings.member(person.name)
    if found is None and person.email:
        found = next(
            (m for m in settings.team if (m.email or "").casefold() == person.email.casefold()), None
        )
    return found


@dataclass(frozen=True)
class Mine:
    """What makes a step the current person's: the names they go by and the roles the team gives them."""

    names: frozenset[str]
    team_roles: frozenset[str]

    def holds(self, role: str, holder_names: tuple[str, ...] | None) -> bool:
        """Whether a step of ``role`` is theirs: they hold it for the client, or nobody does and
        the team list gives them that role."""
        if holder_names is not None:
            return bool(self.names & {n for n in holder_names if n})
        return role in self.team_roles


def mine(settings: Settings, person: Person) -> Mine:
    member = team_entry(settings, person)
    names = {person.name.casefold()}
    if member is not None:
        names |= {member.name.casefold(), member.initials.casefold()}
    return Mine(frozenset(names), frozenset(member.roles) if member else frozenset())


def mine_for(workspace: Workspace) -> Mine:
    """:class:`Mine` for the person at the keyboard in ``workspace``."""
    return mine(workspace.settings, current_person(workspace.root, workspace.settings))
