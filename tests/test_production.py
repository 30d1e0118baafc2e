"""Running for a municipality's IT: a message queue that must work or stop the start, a
reverse proxy's forwarded scheme, host and client address, no client address in the
server's own log lines, and a PDF export that is missing alone when Pango is."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import websocket
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from markupsafe import escape

from cafe.domain.errors import DomainError
from cafe.message_queue import QueueUnavailable, check_message_queue, redacted
from cafe.messages import message_for
from cafe.proxy import origin_check
from cafe.qr import qr_svg
from cafe.serverlog import AddressFreeLog, without_addresses
from tests.conftest import (
    ROOT,
    EventInfo,
    LiveServer,
    free_port,
    login,
    parse_links,
    server_env,
    start_server,
)

CAFE = str(Path(sys.executable).parent / "cafe")
SAMPLE = ROOT / "sessions" / "cafe-social-2017-10-31.toml"
#: What nginx forwards for https://cafe.example:8443/ with ``Host $host`` (port dropped).
FORWARDED = {
    "X-Forwarded-For": "203.0.113.5",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "cafe.example",
    "X-Forwarded-Port": "8443",
}
PUBLIC_ORIGIN = "https://cafe.example:8443"


def blocked_modules(directory: Path, **modules: str) -> Path:
    """A directory for PYTHONPATH in which importing each module raises what its source
    says (it comes before site-packages): the package "is not installed" or cannot load."""
    for name, source in modules.items():
        (directory / name).mkdir(parents=True, exist_ok=True)
        (directory / name / "__init__.py").write_text(source)
    return directory


NO_REDIS = "raise ImportError(\"No module named 'redis'\")\n"
#: What WeasyPrint raises on a machine without Pango.
NO_PANGO = (
    "raise OSError(\"cannot load library 'libpango-1.0-0': libpango-1.0-0: "
    'cannot open shared object file: No such file or directory")\n'
)


def run_refused(instance: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``cafe run`` that is expected to stop by itself."""
    return subprocess.run(
        [CAFE, "run", "--port", str(free_port())],
        env=server_env(instance) | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- The message queue -------------------------------------------------------------------


@pytest.mark.server
def test_run_refuses_to_start_when_the_queue_cannot_be_reached(tmp_path: Path) -> None:
    closed = free_port()
    result = run_refused(tmp_path, {"CAFE_MESSAGE_QUEUE": f"redis://:hunter2@127.0.0.1:{closed}/0"})
    assert result.returncode == 1, result
    assert "Serving on" not in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: CAFE_MESSAGE_QUEUE=redis://:***@127.0.0.1:{closed}/0")
    assert "cannot be reached" in line and "start Redis there" in line
    assert "hunter2" not in result.stderr + result.stdout
    # Refused before anything was written: no database, no first-start password.
    assert not (tmp_path / "cafe.db").exists()
    assert "password" not in result.stdout


@pytest.mark.server
def test_run_refuses_to_start_with_a_queue_but_no_redis_package(tmp_path: Path) -> None:
    blocker = blocked_modules(tmp_path / "site", redis=NO_REDIS)
    result = run_refused(
        tmp_path / "instance",
        {"CAFE_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0", "PYTHONPATH": str(blocker)},
    )
    assert result.returncode == 1, result
    assert "Serving on" not in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "the redis package is not installed" in line
    assert "EXTRAS=redis" in line and ".[redis]" in line


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("amqp://guest:secret@127.0.0.1//", "is not a Redis URL"),
        ("redis://127.0.0.1:{closed}/0", "cannot be reached"),
        ("redis://user:secret@127.0.0.1:{closed}/0", "cannot be reached"),
    ],
)
def test_a_queue_that_cannot_relay_is_named_without_its_password(url: str, said: str) -> None:
    url = url.format(closed=free_port())
    with pytest.raises(QueueUnavailable) as refused:
        check_message_queue(url, timeout=2)
    assert said in str(refused.value)
    assert "secret" not in str(refused.value)
    assert redacted(url) in str(refused.value)


def test_no_queue_configured_needs_nothing() -> None:
    check_message_queue(None)
    check_message_queue("")


# --- Behind a reverse proxy ----------------------------------------------------------------


def an_event(app: Flask) -> EventInfo:
    from cafe.domain.plan import plan_from_mapping
    from cafe.facilitator.operations import create_event

    with app.app_context():
        event = create_event(
            plan_from_mapping({"topic": "Välittäjä", "date": "2017-10-31", "tables": 2})
        )
        return EventInfo(event.id, event.join_code, event.board_token, [])


