"""Verbs of the minutes: draft, save revisions, publish, correct, review, topic tips.

A draft is assembled from the event and its shared summary the first time the organizer
opens the minutes; every save stores a new revision and names the revision it was based
on, so that two organizers cannot silently overwrite each other. Publishing locks the
text: a later save must be an explicit correction, and the published text stays visible in
the history.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cafe import audit
from cafe.domain.errors import DomainError
from cafe.domain.minutes import (
    MAX_NOTES,
    Memo,
    form_field,
    memo_from_content,
    memo_from_form,
    memo_parts,
    memo_to_content,
    review_parts,
    with_replacement,
)
from cafe.domain.summary import check_base_revision
from cafe.domain.text import clean_idea_text
from cafe.extensions import db
from cafe.minutes.export import assembled_memo
from cafe.models import (
    CafeEvent,
    Minutes,
    MinutesRevision,
    ReviewComment,
    TopicTip,
    utcnow,
)
from cafe.ratelimit import TokenBuckets

log = logging.getLogger(__name__)

#: Longest review comment, correction reason and topic tip.
MAX_COMMENT = 2_000
MAX_REASON = 500
MAX_TIP = 300
COMMENT_STATUSES = ("open", "accepted", "dismissed")


#: Key, in a revision's content, of the live source's parts as last taken in.
TAKEN = "taken"


def with_taken(content: dict[str, Any], parts: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """``content`` with ``parts`` recorded as what the live source gave when taken in."""
    return {**content, TAKEN: {key: list(text) for key, text in parts.items()}}


class LostRace(Exception):
    """Another save on the same base revision got there first."""


class StaleMinutes(DomainError):
    """A save based on an old revision; carries the newer memo."""

    def __init__(self, revision: int, memo: Memo) -> None:
        super().__init__("summary_stale", {"revision": revision})
        self.memo = memo


def minutes_of(event: CafeEvent) -> Minutes | None:
    """The event's minutes row, if a draft was ever opened."""
    return db.session.get(Minutes, event.id)


def minutes_row(event: CafeEvent) -> Minutes:
    """The event's minutes row, added (with no revision yet) when missing; if another
    request adds it at the same moment, theirs is used."""
    minutes = minutes_of(event)
    if minutes is not None:
        return minutes
    minutes = Minutes(event_id=event.id, revision=0)
    db.session.add(minutes)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        minutes = minutes_of(event)
        assert minutes is not None
    return minutes


def _revision(event: CafeEvent, number: int) -> MinutesRevision:
    found = db.session.execute(
        select(MinutesRevision).where(
            MinutesRevision.event_id == event.id, MinutesRevision.number == number
        )
    ).scalar_one_or_none()
    if found is None:
        raise DomainError("unknown_revision")
    return found


def current_memo(event: CafeEvent) -> Memo:
    """The newest saved memo, or the one the event assembles while there is no draft."""
    minutes = minutes_of(event)
    if minutes is None or minutes.revision == 0:
        return assembled_memo(event)
    return memo_from_content(_revision(event, minutes.revision).content)


def revision_content(event: CafeEvent, number: int) -> dict[str, Any]:
    """The stored content (JSON) of revision ``number`` of the event's document."""
    return _revision(event, number).content


def revision_memo(event: CafeEvent, number: int) -> Memo:
    """The memo of revision ``number``."""
    return memo_from_content(revision_content(event, number))


def ensure_draft(event: CafeEvent, author_id: int | None) -> Minutes:
    """Open the minutes: the first time, revision 1 is assembled from the event."""
    minutes = minutes_row(event)
    if minutes.revision > 0:
        return minutes
    try:
        draft = assembled_memo(event)
        content = with_taken(memo_to_content(draft), memo_parts(draft))
        store_revision(event, minutes, 0, content, author_id, None)
    except (IntegrityError, LostRace):
        # Another organizer opened it at the same moment: theirs is the draft.
        db.session.rollback()
        found = minutes_of(event)
        assert found is not None
        return found
    return minutes


