"""The revisions of an event's document, whatever its kind (the memo, the service-pilot
report): the document's row, its append-only revisions with the stale-save check, what
the live source gave when last taken in, and the history.

A save names the revision it was based on; :func:`store_revision` writes the next one
only if that is still the newest, with one conditional UPDATE, so that two organizers
never silently overwrite each other. The content of a revision is the kind's JSON; this
module never looks inside it but for :data:`TAKEN`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cafe.domain.errors import DomainError
from cafe.extensions import db
from cafe.models import CafeEvent, Document, DocumentRevision

#: Key, in a revision's content, of the live source's parts as last taken in.
TAKEN = "taken"


def with_taken(content: dict[str, Any], parts: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """``content`` with ``parts`` recorded as what the live source gave when taken in."""
    return {**content, TAKEN: {key: list(text) for key, text in parts.items()}}


class LostRace(Exception):
    """Another save on the same base revision got there first."""


class StaleDocument(DomainError):
    """A change based on an old revision; carries the newest document."""

    def __init__(self, revision: int, document: Any) -> None:
        super().__init__("summary_stale", {"revision": revision})
        self.document = document


def document_of(event: CafeEvent) -> Document | None:
    """The event's document row, if a draft was ever opened or saved."""
    return db.session.get(Document, event.id)


def document_row(event: CafeEvent) -> Document:
    """The event's document row, added (with no revision yet) when missing; if another
    request adds it at the same moment, theirs is used."""
    document = document_of(event)
    if document is not None:
        return document
    document = Document(event_id=event.id, revision=0)
    db.session.add(document)
    try:
        db.session.flush()
    except IntegrityError:
        return theirs(event)
    return document


def theirs(event: CafeEvent) -> Document:
    """After losing a race to another request writing the event's document: its row as
    the other request left it (this session's own change rolled back)."""
    db.session.rollback()
    found = document_of(event)
    if found is None:
        # The other writer's row is gone too: the event was deleted meanwhile.
        raise DomainError("unknown_event") from None
    return found


def newest(event: CafeEvent) -> int:
    """The newest revision's number; 0 while nothing is saved."""
    document = document_of(event)
    return document.revision if document is not None else 0


def _revision(event: CafeEvent, number: int) -> DocumentRevision:
    found = db.session.execute(
        select(DocumentRevision).where(
            DocumentRevision.event_id == event.id, DocumentRevision.number == number
        )
    ).scalar_one_or_none()
    if found is None:
        raise DomainError("unknown_revision")
    return found


def revision_content(event: CafeEvent, number: int) -> dict[str, Any]:
    """The stored content (JSON) of revision ``number`` of the event's document."""
    return _revision(event, number).content


def newest_content(event: CafeEvent) -> dict[str, Any] | None:
    """The newest revision's content; None while nothing is saved (the document is then
    the one its kind assembles from the event)."""
    number = newest(event)
    return revision_content(event, number) if number > 0 else None


def store_revision(
    event: CafeEvent,
    document: Document,
    *,
    base: int,
    content: dict[str, Any],
    author_id: int | None,
    correction: str | None = None,
) -> DocumentRevision:
    """Write revision ``base + 1`` of the event's document if the newest is still
    ``base``: one conditional UPDATE and a unique number, so a second writer on the same
    base always loses (``LostRace``). Commits."""
    number = base + 1
    if TAKEN not in content and base > 0:
        # What the live source gave when last taken in stays with the document, whatever
        # the organizer saves, until the next take-in replaces it (cafe.domain.merge).
        taken = _revision(event, base).content.get(TAKEN)
        if taken is not None:
            content = {**content, TAKEN: taken}
    won = db.session.execute(
        update(Document)
        .where(Document.event_id == event.id, Document.revision == base)
        .values(revision=number)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise LostRace
    revision = DocumentRevision(
        event_id=event.id,
        number=number,
        content=content,
        correction=correction,
        author_id=author_id,
    )
    db.session.add(revision)
    db.session.commit()
    db.session.refresh(document)
    return revision


@dataclass(frozen=True)
class HistoryEntry:
    """One saved revision, as the history lists it."""

    number: int
    saved: Any
    correction: str | None
    published: bool


def history(event: CafeEvent) -> list[HistoryEntry]:
    """Every revision, newest first; the published one flagged."""
    document = document_of(event)
    published = document.published_revision if document is not None else None
    rows = db.session.execute(
        select(DocumentRevision)
        .where(DocumentRevision.event_id == event.id)
        .order_by(DocumentRevision.number.desc())
    ).scalars()
    return [HistoryEntry(r.number, r.created_at, r.correction, r.number == published) for r in rows]
