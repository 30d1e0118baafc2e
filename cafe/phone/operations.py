"""Verbs of a participant's phone: validate, write, commit, then broadcast.

A phone is known only by the hash of its device token (``device`` below). Every verb
checks the event, the table and ownership itself, so a socket handler only parses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, or_, select
from sqlalchemy.exc import IntegrityError

from cafe import broadcast
from cafe.domain.codes import normalise_join_code
from cafe.domain.errors import DomainError
from cafe.domain.text import clean_idea_text, is_client_id
from cafe.events.operations import MAX_ID, find_post, find_table
from cafe.extensions import db
from cafe.feedback.operations import own_feedback
from cafe.gathering.state import live_summary
from cafe.models import CafeEvent, EventTable, Post, utcnow
from cafe.moderation import operations as moderation
from cafe.ratelimit import TokenBuckets
from cafe.workshops import template_of_kind


def event_by_code(raw: object) -> CafeEvent:
    """Return the event a typed or scanned join code names."""
    code = normalise_join_code(raw) if isinstance(raw, str) else None
    if code is None:
        raise DomainError("bad_code")
    event = db.session.execute(
        select(CafeEvent).where(CafeEvent.join_code == code)
    ).scalar_one_or_none()
    if event is None:
        raise DomainError("unknown_code")
    return event


@dataclass(frozen=True)
class Joined:
    """What a phone's socket needs of the event its join code names."""

    event_id: int
    language: str


def event_for_socket(raw: object) -> Joined:
    """The event a phone's socket connects to, by its join code (``bad_code``,
    ``unknown_code``): its id and language.

    Every phone connects again after a restart, so a herd of them asks this at once. An
    event's join code, id and language never change once it is created (nothing updates
    them, and events are not deleted), so what was found is remembered for the app's
    lifetime (per process, per app): always true, whichever process created the event.
    Codes not found are not remembered (another process may create that event next).
    """
    code = normalise_join_code(raw) if isinstance(raw, str) else None
    if code is None:
        raise DomainError("bad_code")
    known: dict[str, Joined] = current_app.extensions.setdefault("cafe_join_codes", {})
    found = known.get(code)
    if found is None:
        row = db.session.execute(_EVENT_BY_CODE, {"code": code}).first()
        if row is None:
            raise DomainError("unknown_code")
        found = known[code] = Joined(event_id=row.id, language=row.language)
    return found


_EVENT_BY_CODE = select(CafeEvent.id, CafeEvent.language).where(
    CafeEvent.join_code == bindparam("code")
)


def post_limiter() -> TokenBuckets:
    """The app's per-phone posting limiter."""
    limiter: TokenBuckets = current_app.extensions["cafe_post_limiter"]
    return limiter


@dataclass(frozen=True)
class Submitted:
    """What ``submit_post`` did: the post, and whether it was already stored."""

    post: Post
    duplicate: bool


def submit_post(
    event_id: int,
    table_id: object,
    device: str,
    client_id: object,
    text: object,
    role: str | None,
    core: object = False,
    phase: object = None,
) -> Submitted:
    """Store a new idea once, however often the phone sends it.

    ``phase`` is the phase the idea was written in (the phone sends it with the post): an
    idea written offline during "What worked?" and delivered after the facilitator moved
    on still lands in that section. Without it, the event's current phase decides.

    A resend of a stored ``client_id`` from the same phone is acknowledged with the stored
    post and broadcast nothing. ``core=True`` is a host writing a core idea directly.

    The text is screened for personal data before anyone sees it: a post with findings
    (or any post, under pre-moderation) is stored *held* and goes to its writer and the
    facilitators only (:mod:`cafe.moderation.operations`).

    This is the hot path of a live event (hundreds of posts a second in a burst), so it
    reads one table row by key rather than loading the event and all its tables.
    """
    if not is_client_id(client_id):
        raise DomainError("bad_client_id")
    assert isinstance(client_id, str)
    try:
        values = _new_post_values(event_id, table_id, device, client_id, text, role, core, phase)
    except DomainError:
        # A resend of a stored post must be acknowledged even if it would no longer pass
        # (the phone has since lost the host role, say): the post is already there.
        existing = _existing(event_id, client_id, device)
        if existing is not None:
            return Submitted(existing, duplicate=True)
        raise
    # Insert first, without looking for the id: almost every post is new, and the unique
    # constraint on (event, client id) recognises a resend.
    try:
        db.session.connection().execute(_INSERT_POST, values)
        if values["findings"]:
            moderation.record_hold(Post(**values), _table_name(table_id))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        post_limiter().refund(device)
        existing = _existing(event_id, client_id, device)
        if existing is None:
            raise
        return Submitted(existing, duplicate=True)
    post = Post(**values)
    broadcast.post_changed(post, was_visible=False)
    return Submitted(post, duplicate=False)


