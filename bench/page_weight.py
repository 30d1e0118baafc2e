"""Page weight: bytes a phone transfers to open the phone page, first and again.

Starts ``cafe run`` (gevent) in a temporary instance folder, creates an event and opens
its phone page (``/j/<code>``) in Debian's Chromium, driven by Playwright, at a phone's
size. Chromium's own network log (DevTools protocol) counts what went over the wire: every
HTTP response's encoded bytes, headers included (a file taken from the browser's cache
counts 0), and the websocket's frames. The figures are given for the page (the document
and the files it loads: the targets of issue 11 are for these) and for the live connection
(Engine.IO's long-polling requests and the websocket), which carries the event's state and
so grows with the event. The first load starts from an empty cache; the
repeat load opens the page again in a new tab of the same browser, as a phone does that
comes back to the link. Each load ends when the page is connected and has chosen a table
(the first load chooses one, the repeat load rejoins it), plus a quiet second.

    .venv/bin/python -m bench.page_weight            # figures as text
    .venv/bin/python -m bench.page_weight --json     # and as JSON on the last line
    .venv/bin/python -m bench.page_weight --accept-encoding "gzip, deflate"
    .venv/bin/python -m bench.page_weight --board    # the projected board's page instead
                                                     # (1920×1080; loaded when connected)

Only ever talks to 127.0.0.1; stops by itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

from bench.load import Server, create_event, log, spawn_server, stop_server

# The browser tests' Chromium and its flags (without them it tries Google's services).
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

#: A phone's screen.
VIEWPORT: ViewportSize = {"width": 360, "height": 740}

#: A projector's (``--board``).
BOARD_VIEWPORT: ViewportSize = {"width": 1920, "height": 1080}

#: The targets of issue 11: first load and repeat load of the phone page, in bytes.
FIRST_LOAD_TARGET = 50 * 1024
REPEAT_LOAD_TARGET = 5 * 1024


@dataclass
class Transfer:
    """One HTTP response as Chromium received it."""

    url: str
    kind: str
    status: int
    bytes: int
    encoding: str
    cached: bool


def is_connection(transfer: Transfer) -> bool:
    """Engine.IO's long-polling requests (the live connection, not the page)."""
    return transfer.url.startswith("/socket.io/")


@dataclass
class Load:
    """What one load of the page transferred."""

    responses: list[Transfer] = field(default_factory=list)
    websocket_bytes: int = 0

    @property
    def page_bytes(self) -> int:
        """The page: the document and every file it loads (headers and encoded bodies)."""
        return sum(t.bytes for t in self.responses if not is_connection(t))

    @property
    def connection_bytes(self) -> int:
        """The live connection: Engine.IO's long-polling requests and the websocket's
        frames (the event's state, which grows with the event, is part of it)."""
        polling = sum(t.bytes for t in self.responses if is_connection(t))
        return polling + self.websocket_bytes

    @property
    def total(self) -> int:
        """Page and connection together."""
        return self.page_bytes + self.connection_bytes

    def summary(self) -> dict[str, Any]:
        """The figures as plain data."""
        return {
            "page_bytes": self.page_bytes,
            "connection_bytes": self.connection_bytes,
            "websocket_bytes": self.websocket_bytes,
            "total_bytes": self.total,
            "requests": len(self.responses),
            "from_cache": sum(1 for t in self.responses if t.cached),
            "responses": [asdict(t) for t in self.responses],
        }


