"""What the browser downloads: compressed pages, styles and scripts, and static files (the
script strings too) under versioned URLs that are cached for a year — in the Flask test
client and from a real ``cafe run`` (gevent)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import posixpath
import re
from pathlib import Path
from typing import Any

import brotli
import pytest
import requests
from flask.testing import FlaskClient

from cafe.assets import FILE_ONLY_HEADERS, IMMUTABLE, REVALIDATE, StaticVersions
from cafe.security import CSP, HEADERS, SUBRESOURCE_HEADERS, csp
from tests.conftest import ROOT, LiveServer, MakeEvent, parse_links

STATIC = ROOT / "static"
VERSIONED = re.compile(r'(?:src|href)="(/(?:static|i18n)/[^"?]+)\?v=([0-9a-f]{12})"')
IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)
# A module's static imports: `import … from "./x.js"`, `import "./x.js"`; and dynamic ones.
IMPORTS = re.compile(r'^\s*import\s+(?:[^;]*?\s+from\s+)?"([^"]+)";', re.M)
DYNAMIC_IMPORTS = re.compile(r'\bimport\(\s*"([^"]+)"\s*\)')
MODULE_SCRIPT = re.compile(r'<script type="module" src="(/static/js/[^"?]+)\?v=')


def decode(body: bytes, encoding: str | None) -> bytes:
    """The body as sent before compression."""
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return bytes(brotli.decompress(body))
    assert encoding is None, encoding
    return body


def assert_subresource_headers(headers: Any) -> None:
    """A script's answer: nosniff and the referrer policy, none of the document-only ones."""
    for name, value in SUBRESOURCE_HEADERS:
        assert headers[name] == value, name
    for name in {name for name, _value in HEADERS} - {name for name, _value in SUBRESOURCE_HEADERS}:
        assert name not in headers, name


def page_csp(body: str) -> str:
    """The CSP a response with ``body`` must have: the policy, allowing the import map of a
    page with modules by its hash."""
    return csp(
        base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        for text in IMPORT_MAP.findall(body)
    )


def phone_page(client: FlaskClient, make_event: MakeEvent) -> str:
    ev = make_event(tables=3)
    return client.get(f"/j/{ev.code}").get_data(as_text=True)


def module_imports(path: str) -> list[str]:
    """The URL paths the module at ``path`` (``/static/js/…``) imports, dynamically too."""
    text = (ROOT / path.lstrip("/")).read_text()
    specifiers = IMPORTS.findall(text) + DYNAMIC_IMPORTS.findall(text)
    for specifier in specifiers:
        assert specifier.startswith(("./", "../")), (path, specifier)
    return [posixpath.normpath(posixpath.join(posixpath.dirname(path), s)) for s in specifiers]


def test_the_phone_page_links_every_file_under_a_hash_of_its_content(
    client: FlaskClient, make_event: MakeEvent
) -> None:
    links = dict(VERSIONED.findall(phone_page(client, make_event)))
    assert {
        "/static/css/app.css",
        "/static/vendor/socket.io.min.js",
        "/static/js/common.js",
        "/static/js/phone.js",
        "/static/favicon.svg",
        "/i18n/fi.js",
    } <= set(links)
    for path, version in links.items():
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200, path
        if path.startswith("/static/"):
            content = (STATIC / path.removeprefix("/static/")).read_bytes()
            assert response.data == content
        assert version == hashlib.sha256(response.data).hexdigest()[:12], path


