"""Pages every document has, whatever its kind (the memo, the service-pilot report): taking
the live source in again part by part, and restoring an old revision."""

from __future__ import annotations

from typing import Any, Protocol

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from cafe.auth.ownership import event_or_404
from cafe.documents import operations as ops
from cafe.documents.kinds import kind_of
from cafe.domain.errors import DomainError
from cafe.domain.markup import render_document
from cafe.editing import field_message, form_base
from cafe.extensions import db
from cafe.messages import message_for
from cafe.models import CafeEvent

bp = Blueprint("documents", __name__)

#: The form field of a part's choice: ``choice:<part key>`` = ``take`` or ``keep``.
CHOICE = "choice:"


def _refresh_page(
    event: CafeEvent, *, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    """The changes the live source would make, each part with both texts and a choice."""
    preview = ops.refresh_preview(event)
    kind = preview.kind
    shown = [
        {
            "key": change.key,
            "label": kind.label(change.key, change.mine or change.new or ("",)),
            "mine": render_document(kind.markdown(change.key, change.mine))
            if change.mine is not None
            else None,
            "new": render_document(kind.markdown(change.key, change.new))
            if change.new is not None
            else None,
            "edited": change.edited,
            "take": change.proposed,
        }
        for change in preview.changes
    ]
    return (
        render_template(
            "documents/refresh.html",
            event=event,
            editor=url_for(kind.editor, event_id=event.id),
            heading=kind.refresh_title(),
            base=preview.base,
            changes=shown,
            choice=CHOICE,
            error=error,
        ),
        status,
    )


@bp.route("/events/<int:event_id>/document/refresh", methods=["GET", "POST"])
@login_required
def refresh(event_id: int) -> ResponseReturnValue:
    """Take the live source (the shared summary, the workshop's sections) in again: the
    page shows, part by part, what would change; the organizer's choice per part is
    applied as a new revision, and every part not chosen keeps the document's text."""
    event = event_or_404(event_id)
    kind = kind_of(event)
    try:
        if request.method == "GET":
            return _refresh_page(event)
        take = [
            key.removeprefix(CHOICE)
            for key, value in request.form.items()
            if key.startswith(CHOICE) and value == "take"
        ]
        ops.refresh(event, form_base(), take, current_user.id)
    except ops.StaleDocument as stale:
        db.session.rollback()
        return _refresh_page(event, error=message_for(stale), status=409)
    except DomainError as error:
        db.session.rollback()
        if error.code == "minutes_locked":
            return redirect(url_for(kind.editor, event_id=event.id))
        return _refresh_page(event, error=field_message(error), status=400)
    return redirect(url_for(kind.editor, event_id=event.id, refreshed=1))


@bp.route("/events/<int:event_id>/document/revisions/<int:number>/restore", methods=["POST"])
@login_required
def restore(event_id: int, number: int) -> ResponseReturnValue:
    """Make an old revision's text the newest again (a new revision; nothing is lost)."""
    event = event_or_404(event_id)
    kind = kind_of(event)
    try:
        ops.restore(event, number, form_base(), current_user.id)
    except DomainError as error:
        db.session.rollback()
        if error.code == "unknown_revision":
            abort(404)
        return redirect(url_for(kind.editor, event_id=event.id, problem=error.code))
    return redirect(url_for(kind.editor, event_id=event.id, restored=number))


class Editor(Protocol):
    """An editor page's renderer (``cafe.minutes.views._editor``, the report's)."""

    def __call__(
        self,
        event: CafeEvent,
        *,
        values: dict[str, Any] | None = None,
        base: int | None = None,
        error: str | None = None,
        newer: Any = None,
        status: int = 200,
    ) -> ResponseReturnValue: ...


def stale_save(event: CafeEvent, values: dict[str, Any], editor: Editor) -> ResponseReturnValue:
    """Answer a save made on an old revision: merged field by field with what was saved
    since and stored when no field was changed on both sides (back to the editor, saying
    so); else the editor again with the merged text, the conflicting parts named and the
    newer text beside the form (409)."""
    base = form_base()
    try:
        merged = ops.merge_stale(
            event,
            base if isinstance(base, int) else 0,
            values,
            current_user.id,
            request.form.get("correction"),
        )
    except ops.StaleDocument as stale:
        db.session.rollback()
        return editor(
            event,
            values=values,
            base=stale.params["revision"],
            error=message_for(stale),
            newer=stale.document,
            status=409,
        )
    except DomainError as error:
        db.session.rollback()
        return editor(event, values=values, error=field_message(error), status=400)
    kind = kind_of(event)
    if merged.saved is not None:
        return redirect(url_for(kind.editor, event_id=event.id, saved=1, merged=1))
    conflict = DomainError(
        "save_conflict", {"parts": ", ".join(label for _, label in merged.conflicts)}
    )
    return editor(
        event,
        values=merged.values,
        base=merged.newest,
        error=message_for(conflict),
        newer=merged.document,
        status=409,
    )
