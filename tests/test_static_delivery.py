"""What the browser downloads: compressed pages, styles and scripts, and static files (the
script strings too) under versioned URLs that are cached for a year — in the Flask test
client and from a real ``cafe run`` (gevent)."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
import requests
from flask.testing import FlaskClient

from cafe.assets import IMMUTABLE, REVALIDATE, StaticVersions
from cafe.security import CSP
from tests.conftest import ROOT, LiveServer, MakeEvent, parse_links

STATIC = ROOT / "static"
VERSIONED = re.compile(r'(?:src|href)="(/(?:static|i18n)/[^"?]+)\?v=([0-9a-f]{12})"')


def decode(body: bytes, encoding: str | None) -> bytes:
    """The body as sent before compression."""
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return bytes(brotli.decompress(body))
    assert encoding is None, encoding
    return body


def phone_page(client: FlaskClient, make_event: MakeEvent) -> str:
    ev = make_event(tables=3)
    return client.get(f"/j/{ev.code}").get_data(as_text=True)


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
    assert response.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize("query", ["", "?v=000000000000", "?v=stale"])
def test_a_file_asked_for_without_its_current_version_is_revalidated(
    client: FlaskClient, query: str
) -> None:
    response = client.get(f"/static/js/common.js{query}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == REVALIDATE


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
        assert packed.headers["Content-Security-Policy"] == CSP, path
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
    assert page.headers["Content-Security-Policy"] == CSP
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
            assert response.headers["Content-Security-Policy"] == CSP, path
            content = decode(raw, encoding)
            assert hashlib.sha256(content).hexdigest()[:12] == links[path], path
            assert len(raw) < len(content) * 0.6, path
