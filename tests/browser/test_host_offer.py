"""Hosts and seats that survive real phones, in a real Chromium at 360×740: a host's page
closes and, after the (here short) grace, another phone at the table is offered the role
and takes it; the facilitator hands a role on from the control page; a phone whose
connection drops on the seat screen keeps the role tag it chose."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Pages
from tests.browser.helpers import axe_serious, sit
from tests.conftest import LiveServer, start_server

pytestmark = [pytest.mark.browser, pytest.mark.server]

#: The server's grace and sweep period: a host away 1.5 s is released.
GRACE = "1.5"
SWEEP = "0.2"


def short_grace_server(instance: Path, port: int | None = None) -> LiveServer:
    """``cafe run`` with a grace of :data:`GRACE` seconds (its environment's
    ``CAFE_HOST_GRACE_SECONDS``)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAFE_HOST_GRACE_SECONDS", GRACE)
        patch.setenv("CAFE_HOST_SWEEP_SECONDS", SWEEP)
        return start_server(instance, port=port)


def stop(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The module's server: the sample event, a short grace."""
    server = short_grace_server(tmp_path_factory.mktemp("hosts"))
    yield server
    stop(server)


def test_closed_host_page_lets_another_phone_take_the_role_after_the_grace(
    pages: Pages,
) -> None:
    host = pages.open(pages.links["phone"])
    mate = pages.open(pages.links["phone"])
    neighbour = pages.open(pages.links["phone"])
    sit(host, "Pöytä 3")
    sit(mate, "Pöytä 3")
    sit(neighbour, "Pöytä 4")
    host.locator("#host-toggle").click()
    expect(host.locator("#host-box")).to_have_class(re.compile("is-host"))
    expect(mate.locator("#host-toggle")).to_be_hidden()

    host.close()  # the host's phone leaves for good

    offer = mate.locator("#host-offer")
    expect(offer).to_be_visible(timeout=10_000)
    expect(offer.locator("p")).not_to_be_empty()
    box = offer.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740 and box["width"] <= 360
    assert axe_serious(mate) == []
    offer.locator("#host-offer-take").click()
    expect(mate.locator("#host-box")).to_have_class(re.compile("is-host"))
    expect(offer).to_be_hidden()
    expect(mate.locator("#core-direct")).to_be_visible()
    # Another table's phone was never offered anything.
    expect(neighbour.locator("#host-offer")).to_be_hidden()
    assert pages.errors == []


def test_facilitator_offers_a_table_role_from_the_control_page(pages: Pages) -> None:
    host = pages.open(pages.links["phone"])
    mate = pages.open(pages.links["phone"])
    sit(host, "Pöytä 5")
    sit(mate, "Pöytä 5")
    host.locator("#host-toggle").click()
    expect(host.locator("#host-box")).to_have_class(re.compile("is-host"))

    control = pages.open(pages.server.url + "/login", width=1366, height=768)
    control.locator("input[name=username]").fill("facilitator")
    control.locator("input[name=password]").fill(pages.links["password"])
    control.locator("form.stack button[type=submit]").click()
    control.goto(pages.links["control"])
    row = control.locator('.control-table:has(.table-pick:text-is("Pöytä 5"))')
    expect(row.locator(".revoke")).to_be_visible()
    row.locator(".offer").click()

    expect(row.locator(".revoke")).to_be_hidden()
    for phone in (host, mate):
        expect(phone.locator("#host-offer")).to_be_visible()
    expect(host.locator("#host-box")).not_to_have_class(re.compile("is-host"))
    mate.locator("#host-offer-take").click()
    expect(mate.locator("#host-box")).to_have_class(re.compile("is-host"))
    # The other phone's offer goes away: the table has a host again.
    expect(host.locator("#host-offer")).to_be_hidden()
    expect(host.locator("#host-toggle")).to_be_hidden()
    expect(row.locator(".revoke")).to_be_visible()
    expect(control.locator(".audit-table tbody tr", has_text="Pöytä 5")).to_have_count(2)
    assert pages.errors == []


def test_role_tag_chosen_on_the_seat_screen_survives_a_dropped_connection(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = short_grace_server(tmp_path_factory.mktemp("drop"))
    pages = Pages(browser, server)
    try:
        # From a table's QR: the seat screen asks for the role first.
        phone = pages.open(pages.links["phone"] + "/2")
        expect(phone.locator("#status")).not_to_have_class(re.compile("offline"))
        phone.locator('label.chip:has(input[value="asiakas"])').click()

        port = int(server.url.rsplit(":", 1)[1])
        stop(server)
        expect(phone.locator("#status")).to_have_class(re.compile("offline"), timeout=15_000)
        server.process = short_grace_server(server.instance, port=port).process
        expect(phone.locator("#status")).not_to_have_class(re.compile("offline"), timeout=20_000)

        expect(phone.locator('input[name=role][value="asiakas"]')).to_be_checked()
        phone.locator("#sit").click()
        expect(phone.locator("#table-name")).to_have_text("Pöytä 2")
        phone.locator("#idea").fill("Roolin kanssa katkon jälkeen")
        phone.locator("#compose button[type=submit]").click()
        expect(phone.locator("#post-list .post .role")).to_have_text(re.compile("[Aa]siakas"))

        # And on the table screen: a reload (a new connection) joins with it again.
        phone.reload()
        expect(phone.locator("#table-name")).to_have_text("Pöytä 2")
        phone.locator("#idea").fill("Uudelleenlatauksen jälkeen")
        phone.locator("#compose button[type=submit]").click()
        expect(phone.locator("#post-list .post .role")).to_have_count(2)
        assert [e for e in pages.errors if "ERR_CONNECTION_REFUSED" not in e] == []
    finally:
        pages.close()
        stop(server)
