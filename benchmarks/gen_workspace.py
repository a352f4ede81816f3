"""Make a workspace of N clients at random points of random playbooks, for the benchmarks.

    python benchmarks/gen_workspace.py DIR --clients 10000 [--seed 7]

Every playbook the library offers when this runs (``Library().available()``)
is used. Each client is started with :func:`onboard.core.engine.new_client` and
walked forward with the engine's own functions (done, skipped, postponed,
gates opened, decisions taken, roles assigned) a random number of times, so
its file, written with :meth:`onboard.storage.store.Store.create`, is a real one of
about 2.5 KB. The same seed gives the same workspace on any day: the dates
count from a fixed start, not from today.

A benchmark workspace needs no durability, so fsync is skipped while writing
(it would otherwise dominate the run time); the files are the same bytes.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 1, 5, 9, 0).astimezone()
WORDS = [
    "acme",
    "northwind",
    "contoso",
    "fabrikam",
    "globex",
    "initech",
    "umbrella",
    "stark",
    "wayne",
    "tyrell",
    "cyberdyne",
    "wonka",
    "soylent",
    "hooli",
    "vandelay",
    "pied",
    "piper",
    "aperture",
    "black",
    "mesa",
    "oscorp",
    "gringotts",
    "monarch",
    "massive",
    "dynamic",
    "blue",
    "sun",
    "sirius",
    "virtucon",
    "duff",
    "krusty",
    "gekko",
    "prestige",
    "cogswell",
    "spacely",
    "ollivander",
]
SUFFIX = ("Ltd", "GmbH", "Inc", "SA", "plc", "Group", "Holdings", "Partners", "Academy", "Finance")
PEOPLE = (
    "Ann Lee",
    "Bo Chen",
    "Cara Diaz",
    "Dev Patel",
    "Eli Novak",
    "Fay Ortiz",
    "Gus Okafor",
    "Hana Sato",
    "Ivo Petrov",
    "Jo Martin",
)


def value_for(field: Any, rng: random.Random, around: date) -> Any:
    kind = field.type
    if kind == "date":
        return around + timedelta(days=rng.randint(-20, 120))
    if kind == "email":
        return f"{rng.choice(WORDS)}.{rng.choice(WORDS)}@example.com"
    if kind == "url":
        return f"https://example.com/{rng.choice(WORDS)}"
    if kind == "int":
        return rng.randint(1, 40)
    if kind == "number":
        return round(rng.uniform(1, 500), 2)
    if kind == "choice":
        return rng.choice(field.choices)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list":
        return [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
    if kind == "records":
        rows = []
        for _ in range(rng.randint(1, 2)):
            row = {}
            for column in field.columns:
                if column.required or rng.random() < 0.5:
                    row[column.name] = value_for(column, rng, around)
            rows.append(row)
        return rows
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))).capitalize()


def in_limits(playbook: Any, values: dict[str, Any], known: Any = None) -> dict[str, Any]:
    """``values`` with each date that its playbook says may not come before another moved after it."""
    facts = {**(known or {}), **values}
    for name, value in list(values.items()):
        other = facts.get(playbook.fields[name].not_before) if name in playbook.fields else None
        if isinstance(value, date) and isinstance(other, date) and value < other:
            values[name] = other + timedelta(days=90)
    return values


def make_client(playbook: Any, name: str, slug: str, rng: random.Random, actions: int) -> Any:
    """A client on ``playbook`` after ``actions`` random steps forward."""
    from onboard.core import engine
    from onboard.errors import OnboardError

    now = START + timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 8))
    by = rng.choice(PEOPLE)
    facts = in_limits(playbook, {n: value_for(playbook.fields[n], rng, now.date()) for n in playbook.intake})
    state = engine.new_client(playbook, name=name, slug=slug, facts=facts, now=now, by=by)
    for _ in range(actions):
        now += timedelta(hours=rng.randint(1, 72))
        ov = engine.overview(playbook, state, now.date())
        if ov.complete:
            break
        try:
            state = _act(engine, playbook, state, ov, rng, now, by)
        except OnboardError:
            continue
    return state


def _act(engine: Any, playbook: Any, state: Any, ov: Any, rng: random.Random, now: datetime, by: str) -> Any:
    actionable = ov.actionable
    if actionable:
        view = actionable[0] if rng.random() < 0.7 else rng.choice(actionable)
        step = view.step
        roll = rng.random()
        if roll < 0.06:
            return engine.skip_step(playbook, state, step.id, reason="not needed this time", now=now, by=by)
        if roll < 0.10 and view.due is not None:
            to = view.due + timedelta(days=rng.randint(2, 14))
            return engine.postpone(playbook, state, step.id, to=to, reason="client asked", now=now, by=by)
        if roll < 0.14:
            role = rng.choice(list(playbook.roles))
            person = rng.choice(PEOPLE)
            return engine.assign_role(
                playbook, state, role, name=person, initials=None, email=None, now=now, by=by
            )
        answers: dict[str, Any] = {}
        for name in step.asks:
            if name not in state.facts or rng.random() < 0.2:
                answers[name] = value_for(playbook.fields[name], rng, now.date())
        answers = in_limits(playbook, answers, state.facts)
        for role in step.assigns:
            answers[f"role.{role}"] = rng.choice(PEOPLE)
        note = rng.choice(["", "", "called them", "sent by email", "agreed on the call"])
        return engine.complete_step(playbook, state, step.id, answers=answers, now=now, by=by, note=note)
    # Nothing can be done: unblock the first waiting step (a gate, a decision, a missing fact).
    for view in ov.steps:
        if view.status != "pending":
            continue
        step = view.step
        if step.gate and step.gate not in state.gates:
            return engine.open_gate(playbook, state, step.gate, now=now, by=by)
        for reason in view.waiting:
            if reason.kind == "fact":
                name = reason.id
                value = value_for(playbook.fields[name], rng, now.date())
                if name in playbook.decisions:
                    return engine.decide(playbook, state, name, value, reason="agreed", now=now, by=by)
                return engine.set_facts(playbook, state, {name: value}, now=now, by=by)
        if view.waiting:
            break
    pending = [v for v in ov.steps if v.status == "pending"]
    if not pending:
        return state
    step = pending[0].step
    answers = {n: value_for(playbook.fields[n], rng, now.date()) for n in step.asks if n not in state.facts}
    for role in step.assigns:
        answers[f"role.{role}"] = rng.choice(PEOPLE)
    return engine.complete_step(playbook, state, step.id, answers=answers, now=now, by=by, force=True)


def generate(root: Path, count: int, seed: int = 7, quiet: bool = False) -> dict[str, int]:
    """Write ``count`` clients into a new workspace at ``root``; returns clients per playbook."""
    import onboard.storage.atomic
    from onboard.core.naming import slugify
    from onboard.storage.library import Library
    from onboard.storage.store import Store
    from onboard.storage.workspace import init_workspace

    init_workspace(root, user="bench")
    library = Library(root / "templates")
    playbooks = [library.load(pid) for pid in library.available()]
    store = Store(root / "clients")
    rng = random.Random(seed)
    taken: set[str] = set()
    per_playbook: dict[str, int] = {}
    fsync, fsync_dir = os.fsync, onboard.storage.atomic.fsync_dir
    os.fsync = lambda fd: None  # type: ignore[assignment]
    onboard.storage.atomic.fsync_dir = lambda folder: None  # type: ignore[assignment]
    started = time.perf_counter()
    try:
        for i in range(count):
            playbook = rng.choice(playbooks)
            name = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS).capitalize()} {rng.choice(SUFFIX)}"
            slug = slugify(name)
            if slug in taken:
                name = f"{name} {i}"
                slug = slugify(name)
            taken.add(slug)
            steps = len(playbook.steps)
            # Most clients are early on; one in eight is well along or finished.
            actions = rng.randint(0, 6) if rng.random() < 7 / 8 else rng.randint(7, steps + 4)
            state = make_client(playbook, name, slug, random.Random(rng.getrandbits(64)), actions)
            store.create(state)
            per_playbook[playbook.id] = per_playbook.get(playbook.id, 0) + 1
            if not quiet and (i + 1) % 1000 == 0:
                print(f"  {i + 1} clients ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    finally:
        os.fsync, onboard.storage.atomic.fsync_dir = fsync, fsync_dir
    return per_playbook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", help="the workspace to create (must not hold clients yet)")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    root = Path(args.directory)
    if (root / "clients").is_dir() and any((root / "clients").iterdir()):
        sys.exit(f"{root} already holds clients")
    started = time.perf_counter()
    per_playbook = generate(root, args.clients, args.seed)
    files = list((root / "clients").glob("*/client.toml"))
    size = sum(f.stat().st_size for f in files) / max(len(files), 1)
    print(
        f"{len(files)} clients in {root} in {time.perf_counter() - started:.1f} s, "
        f"{size / 1024:.1f} KB each on average; "
        + ", ".join(f"{k} {v}" for k, v in sorted(per_playbook.items()))
    )


if __name__ == "__main__":
    main()
