"""The control page as a cockpit, in a real Chromium at 1366×768: a busy event (15 tables,
about a hundred posts from real Socket.IO phones) fits phase, timer, the tables at a glance
and the newest posts on one screen; the posts filter by table; folds stay as left; and
axe-core finds nothing serious."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Pages
from tests.browser.helpers import axe_serious
from tests.conftest import LiveServer, new_device
from tests.helpers import RealClient

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: Screenshots for a person to look at, when CAFE_SCREENSHOTS names a folder.
SHOTS = os.environ.get("CAFE_SCREENSHOTS")

WIDTH, HEIGHT = 1366, 768
TABLES = 15
PHONES_PER_TABLE = 2

IDEAS = [
    "Asiakkaan ääni kuuluviin palvelujärjestelmän sisällä",
    "Palveluohjaus tarvitsee yhteisen kielen",
    "Näennäisosallisuus tulisi sulkea pois heti",
    "Kokemusasiantuntijat mukaan suunnitteluun alusta asti",
    "Byrokratia väsyttää sekä asiakkaan että työntekijän",
    "Yhteiset tilat ja aikaa kohtaamiselle",
    "Palautetta pitää kerätä jatkuvasti eikä vain kerran vuodessa",
    "Digitaaliset palvelut eivät sovi kaikille",
    "Luottamus syntyy pysyvistä työntekijöistä",
    "Matalan kynnyksen paikkoja tarvitaan lisää",
]


@dataclass
class BusyEvent:
    """A 15-table event with its phones still connected and what they posted, in order."""

    links: dict[str, str]
    table_ids: list[int]
    posts: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def busy(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BusyEvent]:
    """Two phones at each of 15 tables; the first of each takes the host role and posts
    a core idea; together they post 105 ideas, table after table."""
    plan = tmp_path_factory.mktemp("plan") / "busy.toml"
    plan.write_text(
        f'topic = "Osallisuus sosiaalityössä"\ndate = 2017-10-31\ntables = {TABLES}\n',
        encoding="utf-8",
    )
    links = live_server.create_event(plan)
    phones: list[RealClient] = []
    try:
        for _ in range(TABLES * PHONES_PER_TABLE):
            phones.append(
                RealClient(
                    live_server.url, "/phone", {"code": links["code"], "device": new_device()}
                )
            )
        state = phones[0].call("sync")["state"]
        table_ids = [table["id"] for table in state["event"]["tables"]]
        assert len(table_ids) == TABLES
        event = BusyEvent(links=links, table_ids=table_ids)
        for i, phone in enumerate(phones):
            table = table_ids[i // PHONES_PER_TABLE]
            assert phone.call("join", {"table": table, "role": None})["ok"] is True
            host = i % PHONES_PER_TABLE == 0
            if host:
                assert phone.call("claim_host")["ok"] is True
            for k in range(4 if host else 3):
                text = f"{IDEAS[(i + k) % len(IDEAS)]} ({i // PHONES_PER_TABLE + 1}.{i}.{k})"
                core = host and k == 0
                ack = phone.call("post", {"id": str(uuid.uuid4()), "text": text, "core": core})
                assert ack["ok"] is True, ack
                event.posts.append({"text": text, "table": table, "core": core})
        yield event
    finally:
        for phone in phones:
            phone.close()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def open_control(pages: Pages, control_url: str) -> Page:
    """Log the first-start facilitator in and open ``control_url`` at 1366×768."""
    page = pages.open(pages.server.url + "/login", width=WIDTH, height=HEIGHT)
    page.locator("input[name=username]").fill("facilitator")
    page.locator("input[name=password]").fill(pages.links["password"])
    page.locator("form.stack button[type=submit]").click()
    page.goto(control_url)
    expect(page.locator("#status")).to_have_class(re.compile(r"^(?!.*offline)"))
    return page


def in_viewport(page: Page, selector: str) -> None:
    """The whole of ``selector``'s first element is on screen, without scrolling."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    assert box["y"] >= 0 and box["x"] >= 0, (selector, box)
    assert box["y"] + box["height"] <= HEIGHT, (selector, box)
    assert box["x"] + box["width"] <= WIDTH, (selector, box)


