"""Participants' raw posts are not kept forever.

Some time after an event (``CAFE_RETENTION_DAYS``, 30 by default) its ordinary posts, and
the posts held for review that were never approved, are deleted, and what stays — the core
ideas, which feed the summary and the minutes — loses the device hashes that tied posts of
one phone together. Run by ``cafe run`` at start and
then hourly, and by ``cafe posts purge``. With several workers (``CAFE_MESSAGE_QUEUE``)
the one that takes the hour's lock in Redis purges (:func:`purge_turn`); the others skip.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import String, cast, delete, select, update

from cafe.extensions import db
from cafe.models import CafeEvent, EventTable, Feedback, Post, Vote

#: What a purged core idea keeps in place of the writer's device hash.
ANONYMISED = ""


def _unlink_votes(event_ids: list[int]) -> None:
    """Votes keep their items, dots and role tags, and which of them one phone cast (so
    the counts of phones that voted stay true), but no longer the phone's device hash: each
    phone's votes get a random stand-in of their own."""
    phones = db.session.execute(
        select(Vote.event_id, Vote.device_hash)
        .where(Vote.event_id.in_(event_ids), Vote.device_hash.not_like("purged:%"))
        .distinct()
    ).all()
    for event_id, device in phones:
        db.session.execute(
            update(Vote)
            .where(Vote.event_id == event_id, Vote.device_hash == device)
            .values(device_hash="purged:" + secrets.token_hex(8))
        )


#: Seconds between two purges of ``cafe run``.
PURGE_INTERVAL = 3600

#: The Redis key of the purge's lock: set by the worker whose turn it is, for an interval.
PURGE_LOCK = "cafe:retention:purge"

log = logging.getLogger(__name__)


def purge_turn(app: Flask, interval: float = PURGE_INTERVAL) -> bool:
    """Whether this process should purge now: always without a queue; with one, when it is
    the worker that takes the lock (``SET NX EX``) that the last purge of any worker set
    for ``interval`` (less a minute, so that the same worker's next turn, a little late
    or early, finds it gone: the purge then stays with one worker).

    When Redis cannot be asked, the purge runs: it is idempotent, and only wasted work if
    another worker runs it too.
    """
    from cafe.message_queue import shared_redis

    client = shared_redis(app)
    if client is None:
        return True
    from redis import RedisError

    hold = max(1, round(interval - 60 if interval > 120 else interval))
    try:
        return bool(client.set(PURGE_LOCK, "1", nx=True, ex=hold))
    except RedisError as error:
        log.warning("retention lock not taken: Redis %s; purging anyway", type(error).__name__)
        return True


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
    _unlink_votes(event_ids)
    db.session.commit()
    purged = Purged(
        events=len(event_ids),
        deleted_posts=deleted.rowcount,  # type: ignore[attr-defined]
        anonymised_posts=anonymised.rowcount,  # type: ignore[attr-defined]
    )
    log.info(
        "retention (%d days): %d posts deleted, %d core ideas unlinked from phones, "
        "in %d past events",
        days,
        purged.deleted_posts,
        purged.anonymised_posts,
        purged.events,
    )
    return purged
