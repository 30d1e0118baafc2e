"""The minutes in a real Chromium: the organizer edits a theme paragraph (the preview
follows as they type), publishes, and the public archive shows the published text."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Pages
from tests.browser.helpers import login

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


def test_html_export_prints_the_footer_on_every_page_in_chromium(pages: Pages) -> None:
    page = login(pages)
    event_id = pages.links["control"].rstrip("/").rsplit("/", 1)[-1]
    response = page.request.get(f"{pages.server.url}/events/{event_id}/minutes/export/html")
    assert response.ok
    printed = pages.open("about:blank", width=1024, height=800)
    printed.set_content(response.text())

    pdf = pypdf.PdfReader(io.BytesIO(printed.pdf(prefer_css_page_size=True)))

    assert len(pdf.pages) >= 3
    for number, sheet in enumerate(pdf.pages, start=1):
        text = " ".join(sheet.extract_text().split())
        assert "Kestävää kasvua ja työtä -ohjelma" in text, number
        assert "Vipuvoimaa EU:lta 2014–2020" in text, number
    first = " ".join(pdf.pages[0].extract_text().split())
    assert "Cafe Social -keskustelukahvilan muistio 31.10.17 Aihe:" in first
