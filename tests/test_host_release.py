"""Hosts and seats that survive real phones: a host whose phone has left loses the role
after the grace and the table's phones are offered it; the facilitator can hand a role on
without learning who takes it; a phone keeps its role tag across reconnects.

The sweeper's clock is driven by hand (``sweep(now)``) where the timing is the point, and
run as the real background task with a short grace where the whole path is."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from cafe.config import from_environment
from cafe.extensions import db
from cafe.host_role import release_absent_host
from cafe.hosts import EXTENSION, HostSweeper, start_host_sweeper
from cafe.models import AuditEntry, EventTable
from tests.conftest import (
    EventInfo,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    ack_error,
    db_snapshot,
    fill,
    new_device,
    not_presence,
    seated,
)

GRACE = 60.0


def drained(*clients: Phone) -> None:
    for client in clients:
        client.received()


def host_of(app: Flask, table_id: int) -> str | None:
    with app.app_context():
        return db.session.get(EventTable, table_id).host_hash  # type: ignore[union-attr]


def audit_actions(app: Flask) -> list[tuple[str, str, str]]:
    """(action, account, detail) of every audit entry, oldest first."""
    with app.app_context():
        rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        return [(e.action, e.username, e.detail) for e in rows]


class Sweep:
    """A sweeper whose clock the test moves: ``at(seconds)`` sweeps that long after ``t0``."""

    def __init__(self, app: Flask, grace: float = GRACE) -> None:
        self.app = app
        self.sweeper = HostSweeper(app, grace, period=1.0)
        self.t0 = time.monotonic()

    def at(self, seconds: float) -> list[int]:
        with self.app.app_context():
            return self.sweeper.sweep(self.t0 + seconds)


class Table:
    """An event with two tables: a host and another phone at the first, a phone at the
    second, and a facilitator's control page; every inbox emptied."""

    def __init__(
        self, ev: EventInfo, phone: MakePhone, facilitator: MakeFacilitator, device: str
    ) -> None:
        self.ev = ev
        self.id, self.other_id = ev.table_ids[0], ev.table_ids[1]
        self.host = seated(phone, ev.code, self.id, device)
        assert self.host.call("claim_host")["ok"] is True
        self.mate = seated(phone, ev.code, self.id)
        self.neighbour = seated(phone, ev.code, self.other_id)
        self.control = facilitator(ev.id)
        self.device = device
        drained(self.host, self.mate, self.neighbour, self.control)


@pytest.fixture
def table(make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator) -> Table:
    return Table(make_event(tables=2), phone, facilitator, new_device())


# --- the grace ---------------------------------------------------------------------------


def test_host_away_beyond_the_grace_is_released_and_the_table_offered_the_role(
    app: Flask, table: Table
) -> None:
    sweep = Sweep(app)
    table.host.close()

    assert sweep.at(0) == []
    assert sweep.at(GRACE - 0.5) == []
    assert host_of(app, table.id) is not None
    assert not_presence(table.mate.received()) == []

    assert sweep.at(GRACE) == [table.id]

    assert host_of(app, table.id) is None
    free = {"id": table.id, "number": 1, "name": "Pöytä 1", "has_host": False}
    assert table.mate.received("table") == [free]
    assert not_presence(table.neighbour.received()) == []
    control = table.control.received()
    assert [e["args"][0] for e in control if e["name"] == "table"] == [free]
    (entry,) = [e["args"][0] for e in control if e["name"] == "audit"]
    assert (entry["action"], entry["who"], entry["detail"]) == ("release_host", None, "Pöytä 1")
    assert audit_actions(app) == [("release_host", "", "Pöytä 1")]
    assert sweep.at(GRACE + 10) == []  # released once
    claimed = table.mate.call("claim_host")
    assert claimed["ok"] is True and claimed["table"]["has_host"] is True


def test_the_offer_reaches_only_the_phones_of_that_table(app: Flask, table: Table) -> None:
    sweep = Sweep(app)
    table.host.close()
    sweep.at(0)

    assert sweep.at(GRACE) == [table.id]

    mate = table.mate.received()
    assert [e["args"][0] for e in mate if e["name"] == "host_offer"] == [{"table": table.id}]
    assert [e["name"] for e in not_presence(mate)] == ["table", "host_offer"]
    assert not_presence(table.neighbour.received()) == []
    # Control pages learn that the table has no host, and why; never that it was offered.
    assert sorted(e["name"] for e in not_presence(table.control.received())) == [
        "audit",
        "table",
    ]


