"""Sharing a workspace through git: a commit per change, a merge driver, and ``onboard sync``.

With ``[git] commit = true`` in ``onboard.toml``, every change to a client is
committed with a message saying what happened (``acme: done pre-call``), so a
team shares the workspace through an ordinary remote and reads its history
with ``git log``.

Two people changing the same client is the normal day, so client files are
not merged line by line: :func:`setup` routes ``clients/*/client.toml`` to the
``onboard`` merge driver (``.gitattributes``) and registers the driver in the
repository's config, and git then merges those files by history
(:mod:`onboard.storage.merge`). :func:`sync` is the whole round trip: commit
what is pending, fetch, merge, push; it stops with one clear message when
there is no remote, the remote cannot be reached or refuses the
credentials, or a file the driver does not own conflicts (the merge is then
aborted, so the repository is as it was).

git always runs with an argument list, never through a shell, and without
asking for a password on the terminal.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from onboard.core.state import ClientState
from onboard.errors import OnboardError

DRIVER = "onboard"
ATTRIBUTES = tuple(
    f"clients/*/{name} merge=onboard" for name in ("client.toml", "roster.jsonl", "attendance.jsonl")
)
IGNORED = ("clients/*/.lock", "clients/*/.backup/")
PRIVATE = (":(exclude,glob)clients/*/.lock", ":(exclude,glob)clients/*/.backup/**")
"""Pathspecs that keep a client's lock and backups out of every commit onboard makes."""


def commit_message(state: ClientState) -> str:
    summary = state.history[-1].summary if state.history else "changed"
    return f"{state.slug}: {summary}"


