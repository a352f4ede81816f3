"""One client's status as plain data: built from the engine, kept between runs, drawn as text or JSON.

``onboard status`` is the command a coordinator runs most, dozens of times a
day, and most of its cost is importing the playbook model and engine, not
the work. What it shows depends on the client file, the playbook files,
``onboard.toml`` (the holidays) and the code, and on *today* only for
"overdue" and "in 3 days". So :func:`build` keeps everything but today in a
small JSON model, stored in ``.onboard-cache/status/<slug>.bin`` (marshal: no
import to read it) and reused while all of those are unchanged (the same
checks, and the same "racy" rule for files changed in the last two seconds,
as the index of ``onboard.cache.index``). :func:`to_json` and :func:`draw`
work from the model alone, so the text and JSON are the same whether the
model was just computed or read back. Deleting the cache loses nothing.

:func:`kept` finds and checks a kept model with ``os`` alone: no pathlib, no
settings, store or library, which together cost more than drawing does. So
it finds the workspace itself (:func:`find_root`, the rule of
:func:`onboard.storage.workspace.find_root`), takes the client name only when
it is the slug itself, and stamps ``onboard.toml`` by its ``stat`` rather
than by the holidays read from it.
"""

from __future__ import annotations

import os
import stat
from datetime import date
from typing import Any

from onboard.cache import index as _index
from onboard.cache.fingerprint import PACKAGE_DIR
from onboard.cache.index import (
    CACHE_DIR,
    FORMAT,
    STATE_FILE,
    _code_fingerprint,
    _key,
    _playbook_fingerprint,
    _recent,
)

STATUS_DIR = "status"
CONFIG = "onboard.toml"  # onboard.storage.workspace.CONFIG
DEFAULT_HOME = "~/onboarding"  # onboard.storage.workspace.DEFAULT_HOME
_MARK = {"done": "[green]✓[/]", "skipped": "[dim]↷[/]", "n/a": "[dim]–[/]", "pending": "[yellow]○[/]"}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else str(value)


def build(state: Any, playbook: Any, ov: Any) -> dict[str, Any]:
    """The date-independent status of a client and its open conflicts (kept in its file), as plain data."""
    stages = []
    for stage in playbook.stages:
        views = [v for v in ov.steps if v.step.stage == stage.id]
        stages.append(
            {
                "id": stage.id,
                "title": stage.title,
                "done": all(v.resolved for v in views),
                "applies": any(v.status != "n/a" for v in views),
                "current": bool(ov.stage and stage.id == ov.stage.id),
            }
        )
    steps = []
    for v in ov.steps:
        record = state.steps.get(v.step.id)
        steps.append(
            {
                "id": v.step.id,
                "title": v.step.title,
                "stage": v.step.stage,
                "role": v.step.owner,
                "status": v.status,
                "due": v.due.isoformat() if v.due else None,
                "actionable": v.actionable,
                "waiting": [w.as_json() for w in v.waiting],
                "moved": v.moved,
                "inferred": v.step.inferred,
                "on": record["on"].isoformat() if record and v.status != "n/a" else None,
            }
        )
    model = {
        "client": {"slug": state.slug, "name": state.name, **state.facts},
        "playbook": playbook.id,
        "playbook_title": playbook.title,
        "playbook_revision": state.playbook_revision,
        "stage": ov.stage.id if ov.stage else None,
        "complete": ov.complete,
        "progress": ov.progress,
        "roles": {role: dict(holder) for role, holder in state.roles.items()},
        "stages": stages,
        "steps": steps,
        "conflicts": [{"id": c.id, "summary": c.summary} for c in state.conflicts if c.open],
        "records_changed": _records_changed(state),
    }
    import json

    return json.loads(json.dumps(model, default=_plain))


def _records_changed(state: Any) -> list[str]:
    """The lines saying the records changed after figures were recorded from them (none: they did not)."""
    from onboard.core.snapshots import stale_snapshot

    stale = stale_snapshot(state)
    return stale.lines() if stale else []


def _overdue(step: dict[str, Any], today: str) -> bool:
    return step["status"] == "pending" and step["due"] is not None and step["due"] < today


