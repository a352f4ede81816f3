"""Who an email goes to: the To, Cc, Bcc and From entries of a template's header.

Each entry is a role id of the playbook (the role holder's email, as
recorded by ``onboard assign``), an ``email`` field of the playbook
(``client_coordinator_email``) or a literal address. Rendering resolves
them against the client (:func:`resolve_recipient`); ``onboard check``
refuses an entry that can never resolve (:func:`recipient_problem`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from onboard.core.playbook import Playbook
from onboard.core.state import ClientState
from onboard.emails.missing import how_to_set

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


def recipient_problem(ref: str, playbook: Playbook) -> str | None:
    """Why ``ref`` is not a role, an email field of the playbook or an address (None: it is)."""
    if ref in playbook.roles:
        return None
    if ref in playbook.fields:
        kind = playbook.fields[ref].type
        return None if kind == "email" else f"{ref!r} is a {kind} field, not an email field."
    if _ADDRESS.match(ref):
        return None
    return f"{ref!r} is not a role, an email field of {playbook.id} or an email address."
