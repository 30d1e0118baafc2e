"""Verbs every document has, whatever its kind: take the live source in again part by part,
and restore an old revision. Validate, write (a new revision, with the stale-save check),
commit, log one line."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from cafe.documents.kinds import DocumentKind, kind_of
from cafe.domain import merge
from cafe.domain.errors import DomainError
from cafe.domain.summary import check_base_revision
from cafe.extensions import db
from cafe.minutes.operations import (
    TAKEN,
    LostRace,
    minutes_of,
    minutes_row,
    revision_content,
    store_revision,
    with_taken,
)
from cafe.models import CafeEvent

log = logging.getLogger(__name__)


class StaleDocument(DomainError):
    """A change based on an old revision; carries the newest document."""

    def __init__(self, revision: int, document: Any) -> None:
        super().__init__("summary_stale", {"revision": revision})
        self.document = document


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


def _newest(event: CafeEvent) -> int:
    minutes = minutes_of(event)
    return minutes.revision if minutes is not None else 0


def _taken(event: CafeEvent, kind: DocumentKind, live: Any) -> dict[str, merge.Text]:
    """The live source's parts as last taken in: stored with the newest revision; while
    nothing is saved the draft is the live source itself."""
    number = _newest(event)
    if number == 0:
        return kind.parts(live, live)
    stored = revision_content(event, number).get(TAKEN) or {}
    return {key: tuple(text) for key, text in stored.items()}


def _check_open(event: CafeEvent) -> None:
    minutes = minutes_of(event)
    if minutes is not None and minutes.published_revision is not None:
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
    return Refresh(kind, _newest(event), changes, mine, new, live)


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
    stored = _store(event, kind, preview.base, content, author_id)
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
    newest = _newest(event)
    _check_base(event, kind, newest, base)
    stored = _store(event, kind, newest, content, author_id)
    log.info("document revision restored: event %s, #%s as #%s", event.id, number, stored)
    return stored


def _check_base(event: CafeEvent, kind: DocumentKind, newest: int, base: object) -> None:
    try:
        check_base_revision(newest, base)
    except DomainError as error:
        if error.code == "summary_stale":
            raise StaleDocument(newest, kind.current(event)) from error
        raise


def _store(
    event: CafeEvent, kind: DocumentKind, base: int, content: dict[str, Any], author_id: int | None
) -> int:
    minutes = minutes_row(event)
    try:
        return store_revision(event, minutes, base, content, author_id, None).number
    except (IntegrityError, LostRace):
        db.session.rollback()
        raise StaleDocument(_newest(event), kind.current(event)) from None


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
    author_id: int | None,
    correction: object = None,
) -> Merged:
    """Merge a save made on revision ``base`` with the revisions saved since, field by
    field: what only one side changed is kept, and when no field was changed by both the
    result is stored at once as a new revision; otherwise nothing is stored and the
    conflicting fields are named. Raises ``DomainError`` when the merged text is invalid,
    :class:`StaleDocument` when yet another save got in first."""
    kind = kind_of(event)
    newest = _newest(event)
    current = kind.current(event)
    if 0 < base <= newest:
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
        return Merged(None, conflicts, values, newest, current)
    stored = kind.save(event, newest, dict(values), author_id, correction)
    log.info("stale save merged: event %s, on #%s as #%s", event.id, base, stored.number)
    return Merged(stored.number, [], values, newest, current)
