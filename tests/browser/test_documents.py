"""The organizer's trust in the memo, in a real Chromium: taking the shared summary in again
keeps the parts the organizer edited unless the new text is picked, any old version can be
restored, and a table host's proposed correction is applied with one click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Pages
from tests.browser.helpers import axe_serious, login, theme_card

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: The organizer's own paragraphs, and the facilitator's later ones in the summary.
MINE = {
    0: "Organisoijan oma kappale osallisuudesta.",
    1: "Organisoijan oma kappale asiakkuudesta.",
}
LATER = {
    "Osallisuuden mahdollistaminen": "Fasilitaattorin uusi kappale osallisuudesta.",
    "Asiakkuus murroksessa": "Fasilitaattorin uusi kappale asiakkuudesta.",
    "Sosku-hanke": "Fasilitaattorin uusi kappale Sosku-hankkeesta.",
}


def minutes_url(pages: Pages) -> str:
    return pages.links["control"].rstrip("/") + "/minutes"


def rewrite_summary(page: Page, pages: Pages) -> None:
    """The facilitator goes on writing three themes in the gathering view."""
    page.goto(pages.links["control"].rstrip("/") + "/gather")
    for title, body in LATER.items():
        theme = theme_card(page, title)
        field = theme.locator(".theme-body")
        field.fill(body)
        field.press("Tab")
        expect(theme.locator(".save-state")).to_have_attribute("data-state", "g_saved")


def part(page: Page, title: str) -> Locator:
    """The refresh page's choice for the theme titled ``title``."""
    return page.locator("fieldset.refresh-part").filter(has_text=title)


def test_refresh_keeps_two_edited_parts_unless_chosen_and_restore_brings_back_a_version(
    pages: Pages,
) -> None:
    page = login(pages)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(minutes_url(pages))
    for index, text in MINE.items():
        page.locator(f"textarea[name='theme-body-{index}']").fill(text)
    page.locator("#minutes-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    rewrite_summary(page, pages)

    page.goto(minutes_url(pages))
    page.locator("#refresh").click()
    parts = page.locator("fieldset.refresh-part")
    expect(parts).to_have_count(3)
    edited_a, edited_b, untouched = (
        part(page, "Osallisuuden mahdollistaminen"),
        part(page, "Asiakkuus murroksessa"),
        part(page, "Sosku-hanke"),
    )
    for edited, index in ((edited_a, 0), (edited_b, 1)):
        expect(edited.locator("input[value=keep]")).to_be_checked()
        expect(edited).to_contain_text(MINE[index])
    expect(untouched.locator("input[value=take]")).to_be_checked()
    expect(edited_a).to_contain_text(LATER["Osallisuuden mahdollistaminen"])
    assert axe_serious(page) == []

    page.locator("#refresh-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    for index, text in MINE.items():
        expect(page.locator(f"textarea[name='theme-body-{index}']")).to_have_value(text)
    expect(page.locator("textarea[name='theme-body-2']")).to_have_value(LATER["Sosku-hanke"])

    # Chosen otherwise: the new text replaces one edited part, the other stays the organizer's.
    page.locator("#refresh").click()
    expect(parts).to_have_count(2)
    part(page, "Asiakkuus murroksessa").locator("input[value=take]").check()
    page.locator("#refresh-form button[type=submit]").click()
    expect(page.locator("textarea[name='theme-body-0']")).to_have_value(MINE[0])
    expect(page.locator("textarea[name='theme-body-1']")).to_have_value(
        LATER["Asiakkuus murroksessa"]
    )

    # Version 1 (the organizer's first save, before anything was taken in again) comes
    # back as the newest version, version 4.
    page.locator("form[action$='/document/revisions/1/restore'] button").click()
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator("textarea[name='theme-body-1']")).to_have_value(MINE[1])
    expect(page.locator("textarea[name='theme-body-2']")).to_have_value(
        re.compile("^Sosku-hankkeessa on luotu erilaisia ryhmiä")
    )
    expect(page.locator("textarea[name='theme-body-2']")).not_to_have_value(LATER["Sosku-hanke"])
    expect(page.locator("ol.history > li")).to_have_count(4)
    assert pages.errors == []


def test_a_table_hosts_proposed_text_is_applied_when_the_organizer_accepts_it(
    pages: Pages,
) -> None:
    page = login(pages)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(minutes_url(pages))
    page.locator("form[action$='/review-link'] button").click()
    link = page.locator(".mono-link a").get_attribute("href")
    assert link is not None

    host = pages.open(pages.server.url + link, width=1366, height=768)
    options = host.locator("#review-part option")
    # Every part: the title line, the openers sentence, three talks, the method sentence,
    # the intro, nine themes and the footer, after "general".
    expect(options).to_have_count(1 + 2 + 3 + 2 + 9 + 1)
    sosku_part = host.locator("#review-part option", has_text="Sosku-hanke").get_attribute("value")
    assert sosku_part is not None and sosku_part.startswith("theme:")
    host.locator("#review-part").select_option(value=sosku_part)
    box = host.locator("#review-replacement")
    expect(box).to_have_value(re.compile("Sosku"))
    corrected = "Sosku-hankkeessa kehitettiin sosiaalityön käytäntöjä yhdessä asiakkaiden kanssa."
    box.fill(corrected)
    host.locator("textarea[name=text]").fill("Hankkeen kuvaus oli epätarkka.")
    assert axe_serious(host) == []
    host.locator("#review-form button[type=submit]").click()
    expect(host.locator(".notice")).to_be_visible()

    page.goto(minutes_url(pages))
    comment = page.locator("li.comment").filter(has_text="Hankkeen kuvaus oli epätarkka.")
    expect(comment.locator("blockquote.proposal")).to_have_text(corrected)
    comment.scroll_into_view_if_needed()
    action = comment.locator("form").get_attribute("action")
    assert action is not None
    comment_id = action.rsplit("/", 1)[-1]
    comment.locator("button[value=accepted]").click()

    expect(page.locator(".notice")).to_be_visible()
    sosku = page.locator(".theme-fields").filter(has=page.locator("input[value='Sosku-hanke']"))
    expect(sosku.locator("textarea")).to_have_value(corrected)
    expect(page.locator("#preview")).to_contain_text(corrected)
    # The newest version names the comment it applied.
    expect(page.locator("ol.history > li").first).to_contain_text(re.compile(rf"\b{comment_id}\b"))
    assert pages.errors == []
