"""Page helpers shared by the browser tests: log in, sit and post on a phone, find and drag
cards in the gathering view, and run axe-core.

A module of its own, so that no test module imports from another (pytest would collect a
test module's tests again wherever it is imported under another name).
"""

from __future__ import annotations

import json
import re
from typing import Any

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Pages


def login(pages: Pages) -> Page:
    """Log the first-start facilitator in and open the control page."""
    page = pages.open(pages.server.url + "/login", width=1280, height=900)
    page.locator("input[name=username]").fill("facilitator")
    page.locator("input[name=password]").fill(pages.links["password"])
    page.locator("form.stack button[type=submit]").click()
    page.goto(pages.links["control"])
    expect(page.locator("#status")).to_have_class(re.compile(r"^(?!.*offline)"))
    return page


def sit(page: Page, table: str, role: str | None = None) -> None:
    """Choose a table (and a role tag) on the phone page."""
    page.get_by_role("button", name=table, exact=True).click()
    if role:
        page.locator(f'label.chip:has(input[value="{role}"])').click()
    page.locator("#sit").click()
    expect(page.locator("#table-name")).to_have_text(table)


def post(page: Page, text: str, core: bool = False) -> None:
    """Write and send an idea."""
    page.locator("#idea").fill(text)
    if core:
        page.locator("#as-core").check()
    page.locator("#compose button[type=submit]").click()


def gather_url(pages: Pages) -> str:
    """``/events/<id>/gather`` next to the control page ``/events/<id>/``."""
    return pages.links["control"].rstrip("/") + "/gather"


def open_gathering(pages: Pages, page: Page) -> Page:
    """Go to the gathering view in ``page`` (logged in) and wait for its first sync."""
    page.goto(gather_url(pages))
    expect(page.locator("#status")).not_to_have_class(re.compile("offline"))
    expect(page.locator("#balance table")).to_have_count(2)
    return page


def second_tab(pages: Pages, page: Page) -> Page:
    """Another tab of the same logged-in browser, its errors collected like the others."""
    tab = page.context.new_page()
    tab.on("pageerror", lambda exc: pages.errors.append(f"second tab: {exc}"))
    tab.on(
        "console",
        lambda msg: pages.errors.append(f"second tab: {msg.text}") if msg.type == "error" else None,
    )
    return tab


def idea_card(page: Page, text: str) -> Locator:
    """The card of the idea whose own text is ``text`` (not one merely listing it)."""
    return page.locator(".item").filter(
        has=page.locator(".item-text", has_text=re.compile("^" + re.escape(text) + "$"))
    )


def theme_card(page: Page, title: str) -> Locator:
    """The theme titled ``title`` (as last saved)."""
    return page.locator(f'.theme[aria-label="{title}"]')


def mouse_drag(page: Page, source: Locator, target: Locator, x: float, y: float) -> None:
    """Press on ``source``, move in steps to (``x``, ``y``) inside ``target``, release."""
    start = source.bounding_box()
    end = target.bounding_box()
    assert start is not None and end is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + x, end["y"] + y, steps=12)
    page.mouse.up()


def drag_to_merge_zone(page: Page, handle: Locator, target: Locator) -> None:
    """Press on ``handle``, start dragging, then release over the merge zone that every
    other idea shows at its right end only while a drag is on."""
    start = handle.bounding_box()
    assert start is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + 30, start["y"] + 30, steps=4)
    zone = target.locator(".merge-zone")
    expect(zone).to_be_visible()
    box = zone.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=10)
    expect(target).to_have_class(re.compile("merge-target"))
    page.mouse.up()


def axe_serious(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on ``page`` (every rule axe runs): each
    with its rule id, impact, the first five elements' selectors and axe's help text.

    The script is evaluated in the page rather than added as a script tag: the app's CSP
    allows only its own scripts.
    """
    page.evaluate(AXE_SCRIPT)
    result = page.evaluate("async () => JSON.stringify(await axe.run(document))")
    violations: list[dict[str, Any]] = json.loads(result)["violations"]
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "summary": v["nodes"][0]["failureSummary"] if v["nodes"] else "",
        }
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
