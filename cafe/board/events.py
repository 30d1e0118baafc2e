"""The ``/board`` Socket.IO namespace: projected boards, read-only."""

from __future__ import annotations

from typing import Any

from flask import session
from flask_socketio import join_room

from cafe import broadcast
from cafe.board.state import board_state
from cafe.domain.errors import DomainError
from cafe.lookups import event_by_board_token, get_event
from cafe.sockets import CafeNamespace, acknowledged, refuse


class BoardNamespace(CafeNamespace):
    """Boards connect with ``{token}`` (the secret of the board link) and only listen."""

    def on_connect(self, auth: Any = None) -> None:
        """A board connects; a wrong token is refused."""
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            event = event_by_board_token(token)
        except DomainError as error:
            raise refuse(error.code) from error
        session["event_id"] = event.id
        session["event_lang"] = event.language
        join_room(broadcast.event_room(event.id))

    @acknowledged
    def on_sync(self, data: dict[str, Any]) -> dict[str, Any]:
        """Full board state: sent after every (re)connect."""
        return {"ok": True, "state": board_state(get_event(session.get("event_id")))}
