"""The gathering view at the size of a real event: 300 core ideas over 15 tables.

At 1366×768 and 1920×1080 no panel may cover another, at least 12 idea cards must be in
sight at once, the text and table filters narrow the cards, and a merge dropped on the
marked zone is undone and redone (Ctrl+Z, Ctrl+Shift+Z and the buttons) for everyone.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Locator, Page, expect

from cafe import create_app
from cafe.extensions import db
from cafe.models import CafeEvent, GatherItem, Post, SummaryRevision, Theme
from tests.browser.conftest import Pages
from tests.browser.helpers import drag_to_merge_zone, idea_card, login, mouse_drag, second_tab
from tests.conftest import app_config

pytestmark = [pytest.mark.browser, pytest.mark.server]

TABLES = 15
IDEAS_PER_TABLE = 20

# Words of the seeded ideas: realistic lengths (30-140 characters), none of them personal.
_SUBJECTS = [
    "Asiakas",
    "Nuori",
    "Perhe",
    "Kokemusasiantuntija",
    "Työntekijä",
    "Ohjaaja",
    "Järjestö",
    "Kunta",
    "Hyvinvointialue",
    "Vertaisryhmä",
]
_VERBS = [
    "tarvitsee",
    "saa",
    "haluaa",
    "kaipaa",
    "ansaitsee",
    "hyötyy, kun saa",
    "jää ilman, jos ei ole",
]
_OBJECTS = [
    "yhden nimetyn työntekijän koko palvelupolulle",
    "selkeää tietoa palveluista omalla kielellään",
    "aikaa kohtaamiseen eikä vain lomakkeita",
    "mahdollisuuden osallistua palvelujen suunnitteluun alusta asti",
    "matalan kynnyksen paikan, jonne voi tulla ilman ajanvarausta",
    "vertaistukea samassa tilanteessa olevilta",
    "palkkion kehittämistyöstä",
    "joustavat aukioloajat myös iltaisin",
    "tukea digitaalisten palvelujen käyttöön",
    "jatkuvuutta, ettei työntekijä vaihdu joka kerta",
]


def _idea(rng: random.Random, n: int) -> str:
    text = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
    if rng.random() < 0.35:
        text += f", ja {rng.choice(_OBJECTS)}"
    return f"{text} ({n})"


def seed_gathering(instance: Path, topic: str, themes: int = 6) -> dict[str, Any]:
    """An event with ``TABLES`` tables of ``IDEAS_PER_TABLE`` core ideas each, written
    straight into the live server's database: ``themes`` themes hold a few ideas each, some
    of them merged duplicates. Returns the event's id and the ideas' texts by table."""
    from cafe.domain.plan import plan_from_mapping
    from cafe.facilitator.operations import create_event

    app = create_app(app_config(instance / "cafe.db"))
    rng = random.Random(300)
    with app.app_context():
        event: CafeEvent = create_event(
            plan_from_mapping({"topic": topic, "date": "2026-11-23", "tables": TABLES})
        )
        texts: dict[str, list[str]] = {}
        items: list[GatherItem] = []
        n = 0
        for table in event.tables:
            for _ in range(IDEAS_PER_TABLE):
                n += 1
                text = _idea(rng, n)
                texts.setdefault(table.name, []).append(text)
                item = GatherItem(event_id=event.id, theme_id=None, position=n)
                db.session.add(item)
                db.session.flush()
                items.append(item)
                role = rng.choice([None, *event.role_tags])
                db.session.add(
                    Post(
                        event_id=event.id,
                        table_id=table.id,
                        client_id=str(uuid.uuid4()),
                        device_hash=f"{table.id:04d}{rng.randrange(4):060d}",
                        role_tag=role,
                        text=text,
                        is_core=True,
                        item_id=item.id,
                    )
                )
        rng.shuffle(items)
        for number in range(themes):
            theme = Theme(
                event_id=event.id, position=number, title=f"Teema {number + 1}", revision=1
            )
            db.session.add(theme)
            db.session.flush()
            db.session.add(
                SummaryRevision(
                    event_id=event.id,
                    part=SummaryRevision.theme_part(theme.id),
                    number=1,
                    title=theme.title,
                    body="",
                )
            )
            for position in range(5):
                item = items.pop()
                item.theme_id = theme.id
                item.position = position
                if position < 2:  # a merged duplicate: a second idea in the same item
                    other = items.pop()
                    db.session.execute(
                        db.update(Post).where(Post.item_id == other.id).values(item_id=item.id)
                    )
                    db.session.delete(other)
        db.session.commit()
        event_id = event.id
    with app.app_context():
        db.engine.dispose()
    return {"id": event_id, "texts": texts}


# --- the view ------------------------------------------------------------------------------

SIZES = [(1366, 768), (1920, 1080)]
PANELS = ["header.site-header", ".gather-title", "#loose-zone", ".themes-zone", ".side-zone"]


def open_seeded(pages: Pages, width: int, height: int, topic: str) -> Page:
    """Seed 300 ideas, log in and open their gathering view at ``width``×``height``."""
    seeded = seed_gathering(pages.server.instance, topic)
    page = login(pages)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{pages.server.url}/events/{seeded['id']}/gather")
    expect(page.locator("#status")).not_to_have_class(re.compile("offline"))
    expect(page.locator("#loose-count")).to_have_text("(258)", timeout=20_000)
    expect(page.locator(".item")).to_have_count(300 - 6 * 2)
    return page


def boxes(page: Page) -> dict[str, Any]:
    """The bounding boxes of the view's panels, where the window shows them now."""
    found: dict[str, Any] = {}
    for selector in PANELS:
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        found[selector] = box
    return found


