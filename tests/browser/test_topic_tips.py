"""Topic tips in a real Chromium: a phone tips a topic, the organizer's events page shows it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.browser.helpers import login, sit

pytestmark = [pytest.mark.browser, pytest.mark.server]


def catalog(page: Page, key: str) -> str:
    """A script string in the page's language (translated or not yet)."""
    text: str = page.evaluate("(key) => window.CAFE_CATALOG[key]", key)
    return text


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_tip_from_the_join_screen_reaches_the_events_page(pages: Pages) -> None:
    """Not seated, in the opening: the card is there but closed; the tip lands, anonymous,
    on the organizer's list with markup kept as text."""
    phone = pages.open(pages.links["phone"], width=360)
    card = phone.locator("#tip-card")
    expect(card).to_be_visible()
    expect(card).not_to_have_attribute("open", "")
    expect(phone.locator("#tip-text")).to_be_hidden()

    card.locator("summary").click()
    expect(phone.locator("#tip-text")).to_have_attribute("maxlength", "300")
    phone.locator("#tip-send").click()  # nothing written: refused in the user's language
    expect(phone.locator("#tip-error")).to_be_visible()
    expect(phone.locator("#tip-error")).not_to_have_text("")
    expect(phone.locator("#tip-thanks")).to_be_hidden()

    tip = "Vertaistuki <b>kotoutumisessa</b>"
    phone.locator("#tip-text").fill(tip)
    phone.locator("#tip-send").click()
    expect(phone.locator("#tip-thanks")).to_have_text(catalog(phone, "tip_thanks"))
    expect(phone.locator("#tip-error")).to_be_hidden()
    expect(phone.locator("#tip-text")).to_have_value("")
    assert no_sideways_scroll(phone)

    organizer = login(pages)
    organizer.goto(pages.server.url + "/events/")
    tips = organizer.locator(".tip-list li")
    expect(tips.first.locator(".tip-text")).to_have_text(tip)
    expect(tips.first.locator("b")).to_have_count(0)
    assert pages.errors == []


def test_the_tip_card_opens_when_the_room_gathers_and_fits_360_px(pages: Pages) -> None:
    """Seated at a table: closed during the tables, open once the facilitator moves on;
    nothing scrolls sideways on a small phone, even with a long word in the tip."""
    control = login(pages)
    control.locator('[data-phase="tables"]').click()
    phone = pages.open(pages.links["phone"], width=360)
    sit(phone, "Pöytä 2")
    expect(phone.locator("#phase")).to_have_text(catalog(phone, "phase_tables"))
    card = phone.locator("#tip-card")
    expect(card).to_be_visible()
    expect(card).not_to_have_attribute("open", "")
    assert no_sideways_scroll(phone)

    control.locator('[data-phase="gathering"]').click()
    expect(card).to_have_attribute("open", "")
    phone.locator("#tip-text").fill("Sosiaalityön" + "x" * 120 + " ja asiakkaan ääni")
    expect(phone.locator("#tip-counter")).to_have_text(re.compile(r"\b150$"))
    assert no_sideways_scroll(phone)
    phone.locator("#tip-send").click()
    expect(phone.locator("#tip-thanks")).to_be_visible()
    assert no_sideways_scroll(phone)

    control.locator('[data-phase="opening"]').click()
    expect(card).not_to_have_attribute("open", "")
    assert pages.errors == []