def test_host_who_reconnects_within_the_grace_keeps_the_role(
    app: Flask, table: Table, phone: MakePhone
) -> None:
    sweep = Sweep(app)
    table.host.close()
    assert sweep.at(0) == []
    back = phone(table.ev.code, table.device)
    assert back.join(table.id)["state"]["is_host"] is True

    assert sweep.at(GRACE + 1) == []
    assert host_of(app, table.id) is not None

    # Away again: the clock starts again from the sweep that finds it away.
    back.close()
    assert sweep.at(GRACE + 2) == []
    assert sweep.at(2 * GRACE + 1) == []
    assert sweep.at(2 * GRACE + 2) == [table.id]
    assert audit_actions(app) == [("release_host", "", "Pöytä 1")]


def test_host_sitting_at_another_table_counts_as_away(
    app: Flask, table: Table, phone: MakePhone
) -> None:
    sweep = Sweep(app)
    assert table.host.join(table.other_id)["ok"] is True
    sweep.at(0)
    assert sweep.at(GRACE) == [table.id]


def test_no_clock_runs_while_nobody_sits_at_the_table(
    app: Flask, table: Table, phone: MakePhone
) -> None:
    sweep = Sweep(app)
    table.host.close()
    table.mate.close()
    assert sweep.at(0) == []
    assert sweep.at(10 * GRACE) == []
    assert host_of(app, table.id) is not None
    # A phone sits down: the host has the grace from then on to come back.
    newcomer = seated(phone, table.ev.code, table.id)
    assert sweep.at(10 * GRACE + 1) == []
    assert sweep.at(11 * GRACE) == []
    assert sweep.at(11 * GRACE + 1) == [table.id]
    assert newcomer.received("host_offer") == [{"table": table.id}]


