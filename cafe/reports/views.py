"""The service-pilot report of a co-development workshop, for its organizer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from cafe.auth.ownership import managed_event
from cafe.documents.kinds import REPORT, kind_of
from cafe.documents.views import stale_save
from cafe.domain.errors import DomainError
from cafe.domain.markup import render_document
from cafe.domain.report import (
    RESOURCE_KEYS,
    RESOURCE_LABELS,
    PilotReport,
    headings,
    report_form_values,
    report_from_form,
    report_markdown,
)
from cafe.editing import attachment, field_message, form_base
from cafe.extensions import db
from cafe.minutes.export import FORMATS
from cafe.minutes.operations import history, minutes_of, not_personal
from cafe.models import CafeEvent
from cafe.moderation.screening import document_findings
from cafe.reports import operations as ops
from cafe.reports.export import render_report

bp = Blueprint("reports", __name__)


def _workshop_or_404(event_id: int) -> CafeEvent:
    """A co-development workshop of the account's."""
    event = managed_event(event_id)
    if event is None or kind_of(event) is not REPORT:
        abort(404)
    return event


def _values(report: PilotReport) -> dict[str, Any]:
    """The editor's fields for ``report`` (the inverse of ``report_from_form``)."""
    return dict(report_form_values(report))


def _editor(
    event: CafeEvent,
    *,
    values: dict[str, Any] | None = None,
    base: int | None = None,
    error: str | None = None,
    newer: PilotReport | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    report = ops.current_report(event)
    minutes = minutes_of(event)
    shown = values if values is not None else _values(report)
    steps = sum(1 for key in shown if key.startswith("step-lead-"))
    return (
        render_template(
            "reports/edit.html",
            event=event,
            values=shown,
            steps=steps + 1,
            base=base if base is not None else (minutes.revision if minutes else 0),
            headings=headings(event.language),
            resource_labels=[
                (key, RESOURCE_LABELS.get(event.language, RESOURCE_LABELS["fi"])[key])
                for key in RESOURCE_KEYS
            ],
            preview=render_document(report_markdown(report)),
            findings=_findings(event, _values(report)),
            error=error,
            newer_html=render_document(report_markdown(newer)) if newer else None,
            formats=list(FORMATS),
            minutes=minutes,
            history=history(event),
        ),
        status,
    )


@bp.route("/events/<int:event_id>/report", methods=["GET", "POST"])
@login_required
def edit(event_id: int) -> ResponseReturnValue:
    """The service-pilot report: the workshop's sections and feedback, and the fields only
    the organizer knows (duration, organisations, participants, resources); each save is a
    revision with the stale-save check."""
    event = _workshop_or_404(event_id)
    if request.method == "GET":
        return _editor(event)
    values = request.form.to_dict()
    try:
        ops.save_report(event, form_base(), values, current_user.id)
    except ops.StaleReport:
        db.session.rollback()
        return stale_save(event, values, _editor)
    except DomainError as error:
        db.session.rollback()
        return _editor(event, values=values, error=field_message(error), status=400)
    return redirect(url_for("reports.edit", event_id=event.id, saved=1))


@bp.route("/events/<int:event_id>/report/preview", methods=["POST"])
@login_required
def preview(event_id: int) -> ResponseReturnValue:
    """The report as the form now reads, rendered and sanitised (for the live preview)."""
    event = _workshop_or_404(event_id)
    try:
        report = report_from_form(request.form.to_dict(), language=event.language)
    except DomainError as error:
        return jsonify({"ok": False, "message": field_message(error)}), 400
    return jsonify(
        {
            "ok": True,
            "html": render_document(report_markdown(report)),
            "findings": _findings(event, _values(report)),
        }
    )


def _findings(event: CafeEvent, values: dict[str, Any]) -> list[dict[str, Any]]:
    """What the personal-data screen finds in the report's fields (shown to the organizer)."""
    return document_findings(values, event.language, not_personal(event))


@bp.route("/events/<int:event_id>/report/export/<fmt>")
@login_required
def download(event_id: int, fmt: str) -> Response:
    """The report as it stands (the newest revision, else as the workshop gives it): md,
    txt, html, pdf or docx, with the process diagram."""
    event = _workshop_or_404(event_id)
    if fmt not in FORMATS:
        abort(404)
    return attachment(render_report(ops.current_report(event), fmt))
