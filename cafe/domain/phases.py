"""The phases of a Cafe Social, in order: the ``cafe-social`` workshop template's phases.

Events run the phases of their template (``sessions/templates/``); these are the ids the
Cafe Social screens were built around, and the shipped template is tested to keep them.
"""

from __future__ import annotations

#: Phase keys as stored and sent over the wire, in the order an event runs through them.
PHASES: tuple[str, ...] = ("opening", "tables", "gathering", "summary")
