"""Dot-voting in a real Chromium: three phones spread their dots on the sample event's
themes, the board counts them without telling how, and shows the chart once revealed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.browser.helpers import axe_serious, login, sit

pytestmark = [pytest.mark.browser, pytest.mark.server]


def add_dot(phone: Page, item: int) -> None:
    """Tap + on the phone's ``item``-th item (0-based)."""
    phone.locator(".vote-item").nth(item).locator(".vote-step").nth(1).click()


def test_three_phones_vote_and_the_board_reveals_the_chart(pages: Pages) -> None:
    control = login(pages)
    board = pages.open(pages.links["board"], width=1920, height=1080)
    phones = [pages.open(pages.links["phone"], width=360, height=740) for _ in range(3)]
    for number, phone in enumerate(phones, start=1):
        sit(phone, f"Pöytä {number}", role="asiakas" if number == 1 else None)

    control.locator('[data-phase="vote"]').click()
    for phone in phones:
        expect(phone.locator("#vote-card")).to_be_visible()
    expect(board.locator("#vote-view")).to_be_visible()
    expect(board.locator("#vote-voters")).to_have_text("0")

    first, second, third = phones
    add_dot(first, 1)
    add_dot(first, 1)
    add_dot(first, 0)
    # One phone: the word under the count is singular ("1 puhelin", not "1 puhelinta").
    expect(board.locator("#vote-voters")).to_have_text("1")
    expect(board.locator("#vote-voters-label")).to_have_text("puhelin on äänestänyt")
    # Three dots placed: every + is off, and the dots left say so (read aloud: aria-live).
    expect(first.locator("#vote-left")).to_have_attribute("aria-live", "polite")
    expect(first.locator("#vote-left")).to_contain_text("0")
    expect(first.locator(".vote-item").nth(2).locator(".vote-step").nth(1)).to_be_disabled()
    # At most two on one item: the second item's + is off after two.
    expect(first.locator(".vote-item").nth(1).locator(".vote-step").nth(1)).to_be_disabled()
    expect(first.locator(".vote-item").nth(1).locator(".vote-number")).to_have_text("2")
    add_dot(second, 1)
    add_dot(third, 2)
    add_dot(third, 2)
    expect(board.locator("#vote-voters")).to_have_text("3")
    expect(board.locator("#vote-voters-label")).to_have_text("puhelinta on äänestänyt")
    # While voting, no results anywhere but the count.
    expect(board.locator("#vote-chart svg")).to_have_count(0)
    expect(first.locator("#vote-results")).to_be_hidden()
    # Every control is a tap target of at least 48 px and the list fits 360 px.
    box = first.locator(".vote-step").first.bounding_box()
    assert box is not None and box["width"] >= 48 and box["height"] >= 48
    assert first.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_serious(first) == []

    # The phone that reloads gets its dots back.
    first.reload()
    expect(first.locator(".vote-item").nth(1).locator(".vote-number")).to_have_text("2")

    control.locator('[data-vote="vote_reveal"]').click()

    chart = board.locator("#vote-chart svg")
    expect(chart).to_be_visible()
    labels = chart.locator(".chart-label")
    expect(labels.first).to_have_text(first.locator(".vote-label").nth(1).inner_text())
    expect(chart.locator(".chart-count").first).to_have_text("3")
    # Legible from the back of the room: the chart's 32-unit labels at 28 px or more.
    width = chart.bounding_box()
    assert width is not None and width["width"] / 1600 * 32 >= 28
    expect(board.locator("#vote-voters")).to_be_hidden()
    expect(second.locator("#vote-results li").first).to_contain_text("3")
    expect(second.locator(".vote-step:not([disabled])")).to_have_count(0)
    assert axe_serious(board) == []

    # The memo's export carries the ranking (VOTE-DOCS, issue 15 point 5), in the event's
    # language: the second item 3 dots, the third 2, the first 1.
    memo = control.request.get(pages.links["control"].rstrip("/") + "/minutes/export/md")
    assert memo.ok
    lines = [line.strip() for line in memo.text().split("**Äänestyksen tulos:**")[1].split("\n")]
    assert lines[1].startswith("1\\. ") and lines[1].endswith("– 3 pistettä")
    assert lines[2].startswith("2\\. ") and lines[2].endswith("– 2 pistettä")
    assert lines[3].startswith("3\\. ") and lines[3].endswith("– 1 piste")
    assert pages.errors == []
