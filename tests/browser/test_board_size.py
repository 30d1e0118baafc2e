"""The projected board at real size in a real Chromium: 15 tables and 300 core ideas, or a
summary of 12 themes, at 1920×1080 and 1280×720. Every idea is either fully on screen or
announced by the board's own counters, the ideas' text never drops below the floor (28 px
at 1080p, in proportion at 720p), nothing is clipped, and pages turn at reading pace,
without animation for a screen that asked for reduced motion.

The board's timers run on Playwright's clock, so minutes of paging take a moment.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
import requests
import socketio
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Pages
from tests.conftest import LiveServer, new_device

pytestmark = [pytest.mark.browser, pytest.mark.server]

SIZES = [(1920, 1080), (1280, 720)]

#: The reduced-motion media feature a projector's browser reports.
Motion = Literal["no-preference", "reduce"]

#: Ideas' text floor: 28 px on a 1920 px wide screen, in proportion on others.
FLOOR_AT_1920 = 28.0

SUBJECTS = [
    "Asiakkaan ääni",
    "Kokemusasiantuntijoiden osaaminen",
    "Nuorten osallisuus",
    "Palveluohjaus",
    "Sosiaalityön resurssit",
    "Yhteiskehittäminen",
    "Lastensuojelun asiakkuus",
    "Aikuissosiaalityö",
    "Perheiden arki",
    "Monialainen yhteistyö",
    "Asunnottomuuden ehkäisy",
    "Toimeentulotuen hakeminen",
    "Vertaistuki",
    "Mielenterveyspalvelut",
    "Ikääntyneiden yksinäisyys",
]
PREDICATES = [
    "kuuluviin jo palvelujen suunnittelussa",
    "pitää ottaa mukaan päätöksentekoon alusta asti",
    "tarvitsee enemmän aikaa kohtaamiseen ja vähemmän lomakkeita",
    "toimii parhaiten, kun työntekijä pysyy samana koko asiakkuuden ajan",
    "vaatii selkeää kieltä ja yhden luukun, josta apua saa ilman ajanvarausta",
    "on kehitettävä yhdessä asukkaiden kanssa eikä heidän puolestaan",
    "paranee, kun eri ammattilaiset istuvat samassa pöydässä asiakkaan kanssa",
]
CLAUSES = [
    ", koska nykyisin asiakas kohtaa liian monta työntekijää eikä kukaan kokoa kokonaisuutta",
    "; kokeilu kannattaa aloittaa pienesti yhdessä kaupunginosassa",
    "",
    "",
]
#: One idea in 23 is as long as a phone lets a post be, or nearly: the board shows it in
#: parts rather than cut.
LONG_TAIL = (
    ". Tästä puhuttiin pöydässä pitkään: moni kertoi, että palvelu tuntuu toimivan vain "
    "silloin, kun joku jaksaa selvittää asiat itse, ja että hakemusten ja lomakkeiden "
    "viidakossa väsyy ennen kuin apu ehtii perille. Ratkaisuksi ehdotettiin yhteistä "
    "asiakassuunnitelmaa, jota asiakas itse pääsee lukemaan ja täydentämään, sekä "
    "säännöllisiä tapaamisia"
)


def idea(n: int) -> str:
    """The ``n``-th core idea: realistic Finnish of 40 to 500 characters."""
    text = SUBJECTS[n % len(SUBJECTS)] + " " + PREDICATES[n % len(PREDICATES)]
    text += CLAUSES[n % len(CLAUSES)]
    if n % 23 == 5:
        text += LONG_TAIL
    return text[:500]


@dataclass
class BigEvent:
    """An event made for these tests: its links and its tables' ids and core ideas."""

    links: dict[str, str]
    tables: list[int]
    ideas: dict[int, list[str]]  # table id → client ids of its core ideas