def _git() -> str | None:
    return shutil.which("git")


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    git = _git()
    if git is None:
        raise OnboardError("git is not installed.", "Install git, then run the command again.")
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_MERGE_AUTOEDIT": "no"}
    return subprocess.run(
        [git, "-C", str(root), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env
    )


def _out(root: Path, *args: str) -> str:
    return _run(root, *args).stdout.strip()


def repo_top(root: Path) -> Path | None:
    """The top of the git work tree holding ``root``, or None when it is not in one."""
    if _git() is None:
        return None
    done = _run(root, "rev-parse", "--show-toplevel")
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def commit_change(root: Path, folder: Path, state: ClientState) -> str | None:
    """Commit the client's folder; returns a problem to show, or None when committed."""
    if _git() is None:
        return "git commits are on in onboard.toml, but git is not installed."
    if repo_top(root) is None:
        return (
            f"git commits are on in onboard.toml, but {root} is not a git repository (run `git init` there)."
        )
    relative = str(folder.relative_to(root))
    private = [f":(exclude){relative}/.lock", f":(exclude){relative}/.backup"]
    add = _run(root, "add", "--", relative, *private)
    if add.returncode != 0:
        return f"git add failed: {add.stderr.strip()[:200]}"
    commit = _run(root, "commit", "--quiet", "-m", commit_message(state), "--", relative)
    if commit.returncode != 0 and "nothing to commit" not in commit.stdout + commit.stderr:
        return f"git commit failed: {(commit.stderr or commit.stdout).strip()[:200]}"
    return None


# --- the merge driver ----------------------------------------------------------------


def driver_command() -> str:
    """What git runs for a client file: this Python's onboard, so it works from a venv not on PATH.

    git hands the line to a shell with its own %O %A %B %P (paths it made),
    so the interpreter's path is quoted and nothing else of ours is in it.
    """
    return f"{shlex.quote(sys.executable)} -m onboard merge-driver %O %A %B %P"


def driver_registered(root: Path) -> bool:
    return _out(root, "config", "--get", f"merge.{DRIVER}.driver") == driver_command()


def _append_lines(path: Path, lines: tuple[str, ...]) -> bool:
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    missing = [line for line in lines if line not in text.splitlines()]
    if not missing:
        return False
    gap = "\n" if text and not text.endswith("\n") else ""
    path.write_text(text + gap + "\n".join(missing) + "\n", encoding="utf-8")
    return True


def setup(root: Path) -> list[str]:
    """Route client files to the merge driver and register it; returns what was changed.

    Writes ``.gitattributes`` and ``.gitignore`` lines in the workspace (they
    travel with the repository) and ``merge.onboard.*`` in the repository's
    own config (each clone needs it once; :func:`sync` renews it). A lock or
    backup that an earlier commit took into git is taken out of it (the
    files stay on disk).
    """
    top = repo_top(root)
    if top is None:
        raise OnboardError(
            f"{root} is not in a git repository.",
            "Run `git init` there (or clone the team's repository), then `onboard sync --setup`.",
        )
    changed = []
    if _append_lines(root / ".gitattributes", ATTRIBUTES):
        changed.append(f"wrote {root / '.gitattributes'} (client files merge by history)")
    if _append_lines(root / ".gitignore", IGNORED):
        changed.append(f"wrote {root / '.gitignore'} (locks and backups stay out of git)")
    if not driver_registered(root):
        _run(root, "config", f"merge.{DRIVER}.name", "onboard: client histories merged event by event")
        _run(root, "config", f"merge.{DRIVER}.driver", driver_command())
        changed.append(f"registered the merge driver in {top / '.git' / 'config'}")
    tracked = _out(root, "ls-files", "--", ":(glob)clients/*/.lock", ":(glob)clients/*/.backup/**")
    if tracked:
        _run(root, "rm", "-r", "--cached", "--quiet", "--", *tracked.splitlines())
        changed.append(f"took {len(tracked.splitlines())} lock and backup file(s) out of git")
    return changed


# --- sync ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncReport:
    """What a sync did."""

    remote: str
    branch: str
    committed: bool = False
    received: int = 0
    sent: int = 0
    changed_clients: tuple[str, ...] = ()
    setup: tuple[str, ...] = field(default_factory=tuple)


def _remote_and_branch(root: Path) -> tuple[str, str, bool]:
    """(remote, branch on the remote, whether the branch already tracks it)."""
    branch = _out(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    if not branch:
        raise OnboardError(
            "The repository is not on a branch (a detached HEAD).",
            "Check out the team's branch, e.g. git switch main.",
        )
    remote = _out(root, "config", "--get", f"branch.{branch}.remote")
    merge_ref = _out(root, "config", "--get", f"branch.{branch}.merge")
    if remote and merge_ref.startswith("refs/heads/"):
        return remote, merge_ref.removeprefix("refs/heads/"), True
    remotes = _out(root, "remote").splitlines()
    if not remotes:
        raise OnboardError(
            f"{root} has no remote to sync with.",
            "Add the team's repository with `git remote add origin URL`, then run `onboard sync` again.",
        )
    return ("origin" if "origin" in remotes else remotes[0]), branch, False


def _remote_problem(root: Path, remote: str, what: str, stderr: str) -> OnboardError:
    """One clear message for a fetch or push that failed, by what git said."""
    url = _out(root, "remote", "get-url", remote) or remote
    text = stderr.lower()
    first = next((line.strip() for line in stderr.splitlines() if line.strip()), "no message")
    kept = "Your changes are committed here and go with the next sync."
    refused = (
        "authentication failed",
        "permission denied",
        "could not read username",
        "could not read password",
        "terminal prompts disabled",
        "invalid username or password",
        "access denied",
        "403",
        "401",
    )
    if any(word in text for word in refused):
        return OnboardError(
            f"The remote {remote} ({url}) refused your credentials.",
            f"Check your access to it (SSH key or token, git credential helper). {kept}",
        )
    missing = ("does not appear to be a git repository", "no such file or directory", "not a git repository")
    if any(word in text for word in missing) or "repository not found" in text:
        return OnboardError(
            f"The remote {remote} ({url}) cannot be reached: there is no repository there.",
            f"Check its address with `git remote -v` (fix it with git remote set-url). {kept}",
        )
    offline = (
        "could not resolve host",
        "connection refused",
        "timed out",
        "network is unreachable",
        "no route to host",
        "connection reset",
        "unable to access",
        "could not connect",
    )
    if any(word in text for word in offline):
        return OnboardError(
            f"The remote {remote} ({url}) cannot be reached: {first}", f"Check the network. {kept}"
        )
    return OnboardError(f"git {what} {remote} failed: {first}", kept)


def _commit_pending(root: Path, by: str) -> bool:
    _run(root, "add", "--all", "--", ".", *PRIVATE)
    staged = _out(root, "diff", "--cached", "--name-only", "--relative")
    if not staged:
        return False
    slugs = sorted(
        {p.split("/")[1] for p in staged.splitlines() if p.startswith("clients/") and p.count("/") >= 2}
    )
    what = ", ".join(slugs[:5]) + (" and more" if len(slugs) > 5 else "") if slugs else "workspace files"
    done = _run(root, "commit", "--quiet", "-m", f"onboard sync: {what} (by {by})", "--", ".")
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip()
        if "tell me who you are" in message.lower() or "user.email" in message:
            raise OnboardError(
                "git does not know who you are, so the changes could not be committed.",
                'Run git config user.name "Your Name" and git config user.email you@example.com; nothing was lost.',
            )
        raise OnboardError(f"git commit failed: {message.splitlines()[0] if message else 'no message'}")
    return True


def _merge(root: Path, ref: str, remote: str, branch: str) -> None:
    """Merge ``ref``; on any failure abort, so the repository is exactly as before, and say why."""
    done = _run(root, "merge", "--no-edit", "--quiet", "-m", f"onboard sync: merge {remote}/{branch}", ref)
    if done.returncode == 0:
        return
    unmerged = _out(root, "diff", "--name-only", "--diff-filter=U", "--relative").splitlines()
    if _run(root, "rev-parse", "--quiet", "--verify", "MERGE_HEAD").returncode == 0:
        _run(root, "merge", "--abort")
    if unmerged:
        files = ", ".join(unmerged[:5]) + (f" and {len(unmerged) - 5} more" if len(unmerged) > 5 else "")
        raise OnboardError(
            f"Both sides changed {files}, and git cannot merge it line by line; nothing was merged.",
            f"Your changes are committed here. Merge it by hand (git merge {remote}/{branch}, edit, "
            "git commit), then run `onboard sync` again.",
        )
    message = (done.stderr or done.stdout).strip()
    first = message.splitlines()[0] if message else "no message"
    raise OnboardError(
        f"git could not merge {remote}/{branch}: {first}",
        "Nothing was merged; commit or move the files it names, then run `onboard sync` again.",
    )


def sync(root: Path, by: str) -> SyncReport:
    """Commit what is pending, fetch, merge with the driver, push; see the module docstring."""
    top = repo_top(root)
    if top is None:
        raise OnboardError(
            f"{root} is not in a git repository.",
            "Run `git init` there (or clone the team's repository), then `onboard sync --setup`.",
        )
    if _run(root, "rev-parse", "--quiet", "--verify", "MERGE_HEAD").returncode == 0:
        raise OnboardError(
            f"A git merge is already under way in {top}.",
            "Finish it (git commit) or drop it (git merge --abort).",
        )
    remote, branch, tracking = _remote_and_branch(root)
    changes = tuple(setup(root))
    committed = _commit_pending(root, by)
    received = sent = 0
    changed: set[str] = set()
    for _attempt in range(3):
        fetched = _run(root, "fetch", "--quiet", remote)
        if fetched.returncode != 0:
            raise _remote_problem(root, remote, "fetch", fetched.stderr)
        ref = f"refs/remotes/{remote}/{branch}"
        has_remote = _run(root, "rev-parse", "--quiet", "--verify", ref).returncode == 0
        if has_remote:
            incoming = int(_out(root, "rev-list", "--count", f"HEAD..{ref}") or 0)
            if incoming:
                before = _out(root, "rev-parse", "HEAD")
                _merge(root, ref, remote, branch)
                received += incoming
                diff = _out(root, "diff", "--name-only", "--relative", before, "HEAD", "--", "clients")
                changed |= {p.split("/")[1] for p in diff.splitlines() if p.endswith("/client.toml")}
            outgoing = int(_out(root, "rev-list", "--count", f"{ref}..HEAD") or 0)
        else:
            outgoing = int(_out(root, "rev-list", "--count", "HEAD") or 0)
        if not outgoing:
            break
        upstream = () if tracking else ("--set-upstream",)
        pushed = _run(root, "push", "--quiet", *upstream, remote, f"HEAD:refs/heads/{branch}")
        if pushed.returncode == 0:
            sent = outgoing
            tracking = True
            break
        if not any(word in pushed.stderr for word in ("rejected", "fetch first", "non-fast-forward")):
            raise _remote_problem(root, remote, "push", pushed.stderr)
    else:
        raise OnboardError(
            f"{remote}/{branch} kept moving while syncing (someone else is pushing).",
            "Everything is committed and merged here; run `onboard sync` again in a moment.",
        )
    return SyncReport(remote, branch, committed, received, sent, tuple(sorted(changed)), changes)
