"""Helpers shared by the socket namespaces: acknowledgements and refusals."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError

from cafe.domain.errors import DomainError
from cafe.events.operations import get_event
from cafe.extensions import db
from cafe.messages import error_ack, message_for
from cafe.models import CafeEvent

Handler = TypeVar("Handler", bound=Callable[..., dict[str, Any]])


def acknowledged(handler: Handler) -> Handler:
    """Make a socket handler validate its payload shape and answer every call.

    The handler receives a dict (an absent payload becomes ``{}``); anything else, and
    any broken rule, becomes ``{"ok": false, "error": code, "message": text}`` in the
    user's language, after rolling back whatever the handler had begun.
    """

    @wraps(handler)
    def wrapper(self: Any, data: Any = None, *extra: Any) -> dict[str, Any]:
        if data is None:
            data = {}
        if not isinstance(data, dict) or extra:
            return error_ack(DomainError("bad_request"))
        try:
            return handler(self, data)
        except DomainError as error:
            db.session.rollback()
            return error_ack(error)

    return wrapper  # type: ignore[return-value]


def refuse(code: str) -> ConnectionRefusedError:
    """A refused connection whose ``connect_error`` carries the code and a readable message.

    python-socketio sends ``{"message": first argument as text, "data": second argument}``;
    socket.io-client turns that into an ``Error`` whose ``message`` is the sentence and
    whose ``data`` is ``{"error": code, "message": sentence}``. A single dict argument
    would arrive as its Python ``repr`` in ``message``, with no ``data`` at all.
    """
    message = message_for(DomainError(code))
    return ConnectionRefusedError(message, {"error": code, "message": message})


def facilitator_event() -> CafeEvent:
    """The event a logged-in facilitator's socket connected to (``/facilitator``)."""
    if not current_user.is_authenticated:
        raise DomainError("not_logged_in")
    return get_event(session.get("event_id"))
