"""Real-browser fixtures: Playwright driving Debian's Chromium against a real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import LiveServer, parse_links

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. `make test` installs it; a missing one fails loudly."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            "Browser tests need Debian's chromium at /usr/bin/chromium: "
            "run `make test` as root (it installs it) or `sudo apt-get install chromium`."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Pages:
    """Opens pages in fresh browser contexts (each a separate phone with its own storage)."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.links = parse_links(server.output)
        self.contexts: list[object] = []
        self.errors: list[str] = []

    def open(self, url: str, width: int = 360, height: int = 740) -> Page:
        """A new context (phone or projector) at ``url``; console errors are collected."""
        context = self.browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"{url}: {exc}"))
        page.on(
            "console",
            lambda msg: self.errors.append(f"{url}: {msg.text}") if msg.type == "error" else None,
        )
        page.goto(url)
        return page

    def close(self) -> None:
        """Close every context opened."""
        for context in self.contexts:
            context.close()  # type: ignore[attr-defined]


@pytest.fixture
def pages(browser: Browser, live_server: LiveServer) -> Iterator[Pages]:
    """Factory of pages against the module's live server."""
    opened = Pages(browser, live_server)
    yield opened
    opened.close()
