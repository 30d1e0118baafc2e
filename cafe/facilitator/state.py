"""The control page's payload: what a facilitator's control page is sent on ``sync``;
what changes after that arrives through :mod:`cafe.broadcast`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cafe import audit, broadcast
from cafe.extensions import db
from cafe.models import CafeEvent, Post
from cafe.voting.state import facilitator_votes


def facilitator_state(event: CafeEvent, language: str | None = None) -> dict[str, Any]:
    """Everything the control page needs: every post (hidden and held ones flagged, held
    ones with what the screen found), presence, and whether pre-moderation is on; the
    phases in the facilitator's ``language``."""
    posts = db.session.execute(
        select(Post).where(Post.event_id == event.id, Post.deleted.is_(False)).order_by(Post.id)
    ).scalars()
    carriers = broadcast.role_carriers(event.id)
    return {
        "event": broadcast.event_payload(event, language),
        "posts": [
            broadcast.post_payload(p, moderation=True, role_shown=broadcast.role_shown(p, carriers))
            for p in posts
        ],
        "presence": broadcast.presence_payload(event),
        "premoderation": event.premoderation,
        # The audit trail's newest entries; later ones arrive as ``audit`` broadcasts.
        "audit": audit.trail_payload(event.id),
        # Every vote phase's round, set up or not yet (the template's dots).
        "votes": facilitator_votes(event, language or event.language),
    }
