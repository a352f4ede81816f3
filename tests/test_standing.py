"""engine.standing, the index's cheap summary, gives what engine.overview gives, on many walked clients."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from onboard.core.engine import PENDING, overview, standing
from onboard.storage.library import Library
from tests.fixtures.clients import walked_client

HOLIDAYS = (date(2026, 5, 1), date(2026, 5, 25), date(2026, 12, 25))


def from_overview(playbook, state, today):
    """The standing as the full overview says it."""
    ov = overview(playbook, state, today, HOLIDAYS)
    nxt = ov.next_step
    pending = tuple((v.step, v.due, v.actionable, v.moved) for v in ov.steps if v.status == PENDING)
    return ov.stage, ov.progress, nxt.step if nxt else None, ov.next_due, pending, len(ov.overdue)


def clients(count: int, seed: int):
    library = Library()
    playbooks = [library.load(pid) for pid in library.available()]
    rng = random.Random(seed)
    for i in range(count):
        playbook = playbooks[i % len(playbooks)]
        actions = rng.randint(0, len(playbook.steps) + 4)
        yield (
            playbook,
            walked_client(
                playbook, f"Client {i}", f"client-{i}", random.Random(rng.getrandbits(64)), actions
            ),
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_standing_is_what_overview_says_for_every_client(seed):
    seen_waiting = seen_moved = seen_done = 0
    for playbook, state in clients(120, seed):
        today = state.created + timedelta(days=random.Random(state.slug).randint(0, 200))
        got = standing(playbook, state, HOLIDAYS)
        want = from_overview(playbook, state, today)
        assert (got.stage, got.progress, got.next_step, got.next_due, got.pending, got.overdue(today)) == want
        seen_waiting += any(not actionable for _, _, actionable, _ in got.pending)
        seen_moved += any(moved for *_, moved in got.pending)
        seen_done += got.stage is None
    assert seen_waiting and seen_moved and seen_done, (
        "the walked clients should cover waiting, moved and finished"
    )
