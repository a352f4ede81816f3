"""One client's status as plain data: built from the engine, kept between runs, drawn as text or JSON.

``onboard status`` is the command a coordinator runs most, dozens of times a
day, and most of its cost is importing the playbook model and engine, not
the work. What it shows depends on the client file, the playbook files, the
holidays and the code, and on *today* only for "overdue" and "in 3 days". So
:func:`build` keeps everything but today in a small JSON model, stored in
``.onboard-cache/status/<slug>.bin`` (marshal: no import to read it) and reused while all of those are
unchanged (the same checks, and the same "racy" rule for files changed in the
last two seconds, as the index of ``onboard.cache.index``). :func:`to_json` and
:func:`draw` work from the model alone, so the text and JSON are the same
whether the model was just computed or read back. Deleting the cache loses
nothing.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from onboard import __version__
from onboard.cache import index as _index
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
_MARK = {"done": "[green]✓[/]", "skipped": "[dim]↷[/]", "n/a": "[dim]–[/]", "pending": "[yellow]○[/]"}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else str(value)


def build(state: Any, playbook: Any, ov: Any) -> dict[str, Any]:
    """The date-independent status of a client, as JSON-safe plain data."""
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
    }
    import json

    return json.loads(json.dumps(model, default=_plain))


def _overdue(step: dict[str, Any], today: str) -> bool:
    return step["status"] == "pending" and step["due"] is not None and step["due"] < today


def to_json(model: dict[str, Any], today: date) -> dict[str, Any]:
    """The ``status --json`` shape (DESIGN.md), with *overdue* worked out for ``today``."""
    iso = today.isoformat()
    keys = ("id", "title", "stage", "role", "status", "due")
    return {
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
    """The status a person reads: progress, stages as a line, the current stage's steps."""
    from rich.markup import escape

    slug = model["client"]["slug"]
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
        if step["waiting"] and step["status"] == "pending":
            reasons = "; ".join(_waiting_text(w) for w in step["waiting"])
            title += f" [dim](waiting: {escape(reasons)})[/]"
        rows.append([_MARK[step["status"]], step["id"], escape(owner), _due_text(step, today), title])
    if rows:
        terminal.table(["", "step", "owner", "due", "what"], rows, fit="what")
    if any(step["actionable"] for step in model["steps"]):
        terminal.hint(f"onboard next {slug}")


# --- keeping models between runs -------------------------------------------------


def _path(root: Path, slug: str) -> Path:
    return root / CACHE_DIR / STATUS_DIR / f"{slug}.bin"


def client_stat(root: Path, slug: str) -> os.stat_result | None:
    """The client file's stat, taken before it is read (see :func:`save`)."""
    try:
        return os.stat(root / "clients" / slug / STATE_FILE)
    except OSError:
        return None


def _stamp(st: os.stat_result, fingerprint: Any, holidays: Any) -> Any:
    holidays = tuple(sorted(d.isoformat() for d in holidays))
    return (FORMAT, __version__, holidays, _code_fingerprint(), _key(st), fingerprint)


def load(root: Path, dirs: list[Path], slug: str, holidays: Any) -> dict[str, Any] | None:
    """A kept model that is still true for the files as they are now, or None."""
    import marshal

    try:
        data = marshal.loads(_path(root, slug).read_bytes())
        playbook = data["model"]["playbook"]
    except (OSError, ValueError, EOFError, KeyError, TypeError):
        return None
    st = client_stat(root, slug)
    now = _index._clock()
    if st is None or _recent(st, now):
        return None
    fingerprint, recent = _playbook_fingerprint(dirs, playbook, now)
    if recent or data.get("stamp") != _stamp(st, fingerprint, holidays):
        return None
    return data["model"]


def save(root: Path, dirs: list[Path], slug: str, holidays: Any, model: dict[str, Any], before: Any) -> None:
    """Keep ``model`` if the client file is still the one it was computed from (and not racy)."""
    import marshal

    from onboard.storage.atomic import atomic_write

    st = client_stat(root, slug)
    now = _index._clock()
    if st is None or before is None or _key(st) != _key(before) or _recent(st, now):
        return
    fingerprint, recent = _playbook_fingerprint(dirs, model["playbook"], now)
    if recent:
        return
    path = _path(root, slug)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = root / CACHE_DIR / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# onboard's cache: safe to delete.\n*\n", encoding="utf-8")
        data = {"stamp": _stamp(st, fingerprint, holidays), "model": model}
        atomic_write(path, marshal.dumps(data))
    except OSError:
        return
