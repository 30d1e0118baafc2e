"""The personal-data screen in a real Chromium: a held post on the writer's phone, its
rewrite reaching the board, and pre-moderation through the control page's review queue."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.browser.helpers import login, post, sit

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: Screenshots for a person to look at, when CAFE_SCREENSHOTS names a folder.
SHOTS = os.environ.get("CAFE_SCREENSHOTS")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def become_host(phone: Page) -> None:
    phone.locator("#host-toggle").click()
    expect(phone.locator("#host-box")).to_have_class(re.compile("is-host"))


def test_a_phone_rewrites_a_held_personal_identity_code_and_the_board_shows_the_clean_text(
    pages: Pages,
) -> None:
    board = pages.open(pages.links["board"], width=1920, height=1080)
    phone = pages.open(pages.links["phone"])
    peer = pages.open(pages.links["phone"])
    sit(phone, "Pöytä 1", role="asiakas")
    sit(peer, "Pöytä 1")
    become_host(phone)

    post(phone, "hetuni 131052-308T näkyi kuoressa", core=True)

    held = phone.locator("#core-list .post.held")
    expect(held.locator("mark.pd")).to_have_text("131052-308T")
    expect(held.locator(".held-note")).to_contain_text("henkilötunnus")
    expect(phone.locator("#compose-notice")).to_be_visible()
    shot(phone, "phone-held-360")
    time.sleep(0.5)
    expect(board.locator(".board-table .core")).to_have_count(0)
    expect(peer.locator("#table")).not_to_contain_text("131052")

    held.get_by_role("button", name="Kirjoita uudelleen").click()
    box = phone.locator("#core-list .post.editing textarea")
    box.fill("Henkilötunnus näkyi kirjekuoren ikkunasta")
    phone.locator("#core-list .post.editing").get_by_role("button", name="Tallenna").click()

    column = board.locator('.board-table:has(h2:text-is("Pöytä 1"))')
    expect(column.locator(".core")).to_contain_text("Henkilötunnus näkyi kirjekuoren ikkunasta")
    expect(peer.locator("#core-list")).to_contain_text("kirjekuoren ikkunasta")
    expect(phone.locator("#core-list .post.held")).to_have_count(0)
    assert "131052" not in board.content()
    shot(board, "board-after-rewrite-1920")
    assert pages.errors == []


def test_with_pre_moderation_a_post_reaches_the_board_only_after_approval(
    pages: Pages,
) -> None:
    control = login(pages)
    control.set_viewport_size({"width": 1366, "height": 768})
    control.locator("#settings-fold summary").click()  # the switch is folded away
    control.locator("#premoderation").check()
    expect(control.locator("#premoderation")).to_be_checked()
    board = pages.open(pages.links["board"], width=1280, height=720)
    phone = pages.open(pages.links["phone"])
    sit(phone, "Pöytä 2")
    become_host(phone)

    idea = "Palveluohjaus tarvitsee yhteisen kielen"
    post(phone, idea, core=True)

    queue = control.locator("#review-list")
    expect(queue.locator(".post", has_text=idea)).to_be_visible()
    # The queue is on screen at 1366×768 without scrolling.
    box = queue.locator(".post", has_text=idea).bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768
    expect(phone.locator("#core-list .post", has_text=idea)).to_contain_text("Odottaa")
    shot(control, "control-review-1366")
    time.sleep(0.5)
    expect(board.locator(".board-table .core", has_text=idea)).to_have_count(0)

    queue.locator(".post", has_text=idea).get_by_role("button", name="Hyväksy").click()

    column = board.locator('.board-table:has(h2:text-is("Pöytä 2"))')
    expect(column.locator(".core")).to_contain_text(idea)
    expect(queue.locator(".post", has_text=idea)).to_have_count(0)
    expect(control.locator("#audit")).to_contain_text("Hyväksy", ignore_case=True)
    control.locator("#premoderation").uncheck()
    expect(control.locator("#premoderation")).not_to_be_checked()
    assert pages.errors == []
