"""Participants' raw posts are not kept forever.

Some time after an event (``CAFE_RETENTION_DAYS``, 30 by default) its ordinary posts, and
the posts held for review that were never approved, are deleted, and what stays — the core
ideas, which feed the summary and the minutes — loses the device hashes that tied posts of
one phone together. Run by ``cafe run`` at start and
then hourly, and by ``cafe posts purge``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, cast, delete, select, update

from cafe.extensions import db
from cafe.models import CafeEvent, EventTable, Feedback, Post

#: What a purged core idea keeps in place of the writer's device hash.
ANONYMISED = ""


@dataclass(frozen=True)
class Purged:
    """What one purge did."""

    events: int
    deleted_posts: int
    anonymised_posts: int


def purge_raw_posts(now: dt.datetime, days: int) -> Purged:
    """Delete ordinary posts, and unlink core ideas from phones, of events over ``days`` old.

    An event's age counts from its date or from when it was set up, whichever is later, so
    an event entered afterwards (or the sample event of 2017 loaded on first start) keeps
    its posts for the full period too. ``now`` is naive UTC.
    """
    if days < 0:
        raise ValueError("days must be zero or more")
    cutoff = now - dt.timedelta(days=days)
    event_ids = list(
        db.session.execute(
            select(CafeEvent.id).where(
                CafeEvent.date < cutoff.date(), CafeEvent.created_at < cutoff
            )
        ).scalars()
    )
    if not event_ids:
        return Purged(0, 0, 0)
    # Ordinary posts go; so do core ideas still held for review (never approved, so never
    # anyone's but their writer's and the facilitators').
    deleted = db.session.execute(
        delete(Post).where(
            Post.event_id.in_(event_ids),
            (Post.is_core.is_(False)) | (Post.deleted.is_(True)) | (Post.review.is_not(None)),
        )
    )
    anonymised = db.session.execute(
        update(Post)
        .where(Post.event_id.in_(event_ids), Post.device_hash != ANONYMISED)
        .values(device_hash=ANONYMISED)
    )
    db.session.execute(
        update(EventTable).where(EventTable.event_id.in_(event_ids)).values(host_hash=None)
    )
    # Feedback keeps its rating, text and role, but no longer who gave it (each row gets a
    # value of its own: one answer per phone is a unique constraint).
    db.session.execute(
        update(Feedback)
        .where(Feedback.event_id.in_(event_ids), Feedback.device_hash.not_like("purged:%"))
        .values(device_hash="purged:" + cast(Feedback.id, String))
    )
    db.session.commit()
    return Purged(
        events=len(event_ids),
        deleted_posts=deleted.rowcount,  # type: ignore[attr-defined]
        anonymised_posts=anonymised.rowcount,  # type: ignore[attr-defined]
    )
