"""What a step waits for, and the commands that end the wait.

A refusal that says only "waiting for gate: Signed contract received" leaves
the coordinator to find the gate's id and the command that records it. Here
each reason a step cannot be done yet is a :class:`Waiting` (kind, id,
label), and :func:`refusal` turns them into a message whose hint is the
command to paste: ``onboard gate CLIENT GATE-ID`` for a gate (and the
approver's ``--override-by``), ``onboard done CLIENT STEP`` for the first
step in the way, ``onboard set`` or ``onboard decide`` for a fact a
condition needs. Pure: no files, no clock.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from onboard.errors import OnboardError

if TYPE_CHECKING:
    from onboard.core.playbook import Playbook, Step


class WaitKind(StrEnum):
    """Why a pending step cannot be done yet."""

    STAGE = "stage"
    STEP = "step"
    GATE = "gate"
    FACT = "fact"


@dataclass(frozen=True)
class Waiting:
    """One reason a step waits: an earlier stage, a step, a gate, or a fact its condition needs."""

    kind: WaitKind
    id: str
    label: str

    def __str__(self) -> str:
        if self.kind == WaitKind.STAGE:
            return f"stage {self.label} to finish"
        if self.kind == WaitKind.GATE:
            return f"gate {self.id} ({self.label})"
        return f"{self.kind} {self.id}"

    def as_json(self) -> dict[str, str]:
        return {"kind": str(self.kind), "id": self.id, "label": self.label}


def command(*words: str) -> str:
    """A command line to paste, each word quoted for a POSIX shell when it needs to be."""
    return " ".join(shlex.quote(word) for word in words)


def refusal(
    playbook: Playbook,
    slug: str,
    step: Step,
    waiting: Sequence[Waiting],
    pending: Sequence[str],
    facts: Mapping[str, object],
    today: date,
) -> OnboardError:
    """The error for doing ``step`` while it waits, with the way out of each wait as a command.

    ``pending`` lists the ids of the client's pending steps in playbook
    order (the first of an earlier stage's is the one to do first).
    """
    reasons = "; ".join(str(w) for w in waiting)
    ways: list[str] = []
    steps = [w for w in waiting if w.kind == WaitKind.STEP]
    stage = next((w for w in waiting if w.kind == WaitKind.STAGE), None)
    if steps or stage:
        first = _first_pending_of(playbook, stage.id, pending) if stage else steps[0].id
        if first:
            ways.append(f"Do {first} first: `{command('onboard', 'done', slug, first)}`.")
    for gate in (w for w in waiting if w.kind == WaitKind.GATE):
        ways.append(_gate_way(playbook, slug, gate))
    for fact in (w for w in waiting if w.kind == WaitKind.FACT):
        ways.append(_fact_way(playbook, slug, fact.id, pending, facts, today))
    if steps or stage:
        ways.append("Or pass --force to record it anyway.")
    return OnboardError(f"Step {step.id!r} is waiting for {reasons}.", "\n".join(ways))


def _first_pending_of(playbook: Playbook, stage_id: str, pending: Sequence[str]) -> str:
    """The first step still to do in an earlier stage: the one to start with."""
    in_stage = {s.id for s in playbook.stage(stage_id).steps}
    return next((s for s in pending if s in in_stage), "")


def _gate_way(playbook: Playbook, slug: str, gate: Waiting) -> str:
    """Record the gate's event; or, for the approver, let work go on without it."""
    spec = playbook.gates[gate.id]
    record = command("onboard", "gate", slug, gate.id)
    approver = "an approver"
    if spec.override_roles:
        approver = " or ".join(f"the {playbook.roles[r].name} ({r})" for r in spec.override_roles)
    override = f"{record} --override-by NAME --reason 'why'"
    return (
        f"When it has happened ({spec.title}), record it: `{record}`.\n"
        f"To go on without it, {approver} may allow it: `{override}`."
    )


def _fact_way(
    playbook: Playbook,
    slug: str,
    name: str,
    pending: Sequence[str],
    facts: Mapping[str, object],
    today: date,
) -> str:
    """The step that asks the fact if one is still to do, else ``decide`` or ``set``."""
    asker = next((s for s in pending if name in playbook.step(s).asks), None)
    spec = playbook.fields[name]
    if asker is not None:
        flag = f"--set {spec.assignment(today, facts)}"
        return f"{name} is asked by {asker}: `{command('onboard', 'done', slug, asker)} {flag}`."
    if name in playbook.decisions:
        value = spec.example(today, facts)
        return f"Decide it: `{command('onboard', 'decide', slug, name, value)} --reason 'why'`."
    return f"Set it: `{command('onboard', 'set', slug)} {spec.assignment(today, facts)}`."
