"""The phases of a Cafe Social, in order."""

from __future__ import annotations

#: Phase keys as stored and sent over the wire, in the order an event runs through them.
PHASES: tuple[str, ...] = ("opening", "tables", "gathering", "summary")


def is_phase(value: object) -> bool:
    """Tell whether a value is a known phase key."""
    return isinstance(value, str) and value in PHASES