def facilitator_client(app: Flask) -> FlaskClient:
    from cafe.auth.operations import create_user
    from tests.conftest import PASSWORD

    with app.app_context():
        create_user("fasilitaattori", PASSWORD, admin=True)
    return app.test_client()


def test_behind_a_tls_proxy_links_and_qr_codes_say_https(sqlite_app: Callable[..., Flask]) -> None:
    app = sqlite_app(CAFE_PROXY_HOPS=1)
    event = an_event(app)
    http = facilitator_client(app)
    login(http, "fasilitaattori")
    page = http.get(f"/events/{event.id}/", headers=FORWARDED)
    assert page.status_code == 200
    phone_url = f"{PUBLIC_ORIGIN}/j/{event.code}"
    assert phone_url in page.get_data(as_text=True)
    assert "http://cafe.example" not in page.get_data(as_text=True)
    qr = http.get(f"/qr/{event.code}.svg", headers=FORWARDED)
    assert qr.status_code == 200
    assert qr.data == qr_svg(phone_url)
    table_qr = http.get(f"/qr/{event.code}/2.svg", headers=FORWARDED)
    assert table_qr.data == qr_svg(f"{PUBLIC_ORIGIN}/j/{event.code}/2")


def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent(
    sqlite_app: Callable[..., Flask],
) -> None:
    app = sqlite_app(CAFE_PROXY_HOPS=1)
    http = facilitator_client(app)
    response = http.post(
        "/login",
        data={"username": "fasilitaattori", "password": "correct horse battery"},
        headers=FORWARDED,
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in cookie for cookie in cookies), cookies
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Engine.IO answers its handshake itself, past Flask: the middleware still adds HSTS.
    handshake = http.get(
        "/socket.io/?EIO=4&transport=polling",
        headers=FORWARDED | {"Origin": PUBLIC_ORIGIN},
    )
    assert handshake.status_code == 200
    assert handshake.headers["Strict-Transport-Security"] == "max-age=31536000"
    # The proxy's plain-http side (or a venue laptop) gets neither.
    plain = http.get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers
    assert all("Secure" not in c for c in plain.headers.getlist("Set-Cookie"))


def test_without_proxy_hops_forwarded_headers_are_ignored(
    sqlite_app: Callable[..., Flask],
) -> None:
    app = sqlite_app()
    event = an_event(app)
    http = facilitator_client(app)
    response = http.post(
        "/login",
        data={"username": "fasilitaattori", "password": "correct horse battery"},
        headers=FORWARDED,
    )
    assert all("Secure" not in c for c in response.headers.getlist("Set-Cookie"))
    assert "Strict-Transport-Security" not in response.headers
    qr = http.get(f"/qr/{event.code}.svg", headers=FORWARDED)
    assert qr.data == qr_svg(f"http://localhost/j/{event.code}")
    # Engine.IO by itself would trust X-Forwarded-Proto and X-Forwarded-Host from anyone.
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cafe.example"}
    handshake = http.get(
        "/socket.io/?EIO=4&transport=polling",
        headers=spoofed | {"Origin": "https://cafe.example"},
    )
    assert handshake.status_code == 400
    own = http.get(
        "/socket.io/?EIO=4&transport=polling", headers=spoofed | {"Origin": "http://localhost"}
    )
    assert own.status_code == 200


def test_the_join_limiter_counts_the_forwarded_client_not_the_proxy(
    sqlite_app: Callable[..., Flask],
) -> None:
    for hops, second_client_limited in ((1, False), (0, True)):
        app = sqlite_app(CAFE_PROXY_HOPS=hops, CAFE_JOIN_ATTEMPTS_PER_MINUTE=2)
        http = app.test_client()
        statuses = [
            http.post("/", data={"code": "ZZZZZZ"}, headers={"X-Forwarded-For": "203.0.113.5"})
            for _ in range(3)
        ]
        too_many = message_for_in(app, "fi", "too_many_attempts")
        assert too_many in statuses[-1].get_data(as_text=True)
        other = http.post("/", data={"code": "ZZZZZZ"}, headers={"X-Forwarded-For": "192.0.2.9"})
        assert (too_many in other.get_data(as_text=True)) is second_client_limited, hops