def test_host_who_never_comes_back_after_a_restart_is_released(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    host = seated(phone, ev.code, ev.table_ids[0])
    host.call("claim_host")
    host.close()
    # The restarted process: nothing in memory, the role still in the database.
    restarted = Sweep(app)
    assert restarted.at(0) == []
    mate = seated(phone, ev.code, ev.table_ids[0])  # the table's phones reconnect
    assert restarted.at(1) == []
    assert restarted.at(GRACE) == []
    assert restarted.at(GRACE + 1) == [ev.table_ids[0]]
    assert mate.received("host_offer") == [{"table": ev.table_ids[0]}]


def test_release_leaves_a_role_that_changed_hands_alone(app: Flask, table: Table) -> None:
    table.host.close()
    assert table.control.call("revoke_host", {"table": table.id})["ok"] is True
    assert table.mate.call("claim_host")["ok"] is True
    new_host = host_of(app, table.id)
    drained(table.mate, table.control)
    before = db_snapshot(app)

    with app.app_context():
        assert release_absent_host(table.id, table.device) is None

    assert db_snapshot(app) == before
    assert host_of(app, table.id) == new_host != table.device
    assert not_presence(table.mate.received()) == []
    assert not_presence(table.control.received()) == []


def test_background_sweeper_releases_after_a_short_grace(app: Flask, table: Table) -> None:
    app.config.update(CAFE_HOST_GRACE_SECONDS=0.4, CAFE_HOST_SWEEP_SECONDS=0.05)
    sweeper = start_host_sweeper(app)
    assert sweeper is not None and app.extensions[EXTENSION] is sweeper
    try:
        left = time.monotonic()
        table.host.close()
        offers: list[Any] = []
        while not offers and time.monotonic() - left < 5:
            time.sleep(0.05)
            offers = table.mate.received("host_offer")
        waited = time.monotonic() - left
    finally:
        sweeper.close()
    assert offers == [{"table": table.id}]
    assert 0.4 <= waited < 5
    assert host_of(app, table.id) is None
    assert table.neighbour.received("host_offer") == []


@pytest.mark.parametrize(("grace", "started"), [(0, False), (-1, False), (60, True)])
def test_sweeper_starts_unless_the_grace_is_zero(app: Flask, grace: float, started: bool) -> None:
    app.config.update(CAFE_HOST_GRACE_SECONDS=grace, CAFE_HOST_SWEEP_SECONDS=0.05)
    sweeper = start_host_sweeper(app)
    try:
        assert (sweeper is not None) is started
        assert (EXTENSION in app.extensions) is started
    finally:
        if sweeper is not None:
            sweeper.close()


# --- the facilitator's offer -------------------------------------------------------------


def test_facilitator_offer_frees_the_role_and_offers_it_to_the_table(
    app: Flask, table: Table
) -> None:
    ack = table.control.call("offer_host", {"table": table.id})

    free = {"id": table.id, "number": 1, "name": "Pöytä 1", "has_host": False}
    assert ack == {"ok": True, "table": free}
    assert host_of(app, table.id) is None
    host_got = table.host.received()
    assert [e["args"][0] for e in host_got if e["name"] == "you_host"] == [
        {"table": table.id, "host": False}
    ]
    assert [e["args"][0] for e in host_got if e["name"] == "host_offer"] == [{"table": table.id}]
    assert table.mate.received("host_offer") == [{"table": table.id}]
    assert not_presence(table.neighbour.received()) == []
    audit = [e["args"][0] for e in table.control.received() if e["name"] == "audit"]
    assert [(e["action"], e["who"], e["detail"]) for e in audit] == [
        ("revoke_host", "ohjaaja", "Pöytä 1"),
        ("offer_host", "ohjaaja", "Pöytä 1"),
    ]
    # First phone to claim wins; the facilitator is told only that the table has a host.
    first = table.mate.call("claim_host")
    assert first["ok"] is True and first["table"]["has_host"] is True
    assert ack_error(table.host.call("claim_host")) == "host_taken"
    assert table.control.received("table") == [dict(free, has_host=True)]
    assert host_of(app, table.id) != table.device


def test_facilitator_offer_of_a_free_table_only_offers(app: Flask, table: Table) -> None:
    ack = table.control.call("offer_host", {"table": table.other_id})

    assert ack["ok"] is True and ack["table"]["has_host"] is False
    assert table.neighbour.received("host_offer") == [{"table": table.other_id}]
    assert table.neighbour.received("you_host") == []
    assert table.mate.received("host_offer") == [] and table.host.received("host_offer") == []
    assert [a for a, _who, _detail in audit_actions(app)] == ["offer_host"]
    assert table.neighbour.call("claim_host")["ok"] is True


BAD_OFFERS: list[tuple[Any, str]] = [
    ("<table>", "bad_request"),
    ([1, 2], "bad_request"),
    ({}, "unknown_table"),
    ({"table": None}, "unknown_table"),
    ({"table": "1"}, "unknown_table"),
    ({"table": True}, "unknown_table"),
    ({"table": 1.5}, "unknown_table"),
    ({"table": -1}, "unknown_table"),
    ({"table": 2**70}, "bad_request"),  # beyond 64 bits: cafe/wire.py
    ({"table": "<other-table>"}, "unknown_table"),
]


@pytest.mark.parametrize(("payload", "error"), BAD_OFFERS)
def test_bad_offer_is_refused_and_changes_nothing(
    app: Flask,
    make_event: MakeEvent,
    phone: MakePhone,
    table: Table,
    payload: Any,
    error: str,
) -> None:
    other = make_event(tables=1)
    stranger = seated(phone, other.code, other.table_ids[0])
    stranger.call("claim_host")
    stranger.received()
    slots = {"<table>": table.id, "<other-table>": other.table_ids[0]}
    before = db_snapshot(app)

    ack = table.control.call("offer_host", fill(payload, slots))

    assert ack_error(ack) == error
    assert db_snapshot(app) == before
    for watcher in (table.host, table.mate, table.neighbour, stranger, table.control):
        assert not_presence(watcher.received()) == []


def test_a_phone_cannot_offer_a_host_role(app: Flask, table: Table) -> None:
    before = db_snapshot(app)
    assert ack_error(table.mate.call("offer_host", {"table": table.id})) == "bad_request"
    assert db_snapshot(app) == before
    assert not_presence(table.host.received()) == []


# --- seats and role tags across reconnects -------------------------------------------------


def test_role_tag_chosen_at_join_is_kept_when_the_phone_joins_again_after_a_reconnect(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    device = new_device()
    first = seated(phone, ev.code, ev.table_ids[0], device)
    assert first.join(ev.table_ids[0], role="asiakas")["ok"] is True
    assert first.post("Ennen katkosta")["post"]["role"] == "asiakas"
    first.close()

    # The page sends its kept seat and role with the next join, on every reconnect.
    back = phone(ev.code, device)
    assert back.join(ev.table_ids[0], role="asiakas")["ok"] is True
    assert back.post("Katkoksen jälkeen")["post"]["role"] == "asiakas"
    feedback = back.call("feedback", {"rating": 4})
    assert feedback["ok"] is True and feedback["feedback"]["role"] == "asiakas"


def test_grace_and_period_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAFE_HOST_GRACE_SECONDS", "90")
    monkeypatch.setenv("CAFE_HOST_SWEEP_SECONDS", "2.5")
    values = from_environment()
    assert values["CAFE_HOST_GRACE_SECONDS"] == 90.0
    assert values["CAFE_HOST_SWEEP_SECONDS"] == 2.5
