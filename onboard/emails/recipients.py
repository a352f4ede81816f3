"""Who an email goes to: the To, Cc, Bcc and From entries of a template's header.

Each entry is a role id of the playbook (the role holder's email, as
recorded by ``onboard assign``), an ``email`` field of the playbook
(``client_coordinator_email``), a records field with an ``email`` column
(every contact of ``contacts``), ``attendees`` (the people recorded present
in the client's attendance or, before any is recorded, everyone on its
roster), a workspace setting that holds addresses
(``eval_distribution_list`` in ``onboard.toml``'s ``[emails]``) or a
literal address. Rendering resolves them against the client
(:func:`resolve_recipients`); ``onboard check`` refuses an entry that can
never resolve (:func:`recipient_problem`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onboard.core.playbook import Playbook
from onboard.core.state import ClientState
from onboard.emails.missing import how_to_set

ATTENDEES = "attendees"
ADDRESS_SETTINGS = ("eval_distribution_list",)
"""Settings of ``[emails]`` that hold addresses a template can send to."""
_ADDRESS = re.compile(r"^[^@\s<>,;\"()]+@[^@\s<>,;\"()]+\.[^@\s<>,;\"()]+$")


@dataclass(frozen=True)
class Recipient:
    """One To/Cc/Bcc/From entry, resolved against the client (``address`` None when unknown)."""

    ref: str
    address: str | None
    display: str | None = None
    how: str = ""

    def formatted(self) -> str:
        """``Display Name <address>``, or the bare address when there is no name."""
        from email.utils import formataddr

        return formataddr((self.display or "", self.address or ""))


def resolve_recipient(ref: str, playbook: Playbook, state: ClientState) -> Recipient:
    """The address and name ``ref`` stands for; with no valid address, ``how`` says how to set one."""
    if ref in playbook.roles:
        holder = state.roles.get(ref) or {}
        name = holder.get("name")
        address = holder.get("email")
        how = how_to_set(f"roles.{ref}" if not name else f"roles.{ref}.email", playbook, state, Path())
    elif ref in playbook.fields:
        address = state.facts.get(ref)
        base = ref.removesuffix("_email")
        name = state.facts.get(base) if base != ref and isinstance(state.facts.get(base), str) else None
        how = how_to_set(ref, playbook, state, Path())
    else:
        address, name, how = ref, None, ""
    if not isinstance(address, str) or not _ADDRESS.match(address):
        if address:
            how = f"{address!r} is not an email address; " + (how or "fix the template")
        address = None
    return Recipient(ref=ref, address=address, display=name, how=how)


def resolve_recipients(
    ref: str,
    playbook: Playbook,
    state: ClientState,
    settings: Mapping[str, Any],
    folder: Path | None = None,
) -> list[Recipient]:
    """Everyone ``ref`` stands for; a single unresolved entry (with ``how``) when nobody is known yet."""
    if ref in playbook.fields and playbook.fields[ref].type == "records":
        return _records(ref, playbook, state)
    if ref == ATTENDEES:
        return _attendees(state, folder)
    if ref in ADDRESS_SETTINGS:
        addresses = settings.get(ref) or []
        if not addresses:
            how = f'set it in onboard.toml: [emails] {ref} = ["name@example.com"]'
            return [Recipient(ref=ref, address=None, how=how)]
        return [Recipient(ref=ref, address=a) for a in addresses if _ADDRESS.match(a)]
    return [resolve_recipient(ref, playbook, state)]


def _records(ref: str, playbook: Playbook, state: ClientState) -> list[Recipient]:
    rows = state.facts.get(ref) or []
    how = how_to_set(ref, playbook, state, Path())
    result = []
    for index, row in enumerate(rows if isinstance(rows, list) else [], 1):
        if not isinstance(row, Mapping):
            continue
        address = row.get("email")
        name = row.get("name") if isinstance(row.get("name"), str) else None
        if isinstance(address, str) and _ADDRESS.match(address):
            result.append(Recipient(ref=ref, address=address, display=name))
        else:
            label = f"{ref} #{index}" + (f" ({name})" if name else "")
            result.append(Recipient(ref=label, address=None, display=name, how=f"no email; {how}"))
    return result or [Recipient(ref=ref, address=None, how=how)]


def _attendees(state: ClientState, folder: Path | None) -> list[Recipient]:
    """Who attended: those present on a day of the attendance, or the roster while none is recorded."""
    from onboard.delivery.datafiles import load_attendance, load_roster

    attendance = load_attendance(folder) if folder is not None else None
    if attendance is not None and attendance.recorded_days():
        people = [(p.name, p.email) for p in attendance.people if p.attended]
    else:
        roster = load_roster(folder) if folder is not None else None
        people = [(p.name, p.email) for p in roster.people] if roster is not None else []
    result = [
        Recipient(ref=ATTENDEES, address=email, display=name or None) for name, email in people if email
    ]
    if result:
        return result
    how = f'import the roster, then who attended: onboard roster {state.slug} --import "ROSTER.xlsx"'
    return [Recipient(ref=ATTENDEES, address=None, how=how)]


def recipient_problem(ref: str, playbook: Playbook) -> str | None:
    """Why ``ref`` can never stand for anyone's address (None: it can)."""
    if ref in playbook.roles or ref == ATTENDEES or ref in ADDRESS_SETTINGS:
        return None
    if ref in playbook.fields:
        spec = playbook.fields[ref]
        if spec.type == "email":
            return None
        if spec.type == "records" and any(c.name == "email" and c.type == "email" for c in spec.columns):
            return None
        return f"{ref!r} is a {spec.type} field, not an email field or records with an email column."
    if _ADDRESS.match(ref):
        return None
    return (
        f"{ref!r} is not a role, an email or records field of {playbook.id}, "
        f"{ATTENDEES}, {', '.join(ADDRESS_SETTINGS)} or an email address."
    )
