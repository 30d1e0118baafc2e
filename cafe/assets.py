"""What the browser downloads, made small: compressed responses and static files that are
fetched once.

A phone on a venue's Wi-Fi loads one page, a stylesheet and a few scripts (Socket.IO's
client the largest). Every text response (HTML, CSS, JavaScript, SVG, JSON) is compressed
by Flask-Compress when the browser accepts it (br, else gzip, else zstd; a browser that
offers none gets the plain bytes; bench/page_weight.py measures both). Static files are
linked with a hash of their content in the URL (``/static/js/phone.js?v=3f2a…``) and such
a URL is cached for a year as ``immutable``: a phone that comes back, or opens the page
again after a reconnect, asks for none of them, and a changed file gets a new URL. HTML
pages are never cached (``no-cache``): they carry the event's state and a CSRF token.

The scripts are ES modules that import each other by relative URL (``import … from
"./outbox.js"``, or ``import("./vote.js")`` when needed), which would bypass the version: a
page with modules carries an import map (:func:`import_map_tag`) that sends the plain URL
of each module its scripts reach to the versioned one, so an edited module gets a new URL
wherever it is imported from, and the page's
Content-Security-Policy allows that one inline script by its hash. A browser without
import maps (Safari before 16.4) ignores the map and asks for the plain URLs, which serve
the current file too, revalidated each time instead of cached for a year.

The script strings of each language (``/i18n/<lang>.js``) are versioned the same way.
Versioned content is compressed once per version and algorithm and kept in memory (a
handful of files), not again for each of a thousand phones arriving at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import posixpath
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Response
from markupsafe import Markup
from werkzeug.security import safe_join

from cafe.extensions import compress
from cafe.security import csp

#: ``Cache-Control`` of a static file asked for under its current versioned URL.
IMMUTABLE = "public, max-age=31536000, immutable"

#: ``Cache-Control`` of everything else the browser must check each time (HTML pages, a
#: static file asked for without its version or under a stale one).
REVALIDATE = "no-cache"

#: send_file's headers that an immutable response does without (:func:`_cache_headers`).
FILE_ONLY_HEADERS = ("ETag", "Last-Modified", "Accept-Ranges", "Content-Disposition")

#: Hex digits of the content's SHA-256 in a static URL.
VERSION_LENGTH = 12

#: The folder under ``static/`` whose scripts may be imported as ES modules.
MODULES = "js"

#: A module's imports of another by relative URL: ``import … from "./x.js"``, ``export …
#: from "./x.js"``, ``import "./x.js"`` and the dynamic ``import("./x.js")``.
IMPORTS = re.compile(r"""\b(?:from|import)\s*\(?\s*["'](\.\.?/[^"'\s]+\.js)["']""")


class StaticVersions:
    """The content hash of each static file, recomputed when its size or mtime changes
    (an edited file during development gets a new URL without a restart), and the modules
    each script imports."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, int, str]] = {}
        self._imports: dict[str, tuple[int, int, tuple[str, ...]]] = {}
        self._lock = threading.Lock()

    def imports(self, folder: str, filename: str) -> tuple[str, ...]:
        """The scripts (paths under ``folder``) the module ``filename`` imports by relative
        URL, statically or dynamically; none when no such file."""
        path = safe_join(folder, filename)
        if path is None:
            return ()
        try:
            stat = os.stat(path)
            with self._lock:
                known = self._imports.get(path)
            if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
                return known[2]
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            return ()
        here = posixpath.dirname(filename)
        found = tuple(
            dict.fromkeys(
                posixpath.normpath(posixpath.join(here, s)) for s in IMPORTS.findall(text)
            )
        )
        with self._lock:
            self._imports[path] = (stat.st_mtime_ns, stat.st_size, found)
        return found

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


def page_modules(entries: Iterable[str]) -> list[str]:
    """The modules a page loads: its ``entries`` (paths under ``static/``, ``"js/phone.js"``)
    and every module they import, directly or through each other, dynamic imports included,
    in the order found."""
    static = current_app.static_folder or ""
    versions: StaticVersions = current_app.extensions["cafe_static_versions"]
    found = dict.fromkeys(entries)
    todo = list(found)
    while todo:
        for module in versions.imports(static, todo.pop()):
            if module.startswith(f"{MODULES}/") and module not in found:
                found[module] = None
                todo.append(module)
    return list(found)


def import_map(entries: Iterable[str]) -> str:
    """The JSON of an import map sending each module the page's ``entries`` import (see
    :func:`page_modules`) from its plain URL to its versioned one
    (``{"imports": {"/static/js/outbox.js": "/static/js/outbox.js?v=…"}}``).

    A module's relative import resolves to the plain URL, which the browser then looks up
    here; the page is never cached, so the map always names the current versions. Only
    the page's own modules are named: the map is part of every load of the page. Safe
    inside ``<script>``: ``<``, ``>`` and ``&`` are escaped as JSON allows."""
    imports: dict[str, str] = {}
    for filename in sorted(page_modules(entries)):
        versioned = url_for("static", filename=filename)
        imports[versioned.partition("?")[0]] = versioned
    text = json.dumps({"imports": imports}, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def import_map_tag(*scripts: str) -> Markup:
    """The page's ``<script type="importmap">`` for its module ``scripts`` (names under
    ``static/js`` without ``.js``, as ``live_scripts`` in templates/_live.html takes them; a
    template global, before the first module script); the response's CSP then allows its
    text by hash (:func:`_allow_inline_scripts`)."""
    text = import_map(f"{MODULES}/{name}.js" for name in scripts)
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    hashes: list[str] = g.setdefault("cafe_script_hashes", [])
    if digest not in hashes:
        hashes.append(digest)
    return Markup(f'<script type="importmap">{text}</script>')


def _allow_inline_scripts(response: Response) -> Response:
    """A page that carries an import map gets a CSP that allows exactly that map's text."""
    hashes = g.get("cafe_script_hashes")
    if hashes:
        response.headers["Content-Security-Policy"] = csp(hashes)
    return response


def _cache_headers(response: Response) -> Response:
    """A year for versioned content asked for under its current version; revalidation
    for the rest (under no version or a stale one, and HTML pages)."""
    if _versioned_request():
        version = _current_version(request.endpoint, request.view_args or {})
        if version is not None and request.args.get("v") == version:
            response.headers["Cache-Control"] = IMMUTABLE
            # Expires dates from send_file's own max-age (none): Cache-Control decides.
            # A URL that never changes is never revalidated, nor fetched in parts: its
            # validators and the rest of send_file's file headers would only cost each of
            # a page's files some 150 bytes (a phone's first load fetches about ten).
            for name in ("Expires", *FILE_ONLY_HEADERS):
                response.headers.pop(name, None)
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
    app.after_request(_allow_inline_scripts)
    app.jinja_env.globals["import_map"] = import_map_tag