def create_event(server: LiveServer, tmp: Path, tables: list[str], extra: str = "") -> BigEvent:
    """An event with ``tables`` (names), created with ``cafe event create``."""
    plan = tmp / f"plan-{uuid.uuid4().hex}.toml"
    names = ", ".join('"' + name + '"' for name in tables)
    plan.write_text(
        f'topic = "Yhdessä asiakkaan kanssa"\ndate = 2026-11-23\ntables = [{names}]\n{extra}',
        "utf-8",
    )
    links = server.create_event(plan)
    html = requests.get(links["board"], timeout=10).text
    ids = [int(x) for x in re.findall(r'data-table="(\d+)"', html)]
    assert len(ids) == len(tables)
    return BigEvent(links=links, tables=ids, ideas={tid: [] for tid in ids})


def phone_at(server: LiveServer, code: str, table: int) -> socketio.Client:
    """A real phone (python-socketio over websocket) seated at ``table``."""
    client = socketio.Client(reconnection=False)
    client.connect(
        server.url,
        namespaces=["/phone"],
        transports=["websocket"],
        auth={"code": code, "device": new_device()},
        wait_timeout=10,
    )
    assert client.call("join", {"table": table, "role": None}, namespace="/phone")["ok"]
    return client


def write_core_ideas(server: LiveServer, event: BigEvent, table: int, texts: list[str]) -> None:
    """Table hosts write ``texts`` as core ideas at ``table``, as phones do. A phone may post
    10 at once (the rate limit's burst), so the host role passes to the next phone after
    every 10, as it does when a table's hosts take turns."""
    for start in range(0, len(texts), 10):
        client = phone_at(server, event.links["code"], table)
        try:
            ack = client.call("claim_host", {}, namespace="/phone")
            assert ack["ok"], ack
            for text in texts[start : start + 10]:
                cid = str(uuid.uuid4())
                ack = client.call(
                    "post", {"id": cid, "text": text, "core": True}, namespace="/phone"
                )
                # Held by the personal-data screen, it would never reach the board.
                assert ack["ok"] and ack["post"].get("review") is None, ack
                event.ideas[table].append(cid)
            assert client.call("release_host", {}, namespace="/phone")["ok"]
        finally:
            client.disconnect()