def message_for_in(app: Flask, language: str, code: str) -> str:
    """The sentence for ``code`` as a page in ``language`` shows it (HTML-escaped)."""
    with app.test_request_context(), force_locale(language):
        return str(escape(message_for(DomainError(code))))


@pytest.mark.parametrize(
    ("headers", "origin", "accepted"),
    [
        # nginx `Host $host` drops the port; X-Forwarded-Port puts it back.
        ({"Host": "cafe.example", **FORWARDED}, PUBLIC_ORIGIN, True),
        # `Host $http_host` keeps it; X-Forwarded-Host with the port.
        (
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cafe.example:8443"},
            PUBLIC_ORIGIN,
            True,
        ),
        # The default port, written or not, is the same origin.
        (
            {
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "cafe.example",
                "X-Forwarded-Port": "443",
            },
            "https://cafe.example",
            True,
        ),
        ({**FORWARDED}, "https://cafe.example", False),
        ({**FORWARDED}, "http://cafe.example:8443", False),
        ({**FORWARDED}, "https://evil.example:8443", False),
        ({**FORWARDED}, "null", False),
    ],
)
def test_socket_origin_is_checked_against_the_forwarded_host_and_port(
    sqlite_app: Callable[..., Flask], headers: dict[str, str], origin: str, accepted: bool
) -> None:
    app = sqlite_app(CAFE_PROXY_HOPS=1)
    response = app.test_client().get(
        "/socket.io/?EIO=4&transport=polling", headers=headers | {"Origin": origin}
    )
    assert response.status_code == (200 if accepted else 400), response.data


def test_the_public_url_is_an_accepted_origin_too() -> None:
    accepted = origin_check("https://cafe.example/")
    environ = {"HTTP_HOST": "127.0.0.1:5000", "wsgi.url_scheme": "http"}
    assert accepted("https://cafe.example", environ)
    assert accepted("https://cafe.example:443", environ)
    assert accepted("http://127.0.0.1:5000", environ)
    assert not accepted("https://cafe.example:8443", environ)
    assert not accepted(None, environ)


