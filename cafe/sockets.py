"""Helpers shared by the socket namespaces: their base class, acknowledgements and refusals."""

from __future__ import annotations

import traceback
from collections.abc import Callable, MutableMapping
from functools import wraps
from pathlib import PurePath
from typing import Any, ClassVar, TypeVar

from flask import g, request, session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace

from cafe.auth.ownership import may_manage
from cafe.domain.errors import DomainError
from cafe.extensions import db
from cafe.lookups import get_event
from cafe.messages import error_ack, message_for
from cafe.models import CafeEvent
from cafe.wire import Refusal, log_refusal, logger

Handler = TypeVar("Handler", bound=Callable[..., dict[str, Any]])


def acknowledged(handler: Handler) -> Handler:
    """Make a socket handler validate its payload shape and answer every call.

    The handler receives a dict (an absent payload becomes ``{}``); anything else is
    refused with ``bad_request`` and logged in one line, and any broken rule becomes
    ``{"ok": false, "error": code, "message": text}`` in the user's language, after rolling
    back whatever the handler had begun.
    """

    @wraps(handler)
    def wrapper(self: Any, data: Any = None, *extra: Any) -> dict[str, Any]:
        if data is None:
            data = {}
        if not isinstance(data, dict) or extra:
            reason = "extra arguments" if extra else "payload not an object"
            log_refusal(f'"{handler.__name__[3:]}"', self.namespace, reason)
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
    """The event a logged-in facilitator's socket connected to (``/facilitator``), checked
    again on every event: a logout (the cookie's session version) or a lost share ends
    the socket's rights at once."""
    if not current_user.is_authenticated:
        raise DomainError("not_logged_in")
    return managed_event_of(session.get("event_id"))


def managed_event_of(event_id: object) -> CafeEvent:
    """Event ``event_id`` if the logged-in account may steer it; ``unknown_event`` when it
    does not exist or is not theirs (the same answer, as the pages' 404)."""
    event = get_event(event_id)
    if not may_manage(current_user._get_current_object(), event.id):
        raise DomainError("unknown_event")
    return event


_EVENT_NAMES: dict[type, frozenset[str]] = {}


def _event_names(namespace_class: type) -> frozenset[str]:
    """The events a namespace class handles: its ``on_…`` methods but connect/disconnect."""
    names = _EVENT_NAMES.get(namespace_class)
    if names is None:
        names = frozenset(
            name[3:]
            for name in dir(namespace_class)
            if name.startswith("on_") and callable(getattr(namespace_class, name))
        ) - {"connect", "disconnect"}
        _EVENT_NAMES[namespace_class] = names
    return names


def socket_session() -> MutableMapping[str, Any]:
    """The socket's own session (Flask-SocketIO keeps one per socket, a copy of the page's
    at connect): ``flask.session`` under a request context, the same object when the event
    is served under an app context only (:attr:`CafeNamespace.lean_events`)."""
    kept: MutableMapping[str, Any] | None = g.get("socket_session")
    return kept if kept is not None else session


def socket_sid() -> str:
    """The sid of the socket whose event is being served: ``request.sid`` under a request
    context, kept in ``g`` for an event served under an app context only."""
    sid: str | None = g.get("socket_sid")
    return sid if sid is not None else str(request.sid)  # type: ignore[attr-defined]


class CafeNamespace(Namespace):
    """Base of the app's namespaces: every event a client sends with an id gets exactly one
    acknowledgement.

    Flask-SocketIO answers an event no method handles with an empty acknowledgement, and
    cafe/wire.py dispatches a malformed one as :data:`~cafe.wire.REFUSED`: both are
    answered here with ``bad_request``, and logged in one line that names the event only if
    it is one of the namespace's own (any other name is the client's text).
    """

    #: Events served under an app context only, not the request context Flask-SocketIO
    #: pushes for every event (a Werkzeug request built from the socket's environ, its
    #: session swapped in, then torn down: 48 µs, more than a tenth of a post's CPU). Their
    #: handlers read the session through :func:`socket_session` and nothing of ``request``;
    #: error messages still come in the reader's language (cafe.i18n.select_locale).
    lean_events: ClassVar[frozenset[str]] = frozenset()

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Dispatch ``event`` (``args``: the client's sid, then the event's arguments)."""
        if event in ("connect", "disconnect"):
            # python-socketio's own calls: a client cannot send these names (cafe/wire.py).
            return super().trigger_event(event, *args)
        handled = _event_names(type(self))
        refusal = args[1] if len(args) == 2 and isinstance(args[1], Refusal) else None
        if refusal is None and event in handled:
            if event in self.lean_events:
                return self._serve_lean(event, *args)
            return super().trigger_event(event, *args)
        if refusal is None:
            what, reason = f"an event ({len(event)}-character name)", "unknown event"
        else:
            named = refusal.event in handled
            what, reason = (f'"{refusal.event}"' if named else "an event"), refusal.reason
        log_refusal(what, self.namespace, reason, refusal.size if refusal else None)
        # Through Flask-SocketIO, for the request context and session: the answer is in
        # the reader's language.
        return self.socketio._handle_event(self._bad_request, event, self.namespace, *args)

    @staticmethod
    def _bad_request(*args: Any) -> dict[str, Any]:
        return error_ack(DomainError("bad_request"))

    def _serve_lean(self, event: str, sid: str, *args: Any) -> Any:
        """Serve one of :attr:`lean_events` under an app context, with the socket's session
        in ``g`` (what Flask-SocketIO's own dispatch does, minus the request context)."""
        environ = self.server.get_environ(sid, namespace=self.namespace)
        saved = environ.get("saved_session") if environ else None
        if environ is None or saved is None:
            # Not connected, or no event served yet (the session copy is made by the
            # first): Flask-SocketIO's own dispatch answers as it would.
            return super().trigger_event(event, sid, *args)
        with environ["flask.app"].app_context():
            g.socket_session = saved
            g.socket_sid = sid
            try:
                return getattr(self, f"on_{event}")(*args)
            except Exception as error:  # noqa: BLE001 -- a bug: logged, answered, rolled back
                return _unexpected(error, event, self.namespace)


def unexpected_error(error: Exception) -> Any:
    """Flask-SocketIO's handler for an exception a socket handler did not expect (a bug).

    The client still gets its one acknowledgement (``server_error``), whatever the handler
    began is rolled back, and the log gets one line with the exception's type and where it
    was raised, but not its message, which may quote a post's text or an SQL parameter. A
    connect that fails is refused.
    """
    # Only the namespace's own events reach a handler (CafeNamespace), so the name is safe.
    event = request.event["message"]  # type: ignore[attr-defined]
    return _unexpected(error, event, request.namespace)  # type: ignore[attr-defined]


def _unexpected(error: Exception, event: str, namespace: str) -> Any:
    """Roll back, log one line (type and place of the error), answer ``server_error``."""
    db.session.rollback()
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    where = " < ".join(
        f"{'/'.join(PurePath(f.filename).parts[-2:])}:{f.lineno} {f.name}" for f in reversed(frames)
    )
    logger.error(
        '"%s" on %s failed: %s at %s',
        event,
        namespace,
        type(error).__name__,
        where,
    )
    if event == "connect":
        return False
    return error_ack(DomainError("server_error"))
