"""Verbs of a participant's phone: validate, write, commit, then broadcast.

A phone is known only by the hash of its device token (``device`` below). Every verb
checks the event, the table and ownership itself, so a socket handler only parses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from cafe import broadcast
from cafe.domain.codes import normalise_join_code
from cafe.domain.errors import DomainError
from cafe.domain.keys import MAX_ID
from cafe.domain.text import clean_idea_text, is_client_id
from cafe.extensions import db
from cafe.lookups import find_post, find_table
from cafe.models import CafeEvent, EventTable, Post, utcnow
from cafe.moderation import operations as moderation
from cafe.ratelimit import TokenBuckets
from cafe.workshops import template_of_kind

#: Posts are many (hundreds a second in a burst): their lines are DEBUG, and name the event,
#: table or post by id only, never a post's text, its phone's token or hash.
log = logging.getLogger(__name__)


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
    *,
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
    reads nothing before writing: what it needs of the event (phase, pre-moderation,
    template, language) comes from :class:`PostFacts`, kept per process, and one guarded
    ``INSERT … SELECT`` both stores the post and checks, in the database, that the table
    belongs to the event, that the kept facts still hold and that a core idea's writer
    hosts the table. Only when that inserts nothing (stale facts: the phase changed,
    perhaps in another worker; or a broken rule) is the table read and the post checked
    the slow way, which also names the broken rule.
    """
    if not is_client_id(client_id):
        raise DomainError("bad_client_id")
    facts = post_facts(event_id)
    try:
        values = _new_post_values(
            facts,
            event_id=event_id,
            table_id=table_id,
            device=device,
            client_id=client_id,
            text=text,
            role=role,
            core=core,
            phase=phase,
        )
    except DomainError as error:
        return _resent_or_raise(event_id, client_id, device, error)
    # Insert first, without looking for the id: almost every post is new, and the unique
    # constraint on (event, client id) recognises a resend.
    try:
        stored = _guarded_insert(values, facts, checks_phase=phase is None)
        if not stored:
            try:
                _checked_insert(values, phase)
            except DomainError as error:
                db.session.rollback()
                post_limiter().refund(device)
                return _resent_or_raise(event_id, client_id, device, error)
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
    log.debug(
        "post stored: event %s, table %s, core %s, held %s",
        event_id,
        table_id,
        post.is_core,
        post.held,
    )
    broadcast.post_changed(post, was_visible=False)
    return Submitted(post, duplicate=False)


def _resent_or_raise(event_id: int, client_id: str, device: str, error: DomainError) -> Submitted:
    """A post broke a rule (``error``): acknowledge it anyway if it is a resend of a stored
    post (the phone has since lost the host role, say: the post is already there)."""
    existing = _existing(event_id, client_id, device)
    if existing is not None:
        return Submitted(existing, duplicate=True)
    raise error


@dataclass(frozen=True)
class PostFacts:
    """What the post path needs of an event: its current phase, whether it is
    pre-moderated, its template kind and language.

    Kept per process and app (:func:`post_facts`) and never trusted blindly: the guarded
    insert stores a post only if the phase and pre-moderation it was written under are
    still the event's, so a change made anywhere (another worker included) costs the next
    post one slow path, which refreshes the facts. Kind and language never change.
    """

    phase: str
    premoderation: bool
    kind: str
    language: str


_POST_FACTS = select(
    CafeEvent.__table__.c.phase,
    CafeEvent.__table__.c.premoderation,
    CafeEvent.__table__.c.kind,
    CafeEvent.__table__.c.language,
).where(CafeEvent.__table__.c.id == bindparam("eid"))


def post_facts(event_id: int, *, fresh: bool = False) -> PostFacts:
    """The kept :class:`PostFacts` of an event (read when missing or ``fresh``)."""
    kept: dict[int, PostFacts] = current_app.extensions.setdefault("cafe_post_facts", {})
    facts = None if fresh else kept.get(event_id)
    if facts is None:
        row = db.session.connection().execute(_POST_FACTS, {"eid": event_id}).first()
        if row is None:
            raise DomainError("unknown_event")
        facts = kept[event_id] = PostFacts(
            phase=row.phase,
            premoderation=bool(row.premoderation),
            kind=row.kind,
            language=row.language,
        )
    return facts


def _section(kind: str, phase_id: str, written_in: object) -> str | None:
    """The section an idea lands in: that of the phase it was written in (``written_in``;
    ``bad_phase`` when the template has no such phase), else of the current phase;
    None outside a posting phase."""
    if written_in is not None:
        if not isinstance(written_in, str):
            raise DomainError("bad_phase")
        phase = template_of_kind(kind).phase(written_in)
        if phase is None:
            raise DomainError("bad_phase")
    else:
        phase = template_of_kind(kind).phase(phase_id)
    return phase.section if phase is not None and phase.kind == "post" else None


