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

from cafe.domain.errors import DomainError
from cafe.domain.markup import render_document
from cafe.domain.minutes import Memo, memo_from_form, memo_markdown, memo_title
from cafe.editing import attachment, field_message, form_base
from cafe.extensions import db
from cafe.messages import message_for
from cafe.minutes import operations as ops
from cafe.minutes.export import FORMATS, export
from cafe.models import CafeEvent
from cafe.moderation.screening import document_findings, mask_span
from cafe.workshops import template_of

bp = Blueprint("minutes", __name__)


def _event_or_404(event_id: int) -> CafeEvent:
    """An event whose document is a memo (a workshop's is its report: ``cafe.reports``)."""
    event = db.session.get(CafeEvent, event_id)
    if event is None or template_of(event).export != "memo":
        abort(404)
    return event


def memo_html(memo: Memo) -> str:
    """The memo as sanitised HTML, for the preview and the public page."""
    return render_document(memo_markdown(memo))


def _form_values(memo: Memo) -> dict[str, Any]:
    """The editor's field values for ``memo`` (the inverse of ``memo_from_form``)."""
    values: dict[str, Any] = {
        "title": memo.title,
        "topic": memo.topic,
        "openers_sentence": memo.openers_sentence,
        "method_sentence": memo.method_sentence,
        "intro": memo.intro,
        "footer": memo.footer,
        "next_date": memo.next_date.isoformat() if memo.next_date else "",
        "next_start": memo.next_start.strftime("%H:%M") if memo.next_start else "",
        "next_end": memo.next_end.strftime("%H:%M") if memo.next_end else "",
    }
    for n, opener in enumerate(memo.openers):
        values[f"talk-{n}"] = opener.talk
    for n, (title, body) in enumerate(memo.themes):
        values[f"theme-title-{n}"] = title
        values[f"theme-body-{n}"] = body
    return values


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
    workshop = db.session.get(CafeEvent, event_id)
    if workshop is not None and template_of(workshop).export == "pilot-report":
        # A co-development workshop's document is its service-pilot report.
        return redirect(url_for("reports.edit", event_id=event_id))
    event = _event_or_404(event_id)
    if request.method == "GET":
        return _editor(event)
    values = request.form.to_dict()
    try:
        ops.save(event, form_base(), values, current_user.id, request.form.get("correction"))
    except ops.StaleMinutes as stale:
        db.session.rollback()
        return _editor(
            event,
            values=values,
            base=stale.params["revision"],
            error=message_for(stale),
            newer=stale.memo,
            status=409,
        )
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


@bp.route("/events/<int:event_id>/minutes/refresh", methods=["POST"])
@login_required
def refresh(event_id: int) -> ResponseReturnValue:
    """Take the shared summary into the draft again (a new revision)."""
    return _action(event_id, lambda e: ops.refresh_summary(e, form_base(), current_user.id))


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
    """Accept or dismiss a review comment."""
    return _action(
        event_id, lambda e: ops.set_comment_status(e, comment_id, request.form.get("status"))
    )


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
    if request.method == "POST":
        try:
            ops.add_comment(event, request.form.get("part", ""), request.form.get("text"))
            sent = True
        except DomainError as exc:
            db.session.rollback()
            error, status = message_for(exc), 400
    memo = ops.current_memo(event)
    parts = [memo_title(memo)] + [title for title, _ in memo.themes if title]
    return (
        render_template(
            "minutes/review.html",
            event=event,
            html=memo_html(memo),
            parts=parts,
            error=error,
            sent=sent,
            text=request.form.get("text", "") if error else "",
        ),
        status,
    )


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
