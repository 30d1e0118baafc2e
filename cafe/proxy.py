"""Serving behind reverse proxies (``CAFE_PROXY_HOPS``), and the Socket.IO origin check.

Behind a TLS proxy the server sees plain HTTP from the proxy's address. With
``CAFE_PROXY_HOPS`` set to the number of proxies in front of it, Werkzeug's ProxyFix takes
the scheme, host, port and client address from the ``X-Forwarded-*`` headers those proxies
set, so links and QR codes say ``https://``, cookies are marked Secure and HSTS is sent
(cafe/security.py), and the join-code limiter counts the phone, not the proxy. Without it
the headers are ignored: any client could send them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

#: Ports a browser leaves out of an ``Origin`` header.
DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int | None]


def init_app(app: Flask) -> None:
    """Trust ``CAFE_PROXY_HOPS`` proxies' forwarded headers; the outermost middleware, so
    that Socket.IO's origin check, the security headers and Flask all see the result."""
    hops = int(app.config.get("CAFE_PROXY_HOPS") or 0)
    if hops < 0:
        raise ValueError("CAFE_PROXY_HOPS must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def origin_of(url: str | None) -> Origin | None:
    """``url``'s scheme, host and port as a browser's ``Origin`` names them (the default
    port filled in); None for ``null``, a malformed URL or no URL."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def origin_check(public_url: str | None) -> Callable[[str | None, dict[str, Any]], bool]:
    """Engine.IO's ``cors_allowed_origins``: a socket may connect from the page's own
    origin, the scheme and host the request came to (after ProxyFix, so a proxy's
    ``X-Forwarded-Host`` and ``X-Forwarded-Port`` count when ``CAFE_PROXY_HOPS`` says to
    trust them, and only then), or from ``CAFE_PUBLIC_URL``.

    Engine.IO's own default also trusts ``X-Forwarded-Host`` from anyone, and compares
    ``example.org:443`` and ``example.org`` as different origins.
    """
    public = origin_of(public_url)

    def accepted(origin: str | None, environ: dict[str, Any]) -> bool:
        seen = origin_of(origin)
        if seen is None:
            return False
        if seen == public:
            return True
        host = environ.get("HTTP_HOST")
        scheme = environ.get("wsgi.url_scheme", "http")
        return bool(host) and seen == origin_of(f"{scheme}://{host}")

    return accepted
