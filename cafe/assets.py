"""What the browser downloads, made small: compressed responses and static files that are
fetched once.

A phone on a venue's Wi-Fi loads one page, a stylesheet and three scripts (Socket.IO's
client the largest). Every text response (HTML, CSS, JavaScript, SVG, JSON) is compressed
by Flask-Compress when the browser accepts it (br, else gzip, else zstd; a browser that
offers none gets the plain bytes; bench/page_weight.py measures both). Static files are
linked with a hash of their content in the URL (``/static/js/phone.js?v=3f2a…``) and such
a URL is cached for a year as ``immutable``: a phone that comes back, or opens the page
again after a reconnect, asks for none of them, and a changed file gets a new URL. HTML
pages are never cached (``no-cache``): they carry the event's state and a CSRF token.

The script strings of each language (``/i18n/<lang>.js``) are versioned the same way.
Versioned content is compressed once per version and algorithm and kept in memory (a
handful of files), not again for each of a thousand phones arriving at once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response
from werkzeug.security import safe_join

from cafe.extensions import compress

#: ``Cache-Control`` of a static file asked for under its current versioned URL.
IMMUTABLE = "public, max-age=31536000, immutable"

#: ``Cache-Control`` of everything else the browser must check each time (HTML pages, a
#: static file asked for without its version or under a stale one).
REVALIDATE = "no-cache"

#: Hex digits of the content's SHA-256 in a static URL.
VERSION_LENGTH = 12


class StaticVersions:
    """The content hash of each static file, recomputed when its size or mtime changes
    (an edited file during development gets a new URL without a restart)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def version(self, folder: str, filename: str) -> str | None:
        """The version of ``filename`` under ``folder``; None when no such file."""
        path = safe_join(folder, filename)
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        with self._lock:
            known = self._known.get(path)
        if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        try:
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()[:VERSION_LENGTH]
        except OSError:  # a folder, or gone since the stat
            return None
        with self._lock:
            self._known[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest


#: How an endpoint's content version is found from its URL values (None: no such content).
VersionOf = Callable[[Mapping[str, Any]], str | None]


def register_versioned(app: Flask, endpoint: str, version_of: VersionOf) -> None:
    """Serve ``endpoint`` like a static file: ``url_for`` adds ``v=<version>``, the
    current version is cached for a year, its compressed bytes are kept, and it never
    touches the session."""
    app.extensions["cafe_versioned"][endpoint] = version_of


def _static_version(values: Mapping[str, Any]) -> str | None:
    versions: StaticVersions = current_app.extensions["cafe_static_versions"]
    return versions.version(current_app.static_folder or "", str(values.get("filename", "")))


def _current_version(endpoint: str | None, values: Mapping[str, Any]) -> str | None:
    """The version of what ``endpoint`` serves for ``values``; None when not versioned."""
    version_of = current_app.extensions["cafe_versioned"].get(endpoint)
    return version_of(values) if version_of is not None else None


def _versioned_request() -> bool:
    return has_request_context() and request.endpoint in current_app.extensions["cafe_versioned"]


class CompressionCache:
    """Flask-Compress's cache backend: keeps the compressed bytes of versioned content only.

    Flask-Compress asks its cache about every response it compresses; :func:`cache_key`
    names versioned content by endpoint, URL values and version and leaves every other
    response (pages, which differ each time) with an empty name, which is never stored.
    """

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        """The compressed bytes stored under ``key``, if any."""
        return self._data.get(key)

    def set(self, key: str, value: bytes) -> None:
        """Store versioned content's compressed bytes (keys ``"<algorithm>;versioned:…"``)."""
        if ";versioned:" in key:
            self._data[key] = value


def cache_key(req: Any) -> str:
    """Flask-Compress's cache key: versioned content's name and version, else ``""``."""
    values = req.view_args or {}
    version = _current_version(req.endpoint, values)
    if version is None:
        return ""
    named = ",".join(f"{k}={v}" for k, v in sorted(values.items()))
    return f"versioned:{req.endpoint}:{named}:{version}"


def _add_version(endpoint: str, values: dict[str, Any]) -> None:
    """``url_for`` of versioned content (``static`` and the like) gets ``v=<version>``."""
    if "v" in values:
        return
    version = _current_version(endpoint, values)
    if version:
        values["v"] = version


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except that versioned content never saves the
    session.

    Flask-Login looks at the session after every request, and a session that was looked
    at makes Flask add ``Vary: Cookie`` to the response. A static file is the same for
    everyone: with that header a browser would ask again for a cached script whenever
    the session cookie had changed since (every page that signs a new CSRF token).
    """

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Save as Flask does, except for versioned content."""
        if _versioned_request():
            return
        super().save_session(app, session, response)


def _cache_headers(response: Response) -> Response:
    """A year for versioned content asked for under its current version; revalidation
    for the rest (under no version or a stale one, and HTML pages)."""
    if _versioned_request():
        version = _current_version(request.endpoint, request.view_args or {})
        if version is not None and request.args.get("v") == version:
            response.headers["Cache-Control"] = IMMUTABLE
            # Expires dates from send_file's own max-age (none): Cache-Control decides.
            response.headers.pop("Expires", None)
        else:
            response.headers["Cache-Control"] = REVALIDATE
    elif response.mimetype == "text/html" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = REVALIDATE
    return response


def _compressed(response: Response) -> Response:
    """Compress ``response`` through Flask-Compress when that is right for it.

    A partial response (a ``Range`` request) stays as it is: compressing a slice of a
    file would not be the slice asked for. A whole static file is read into memory first
    so that Flask-Compress compresses it once and serves it from its cache after that
    (it would otherwise compress the file's stream again for every request).
    """
    if response.status_code != 200:
        return response
    if request.endpoint == "static" and response.direct_passthrough:
        response.direct_passthrough = False
        response.make_sequence()
    result: Response = compress.after_request(response)
    return result


def init_app(app: Flask) -> None:
    """Versioned static URLs, their cache headers and compression for ``app``."""
    app.extensions["cafe_static_versions"] = StaticVersions()
    app.extensions["cafe_versioned"] = {}
    register_versioned(app, "static", _static_version)
    from cafe.i18n import catalog_version

    register_versioned(app, "i18n.catalog", catalog_version)
    app.config.setdefault("COMPRESS_CACHE_BACKEND", CompressionCache)
    app.config.setdefault("COMPRESS_CACHE_KEY", cache_key)
    # HTML, CSS, JavaScript, SVG and JSON are in Flask-Compress's default list of types.
    # Brotli at quality 5 beats gzip -6 by 5-7 % on our files at about the same speed
    # (quality 4, the default, loses to gzip); zstd, fastest but largest, comes after both.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip", "zstd", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    # Registered below, in order with the cache headers.
    app.config.setdefault("COMPRESS_REGISTER", False)
    compress.init_app(app)
    app.url_defaults(_add_version)
    app.session_interface = SessionInterface()
    # after_request functions run last-registered first: headers, then compression (so
    # that Flask-Compress's conditional check sees the final headers).
    app.after_request(_compressed)
    app.after_request(_cache_headers)
