"""Across clients: one line per client, and the agenda of what is due.

Pure functions over (state, playbook) pairs; the commands feed them and
print the result.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from onboard.core.engine import NA, PENDING, Overview, StepView, overview
from onboard.core.playbook import Playbook
from onboard.core.state import ClientState


@dataclass(frozen=True)
class AgendaItem:
    """One step of one client on the agenda."""

    client: ClientState
    view: StepView

    def as_json(self) -> dict[str, object]:
        return {
            "client": self.client.slug,
            "name": self.client.name,
            "step": self.view.step.id,
            "title": self.view.step.title,
            "role": self.view.step.owner,
            "assignee": (self.client.roles.get(self.view.step.owner) or {}).get("name"),
            "due": self.view.due.isoformat() if self.view.due else None,
            "overdue": self.view.overdue,
        }


def summary_json(state: ClientState, playbook: Playbook, ov: Overview) -> dict[str, object]:
    nxt = ov.next_step
    return {
        "slug": state.slug,
        "name": state.name,
        "playbook": playbook.id,
        "stage": ov.stage.id if ov.stage else None,
        "progress": ov.progress,
        "next_step": nxt.step.id if nxt else None,
        "next_due": ov.next_due.isoformat() if ov.next_due else None,
        "overdue": len(ov.overdue),
    }


def agenda(
    clients: Iterable[tuple[ClientState, Playbook]],
    today: date,
    holidays: Collection[date] = (),
    *,
    within: int | None = None,
    role: str | None = None,
    owner: str | None = None,
) -> list[AgendaItem]:
    """Every step a coordinator could act on, overdue first, then by due date.

    A step is on the agenda when it is pending and applies, and it is either
    actionable now or already overdue. ``within`` keeps only steps due in that
    many days (undated steps drop out); ``role`` and ``owner`` filter by the
    owning role and by the person assigned to it.
    """
    horizon = today + timedelta(days=within) if within is not None else None
    items = []
    for state, playbook in clients:
        for view in overview(playbook, state, today, holidays).steps:
            if view.status != PENDING or view.status == NA:
                continue
            if not (view.actionable or view.overdue):
                continue
            if horizon is not None and (view.due is None or view.due > horizon):
                continue
            if role and view.step.owner.casefold() != role.casefold():
                continue
            if owner:
                holder = state.roles.get(view.step.owner) or {}
                names = {
                    str(holder.get("name", "")).casefold(),
                    str(holder.get("initials", "")).casefold(),
                }
                if owner.casefold() not in names:
                    continue
            items.append(AgendaItem(state, view))
    items.sort(key=lambda i: (not i.view.overdue, i.view.due or date.max, i.client.slug, i.view.step.id))
    return items