@pytest.mark.parametrize(
    "path", ["/static/js/phone.js", "/static/vendor/socket.io.min.js", "/static/favicon.svg"]
)
def test_a_file_under_its_current_version_is_cached_for_a_year_and_sets_no_cookie(
    client: FlaskClient, path: str
) -> None:
    version = hashlib.sha256((STATIC / path.removeprefix("/static/")).read_bytes()).hexdigest()
    client.get("/")  # a session cookie to send along, as a browser would
    response = client.get(f"{path}?v={version[:12]}", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Cache-Control"] == IMMUTABLE
    # Vary: Cookie would make a browser ask again whenever the session cookie changed.
    assert response.headers["Vary"] == "Accept-Encoding"
    assert "Set-Cookie" not in response.headers
    assert "Expires" not in response.headers
    # Never revalidated nor fetched in parts: no validators, no file headers (bytes per file).
    assert not set(FILE_ONLY_HEADERS) & set(response.headers.keys())
    if path.endswith(".svg"):  # an SVG opened by itself is a document: every header
        assert response.headers["Content-Security-Policy"] == CSP
    else:  # a script only a page loads: the document-only headers would be bytes for nothing
        assert_subresource_headers(response.headers)


@pytest.mark.parametrize("query", ["", "?v=000000000000", "?v=stale"])
def test_a_file_asked_for_without_its_current_version_is_revalidated(
    client: FlaskClient, query: str
) -> None:
    response = client.get(f"/static/js/common.js{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == REVALIDATE
    assert "ETag" in response.headers  # what a revalidation asks about


def test_a_page_with_modules_maps_each_of_its_modules_to_its_versioned_url(
    client: FlaskClient, make_event: MakeEvent
) -> None:
    """Modules import each other by relative URL; the import map sends each plain URL to
    the versioned one, so an edited module gets a new URL wherever it is imported. It names
    the page's own modules only: every load of the page carries it."""
    page = phone_page(client, make_event)
    (text,) = IMPORT_MAP.findall(page)
    assert page.index('type="importmap"') < page.index('type="module"')
    imports = json.loads(text)["imports"]
    phone_parts = [p.relative_to(STATIC).as_posix() for p in (STATIC / "js" / "phone").glob("*.js")]
    own = {"js/phone.js", "js/outbox.js", "js/vote.js", "js/ballot.js", *phone_parts}
    assert {url.removeprefix("/static/") for url in imports} == own
    for plain, versioned in imports.items():
        content = (STATIC / plain.removeprefix("/static/")).read_bytes()
        assert versioned == f"{plain}?v={hashlib.sha256(content).hexdigest()[:12]}"
        assert client.get(versioned).headers["Cache-Control"] == IMMUTABLE, versioned


@pytest.mark.parametrize("screen", ["phone", "board"])
def test_every_import_of_a_pages_modules_is_in_its_import_map(
    client: FlaskClient, make_event: MakeEvent, screen: str
) -> None:
    """An import the map does not name would be fetched unversioned (and a typo never);
    the dynamic import of the voting code included."""
    ev = make_event(tables=2)
    url = f"/j/{ev.code}" if screen == "phone" else f"/b/{ev.board_token}"
    page = client.get(url).get_data(as_text=True)
    imports = json.loads(IMPORT_MAP.findall(page)[0])["imports"]
    reached: set[str] = set()
    todo = MODULE_SCRIPT.findall(page)
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(module_imports(module))
    assert f"/static/js/{screen}.js" in reached
    assert set(imports) == reached


def test_every_import_between_modules_names_a_module_that_exists() -> None:
    found = 0
    for module in (STATIC / "js").rglob("*.js"):
        for target in module_imports("/" + module.relative_to(ROOT).as_posix()):
            assert (ROOT / target.lstrip("/")).is_file(), (module, target)
            found += 1
    assert found >= 10  # gather.js, board.js and phone.js import their parts


def test_only_a_page_with_modules_allows_an_inline_script_and_only_its_import_map(
    client: FlaskClient, make_event: MakeEvent
) -> None:
    ev = make_event(tables=2)
    response = client.get(f"/j/{ev.code}")
    page = response.get_data(as_text=True)
    assert len(IMPORT_MAP.findall(page)) == 1
    assert response.headers["Content-Security-Policy"] == page_csp(page) != CSP
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    front = client.get("/")
    assert not IMPORT_MAP.findall(front.get_data(as_text=True))
    assert front.headers["Content-Security-Policy"] == CSP


def test_pages_are_never_cached(client: FlaskClient, make_event: MakeEvent) -> None:
    ev = make_event(tables=2)
    for path in ("/", f"/j/{ev.code}", "/login"):
        assert client.get(path).headers["Cache-Control"] == REVALIDATE, path


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_pages_styles_scripts_and_svg_are_compressed_when_the_browser_accepts_it(
    client: FlaskClient, make_event: MakeEvent, encoding: str
) -> None:
    ev = make_event(tables=2)
    versioned = dict(VERSIONED.findall(client.get(f"/j/{ev.code}").get_data(as_text=True)))
    paths = [
        f"/j/{ev.code}",
        f"/qr/{ev.code}.svg",
        *(f"{p}?v={versioned[p]}" for p in ("/static/css/app.css", "/i18n/fi.js")),
        *(f"{p}?v={versioned[p]}" for p in ("/static/js/phone.js", "/static/js/common.js")),
        f"/static/vendor/socket.io.min.js?v={versioned['/static/vendor/socket.io.min.js']}",
    ]
    for path in paths:
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers, path
        packed = client.get(path, headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert packed.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in packed.headers["Vary"], path
        assert int(packed.headers["Content-Length"]) == len(packed.data), path
        assert len(packed.data) < len(plain.data) * 0.6, path
        if not path.startswith("/j/"):  # a page signs a new CSRF token each time
            assert decode(packed.data, encoding) == plain.data, path
        # The security headers middleware still wraps the compressed response.
        if path.startswith(("/j/", "/qr/")):  # documents: the page's own policy
            assert packed.headers["Content-Security-Policy"] == page_csp(
                decode(packed.data, encoding).decode()
            ), path
        else:
            assert_subresource_headers(packed.headers)
        assert packed.headers["X-Content-Type-Options"] == "nosniff", path


def test_a_range_of_a_file_is_sent_as_it_is(client: FlaskClient) -> None:
    """Compressing a slice of a file would not be the slice asked for."""
    response = client.get(
        "/static/js/common.js", headers={"Range": "bytes=0-9", "Accept-Encoding": "gzip, br"}
    )
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert response.data == (STATIC / "js" / "common.js").read_bytes()[:10]


def test_an_edited_file_gets_a_new_version(tmp_path: Path) -> None:
    versions = StaticVersions()
    (tmp_path / "a.js").write_text("let a = 1;\n")
    first = versions.version(str(tmp_path), "a.js")
    assert first == hashlib.sha256(b"let a = 1;\n").hexdigest()[:12]
    (tmp_path / "a.js").write_text("let a = 22;\n")
    assert versions.version(str(tmp_path), "a.js") not in (None, first)
    assert versions.version(str(tmp_path), "missing.js") is None
    assert versions.version(str(tmp_path), "../a.js") is None
    assert versions.version(str(tmp_path), ".") is None


@pytest.mark.server
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_cafe_run_with_gevent_compresses_and_caches_too(
    live_server: LiveServer, encoding: str
) -> None:
    phone = parse_links(live_server.output)["phone"]
    page = requests.get(phone, headers={"Accept-Encoding": encoding}, stream=True, timeout=10)
    body = decode(page.raw.read(decode_content=False), page.headers.get("Content-Encoding"))
    assert page.headers["Content-Encoding"] == encoding
    assert page.headers["Cache-Control"] == REVALIDATE
    assert page.headers["Content-Security-Policy"] == page_csp(body.decode())
    links = dict(VERSIONED.findall(body.decode()))
    for path in ("/static/vendor/socket.io.min.js", "/static/js/phone.js", "/i18n/fi.js"):
        url = f"{live_server.url}{path}?v={links[path]}"
        for _ in range(2):  # the second answer comes from the compressed copy kept
            response = requests.get(
                url, headers={"Accept-Encoding": encoding}, stream=True, timeout=10
            )
            raw = response.raw.read(decode_content=False)
            assert response.headers["Content-Encoding"] == encoding, path
            assert response.headers["Cache-Control"] == IMMUTABLE, path
            assert_subresource_headers(response.headers)
            content = decode(raw, encoding)
            assert hashlib.sha256(content).hexdigest()[:12] == links[path], path
            assert len(raw) < len(content) * 0.6, path
