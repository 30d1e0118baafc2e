"""The core loop in a real Chromium: phones at tables, the board, the facilitator."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Pages
from tests.browser.helpers import login, post, sit
from tests.conftest import LiveServer, start_server

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_idea_reaches_same_table_phone_and_once_core_the_board_never_another_table(
    pages: Pages,
) -> None:
    """Two phones at table 1, one at table 2, and the projected board."""
    board = pages.open(pages.links["board"], width=1600, height=900)
    first = pages.open(pages.links["phone"])
    second = pages.open(pages.links["phone"])
    other = pages.open(pages.links["phone"])
    sit(first, "Pöytä 1", role="kokemusasiantuntija")
    sit(second, "Pöytä 1")
    sit(other, "Pöytä 2")
    expect(board.locator('.board-table:has(h2:text-is("Pöytä 1")) .count')).to_contain_text("2")

    idea = "Asiakkaan ääni kuuluviin palvelujärjestelmän sisällä"
    post(first, idea)
    expect(second.locator("#post-list")).to_contain_text(idea)
    expect(first.locator("#post-list .post", has_text=idea)).not_to_have_class(
        re.compile("pending")
    )
    # Not a core idea yet: the board shows nothing.
    expect(board.locator(".board-table .core")).to_have_count(0)

    first.locator("#host-toggle").click()
    expect(first.locator("#host-box")).to_have_class(re.compile("is-host"))
    expect(second.locator("#host-toggle")).to_be_hidden()
    first.locator("#post-list .post", has_text=idea).get_by_role("button").first.click()

    column = board.locator('.board-table:has(h2:text-is("Pöytä 1"))')
    expect(column.locator(".core")).to_contain_text(idea)
    expect(second.locator("#core-list")).to_contain_text(idea)

    # Table 2 never saw it, and its board column stays empty.
    time.sleep(0.5)
    expect(other.locator("#table")).not_to_contain_text(idea)
    other_column = board.locator('.board-table:has(h2:text-is("Pöytä 2"))')
    expect(other_column.locator(".core")).to_have_count(0)
    # A projected board never scrolls.
    assert board.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert pages.errors == []


def test_facilitator_phase_timer_and_hiding_reach_board_and_phones(pages: Pages) -> None:
    """The control page steers; every screen follows within a second."""
    control = login(pages)
    board = pages.open(pages.links["board"], width=1600, height=900)
    phone = pages.open(pages.links["phone"])
    sit(phone, "Pöytä 3")
    phone.locator("#host-toggle").click()
    expect(phone.locator("#host-box")).to_have_class(re.compile("is-host"))
    text = "Näennäisosallisuus tulisi sulkea pois <b>heti</b>"
    post(phone, text, core=True)
    column = board.locator('.board-table:has(h2:text-is("Pöytä 3"))')
    expect(column.locator(".core")).to_have_text(re.compile(re.escape(text)))

    control.locator('[data-phase="tables"]').click()
    for page in (board, phone):
        expect(page.locator("#phase")).to_have_text("Pöytäkeskustelut", timeout=1000)

    control.locator("#timer-minutes").fill("15")
    control.locator("#timer-form button[type=submit]").click()
    control.locator('[data-timer="start"]').click()
    for page in (board, phone):
        expect(page.locator("#timer")).to_have_text(re.compile(r"^1[45]:\d\d$"), timeout=1000)

    control.locator("#table-filter").select_option(label="Pöytä 3")
    feed = control.locator("#feed")
    feed.locator(".post", has_text="Näennäisosallisuus").get_by_role("button").click()
    expect(column.locator(".core")).to_have_count(0, timeout=1000)
    expect(phone.locator("#table")).not_to_contain_text("Näennäisosallisuus", timeout=1000)
    expect(feed.locator(".post.is-hidden")).to_have_count(1)

    # The audit trail below the tables names the account and the table, at local HH:MM.
    trail = control.locator("#audit")
    trail.locator("summary").click()
    newest = trail.locator(".audit-table tbody tr").first
    expect(newest.locator("td").nth(1)).to_have_text("facilitator", timeout=1000)
    expect(newest.locator("td").nth(3)).to_have_text("Pöytä 3")
    expect(newest.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    assert "Näennäisosallisuus" not in trail.inner_text()
    assert pages.errors == []


def test_phone_page_fits_a_360_px_screen_and_escapes_text(pages: Pages) -> None:
    """Nothing scrolls sideways on a small phone; markup in an idea stays text."""
    phone = pages.open(pages.links["phone"], width=360)
    sit(phone, "Pöytä 4", role="asiakas")
    post(phone, "<img src=x onerror=alert(1)> " + "pitkäsanainenyhdyssana" * 8)
    expect(phone.locator("#post-list .post")).to_have_count(1)
    assert phone.locator("#post-list img").count() == 0
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360


def test_table_qr_link_seats_the_phone_at_its_table(pages: Pages) -> None:
    """The table card's QR opens the phone page with that table chosen."""
    phone = pages.open(pages.links["phone"] + "/2")
    expect(phone.locator('#seat [aria-pressed="true"]')).to_have_text("Pöytä 2")
    phone.locator("#sit").click()
    expect(phone.locator("#table-name")).to_have_text("Pöytä 2")


def test_post_written_while_server_is_down_arrives_after_it_returns(
    browser: object, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Nothing posted is lost: the outbox survives a dead server and a page reload."""
    from tests.browser.conftest import Pages

    instance = tmp_path_factory.mktemp("restart")
    server = start_server(instance)
    pages = Pages(browser, server)  # type: ignore[arg-type]
    try:
        board = pages.open(pages.links["board"], width=1600, height=900)
        writer = pages.open(pages.links["phone"])
        reader = pages.open(pages.links["phone"])
        sit(writer, "Pöytä 5")
        sit(reader, "Pöytä 5")
        writer.locator("#host-toggle").click()
        expect(writer.locator("#host-box")).to_have_class(re.compile("is-host"))

        port = int(server.url.rsplit(":", 1)[1])
        server.process.terminate()
        server.process.wait(timeout=10)
        expect(writer.locator("#status")).to_have_class(re.compile("offline"), timeout=15000)
        post(writer, "Kirjoitettu katkon aikana", core=True)
        expect(writer.locator("#core-list .post.pending")).to_have_count(1)
        # The outbox lives in localStorage, not in the page: it survives a reload.
        stored = writer.evaluate(f"localStorage.getItem('cafe.outbox.{pages.links['code']}')")
        assert "Kirjoitettu katkon aikana" in stored

        restarted: LiveServer = start_server(instance, port=port)
        server.process = restarted.process
        writer.reload()  # races the old page's own resend; the server stores the id once
        expect(reader.locator("#core-list")).to_contain_text(
            "Kirjoitettu katkon aikana", timeout=20000
        )
        column = board.locator('.board-table:has(h2:text-is("Pöytä 5"))')
        expect(column.locator(".core")).to_have_count(1, timeout=20000)
        expect(writer.locator(".post.pending")).to_have_count(0)
        # Exactly once, whatever was resent.
        expect(reader.locator(".post", has_text="Kirjoitettu katkon aikana")).to_have_count(1)
    finally:
        pages.close()
        server.process.terminate()
        server.process.wait(timeout=10)
