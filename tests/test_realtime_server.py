"""Against a real ``cafe run`` (gevent, websockets) with real python-socketio clients:
a phone that loses its connection mid-stream loses and duplicates nothing, and a board
that was away catches up with one ``sync``."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websocket

from tests.conftest import LiveServer, new_device, parse_links
from tests.helpers import RealClient, wait_for

pytestmark = pytest.mark.server


@pytest.fixture
def connect(live_server: LiveServer) -> Iterator[Callable[[str, dict[str, Any]], RealClient]]:
    """Factory: ``connect(namespace, auth)`` opens a real client; all are closed afterwards."""
    opened: list[RealClient] = []

    def make(namespace: str, auth: dict[str, Any]) -> RealClient:
        client = RealClient(live_server.url, namespace, auth)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def sample(live_server: LiveServer) -> dict[str, str]:
    """The join code and board token of the sample event ``cafe run`` loaded."""
    links = parse_links(live_server.output)
    return {"code": links["code"], "board_token": links["board"].rsplit("/b/", 1)[1]}


def table_ids(client: RealClient) -> list[int]:
    return [table["id"] for table in client.call("sync")["state"]["event"]["tables"]]


def test_phone_stream_survives_a_dropped_connection_without_loss_or_duplicates(
    connect: Callable[[str, dict[str, Any]], RealClient], sample: dict[str, str]
) -> None:
    device = new_device()
    writer = connect("/phone", {"code": sample["code"], "device": device})
    reader = connect("/phone", {"code": sample["code"], "device": new_device()})
    table = table_ids(writer)[0]
    assert writer.call("join", {"table": table})["ok"] is True
    assert reader.call("join", {"table": table})["ok"] is True

    posts = {str(uuid.uuid4()): f"Ajatus numero {n}" for n in range(10)}
    ids = list(posts)
    outbox: dict[str, str] = {}  # what the phone has sent without seeing the ack, in order

    # Acknowledged as usual.
    for cid in ids[:4]:
        outbox[cid] = posts[cid]
        ack = writer.call("post", {"id": cid, "text": posts[cid]})
        assert ack["ok"] is True and ack["duplicate"] is False
        del outbox[cid]
    # Stored by the server (the neighbour sees them) but the ack never reaches the phone.
    for cid in ids[4:6]:
        outbox[cid] = posts[cid]
        writer.send("post", {"id": cid, "text": posts[cid]})
    wait_for(
        lambda: {p["id"] for p in reader.received("post")} >= set(ids[4:6]),
        "the neighbour to see the unacknowledged posts",
    )
    # Still on their way when the connection drops: stored or lost, nobody knows.
    for cid in ids[6:8]:
        outbox[cid] = posts[cid]
        writer.send("post", {"id": cid, "text": posts[cid]})
    writer.drop()
    # Written while offline: only in the outbox.
    for cid in ids[8:]:
        outbox[cid] = posts[cid]
    assert list(outbox) == ids[4:]

    # The phone comes back with the same device token, rejoins and empties its outbox.
    back = connect("/phone", {"code": sample["code"], "device": device})
    assert back.call("join", {"table": table})["ok"] is True
    duplicates = {}
    for cid, text in list(outbox.items()):
        ack = back.call("post", {"id": cid, "text": text})
        assert ack["ok"] is True, ack
        assert ack["post"]["id"] == cid and ack["post"]["text"] == text
        duplicates[cid] = ack["duplicate"]
        del outbox[cid]
    assert outbox == {}
    assert [duplicates[cid] for cid in ids[4:6]] == [True, True]
    assert [duplicates[cid] for cid in ids[8:]] == [False, False]

    wait_for(
        lambda: {p["id"] for p in reader.received("post")} >= set(ids),
        "the neighbour to see every post",
    )
    time.sleep(0.3)  # a duplicate broadcast, if any, would be right behind
    assert Counter(p["id"] for p in reader.received("post")) == Counter(ids)
    assert {p["id"]: p["text"] for p in reader.received("post")} == posts

    newcomer = connect("/phone", {"code": sample["code"], "device": new_device()})
    state = newcomer.call("join", {"table": table})["state"]
    assert Counter(p["id"] for p in state["posts"]) == Counter(ids)
    assert {p["id"]: p["text"] for p in state["posts"]} == posts
    rejoined = back.call("join", {"table": table})["state"]
    assert Counter(p["id"] for p in rejoined["posts"]) == Counter(ids)


def test_board_resync_after_reconnect_returns_core_ideas_posted_while_away(
    connect: Callable[[str, dict[str, Any]], RealClient], sample: dict[str, str]
) -> None:
    host = connect("/phone", {"code": sample["code"], "device": new_device()})
    table = table_ids(host)[1]
    assert host.call("join", {"table": table})["ok"] is True
    assert host.call("claim_host")["ok"] is True
    screen = connect("/board", {"token": sample["board_token"]})
    earlier = screen.call("sync")["state"]["cores"]

    first = host.call("post", {"id": str(uuid.uuid4()), "text": "Ennen katkosta", "core": True})
    wait_for(lambda: first["post"] in screen.received("core"), "the board to get the core idea")
    screen.drop()

    written = host.call("post", {"id": str(uuid.uuid4()), "text": "Suoraan", "core": True})
    plain = host.call("post", {"id": str(uuid.uuid4()), "text": "Merkitään myöhemmin"})
    marked = host.call("mark_core", {"id": plain["post"]["id"], "core": True})
    host.call("mark_core", {"id": first["post"]["id"], "core": False})
    assert written["ok"] and marked["ok"]

    back = connect("/board", {"token": sample["board_token"]})
    cores = back.call("sync")["state"]["cores"]
    assert cores == [*earlier, written["post"], marked["post"]]


@pytest.mark.parametrize(
    ("namespace", "auth", "error"),
    [
        ("/phone", {"code": "<wrong>", "device": "<device>"}, "unknown_code"),
        ("/phone", {"code": "<code>", "device": "lyhyt"}, "bad_device"),
        ("/board", {"token": "x" * 32}, "bad_board_token"),
        ("/facilitator", {"event": 1}, "not_logged_in"),
    ],
)
def test_refused_connection_tells_the_client_why(
    live_server: LiveServer,
    sample: dict[str, str],
    namespace: str,
    auth: dict[str, Any],
    error: str,
) -> None:
    """What socket.io-client turns into ``Error(message)`` with ``data: {error, message}``.

    The client does not wait for the namespace itself: a refused python-socketio client
    cleans up with a clean disconnect, which costs 3 s (see ``RealClient.close``).
    """
    slots = {
        "<wrong>": "ZZZZZZ" if sample["code"] != "ZZZZZZ" else "YYYYYY",
        "<code>": sample["code"],
        "<device>": new_device(),
    }
    client = RealClient(
        live_server.url, namespace, {k: slots.get(v, v) for k, v in auth.items()}, wait=False
    )
    try:
        wait_for(lambda: client.refusal is not None, "the refusal")
        assert client.refusal["data"]["error"] == error
        assert client.refusal["message"] == client.refusal["data"]["message"] != ""
        assert namespace not in client.sio.namespaces
    finally:
        client.close()


def test_a_websocket_is_opened_without_per_message_compression(
    live_server: LiveServer, sample: dict[str, str]
) -> None:
    """Browsers offer ``permessage-deflate``; the server declines it (cafe/wire.py
    ``PlainWebSockets``): its answer to the handshake names no extension, and a phone
    connects over the plain websocket. (websocket-client itself implements no extension:
    a compressed frame would fail it.)"""
    url = live_server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
    offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"
    ws = websocket.create_connection(url, header=[offer], timeout=10)
    try:
        assert ws.getstatus() == 101
        answered = {name.lower() for name in ws.getheaders() or {}}
        assert "sec-websocket-extensions" not in answered, answered
        assert str(ws.recv()).startswith("0{")  # Engine.IO's open packet
        auth = {"code": sample["code"], "device": new_device()}
        ws.send("40/phone," + json.dumps(auth))
        answer = str(ws.recv())
        assert answer.startswith("40/phone,"), answer
        assert set(json.loads(answer.split(",", 1)[1])) == {"sid"}
    finally:
        ws.close()
