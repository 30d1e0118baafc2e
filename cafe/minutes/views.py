"""Minutes pages: the organizer's editor, the review link for table hosts, and the public
archive of published minutes."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cafe.auth.ownership import managed_event
from cafe.documents.kinds import MEMO, kind_of
from cafe.documents.views import stale_save
from cafe.domain.errors import DomainError
from cafe.domain.markup import render_document
from cafe.domain.minutes import (
    Memo,
    memo_form_values,
    memo_from_form,
    memo_markdown,
    review_parts,
    review_texts,
)
from cafe.editing import attachment, field_message, form_base
from cafe.extensions import db
from cafe.messages import message_for
from cafe.minutes import operations as ops
from cafe.minutes.export import FORMATS, export
from cafe.models import CafeEvent
from cafe.moderation.screening import document_findings, mask_span

bp = Blueprint("minutes", __name__)


def _event_or_404(event_id: int) -> CafeEvent:
    """An event of the account's whose document is a memo (a workshop's is its report:
    ``cafe.reports``)."""
    event = managed_event(event_id)
    if event is None or kind_of(event) is not MEMO:
        abort(404)
    return event


def memo_html(memo: Memo) -> str:
    """The memo as sanitised HTML, for the preview and the public page."""
    return render_document(memo_markdown(memo))


def _form_values(memo: Memo) -> dict[str, Any]:
    """The editor's field values for ``memo`` (the inverse of ``memo_from_form``)."""
    return dict(memo_form_values(memo))