def store_revision(
    event: CafeEvent,
    minutes: Minutes,
    base: int,
    content: dict[str, Any],
    author_id: int | None,
    correction: str | None,
) -> MinutesRevision:
    """Write revision ``base + 1`` of the event's document (its memo, or a workshop's
    report) if the newest is still ``base``: one conditional UPDATE and a unique number,
    so a second writer on the same base always loses (``LostRace``)."""
    number = base + 1
    if TAKEN not in content and base > 0:
        # What the live source gave when last taken in stays with the document, whatever
        # the organizer saves, until the next take-in replaces it (cafe.domain.merge).
        taken = _revision(event, base).content.get(TAKEN)
        if taken is not None:
            content = {**content, TAKEN: taken}
    won = db.session.execute(
        update(Minutes)
        .where(Minutes.event_id == event.id, Minutes.revision == base)
        .values(revision=number)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise LostRace
    revision = MinutesRevision(
        event_id=event.id,
        number=number,
        content=content,
        correction=correction,
        author_id=author_id,
    )
    db.session.add(revision)
    db.session.commit()
    db.session.refresh(minutes)
    return revision


def save(
    event: CafeEvent,
    base: object,
    form: dict[str, Any],
    author_id: int | None,
    correction: object = None,
) -> MinutesRevision:
    """Store the organizer's edit as a new revision, if based on the newest one.

    Once published, only a correction (with its reason) may be saved.
    """
    memo = memo_from_form(form, current_memo(event))
    # The first save is revision 1: opening the minutes wrote nothing.
    minutes = minutes_row(event)
    reason = None
    if minutes.published_revision is not None:
        if not isinstance(correction, str) or not correction.strip():
            raise DomainError("minutes_locked")
        reason = clean_idea_text(correction, MAX_REASON)
    try:
        check_base_revision(minutes.revision, base)
    except DomainError as error:
        if error.code == "summary_stale":
            raise StaleMinutes(minutes.revision, current_memo(event)) from error
        raise
    assert isinstance(base, int)
    if reason is not None:
        # Stored by store_revision's commit, or discarded with it when the save loses.
        audit.record(event.id, "correct", f"#{base + 1}")
    content = memo_to_content(memo)
    if base == 0:
        # The first save edits the draft the summary assembled: that is what was taken in.
        content = with_taken(content, memo_parts(assembled_memo(event)))
    try:
        return store_revision(event, minutes, base, content, author_id, reason)
    except (IntegrityError, LostRace):
        db.session.rollback()
        fresh = minutes_of(event)
        assert fresh is not None
        raise StaleMinutes(fresh.revision, current_memo(event)) from None


def publish(event: CafeEvent, author_id: int | None) -> Minutes:
    """Publish the newest revision: it gets a public page and joins the archive."""
    minutes = ensure_draft(event, author_id)
    if minutes.published_revision is not None:
        raise DomainError("already_published")
    minutes.published_revision = minutes.revision
    minutes.published_at = utcnow()
    audit.record(event.id, "publish", f"#{minutes.revision}")
    db.session.commit()
    return minutes


#: Most words an organizer may mark as not personal data in one event's minutes.
MAX_NOT_PERSONAL = 500


def not_personal(event: CafeEvent) -> tuple[str, ...]:
    """Words the screen lets pass in the event's document: the invited openers' names (they
    agreed to be named) and what the organizer marked as not personal data."""
    minutes = minutes_of(event)
    marked = minutes.not_personal if minutes is not None else []
    return tuple(dict.fromkeys([o.name for o in event.openers if o.name] + list(marked)))


def mark_not_personal(event: CafeEvent, words: object) -> Minutes:
    """Mark words the screen found as not personal data in these minutes (a place, an
    organisation, a word that only looks like a name)."""
    clean = clean_idea_text(words, 200)
    minutes = minutes_row(event)
    if clean not in minutes.not_personal:
        if len(minutes.not_personal) >= MAX_NOT_PERSONAL:
            raise DomainError("bad_request")
        # A new list, so that SQLAlchemy sees the JSON column change.
        minutes.not_personal = [*minutes.not_personal, clean]
        audit.record(event.id, "not_personal")
        db.session.commit()
    return minutes


@dataclass(frozen=True)
class HistoryEntry:
    """One saved revision, as the history lists it."""

    number: int
    saved: Any
    correction: str | None
    published: bool


def history(event: CafeEvent) -> list[HistoryEntry]:
    """Every revision, newest first; the published one flagged."""
    minutes = minutes_of(event)
    published = minutes.published_revision if minutes is not None else None
    rows = db.session.execute(
        select(MinutesRevision)
        .where(MinutesRevision.event_id == event.id)
        .order_by(MinutesRevision.number.desc())
    ).scalars()
    return [HistoryEntry(r.number, r.created_at, r.correction, r.number == published) for r in rows]


# --- the public archive ------------------------------------------------------------------


def published_minutes() -> list[tuple[CafeEvent, Minutes]]:
    """Published minutes, newest event first: the public archive."""
    rows = db.session.execute(
        select(CafeEvent, Minutes)
        .join(Minutes, Minutes.event_id == CafeEvent.id)
        .where(Minutes.published_revision.is_not(None))
        .order_by(CafeEvent.date.desc(), CafeEvent.id.desc())
    ).all()
    return [(event, minutes) for event, minutes in rows]


def public_minutes(event_id: int) -> tuple[CafeEvent, Minutes]:
    """A published event and its minutes; ``unknown_event`` for anything unpublished."""
    event = db.session.get(CafeEvent, event_id)
    minutes = db.session.get(Minutes, event_id) if event is not None else None
    if event is None or minutes is None or minutes.published_revision is None:
        raise DomainError("unknown_event")
    return event, minutes


def public_revision(event: CafeEvent, minutes: Minutes, number: object) -> Memo:
    """A revision the public may read: the published one or a later correction."""
    if (
        isinstance(number, bool)
        or not isinstance(number, int)
        or minutes.published_revision is None
        or not minutes.published_revision <= number <= minutes.revision
    ):
        raise DomainError("unknown_revision")
    return revision_memo(event, number)


# --- review by table hosts ---------------------------------------------------------------


def review_link(event: CafeEvent, author_id: int | None) -> str:
    """The secret of the review link (created on first use)."""
    minutes = ensure_draft(event, author_id)
    if minutes.review_token is None:
        minutes.review_token = secrets.token_urlsafe(24)
        db.session.commit()
    return minutes.review_token


def event_by_review_token(token: object) -> CafeEvent:
    """The event whose review link carries ``token``."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        raise DomainError("bad_review_token")
    minutes = db.session.execute(
        select(Minutes).where(Minutes.review_token == token)
    ).scalar_one_or_none()
    event = db.session.get(CafeEvent, minutes.event_id) if minutes is not None else None
    if event is None:
        raise DomainError("bad_review_token")
    return event


def _limiter(name: str) -> TokenBuckets:
    limiter: TokenBuckets = current_app.extensions[name]
    return limiter


def add_comment(
    event: CafeEvent,
    part: object,
    text: object,
    replacement: object = None,
    label: str = "",
) -> ReviewComment:
    """A correction suggested through the review link; anonymous. ``part`` is a key of
    :func:`~cafe.domain.minutes.review_parts` ("" for a general comment), ``label`` how the
    page named it; ``replacement`` the text proposed for the part instead (optional; then
    the comment itself may be empty)."""
    minutes = minutes_of(event)
    if minutes is not None and minutes.published_revision is not None:
        raise DomainError("minutes_locked")
    if not isinstance(part, str) or len(part) > 60:
        raise DomainError("bad_request")
    key = part.strip() or None
    if key is not None and key not in {p.key for p in review_parts(current_memo(event))}:
        raise DomainError("unknown_part")
    proposed = None
    if replacement is not None and not (isinstance(replacement, str) and not replacement.strip()):
        if key is None:
            raise DomainError("replacement_needs_part")
        proposed = form_field({"replacement": replacement}, "replacement", MAX_NOTES)
    if proposed and (text is None or (isinstance(text, str) and not text.strip())):
        clean = ""
    else:
        clean = clean_idea_text(text, MAX_COMMENT)
    if not _limiter("cafe_comment_limiter").allow(f"review:{event.id}"):
        raise DomainError("rate_limited")
    comment = ReviewComment(
        event_id=event.id,
        part=label[:200] if key else "",
        part_key=key,
        text=clean,
        replacement=proposed,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def comments(event: CafeEvent) -> list[ReviewComment]:
    """Review comments, open ones first, oldest first within each status."""
    rows = db.session.execute(
        select(ReviewComment).where(ReviewComment.event_id == event.id).order_by(ReviewComment.id)
    ).scalars()
    return sorted(rows, key=lambda c: c.status != "open")


def _comment(event: CafeEvent, comment_id: int) -> ReviewComment:
    comment = db.session.get(ReviewComment, comment_id)
    if comment is None or comment.event_id != event.id:
        raise DomainError("unknown_comment")
    return comment


def set_comment_status(
    event: CafeEvent, comment_id: int, status: object, author_id: int | None = None
) -> ReviewComment:
    """Accept or dismiss a review comment (or open it again). Accepting one that proposes
    text applies it: the part gets the text as a new revision naming the comment (a
    correction, once the minutes are published); dismissing keeps the text as it is."""
    if status not in COMMENT_STATUSES:
        raise DomainError("bad_request")
    comment = _comment(event, comment_id)
    if status == "accepted" and comment.replacement is not None and comment.status == "open":
        return _apply(event, comment, author_id)
    assert isinstance(status, str)
    comment.status = status
    db.session.commit()
    return comment


def _apply(event: CafeEvent, comment: ReviewComment, author_id: int | None) -> ReviewComment:
    """Put a comment's proposed text in place of its part, as a new revision."""
    assert comment.part_key is not None and comment.replacement is not None
    minutes = ensure_draft(event, author_id)
    memo = with_replacement(current_memo(event), comment.part_key, comment.replacement)
    note = _("Correction from review comment %(n)s", n=comment.id)
    base = minutes.revision
    comment.status = "accepted"
    comment.applied_revision = base + 1
    if minutes.published_revision is not None:
        audit.record(event.id, "correct", f"#{base + 1}")
    try:
        # store_revision commits the comment's new status with the revision, or neither.
        store_revision(event, minutes, base, memo_to_content(memo), author_id, str(note))
    except (IntegrityError, LostRace):
        db.session.rollback()
        fresh = minutes_of(event)
        raise StaleMinutes(fresh.revision if fresh else 0, current_memo(event)) from None
    log.info(
        "review comment applied: event %s, comment %s, revision %s", event.id, comment.id, base + 1
    )
    return comment


# --- topic tips --------------------------------------------------------------------------


def add_tip(event: CafeEvent, text: object, limiter_key: str) -> TopicTip:
    """A topic suggested for a next Cafe Social; ``limiter_key`` (a phone's device hash)
    only counts against the rate limit, it is never stored."""
    clean = clean_idea_text(text, MAX_TIP)
    if not _limiter("cafe_post_limiter").allow(limiter_key):
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


# --- logo --------------------------------------------------------------------------------


def set_logo(event: CafeEvent, data: bytes | None, author_id: int | None) -> Minutes:
    """Store the footer logo (PNG or JPEG, size-checked), or remove it with ``None``."""
    from cafe.domain.images import check_logo

    kind = check_logo(data) if data is not None else None
    minutes = minutes_row(event)
    minutes.logo = data
    minutes.logo_type = kind
    db.session.commit()
    return minutes