def overlap(a: Any, b: Any) -> float:
    """The area two boxes share."""
    width = min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"])
    return float(max(0.0, width) * max(0.0, height))


def assert_apart(page: Page, when: str) -> None:
    """No two panels share a pixel, none reaches past the window's sides."""
    found = boxes(page)
    names = list(found)
    width = page.viewport_size["width"] if page.viewport_size else 0
    for i, first in enumerate(names):
        assert found[first]["x"] >= 0 and found[first]["x"] + found[first]["width"] <= width, (
            when,
            first,
            found[first],
        )
        for second in names[i + 1 :]:
            assert overlap(found[first], found[second]) == 0, (when, first, second, found)


def cards_in_sight(page: Page, panel: str) -> int:
    """Idea cards wholly inside ``panel``'s visible area and the window."""
    count: int = page.evaluate(
        """(panel) => {
          const box = document.querySelector(panel).getBoundingClientRect();
          const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
          return [...document.querySelectorAll(panel + ' .item')].filter((card) => {
            const r = card.getBoundingClientRect();
            return r.height > 0 && r.top >= top && r.bottom <= bottom;
          }).length;
        }""",
        panel,
    )
    return count


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_300_ideas_no_panel_covers_another_and_at_least_12_cards_are_in_sight(
    pages: Pages, width: int, height: int
) -> None:
    """With 300 ideas over 15 tables and six themes, the title, the un-themed ideas, the
    themes and the summary preview never overlap: not at first, not with each panel and
    the page scrolled to the end (where the old sticky column covered the preview)."""
    page = open_seeded(pages, width, height, f"Kokoaminen {width}")
    assert_apart(page, "at first")
    assert cards_in_sight(page, "#loose-zone") >= 12
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    for panel in ("#loose-zone", ".themes-zone", ".side-zone"):
        page.locator(panel).evaluate("(node) => node.scrollTo(0, node.scrollHeight)")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    assert_apart(page, "scrolled to the end")
    # A scrolled column still shows a dozen ideas at once.
    assert cards_in_sight(page, "#loose-zone") >= 12
    assert pages.errors == []


def shown_ids(page: Page) -> set[int]:
    """The ids of the idea cards the filters leave shown."""
    ids = page.locator(".item:not([hidden])").evaluate_all(
        "(cards) => cards.map((card) => Number(card.dataset.item))"
    )
    return set(ids)


