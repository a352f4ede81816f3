"""What a template can use: the values built from a client, and their names.

Every field of the playbook by name (``course_date``, ``program``...),
``client`` (the client's name), ``slug``, ``today``, ``roles.FAC.name`` /
``.initials`` / ``.email``, ``role_names.FAC`` (the playbook's name for the
role), ``names.roster`` (a file name from the playbook's ``[naming]``) and
``playbook.id`` / ``playbook.title``, ``settings.<key>`` (the workspace's
``[emails]`` settings: ``settings.meeting_lengths.welcome_meeting``) and
``attached.<kind>`` (the name of each declared file that is there to
attach), ``evaluation`` (the imported evaluations' summary, every figure
with its scale: :meth:`onboard.delivery.evaluations.EvalSummary.as_context`). ``participant_count`` and ``eval_score`` are the figures of the
client's records when it has them (:func:`onboard.delivery.facts.figures`),
never a copy in its facts that went stale. A value that is not set is left out,
so the template sees it as undefined and the error can name it. Kept apart
from the sandbox because ``onboard check`` needs the names without Jinja.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from onboard.core.naming import apply_convention
from onboard.core.playbook import Playbook
from onboard.core.state import ClientState
from onboard.errors import OnboardError

CONTEXT_NAMES = (
    "client",
    "slug",
    "today",
    "roles",
    "role_names",
    "names",
    "playbook",
    "settings",
    "attached",
    "evaluation",
)


def email_context(
    playbook: Playbook,
    state: ClientState,
    today: date,
    settings: Mapping[str, Any] | None = None,
    attached: Mapping[str, str] | None = None,
    figures: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a template can use; values that are not set are left out (undefined).

    ``figures`` (from the client's records) stand over the facts of the same name.
    """
    from onboard.core.engine import convention_values

    context: dict[str, Any] = {k: v for k, v in state.facts.items() if v is not None}
    context.update(figures or {})
    names = {}
    for kind, pattern in playbook.naming.items():
        try:
            names[kind] = apply_convention(pattern, convention_values(state))
        except OnboardError:
            continue
    context.update(
        client=state.name,
        slug=state.slug,
        today=today,
        roles={
            role: {k: v for k, v in holder.items() if v not in (None, "")}
            for role, holder in state.roles.items()
        },
        role_names={role: spec.name for role, spec in playbook.roles.items()},
        names=names,
        playbook={"id": playbook.id, "title": playbook.title},
        settings=_plain_copy(settings or {}),
        attached=dict(attached or {}),
    )
    return context


def _plain_copy(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings as plain dicts and lists, one level of tables deep, as a template sees them."""
    return {k: dict(v) if isinstance(v, Mapping) else v for k, v in settings.items()}


def value_paths(context: Mapping[str, Any]) -> dict[int, str]:
    """The dotted name of each dict or list in the context (``roles.FAC``), by object id.

    An undefined value knows only the object it was looked up on; this lets
    it say ``roles.FAC.email`` rather than ``dict.email``.
    """
    paths: dict[int, str] = {}
    for key, value in context.items():
        if isinstance(value, dict | list):
            paths[id(value)] = key
        if isinstance(value, dict):
            for inner, item in value.items():
                if isinstance(item, dict | list):
                    paths[id(item)] = f"{key}.{inner}"
    return paths
