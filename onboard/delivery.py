"""Facts a delivery's own files already answer (participant count, eval score).

The ``close-delivery`` step asks for the participant count and the eval score;
when the attendance and evaluation data are in the client's folder those
answers come from them instead of from the coordinator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def derived_facts(folder: Path) -> dict[str, Any]:
    """Field values computed from the files in a client's folder; empty when there are none."""
    return {}