def test_the_word_and_table_filters_narrow_the_cards(pages: Pages) -> None:
    """Words match an idea's text or its merged ideas' (any case); the table list keeps the
    ideas with a source from that table; both together keep what both keep; "Clear filter"
    brings every card back. Expected sets are computed here from the server's gathering."""
    page = open_seeded(pages, 1366, 768, "Suodattimet")
    state: dict[str, Any] = page.evaluate("window.CafeGather.gathering()")
    items = state["loose"] + [i for theme in state["themes"] for i in theme["items"]]
    names = {row["name"]: row["id"] for row in state["balance"]["tables"]}

    def words_keep(word: str) -> set[int]:
        return {
            i["id"]
            for i in items
            if any(
                word.lower() in t.lower() for t in [i["text"], *(s["text"] for s in i["sources"])]
            )
        }

    def table_keeps(name: str) -> set[int]:
        return {i["id"] for i in items if any(s["table"] == names[name] for s in i["sources"])}

    everything = {i["id"] for i in items}
    word = "PALKKION"
    page.locator("#filter-text").fill(word)
    expected = words_keep(word)
    assert 0 < len(expected) < len(everything)
    expect(page.locator(".item:not([hidden])")).to_have_count(len(expected))
    assert shown_ids(page) == expected
    expect(page.locator("#filter-count")).to_contain_text(f"{len(expected)}")

    page.locator("#filter-table").select_option(label="Pöytä 7")
    both = expected & table_keeps("Pöytä 7")
    assert both
    expect(page.locator(".item:not([hidden])")).to_have_count(len(both))
    assert shown_ids(page) == both

    page.locator("#filter-text").fill("")
    only_table = table_keeps("Pöytä 7")
    expect(page.locator(".item:not([hidden])")).to_have_count(len(only_table))
    assert shown_ids(page) == only_table
    assert len(only_table) >= IDEAS_PER_TABLE - 4  # merged ones still show, in their item

    page.locator("#filter-clear").click()
    expect(page.locator(".item:not([hidden])")).to_have_count(len(everything))
    expect(page.locator("#filter-count")).to_have_text("")
    assert pages.errors == []


def loose_texts(page: Page) -> list[str]:
    """The un-themed ideas' texts, in order."""
    return page.locator("#loose > .item .item-text").all_inner_texts()


def test_a_drop_mid_card_moves_and_a_merge_is_undone_and_redone_for_everyone(
    pages: Pages,
) -> None:
    """A drop on the middle of another idea moves it (no accidental merge); a drop on the
    marked merge zone merges; Ctrl+Z takes the merge back, Ctrl+Shift+Z does it again, the
    buttons too, and a second facilitator's page follows each step. Once the other
    facilitator has moved the merged idea, the undo is refused with a message."""
    page = open_seeded(pages, 1366, 768, "Kumoaminen")
    first, second, third = loose_texts(page)[:3]

    # The middle of the third card: the first idea lands next to it, still on its own.
    target = idea_card(page, third)
    box = target.bounding_box()
    assert box is not None
    mouse_drag(
        page,
        idea_card(page, first).locator(".handle"),
        target,
        box["width"] / 2,
        box["height"] * 0.4,
    )
    expect(page.locator("#loose > .item .item-text").nth(1)).to_have_text(first)
    assert loose_texts(page)[:3] == [second, first, third]
    expect(page.locator("#loose-count")).to_have_text("(258)")
    # That move is undone with the button.
    page.locator("#undo").click()
    expect(page.locator("#loose > .item .item-text").first).to_have_text(first)

    other = second_tab(pages, page)
    other.goto(page.url)
    expect(other.locator("#loose-count")).to_have_text("(258)", timeout=20_000)

    # Cards by id: a merged item shows its earliest idea's words, whichever was dropped.
    first_id = idea_card(page, first).get_attribute("data-item")
    third_id = idea_card(page, third).get_attribute("data-item")

    def card(on: Page, item_id: str | None) -> Locator:
        return on.locator(f'.item[data-item="{item_id}"]')

    drag_to_merge_zone(page, card(page, first_id).locator(".handle"), card(page, third_id))
    expect(page.locator("#loose-count")).to_have_text("(257)")
    expect(card(page, first_id)).to_have_count(0)
    expect(card(page, third_id).locator(".merged-badge")).to_be_visible()
    expect(other.locator("#loose-count")).to_have_text("(257)")

    page.locator("body").press("Control+z")
    expect(page.locator("#loose-count")).to_have_text("(258)")
    expect(card(page, first_id)).to_have_count(1)
    expect(card(page, third_id).locator(".merged-badge")).to_have_count(0)
    assert loose_texts(page)[:3] == [first, second, third]
    expect(other.locator("#loose-count")).to_have_text("(258)")
    expect(card(other, first_id)).to_have_count(1)

    page.locator("body").press("Control+Shift+z")
    expect(page.locator("#loose-count")).to_have_text("(257)")
    expect(card(page, first_id)).to_have_count(0)
    page.locator("#undo").click()
    expect(card(page, first_id)).to_have_count(1)
    page.locator("#redo").click()
    expect(card(page, first_id)).to_have_count(0)
    expect(card(other, first_id)).to_have_count(0)

    # The other facilitator moves the merged idea into a theme; undoing the merge now
    # would undo their move too: refused, with a message, and nothing changes.
    merged = card(other, third_id)
    merged.locator(".item-more").click()
    merged.locator(".move-select").select_option(label="Teema 1")
    merged.locator(".move-ok").click()
    expect(page.locator("#loose-count")).to_have_text("(256)")
    page.locator("#undo").click()
    expect(page.locator("#gather-error")).to_be_visible()
    expect(page.locator("#gather-error")).to_contain_text(first[:20])
    expect(page.locator("#loose-count")).to_have_text("(256)")
    expect(card(page, first_id)).to_have_count(0)
    # That step is gone for good; nothing else was done here, so nothing is left to undo.
    expect(page.locator("#undo")).to_be_disabled()
    assert pages.errors == []


