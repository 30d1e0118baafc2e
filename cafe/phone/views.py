"""Participant pages: the front page with the code form, the phone page, QR codes."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from cafe.domain.errors import DomainError
from cafe.links import event_links
from cafe.messages import message_for
from cafe.models import CafeEvent
from cafe.phone.operations import event_by_code
from cafe.qr import qr_svg

bp = Blueprint("phone", __name__)


class JoinForm(FlaskForm):
    """The join code from the screen."""

    code = StringField(_("Code"), validators=[DataRequired(), Length(max=20)])


def _event(code: str) -> CafeEvent:
    try:
        event = event_by_code(code)
    except DomainError:
        abort(404)
    g.event_lang = event.language
    return event


@bp.route("/", methods=["GET", "POST"])
def home() -> ResponseReturnValue:
    """Front page: type the code shown on the screen to join."""
    form = JoinForm()
    error = None
    if form.validate_on_submit():
        limiter = current_app.extensions["cafe_join_limiter"]
        try:
            event = event_by_code(form.code.data)
        except DomainError as exc:
            limited = not limiter.allow(request.remote_addr or "?")
            error = message_for(DomainError("too_many_attempts") if limited else exc)
        else:
            return redirect(url_for("phone.join", code=event.join_code))
    status = 400 if error or form.errors else 200
    return render_template("phone/home.html", form=form, error=error), status


@bp.route("/j/<code>")
def join(code: str) -> str:
    """The phone page: choose a table and a role tag, then post ideas."""
    event = _event(code)
    return render_template("phone/phone.html", event=event, preselected=None)


@bp.route("/j/<code>/<int:number>")
def join_table(code: str, number: int) -> str:
    """The phone page with the table preselected (from the table's own QR code)."""
    event = _event(code)
    table = next((t for t in event.tables if t.position == number), None)
    if table is None:
        abort(404)
    return render_template("phone/phone.html", event=event, preselected=table.id)


@bp.route("/qr/<code>.svg")
def qr_event(code: str) -> Response:
    """QR code of the event's phone page."""
    event = _event(code)
    return _svg(event_links(event).phone)


@bp.route("/qr/<code>/<int:number>.svg")
def qr_table(code: str, number: int) -> Response:
    """QR code that seats a phone straight at table ``number``."""
    event = _event(code)
    url = event_links(event).tables.get(number)
    if url is None:
        abort(404)
    return _svg(url)


def _svg(url: str) -> Response:
    response = Response(qr_svg(url), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
