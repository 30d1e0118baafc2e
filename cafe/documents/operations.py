"""Verbs every document has, whatever its kind: save the organizer's edit, merge a stale
save with what was saved since, take the live source in again part by part, restore an
old revision; and the words the personal-data screen lets pass. Validate, write (a new
revision, with the stale-save check: :mod:`cafe.documents.revisions`), commit, log one
line."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from cafe import audit
from cafe.documents.kinds import DocumentKind, kind_of
from cafe.documents.revisions import (
    TAKEN,
    LostRace,
    StaleDocument,
    document_of,
    document_row,
    newest,
    revision_content,
    store_revision,
    with_taken,
)
from cafe.domain import merge
from cafe.domain.errors import DomainError
from cafe.domain.summary import check_base_revision
from cafe.domain.text import clean_idea_text
from cafe.extensions import db
from cafe.models import CafeEvent, DocumentRevision

log = logging.getLogger(__name__)

#: Longest correction reason.
MAX_REASON = 500


def save(
    event: CafeEvent,
    base: object,
    form: Mapping[str, object],
    *,
    author_id: int | None,
    correction: object = None,
) -> DocumentRevision:
    """Store the organizer's edit (the editor's form) as a new revision, if based on the
    newest one; else :class:`StaleDocument`.

    Once published, only a correction (with its reason) may be saved.
    """
    kind = kind_of(event)
    document = kind.from_form(form, kind.current(event))
    # The first save is revision 1: opening the editor wrote nothing.
    row = document_row(event)
    reason = None
    if row.published_revision is not None:
        if not isinstance(correction, str) or not correction.strip():
            raise DomainError("minutes_locked")
        reason = clean_idea_text(correction, MAX_REASON)
    number = _check_base(event, kind, row.revision, base)
    base = number - 1  # the client's value, now known to be a revision number
    if reason is not None:
        # Stored by store_revision's commit, or discarded with it when the save loses.
        audit.record(event.id, "correct", f"#{number}")
    content = kind.to_content(document)
    if base == 0:
        # The first save edits the draft the live source assembled: that was taken in.
        live = kind.live(event)
        content = with_taken(content, kind.parts(live, live))
    try:
        return store_revision(
            event, row, base=base, content=content, author_id=author_id, correction=reason
        )
    except (IntegrityError, LostRace):
        db.session.rollback()
        raise StaleDocument(newest(event), kind.current(event)) from None


@dataclass(frozen=True)
class Refresh:
    """What taking the live source in again would change, part by part."""

    kind: DocumentKind
    #: The revision the choices were made on (0: the assembled draft).
    base: int
    changes: list[merge.Change]
    mine: dict[str, merge.Text]
    new: dict[str, merge.Text]
    live: Any


def _taken(event: CafeEvent, kind: DocumentKind, live: Any) -> dict[str, merge.Text]:
    """The live source's parts as last taken in: stored with the newest revision; while
    nothing is saved the draft is the live source itself."""
    number = newest(event)
    if number == 0:
        return kind.parts(live, live)
    stored = revision_content(event, number).get(TAKEN) or {}
    return {key: tuple(text) for key, text in stored.items()}


def _check_open(event: CafeEvent) -> None:
    row = document_of(event)
    if row is not None and row.published_revision is not None:
        raise DomainError("minutes_locked")


def refresh_preview(event: CafeEvent) -> Refresh:
    """The parts the live source would change, each with both texts and whether the
    organizer edited it since it was last taken in. Writes nothing."""
    _check_open(event)
    kind = kind_of(event)
    live = kind.live(event)
    mine = kind.parts(kind.current(event), live)
    new = kind.parts(live, live)
    changes = merge.changes(mine, new, _taken(event, kind, live))
    return Refresh(kind, newest(event), changes, mine, new, live)


def refresh(
    event: CafeEvent, base: object, take: Collection[str], author_id: int | None
) -> int | None:
    """Take the live source in again: the parts in ``take`` get the source's text, every
    other part keeps the document's. A new revision (returned) records the source as
    taken in, so a part the organizer declined counts as edited next time; None when
    nothing would change. ``base`` must be the newest revision (the one the choices were
    shown on), else :class:`StaleDocument`."""
    preview = refresh_preview(event)
    kind = preview.kind
    _check_base(event, kind, preview.base, base)
    if not preview.changes:
        return None
    offered = {change.key for change in preview.changes}
    unknown = set(take) - offered
    if unknown:
        raise DomainError("bad_request")
    parts = merge.apply(preview.mine, preview.new, take)
    document = kind.with_parts(kind.current(event), parts)
    content = with_taken(kind.to_content(document), preview.new)
    stored = _store(event, kind, base=preview.base, content=content, author_id=author_id)
    log.info("document taken in again: event %s, %s of %s parts", event.id, len(take), len(offered))
    return stored


def restore(event: CafeEvent, number: object, base: object, author_id: int | None) -> int:
    """Store revision ``number``'s text again as the newest revision (the history keeps
    everything in between)."""
    _check_open(event)
    kind = kind_of(event)
    if isinstance(number, bool) or not isinstance(number, int):
        raise DomainError("unknown_revision")
    content = dict(revision_content(event, number))
    # What was taken in stays the newest take-in: a restored text counts as the
    # organizer's own when the source is taken in again.
    content.pop(TAKEN, None)
    latest = newest(event)
    _check_base(event, kind, latest, base)
    stored = _store(event, kind, base=latest, content=content, author_id=author_id)
    log.info("document revision restored: event %s, #%s as #%s", event.id, number, stored)
    return stored


def _check_base(event: CafeEvent, kind: DocumentKind, latest: int, base: object) -> int:
    """The revision a change on ``base`` creates; :class:`StaleDocument` (with the newest
    document) when ``base`` is not the newest revision."""
    try:
        return check_base_revision(latest, base)
    except DomainError as error:
        if error.code == "summary_stale":
            raise StaleDocument(latest, kind.current(event)) from error
        raise


def _store(
    event: CafeEvent,
    kind: DocumentKind,
    *,
    base: int,
    content: dict[str, Any],
    author_id: int | None,
) -> int:
    try:
        stored = store_revision(
            event, document_row(event), base=base, content=content, author_id=author_id
        )
        return stored.number
    except (IntegrityError, LostRace):
        db.session.rollback()
        raise StaleDocument(newest(event), kind.current(event)) from None


@dataclass(frozen=True)
class Merged:
    """A stale save merged with what was saved meanwhile."""

    #: The revision stored, or None when some field conflicts (nothing stored then).
    saved: int | None
    #: The fields both sides changed, as (key, label), in the editor's order.
    conflicts: list[tuple[str, str]]
    #: The editor's fields, merged (a conflicting field keeps the person's own text), laid
    #: out for the newest revision.
    values: dict[str, str]
    #: The newest revision's number and document.
    newest: int
    document: Any


def merge_stale(
    event: CafeEvent,
    base: int,
    form: Mapping[str, object],
    *,
    author_id: int | None,
    correction: object = None,
) -> Merged:
    """Merge a save made on revision ``base`` with the revisions saved since, field by
    field: what only one side changed is kept, and when no field was changed by both the
    result is stored at once as a new revision; otherwise nothing is stored and the
    conflicting fields are named. Raises ``DomainError`` when the merged text is invalid,
    :class:`StaleDocument` when yet another save got in first."""
    kind = kind_of(event)
    latest = newest(event)
    current = kind.current(event)
    if 0 < base <= latest:
        started = kind.from_content(revision_content(event, base))
    else:
        # Nothing was saved when the editor opened: it started from the assembled draft.
        started = kind.live(event)
    mine = kind.fields(form, started)
    theirs = kind.fields(kind.form_values(current), current)
    old = kind.fields(kind.form_values(started), started)
    fields, clashing = merge.three_way(old, mine, theirs)
    merged = kind.from_fields(fields, current)
    values = kind.form_values(merged)
    conflicts = [(key, kind.field_label(key, merged)) for key in clashing]
    if conflicts:
        return Merged(None, conflicts, values, latest, current)
    stored = save(event, latest, values, author_id=author_id, correction=correction)
    log.info("stale save merged: event %s, on #%s as #%s", event.id, base, stored.number)
    return Merged(stored.number, [], values, latest, current)


def not_personal(event: CafeEvent) -> tuple[str, ...]:
    """Words the screen lets pass in the event's document: the invited openers' names (they
    agreed to be named) and what the organizer marked as not personal data."""
    row = document_of(event)
    marked = row.not_personal if row is not None else []
    return tuple(dict.fromkeys([o.name for o in event.openers if o.name] + list(marked)))