def to_json(model: dict[str, Any], today: date) -> dict[str, Any]:
    """The ``status --json`` shape (DESIGN.md), *overdue* worked out for ``today``; conflicts if any."""
    iso = today.isoformat()
    keys = ("id", "title", "stage", "role", "status", "due")
    data = {
        "client": model["client"],
        "playbook": model["playbook"],
        "playbook_revision": model["playbook_revision"],
        "stage": model["stage"],
        "complete": model["complete"],
        "progress": model["progress"],
        "roles": model["roles"],
        "stages": [{"id": s["id"], "title": s["title"], "status": _stage_status(s)} for s in model["stages"]],
        "steps": [
            {
                **{k: s[k] for k in keys},
                "overdue": _overdue(s, iso),
                "actionable": s["actionable"],
                "waiting": s["waiting"],
            }
            for s in model["steps"]
        ],
    }
    if model["conflicts"]:
        data["conflicts"] = [c["summary"] for c in model["conflicts"]]
    if model.get("records_changed"):
        data["records_changed"] = model["records_changed"]
    return data


def _stage_status(stage: dict[str, Any]) -> str:
    """'n/a' for a stage none of whose steps apply (a branch not taken), else done, current or pending."""
    if not stage["applies"]:
        return "n/a"
    return "done" if stage["done"] else "current" if stage["current"] else "pending"


def _waiting_text(waiting: dict[str, str]) -> str:
    """A reason a step waits, with the id to type: 'gate signed-contract (Signed LOE received)'."""
    from onboard.core.waiting import Waiting, WaitKind

    return str(Waiting(WaitKind(waiting["kind"]), waiting["id"], waiting["label"]))


def _due_text(step: dict[str, Any], today: date) -> str:
    from rich.markup import escape

    from onboard.core.words import describe_due

    if step["status"] != "pending":
        return f"[dim]{step['status']} {date.fromisoformat(step['on']):%d %b}[/]" if step["on"] else ""
    if step["due"] is None:
        return ""
    due = date.fromisoformat(step["due"])
    words = describe_due(due, today) + (" (moved)" if step["moved"] else "")
    if due < today:
        return f"[red]{escape(words)}[/]"
    if (due - today).days <= 2:
        return f"[yellow]{escape(words)}[/]"
    return escape(words)


def draw(model: dict[str, Any], today: date, terminal: Any, show_all: bool) -> None:
    """The status a person reads: open conflicts, progress, stages as a line, the current stage's steps."""
    from rich.markup import escape

    slug = model["client"]["slug"]
    for conflict in model["conflicts"]:
        terminal.line(
            f"! conflict {conflict['id']}: {conflict['summary']} (onboard resolve {slug})", "yellow"
        )
    for number, line in enumerate(model.get("records_changed") or ()):
        terminal.line(("! " if number == 0 else "") + line, "yellow")
    terminal.print(
        f"[bold]{escape(model['client']['name'])}[/] [dim]({slug})[/] · "
        f"{escape(model['playbook_title'])} · [bold]{round(model['progress'] * 100)}%[/] done"
    )
    marks = []
    for stage in model["stages"]:
        title = escape(stage["title"])
        if not stage["applies"]:
            marks.append(f"[dim]– {title} (n/a)[/]")
        elif stage["done"]:
            marks.append(f"[green]✓ {title}[/]")
        elif stage["current"]:
            marks.append(f"[bold cyan]● {title}[/]")
        else:
            marks.append(f"[dim]○ {title}[/]")
    terminal.print("  ".join(marks))
    if model["complete"]:
        terminal.print("[green]Every step is done.[/]")
    iso = today.isoformat()
    rows = []
    for step in model["steps"]:
        if not (show_all or step["stage"] == model["stage"] or _overdue(step, iso)):
            continue
        initials = (model["roles"].get(step["role"]) or {}).get("initials")
        owner = step["role"] + (f" ({initials})" if initials else "")
        title = escape(step["title"])
        if step.get("inferred"):
            title += " [magenta](inferred)[/]"
        if step["waiting"] and step["status"] == "pending":
            reasons = "; ".join(_waiting_text(w) for w in step["waiting"])
            title += f" [dim](waiting: {escape(reasons)})[/]"
        rows.append([_MARK[step["status"]], step["id"], escape(owner), _due_text(step, today), title])
    if rows:
        terminal.table(["", "step", "owner", "due", "what"], rows, fit="what")
    if any(step["actionable"] for step in model["steps"]):
        terminal.hint(f"onboard next {slug}")


# --- keeping models between runs -------------------------------------------------


