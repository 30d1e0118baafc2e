"""The board's payload: what a projected board is sent when it (re)connects; what changes
after that arrives through :mod:`cafe.broadcast`."""

from __future__ import annotations

from typing import Any

from cafe import broadcast
from cafe.gathering.state import live_summary
from cafe.lookups import visible_posts
from cafe.models import CafeEvent
from cafe.voting.state import board_vote


def board_state(event: CafeEvent) -> dict[str, Any]:
    """Everything a board needs after (re)connecting: event, core ideas, presence, summary."""
    cores = visible_posts([t.id for t in event.tables], core_only=True)
    return {
        "event": broadcast.event_payload(event),
        "cores": [broadcast.post_payload(p) for p in cores],
        "presence": broadcast.presence_payload(event),
        "summary": live_summary(event),
        # The vote round of a vote phase (its chart once revealed), else null.
        "vote": board_vote(event),
    }
