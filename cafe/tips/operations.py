"""Verbs on topic tips: a phone suggests a topic for a next Cafe Social (anonymous: only
the event and the text are stored), the facilitators' pages list them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from cafe.domain.errors import DomainError
from cafe.domain.text import clean_idea_text
from cafe.extensions import db
from cafe.models import CafeEvent, TopicTip
from cafe.ratelimit import TokenBuckets

#: Longest topic tip.
MAX_TIP = 300


def add_tip(event: CafeEvent, text: object, limiter_key: str) -> TopicTip:
    """A topic suggested for a next Cafe Social; ``limiter_key`` (a phone's device hash)
    only counts against the rate limit, it is never stored."""
    clean = clean_idea_text(text, MAX_TIP)
    # Tips draw from the posts' buckets: a phone cannot flood the room through either.
    limiter: TokenBuckets = current_app.extensions["cafe_post_limiter"]
    if not limiter.allow(limiter_key):
        raise DomainError("rate_limited")
    tip = TopicTip(event_id=event.id, text=clean)
    db.session.add(tip)
    db.session.commit()
    return tip


def tips(limit: int = 200) -> list[tuple[TopicTip, CafeEvent]]:
    """Topic tips of every event, newest first, for planning the next one."""
    rows = db.session.execute(
        select(TopicTip, CafeEvent)
        .join(CafeEvent, CafeEvent.id == TopicTip.event_id)
        .order_by(TopicTip.id.desc())
        .limit(limit)
    ).all()
    return [(tip, event) for tip, event in rows]
