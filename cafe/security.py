"""Security headers on every response."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

#: The policy's directives after ``default-src`` and ``script-src``.
_OTHER_DIRECTIVES = (
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)


def csp(script_hashes: Iterable[str] = ()) -> str:
    """The Content-Security-Policy: scripts, styles, fonts and sockets all come from the app
    itself (a venue's LAN is enough). ``script_hashes`` (base64 SHA-256 digests) allow the
    inline scripts with exactly those texts: a page's import map (cafe/assets.py), which
    is data for the browser, not code, but falls under ``script-src`` all the same."""
    scripts = " ".join(["script-src 'self'", *(f"'sha256-{digest}'" for digest in script_hashes)])
    return "; ".join(["default-src 'self'", scripts, *_OTHER_DIRECTIVES])


#: The policy of every response that has no inline script (all but the pages with modules).
CSP = csp()


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

#: What a script, a stylesheet, a font or a raster image gets instead: a browser reads
#: Content-Security-Policy, X-Frame-Options, Permissions-Policy and the opener policy only
#: from a document, never from a file a page loads, and on a phone's first load those four
#: are ~0.4 KB a file, ~4 KB in all. SVG is not among these types: opened by itself it is
#: a document that could run script, so it keeps every header.
SUBRESOURCE_HEADERS: tuple[tuple[str, str], ...] = tuple(
    (name, value)
    for name, value in HEADERS
    if name in ("X-Content-Type-Options", "Referrer-Policy")
)

#: Content types (before any ``;``) that are only ever loaded by a page, never shown as one.
SUBRESOURCE_TYPES = frozenset(
    {
        "text/javascript",
        "application/javascript",
        "text/css",
        "font/woff2",
        "font/woff",
        "font/ttf",
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/vnd.microsoft.icon",
        "image/x-icon",
    }
)

#: Sent on responses served over https (directly or, with ``CAFE_PROXY_HOPS``, as the
#: proxy says): a browser that has seen it goes to https for a year, even when typed http.
HSTS = ("Strict-Transport-Security", "max-age=31536000")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class SecurityHeaders:
    """WSGI middleware that adds :data:`HEADERS` to every response that lacks them
    (:data:`SUBRESOURCE_HEADERS` to scripts, stylesheets, fonts and raster images).

    It wraps the whole app, Flask-SocketIO's middleware included: Engine.IO answers its
    handshake and long-polling requests itself, before Flask (and its ``after_request``)
    ever sees them. A header a view set itself is kept. A websocket upgrade writes its
    handshake to the socket directly and passes by untouched.

    Over https (``wsgi.url_scheme``, which ProxyFix sets from the proxy's
    ``X-Forwarded-Proto``), :data:`HSTS` is added and every cookie is marked ``Secure``:
    the session cookie, Flask-Login's and any other, so none is ever sent back over
    plain http. Over http they are left as they are (the venue laptop has no TLS).
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        secure = environ.get("wsgi.url_scheme") == "https"

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            present = {name.lower(): value for name, value in headers}
            kind = present.get("content-type", "").split(";", 1)[0].strip().lower()
            base = SUBRESOURCE_HEADERS if kind in SUBRESOURCE_TYPES else HEADERS
            adding = base + (HSTS,) if secure else base
            extra = [(name, value) for name, value in adding if name.lower() not in present]
            if secure:
                headers = [secure_cookie(name, value) for name, value in headers]
            return start_response(status, list(headers) + extra, *exc_info)

        return self.app(environ, start)


def secure_cookie(name: str, value: str) -> tuple[str, str]:
    """A ``Set-Cookie`` header with the ``Secure`` attribute (other headers unchanged)."""
    if name.lower() != "set-cookie":
        return name, value
    attributes = {part.strip().lower() for part in value.split(";")[1:]}
    if "secure" in attributes:
        return name, value
    return name, value + "; Secure"


def init_app(app: Flask) -> None:
    """Put the headers on every response ``app`` gives (after Flask-SocketIO's init_app)."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)  # type: ignore[method-assign]