@pytest.fixture(scope="module")
def big_event(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> BigEvent:
    """15 tables (one with a long name), 20 core ideas each: 300 in all."""
    names = [f"Pöytä {n}" for n in range(1, 16)]
    names[2] = "Ikkunapöytä: kokemusasiantuntijuus ja yhteiskehittäminen"
    event = create_event(live_server, tmp_path_factory.mktemp("big"), names)
    # The tables write at the same time, as in a room.
    with ThreadPoolExecutor(max_workers=len(event.tables)) as tables:
        for done in [
            tables.submit(
                write_core_ideas, live_server, event, table, [idea(k * 20 + i) for i in range(20)]
            )
            for k, table in enumerate(event.tables)
        ]:
            done.result()
    assert sum(len(ids) for ids in event.ideas.values()) == 300
    return event


@pytest.fixture
def projector(browser: Browser) -> Iterator[Any]:
    """Opens the board in a context of its own, with Playwright's clock driving its timers."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_board(
        url: str, width: int, height: int, reduced_motion: Motion = "no-preference"
    ) -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": height}, reduced_motion=reduced_motion
        )
        contexts.append(context)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # Minutes of fake time pass in moments, so the Socket.IO client misses the server's
        # pings and reconnects (then asks for the state again, which keeps every page's
        # place): the browser reports each dropped websocket and each poll of the ended
        # session as an error. Any other error fails the test.
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error"
                and "/socket.io/" not in m.location.get("url", "")
                and not m.text.startswith("WebSocket connection to")
                else None
            ),
        )
        page.clock.install()
        page.goto(url)
        expect(page.locator("#status")).to_have_class(re.compile(r"^(?!.*offline)"))
        return page

    yield open_board
    for context in contexts:
        context.close()
    assert errors == []


#: What the board shows right now, measured in the page: every visible table's name,
#: counts, visible ideas and their geometry, and every way something could be cut.
SNAPSHOT = """
() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const inside = (r, box) => r.left >= box.left - 0.5 && r.right <= box.right + 0.5 &&
    r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
  const viewport = { left: 0, top: 0, right: vw, bottom: vh };
  const problems = [];
  const tables = [];
  const clipped = (node, what) => {
    if (node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1)
      problems.push(`${what} clipped: ${node.textContent}`);
  };
  if (document.documentElement.scrollHeight > vh || document.documentElement.scrollWidth > vw)
    problems.push("the page scrolls");
  const join = document.querySelector(".board-join").getBoundingClientRect();
  if (!inside(join, viewport)) problems.push("join panel outside the screen");
  for (const node of document.querySelectorAll(".board-head h1, .board-head .phase, .board-join p"))
    if (node.offsetParent) clipped(node, "head or join text");
  for (const article of document.querySelectorAll(".board-table")) {
    if (article.hidden) continue;
    const name = article.querySelector("h2").textContent;
    const box = article.getBoundingClientRect();
    if (!inside(box, viewport)) problems.push(`${name}: cell outside the screen`);
    for (const node of article.querySelectorAll("h2, .count, .pager")) {
      if (node.hidden) continue;
      clipped(node, name);
      if (!inside(node.getBoundingClientRect(), box))
        problems.push(`${name}: ${node.className} outside its cell`);
    }
    const list = article.querySelector(".cores").getBoundingClientRect();
    const pager = article.querySelector(".pager");
    const shown = [];
    for (const li of article.querySelectorAll(".core")) {
      if (li.hidden) continue;
      const r = li.getBoundingClientRect();
      if (!inside(r, list) || !inside(r, viewport))
        problems.push(`${name}: idea outside its column`);
      const size = parseFloat(getComputedStyle(li.querySelector(".text")).fontSize);
      const long = li.classList.contains("long");
      // A long idea shows one part of its text: the counter must say which.
      if (!long && li.scrollHeight > li.clientHeight + 1) problems.push(`${name}: idea cut`);
      if (long && !pager.textContent.includes(pager.dataset.part))
        problems.push(`${name}: part not announced`);
      shown.push({ id: li.dataset.id, size, long, part: pager.dataset.part });
    }
    tables.push({
      id: article.dataset.table, name, shown,
      first: +pager.dataset.first, last: +pager.dataset.last, total: +pager.dataset.total,
      counter: pager.hidden ? "" : pager.textContent,
    });
  }
  const group = document.getElementById("tables-pager");
  return { problems, tables, group: group.hidden ? "" : group.textContent,
           animations: document.getAnimations().length };
}
"""


def check(snapshot: dict[str, Any], floor: float) -> None:
    """Nothing cut or clipped; each visible table's counter tells exactly what it shows."""
    assert snapshot["problems"] == []
    for table in snapshot["tables"]:
        counter = table["counter"]
        shown = table["shown"]
        assert all(item["size"] >= floor - 0.01 for item in shown), (table["name"], shown)
        if table["total"] == 0:
            assert shown == [] and counter == ""
            continue
        assert str(table["total"]) in counter
        if len(shown) == table["total"]:
            continue  # every idea of the table is on screen
        # Paged: the counter names the ideas on screen, "4–6 of 20" or "7 of 20, part 1/2".
        assert len(shown) == table["last"] - table["first"] + 1, table
        assert str(table["first"]) in counter and str(table["last"]) in counter, table


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_board_shows_or_announces_each_of_300_core_ideas_at_15_tables(
    big_event: BigEvent, projector: Any, width: int, height: int
) -> None:
    """15 tables, 300 core ideas: at any moment each idea on screen is whole (or a long
    one's part, announced as such), inside its table's cell, at or above the floor size,
    and each table's counter says which of its ideas are shown; tables that do not fit
    are announced ("Tables 1–5 of 15"). As the pages turn every one of the 300 ideas
    comes on screen, and the counters' totals add up to 300."""
    board = projector(big_event.links["board"], width, height)
    floor = FLOOR_AT_1920 * width / 1920
    expect(board.locator(".board-table:not([hidden]) .pager").first).to_be_visible()
    seen: dict[str, set[str]] = {}
    totals: dict[str, int] = {}
    groups: set[str] = set()
    wanted = {str(table): set(ids) for table, ids in big_event.ideas.items()}
    # A page stays at least 6 s: a look every 3 s sees each one. At most 40 minutes of board.
    for _ in range(800):
        snapshot = board.evaluate(SNAPSHOT)
        check(snapshot, floor)
        assert snapshot["group"], "15 tables do not fit at a readable size: groups are announced"
        groups.add(snapshot["group"])
        for table in snapshot["tables"]:
            seen.setdefault(table["id"], set()).update(item["id"] for item in table["shown"])
            totals[table["id"]] = table["total"]
        if seen == wanted:
            break
        board.clock.run_for(3000)
    assert sum(totals.values()) == 300
    assert len(totals) == 15
    for table, ids in wanted.items():
        assert seen[table] == ids, f"table {table}: {len(ids - seen[table])} ideas never on screen"
    assert all(re.search(r"\d+.\d+.*15", group) for group in groups)


