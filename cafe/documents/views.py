"""Pages every document has, whatever its kind (the memo, the service-pilot report): the
editor with its live preview and exports, taking the live source in again part by part,
and restoring an old revision.

Each kind's editor lives at its own address (``/events/<id>/minutes``, ``…/report``:
:attr:`~cafe.documents.kinds.DocumentKind.path`), registered here once per kind for one
view; the kind's own fields and cards are a template fragment it names.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from cafe.auth.ownership import event_or_404
from cafe.documents import operations as ops
from cafe.documents.kinds import KINDS, MEMO, DocumentKind, kind_of
from cafe.documents.rendering import FORMATS, PdfUnavailable
from cafe.documents.revisions import StaleDocument, document_of, history
from cafe.domain.errors import DomainError
from cafe.domain.markup import render_document
from cafe.editing import attachment, field_message, form_base
from cafe.extensions import db
from cafe.messages import message_for
from cafe.models import CafeEvent
from cafe.moderation.screening import document_findings

bp = Blueprint("documents", __name__)
log = logging.getLogger(__name__)

#: The form field of a part's choice: ``choice:<part key>`` = ``take`` or ``keep``.
CHOICE = "choice:"


def editor_url(event: CafeEvent, **args: Any) -> str:
    """The address of the event's document editor (with ``args`` as its query)."""
    return url_for("documents.edit", event_id=event.id, address=kind_of(event).path, **args)


def _document_event(event_id: int, address: str) -> tuple[CafeEvent, DocumentKind]:
    """An event of the account's whose document's pages are at ``address``."""
    event = event_or_404(event_id)
    kind = kind_of(event)
    if kind.path != address:
        abort(404)
    return event, kind


def document_html(kind: DocumentKind, document: Any) -> str:
    """A document as sanitised HTML (the preview, a revision's page, the newer text)."""
    return render_document(kind.document_markdown(document))


def findings(event: CafeEvent, kind: DocumentKind, document: Any) -> list[dict[str, Any]]:
    """What the personal-data screen finds in the document's fields, less the openers'
    names and the words the organizer marked as not personal data."""
    return document_findings(kind.form_values(document), event.language, ops.not_personal(event))


def editor(
    event: CafeEvent,
    *,
    values: dict[str, Any] | None = None,
    base: int | None = None,
    error: str | None = None,
    newer: Any = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The editor page; on a refused save, the person's own text stays in the fields and
    ``newer`` (the newest document) is shown beside them."""
    kind = kind_of(event)
    document = kind.current(event)
    record = document_of(event)
    shown = values if values is not None else kind.form_values(document)
    return (
        render_template(
            "documents/edit.html",
            event=event,
            kind=kind,
            values=shown,
            base=base if base is not None else (record.revision if record else 0),
            record=record,
            preview=document_html(kind, document),
            # The saved text's findings: what publishing would let out.
            findings=findings(event, kind, document),
            error=error,
            newer_html=document_html(kind, newer) if newer is not None else None,
            history=history(event),
            formats=list(FORMATS),
            # What a kind may add: findings masked or allowed there (the memo's), a page
            # per version; and whatever its fragment shows.
            **(
                {"resolve_findings": None, "revision_endpoint": None}
                | kind.editor_values(event, document, shown)
            ),
        ),
        status,
    )


@login_required
def edit(event_id: int, address: str) -> ResponseReturnValue:
    """Edit the event's document part by part (Markdown, live preview); each save is a
    revision with the stale-save check."""
    event = event_or_404(event_id)
    if kind_of(event).path != address:
        if address == MEMO.path:
            # /minutes was every event's document address before workshops had reports.
            return redirect(editor_url(event))
        abort(404)
    if request.method == "GET":
        return editor(event)
    values = request.form.to_dict()
    try:
        ops.save(
            event,
            form_base(),
            values,
            author_id=current_user.id,
            correction=request.form.get("correction"),
        )
    except StaleDocument:
        db.session.rollback()
        return stale_save(event, values)
    except DomainError as error:
        db.session.rollback()
        return editor(event, values=values, error=field_message(error), status=400)
    return redirect(editor_url(event, saved=1))


@login_required
def preview(event_id: int, address: str) -> ResponseReturnValue:
    """The document as the form now reads, rendered and sanitised (the live preview), and
    what the personal-data screen finds in it."""
    event, kind = _document_event(event_id, address)
    try:
        document = kind.from_form(request.form.to_dict(), kind.current(event))
    except DomainError as error:
        return jsonify({"ok": False, "message": field_message(error)}), 400
    return jsonify(
        {
            "ok": True,
            "html": document_html(kind, document),
            "findings": findings(event, kind, document),
        }
    )


@login_required
def download(event_id: int, address: str, fmt: str) -> Response:
    """The document as it stands (the newest revision, else as the event assembles it):
    md, txt, html, pdf or docx."""
    event, kind = _document_event(event_id, address)
    if fmt not in FORMATS:
        abort(404)
    try:
        result = kind.export(event, fmt, kind.current(event))
    except PdfUnavailable:
        raise  # a part the server lacks: logged and answered by cafe/errors.py
    except Exception as error:
        # The error's type only: its message may quote the document's text.
        log.error("export of event %s as %s failed: %s", event.id, fmt, type(error).__name__)
        raise
    return attachment(result)


# One view per verb, at each kind's address (a new kind gets its pages by registering).
for _kind in KINDS.values():
    _at = f"/events/<int:event_id>/{_kind.path}"
    _where = {"address": _kind.path}
    bp.add_url_rule(_at, "edit", edit, methods=["GET", "POST"], defaults=_where)
    bp.add_url_rule(f"{_at}/preview", "preview", preview, methods=["POST"], defaults=_where)
    bp.add_url_rule(f"{_at}/export/<fmt>", "download", download, defaults=_where)


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
            editor=editor_url(event),
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
    try:
        if request.method == "GET":
            return _refresh_page(event)
        take = [
            key.removeprefix(CHOICE)
            for key, value in request.form.items()
            if key.startswith(CHOICE) and value == "take"
        ]
        ops.refresh(event, form_base(), take, current_user.id)
    except StaleDocument as stale:
        db.session.rollback()
        return _refresh_page(event, error=message_for(stale), status=409)
    except DomainError as error:
        db.session.rollback()
        if error.code == "minutes_locked":
            return redirect(editor_url(event))
        return _refresh_page(event, error=field_message(error), status=400)
    return redirect(editor_url(event, refreshed=1))


@bp.route("/events/<int:event_id>/document/revisions/<int:number>/restore", methods=["POST"])
@login_required
def restore(event_id: int, number: int) -> ResponseReturnValue:
    """Make an old revision's text the newest again (a new revision; nothing is lost)."""
    event = event_or_404(event_id)
    try:
        ops.restore(event, number, form_base(), current_user.id)
    except DomainError as error:
        db.session.rollback()
        if error.code == "unknown_revision":
            abort(404)
        return redirect(editor_url(event, problem=error.code))
    return redirect(editor_url(event, restored=number))


def stale_save(event: CafeEvent, values: dict[str, Any]) -> ResponseReturnValue:
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
            author_id=current_user.id,
            correction=request.form.get("correction"),
        )
    except StaleDocument as stale:
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
    if merged.saved is not None:
        return redirect(editor_url(event, saved=1, merged=1))
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
