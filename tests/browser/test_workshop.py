"""A co-development workshop in a real Chromium: a phone posts into the "what worked"
section, the facilitator moves the idea into a numbered process step, and the report's
PDF contains it and the process diagram."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Pages
from tests.browser.helpers import (
    idea_card,
    login,
    mouse_drag,
    open_gathering,
    post,
    sit,
    theme_card,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_an_idea_from_what_worked_becomes_a_numbered_step_in_the_report_pdf(
    pages: Pages, tmp_path: Path
) -> None:
    plan = tmp_path / "workshop.toml"
    plan.write_text(
        'topic = "Kokemusohjauksen pilotti"\ndate = 2026-11-23\ntables = 2\n'
        'template = "co-development"\n',
        "utf-8",
    )
    pages.links.update(pages.server.create_event(plan))
    idea = "Kokemusohjaaja lähti mukaan ensimmäiseen tapaamiseen"

    control = login(pages)  # opens the new workshop's control page
    control.locator('[data-phase="worked"]').click()
    expect(control.locator('[data-phase="worked"]')).to_have_attribute("aria-pressed", "true")

    phone = pages.open(pages.links["phone"])
    sit(phone, "Pöytä 1", role="asiakas")
    expect(phone.locator("#prompt")).to_be_visible()
    phone.locator("#host-toggle").click()
    expect(phone.locator("#host-box")).to_have_class(re.compile("is-host"))
    post(phone, idea, core=True)
    expect(phone.locator("#core-list")).to_contain_text(idea)

    gather = open_gathering(pages, control)
    card = idea_card(gather, idea)
    expect(card.locator(".section-badge")).to_have_text("Mikä toimi")
    gather.locator("#new-theme-section").select_option("process")
    gather.locator("#new-theme-title").fill("Ensimmäinen tapaaminen")
    gather.locator("#new-theme button[type=submit]").click()
    step = theme_card(gather, "Ensimmäinen tapaaminen")
    expect(step.locator(".section-tag")).to_be_visible()
    mouse_drag(gather, card.locator(".handle"), step.locator(".items"), 40, 20)
    expect(step.locator(".items")).to_contain_text(idea)
    expect(gather.locator("#preview .step-number")).to_have_text("1. ")

    event_id = pages.links["control"].rstrip("/").rsplit("/", 1)[-1]
    response = gather.request.get(f"{pages.server.url}/events/{event_id}/report/export/pdf")
    assert response.ok
    pdf = pypdf.PdfReader(io.BytesIO(response.body()))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "Kokeilun kuvaus:" in text
    assert idea in text
    # The step's lead, once in the numbered list and once in the process diagram.
    assert text.count("Ensimmäinen tapaaminen") >= 2

    # The feedback phase: the phone's form appears; the answer reaches the control page,
    # where one answer is too few to show figures.
    control.goto(pages.links["control"])
    control.locator('[data-phase="feedback"]').click()
    expect(phone.locator("#feedback-card")).to_be_visible()
    phone.locator("#feedback-form .rate", has_text="4").click()
    phone.locator("#feedback-form textarea[name=text]").fill("Hyvä ja selkeä")
    phone.locator("#feedback-form button[type=submit]").click()
    expect(phone.locator("#feedback-status")).to_contain_text("Kiitos")
    # The prompt, the feedback form and the tip card fit a 360 px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    expect(control.locator(".feedback-table")).to_be_visible()
    expect(control.locator(".feedback-table tr.total")).to_contain_text("alle 3 puhelinta")
    assert pages.errors == []
