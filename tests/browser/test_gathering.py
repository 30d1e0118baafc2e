"""The gathering view in a real Chromium: core ideas dragged into themes reach the summary.

Both tests share the module's server; each creates an event of its own (``fresh_event``),
whose summary starts empty.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Pages
from tests.browser.helpers import (
    drag_to_merge_zone,
    idea_card,
    login,
    mouse_drag,
    open_gathering,
    post,
    second_tab,
    sit,
    theme_card,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]

# Summary texts travel phone → server → facilitator → server → board within seconds.
LIVE = 8_000


@pytest.fixture(autouse=True)
def fresh_event(pages: Pages, tmp_path: Path) -> None:
    """Point ``pages`` at an event of its own with an empty summary (the sample event loaded
    on first start carries the seed memo's finished summary)."""
    plan = tmp_path / "plan.toml"
    plan.write_text('topic = "Yhdessä asiakkaan kanssa"\ndate = 2026-11-23\ntables = 4\n', "utf-8")
    pages.links.update(pages.server.create_event(plan))


def host_with_core_idea(pages: Pages, table: str, idea: str, role: str | None = None) -> Page:
    """A phone that sits at ``table``, becomes its host and writes ``idea`` as a core idea."""
    phone = pages.open(pages.links["phone"])
    sit(phone, table, role=role)
    phone.locator("#host-toggle").click()
    expect(phone.locator("#host-box")).to_have_class(re.compile("is-host"))
    post(phone, idea, core=True)
    expect(phone.locator("#core-list")).to_contain_text(idea)
    expect(phone.locator("#core-list .post.pending")).to_have_count(0)
    return phone


def create_theme(page: Page, title: str) -> Locator:
    """Add a theme with the "New theme" form."""
    page.locator("#new-theme-title").fill(title)
    page.locator("#new-theme button[type=submit]").click()
    theme = theme_card(page, title)
    expect(theme.locator(".theme-title")).to_have_value(title)
    return theme


def test_two_tables_core_ideas_dragged_into_a_theme_reach_board_and_phone(
    pages: Pages,
) -> None:
    """Table 1 and table 2 each write a core idea; the facilitator drags both into one
    theme, projects the summary and writes the theme's paragraph: board and phone follow."""
    first_idea = "Asukkaat mukaan palvelujen suunnitteluun alusta asti"
    second_idea = "Kokemusasiantuntijat kehittämisryhmiin palkattuina"
    phone = host_with_core_idea(pages, "Pöytä 1", first_idea)
    host_with_core_idea(pages, "Pöytä 2", second_idea, role="kokemusasiantuntija")

    gather = open_gathering(pages, login(pages))
    loose = gather.locator("#loose")
    expect(idea_card(gather, first_idea)).to_have_count(1)
    expect(idea_card(gather, second_idea)).to_have_count(1)
    expect(idea_card(gather, second_idea).locator(".trace")).to_have_text(
        "Pöytä 2 · kokemusasiantuntija"
    )

    theme = create_theme(gather, "Osallisuus")
    items = theme.locator(".items")

    # A real mouse drag: press the handle, move in steps, release over the theme's list.
    mouse_drag(gather, idea_card(gather, first_idea).locator(".handle"), items, 40, 20)
    expect(items.locator(".item")).to_have_count(1)
    expect(items).to_contain_text(first_idea)
    # Playwright's own drag, to the end of the list (below the first idea, not onto it).
    box = items.bounding_box()
    assert box is not None
    idea_card(gather, second_idea).locator(".handle").drag_to(
        items, target_position={"x": box["width"] / 2, "y": box["height"] - 6}
    )
    expect(items.locator(".item-text")).to_have_text([first_idea, second_idea])
    expect(loose).not_to_contain_text(first_idea)
    expect(loose).not_to_contain_text(second_idea)
    # The live preview shows what the board will show.
    expect(gather.locator("#preview")).to_contain_text("Osallisuus")
    expect(gather.locator("#preview")).to_contain_text(second_idea)

    # Project the summary from the control page, in a second tab.
    control = second_tab(pages, gather)
    control.goto(pages.links["control"])
    control.locator('[data-phase="summary"]').click()
    expect(control.locator('[data-phase="summary"]')).to_have_attribute("aria-pressed", "true")

    board = pages.open(pages.links["board"], width=1280, height=720)
    summary = board.locator("#summary")
    expect(summary).to_be_visible(timeout=LIVE)
    for text in ("Osallisuus", first_idea, second_idea):
        expect(summary).to_contain_text(text, timeout=LIVE)
    expect(phone.locator("#summary")).to_be_visible(timeout=LIVE)
    expect(phone.locator("#summary")).to_contain_text("Osallisuus", timeout=LIVE)
    expect(phone.locator("#summary")).to_contain_text(first_idea, timeout=LIVE)

    # The paragraph: saved when the facilitator leaves the field, then shown everywhere.
    paragraph = "Osallisuus syntyy, kun asukkaat ovat mukana alusta asti ja palkattuina"
    body = theme.locator(".theme-body")
    body.fill(paragraph)
    body.press("Tab")
    expect(theme.locator(".save-state")).to_have_attribute("data-state", "g_saved")
    for page in (board, phone):
        expect(page.locator("#summary")).to_contain_text(paragraph, timeout=LIVE)
        expect(page.locator("#summary")).to_contain_text("Osallisuus", timeout=LIVE)
    assert pages.errors == []


def test_merge_keyboard_move_and_stale_save(pages: Pages) -> None:
    """Dragging one idea onto another's merge zone merges them (the trace names both
    tables); an idea moves into a theme with the keyboard alone; a save on an old revision
    is refused with the newer text, and "Keep mine" saves over it knowingly."""
    kept = "Palveluohjaaja, joka kulkee asiakkaan rinnalla"
    duplicate = "Yksi nimetty työntekijä kulkee asiakkaan rinnalla"
    host_with_core_idea(pages, "Pöytä 3", kept)
    host_with_core_idea(pages, "Pöytä 4", duplicate, role="asiakas")

    first = open_gathering(pages, login(pages))
    expect(idea_card(first, kept)).to_have_count(1)
    expect(idea_card(first, duplicate)).to_have_count(1)

    # Drop the duplicate onto the other idea's merge zone: one item, two sources.
    target = idea_card(first, kept)
    drag_to_merge_zone(first, idea_card(first, duplicate).locator(".handle"), target)
    expect(idea_card(first, duplicate)).to_have_count(0)
    merged = idea_card(first, kept)
    expect(merged).to_have_count(1)
    expect(merged.locator(".trace")).to_have_text(re.compile(r"Pöytä 3 · Pöytä 4"))
    # The merged ideas and the keyboard's lists are behind the idea's ⋯ button.
    merged.locator(".item-more").click()
    expect(merged.locator(".sources")).to_contain_text(duplicate)
    expect(merged.locator(".sources button")).to_have_count(2)

    # Keyboard only: choose the theme in the idea's "Move to…" list, Tab to OK, Enter.
    theme = create_theme(first, "Palvelujen yhteensovitus")
    select = merged.locator(".move-select")
    select.focus()
    select.select_option(label="Palvelujen yhteensovitus")
    first.keyboard.press("Tab")
    expect(merged.locator(".move-ok")).to_be_focused()
    first.keyboard.press("Enter")
    expect(theme.locator(".items")).to_contain_text(kept)
    expect(first.locator("#loose")).not_to_contain_text(kept)
    expect(theme.locator(".item .trace")).to_contain_text("Pöytä 4")

    # Two facilitators, one paragraph. The second starts editing from revision 1 ...
    second = open_gathering(pages, second_tab(pages, first))
    other_theme = theme_card(second, "Palvelujen yhteensovitus")
    other_body = other_theme.locator(".theme-body")
    other_body.click()
    # ... while the first saves revision 2 (leaving the field saves at once).
    saved_first = "Nimetty palveluohjaaja kulkee asiakkaan rinnalla koko matkan."
    body = theme.locator(".theme-body")
    body.fill(saved_first)
    body.press("Tab")
    expect(theme.locator(".save-state")).to_have_attribute("data-state", "g_saved")
    # The second page has the newer text (its preview shows it), but what is in a field
    # someone is working in is never replaced under their fingers.
    expect(second.locator("#preview")).to_contain_text(saved_first)
    expect(other_body).to_have_value("")

    mine = "Asiakas saa yhden ihmisen, joka tuntee hänen tilanteensa."
    other_body.fill(mine)
    other_body.press("Tab")
    # Refused: the "modified in the meantime" box shows the message and the newer text
    # beside the second facilitator's own, which stays in the field.
    conflict = other_theme.locator(".conflict[role=alert]")
    expect(conflict).to_be_visible()
    expect(conflict.locator(".conflict-message")).not_to_be_empty()
    expect(conflict.locator(".conflict-body")).to_have_text(saved_first)
    expect(other_theme.locator(".save-state")).to_have_attribute("data-state", "g_not_saved")
    expect(other_body).to_have_value(mine)

    # "Keep mine": saved on top of revision 2, and the first page follows.
    conflict.get_by_role("button").nth(1).click()
    expect(conflict).to_be_hidden()
    expect(other_theme.locator(".save-state")).to_have_attribute("data-state", "g_saved")
    expect(body).to_have_value(mine)
    expect(first.locator("#preview")).to_contain_text(mine)
    assert pages.errors == []
