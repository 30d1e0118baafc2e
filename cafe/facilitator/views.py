"""Facilitator pages: the list of events, the event form, the control page, QR cards."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user, login_required

from cafe.auth.ownership import event_or_404, owners_of, share_event, visible_events
from cafe.domain.errors import DomainError
from cafe.domain.plan import plan_from_mapping
from cafe.extensions import db
from cafe.facilitator.forms import EventForm
from cafe.facilitator.operations import create_event
from cafe.links import event_links
from cafe.messages import message_for
from cafe.models import CafeEvent
from cafe.tips.operations import tips
from cafe.workshops import catalogue

bp = Blueprint("facilitator", __name__, url_prefix="/events")


@bp.before_request
@login_required
def require_login() -> None:
    """Every page here is for logged-in facilitators."""


@bp.route("/")
def index() -> str:
    """The account's events (an admin's: every one), newest first, with their phone and
    board links; the participants' topic tips for the next Cafe Social, newest first."""
    events = db.session.execute(
        visible_events(current_user).order_by(CafeEvent.date.desc(), CafeEvent.id.desc())
    ).scalars()
    return render_template(
        "facilitator/index.html", events=[(e, event_links(e)) for e in events], tips=tips()
    )


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    """Create an event from the form; the same validator as plan files decides."""
    form = EventForm()
    locale = str(get_locale())
    form.template.choices = [
        (name, template.title_in(locale)) for name, template in catalogue().templates.items()
    ]
    error = None
    if request.method == "POST" and "add_opener" in request.form:
        # Without JavaScript: a button that re-renders the form with one more opener row.
        if len(form.openers) < form.openers.max_entries:
            form.openers.append_entry()
        return render_template("facilitator/new.html", form=form, error=None, tips=tips())
    if form.validate_on_submit():
        try:
            plan = plan_from_mapping(form.plan_mapping())
        except DomainError as exc:
            error = message_for(exc)
        else:
            event = create_event(plan, created_by_id=current_user.id)
            return redirect(url_for("facilitator.control", event_id=event.id))
    status = 400 if error or form.errors else 200
    # The participants' topic tips are at hand where the next event is planned.
    return render_template("facilitator/new.html", form=form, error=error, tips=tips()), status


@bp.route("/<int:event_id>/")
def control(event_id: int) -> str:
    """The facilitator's control page: phase, timer, tables, every post, moderation; the
    accounts the event is shared with."""
    return _control_page(event_or_404(event_id))


def _control_page(event: CafeEvent, share_error: str | None = None) -> str:
    return render_template(
        "facilitator/control.html",
        event=event,
        links=event_links(event),
        owners=owners_of(event),
        share_error=share_error,
    )


@bp.route("/<int:event_id>/share", methods=["POST"])
def share(event_id: int) -> ResponseReturnValue:
    """Share the event with another facilitator account ``username`` (the control page's
    form): it then sees, steers and documents the event too."""
    event = event_or_404(event_id)
    try:
        share_event(event, request.form.get("username"))
    except DomainError as error:
        db.session.rollback()
        return _control_page(event, share_error=message_for(error)), 400
    return redirect(url_for("facilitator.control", event_id=event.id, shared=1, _anchor="sharing"))


@bp.route("/<int:event_id>/cards")
def cards(event_id: int) -> str:
    """Printable cards, one per table, each with the QR that seats a phone at that table."""
    event = event_or_404(event_id)
    return render_template("facilitator/cards.html", event=event, links=event_links(event))