def _new_post_values(
    event_id: int,
    table_id: object,
    device: str,
    client_id: str,
    text: object,
    role: str | None,
    core: object,
    phase: object = None,
) -> dict[str, Any]:
    """Check a new post against the rules and return its row."""
    if not isinstance(core, bool):
        raise DomainError("bad_request")
    where = _table_host(event_id, table_id, phase)
    if core and where.host != device:
        raise DomainError("not_host")
    clean = clean_idea_text(text, current_app.config["CAFE_POST_MAX_CHARS"])
    if not post_limiter().allow(device):
        raise DomainError("rate_limited")
    findings = moderation.screened(clean, where.language)
    now = utcnow()
    return {
        "event_id": event_id,
        "table_id": table_id,
        "client_id": client_id,
        "device_hash": device,
        "role_tag": role,
        "text": clean,
        "is_core": core,
        "section": where.section,
        "hidden": False,
        "deleted": False,
        "review": moderation.review_for(findings, where.premoderation),
        "findings": findings,
        "created_at": now,
        "updated_at": now,
    }


# The post path's two statements, built once as plain Core statements with bound
# parameters: building and cache-keying them per post (and going through the ORM layer)
# cost about a third of the server's CPU per post (py-spy under bench/load.py).
_TABLE_HOST = (
    select(
        EventTable.__table__.c.host_hash,
        CafeEvent.__table__.c.phase,
        CafeEvent.__table__.c.kind,
        CafeEvent.__table__.c.language,
        CafeEvent.__table__.c.premoderation,
    )
    .join(CafeEvent.__table__, CafeEvent.__table__.c.id == EventTable.__table__.c.event_id)
    .where(
        EventTable.__table__.c.id == bindparam("tid"),
        EventTable.__table__.c.event_id == bindparam("eid"),
    )
)
_INSERT_POST = insert(Post.__table__)


@dataclass(frozen=True)
class _Where:
    """What the post path needs to know of a table: its host, the section the event's
    current phase posts into (a workshop's ``worked`` for "What worked?"; ``ideas`` in a
    Cafe Social's tables phase; None outside a posting phase), the event's language (for
    the screen) and whether it is pre-moderated."""

    host: str | None
    section: str | None
    language: str
    premoderation: bool


def _table_host(event_id: int, table_id: object, written_in: object = None) -> _Where:
    """The host of the event's table ``table_id`` (``unknown_table``) and the section of
    the phase the idea was written in (``written_in``, a phase id; default the current
    one; ``bad_phase`` if the event's template has no such phase)."""
    if isinstance(table_id, bool) or not isinstance(table_id, int) or not 0 < table_id <= MAX_ID:
        raise DomainError("unknown_table")
    row = db.session.connection().execute(_TABLE_HOST, {"tid": table_id, "eid": event_id}).first()
    if row is None:
        raise DomainError("unknown_table")
    host, phase_id, kind, language, premoderation = row
    if written_in is not None:
        if not isinstance(written_in, str):
            raise DomainError("bad_phase")
        phase_id = written_in
    phase = template_of_kind(kind).phase(phase_id)
    if written_in is not None and phase is None:
        raise DomainError("bad_phase")
    section = phase.section if phase is not None and phase.kind == "post" else None
    return _Where(host, section, language, bool(premoderation))


def _table_name(table_id: object) -> str:
    """A table's name, for the audit trail of a held post."""
    name = db.session.execute(select(EventTable.name).where(EventTable.id == table_id)).scalar()
    return name or "?"