def find_root(home: str | None) -> str:
    """The workspace folder, absolute, found as :func:`onboard.storage.workspace.find_root` finds it.

    ``home``, else ONBOARD_HOME, else the nearest folder up from here that
    holds ``onboard.toml``, else ``~/onboarding``.
    """
    chosen = home or os.environ.get("ONBOARD_HOME")
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    here = os.getcwd()
    while not os.path.isfile(os.path.join(here, CONFIG)):
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.abspath(os.path.expanduser(DEFAULT_HOME))
        here = parent
    return here


def playbook_dirs(root: str) -> list[str]:
    """Where playbooks are looked for, in :class:`onboard.storage.library.Library`'s order.

    The workspace's ``templates/``, then the shipped ones: inside the package
    when installed, at the top of a checkout otherwise (``shipped_dir``).
    """
    inside = os.path.join(PACKAGE_DIR, "templates")
    shipped = inside if os.path.isdir(inside) else os.path.join(os.path.dirname(PACKAGE_DIR), "templates")
    return [os.path.join(root, "templates"), shipped]


def _path(root: str, slug: str) -> str:
    return os.path.join(root, CACHE_DIR, STATUS_DIR, f"{slug}.bin")


def client_stat(root: str | os.PathLike[str], slug: str) -> os.stat_result | None:
    """The client file's stat, taken before it is read (see :func:`save`)."""
    try:
        return os.stat(os.path.join(root, "clients", slug, STATE_FILE))
    except OSError:
        return None


def _stamp(client: os.stat_result, config: os.stat_result, fingerprint: Any) -> Any:
    return (FORMAT, _code_fingerprint(), _key(client), _key(config), fingerprint)


def _settled(root: str, client: os.stat_result | None, now: int) -> os.stat_result | None:
    """The stat of ``onboard.toml`` if it and the client file are regular files not changed just now."""
    if client is None or not stat.S_ISREG(client.st_mode) or _recent(client, now):
        return None
    try:
        config = os.stat(os.path.join(root, CONFIG))
    except OSError:
        return None
    return None if _recent(config, now) else config


def kept(home: str | None, name: str) -> dict[str, Any] | None:
    """The kept model of the client ``name`` names, if it is still true for the files as they are now.

    None sends the caller the long way (the workspace, the store's name
    resolution, the engine), which also reports every problem: ``name``
    that is not the slug itself, no workspace, a missing or changed file.
    """
    import marshal

    if not name or name.startswith(".") or "/" in name or "\\" in name or "\0" in name:
        return None
    root = find_root(home)
    try:
        with open(_path(root, name), "rb") as handle:
            data = marshal.loads(handle.read())  # load(handle) reads piece by piece, far slower
        model = data["model"]
        if model["client"]["slug"] != name:  # a file system that ignores case finds ACME.bin as acme.bin
            return None
        playbook = model["playbook"]
    except (OSError, ValueError, EOFError, KeyError, TypeError):
        return None
    now = _index._clock()
    client = client_stat(root, name)
    config = _settled(root, client, now)
    if client is None or config is None:
        return None
    fingerprint, recent = _playbook_fingerprint(playbook_dirs(root), playbook, now)
    if recent or data.get("stamp") != _stamp(client, config, fingerprint):
        return None
    return model


def save(
    root: str | os.PathLike[str], slug: str, model: dict[str, Any], before: os.stat_result | None
) -> None:
    """Keep ``model`` if the client file is still the one it was computed from (and nothing is racy).

    ``before`` is :func:`client_stat` taken before the client was read. A
    change to ``onboard.toml`` or the playbook while the model was computed
    is within the racy two seconds when this runs, so it is never kept.
    """
    import marshal
    from pathlib import Path

    from onboard.storage.atomic import atomic_write

    root = os.path.abspath(root)
    st = client_stat(root, slug)
    now = _index._clock()
    config = _settled(root, st, now)
    if config is None or st is None or before is None or _key(st) != _key(before):
        return
    fingerprint, recent = _playbook_fingerprint(playbook_dirs(root), model["playbook"], now)
    if recent:
        return
    path = _path(root, slug)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        ignore = os.path.join(root, CACHE_DIR, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as handle:
                handle.write("# onboard's cache: safe to delete.\n*\n")
        atomic_write(Path(path), marshal.dumps({"stamp": _stamp(st, config, fingerprint), "model": model}))
    except OSError:
        return
