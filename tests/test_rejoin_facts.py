"""A phone's join reads its event in one plain query and shares the event's built payload
with every phone that joins with the same facts (``cafe.phone.rejoin``), yet what it is
sent is never older than the database: a phase, timer, host or post changed by another
app on the same database (another worker) is in the very next join."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask

from cafe import broadcast, create_app
from cafe.domain.codes import device_hash
from cafe.domain.errors import DomainError
from cafe.extensions import db, socketio
from cafe.facilitator.operations import control_timer, hide_post
from cafe.facilitator.operations import set_phase as set_event_phase
from cafe.host_role import claim_table_host, release_table_host
from cafe.lookups import get_event
from cafe.phone import operations as phone_ops
from cafe.phone.rejoin import EventPayloads, event_facts
from tests.conftest import MakeEvent, MakeFacilitator, MakePhone, app_config, new_device, seated
from tests.helpers import host, ok, statements


@pytest.fixture
def other_worker(app: Flask) -> Iterator[Flask]:
    """A second app on the same database, as another worker process would be: its own
    engine, its own kept facts and payloads."""
    other = create_app(app_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    yield other
    for name in ("cafe_presence_throttle", "cafe_vote_count_throttle"):
        throttle = other.extensions.get(name)
        if throttle is not None:
            throttle.close()
    with other.app_context():
        db.engine.dispose()


def kept(app: Flask) -> EventPayloads:
    payloads = app.extensions["cafe_event_payloads"]
    assert isinstance(payloads, EventPayloads)
    return payloads


def test_a_join_reads_the_event_and_its_tables_in_one_statement(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=4)
    seated(phone, ev.code, ev.table_ids[0])  # the summary is kept from here on
    newcomer = phone(ev.code)
    with statements(app) as seen:
        assert newcomer.join(ev.table_ids[1])["ok"] is True
    event_reads = [s for s in seen if "FROM cafe_event" in s]
    assert len(event_reads) == 1 and "JOIN event_table" in event_reads[0]
    assert not [s for s in seen if s.startswith("SELECT") and "FROM event_table" in s]
    # The event and tables, the table's posts, the phone's own feedback: nothing else.
    assert len(seen) == 3, seen


def test_phones_with_the_same_facts_share_one_built_event_payload(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=3)
    first = ok(phone(ev.code).join(ev.table_ids[0]))["state"]
    second = ok(phone(ev.code).join(ev.table_ids[1]))["state"]
    assert len(kept(app)) == 1
    assert first["event"] == second["event"] | {"timer": first["event"]["timer"]}

    ok(facilitator(ev.id).call("phase", {"phase": "tables"}))
    third = ok(phone(ev.code).join(ev.table_ids[2]))["state"]
    assert third["event"]["phase"] == "tables"
    assert len(kept(app)) == 2  # new facts, a new payload; nothing changed in place
    assert first["event"]["phase"] == "opening"


def test_the_kept_payload_is_per_language(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    labels = {}
    for language in ("fi", "sv", "en"):
        auth = {"code": ev.code, "device": new_device(), "lang": language}
        client = socketio.test_client(app, namespace="/phone", auth=auth)
        try:
            ack = client.emit("join", {"table": ev.table_ids[0]}, namespace="/phone", callback=True)
        finally:
            client.disconnect("/phone")
        labels[language] = ok(ack)["state"]["event"]["phases"][0]["label"]
    assert len(set(labels.values())) == 3, labels
    assert len(kept(app)) == 3


def test_the_timer_is_as_it_is_now_though_the_payload_is_kept(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=2)
    control = facilitator(ev.id)
    ok(control.call("timer", {"action": "set", "seconds": 300}))
    ok(control.call("timer", {"action": "start"}))
    before = ok(phone(ev.code).join(ev.table_ids[0]))["state"]["event"]["timer"]
    ok(control.call("timer", {"action": "pause"}))
    after = ok(phone(ev.code).join(ev.table_ids[0]))["state"]["event"]["timer"]
    assert before["running"] is True and after["running"] is False
    # Kept facts compare without the timer: one payload, the timer filled in per answer.
    assert len(kept(app)) == 1


def test_another_worker_s_changes_reach_the_next_join(
    app: Flask, make_event: MakeEvent, phone: MakePhone, other_worker: Flask
) -> None:
    """Everything a rejoin shows that another process can change, changed there between
    two joins here: the phase, the timer, the host, a hidden post and a core mark."""
    ev = make_event(tables=2)
    table = ev.table_ids[0]
    writer = host(phone, ev.code, table)
    kept_post = ok(writer.post("Jää näkyviin"))["post"]["id"]
    hidden_post = ok(writer.post("Piilotetaan"))["post"]["id"]
    returning = new_device()
    before = ok(seated(phone, ev.code, table, returning).call("sync"))["state"]
    assert before["event"]["phase"] == "opening" and before["event"]["timer"]["running"] is False
    assert before["table"]["has_host"] is True and before["is_host"] is False
    assert [p["id"] for p in before["posts"]] == [kept_post, hidden_post]

    with other_worker.app_context():
        event = get_event(ev.id)
        set_event_phase(event, "tables")
        control_timer(event, "set", 120)
        control_timer(event, "start")
        hide_post(event, hidden_post, True)
        phone_ops.mark_core(event, device_hash(writer.device), kept_post, True)
        release_table_host(event, table, device_hash(writer.device))
        claim_table_host(event, table, device_hash(returning))

    after = ok(seated(phone, ev.code, table, returning).call("sync"))["state"]
    assert after["event"]["phase"] == "tables"
    assert after["event"]["timer"]["running"] is True
    assert after["is_host"] is True and after["table"]["has_host"] is True
    assert [(p["id"], p["core"]) for p in after["posts"]] == [(kept_post, True)]
    assert [t["has_host"] for t in after["event"]["tables"]] == [True, False]


def test_an_unknown_event_or_table_is_refused_as_before(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    other = make_event(tables=2)
    made = phone(ev.code)
    ack = made.join(other.table_ids[0])
    assert ack["ok"] is False and ack["error"] == "unknown_table"
    assert made.join(True)["error"] == "unknown_table"
    with app.app_context():
        for bad in (None, 0, -1, True, "1", 10**20, ev.id + other.id + 1):
            with pytest.raises(DomainError) as refused:
                event_facts(bad)
            assert refused.value.code == "unknown_event"


def test_the_kept_payloads_are_bounded_and_the_newest_stay(
    app: Flask, make_event: MakeEvent
) -> None:
    ev = make_event(tables=2)
    payloads = EventPayloads(limit=4)
    with app.app_context():
        facts = event_facts(ev.id)
        versions = [replace(facts, title=f"Kahvila {n}") for n in range(9)]
        for version in versions:
            payloads.payload(version, "fi")
        assert len(payloads) <= 4
        newest = payloads.payload(versions[-1], "fi")
    assert "Kahvila 8" in newest["title"]
    assert len(payloads) <= 4


def test_the_event_payload_from_facts_is_the_one_the_orm_event_gives(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=["Ikkunapöytä", "Nurkka", "Keskellä"], template="co-development")
    host(phone, ev.code, ev.table_ids[1])
    sent = ok(phone(ev.code).join(ev.table_ids[0]))["state"]["event"]
    with app.app_context():
        expected = broadcast.event_payload(get_event(ev.id), "fi")
    assert sent | {"timer": None} == expected | {"timer": None}
    assert [t["has_host"] for t in sent["tables"]] == [False, True, False]