def _existing(event_id: int, client_id: str, device: str) -> Post | None:
    post = db.session.execute(
        select(Post).where(Post.event_id == event_id, Post.client_id == client_id)
    ).scalar_one_or_none()
    if post is not None and post.device_hash != device:
        raise DomainError("client_id_taken")
    return post


def _own_post(event: CafeEvent, device: str, client_id: object) -> Post:
    post = find_post(event, client_id)
    if post.device_hash != device:
        raise DomainError("not_your_post")
    if post.deleted:
        raise DomainError("post_gone")
    return post


def edit_post(event: CafeEvent, device: str, client_id: object, text: object) -> Post:
    """Let the writer change their post's text; the new text is screened again.

    A held post whose rewrite is clean goes out (or, under pre-moderation, to the
    facilitators); a public post whose edit brings personal data in is held back again.
    """
    post = _own_post(event, device, client_id)
    clean = clean_idea_text(text, current_app.config["CAFE_POST_MAX_CHARS"])
    if clean != post.text:
        was_visible, was_held = post.visible, post.held
        post.text = clean
        post.findings = moderation.screened(clean, event.language)
        post.review = moderation.review_for(post.findings, event.premoderation)
        post.updated_at = utcnow()
        if post.findings:
            moderation.record_hold(post, find_table(event, post.table_id).name)
        db.session.commit()
        broadcast.post_changed(
            post, was_core=post.is_core, was_visible=was_visible, was_held=was_held
        )
    return post


def request_review(event: CafeEvent, device: str, client_id: object) -> Post:
    """The writer sends a flagged post to the facilitators as it is written: they approve,
    mask or hide it; until then it stays with the writer only."""
    post = _own_post(event, device, client_id)
    if post.hidden or post.review is None:
        raise DomainError("not_held")
    if post.review != moderation.QUEUED:
        post.review = moderation.QUEUED
        db.session.commit()
        broadcast.post_changed(post, was_core=post.is_core, was_visible=False, was_held=True)
    return post


def delete_post(event: CafeEvent, device: str, client_id: object) -> Post:
    """Let the writer delete their post: the text is erased, the id kept so resends stay no-ops."""
    post = _own_post(event, device, client_id)
    was_core, was_visible, was_held = post.is_core, post.visible, post.held
    post.deleted = True
    post.text = ""
    post.is_core = False
    post.updated_at = utcnow()
    db.session.commit()
    broadcast.post_changed(post, was_core=was_core, was_visible=was_visible, was_held=was_held)
    return post


def mark_core(event: CafeEvent, device: str, client_id: object, core: object) -> Post:
    """Let the table host mark (or unmark) an idea at their table as a core idea."""
    if not isinstance(core, bool):
        raise DomainError("bad_request")
    post = find_post(event, client_id)
    if not post.visible:
        # Hidden by the facilitator or deleted: for phones it is gone.
        raise DomainError("post_gone")
    table = find_table(event, post.table_id)
    if table.host_hash != device:
        raise DomainError("not_host")
    if post.is_core != core:
        was_core = post.is_core
        post.is_core = core
        db.session.commit()
        broadcast.post_changed(post, was_core=was_core, was_visible=post.visible)
    return post


def phone_state(event: CafeEvent, table: EventTable | None, device: str) -> dict[str, Any]:
    """Everything a phone needs after (re)joining: event, its table's posts (with its own
    held ones, marked), its host role, and the shared summary as it reads now.

    Every phone sends this after every reconnect, so a restarted server answers a herd of
    them at once: the table's posts come in one query, the summary from the event's kept
    one (:func:`cafe.gathering.state.live_summary`).
    """
    return {
        "event": broadcast.event_payload(event),
        "table": broadcast.table_payload(table) if table is not None else None,
        "posts": _table_posts(table.id, device) if table is not None else [],
        "is_host": table is not None and table.host_hash == device,
        "summary": live_summary(event),
        "feedback": own_feedback(event, device),
    }


#: The posts a phone at a table may see, oldest first: the visible ones and its own held
#: ones (nobody else is sent those), in one query.
_TABLE_POSTS = (
    select(Post)
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
    posts = db.session.execute(_TABLE_POSTS, {"table": table_id, "device": device}).scalars()
    return [broadcast.post_payload(p, own=p.held) for p in posts]