def test_three_tables_of_two_ideas_show_everything_at_once(
    live_server: LiveServer, projector: Any, tmp_path: Path
) -> None:
    """A small café: every idea on screen at both sizes, no pages, no table groups."""
    event = create_event(live_server, tmp_path, ["Pöytä 1", "Pöytä 2", "Pöytä 3"])
    for k, table in enumerate(event.tables):
        write_core_ideas(live_server, event, table, [idea(100 + k * 2), idea(101 + k * 2)])
    for width, height in SIZES:
        board = projector(event.links["board"], width, height)
        expect(board.locator(".core:not([hidden])")).to_have_count(6)
        snapshot = board.evaluate(SNAPSHOT)
        check(snapshot, FLOOR_AT_1920 * width / 1920)
        assert snapshot["group"] == ""
        assert [len(t["shown"]) for t in snapshot["tables"]] == [2, 2, 2]
        assert [t["total"] for t in snapshot["tables"]] == [2, 2, 2]


def pages_of(board: Page) -> dict[str, int]:
    """The page counter of a table's cell as numbers."""
    data: dict[str, int] = board.evaluate(
        """(name) => { const p = [...document.querySelectorAll('.board-table')]
             .find(a => a.querySelector('h2').textContent === name).querySelector('.pager');
           return { first: +p.dataset.first, last: +p.dataset.last, total: +p.dataset.total }; }""",
        "Pöytä 1",
    )
    return data


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_idea_arriving_live_joins_the_pages_without_moving_the_reader(
    live_server: LiveServer, projector: Any, tmp_path: Path, motion: Motion
) -> None:
    """Table 1 has more ideas than its cell holds. A new core idea arriving through
    Socket.IO raises the count but leaves the page on screen as it is; the next turn shows
    the new idea. With reduced motion the pages turn without any animation."""
    event = create_event(live_server, tmp_path, ["Pöytä 1", "Pöytä 2", "Pöytä 3"])
    table = event.tables[0]
    write_core_ideas(live_server, event, table, [idea(n) for n in range(12)])
    board = projector(event.links["board"], 1280, 720, reduced_motion=motion)
    cell = board.locator(".board-table", has_text="Pöytä 1")
    expect(cell.locator(".pager")).to_contain_text("12")
    first = pages_of(board)
    assert first["first"] == 1 and first["last"] < 12, "12 ideas do not fit one page at 720p"

    # Turn once, then let an idea arrive while the second page is read.
    board.clock.run_for(21_000)
    reading = pages_of(board)
    assert reading["first"] == first["last"] + 1
    on_screen = cell.locator(".core:not([hidden])").evaluate_all("(n) => n.map(x => x.dataset.id)")
    animations = board.evaluate("document.getAnimations().length")
    if motion == "reduce":
        assert animations == 0
    text = "Uusi ydinajatus: asukasraati kokoontuu joka kuukausi"
    write_core_ideas(live_server, event, table, [text])
    expect(cell.locator(".pager")).to_contain_text("13")
    after = pages_of(board)
    assert (after["first"], after["last"]) == (reading["first"], reading["last"])
    assert (
        cell.locator(".core:not([hidden])").evaluate_all("(n) => n.map(x => x.dataset.id)")
        == on_screen
    )
    # The next turn brings the new idea.
    board.clock.run_for(21_000)
    expect(cell.locator(".core:not([hidden])", has_text=text)).to_be_visible()
    if motion == "reduce":
        assert board.evaluate("document.getAnimations().length") == 0
    else:
        assert board.evaluate("document.getAnimations().length") > 0


