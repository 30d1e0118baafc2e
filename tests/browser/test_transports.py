"""The pages open their socket as a websocket straight away (no long-polling requests before
"connected"), and a browser whose websockets cannot get through falls back to long-polling
and connects all the same (``static/js/common.js``, ``tryAllTransports``)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.helpers import sit
from tests.conftest import LiveServer, free_port, parse_links

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: A network that lets no websocket through: every websocket the page opens goes to a
#: port nothing listens on, and fails as a blocked one does (its ``error`` event).
BLOCK_WEBSOCKETS = """
(() => {
  const Real = window.WebSocket;
  window.blockedWebsockets = 0;
  function Blocked(url, protocols) {
    window.blockedWebsockets += 1;
    return new Real("ws://127.0.0.1:%d/blocked", protocols);
  }
  Blocked.prototype = Real.prototype;
  Object.assign(Blocked, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Blocked;
})();
"""


def phone_page(browser: Browser, url: str, *, blocked: bool) -> tuple[Page, list[str], list[str]]:
    """A phone page at ``url``; the Socket.IO requests' transports and its websockets' URLs."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(15_000)
    if blocked:
        context.add_init_script(BLOCK_WEBSOCKETS % free_port())
    page = context.new_page()
    requests: list[str] = []
    sockets: list[str] = []
    page.on(
        "request",
        lambda r: requests.append(r.url) if "/socket.io/" in r.url else None,
    )
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(url)
    return page, requests, sockets


def test_the_phone_page_connects_with_a_websocket_and_no_polling(
    browser: Browser, live_server: LiveServer
) -> None:
    page, requests, sockets = phone_page(
        browser, parse_links(live_server.output)["phone"], blocked=False
    )
    try:
        expect(page.locator("#status")).not_to_have_class(re.compile("offline"))
        sit(page, "Pöytä 2")
        assert [url for url in sockets if "transport=websocket" in url], sockets
        assert not [url for url in requests if "transport=polling" in url], requests
    finally:
        page.context.close()


def test_without_websockets_the_phone_page_falls_back_to_long_polling(
    browser: Browser, live_server: LiveServer
) -> None:
    page, requests, sockets = phone_page(
        browser, parse_links(live_server.output)["phone"], blocked=True
    )
    try:
        sit(page, "Pöytä 3")
        expect(page.locator("#status")).not_to_have_class(re.compile("offline"))
        assert page.evaluate("window.blockedWebsockets") >= 1  # a websocket was tried first
        assert [url for url in requests if "transport=polling" in url], requests
    finally:
        page.context.close()


def test_chromium_s_offer_of_compressed_websockets_is_declined(
    browser: Browser, live_server: LiveServer
) -> None:
    """Chromium offers ``permessage-deflate`` on every websocket; the server's answer names
    no extension (cafe/wire.py ``PlainWebSockets``), and the page connects all the same."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.set_default_timeout(15_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    offers: list[dict[str, str]] = []
    answers: list[dict[str, str]] = []

    def lowered(headers: dict[str, str]) -> dict[str, str]:
        return {name.lower(): value for name, value in headers.items()}

    cdp.on(
        "Network.webSocketWillSendHandshakeRequest",
        lambda event: offers.append(lowered(event["request"]["headers"])),
    )
    cdp.on(
        "Network.webSocketHandshakeResponseReceived",
        lambda event: answers.append(lowered(event["response"]["headers"])),
    )
    cdp.send("Network.enable")
    try:
        page.goto(parse_links(live_server.output)["phone"])
        sit(page, "Pöytä 1")
        expect(page.locator("#status")).not_to_have_class(re.compile("offline"))
        assert offers and all(
            "permessage-deflate" in offer.get("sec-websocket-extensions", "") for offer in offers
        ), offers
        assert answers and all("sec-websocket-extensions" not in answer for answer in answers), (
            answers
        )
    finally:
        context.close()
