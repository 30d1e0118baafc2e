"""Verbs of the memo beyond what every document has (``cafe.documents``): its draft,
publishing, review by table hosts, the words marked as not personal data, the footer logo and
the public archive (topic tips are :mod:`cafe.tips`).

A draft is assembled from the event and its shared summary the first time the organizer
opens the minutes; its saves are the document's revisions (:mod:`cafe.documents.revisions`).
Publishing locks the text: a later save must be an explicit correction, and the published
text stays visible in the history.
"""

from __future__ import annotations

import logging
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cafe import audit
from cafe.documents.revisions import (
    LostRace,
    StaleDocument,
    document_of,
    document_row,
    newest_content,
    revision_content,
    store_revision,
    theirs,
    with_taken,
)
from cafe.domain.errors import DomainError
from cafe.domain.minutes import (
    MAX_NOTES,
    Memo,
    form_field,
    memo_from_content,
    memo_parts,
    memo_to_content,
    review_parts,
    with_replacement,
)
from cafe.domain.text import clean_idea_text
from cafe.extensions import db
from cafe.minutes.export import assembled_memo
from cafe.models import (
    CafeEvent,
    Document,
    ReviewComment,
    utcnow,
)
from cafe.ratelimit import TokenBuckets

log = logging.getLogger(__name__)

#: Longest review comment.
MAX_COMMENT = 2_000
COMMENT_STATUSES = ("open", "accepted", "dismissed")


def current_memo(event: CafeEvent) -> Memo:
    """The newest saved memo, or the one the event assembles while there is no draft."""
    content = newest_content(event)
    return memo_from_content(content) if content is not None else assembled_memo(event)


def revision_memo(event: CafeEvent, number: int) -> Memo:
    """The memo of revision ``number``."""
    return memo_from_content(revision_content(event, number))


def ensure_draft(event: CafeEvent, author_id: int | None) -> Document:
    """Open the minutes: the first time, revision 1 is assembled from the event."""
    document = document_row(event)
    if document.revision > 0:
        return document
    try:
        draft = assembled_memo(event)
        content = with_taken(memo_to_content(draft), memo_parts(draft))
        store_revision(event, document, base=0, content=content, author_id=author_id)
    except (IntegrityError, LostRace):
        # Another organizer opened it at the same moment: theirs is the draft.
        return theirs(event)
    return document


def publish(event: CafeEvent, author_id: int | None) -> Document:
    """Publish the newest revision: it gets a public page and joins the archive."""
    document = ensure_draft(event, author_id)
    if document.published_revision is not None:
        raise DomainError("already_published")
    document.published_revision = document.revision
    document.published_at = utcnow()
    audit.record(event.id, "publish", f"#{document.revision}")
    db.session.commit()
    return document


#: Most words an organizer may mark as not personal data in one event's minutes.
MAX_NOT_PERSONAL = 500


def mark_not_personal(event: CafeEvent, words: object) -> Document:
    """Mark words the screen found as not personal data in these minutes (a place, an
    organisation, a word that only looks like a name)."""
    clean = clean_idea_text(words, 200)
    document = document_row(event)
    if clean not in document.not_personal:
        if len(document.not_personal) >= MAX_NOT_PERSONAL:
            raise DomainError("bad_request")
        # A new list, so that SQLAlchemy sees the JSON column change.
        document.not_personal = [*document.not_personal, clean]
        audit.record(event.id, "not_personal")
        db.session.commit()
    return document


# --- the public archive ------------------------------------------------------------------


def published_minutes() -> list[tuple[CafeEvent, Document]]:
    """Published minutes, newest event first: the public archive."""
    rows = db.session.execute(
        select(CafeEvent, Document)
        .join(Document, Document.event_id == CafeEvent.id)
        .where(Document.published_revision.is_not(None))
        .order_by(CafeEvent.date.desc(), CafeEvent.id.desc())
    ).all()
    return [(event, minutes) for event, minutes in rows]


def public_minutes(event_id: int) -> tuple[CafeEvent, Document]:
    """A published event and its minutes; ``unknown_event`` for anything unpublished."""
    event = db.session.get(CafeEvent, event_id)
    minutes = db.session.get(Document, event_id) if event is not None else None
    if event is None or minutes is None or minutes.published_revision is None:
        raise DomainError("unknown_event")
    return event, minutes


def public_revision(event: CafeEvent, minutes: Document, number: object) -> Memo:
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
        select(Document).where(Document.review_token == token)
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
    *,
    replacement: object = None,
    label: str = "",
) -> ReviewComment:
    """A correction suggested through the review link; anonymous. ``part`` is a key of
    :func:`~cafe.domain.minutes.review_parts` ("" for a general comment), ``label`` how the
    page named it; ``replacement`` the text proposed for the part instead (optional; then
    the comment itself may be empty)."""
    minutes = document_of(event)
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
    if not isinstance(status, str) or status not in COMMENT_STATUSES:
        raise DomainError("bad_request")
    comment = _comment(event, comment_id)
    if status == "accepted" and comment.replacement is not None and comment.status == "open":
        return _apply(event, comment, author_id)
    comment.status = status
    db.session.commit()
    return comment


def _apply(event: CafeEvent, comment: ReviewComment, author_id: int | None) -> ReviewComment:
    """Put a comment's proposed text in place of its part, as a new revision."""
    part, text = comment.part_key, comment.replacement
    if part is None or text is None:
        # add_comment stores a proposed text only with its part: this one proposes none.
        raise DomainError("bad_request")
    minutes = ensure_draft(event, author_id)
    memo = with_replacement(current_memo(event), part, text)
    note = _("Correction from review comment %(n)s", n=comment.id)
    base = minutes.revision
    comment.status = "accepted"
    comment.applied_revision = base + 1
    if minutes.published_revision is not None:
        audit.record(event.id, "correct", f"#{base + 1}")
    try:
        # store_revision commits the comment's new status with the revision, or neither.
        store_revision(
            event,
            minutes,
            base=base,
            content=memo_to_content(memo),
            author_id=author_id,
            correction=str(note),
        )
    except (IntegrityError, LostRace):
        db.session.rollback()
        fresh = document_of(event)
        raise StaleDocument(fresh.revision if fresh else 0, current_memo(event)) from None
    log.info(
        "review comment applied: event %s, comment %s, revision %s", event.id, comment.id, base + 1
    )
    return comment


# --- logo --------------------------------------------------------------------------------


def set_logo(event: CafeEvent, data: bytes | None, author_id: int | None) -> Document:
    """Store the footer logo (PNG or JPEG, size-checked), or remove it with ``None``."""
    from cafe.domain.images import check_logo

    kind = check_logo(data) if data is not None else None
    minutes = document_row(event)
    minutes.logo = data
    minutes.logo_type = kind
    db.session.commit()
    return minutes
