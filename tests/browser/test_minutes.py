"""The minutes in a real Chromium: the organizer edits a theme paragraph (the preview
follows as they type), publishes, and the public archive shows the published text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Pages
from tests.browser.test_core_loop import login

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_organizer_edits_a_theme_publishes_and_the_archive_shows_it(pages: Pages) -> None:
    page = login(pages)
    page.get_by_role("link", name="Muistio", exact=True).click()
    expect(page.locator(".title-row h1")).to_contain_text("Yhdessä asiakkaan kanssa")
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Cafe Social -keskustelukahvilan muistio 31.10.17")

    body = page.locator("textarea[name='theme-body-1']")
    expect(body).to_have_value(re.compile("^Asiakas on noussut"))
    body.fill("Asiakas on noussut kehittäjäksi. Tämä lause lisättiin selaimessa.")
    expect(preview).to_contain_text("Tämä lause lisättiin selaimessa.")
    expect(preview.locator("strong", has_text="Asiakkuus murroksessa.")).to_have_count(1)
    page.locator("#minutes-form button[type=submit]").click()
    expect(page.locator(".notice")).to_be_visible()
    page.locator("#publish").click()
    expect(page.locator(".notice")).to_contain_text("Julkaistu")

    visitor = pages.open(pages.server.url + "/archive/", width=1024, height=800)
    visitor.get_by_role("link", name="Yhdessä asiakkaan kanssa").click()
    expect(visitor.locator("article.memo")).to_contain_text("Tämä lause lisättiin selaimessa.")
    expect(visitor.locator("article.memo strong", has_text="Asiakkuus murroksessa.")).to_have_count(
        1
    )
    assert pages.errors == []
