"""The pages' ES modules in a real Chromium: every script, imported ones included, is
fetched under its current version (the import map, cafe/assets.py), and the CSP lets the
map in (a refused inline script would be a console error)."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.browser.helpers import login, open_gathering, second_tab, sit
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.server]


def watch_scripts(page: Page) -> list[str]:
    """The URLs of the app's scripts ``page`` asks for from now on."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if "/static/js/" in r.url else None)
    return seen


def assert_current_versions(urls: list[str]) -> set[str]:
    """Each URL names its file's current content hash; returns the files' paths."""
    paths = set()
    for url in urls:
        parts = urlsplit(url)
        content = (ROOT / parts.path.lstrip("/")).read_bytes()
        assert parse_qs(parts.query).get("v") == [hashlib.sha256(content).hexdigest()[:12]], url
        paths.add(parts.path)
    return paths


def test_every_module_is_fetched_under_its_current_version(pages: Pages) -> None:
    facilitator = login(pages)
    gathering = watch_scripts(facilitator)
    open_gathering(pages, facilitator)
    assert assert_current_versions(gathering) >= {
        "/static/js/gather.js",
        "/static/js/gather/api.js",
        "/static/js/gather/revisions.js",
        "/static/js/gather/history.js",
        "/static/js/gather/drag.js",
    }

    board = second_tab(pages, facilitator)
    board_scripts = watch_scripts(board)
    board.goto(pages.links["board"])
    expect(board.locator(".board-table").first).to_be_visible()
    assert assert_current_versions(board_scripts) >= {
        "/static/js/board.js",
        "/static/js/pages/table-pager.js",
        "/static/js/pages/layout.js",
    }

    phone = second_tab(pages, facilitator)
    phone_scripts = watch_scripts(phone)
    phone.goto(pages.links["phone"])
    expect(phone.locator("#status")).not_to_have_class(re.compile("offline"))
    assert assert_current_versions(phone_scripts) >= {
        "/static/js/phone.js",
        "/static/js/outbox.js",
        "/static/js/phone/seat.js",
        "/static/js/phone/posts.js",
    }
    # The voting code is fetched once voting begins (a dynamic import), versioned too.
    assert not {"/static/js/vote.js", "/static/js/ballot.js"} & assert_current_versions(
        phone_scripts
    )
    sit(phone, "Pöytä 1")
    facilitator.goto(pages.links["control"])
    facilitator.locator('[data-phase="vote"]').click()
    expect(phone.locator("#vote-card")).to_be_visible()
    assert assert_current_versions(phone_scripts) >= {"/static/js/vote.js", "/static/js/ballot.js"}
    assert pages.errors == []
