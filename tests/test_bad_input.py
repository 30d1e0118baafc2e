"""Every malformed thing a client sends is answered once, logged once and changes nothing
(cafe/wire.py, cafe/sockets.py); numbers no database key holds are 404 in URLs; every
response, Socket.IO's included, carries the security headers (cafe/security.py).

Raw packets go straight into the server's Engine.IO message handler for a test client (the
layer where a real transport hands them over), so that the tests can send what no
well-behaved client library would: broken JSON, lone surrogates, binary attachments. The
real-server tests at the end send the same over long-polling and websockets.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from socketio import packet

from cafe import create_app
from cafe.extensions import db, socketio
from cafe.security import HEADERS
from cafe.wire import MAX_DEPTH, MAX_PACKET_CHARS, MAX_TRANSPORT_BYTES
from tests.conftest import (
    Facilitator,
    LiveServer,
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    ack_error,
    add_cheap_user,
    app_config,
    connect_error,
    db_snapshot,
    login,
    new_device,
    parse_links,
    refusal_code,
    seated,
)
from tests.helpers import RealClient

#: Text that must never reach the log: it stands for a post's words or a person's name.
SECRET = "Salainen Sanna"


def nested(depth: int, leaf: str = "1") -> str:
    """JSON text of ``depth`` arrays one inside the other."""
    return "[" * depth + leaf + "]" * depth


#: (label, the packet's JSON after its id). ``<event>`` is an event of the namespace that
#: would change something, ``<post>`` the id of a post that exists. Every one of them is
#: refused before any handler runs.
MALFORMED: list[tuple[str, str]] = [
    ("deep array", '["<event>",{"id":' + nested(900) + "}]"),
    ("deep object", '["<event>",' + '{"a":' * 900 + "1" + "}" * 900 + "]"),
    # One level more than allowed: the event's array, the payload, then 7 more.
    ("one level too deep", '["<event>",{"id":"<post>","x":' + nested(MAX_DEPTH - 1) + "}]"),
    ("too large", '["<event>",{"id":"<post>","text":"' + "a" * MAX_PACKET_CHARS + '"}]'),
    ("lone surrogate in an id", '["<event>",{"id":"\\ud800","text":"x","hidden":true}]'),
    ("low surrogate in an id", '["<event>",{"id":"\\udfff"}]'),
    ("surrogate in the middle", '["<event>",{"id":"<post>\\ud83d","core":true}]'),
    ("surrogate in a text", '["<event>",{"id":"<post>","text":"' + SECRET + '\\udc00"}]'),
    ("surrogate in a key", '["<event>",{"\\ud800":1,"id":"<post>"}]'),
    ("surrogate in the event name", '["\\ud800<event>",{"id":"<post>"}]'),
    ("integer above 64 bits", '["<event>",{"id":9223372036854775808,"table":1}]'),
    ("integer below 64 bits", '["<event>",{"id":"<post>","table":-9223372036854775809}]'),
    ("integer of 100 digits", '["<event>",{"id":"<post>","table":' + "9" * 100 + "}]"),
    ("integer of 5000 digits", '["<event>",{"id":"<post>","table":' + "9" * 5000 + "}]"),
    ("float overflow", '["<event>",{"id":"<post>","rating":1e400}]'),
    ("NaN", '["<event>",{"id":"<post>","rating":NaN}]'),
    ("Infinity", '["<event>",{"id":"<post>","seconds":-Infinity}]'),
    ("not JSON", '["<event>",{"id":"<post>"'),
    ("trailing garbage", '["<event>",{"id":"<post>"}]x'),
    ("an object, not an event", '{"<event>":{"id":"<post>"}}'),
    ("empty array", "[]"),
    ("name not a string", '[7,{"id":"<post>"}]'),
    ("a bare string", '"<event>"'),
    ("payload not an object", '["<event>","<post>"]'),
    ("extra arguments", '["<event>",{"id":"<post>"},{"id":"<post>"}]'),
    ("unknown event", '["no_such_event",{"id":"<post>"}]'),
    ("a name that is the reader's text", '["' + SECRET + '",{}]'),
    ("empty name", '["",{}]'),
    ("the refusal's own name", '["(refused)",{}]'),
    ("a private method", '["_table",{}]'),
    ("a method of the base class", '["trigger_event",{}]'),
    ("reserved: connect", '["connect",{"code":"ABC234","device":"' + "x" * 32 + '"}]'),
    ("reserved: disconnect", '["disconnect","client disconnect"]'),
    ("reserved: connect_error", '["connect_error",{}]'),
]


class Wire:
    """Raw Socket.IO packets into the server for one test client, and every
    acknowledgement the server sends back to it (``acks``: ``(id, arguments)``)."""

    def __init__(self, client: Phone) -> None:
        self.eio_sid: str = client.client.eio_sid
        self.acks: list[tuple[int, Any]] = []
        self.server = socketio.server
        self._send = self.server._send_packet

        def recording(eio_sid: str, pkt: Any) -> None:
            if eio_sid == self.eio_sid and pkt.packet_type == packet.ACK:
                self.acks.append((pkt.id, pkt.data))
            self._send(eio_sid, pkt)

        self.server._send_packet = recording

    def send(self, *messages: str | bytes) -> None:
        """Hand Engine.IO messages to python-socketio as a transport would."""
        for message in messages:
            self.server._handle_eio_message(self.eio_sid, message)

    def close(self) -> None:
        self.server._send_packet = self._send


@pytest.fixture
def wire() -> Iterator[Callable[[Phone], Wire]]:
    """Factory: ``wire(client)`` (after every test client is made: making one resets the
    server's packet sender); restored after the test."""
    made: list[Wire] = []

    def make(client: Phone) -> Wire:
        made.append(Wire(client))
        return made[-1]

    yield make
    for item in reversed(made):
        item.close()


def broadcasts(client: Phone) -> list[str]:
    """Names of the events ``client`` received since the last call, but ``presence``: it is
    sent on a timer (cafe/presence.py), for seats taken or left before the test's step, or
    by a previous test's clients in an event with the same id."""
    return [event["name"] for event in client.received() if event["name"] != "presence"]


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The lines cafe/wire.py and cafe/sockets.py logged, after checking that nothing else
    complained and nothing logged a traceback."""
    assert [r.exc_info for r in caplog.records if r.exc_info] == []
    others = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name != "cafe.sockets"
    ]
    assert others == []
    return [r.getMessage() for r in caplog.records if r.name == "cafe.sockets"]


@pytest.fixture
def phone_setup(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> tuple[Phone, Phone, dict[str, str]]:
    """A table host with one post, and a bystander at the same table."""
    ev = make_event(tables=2)
    sender = seated(phone, ev.code, ev.table_ids[0])
    assert sender.call("claim_host")["ok"] is True
    own = sender.post("Oma ajatus", core=True)["post"]["id"]
    bystander = seated(phone, ev.code, ev.table_ids[0])
    sender.received()
    return sender, bystander, {"<post>": own}


@pytest.fixture
def facilitator_setup(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> tuple[Facilitator, Phone, dict[str, str]]:
    """A control page, and a phone whose post it could hide."""
    ev = make_event(tables=1)
    writer = seated(phone, ev.code, ev.table_ids[0])
    post = writer.post("Ajatus")["post"]["id"]
    control = facilitator(ev.id)
    assert control.connected
    control.received()
    writer.received()
    return control, writer, {"<post>": post}


def check_refused(
    app: Flask,
    sender: Phone,
    watcher: Phone,
    wire: Wire,
    caplog: pytest.LogCaptureFixture,
    messages: list[str | bytes],
    ack_id: int,
) -> list[str]:
    """Send ``messages``: exactly one acknowledgement (``bad_request``) for ``ack_id``, no
    database row changed, nothing broadcast; returns the lines logged."""
    before = db_snapshot(app)
    caplog.clear()
    wire.acks.clear()

    wire.send(*messages)

    assert [ack_id for ack_id, _args in wire.acks] == [ack_id]
    args = wire.acks[0][1]
    assert len(args) == 1 and ack_error(args[0]) == "bad_request"
    assert db_snapshot(app) == before
    assert broadcasts(watcher) == [] and broadcasts(sender) == []
    lines = refusals(caplog)
    assert all(SECRET not in line for line in lines)
    return lines


@pytest.mark.parametrize(("label", "template"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_phone_event_is_answered_once_and_changes_nothing(
    app: Flask,
    phone_setup: tuple[Phone, Phone, dict[str, str]],
    wire: Callable[[Phone], Wire],
    caplog: pytest.LogCaptureFixture,
    label: str,
    template: str,
) -> None:
    sender, bystander, slots = phone_setup
    tap = wire(sender)

    for ack_id, event in enumerate(["edit", "delete", "mark_core", "post", "join", "feedback"]):
        payload = template.replace("<event>", event).replace("<post>", slots["<post>"])
        packet_text = f"2/phone,{ack_id}{payload}"
        lines = check_refused(app, sender, bystander, tap, caplog, [packet_text], ack_id)

        assert len(lines) == 1, lines
        assert lines[0].startswith("refused ") and " on /phone: " in lines[0]
    # The phone carries on: its seat and post are still there.
    state = sender.call("sync")["state"]
    assert [p["id"] for p in state["posts"]] == [slots["<post>"]]


def test_every_malformed_facilitator_event_is_answered_once_and_changes_nothing(
    app: Flask,
    facilitator_setup: tuple[Facilitator, Phone, dict[str, str]],
    wire: Callable[[Phone], Wire],
    caplog: pytest.LogCaptureFixture,
) -> None:
    control, writer, slots = facilitator_setup
    tap = wire(control)

    for label, template in MALFORMED:
        for ack_id, event in enumerate(["hide", "theme_create", "timer", "premoderation"]):
            payload = template.replace("<event>", event).replace("<post>", slots["<post>"])
            packet_text = f"2/facilitator,{ack_id}{payload}"
            lines = check_refused(app, control, writer, tap, caplog, [packet_text], ack_id)

            assert len(lines) == 1 and " on /facilitator: " in lines[0], (label, lines)
    assert control.call("sync")["ok"] is True


def test_every_malformed_board_event_is_answered_once(
    app: Flask,
    make_event: MakeEvent,
    board: MakeBoard,
    wire: Callable[[Phone], Wire],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ev = make_event(tables=1)
    screen = board(ev.board_token)
    other = board(ev.board_token)
    tap = wire(screen)

    for ack_id, (label, template) in enumerate(MALFORMED):
        payload = template.replace("<event>", "sync").replace("<post>", "x")
        lines = check_refused(
            app, screen, other, tap, caplog, [f"2/board,{ack_id}{payload}"], ack_id
        )

        assert len(lines) == 1 and " on /board: " in lines[0], (label, lines)
    assert screen.call("sync")["ok"] is True


def test_the_log_names_a_known_event_and_the_reason_but_never_the_content(
    app: Flask,
    phone_setup: tuple[Phone, Phone, dict[str, str]],
    wire: Callable[[Phone], Wire],
    caplog: pytest.LogCaptureFixture,
) -> None:
    sender, _bystander, slots = phone_setup
    tap = wire(sender)
    caplog.clear()

    sent = [
        f'2/phone,1["edit",{{"id":"{slots["<post>"]}","text":"{SECRET}\\ud800"}}]',
        f'2/phone,2["{SECRET}",{{}}]',
        '2/phone,3["edit",' + nested(20) + "]",
        '2/phone,4["edit","' + SECRET + '"]',
    ]
    tap.send(*sent)

    assert refusals(caplog) == [
        f'refused "edit" on /phone: lone surrogate in a string ({len(sent[0])} characters)',
        "refused an event (14-character name) on /phone: unknown event",
        f'refused "edit" on /phone: nested too deep ({len(sent[2])} characters)',
        'refused "edit" on /phone: payload not an object',
    ]
    assert [ack_id for ack_id, _args in tap.acks] == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "header",
    [
        '51-/phone,9["edit",{"id":"<post>","text":{"_placeholder":true,"num":0}}]',
        '52-/phone,9["edit",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
        # A binary event that announces no attachment at all.
        '5/phone,9["edit",{"id":"<post>","text":"x"}]',
    ],
)
def test_a_binary_event_is_answered_once_and_its_attachments_dropped(
    app: Flask,
    phone_setup: tuple[Phone, Phone, dict[str, str]],
    wire: Callable[[Phone], Wire],
    caplog: pytest.LogCaptureFixture,
    header: str,
) -> None:
    sender, bystander, slots = phone_setup
    tap = wire(sender)
    count = int(header[1]) if header[2] == "-" else 0
    attachments: list[str | bytes] = [bytes([0, 255, n]) for n in range(count)]
    messages: list[str | bytes] = [header.replace("<post>", slots["<post>"]), *attachments]

    lines = check_refused(app, sender, bystander, tap, caplog, messages, 9)

    assert lines == [
        f'refused "edit" on /phone: binary attachments ({len(messages[0])} characters)'
    ]
    # The attachments did not swallow the next event.
    assert sender.call("sync")["ok"] is True


def test_a_binary_emit_from_a_client_library_is_refused(
    app: Flask, phone_setup: tuple[Phone, Phone, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    """As a client library sends bytes: a BINARY_EVENT header, then the attachment."""
    sender, bystander, slots = phone_setup
    before = db_snapshot(app)

    ack = sender.call("edit", {"id": slots["<post>"], "text": b"\x00binary"})

    assert ack_error(ack) == "bad_request"
    assert db_snapshot(app) == before and broadcasts(bystander) == []
    assert len(refusals(caplog)) == 1


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("an unknown event", '2/phone,["no_such_event",{}]'),
        ("a lone surrogate", '2/phone,["edit",{"id":"\\ud800"}]'),
        ("deep JSON", '2/phone,["edit",' + nested(900) + "]"),
        ("a binary event", '51-/phone,["edit",{"_placeholder":true,"num":0}]'),
        ("an id too long to read", "2/phone," + "1" * 101 + '["edit",{}]'),
        ("payload not an object", '2/phone,["edit",5]'),
    ],
)
def test_an_event_sent_without_asking_for_an_ack_gets_none_and_breaks_nothing(
    app: Flask,
    phone_setup: tuple[Phone, Phone, dict[str, str]],
    wire: Callable[[Phone], Wire],
    caplog: pytest.LogCaptureFixture,
    label: str,
    message: str,
) -> None:
    sender, bystander, _slots = phone_setup
    tap = wire(sender)
    before = db_snapshot(app)
    caplog.clear()

    tap.send(message, b"\x01\x02")

    assert tap.acks == []
    assert db_snapshot(app) == before and broadcasts(bystander) == []
    assert len(refusals(caplog)) == 1
    assert sender.call("sync")["ok"] is True


@pytest.mark.parametrize(
    ("label", "message", "logged"),
    [
        ("a stray binary attachment", b"\x00\x01\x02", 0),
        ("not a packet at all", "x/phone,1[]", 1),
        ("an empty message", "", 1),
        ("too many attachments to count", "512345678901-/phone,1[]", 1),
        ("an unknown packet type", '9/phone,1["sync",{}]', 1),
        ("a CONNECT_ERROR from a client", '4/phone,{"message":"x"}', 1),
        ("a binary acknowledgement", '61-/phone,1[{"_placeholder":true,"num":0}]', 1),
        ("an acknowledgement of nothing", '3/phone,1["ok"]', 0),
        ("a malformed acknowledgement", "3/phone,1[" + nested(50) + "]", 1),
        ("an acknowledgement that is not a list", '3/phone,1{"ok":true}', 1),
        ("an event for a namespace not connected", '2/board,5["sync",{}]', 0),
        ("an event for the default namespace", '21["sync",{}]', 0),
    ],
)
def test_a_packet_nothing_can_answer_is_dropped_in_one_line_or_none(
    app: Flask,
    phone_setup: tuple[Phone, Phone, dict[str, str]],
    wire: Callable[[Phone], Wire],
    caplog: pytest.LogCaptureFixture,
    label: str,
    message: str | bytes,
    logged: int,
) -> None:
    """No event, or none this client may send: no answer is possible or due. A stray
    attachment belongs to a binary event already refused and logged; an event for a
    namespace the client is not connected to is python-socketio's to ignore."""
    sender, bystander, _slots = phone_setup
    tap = wire(sender)
    before = db_snapshot(app)
    caplog.clear()

    tap.send(message)

    assert tap.acks == []
    assert db_snapshot(app) == before and broadcasts(bystander) == []
    assert len(refusals(caplog)) == logged
    assert sender.call("sync")["ok"] is True
    assert sender.connected


@pytest.mark.parametrize(
    ("namespace", "auth", "error"),
    [
        ("/phone", {"code": "<code>", "device": "<device>", "x": "<deep>"}, "bad_request"),
        ("/phone", {"code": "<code>", "device": "<device>\ud800"}, "bad_request"),
        ("/phone", {"code": "<code>", "device": "<device>", "n": 2**64}, "bad_request"),
        ("/board", {"token": "<token>", "x": "<deep>"}, "bad_board_token"),
        ("/facilitator", {"event": 2**63}, "unknown_event"),
    ],
)
def test_a_connect_with_a_malformed_auth_is_refused(
    app: Flask,
    make_event: MakeEvent,
    caplog: pytest.LogCaptureFixture,
    client: FlaskClient,
    namespace: str,
    auth: dict[str, Any],
    error: str,
) -> None:
    """The auth is dropped, and the namespace refuses a connect without one."""
    ev = make_event(tables=1)
    device = new_device()
    slots: dict[str, Any] = {
        "<code>": ev.code,
        "<device>": device,
        "<device>\ud800": device + "\ud800",
        "<token>": ev.board_token,
        "<deep>": json.loads(nested(MAX_DEPTH + 1)),
    }
    if namespace == "/facilitator":
        add_cheap_user(app, "ohjaaja")
        login(client, "ohjaaja")
    caplog.clear()

    refused = connect_error(
        app,
        namespace,
        {
            key: slots.get(value, value) if isinstance(value, str) else value
            for key, value in auth.items()
        },
        http=client if namespace == "/facilitator" else None,
    )

    assert refusal_code(refused) == error
    assert [line.split(":")[0] for line in refusals(caplog)] == [
        f"refused the auth of a connect on {namespace}"
    ]


def test_well_formed_text_is_untouched(
    app: Flask, phone_setup: tuple[Phone, Phone, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    """A surrogate *pair* is an emoji; the deepest payload of the protocol, a large post
    and the largest integer a key holds all pass the checks."""
    sender, bystander, _slots = phone_setup

    ack = sender.post("Hyvä 😀 idea \U0001f9e1")
    deepest = json.loads(nested(MAX_DEPTH - 2))  # the event's array and the payload: 8 levels
    edited = sender.call("edit", {"id": ack["post"]["id"], "text": "x" * 500, "x": deepest})
    huge_id = sender.call("join", {"table": 2**63 - 1})

    assert ack["post"]["text"] == "Hyvä 😀 idea \U0001f9e1"
    assert edited["ok"] is True and edited["post"]["text"] == "x" * 500
    assert ack_error(huge_id) == "unknown_table"
    assert refusals(caplog) == []


def test_a_handler_that_fails_unexpectedly_still_answers_and_rolls_back(
    app: Flask,
    phone_setup: tuple[Phone, Phone, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug (here: an exception injected into the state a ``sync`` answers with) costs the
    client one ``server_error`` answer, not a wait for ever; the log names the handler and
    where it failed, never the exception's text."""
    sender, _bystander, _slots = phone_setup
    from cafe.phone import state

    def broken(*args: Any) -> Any:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(state, "phone_state", broken)
    caplog.clear()

    ack = sender.call("sync")

    assert ack_error(ack) == "server_error"
    lines = [r for r in caplog.records if r.name == "cafe.sockets"]
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR and not lines[0].exc_info
    message = lines[0].getMessage()
    assert message.startswith('"sync" on /phone failed: RuntimeError at ')
    assert "phone/events.py" in message and SECRET not in message
    monkeypatch.undo()
    assert sender.call("sync")["ok"] is True


# --- URLs -----------------------------------------------------------------------------------


def int_routes(app: Flask) -> list[tuple[str, str]]:
    """``(method, url)`` for every route with an ``<int:…>`` part, that part a number no
    database key holds (other parts filled with plausible text)."""
    found = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        url = re.sub(r"<int:\w+>", "99999999999999999999999", rule.rule)
        url = re.sub(r"<(?:\w+:)?\w+>", "md", url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_every_route_answers_404_to_an_integer_no_key_holds(
    app: Flask, make_event: MakeEvent, client: FlaskClient
) -> None:
    make_event(tables=1)
    add_cheap_user(app, "ohjaaja")
    login(client, "ohjaaja")
    routes = int_routes(app)
    assert len(routes) > 15  # the pattern still finds the routes

    statuses = {
        (method, url): client.open(url, method=method).status_code for method, url in routes
    }

    assert set(statuses.values()) == {404}, statuses
    for url in (
        "/archive/99999999999999999999999",
        "/events/99999999999999999999/",
        "/archive/9223372036854775808",
        "/archive/" + "9" * 5000,
        "/archive/9223372036854775807",  # fits a key; no such event
    ):
        assert client.get(url).status_code == 404, url


def test_anonymous_archive_with_a_huge_id_is_404(client: FlaskClient) -> None:
    response = client.get("/archive/99999999999999999999999")

    assert response.status_code == 404
    assert response.headers["Content-Security-Policy"] == dict(HEADERS)["Content-Security-Policy"]


# --- a real server: long-polling, websockets, headers ----------------------------------------


class Polling:
    """A raw Engine.IO long-polling session, as a browser without websockets holds it."""

    def __init__(self, url: str) -> None:
        self.url = url + "/socket.io/"
        self.handshake = requests.get(
            self.url, params={"EIO": "4", "transport": "polling"}, timeout=10
        )
        assert self.handshake.text.startswith("0"), self.handshake.text
        self.params = {
            "EIO": "4",
            "transport": "polling",
            "sid": json.loads(self.handshake.text[1:])["sid"],
        }
        self.acks: dict[int, list[Any]] = {}
        self.responses: list[requests.Response] = [self.handshake]

    def post(self, *messages: str | bytes) -> requests.Response:
        """One POST of Engine.IO messages (a Socket.IO packet is message type 4)."""
        body = "\x1e".join(
            "b" + base64.b64encode(m).decode() if isinstance(m, bytes) else "4" + m
            for m in messages
        )
        response = requests.post(self.url, params=self.params, data=body.encode(), timeout=10)
        self.responses.append(response)
        return response

    def poll(self) -> list[str]:
        """One GET: the packets waiting for this client; a ping is answered."""
        response = requests.get(self.url, params=self.params, timeout=30)
        self.responses.append(response)
        assert response.status_code == 200, response.text
        packets = response.text.split("\x1e")
        for message in packets:
            if message == "2":
                self.post_raw("3")
            match = re.fullmatch(r"43/\w+,(\d+)(.*)", message, flags=re.S)
            if match:
                self.acks.setdefault(int(match[1]), []).append(json.loads(match[2]))
        return packets

    def post_raw(self, body: str) -> None:
        requests.post(self.url, params=self.params, data=body.encode(), timeout=10)

    def wait_for_ack(self, ack_id: int, timeout: float = 20.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while ack_id not in self.acks:
            assert time.monotonic() < deadline, f"no ack {ack_id}"
            self.poll()
        return self.acks[ack_id]


def live_snapshot(server: LiveServer) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the live server's database, read through an app of this process."""
    app = create_app(app_config(server.instance / "cafe.db"))
    try:
        return db_snapshot(app)
    finally:
        with app.app_context():
            db.engine.dispose()


def log_since(server: LiveServer, offset: int) -> str:
    return (server.instance / "server.log").read_bytes()[offset:].decode()


def log_size(server: LiveServer) -> int:
    return (server.instance / "server.log").stat().st_size


def live_cases(post: str) -> list[str]:
    """The malformed payloads, as raw packets for the /phone namespace of a live server,
    with ids from 100 on, plus a binary event with its attachment."""
    sendable = [t for label, t in MALFORMED if label != "too large"]
    packets = [
        f"2/phone,{100 + n}" + t.replace("<event>", "edit").replace("<post>", post)
        for n, t in enumerate(sendable)
    ]
    big = '["post",{"id":"x","text":"' + "ä" * (MAX_PACKET_CHARS + 10) + '"}]'
    packets.append(f"2/phone,{100 + len(sendable)}{big}")
    return packets


@pytest.mark.server
def test_a_live_server_answers_every_malformed_event_over_long_polling(
    live_server: LiveServer,
) -> None:
    code = parse_links(live_server.output)["code"]
    session = Polling(live_server.url)
    session.post("0/phone," + json.dumps({"code": code, "device": new_device()}))
    assert any(p.startswith("40/phone,{") for p in session.poll())
    session.post('2/phone,1["sync",{}]')
    tables = session.wait_for_ack(1)[0][0]["state"]["event"]["tables"]
    session.post(f'2/phone,2["join",{{"table":{tables[0]["id"]}}}]')
    assert session.wait_for_ack(2)[0][0]["ok"] is True
    post = str(uuid.uuid4())
    session.post(f'2/phone,3["post",{{"id":"{post}","text":"Ajatus"}}]')
    assert session.wait_for_ack(3)[0][0]["ok"] is True
    before = live_snapshot(live_server)
    offset = log_size(live_server)

    packets = live_cases(post)
    for message in packets:
        session.post(message)
    binary_id = 100 + len(packets)
    session.post(f'51-/phone,{binary_id}["edit",{{"_placeholder":true,"num":0}}]', b"\x00\xff")
    # A lone surrogate as raw bytes is not UTF-8: the whole body is refused (400).
    not_utf8 = requests.post(
        session.url,
        params=session.params,
        data=b'42/phone,99["edit",{"id":"\xed\xa0\x80"}]',
        timeout=10,
    )
    ids = [*range(100, 100 + len(packets)), binary_id]
    for ack_id in ids:
        session.wait_for_ack(ack_id)
    # A last event after all of them: nothing more was on its way.
    session.post('2/phone,999["sync",{}]')
    session.wait_for_ack(999)

    answers = {ack_id: session.acks[ack_id] for ack_id in ids}
    assert all(len(answer) == 1 for answer in answers.values()), answers
    assert {answer[0][0]["error"] for answer in answers.values()} == {"bad_request"}
    assert not_utf8.status_code == 400 and 99 not in session.acks
    assert live_snapshot(live_server) == before
    log = log_since(live_server, offset)
    lines = [line for line in log.splitlines() if " cafe.sockets: refused " in line]
    assert len(lines) == len(ids) + 1, log  # and one for the body that is not UTF-8
    assert "Traceback" not in log and " ERROR " not in log
    assert SECRET not in log and "127.0.0.1" not in log
    print(f"\nlong-polling: {len(ids) + 1} malformed, {len(answers)} acks, {len(lines)} log lines")

    # Every Engine.IO response carried the headers: handshake, polls and posts.
    assert len(session.responses) > 10
    for response in [*session.responses, not_utf8]:
        for name, value in HEADERS:
            assert response.headers.get(name) == value, (response.request.method, name)


@pytest.mark.server
def test_a_live_server_answers_malformed_events_over_websocket(live_server: LiveServer) -> None:
    """The websocket upgrade works under the header middleware; a binary emit and an
    unknown event from a real client library are answered like any other refusal."""
    code = parse_links(live_server.output)["code"]
    client = RealClient(live_server.url, "/phone", {"code": code, "device": new_device()})
    try:
        assert client.sio.transport() == "websocket"
        offset = log_size(live_server)
        before = live_snapshot(live_server)

        answers = [
            client.call("edit", {"id": "x", "text": b"\x00\x01"}),
            client.call("no_such_event", {}),
            client.call("edit", {"id": "\ud800"}),
            client.call("join", {"table": 2**64}),
            # (ASCII: the client escapes anything else as \\uXXXX, 6 bytes a character.)
            client.call("post", {"id": "x", "text": "a" * (MAX_PACKET_CHARS + 1)}),
        ]

        assert [ack_error(answer) for answer in answers] == ["bad_request"] * len(answers)
        assert client.call("sync")["ok"] is True
        assert live_snapshot(live_server) == before
        log = log_since(live_server, offset)
        assert len([line for line in log.splitlines() if "cafe.sockets: refused" in line]) == 5
        assert "Traceback" not in log
    finally:
        client.close()


@pytest.mark.server
def test_a_live_server_sends_the_security_headers_on_socketio_responses(
    live_server: LiveServer,
) -> None:
    responses = [
        requests.get(live_server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"}),
        requests.get(live_server.url + "/socket.io/", params={"EIO": "4", "transport": "nope"}),
        requests.get(live_server.url + "/socket.io/", params={"EIO": "4", "sid": "x"}),
        requests.get(live_server.url + "/healthz"),
        requests.get(live_server.url + "/archive/99999999999999999999999"),
    ]

    assert [r.status_code for r in responses] == [200, 400, 400, 200, 404]
    for response in responses:
        for name, value in HEADERS:
            assert response.headers.get(name) == value, (response.url, name)


@pytest.mark.server
def test_a_long_polling_body_beyond_the_transport_limit_is_cut_off(
    live_server: LiveServer,
) -> None:
    """Engine.IO does not read it: 400, and the session is closed (no answer can be sent
    for packets never read). A polling client always has a GET waiting, which gets the
    close; without it Engine.IO would wait for one."""
    session = Polling(live_server.url)
    waiting: list[requests.Response] = []
    reader = threading.Thread(
        target=lambda: waiting.append(requests.get(session.url, params=session.params, timeout=30))
    )
    reader.start()
    time.sleep(0.2)
    offset = log_size(live_server)

    response = requests.post(
        session.url, params=session.params, data=b"4" + b"a" * (MAX_TRANSPORT_BYTES + 1), timeout=30
    )
    reader.join(timeout=30)

    assert response.status_code == 400
    assert waiting and waiting[0].text.split("\x1e")[-1] in ("1", "6")
    assert requests.get(live_server.url + "/healthz", timeout=10).ok
    assert "Traceback" not in log_since(live_server, offset)