def _new_post_values(
    facts: PostFacts,
    *,
    event_id: int,
    table_id: object,
    device: str,
    client_id: str,
    text: object,
    role: str | None,
    core: object,
    phase: object = None,
) -> dict[str, Any]:
    """Check a new post against the rules the kept facts can tell and return its row."""
    if not isinstance(core, bool):
        raise DomainError("bad_request")
    if isinstance(table_id, bool) or not isinstance(table_id, int) or not 0 < table_id <= MAX_ID:
        raise DomainError("unknown_table")
    section = _section(facts.kind, facts.phase, phase)
    clean = clean_idea_text(text, current_app.config["CAFE_POST_MAX_CHARS"])
    if not post_limiter().allow(device):
        raise DomainError("rate_limited")
    findings = moderation.screened(clean, facts.language)
    now = utcnow()
    return {
        "event_id": event_id,
        "table_id": table_id,
        "client_id": client_id,
        "device_hash": device,
        "role_tag": role,
        "text": clean,
        "is_core": core,
        "section": section,
        "hidden": False,
        "deleted": False,
        "review": moderation.review_for(findings, facts.premoderation),
        "findings": findings,
        "created_at": now,
        "updated_at": now,
    }


_POSTS = Post.__table__
_TABLES = EventTable.__table__
_EVENTS = CafeEvent.__table__
#: The columns a new post sets (the id is the database's; a post joins no theme yet).
_POST_COLUMNS = [c for c in _POSTS.c if c.name not in ("id", "item_id")]


def _guarded_statement(checks_phase: bool, core: bool) -> Any:
    """``INSERT INTO post … SELECT <the post's values> FROM event_table JOIN cafe_event``,
    selecting one row only if the table is the event's, the event is still under the kept
    phase (when the post's section came from it) and pre-moderation setting, and, for a
    core idea, the writer hosts the table. Built once per variant (:data:`_GUARDED`)."""
    conditions = [
        _TABLES.c.id == bindparam("table_id"),
        _TABLES.c.event_id == bindparam("event_id"),
        _EVENTS.c.premoderation == bindparam("kept_premoderation"),
    ]
    if checks_phase:
        conditions.append(_EVENTS.c.phase == bindparam("kept_phase"))
    if core:
        conditions.append(_TABLES.c.host_hash == bindparam("device_hash"))
    row = select(*(bindparam(c.name, type_=c.type) for c in _POST_COLUMNS))
    row = row.select_from(_TABLES.join(_EVENTS, _EVENTS.c.id == _TABLES.c.event_id))
    statement = insert(_POSTS).from_select([c.name for c in _POST_COLUMNS], row.where(*conditions))
    # SQLAlchemy keeps the rowcount of UPDATE and DELETE only; an INSERT's is asked of a
    # closed cursor, which sqlite3 answers and psycopg (PostgreSQL) does not: every post
    # then took the slow path, whose insert failed on the row this one had stored.
    return statement.execution_options(preserve_rowcount=True)


_GUARDED = {
    (checks_phase, core): _guarded_statement(checks_phase, core)
    for checks_phase in (False, True)
    for core in (False, True)
}


def _guarded_insert(values: dict[str, Any], facts: PostFacts, *, checks_phase: bool) -> bool:
    """Insert the post if the kept facts still hold (see :func:`_guarded_statement`);
    whether a row was stored. A resend raises IntegrityError as any insert would."""
    statement = _GUARDED[checks_phase, values["is_core"]]
    parameters = dict(values, kept_phase=facts.phase, kept_premoderation=facts.premoderation)
    result = db.session.connection().execute(statement, parameters)
    return bool(result.rowcount == 1)


def _checked_insert(values: dict[str, Any], written_in: object) -> None:
    """The slow path: read the table and the event afresh (refreshing the kept facts),
    name the broken rule if there is one (``unknown_table``, ``not_host``, ``bad_phase``),
    else correct the values that depend on the facts and insert."""
    event_id, table_id = values["event_id"], values["table_id"]
    facts = post_facts(event_id, fresh=True)
    host = db.session.connection().execute(_TABLE_HOST, {"tid": table_id, "eid": event_id})
    row = host.first()
    if row is None:
        raise DomainError("unknown_table")
    if values["is_core"] and row.host_hash != values["device_hash"]:
        raise DomainError("not_host")
    values["section"] = _section(facts.kind, facts.phase, written_in)
    values["review"] = moderation.review_for(values["findings"], facts.premoderation)
    db.session.connection().execute(_INSERT_POST, values)


_TABLE_HOST = select(_TABLES.c.host_hash).where(
    _TABLES.c.id == bindparam("tid"), _TABLES.c.event_id == bindparam("eid")
)
_INSERT_POST = insert(_POSTS)


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
        log.debug("post edited: event %s, post %s, held %s", event.id, post.id, post.held)
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
        log.debug("post sent for review: event %s, post %s", event.id, post.id)
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
    log.debug("post deleted by its writer: event %s, post %s", event.id, post.id)
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
        log.debug(
            "core idea %s: event %s, post %s", "marked" if core else "unmarked", event.id, post.id
        )
        broadcast.post_changed(post, was_core=was_core, was_visible=post.visible)
    return post