def _editor(
    event: CafeEvent,
    *,
    values: dict[str, Any] | None = None,
    base: int | None = None,
    error: str | None = None,
    newer: Memo | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The editor page; on a refused save, the person's own text stays in the fields."""
    memo = ops.current_memo(event)
    minutes = ops.minutes_of(event)
    shown = values if values is not None else _form_values(memo)
    return (
        render_template(
            "minutes/edit.html",
            event=event,
            memo=memo,
            values=shown,
            # The saved text's findings: what publishing would let out.
            findings=_findings(event, _form_values(memo)),
            base=base if base is not None else (minutes.revision if minutes else 0),
            minutes=minutes,
            preview=memo_html(memo),
            error=error,
            newer=newer,
            newer_html=memo_html(newer) if newer is not None else None,
            history=ops.history(event),
            comments=ops.comments(event),
            formats=list(FORMATS),
        ),
        status,
    )


@bp.route("/events/<int:event_id>/minutes", methods=["GET", "POST"])
@login_required
def edit(event_id: int) -> ResponseReturnValue:
    """Edit the memo part by part (Markdown, live preview); each save is a revision."""
    other = managed_event(event_id)
    if other is not None and kind_of(other) is not MEMO:
        # A co-development workshop's document is its service-pilot report.
        return redirect(url_for(kind_of(other).editor, event_id=event_id))
    event = _event_or_404(event_id)
    if request.method == "GET":
        return _editor(event)
    values = request.form.to_dict()
    try:
        ops.save(event, form_base(), values, current_user.id, request.form.get("correction"))
    except ops.StaleMinutes:
        db.session.rollback()
        return stale_save(event, values, _editor)
    except DomainError as error:
        db.session.rollback()
        return _editor(event, values=values, base=None, error=field_message(error), status=400)
    return redirect(url_for("minutes.edit", event_id=event.id, saved=1))


@bp.route("/events/<int:event_id>/minutes/preview", methods=["POST"])
@login_required
def preview(event_id: int) -> ResponseReturnValue:
    """The memo as the form now reads, rendered and sanitised (for the live preview)."""
    event = _event_or_404(event_id)
    try:
        memo = memo_from_form(request.form.to_dict(), ops.current_memo(event))
    except DomainError as error:
        return jsonify({"ok": False, "message": field_message(error)}), 400
    return jsonify(
        {"ok": True, "html": memo_html(memo), "findings": _findings(event, _form_values(memo))}
    )


def _findings(event: CafeEvent, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The screen's findings in the memo's fields, less the openers' names and the words the
    organizer marked as not personal data."""
    return document_findings(values, event.language, ops.not_personal(event))


def _action(event_id: int, verb: Any) -> ResponseReturnValue:
    """Run a button's verb; a broken rule comes back as the editor with its message."""
    event = _event_or_404(event_id)
    try:
        verb(event)
    except ops.StaleMinutes as stale:
        db.session.rollback()
        return _editor(event, error=message_for(stale), newer=stale.memo, status=409)
    except DomainError as error:
        db.session.rollback()
        return _editor(event, error=field_message(error), status=400)
    return redirect(url_for("minutes.edit", event_id=event.id))


@bp.route("/events/<int:event_id>/minutes/publish", methods=["POST"])
@login_required
def publish(event_id: int) -> ResponseReturnValue:
    """Publish the newest revision: a public page and a place in the archive.

    Refused while the screen finds personal data in it: the organizer masks each finding
    or marks it as not personal data first (:func:`resolve_finding`).
    """

    def verb(event: CafeEvent) -> None:
        if _findings(event, _form_values(ops.current_memo(event))):
            raise DomainError("unresolved_findings")
        ops.publish(event, current_user.id)

    return _action(event_id, verb)


@bp.route("/events/<int:event_id>/minutes/findings", methods=["POST"])
@login_required
def resolve_finding(event_id: int) -> ResponseReturnValue:
    """Mask one finding of the screen (a new revision, with the placeholder in place of the
    words) or mark its words as not personal data in these minutes."""

    def verb(event: CafeEvent) -> None:
        form = request.form
        field, words = form.get("field", ""), form.get("words", "")
        if form.get("action") == "allow":
            ops.mark_not_personal(event, words)
            return
        if form.get("action") != "mask":
            raise DomainError("bad_request")
        values = _form_values(ops.current_memo(event))
        values[field] = mask_span(
            values.get(field),
            form.get("kind"),
            form.get("start"),
            form.get("end"),
            words,
            event.language,
        )
        minutes = ops.minutes_of(event)
        published = minutes is not None and minutes.published_revision is not None
        # After publishing every change is a correction with its reason; this one says why.
        reason = str(_("Personal data masked.")) if published else None
        ops.save(event, form_base(), values, current_user.id, reason)

    return _action(event_id, verb)


@bp.route("/events/<int:event_id>/minutes/review-link", methods=["POST"])
@login_required
def review_link(event_id: int) -> ResponseReturnValue:
    """Create the review link table hosts use to suggest corrections."""
    return _action(event_id, lambda e: ops.review_link(e, current_user.id))


@bp.route("/events/<int:event_id>/minutes/comments/<int:comment_id>", methods=["POST"])
@login_required
def comment_status(event_id: int, comment_id: int) -> ResponseReturnValue:
    """Accept or dismiss a review comment; accepting one that proposes text applies it
    (a new revision naming the comment)."""
    event = _event_or_404(event_id)
    try:
        comment = ops.set_comment_status(
            event, comment_id, request.form.get("status"), current_user.id
        )
    except ops.StaleMinutes as stale:
        db.session.rollback()
        return _editor(event, error=message_for(stale), newer=stale.memo, status=409)
    except DomainError as error:
        db.session.rollback()
        return _editor(event, error=field_message(error), status=400)
    applied = comment.applied_revision is not None and comment.status == "accepted"
    return redirect(url_for("minutes.edit", event_id=event.id, accepted=1 if applied else None))


@bp.route("/events/<int:event_id>/minutes/logo", methods=["POST"])
@login_required
def logo(event_id: int) -> ResponseReturnValue:
    """Upload (or remove) the logo printed in the footer of the PDF and DOCX."""

    def verb(event: CafeEvent) -> None:
        upload = request.files.get("logo")
        data = upload.read() if upload is not None and "remove" not in request.form else None
        ops.set_logo(event, data, current_user.id)

    return _action(event_id, verb)


def _download(event: CafeEvent, memo: Memo, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    return attachment(export(event, fmt, memo))


@bp.route("/events/<int:event_id>/minutes/export/<fmt>")
@login_required
def download(event_id: int, fmt: str) -> Response:
    """The current draft (or newest revision) as a file: md, txt, html, pdf or docx."""
    event = _event_or_404(event_id)
    return _download(event, ops.current_memo(event), fmt)


@bp.route("/events/<int:event_id>/minutes/revisions/<int:number>")
@login_required
def revision(event_id: int, number: int) -> ResponseReturnValue:
    """One saved revision, read-only."""
    event = _event_or_404(event_id)
    try:
        memo = ops.revision_memo(event, number)
    except DomainError:
        abort(404)
    return render_template(
        "minutes/revision.html", event=event, number=number, html=memo_html(memo)
    )


# --- review link (no login) --------------------------------------------------------------


@bp.route("/review/<token>", methods=["GET", "POST"])
def review(token: str) -> ResponseReturnValue:
    """Table hosts read the draft and suggest corrections; anonymous."""
    try:
        event = ops.event_by_review_token(token)
    except DomainError:
        abort(404)
    error = None
    sent = False
    status = 200
    parts = review_labels(ops.current_memo(event))
    if request.method == "POST":
        part = request.form.get("part", "")
        try:
            ops.add_comment(
                event,
                part,
                request.form.get("text"),
                request.form.get("replacement"),
                label=dict(parts).get(part, ""),
            )
            sent = True
        except DomainError as exc:
            db.session.rollback()
            error, status = message_for(exc), 400
    memo = ops.current_memo(event)
    return (
        render_template(
            "minutes/review.html",
            event=event,
            html=memo_html(memo),
            parts=review_labels(memo),
            # The parts' texts now, for the form to start a proposal from.
            texts=review_texts(memo),
            error=error,
            sent=sent,
            chosen=request.form.get("part", "") if error else "",
            text=request.form.get("text", "") if error else "",
            replacement=request.form.get("replacement", "") if error else "",
        ),
        status,
    )


def review_labels(memo: Memo) -> list[tuple[str, str]]:
    """Every part of the memo a table host may comment on, as (key, label), in order."""
    fixed = {
        "title": _("Title line"),
        "openers_sentence": _("Openers sentence"),
        "method_sentence": _("Method sentence"),
        "intro": _("Paragraphs before the themes"),
        "footer": _("Footer"),
    }
    labels = []
    for part in review_parts(memo):
        if part.key in fixed:
            label = fixed[part.key]
        elif part.key.startswith("talk-"):
            label = _("Opening talk: %(name)s", name=part.name)
        elif part.name:
            label = _("Theme: %(title)s", title=part.name)
        else:
            label = _("Paragraph among the themes")
        labels.append((part.key, str(label)))
    return labels


# --- the public archive ------------------------------------------------------------------


@bp.route("/archive/")
def archive() -> str:
    """Published minutes of past Cafe Socials, newest first."""
    return render_template("minutes/archive.html", published=ops.published_minutes())


def _public(event_id: int) -> tuple[CafeEvent, Any]:
    try:
        return ops.public_minutes(event_id)
    except DomainError:
        abort(404)


@bp.route("/archive/<int:event_id>")
@bp.route("/archive/<int:event_id>/v/<int:number>")
def public(event_id: int, number: int | None = None) -> str:
    """Published minutes at their stable address; a correction shows as such, and the
    originally published text stays readable."""
    event, minutes = _public(event_id)
    shown = minutes.revision if number is None else number
    try:
        memo = ops.public_revision(event, minutes, shown)
    except DomainError:
        abort(404)
    corrections = [h for h in ops.history(event) if h.number >= minutes.published_revision]
    return render_template(
        "minutes/public.html",
        event=event,
        minutes=minutes,
        html=memo_html(memo),
        shown=shown,
        corrections=sorted(corrections, key=lambda h: h.number),
        formats=list(FORMATS),
    )


@bp.route("/archive/<int:event_id>/download/<fmt>")
@bp.route("/archive/<int:event_id>/v/<int:number>/download/<fmt>")
def public_download(event_id: int, fmt: str, number: int | None = None) -> Response:
    """A published revision as a file."""
    event, minutes = _public(event_id)
    try:
        memo = ops.public_revision(event, minutes, minutes.revision if number is None else number)
    except DomainError:
        abort(404)
    return _download(event, memo, fmt)
