"""The service-pilot report of a co-development workshop, for its organizer."""

from __future__ import annotations

from flask import Blueprint, Response, abort
from flask_login import login_required

from cafe.extensions import db
from cafe.minutes.export import FORMATS
from cafe.models import CafeEvent
from cafe.reports.export import render_report
from cafe.reports.operations import assembled_report
from cafe.workshops import template_of

bp = Blueprint("reports", __name__)


@bp.route("/events/<int:event_id>/report/export/<fmt>")
@login_required
def download(event_id: int, fmt: str) -> Response:
    """The workshop's report as the sections and feedback give it: md, txt, html, pdf or
    docx, with the process diagram."""
    event = db.session.get(CafeEvent, event_id)
    if event is None or template_of(event).export != "pilot-report" or fmt not in FORMATS:
        abort(404)
    result = render_report(assembled_report(event), fmt)
    return Response(
        result.content,
        mimetype=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
