"""Absolute links to an event's pages, for QR codes, the CLI and the facilitator."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, request, url_for

from cafe.models import CafeEvent


def base_url() -> str:
    """``CAFE_PUBLIC_URL`` if set, else the address the request came to."""
    configured = current_app.config.get("CAFE_PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:5000"


@dataclass(frozen=True)
class EventLinks:
    """Where phones, boards and facilitators go."""

    phone: str
    board: str
    control: str
    tables: dict[int, str]


def event_links(event: CafeEvent) -> EventLinks:
    """Absolute URLs of the event's pages."""
    base = base_url()
    return EventLinks(
        phone=base + url_for("phone.join", code=event.join_code),
        board=base + url_for("board.show", token=event.board_token),
        control=base + url_for("facilitator.control", event_id=event.id),
        tables={
            t.position: base + url_for("phone.join_table", code=event.join_code, number=t.position)
            for t in event.tables
        },
    )
