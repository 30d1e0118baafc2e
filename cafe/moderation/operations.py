"""Verbs of the review queue: hold, approve, mask; the pre-moderation switch.

A post the personal-data screen flags is *held*: stored and acknowledged to its writer,
sent to nobody else. Its writer may rewrite it (screened again) or send it to the
facilitators as it is; with pre-moderation on, every post waits for a facilitator. A
facilitator approves it as written, masks what the screen found, or hides it. The writer
is never named to anyone.
"""

from __future__ import annotations

from typing import Any

from cafe import audit, broadcast
from cafe.domain.errors import DomainError
from cafe.domain.privacy import Finding, mask
from cafe.extensions import db
from cafe.lookups import find_post
from cafe.models import CafeEvent, Post, utcnow
from cafe.moderation.screening import findings_in

#: ``Post.review`` while the writer may still rewrite what the screen flagged.
FLAGGED = "flagged"
#: ``Post.review`` while it waits for a facilitator.
QUEUED = "queued"


def screened(text: str, language: str) -> list[dict[str, Any]] | None:
    """What the screen finds in a post's text, as stored on the post (None when clean)."""
    return findings_in(text, language) or None


def review_for(findings: list[dict[str, Any]] | None, premoderation: bool) -> str | None:
    """The review state of a text just written: flagged when the screen found something,
    queued under pre-moderation, else None (public at once)."""
    if findings:
        return FLAGGED
    return QUEUED if premoderation else None


def stored_findings(post: Post) -> list[Finding]:
    """The post's findings as domain values."""
    return [Finding(f["kind"], int(f["start"]), int(f["end"])) for f in post.findings or []]


def kinds_of(findings: list[dict[str, Any]] | None) -> str:
    """The kinds found, for the audit trail (never the words themselves)."""
    return ", ".join(dict.fromkeys(str(f["kind"]) for f in findings or []))


def record_hold(post: Post, table_name: str) -> None:
    """Put the screen's hold of a post in the audit trail (an automatic action)."""
    audit.record(post.event_id, "hold", f"{table_name}: {kinds_of(post.findings)}", automatic=True)


def _held(event: CafeEvent, client_id: object) -> Post:
    post = find_post(event, client_id)
    if post.deleted:
        raise DomainError("post_gone")
    if not post.held:
        raise DomainError("not_held")
    return post


def _table_name(event: CafeEvent, table_id: int) -> str:
    for table in event.tables:
        if table.id == table_id:
            return table.name
    return "?"


def approve_post(event: CafeEvent, client_id: object) -> Post:
    """Let a held post out as it is written: its table, the board and the summary get it."""
    post = _held(event, client_id)
    was_core = post.is_core
    post.review = None
    post.findings = None
    audit.record(event.id, "approve", _table_name(event, post.table_id))
    db.session.commit()
    broadcast.post_changed(post, was_core=was_core, was_visible=False, was_held=True)
    return post


def mask_post(event: CafeEvent, client_id: object) -> Post:
    """Replace each span the screen found with a placeholder ("[nimi]") and let the post
    out; the original words are not kept anywhere."""
    post = _held(event, client_id)
    if not post.findings:
        raise DomainError("nothing_to_mask")
    kinds = kinds_of(post.findings)
    post.text = mask(post.text, stored_findings(post), event.language)
    post.review = None
    post.findings = None
    post.updated_at = utcnow()
    audit.record(event.id, "mask", f"{_table_name(event, post.table_id)}: {kinds}")
    db.session.commit()
    broadcast.post_changed(post, was_core=post.is_core, was_visible=False, was_held=True)
    return post


def set_premoderation(event: CafeEvent, on: object) -> CafeEvent:
    """Switch pre-moderation: while on, every new or edited post waits for a facilitator.
    Posts already waiting stay in the queue when it is switched off."""
    if not isinstance(on, bool):
        raise DomainError("bad_request")
    if event.premoderation != on:
        event.premoderation = on
        audit.record(event.id, "premoderation_on" if on else "premoderation_off")
        db.session.commit()
        broadcast.premoderation_changed(event)
    return event