# --- A real server behind a proxy, on a machine without Pango ------------------------------


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``cafe run`` with CAFE_PROXY_HOPS=1, where WeasyPrint cannot load Pango."""
    root = tmp_path_factory.mktemp("proxied")
    blocker = blocked_modules(root / "site", weasyprint=NO_PANGO)
    path = os.pathsep.join(p for p in (str(blocker), os.environ.get("PYTHONPATH")) if p)
    server = start_server(root / "instance", env={"CAFE_PROXY_HOPS": "1", "PYTHONPATH": path})
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def server_log(server: LiveServer) -> str:
    return (server.instance / "server.log").read_text()


@pytest.mark.server
def test_the_server_serves_without_pango(proxied_server: LiveServer) -> None:
    front = requests.get(proxied_server.url + "/", timeout=5)
    assert front.status_code == 200
    assert "Serving on" in proxied_server.output
    assert "Traceback" not in server_log(proxied_server)


@pytest.mark.server
def test_a_websocket_from_the_proxys_public_origin_is_accepted(
    proxied_server: LiveServer,
) -> None:
    url = proxied_server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    headers = [f"{name}: {value}" for name, value in FORWARDED.items()]
    ws = websocket.create_connection(url, origin=PUBLIC_ORIGIN, header=headers, timeout=5)
    try:
        opened = ws.recv()
        assert isinstance(opened, str) and opened.startswith("0{")  # Engine.IO's open packet
    finally:
        ws.close()
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(
            url, origin="https://evil.example:8443", header=headers, timeout=5
        )


def from_other_loopback(port: int, request: bytes) -> bytes:
    """Send ``request`` from 127.0.0.2 (loopback too), so that the address is unmistakable."""
    with socket.create_connection(
        ("127.0.0.1", port), timeout=5, source_address=("127.0.0.2", 0)
    ) as raw:
        raw.sendall(request)
        return raw.recv(65536)


@pytest.mark.server
def test_the_servers_log_lines_carry_no_client_address(proxied_server: LiveServer) -> None:
    port = int(proxied_server.url.rsplit(":", 1)[1])
    before = len(server_log(proxied_server))
    assert from_other_loopback(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").startswith(
        b"HTTP/1.1 200"
    )
    answer = from_other_loopback(port, b"GET /\x00 HTTP/9.9\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    requests.get(proxied_server.url + "/healthz", headers=FORWARDED, timeout=5)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(server_log(proxied_server)) == before:
        time.sleep(0.05)
    written = server_log(proxied_server)[before:]
    assert "HTTP/9.9" in written  # gevent's error line for the malformed request is there…
    for address in ("127.0.0.2", "127.0.0.1", "203.0.113.5"):
        assert address not in written  # …without the client's address (nor its socket's)
    assert "203.0.113.5" not in server_log(proxied_server)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("(from ('192.0.2.7', 51234)) bad", "(from ('<address>', 51234)) bad"),
        ("raddr=('::1', 5000)", "raddr=('<address>', 5000)"),
        ("peer 2001:db8::7 and fe80::1%eth0", "peer <address> and <address>%eth0"),
        ("1:2:3:4:5:6:7:8", "<address>"),
        ("Wed Dec  2 12:58:20 2026 failed", "Wed Dec  2 12:58:20 2026 failed"),
        ("version 1.2.3 of gevent", "version 1.2.3 of gevent"),
    ],
)
def test_addresses_are_blanked_from_a_log_line(line: str, expected: str) -> None:
    assert without_addresses(line) == expected


def test_the_address_free_log_blanks_what_gevent_writes_through_it() -> None:
    stream = io.StringIO()
    log = AddressFreeLog(stream)
    log.write("<socket raddr=('198.51.100.4', 40000)>: Invalid request\n")
    log.writelines(["{'REMOTE_ADDR': '2001:db8::1'} failed with ValueError\n"])
    log.flush()
    assert stream.getvalue() == (
        "<socket raddr=('<address>', 40000)>: Invalid request\n"
        "{'REMOTE_ADDR': '<address>'} failed with ValueError\n"
    )


# --- The PDF export without Pango ----------------------------------------------------------


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_pdf_export_without_weasyprint_says_so_in_the_users_language(
    sqlite_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    app = sqlite_app()
    event = an_event(app)
    http = facilitator_client(app)
    login(http, "fasilitaattori")
    # The import itself fails, as it does where WeasyPrint is missing.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = http.get(f"/events/{event.id}/minutes/export/pdf?lang={language}")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    with app.test_request_context(), force_locale(language):
        heading = str(escape(gettext("PDF export is not available on this server.")))
    assert f"<h1>{heading}</h1>" in page
    assert message_for_in(app, language, "pdf_unavailable") in page
    assert f'href="/events/{event.id}/minutes/export/html"' in page
    # Only the PDF: the other formats still export.
    for fmt in ("html", "docx", "md"):
        assert http.get(f"/events/{event.id}/minutes/export/{fmt}").status_code == 200, fmt


@pytest.mark.server
def test_cli_pdf_export_without_pango_exits_1_with_the_message(tmp_path: Path) -> None:
    blocker = blocked_modules(tmp_path / "site", weasyprint=NO_PANGO)
    env = server_env(tmp_path / "instance") | {"PYTHONPATH": str(blocker)}
    created = subprocess.run(
        [CAFE, "event", "create", str(SAMPLE)], env=env, capture_output=True, text=True, check=True
    )
    code = parse_links(created.stdout)["code"]
    target = tmp_path / "muistio.pdf"
    result = subprocess.run(
        [CAFE, "export", code, "--format", "pdf", "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "the PDF export needs WeasyPrint and Debian's Pango" in line
    assert "libpango-1.0-0: cannot open shared object file" in line
    assert line.endswith("install them with: bash scripts/ensure-pango")
    assert not target.exists()
    markdown = subprocess.run(
        [CAFE, "export", code, "--format", "md"], env=env, capture_output=True, check=True
    )
    assert markdown.stdout.startswith(b"# Cafe Social")


@pytest.mark.parametrize("mode", [[], ["--warn"]])
def test_pango_is_found_on_a_machine_without_dpkg(tmp_path: Path, mode: list[str]) -> None:
    """scripts/ensure-pango (make run, make test) looks for the libraries, not for Debian's
    package records: with no dpkg (nor apt-get) on PATH, the installed Pango still passes."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # The interpreter itself: `python3` on PATH may be a wrapper script (pyenv's shim).
    (bin_dir / "python3").symlink_to(os.path.realpath(sys.executable))
    for tool in ("id", "grep", "ls", "fc-list"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    assert not (bin_dir / "dpkg-query").exists()
    result = subprocess.run(
        ["/bin/bash", str(ROOT / "scripts" / "ensure-pango"), *mode],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
