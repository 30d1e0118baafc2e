"""The projected board page, behind its read-only secret link."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from cafe.domain.errors import DomainError
from cafe.links import event_links
from cafe.lookups import event_by_board_token

bp = Blueprint("board", __name__)


@bp.route("/b/<token>")
def show(token: str) -> str:
    """Full-screen board: topic, phase, timer, join code and QR, each table's core ideas."""
    try:
        event = event_by_board_token(token)
    except DomainError:
        abort(404)
    g.event_lang = event.language
    # The projector shows the template's texts in the event's language, whoever set the
    # computer's interface language.
    return render_template(
        "board/board.html", event=event, links=event_links(event), phases_language=event.language
    )
