"""The memo's own pages, beyond the editor every document has (``cafe.documents.views``):
publishing, resolving the personal-data screen's findings, the footer logo, the review
link for table hosts and their comments, read-only versions, and the public archive of
published minutes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cafe.auth.ownership import managed_event
from cafe.documents import operations as document_ops
from cafe.documents.kinds import MEMO, kind_of
from cafe.documents.rendering import FORMATS
from cafe.documents.revisions import StaleDocument, document_of, history
from cafe.documents.views import document_html, editor, editor_url, findings
from cafe.domain.errors import DomainError
from cafe.domain.minutes import Memo, memo_form_values, review_parts, review_texts
from cafe.editing import attachment, field_message, form_base
from cafe.extensions import db
from cafe.messages import message_for
from cafe.minutes import operations as ops
from cafe.minutes.export import export
from cafe.models import CafeEvent
from cafe.moderation.screening import mask_span

bp = Blueprint("minutes", __name__)


def _event_or_404(event_id: int) -> CafeEvent:
    """An event of the account's whose document is a memo (a workshop's is its report:
    ``cafe.reports``)."""
    event = managed_event(event_id)
    if event is None or kind_of(event) is not MEMO:
        abort(404)
    return event


def memo_html(memo: Memo) -> str:
    """The memo as sanitised HTML, for the review page and the public page."""
    return document_html(MEMO, memo)


def _action(
    event_id: int, verb: Callable[[CafeEvent], dict[str, Any] | None]
) -> ResponseReturnValue:
    """Run a button's verb and go back to the editor (with the query the verb returns); a
    broken rule comes back as the editor with its message."""
    event = _event_or_404(event_id)
    try:
        shown = verb(event)
    except StaleDocument as stale:
        db.session.rollback()
        return editor(event, error=message_for(stale), newer=stale.document, status=409)
    except DomainError as error:
        db.session.rollback()
        return editor(event, error=field_message(error), status=400)
    return redirect(editor_url(event, **(shown or {})))


@bp.route("/events/<int:event_id>/minutes/publish", methods=["POST"])
@login_required
def publish(event_id: int) -> ResponseReturnValue:
    """Publish the newest revision: a public page and a place in the archive.

    Refused while the screen finds personal data in it: the organizer masks each finding
    or marks it as not personal data first (:func:`resolve_finding`).
    """

    def verb(event: CafeEvent) -> None:
        if findings(event, MEMO, ops.current_memo(event)):
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
        values = memo_form_values(ops.current_memo(event))
        values[field] = mask_span(
            values.get(field),
            kind=form.get("kind"),
            start=form.get("start"),
            end=form.get("end"),
            words=words,
            language=event.language,
        )
        record = document_of(event)
        published = record is not None and record.published_revision is not None
        # After publishing every change is a correction with its reason; this one says why.
        reason = str(_("Personal data masked.")) if published else None
        document_ops.save(event, form_base(), values, author_id=current_user.id, correction=reason)

    return _action(event_id, verb)


@bp.route("/events/<int:event_id>/minutes/review-link", methods=["POST"])
@login_required
def review_link(event_id: int) -> ResponseReturnValue:
    """Create the review link table hosts use to suggest corrections."""

    def verb(event: CafeEvent) -> None:
        ops.review_link(event, current_user.id)

    return _action(event_id, verb)


@bp.route("/events/<int:event_id>/minutes/comments/<int:comment_id>", methods=["POST"])
@login_required
def comment_status(event_id: int, comment_id: int) -> ResponseReturnValue:
    """Accept or dismiss a review comment; accepting one that proposes text applies it
    (a new revision naming the comment)."""

    def verb(event: CafeEvent) -> dict[str, Any] | None:
        comment = ops.set_comment_status(
            event, comment_id, request.form.get("status"), current_user.id
        )
        applied = comment.applied_revision is not None and comment.status == "accepted"
        return {"accepted": 1} if applied else None

    return _action(event_id, verb)


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
                replacement=request.form.get("replacement"),
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
    corrections = [h for h in history(event) if h.number >= minutes.published_revision]
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
