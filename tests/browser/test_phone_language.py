"""Each phone in its own language, in a real Chromium: a participant switches the phone page
of a Finnish workshop to English and reads the English phase name and prompt, before and
after the facilitator changes the phase, while the board stays Finnish."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cafe.workshops import template_named
from tests.browser.conftest import Pages
from tests.browser.helpers import login, sit

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_a_phone_switched_to_english_shows_the_english_phase_and_prompt(
    pages: Pages, tmp_path: Path
) -> None:
    workshop = template_named("co-development")
    plan = tmp_path / "workshop.toml"
    plan.write_text(
        'topic = "Kokemusohjauksen pilotti"\ndate = 2026-11-23\ntables = 2\n'
        'language = "fi"\ntemplate = "co-development"\n',
        "utf-8",
    )
    pages.links.update(pages.server.create_event(plan))

    phone = pages.open(pages.links["phone"])  # 360 × 740
    expect(phone.locator("html")).to_have_attribute("lang", "fi")
    phone.get_by_role("button", name="English", exact=True).click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    sit(phone, "Pöytä 1", role="asiakas")
    expect(phone.locator("#phase")).to_have_text(workshop.label("opening", "en"))
    expect(phone.locator("#prompt")).to_have_text(workshop.prompt("opening", "en"))

    control = login(pages)  # the new workshop's control page, in Finnish
    control.locator('[data-phase="worked"]').click()
    expect(control.locator('[data-phase="worked"]')).to_have_text("Mikä toimi")

    expect(phone.locator("#phase")).to_have_text("What worked")
    expect(phone.locator("#prompt")).to_have_text(workshop.prompt("worked", "en"))
    assert workshop.prompt("worked", "en").startswith("What worked well?")
    # The English prompt fits a 360 px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # A reload keeps the participant's language (the phone rejoins its table).
    phone.reload()
    expect(phone.locator("#table-name")).to_have_text("Pöytä 1")
    expect(phone.locator("#prompt")).to_have_text(workshop.prompt("worked", "en"))

    # The projector shows the event's language.
    board = pages.open(pages.links["board"], width=1280, height=720)
    expect(board.locator("#phase")).to_have_text("Mikä toimi")
    assert pages.errors == []
