"""Security headers on every response."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

#: Scripts, styles, fonts and sockets all come from the app itself (a venue's LAN is enough).
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


#: The headers of every response, Flask's and Socket.IO's alike. ``no-referrer`` keeps the
#: board's secret link out of Referer.
HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class SecurityHeaders:
    """WSGI middleware that adds :data:`HEADERS` to every response that lacks them.

    It wraps the whole app, Flask-SocketIO's middleware included: Engine.IO answers its
    handshake and long-polling requests itself, before Flask (and its ``after_request``)
    ever sees them. A header a view set itself is kept. A websocket upgrade writes its
    handshake to the socket directly and passes by untouched.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            present = {name.lower() for name, _value in headers}
            extra = [(name, value) for name, value in HEADERS if name.lower() not in present]
            return start_response(status, list(headers) + extra, *exc_info)

        return self.app(environ, start)


def init_app(app: Flask) -> None:
    """Put the headers on every response ``app`` gives (after Flask-SocketIO's init_app)."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