def test_every_button_is_named_by_its_visible_words_axe(pages: Pages) -> None:
    """axe-core, with its rule that a control's accessible name contains its visible text
    (experimental, so off by default) on, finds nothing in the view with an idea's panel
    open, nor anything serious or critical."""
    page = open_seeded(pages, 1366, 768, "Saavutettavuus")
    page.locator("#loose .item-more").first.click()
    expect(page.locator("#loose .item-panel").first).to_be_visible()
    page.evaluate(AXE_SCRIPT)
    result = page.evaluate(
        """async () => JSON.stringify(await axe.run(document, {
             rules: { "label-content-name-mismatch": { enabled: true } } }))"""
    )
    violations = json.loads(result)["violations"]
    found = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["id"] == "label-content-name-mismatch" or v["impact"] in ("serious", "critical")
    ]
    assert found == []


def test_keyboard_pick_up_still_moves_and_ctrl_z_takes_it_back(pages: Pages) -> None:
    """Space picks a focused idea up, an arrow chooses the first theme, Enter drops it
    there; Ctrl+Z (focus on the idea, not in a text field) puts it back where it was."""
    page = open_seeded(pages, 1366, 768, "Näppäimistö")
    first = loose_texts(page)[0]
    card = idea_card(page, first)
    theme = page.locator('.theme[aria-label="Teema 1"]')
    card.focus()
    page.keyboard.press("Space")
    expect(card).to_have_class(re.compile("picked"))
    page.keyboard.press("ArrowDown")
    expect(theme).to_have_class(re.compile("drop-active"))
    page.keyboard.press("Enter")
    expect(theme.locator(".item-text", has_text=first)).to_have_count(1)
    expect(page.locator("#loose-count")).to_have_text("(257)")

    expect(idea_card(page, first)).to_be_focused()
    page.keyboard.press("Control+z")
    expect(page.locator("#loose-count")).to_have_text("(258)")
    assert loose_texts(page)[0] == first
    page.locator("body").press("Control+Shift+z")
    expect(page.locator("#loose-count")).to_have_text("(257)")
    # In a text field Ctrl+Z is the field's own undo of typing: the move stays.
    page.locator("#filter-text").press("Control+z")
    page.wait_for_timeout(300)
    expect(page.locator("#loose-count")).to_have_text("(257)")
    expect(page.locator("#undo")).to_be_enabled()
    assert pages.errors == []