def test_phase_timer_tables_and_the_newest_post_fit_1366x768(pages: Pages, busy: BusyEvent) -> None:
    control = open_control(pages, busy.links["control"])
    feed = control.locator("#feed .post")
    expect(feed).to_have_count(len(busy.posts))
    # Newest first.
    expect(feed.first.locator(".text")).to_have_text(busy.posts[-1]["text"])
    shot(control, "control-cockpit-busy-1366")
    assert control.evaluate("window.scrollY") == 0
    for selector in (".phase-buttons", "#timer-form", "#overview table", "#feed .post"):
        in_viewport(control, selector)
    # The overview counts every table's visible ideas and core ideas, and its phones.
    row = control.locator(f'.control-table[data-table="{busy.table_ids[0]}"]')
    expect(row.locator(".ideas")).to_have_text("7")
    expect(row.locator(".cores")).to_have_text("1")
    expect(row.locator(".count")).to_have_text(str(PHONES_PER_TABLE))
    expect(row.locator(".revoke")).to_be_visible()
    assert pages.errors == []


def test_the_table_filter_shows_only_that_tables_posts(pages: Pages, busy: BusyEvent) -> None:
    control = open_control(pages, busy.links["control"])
    feed = control.locator("#feed .post")
    expect(feed).to_have_count(len(busy.posts))

    seventh = busy.table_ids[6]
    control.locator("#table-filter").select_option(str(seventh))
    expected = [p["text"] for p in reversed(busy.posts) if p["table"] == seventh]
    expect(feed.locator(".text")).to_have_text(expected)
    assert set(feed.evaluate_all("(ps) => ps.map((p) => p.dataset.table)")) == {str(seventh)}

    # A table's name in the overview picks it too; pressed again, every table shows.
    pick = control.locator(f'.control-table[data-table="{busy.table_ids[2]}"] .table-pick')
    pick.click()
    expect(pick).to_have_attribute("aria-pressed", "true")
    expect(control.locator("#table-filter")).to_have_value(str(busy.table_ids[2]))
    expect(feed).to_have_count(sum(1 for p in busy.posts if p["table"] == busy.table_ids[2]))
    # The choice survives a reload of the page.
    control.reload()
    expect(control.locator("#table-filter")).to_have_value(str(busy.table_ids[2]))
    expect(feed).to_have_count(7)
    pick.click()
    expect(feed).to_have_count(len(busy.posts))
    assert pages.errors == []


def test_secondary_sections_fold_away_and_stay_as_left(pages: Pages, busy: BusyEvent) -> None:
    control = open_control(pages, busy.links["control"])
    links = control.locator("#links-fold")
    expect(links).not_to_have_attribute("open", "")
    expect(control.locator("#premoderation")).to_be_hidden()
    links.locator("summary").click()
    expect(links.get_by_role("link", name=re.compile("QR"))).to_be_visible()
    # What is opened during and after the event is never folded away.
    head = control.locator(".cockpit-links")
    for name in ("Avaa taulu", "Kokoamisnäkymä", "Muistio"):
        expect(head.get_by_role("link", name=name, exact=True)).to_be_visible()
    control.reload()
    expect(control.locator("#links-fold")).to_have_attribute("open", "")
    expect(control.locator("#settings-fold")).not_to_have_attribute("open", "")
    control.locator("#links-fold summary").click()
    expect(control.locator("#links-fold")).not_to_have_attribute("open", "")
    assert pages.errors == []


def test_axe_finds_no_serious_violation_with_hidden_posts_and_every_fold_open(
    pages: Pages, busy: BusyEvent
) -> None:
    control = open_control(pages, busy.links["control"])
    feed = control.locator("#feed .post")
    expect(feed).to_have_count(len(busy.posts))
    # A hidden core idea (its badge was 1.84:1 under the old opacity) and a hidden idea.
    for text in (busy.posts[0]["text"], busy.posts[1]["text"]):
        post = feed.filter(has_text=text)
        post.get_by_role("button").click()
        expect(post).to_have_class(re.compile("is-hidden"))
    for fold in control.locator("details.fold").all():
        fold.locator("summary").click()
    try:
        assert axe_serious(control) == []
    finally:
        for text in (busy.posts[0]["text"], busy.posts[1]["text"]):
            feed.filter(has_text=text).get_by_role("button").click()
            expect(feed.filter(has_text=text)).not_to_have_class(re.compile("is-hidden"))
    assert pages.errors == []
