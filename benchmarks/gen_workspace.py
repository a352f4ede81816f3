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
from pathlib import Path

# The clients are walked through the engine as the tests walk theirs: one generator for both.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fixtures.clients import walked_client

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
            state = walked_client(playbook, name, slug, random.Random(rng.getrandbits(64)), actions)
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
