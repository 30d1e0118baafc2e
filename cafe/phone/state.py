"""The phone's payload: what a phone is sent when it joins a table or syncs after a
reconnect; what changes after that arrives through :mod:`cafe.broadcast`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, or_, select

from cafe import broadcast
from cafe.extensions import db
from cafe.feedback.operations import own_feedback
from cafe.gathering.state import live_summary_of
from cafe.lookups import get_event
from cafe.models import Post
from cafe.phone.rejoin import EventFacts, TableFacts, event_payloads
from cafe.voting.state import phone_vote
from cafe.workshops import template_of_kind


def phone_state(
    facts: EventFacts, table: TableFacts | None, device: str, language: str | None = None
) -> dict[str, Any]:
    """Everything a phone needs after (re)joining: event (its phases in the phone's
    ``language``), its table's posts (with its own held ones, marked), its host role, and
    the shared summary as it reads now.

    Every phone sends this after every reconnect, so a restarted server answers a herd of
    them at once: the event and its tables come as plain facts read in one query
    (:func:`cafe.phone.rejoin.event_facts`), the event's payload built once for every phone
    with the same facts (:class:`cafe.phone.rejoin.EventPayloads`), the table's posts in one
    query, the summary from the event's kept one (:func:`cafe.gathering.state.live_summary`),
    and the ORM event is read only to build a summary or, in a vote phase, the round.
    """
    phase = template_of_kind(facts.kind).phase(facts.phase)
    voting = phase is not None and phase.kind == "vote"
    return {
        "event": event_payloads().payload(facts, language),
        "table": broadcast.table_payload(table) if table is not None else None,
        "posts": _table_posts(table.id, device) if table is not None else [],
        "is_host": table is not None and table.host_hash == device,
        "summary": live_summary_of(facts.id, lambda: get_event(facts.id)),
        "feedback": own_feedback(facts, device),
        # In a vote phase: the round, with this phone's own dots (else null).
        "vote": phone_vote(get_event(facts.id), device) if voting else None,
    }


#: The posts a phone at a table may see, oldest first: the visible ones and its own held
#: ones (nobody else is sent those), in one query, as plain rows with what
#: :func:`cafe.broadcast.post_payload` reads (held: under review, since hidden and deleted
#: posts are left out).
_TABLE_POSTS = (
    select(
        Post.client_id,
        Post.table_id,
        Post.text,
        Post.role_tag,
        Post.is_core,
        Post.created_at,
        Post.updated_at,
        Post.hidden,
        Post.review.is_not(None).label("held"),
        Post.review,
        Post.findings,
    )
    .where(
        Post.table_id == bindparam("table"),
        Post.hidden.is_(False),
        Post.deleted.is_(False),
        or_(Post.review.is_(None), Post.device_hash == bindparam("device")),
    )
    .order_by(Post.id)
)


def _table_posts(table_id: int, device: str) -> list[dict[str, Any]]:
    """The payloads of the posts at a table this phone may see (its held ones marked)."""
    # On the connection, not through the ORM session: plain rows either way, and the
    # ORM's execution path cost a tenth of a join (bench/reconnect_path.py: 0.98 -> 0.90 ms).
    rows = db.session.connection().execute(_TABLE_POSTS, {"table": table_id, "device": device})
    return [broadcast.post_payload(row, own=row.held) for row in rows]
