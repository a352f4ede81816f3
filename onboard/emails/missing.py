"""The values a template needs that a client does not have, and how someone sets each.

The sandbox records what a template used and found undefined as dotted
paths (``roles.FAC.email``, ``names.roster``); a coordinator needs instead
the value to set and the command that sets it (``onboard set``, ``onboard
assign``). Also used for a recipient with no address.
"""

from __future__ import annotations

from pathlib import Path

from onboard.core.naming import required_fields
from onboard.core.playbook import Playbook
from onboard.core.state import ClientState
from onboard.errors import OnboardError


class MissingValuesError(OnboardError):
    """A template needs values the client does not have; ``short`` names them."""

    def __init__(self, message: str, hint: str, short: list[str]) -> None:
        super().__init__(message, hint)
        self.short = short


def missing_keys(path: str, playbook: Playbook, state: ClientState) -> list[str]:
    """Turn a dotted path a template used into the values someone has to set."""
    head, _, rest = path.partition(".")
    head = head.split("[")[0]
    if head == "roles" and rest:
        role, _, attr = rest.partition(".")
        role = role.split("[")[0]
        if role in state.roles and attr == "email":
            return [f"roles.{role}.email"]
        return [f"roles.{role}"] if role not in state.roles else [path]
    if head == "names" and rest in playbook.naming:
        from onboard.core.engine import convention_values

        values = convention_values(state)
        keys: list[str] = []
        for value_name in required_fields(playbook.naming[rest]):
            if values.get(value_name) in (None, ""):
                keys.extend(missing_keys(value_name.split(":")[0], playbook, state))
        return keys or [path]
    if head in playbook.fields:
        return [head]
    return [path]


def all_missing_keys(paths: list[str], playbook: Playbook, state: ClientState) -> list[str]:
    """:func:`missing_keys` of every path, each key once, in the order first met."""
    keys: list[str] = []
    for path in paths:
        keys.extend(k for k in missing_keys(path, playbook, state) if k not in keys)
    return keys


def how_to_set(key: str, playbook: Playbook, state: ClientState, source: Path) -> str:
    """One line: the key, what it is, and the command that sets it (or the template to fix)."""
    if key in playbook.fields:
        label = playbook.fields[key].prompt
        return f"{key} ({label}): onboard set {state.slug} {key}={_example(playbook, key)}"
    if key.startswith("roles."):
        role, _, attr = key[6:].partition(".")
        if role in playbook.roles:
            holder = state.roles.get(role, {}).get("name")
            if holder and attr == "email":
                return f'{key}: onboard assign {state.slug} {role} "{holder}" --email name@example.com'
            if not holder:
                return (
                    f"{key} ({playbook.roles[role].name}): "
                    f'onboard assign {state.slug} {role} "Full Name" --email name@example.com'
                )
        return f"{key}: not a role or role detail of {playbook.id}; fix the template {source}"
    if key.startswith("settings."):
        table, _, name = key[9:].partition(".")
        section = f"[emails.{table}] {name}" if name else f"[emails] {table}"
        return f"{key}: a workspace setting; set {section} = ... in onboard.toml"
    if key.startswith("attached."):
        from onboard.emails.attachments import FILE_KINDS, context_key

        for kind in FILE_KINDS.values():
            if context_key(kind.name) == key[9:]:
                return f"{key}: {kind.label} is not made yet: {kind.make.format(slug=state.slug)}"
        return f"{key}: not a file the template declares with Attach:; fix the template {source}"
    return f"{key}: not a field, role or known name of {playbook.id}; fix the template {source}"


def _example(playbook: Playbook, name: str) -> str:
    spec = playbook.fields[name]
    value = spec.example()
    if spec.type == "text":
        value = "..."
    return f'"{value}"' if (" " in value or spec.type == "text") else value
