"""The ``/facilitator`` namespace through Flask-SocketIO's test client: login, moderation,
phase and timer, host revocation; and that no payload anywhere reveals a device."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cafe.domain.codes import device_hash
from tests.conftest import (
    EventInfo,
    Facilitator,
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    ack_error,
    add_cheap_user,
    connect_error,
    db_snapshot,
    fill,
    login,
    new_device,
    refusal_code,
    refused_changing_nothing,
    seated,
)

#: What the control page is told of a post nobody holds back: no review, no findings.
PUBLIC: dict[str, object] = {"review": None, "findings": []}


def drained(*clients: Phone) -> None:
    for client in clients:
        client.received()


# --- connecting --------------------------------------------------------------------------


def test_facilitator_must_be_logged_in(
    app: Flask, make_event: MakeEvent, facilitator: MakeFacilitator
) -> None:
    ev = make_event()
    assert refusal_code(connect_error(app, "/facilitator", {"event": ev.id})) == "not_logged_in"
    assert not facilitator(ev.id, logged_in=False).connected
    control = facilitator(ev.id)
    assert control.connected
    assert control.call("sync")["state"]["event"]["id"] == ev.id


def test_logged_out_facilitator_is_refused(
    app: Flask, client: FlaskClient, make_event: MakeEvent, make_user: Callable[..., str]
) -> None:
    ev = make_event()
    login(client, make_user())
    assert connect_error(app, "/facilitator", {"event": ev.id}, client) is None
    assert client.post("/logout").status_code == 302
    refused = connect_error(app, "/facilitator", {"event": ev.id}, client)
    assert refusal_code(refused) == "not_logged_in"


def test_wrong_password_gives_no_facilitator_access(
    app: Flask, client: FlaskClient, make_event: MakeEvent, make_user: Callable[..., str]
) -> None:
    ev = make_event()
    username = make_user()
    response = client.post("/login", data={"username": username, "password": "väärä salasana"})
    assert response.status_code != 302
    refused = connect_error(app, "/facilitator", {"event": ev.id}, client)
    assert refusal_code(refused) == "not_logged_in"


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "1",
        {},
        {"event": None},
        {"event": "<id-text>"},
        {"event": True},
        {"event": 1.0},
        {"event": 0},
        {"event": -1},
        {"event": 999},
        {"event": 2**70},
        {"event": ["<id>"]},
        {"code": "<code>"},
    ],
)
def test_facilitator_connection_to_unknown_event_is_refused(
    app: Flask,
    client: FlaskClient,
    make_event: MakeEvent,
    auth: Any,
) -> None:
    ev = make_event()
    add_cheap_user(app, "ohjaaja")
    login(client, "ohjaaja")
    slots = {"<id>": ev.id, "<id-text>": str(ev.id), "<code>": ev.code}
    refused = connect_error(app, "/facilitator", fill(auth, slots), client)
    assert refusal_code(refused) == "unknown_event"


# --- moderation --------------------------------------------------------------------------


def test_facilitator_sync_shows_every_visible_and_hidden_post_but_not_deleted(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=2)
    first = seated(phone, ev.code, ev.table_ids[0])
    second = seated(phone, ev.code, ev.table_ids[1])
    kept = first.post("Näkyy")["post"]
    hidden = second.post("Piilotetaan")["post"]
    deleted = first.post("Poistetaan")["post"]
    first.call("delete", {"id": deleted["id"]})
    control = facilitator(ev.id)
    control.call("hide", {"id": hidden["id"], "hidden": True})

    state = control.call("sync")["state"]

    assert state["posts"] == [
        {**kept, "hidden": False, **PUBLIC},
        {**hidden, "hidden": True, **PUBLIC},
    ]
    assert state["event"]["id"] == ev.id
    assert state["presence"] == {"tables": {str(ev.table_ids[0]): 1, str(ev.table_ids[1]): 1}}


def test_hidden_post_disappears_from_phones_and_boards_but_not_the_facilitator(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=2)
    writer = seated(phone, ev.code, ev.table_ids[0])
    writer.call("claim_host")
    neighbour = seated(phone, ev.code, ev.table_ids[0])
    elsewhere = seated(phone, ev.code, ev.table_ids[1])
    post = writer.post("Asiaton", core=True)["post"]
    screen = board(ev.board_token)
    control = facilitator(ev.id)
    drained(writer, neighbour, elsewhere, screen, control)

    ack = control.call("hide", {"id": post["id"], "hidden": True})

    assert ack == {"ok": True, "post": {**post, "hidden": True, **PUBLIC}}
    removed = {"id": post["id"], "table": ev.table_ids[0]}
    assert neighbour.received() == [
        {"name": "post_removed", "args": [removed], "namespace": "/phone"}
    ]
    assert writer.received("post_removed") == [removed]
    assert elsewhere.received() == []
    assert screen.received("core_removed") == [removed]
    assert control.received("post") == [{**post, "hidden": True, **PUBLIC}]

    assert neighbour.call("sync")["state"]["posts"] == []
    assert writer.call("sync")["state"]["posts"] == []
    assert phone(ev.code).join(ev.table_ids[0])["state"]["posts"] == []
    assert screen.call("sync")["state"]["cores"] == []
    assert control.call("sync")["state"]["posts"] == [{**post, "hidden": True, **PUBLIC}]
    assert post["id"] not in json.dumps(screen.call("sync"))

    shown = control.call("hide", {"id": post["id"], "hidden": False})
    assert shown == {"ok": True, "post": {**post, "hidden": False, **PUBLIC}}
    assert neighbour.received("post") == [post]
    assert neighbour.call("sync")["state"]["posts"] == [post]
    assert screen.call("sync")["state"]["cores"] == [post]


def test_facilitator_cannot_hide_a_deleted_post(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    post = writer.post("Poistuu")["post"]
    writer.call("delete", {"id": post["id"]})
    control = facilitator(ev.id)
    before = db_snapshot(app)
    assert ack_error(control.call("hide", {"id": post["id"], "hidden": True})) == "post_gone"
    assert db_snapshot(app) == before


def test_facilitator_receives_every_post_of_its_event_only(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ours, theirs = make_event(tables=2), make_event()
    control = facilitator(ours.id)
    other_control = facilitator(theirs.id)
    first = seated(phone, ours.code, ours.table_ids[0])
    second = seated(phone, ours.code, ours.table_ids[1])
    drained(control, other_control)

    a = first.post("Pöytä yksi")["post"]
    b = second.post("Pöytä kaksi")["post"]
    edited = first.call("edit", {"id": a["id"], "text": "Pöytä yksi, korjattu"})["post"]
    first.call("delete", {"id": a["id"]})

    assert control.received() == [
        {"name": "post", "args": [{**a, "hidden": False, **PUBLIC}], "namespace": "/facilitator"},
        {"name": "post", "args": [{**b, "hidden": False, **PUBLIC}], "namespace": "/facilitator"},
        {
            "name": "post",
            "args": [{**edited, "hidden": False, **PUBLIC}],
            "namespace": "/facilitator",
        },
        {
            "name": "post_removed",
            "args": [{"id": a["id"], "table": ours.table_ids[0]}],
            "namespace": "/facilitator",
        },
    ]
    assert other_control.received() == []


def test_facilitator_sees_presence_and_table_hosts(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1)
    control = facilitator(ev.id)
    drained(control)
    host = seated(phone, ev.code, ev.table_ids[0])
    host.call("claim_host")
    events = control.received()
    assert [e["name"] for e in events] == ["presence", "table"]
    assert events[0]["args"] == [{"tables": {str(ev.table_ids[0]): 1}}]
    assert events[1]["args"] == [
        {"id": ev.table_ids[0], "number": 1, "name": "Pöytä 1", "has_host": True}
    ]


# --- the table host ----------------------------------------------------------------------


def test_revoked_host_role_goes_to_whichever_phone_claims_it(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=2)
    table = ev.table_ids[0]
    host = seated(phone, ev.code, table)
    host.call("claim_host")
    other = seated(phone, ev.code, table)
    screen = board(ev.board_token)
    control = facilitator(ev.id)
    drained(host, other, screen, control)

    ack = control.call("revoke_host", {"table": table})

    assert ack == {
        "ok": True,
        "table": {"id": table, "number": 1, "name": "Pöytä 1", "has_host": False},
    }
    assert host.received("you_host") == [{"table": table, "host": False}]
    assert other.received("you_host") == []
    assert other.received("table") == [] and host.received("table") == []  # already drained
    assert screen.received("table") == [ack["table"]]
    assert host.join(table)["state"]["is_host"] is False
    post = other.post("Ydin")["post"]
    assert ack_error(host.call("mark_core", {"id": post["id"], "core": True})) == "not_host"
    assert other.call("claim_host")["ok"] is True
    assert other.call("mark_core", {"id": post["id"], "core": True})["ok"] is True


def test_revoking_a_table_without_host_is_harmless(
    make_event: MakeEvent, facilitator: MakeFacilitator
) -> None:
    ev = make_event()
    ack = facilitator(ev.id).call("revoke_host", {"table": ev.table_ids[1]})
    assert ack["ok"] is True and ack["table"]["has_host"] is False


# --- phase and timer ---------------------------------------------------------------------


class Screens:
    """A phone, a board and a facilitator of one event, inboxes emptied."""

    def __init__(
        self,
        ev: EventInfo,
        phone: MakePhone,
        board: MakeBoard,
        facilitator: MakeFacilitator,
    ) -> None:
        self.seated = seated(phone, ev.code, ev.table_ids[0])
        self.standing = phone(ev.code)  # connected, no table chosen yet
        self.board = board(ev.board_token)
        self.control = facilitator(ev.id)
        self.all = [self.seated, self.standing, self.board, self.control]
        drained(*self.all)

    def received(self, name: str) -> list[list[Any]]:
        return [screen.received(name) for screen in self.all]


def test_phase_reaches_phones_boards_and_facilitators_of_that_event_only(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ours, theirs = make_event(), make_event()
    here = Screens(ours, phone, board, facilitator)
    there = Screens(theirs, phone, board, facilitator)

    for phase in ("tables", "gathering", "summary", "opening"):
        assert here.control.call("phase", {"phase": phase}) == {"ok": True, "phase": phase}
        assert here.received("phase") == [[{"phase": phase}]] * 4

    assert [screen.received() for screen in there.all] == [[]] * 4
    here.control.call("phase", {"phase": "gathering"})
    assert here.seated.call("sync")["state"]["event"]["phase"] == "gathering"
    assert here.board.call("sync")["state"]["event"]["phase"] == "gathering"
    assert there.board.call("sync")["state"]["event"]["phase"] == "opening"


def test_timer_reaches_phones_boards_and_facilitators_of_that_event_only(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ours, theirs = make_event(), make_event()
    here = Screens(ours, phone, board, facilitator)
    there = Screens(theirs, phone, board, facilitator)

    def act(data: dict[str, Any]) -> dict[str, Any]:
        """Send a timer command; check that all four screens got the same broadcast."""
        ack = here.control.call("timer", data)
        assert ack["ok"] is True
        timer: dict[str, Any] = ack["timer"]
        assert set(timer) == {"duration", "running", "ends_at", "remaining", "server_now"}
        got = here.received("timer")
        assert [len(payloads) for payloads in got] == [1, 1, 1, 1]
        broadcast = got[0][0]
        assert all(payloads == [broadcast] for payloads in got)
        assert broadcast["duration"] == timer["duration"]
        assert broadcast["running"] is timer["running"]
        assert broadcast["ends_at"] == timer["ends_at"]
        return timer

    set_ = act({"action": "set", "seconds": 300})
    assert (set_["duration"], set_["remaining"]) == (300, 300)
    assert set_["running"] is False and set_["ends_at"] is None

    started = act({"action": "start"})
    assert started["running"] is True
    assert abs(started["ends_at"] - started["server_now"] - 300_000) < 1_000
    assert started["remaining"] in (299, 300)

    paused = act({"action": "pause"})
    assert paused["running"] is False and paused["ends_at"] is None
    assert paused["remaining"] in (299, 300)

    reset = act({"action": "reset"})
    assert (reset["running"], reset["remaining"], reset["duration"]) == (False, 300, 300)

    assert [screen.received() for screen in there.all] == [[]] * 4
    assert here.seated.call("sync")["state"]["event"]["timer"]["duration"] == 300
    assert there.board.call("sync")["state"]["event"]["timer"]["duration"] == 0


# --- malformed payloads ------------------------------------------------------------------

#: (event, payload, error). Placeholders: <post> a post of the event, <deleted> a deleted
#: one, <foreign> a post of another event, <new> an unknown id, <table> a table of the
#: event, <table-text> its id as text, <other-table> a table of another event.
MALFORMED: list[tuple[str, Any, str]] = [
    ("sync", "x", "bad_request"),
    ("sync", [], "bad_request"),
    ("phase", "tables", "bad_request"),
    ("phase", {}, "bad_phase"),
    ("phase", {"phase": None}, "bad_phase"),
    ("phase", {"phase": "lounas"}, "bad_phase"),
    ("phase", {"phase": "Tables"}, "bad_phase"),
    ("phase", {"phase": 1}, "bad_phase"),
    ("phase", {"phase": True}, "bad_phase"),
    ("phase", {"phase": ["tables"]}, "bad_phase"),
    ("timer", "start", "bad_request"),
    ("timer", 300, "bad_request"),
    ("timer", {}, "bad_timer_action"),
    ("timer", {"action": "stop"}, "bad_timer_action"),
    ("timer", {"action": None}, "bad_timer_action"),
    ("timer", {"action": ["start"]}, "bad_timer_action"),
    ("timer", {"action": True}, "bad_timer_action"),
    ("timer", {"action": "set"}, "timer_invalid"),
    ("timer", {"action": "set", "seconds": -1}, "timer_invalid"),
    ("timer", {"action": "set", "seconds": 14_401}, "timer_invalid"),
    ("timer", {"action": "set", "seconds": 10**18}, "timer_invalid"),
    ("timer", {"action": "set", "seconds": 2**63}, "bad_request"),  # cafe/wire.py
    ("timer", {"action": "set", "seconds": True}, "timer_invalid"),
    ("timer", {"action": "set", "seconds": "300"}, "timer_invalid"),
    ("timer", {"action": "set", "seconds": 300.5}, "timer_invalid"),
    ("timer", {"action": "set", "seconds": 300.0}, "timer_invalid"),
    ("timer", {"action": "set", "seconds": [300]}, "timer_invalid"),
    ("hide", "<post>", "bad_request"),
    ("hide", {"id": "<post>"}, "bad_request"),
    ("hide", {"id": "<post>", "hidden": "true"}, "bad_request"),
    ("hide", {"id": "<post>", "hidden": 1}, "bad_request"),
    ("hide", {"id": "<post>", "hidden": None}, "bad_request"),
    ("hide", {"hidden": True}, "unknown_post"),
    ("hide", {"id": 1, "hidden": True}, "unknown_post"),
    ("hide", {"id": "<new>", "hidden": True}, "unknown_post"),
    ("hide", {"id": "x" * 10_000, "hidden": True}, "unknown_post"),
    ("hide", {"id": "<foreign>", "hidden": True}, "unknown_post"),
    ("hide", {"id": "<deleted>", "hidden": True}, "post_gone"),
    ("revoke_host", "<table>", "bad_request"),
    ("revoke_host", {}, "unknown_table"),
    ("revoke_host", {"table": "<table-text>"}, "unknown_table"),
    ("revoke_host", {"table": True}, "unknown_table"),
    ("revoke_host", {"table": None}, "unknown_table"),
    ("revoke_host", {"table": 2**70}, "bad_request"),  # beyond 64 bits: cafe/wire.py
    ("revoke_host", {"table": "<other-table>"}, "unknown_table"),
]


@pytest.fixture
def malformed_setup(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> tuple[Facilitator, list[Phone], dict[str, Any]]:
    """A facilitator, a host phone with posts, a board, and another event with its own host."""
    ev = make_event(tables=2)
    other = make_event(tables=1)
    host = seated(phone, ev.code, ev.table_ids[0])
    host.call("claim_host")
    post = host.post("Ajatus")["post"]["id"]
    deleted = host.post("Poistettu")["post"]["id"]
    host.call("delete", {"id": deleted})
    stranger = seated(phone, other.code, other.table_ids[0])
    stranger.call("claim_host")
    foreign = stranger.post("Vieras")["post"]["id"]
    control = facilitator(ev.id)
    watchers = [host, stranger, board(ev.board_token), board(other.board_token)]
    drained(control, *watchers)
    slots = {
        "<post>": post,
        "<deleted>": deleted,
        "<foreign>": foreign,
        "<new>": str(uuid.uuid4()),
        "<table>": ev.table_ids[0],
        "<table-text>": str(ev.table_ids[0]),
        "<other-table>": other.table_ids[0],
    }
    return control, watchers, slots


@pytest.mark.parametrize(("event", "payload", "error"), MALFORMED)
def test_malformed_facilitator_payload_is_refused_and_changes_nothing(
    app: Flask,
    malformed_setup: tuple[Facilitator, list[Phone], dict[str, Any]],
    event: str,
    payload: Any,
    error: str,
) -> None:
    control, watchers, slots = malformed_setup
    refused_changing_nothing(app, control, watchers, event, fill(payload, slots), error)


@pytest.mark.parametrize("event", ["sync", "phase", "timer", "hide", "revoke_host"])
def test_facilitator_extra_arguments_are_a_bad_request(
    app: Flask,
    malformed_setup: tuple[Facilitator, list[Phone], dict[str, Any]],
    event: str,
) -> None:
    control, watchers, slots = malformed_setup
    before = db_snapshot(app)
    payload = {
        "phase": "tables",
        "action": "start",
        "id": slots["<post>"],
        "hidden": True,
        "table": slots["<table>"],
    }
    ack = control.client.emit(event, payload, 1, namespace=Facilitator.NS, callback=True)
    assert ack_error(ack) == "bad_request"
    assert db_snapshot(app) == before


# --- privacy -----------------------------------------------------------------------------


def test_no_payload_anywhere_contains_a_device_token_or_hash(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    """Run through every verb and broadcast; then search everything any screen received."""
    ev = make_event(tables=2)
    host_device, writer_device = new_device(), new_device()
    host = phone(ev.code, host_device)
    host_tab = phone(ev.code, host_device)
    writer = phone(ev.code, writer_device)
    elsewhere = phone(ev.code)
    screen = board(ev.board_token)
    control = facilitator(ev.id)
    screens: list[Phone] = [host, host_tab, writer, elsewhere, screen, control]
    acks: list[Any] = [
        host.join(ev.table_ids[0], role="asiakas"),
        host_tab.join(ev.table_ids[0]),
        writer.join(ev.table_ids[0], role="ammattilainen"),
        elsewhere.join(ev.table_ids[1]),
        host.call("claim_host"),
    ]
    post = writer.post("Kirjoittajan ajatus")
    acks += [
        post,
        writer.post("Kirjoittajan ajatus", cid=post["post"]["id"]),
        writer.call("edit", {"id": post["post"]["id"], "text": "Muokattu"}),
        host.call("mark_core", {"id": post["post"]["id"], "core": True}),
        host.post("Isännän ydin", core=True),
        elsewhere.post("Toinen pöytä"),
        control.call("hide", {"id": post["post"]["id"], "hidden": True}),
        control.call("hide", {"id": post["post"]["id"], "hidden": False}),
        control.call("phase", {"phase": "tables"}),
        control.call("timer", {"action": "set", "seconds": 600}),
        control.call("timer", {"action": "start"}),
        host.call("release_host"),
        writer.call("claim_host"),
        control.call("revoke_host", {"table": ev.table_ids[0]}),
        writer.call("delete", {"id": post["post"]["id"]}),
        ack_error(writer.call("edit", {"id": post["post"]["id"], "text": "x"})),
    ]
    acks += [client.call("sync") for client in screens]
    host_tab.close()
    acks.append(elsewhere.join(ev.table_ids[0]))

    received = [client.received() for client in screens if client.connected]
    everything = json.dumps([acks, received], ensure_ascii=False)

    assert '"you_host"' in everything and '"presence"' in everything and '"core"' in everything
    for token in (host_device, writer_device, elsewhere.device):
        assert token not in everything
        assert device_hash(token) not in everything


def test_host_cannot_mark_a_hidden_post_as_core(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    """Once hidden, a post is gone for phones: the host cannot bring it back as a core idea."""
    ev = make_event(tables=1)
    host = seated(phone, ev.code, ev.table_ids[0])
    host.call("claim_host")
    post = host.post("Asiaton")["post"]
    facilitator(ev.id).call("hide", {"id": post["id"], "hidden": True})

    ack = host.call("mark_core", {"id": post["id"], "core": True})

    assert ack_error(ack) == "post_gone"
    assert "Asiaton" not in json.dumps(ack)
