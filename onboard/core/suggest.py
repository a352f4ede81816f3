"""Suggestions for a mistyped name ("did you mean"): the known names closest to it.

A flat "no such step" leaves the coordinator to find the right id alone.
Every lookup that can miss (clients, steps, templates, playbooks, roles,
gates, fields) ends its message with the close matches from difflib, the
same ratio git and pip use for their suggestions, so the way out is one
copy away.
"""

from __future__ import annotations

from collections.abc import Iterable

CUTOFF = 0.6
"""difflib's own default: 'acem' finds 'acme', 'cours_date' finds 'course_date', 'xyz' finds nothing."""


def close_matches(word: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The up to ``n`` known names closest to ``word``, best first; case is ignored.

    A known name that starts with ``word`` (or nearly: a typo in the start
    of an id) counts as close even when difflib's ratio over the whole name
    is low, since people type the start of an id.
    """
    import difflib

    names = list(dict.fromkeys(known))
    if not word or not names:
        return []
    folded = {name.casefold(): name for name in names}
    wanted = word.casefold()
    found = [folded[m] for m in difflib.get_close_matches(wanted, list(folded), n=n, cutoff=CUTOFF)]
    for key, name in folded.items():
        if len(found) >= n:
            break
        if name not in found and min(len(wanted), len(key)) >= 3 and _same_start(wanted, key):
            found.append(name)
    return found


def _same_start(wanted: str, key: str) -> bool:
    """One starts the other, or nearly: 'traning' and 'training-engagement'."""
    import difflib

    head = key[: len(wanted)]
    return (
        key.startswith(wanted)
        or wanted.startswith(key)
        or difflib.SequenceMatcher(None, wanted, head).ratio() >= 0.75
    )


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``"Did you mean 'x'?"`` (or "'x' or 'y'"), or "" when nothing is close."""
    matches = close_matches(word, known)
    if not matches:
        return ""
    quoted = [f"{m!r}" for m in matches]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"Did you mean {listed}?"


def with_suggestion(word: str, known: Iterable[str], otherwise: str) -> str:
    """A hint: the close matches when there are some, then ``otherwise`` (where to see them all)."""
    suggestion = did_you_mean(word, known)
    return f"{suggestion} {otherwise}".strip() if suggestion else otherwise
