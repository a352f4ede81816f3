"""Sharing a workspace through git: one commit per change, when the team opts in.

With ``[git] commit = true`` in ``onboard.toml``, every change to a client is
committed with a message saying what happened (``acme: done pre-call``), so a
team shares the workspace through an ordinary remote and reads its history
with ``git log``. git runs with an argument list, never through a shell.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from onboard.core.state import ClientState


def commit_message(state: ClientState) -> str:
    summary = state.history[-1].summary if state.history else "changed"
    return f"{state.slug}: {summary}"


def commit_change(root: Path, folder: Path, state: ClientState) -> str | None:
    """Commit the client's folder; returns a problem to show, or None when committed."""
    git = shutil.which("git")
    if git is None:
        return "git commits are on in onboard.toml, but git is not installed."
    inside = subprocess.run(
        [git, "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True
    )
    if inside.returncode != 0:
        return (
            f"git commits are on in onboard.toml, but {root} is not a git repository (run `git init` there)."
        )
    relative = str(folder.relative_to(root))
    add = subprocess.run([git, "-C", str(root), "add", "--", relative], capture_output=True, text=True)
    if add.returncode != 0:
        return f"git add failed: {add.stderr.strip()[:200]}"
    commit = subprocess.run(
        [git, "-C", str(root), "commit", "--quiet", "-m", commit_message(state), "--", relative],
        capture_output=True,
        text=True,
    )
    if commit.returncode != 0 and "nothing to commit" not in commit.stdout + commit.stderr:
        return f"git commit failed: {(commit.stderr or commit.stdout).strip()[:200]}"
    return None
