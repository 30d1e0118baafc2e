"""The facilitator's gathering view: the tables' core ideas → themes → the summary."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from cafe.auth.ownership import event_or_404
from cafe.domain.summary import MAX_BODY, MAX_INTRO, MAX_ITEM, MAX_TITLE
from cafe.domain.themes import voikko_available
from cafe.links import event_links

bp = Blueprint("gathering", __name__, url_prefix="/events")


@bp.route("/<int:event_id>/gather")
@login_required
def gather(event_id: int) -> str:
    """Drag core ideas into themes, merge duplicates, write the summary live."""
    event = event_or_404(event_id)
    return render_template(
        "gathering/gather.html",
        event=event,
        links=event_links(event),
        limits={"title": MAX_TITLE, "body": MAX_BODY, "intro": MAX_INTRO, "item": MAX_ITEM},
        # Finnish events fall back to the Snowball stemmer without Voikko; the page says so.
        stemmer_note=event.language == "fi" and not voikko_available(),
    )
