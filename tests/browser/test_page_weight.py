"""The phone page's weight in a real Chromium against ``cafe run`` (bench/page_weight.py):
at most 50 KB the first time, at most 5 KB when opened again, every file then taken from
the browser's cache."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from bench.page_weight import FIRST_LOAD_TARGET, REPEAT_LOAD_TARGET, is_connection, measure
from tests.conftest import LiveServer, parse_links

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_the_phone_page_weighs_under_50_kb_first_and_under_5_kb_again(
    browser: Browser, live_server: LiveServer
) -> None:
    first, repeat = measure(browser, parse_links(live_server.output)["phone"])

    files = [t for t in first.responses if not is_connection(t)]
    assert {t.url.split("?")[0] for t in files} >= {
        "/static/vendor/socket.io.min.js",
        "/static/js/common.js",
        "/static/js/phone.js",
        "/static/css/app.css",
        "/i18n/fi.js",
    }
    packed = [t.encoding for t in files if t.kind in ("Document", "Script")]
    assert set(packed) <= {"br", "gzip", "zstd"}, files
    assert first.page_bytes <= FIRST_LOAD_TARGET, first.summary()

    again = [t for t in repeat.responses if not is_connection(t) and t.kind != "Document"]
    assert again and all(t.cached for t in again), again
    assert repeat.page_bytes <= REPEAT_LOAD_TARGET, repeat.summary()