def log_in(pages: Pages) -> Page:
    """Log the first-start facilitator in (waiting for the login to complete, which a busy
    machine may take a moment for) and open the control page."""
    page = pages.open(pages.server.url + "/login", width=1366, height=768)
    page.locator("input[name=username]").fill("facilitator")
    page.locator("input[name=password]").fill(pages.links["password"])
    page.locator("form.stack button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto(pages.links["control"])
    expect(page.locator("#status")).to_have_class(re.compile(r"^(?!.*offline)"))
    return page


def summary_plan(themes: int) -> str:
    """A plan's ``[summary]``: an opening paragraph and ``themes`` themes of 2–3 sentences."""
    body = (
        "Pöydissä toistui sama havainto: palvelut toimivat, kun asiakas on mukana alusta "
        "asti ja hänen kokemuksensa otetaan tosissaan. Kehittäminen vaatii aikaa, yhteisen "
        "kielen ja rohkeutta kokeilla pienesti ennen kuin mitään vakiinnutetaan."
    )
    lines = ['[summary]\nintro = """\nKeskustelussa nousi esiin monta yhteistä teemaa.\n"""\n']
    for n in range(1, themes + 1):
        lines.append(f'[[summary.themes]]\ntitle = "Teema {n}"\nbody = """\n{body}\n"""\n')
    return "\n".join(lines)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_summary_of_12_themes_fits_or_pages_at_the_floor(
    pages: Pages, projector: Any, tmp_path: Path, width: int, height: int
) -> None:
    """The summary phase with 12 themes: the text is at least the floor size, nothing runs
    out of the box, and if it needs pages the board says "Page 1 of 2" and every theme
    comes on screen as they turn."""
    event = create_event(pages.server, tmp_path, ["Pöytä 1", "Pöytä 2"], summary_plan(12))
    pages.links.update(event.links)
    control = log_in(pages)
    control.locator('[data-phase="summary"]').click()
    board = projector(event.links["board"], width, height)
    expect(board.locator("#summary-view")).to_be_visible()
    floor = FLOOR_AT_1920 * width / 1920
    seen: set[str] = set()
    for _ in range(4):
        state = board.evaluate(
            """() => { const box = document.getElementById('summary');
                 const pager = document.getElementById('summary-pager');
                 const r = box.getBoundingClientRect();
                 return { size: parseFloat(getComputedStyle(box).fontSize),
                   over: box.scrollHeight > box.clientHeight + 1
                     || box.scrollWidth > box.clientWidth + 1,
                   inside: r.bottom <= window.innerHeight && r.right <= window.innerWidth,
                   scrolls: document.documentElement.scrollHeight > window.innerHeight,
                   themes: [...box.querySelectorAll('.summary-theme')].map(n => n.dataset.theme),
                   pager: pager.hidden ? '' : pager.textContent,
                   pages: +(pager.dataset.pages || 1) }; }"""
        )
        assert state["size"] >= floor - 0.01
        assert not state["over"] and state["inside"] and not state["scrolls"]
        if state["pages"] > 1:
            assert re.search(rf"\d+\D+{state['pages']}", state["pager"])
        seen.update(state["themes"])
        board.clock.run_for(61_000)
    assert len(seen) == 12