class NetworkLog:
    """Chromium's network events for one tab, added up per load."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.load = Load()
        self._pending: dict[str, Transfer] = {}
        session = context.new_cdp_session(page)
        session.on("Network.responseReceived", self._response)
        session.on("Network.requestServedFromCache", self._from_cache)
        session.on("Network.loadingFinished", self._finished)
        session.on("Network.webSocketFrameReceived", self._frame)
        session.on("Network.webSocketFrameSent", self._frame)
        session.send("Network.enable")

    def _response(self, event: dict[str, Any]) -> None:
        response = event["response"]
        headers = {name.lower(): value for name, value in response.get("headers", {}).items()}
        self._pending[event["requestId"]] = Transfer(
            url=_short(response["url"]),
            kind=event.get("type", ""),
            status=int(response.get("status", 0)),
            bytes=0,
            encoding=headers.get("content-encoding", ""),
            cached=bool(response.get("fromDiskCache") or response.get("fromMemoryCache")),
        )

    def _from_cache(self, event: dict[str, Any]) -> None:
        transfer = self._pending.get(event["requestId"])
        if transfer is not None:
            transfer.cached = True

    def _finished(self, event: dict[str, Any]) -> None:
        transfer = self._pending.pop(event["requestId"], None)
        if transfer is None:
            return
        transfer.bytes = 0 if transfer.cached else int(event.get("encodedDataLength", 0))
        self.load.responses.append(transfer)

    def _frame(self, event: dict[str, Any]) -> None:
        self.load.websocket_bytes += len(event["response"].get("payloadData", "").encode())


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def open_phone_page(context: BrowserContext, url: str) -> Load:
    """Open ``url`` in a new tab of ``context``, wait until it is connected and seated,
    and return what it transferred."""
    page = context.new_page()
    network = NetworkLog(context, page)
    page.goto(url)
    connected = page.evaluate("window.CAFE_CATALOG.connected")
    expect(page.locator("#status")).to_have_text(connected)
    # Seated before (the repeat load): the page rejoins by itself; else it offers the tables.
    page.locator("#table:visible, #seat:visible").first.wait_for()
    if not page.locator("#table").is_visible():
        page.locator("#seat [data-table]").first.click()
        page.locator("#sit").click()
    page.locator("#compose").wait_for(state="visible")
    page.wait_for_timeout(1000)
    page.close()
    return network.load


def open_board_page(context: BrowserContext, url: str) -> Load:
    """Open the board at ``url`` in a new tab of ``context``, wait until it is connected
    and has drawn its tables, and return what it transferred."""
    page = context.new_page()
    network = NetworkLog(context, page)
    page.goto(url)
    connected = page.evaluate("window.CAFE_CATALOG.connected")
    expect(page.locator("#status")).to_have_text(connected)
    page.locator(".board-table").first.wait_for(state="visible")
    page.wait_for_timeout(1000)
    page.close()
    return network.load


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def measure(
    browser: Browser, phone_url: str, accept_encoding: str | None = None, *, board: bool = False
) -> tuple[Load, Load]:
    """The first and the repeat load of ``phone_url`` (with ``board``: a board's URL) in
    one fresh browser profile; ``accept_encoding`` replaces the browser's own header."""
    context = browser.new_context(viewport=BOARD_VIEWPORT if board else VIEWPORT)
    if accept_encoding is not None:
        context.set_extra_http_headers({"Accept-Encoding": accept_encoding})
    open_page = open_board_page if board else open_phone_page
    try:
        first = open_page(context, phone_url)
        repeat = open_page(context, phone_url)
    finally:
        context.close()
    return first, repeat


def phone_url(server: Server, workdir: Path, tables: int, *, board: bool = False) -> str:
    """Create an event on ``server`` and return its phone page's address (or its board's)."""
    event = create_event(server, 0, tables, workdir, isolated=True)
    return f"{server.url}/b/{event.board_token}" if board else f"{server.url}/j/{event.code}"


def report(first: Load, repeat: Load) -> str:
    """The figures as a table: the page's files one by one, the connection in one line."""
    lines = []
    for name, load, target in (
        ("first load", first, FIRST_LOAD_TARGET),
        ("repeat load", repeat, REPEAT_LOAD_TARGET),
    ):
        verdict = "within" if load.page_bytes <= target else "OVER"
        polls = [t for t in load.responses if is_connection(t)]
        lines.append(
            f"{name}: page {load.page_bytes / 1024:.1f} KB ({verdict} the target of "
            f"{target // 1024} KB), connection {load.connection_bytes / 1024:.1f} KB, "
            f"together {load.total / 1024:.1f} KB"
        )
        for t in load.responses:
            if is_connection(t):
                continue
            where = "cache" if t.cached else f"{t.bytes:>6} B"
            lines.append(f"    {where:>9}  {t.status}  {t.encoding or '-':<5} {t.url[:70]}")
        lines.append(
            f"    {sum(t.bytes for t in polls):>6} B  Engine.IO long-polling, {len(polls)} requests"
        )
        lines.append(f"    {load.websocket_bytes:>6} B  websocket frames")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=15, help="tables in the event (15)")
    parser.add_argument(
        "--accept-encoding",
        help="Accept-Encoding to send instead of Chromium's (on a plain-http LAN address "
        "Chromium may offer only 'gzip, deflate'; 'identity' measures without compression)",
    )
    parser.add_argument("--json", action="store_true", help="also print JSON on the last line")
    parser.add_argument(
        "--board", action="store_true", help="the board's page (the targets are the phone's)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cafe-page-weight-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        log("starting cafe run")
        server = spawn_server(instance, None)
        try:
            url = phone_url(server, Path(tmp), args.tables, board=args.board)
            log(f"measuring {url}")
            with chromium() as browser:
                first, repeat = measure(browser, url, args.accept_encoding, board=args.board)
        finally:
            stop_server(server)
    print(report(first, repeat))
    if args.json:
        print(json.dumps({"first": first.summary(), "repeat": repeat.summary()}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
