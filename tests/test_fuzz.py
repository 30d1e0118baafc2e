"""Property-based fuzzing (hypothesis) of every socket event and every form (issue 10).

Socket events: every handler of every namespace registered on the Socket.IO server (read
from it, so a new handler is fuzzed without a change here) gets short sequences of calls
whose payloads mix objects built from the handler's own keys, with real ids and wrong
values, and arbitrary JSON. Every call: exactly one acknowledgement when it asks for one and
none when it does not; the acknowledgement a dict with a boolean ``ok``, a refusal's
``error`` a code cafe/messages.py knows (never ``server_error``) with a sentence; a refusal
changes no row and reaches no one; an accepted call changes no row of another event; and
nothing is logged as an error.

Forms: every POST rule of the URL map, with the fields the site's own forms post to it (read
from the pages that show them), random other fields and fuzzed values, logged in or not:
never a 500, and a refusal (4xx) changes no row. (CSRF is off in the test app, as in every
view test, so that the fuzz reaches the views.)

Every example starts from the same state: the database is restored from a copy taken after
seeding (SQLite's backup API, about a millisecond), and what the server keeps in memory
between requests (rate-limit buckets, the live-summary cache) is dropped as a restart
would, so a failing example fails again when hypothesis replays and shrinks it. Example
counts are bounded for ``make test`` (:data:`EXAMPLES`); ``CAFE_FUZZ_EXAMPLES=5000`` runs a
longer hunt and ``CAFE_FUZZ_SEED=n`` another sequence than the fixed one.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from socketio import packet
from sqlalchemy import text
from werkzeug.routing import Rule

from cafe.extensions import db, socketio
from cafe.messages import MESSAGES
from cafe.ratelimit import TokenBuckets
from cafe.wire import MAX_DEPTH, MAX_PACKET_CHARS
from cafe.workshops import catalogue
from tests.conftest import PASSWORD, Phone, add_cheap_user, db_snapshot, login
from tests.helpers import MEMO_PLAN
from tests.imagefiles import photo, png

# --- hypothesis settings -------------------------------------------------------------------

# Hypothesis keeps caches (unicode data, constants found in the code) in ./.hypothesis even
# without an example database: outside the repository instead.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "cafe-hypothesis")

#: Examples per test: bounded so that this file runs in well under a minute on 2 cores.
EXAMPLES = int(os.environ.get("CAFE_FUZZ_EXAMPLES", "250"))
_SEED = os.environ.get("CAFE_FUZZ_SEED")

FUZZ = settings(
    max_examples=EXAMPLES,
    # The same examples on every run (CI is reproducible) unless a seed is asked for; no
    # example database (.hypothesis/) written into the repository.
    derandomize=_SEED is None,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=False,
)


def fuzz_test(test: Callable[..., None]) -> Callable[..., None]:
    """The settings above, and the seed if one was asked for."""
    test = FUZZ(test)
    return seed(int(_SEED))(test) if _SEED is not None else test


Snapshot = dict[str, list[tuple[Any, ...]]]


# --- the state every example starts from ---------------------------------------------------


class Restorer:
    """The app's database as it was when made, and how to put it back (with the server's
    memory between requests) before each example."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.copy = sqlite3.connect(":memory:")
        with app.app_context(), db.engine.connect() as connection:
            connection.connection.driver_connection.backup(self.copy)  # type: ignore[union-attr]
        self.snapshot = db_snapshot(app)

    def restore(self) -> None:
        """Every row as when made; full rate-limit buckets and no kept summary, as after a
        restart (a bucket emptied by one example would refuse the next one's posts)."""
        with self.app.app_context(), db.engine.connect() as connection:
            self.copy.backup(connection.connection.driver_connection)  # type: ignore[arg-type]
        extensions = self.app.extensions
        for key, value in list(extensions.items()):
            if isinstance(value, TokenBuckets):
                extensions[key] = TokenBuckets(value.burst, value.rate * 60.0)
        extensions.pop("cafe_summaries", None)

    def close(self) -> None:
        self.copy.close()


def event_columns(app: Flask, tables: list[str]) -> dict[str, int]:
    """For each table in ``tables`` that belongs to one event, the position of that event's
    id in its rows (``id`` for ``cafe_event`` itself)."""
    found: dict[str, int] = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in tables:
            names = [row[1] for row in connection.execute(text(f'PRAGMA table_info("{table}")'))]
            column = "id" if table == "cafe_event" else "event_id"
            if column in names:
                found[table] = names.index(column)
    return found


def rows_of_others(snapshot: Snapshot, columns: dict[str, int], event_id: int) -> Snapshot:
    """The rows of ``snapshot`` that belong to an event other than ``event_id``."""
    return {
        table: [row for row in snapshot[table] if row[index] != event_id]
        for table, index in columns.items()
    }


# --- values --------------------------------------------------------------------------------

#: Keys every payload may carry, the handler's own or not (docs/protocol.md).
KNOWN_KEYS = (
    "id",
    "text",
    "table",
    "core",
    "phase",
    "role",
    "rating",
    "theme",
    "base",
    "title",
    "body",
    "item",
    "items",
    "into",
    "source",
    "index",
    "hidden",
    "on",
    "action",
    "seconds",
    "section",
    "code",
    "device",
    "token",
    "event",
)


def weighted(*options: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """``st.one_of`` with weights (it draws a branch given twice no more often)."""
    branches = st.sampled_from([strategy for weight, strategy in options for _ in range(weight)])

    @st.composite
    def pick(draw: st.DrawFn) -> Any:
        return draw(draw(branches))

    return pick()


#: Integers a database key holds, and the edges around 32, 53 and 64 bits.
INTEGERS = st.one_of(
    st.integers(-3, 12),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63)]),
)
FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1.0, -0.0, 1e308, 3.0]),
)
#: Lengths at and beyond the limits of a tip (300), a post (500), theme texts and the
#: packet (the last one is refused by cafe/wire.py).
LENGTHS = (299, 300, 301, 500, 501, 2001, 20_001, MAX_PACKET_CHARS - 40)


def repeated(pair: tuple[str, int]) -> str:
    return pair[0] * pair[1]


TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "\u200b\u200f", "\u202e\u2066", "\x00", "<script>x</script>"]),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs"]), min_size=1, max_size=8),
    st.tuples(st.just("x"), st.sampled_from(LENGTHS)).map(repeated),
    # Escaped as \\uXXXX by the client library: 6 or 12 characters of the packet each.
    st.tuples(st.sampled_from("ä€😀"), st.sampled_from(LENGTHS[:6])).map(repeated),
)
SCALARS = st.one_of(st.none(), st.booleans(), INTEGERS, FLOATS, TEXT)
#: Values of a wrong kind that reach a handler: cafe/wire.py lets them through.
WRONG = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=6), SCALARS, max_size=3),
)


def nested(depth: int, as_dict: bool) -> Any:
    """1 inside ``depth`` lists or dicts."""
    value: Any = 1
    for _ in range(depth):
        value = {"id": value} if as_dict else [value]
    return value


#: Values cafe/wire.py refuses before any handler: lone surrogates, integers beyond 64
#: bits, NaN and infinities, nesting beyond MAX_DEPTH (and just within), bytes (a binary
#: event), a packet beyond MAX_PACKET_CHARS.
ILLEGAL = st.one_of(
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),
    st.tuples(st.text(max_size=4), st.characters(categories=["Cs"])).map("".join),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30, float("nan"), float("inf")]),
    st.builds(
        nested, st.sampled_from([MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, 40, 900]), st.booleans()
    ),
    st.binary(max_size=6),
    st.just("x" * (MAX_PACKET_CHARS + 1)),
)
#: Arbitrary JSON, with the illegal values among its leaves.
JSON = st.recursive(
    st.one_of(SCALARS, st.integers(), st.floats(), ILLEGAL),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


# --- sockets -------------------------------------------------------------------------------

RESERVED_NAMES = (
    "connect",
    "disconnect",
    "connect_error",
    "message",
    "json",
    "(refused)",
    "_table",
    "trigger_event",
    "on_sync",
    "",
)
KEY_IN_SOURCE = re.compile(r"""data(?:\.get\(|\[)\s*["'](\w+)["']|["'](\w+)["']\s+in\s+data""")


def handlers(namespace: Any) -> list[str]:
    """The events a registered namespace handles: its ``on_…`` methods but connect and
    disconnect."""
    return sorted(
        name[3:]
        for name in dir(namespace)
        if name.startswith("on_")
        and callable(getattr(namespace, name))
        and name not in ("on_connect", "on_disconnect")
    )


def handler_keys(namespace: Any, event: str) -> tuple[str, ...]:
    """The payload keys a handler reads, from its source (``data.get("x")``, ``data["x"]``,
    ``"x" in data``)."""
    source = inspect.getsource(inspect.unwrap(getattr(namespace, "on_" + event)))
    return tuple(sorted({a or b for a, b in KEY_IN_SOURCE.findall(source)}))


@dataclass
class Client:
    """A connected test client the fuzz sends from, and what its session should be."""

    label: str
    namespace: str
    event_id: int
    socket: Phone
    #: A phone's table (and role) to sit at again when a ``join`` may have moved it;
    #: None: reconnect it instead (a phone that never sat down).
    home: tuple[int, str | None] | None = None
    reconnect: Callable[[], Phone] | None = None
    moved: bool = False


class Acks:
    """Every acknowledgement the server sends, as ``(Engine.IO sid, id, arguments)``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int | None, Any]] = []
        self.original: Any = None

    def install(self) -> None:
        """Wrap the server's packet sender (again after a test client is made: making one
        replaces it)."""
        server = socketio.server
        inner = server._send_packet
        if self.original is None:
            self.original = inner

        def recording(eio_sid: str, pkt: Any) -> None:
            if pkt.packet_type in (packet.ACK, packet.BINARY_ACK):
                self.sent.append((eio_sid, pkt.id, pkt.data))
            inner(eio_sid, pkt)

        server._send_packet = recording

    def close(self) -> None:
        if self.original is not None:
            socketio.server._send_packet = self.original


@dataclass
class Call:
    """One emit: who sends it, the event's name, its arguments, whether it asks for an ack."""

    sender: int
    event: str
    args: list[Any]
    ack: bool

    def __repr__(self) -> str:
        shown = repr(self.args)
        if len(shown) > 300:
            shown = shown[:300] + f"... ({len(shown)} characters)"
        return f"Call(sender={self.sender}, event={self.event!r}, ack={self.ack}, args={shown})"


@dataclass
class SocketWorld:
    """Two events (a Cafe Social and a co-development workshop) with posts, held posts,
    core ideas, themes, items, feedback and a tip; a client of every kind for each."""

    app: Flask
    clients: list[Client]
    pools: dict[str, list[Any]]
    acks: Acks = field(default_factory=Acks)

    def senders(self, namespace: str) -> list[int]:
        return [n for n, c in enumerate(self.clients) if c.namespace == namespace]


def client_id(n: int) -> str:
    """A fixed post id (the client makes a UUID), so that examples replay."""
    return str(uuid.UUID(int=0xCAFE0000 + n))


def device_token(n: int) -> str:
    """A fixed device token per phone, so that the device hashes are the same every run."""
    return f"fuzzdevice{n:022d}"


HELD_TEXT = "Olli Kettunen (puh. 0451123344) odotti päätöstä puoli vuotta"


def ok(ack: Any) -> Any:
    assert isinstance(ack, dict) and ack.get("ok") is True, ack
    return ack


def build_socket_world(
    app: Flask,
    make_event: Callable[..., Any],
    phone: Callable[..., Phone],
    board: Callable[[str], Phone],
    facilitator: Callable[..., Phone],
) -> SocketWorld:
    """Seed both events through the real handlers and connect the clients the fuzz uses."""
    cafe = make_event(tables=3, role_tags=["asiakas", "työntekijä"])
    workshop = make_event(tables=2, template="co-development", topic="Kokemusohjauksen pilotti")
    clients: list[Client] = []

    def add_phone(label: str, ev: Any, n: int, home: tuple[int, str | None] | None) -> Phone:
        token = device_token(n)
        made = phone(ev.code, token)
        assert made.connected
        if home is not None:
            ok(made.join(*home))

        def reconnect() -> Phone:
            return phone(ev.code, token)

        clients.append(Client(label, Phone.NS, ev.id, made, home, reconnect))
        return made

    host = add_phone("host", cafe, 1, (cafe.table_ids[0], "asiakas"))
    guest = add_phone("guest", cafe, 2, (cafe.table_ids[0], None))
    far = add_phone("far", cafe, 3, (cafe.table_ids[1], "työntekijä"))
    add_phone("newcomer", cafe, 4, None)
    worker = add_phone("workshop phone", workshop, 5, (workshop.table_ids[0], "asiakas"))
    control = facilitator(cafe.id)
    workshop_control = facilitator(workshop.id)
    clients.append(Client("control", "/facilitator", cafe.id, control))
    clients.append(Client("workshop control", "/facilitator", workshop.id, workshop_control))
    clients.append(Client("board", "/board", cafe.id, board(cafe.board_token)))
    clients.append(Client("workshop board", "/board", workshop.id, board(workshop.board_token)))

    ok(host.call("claim_host"))
    ok(host.post("Luottamus syntyy ajan kanssa", core=True, cid=client_id(1)))
    ok(host.post(HELD_TEXT, cid=client_id(2)))
    ok(guest.post("Kiire estää kohtaamisen", cid=client_id(3)))
    ok(host.call("mark_core", {"id": client_id(3), "core": True}))
    ok(far.post("Selkeä kieli auttaa", cid=client_id(4)))
    ok(far.post("Tämä piilotetaan", cid=client_id(5)))
    ok(far.call("feedback", {"rating": 4, "text": "Hyvä ilta"}))
    ok(guest.call("tip", {"text": "Seuraavaksi yksinäisyys"}))
    ok(control.call("hide", {"id": client_id(5), "hidden": True}))
    loose = ok(control.call("gather_sync"))["gathering"]["loose"]
    item_ids = sorted(card["id"] for card in loose)
    assert len(item_ids) >= 2, loose
    theme = ok(control.call("theme_create", {"title": "Luottamus", "items": item_ids[:1]}))
    ok(
        control.call(
            "theme_save",
            {"theme": theme["theme"], "base": 1, "title": "Luottamus", "body": "Aikaa."},
        )
    )
    ok(control.call("timer", {"action": "set", "seconds": 600}))
    ok(workshop_control.call("phase", {"phase": "goal"}))
    ok(worker.call("claim_host"))
    ok(worker.post("Tavoite oli nopeampi apu", core=True, cid=client_id(6)))
    ok(workshop_control.call("gather_sync"))
    ok(workshop_control.call("theme_create", {"title": "Tavoite", "section": "goal"}))

    with app.app_context(), db.engine.connect() as connection:

        def column(query: str) -> list[Any]:
            return sorted(row[0] for row in connection.execute(text(query)))

        tables = column("SELECT id FROM event_table")
        themes = column("SELECT id FROM theme")
        gathered = column("SELECT id FROM gather_item")
        events = column("SELECT id FROM cafe_event")
        posts = column("SELECT client_id FROM post")
    templates = catalogue().templates.values()
    phases = sorted({p.id for t in templates for p in t.phases})
    sections = sorted({s for t in templates for s in t.sections})
    roles = sorted({r for t in templates for r in t.role_tags} | {"asiakas", "työntekijä"})
    post_ids = posts + [client_id(n) for n in (90, 91)]
    pools: dict[str, list[Any]] = {
        "id": post_ids,
        "source": post_ids,
        "table": tables + [max(tables) + 1],
        "theme": [None, *themes, max(themes) + 1],
        "item": gathered + [max(gathered) + 1],
        "into": gathered,
        "items": [[], gathered[:1], gathered[-2:], [max(gathered) + 1]],
        "event": events + [max(events) + 1],
        "base": [0, 1, 2, 3],
        "index": [0, 1, 2, 5],
        "phase": phases,
        "section": [None, *sections],
        "role": [None, "", *roles],
        "action": ["set", "start", "pause", "reset"],
        "seconds": [0, 1, 60, 600, 14_400, 14_401],
        "rating": [1, 3, 5],
        "core": [True, False],
        "hidden": [True, False],
        "on": [True, False],
        "text": ["Uusi ajatus", HELD_TEXT, "Toinen ajatus", None],
        "title": ["Kohtaaminen", "Uusi teema"],
        "body": ["Pöydissä puhuttiin ajasta.", ""],
    }
    return SocketWorld(app, clients, pools)


def everything(pools: dict[str, list[Any]]) -> list[Any]:
    """Every value of every pool, once (a real id where another kind of id belongs)."""
    seen: dict[str, Any] = {}
    for values in pools.values():
        for value in values:
            seen.setdefault(repr(value), value)
    return list(seen.values())


def payloads(world: SocketWorld, keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects built from ``keys``: each present or not, with a value that fits it, a real
    value of another kind, or a wrong one; maybe a key more; now and then a value
    cafe/wire.py refuses."""
    union = st.sampled_from(everything(world.pools))
    other = st.one_of(union, WRONG)
    fitting = {
        key: weighted(
            (3, st.sampled_from(world.pools[key]) if key in world.pools else union), (1, other)
        )
        for key in keys
    }
    extra = st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=10), other, max_size=2)
    choice = st.sampled_from(("fits", "fits", "fits", "other", "absent"))
    illegal = st.sampled_from((False,) * 7 + (True,))
    illegal_key = st.sampled_from(keys or KNOWN_KEYS)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        for key in keys:
            how = draw(choice)
            if how == "fits":
                payload[key] = draw(fitting[key])
            elif how == "other":
                payload[key] = draw(other)
        payload.update(draw(extra))
        if draw(illegal):
            key = draw(illegal_key)
            payload[key] = draw(ILLEGAL)
        return payload

    return build()


def calls(world: SocketWorld) -> st.SearchStrategy[Call]:
    """One emit to any handler of any namespace, or to a name no handler has."""
    namespaces = socketio.server.namespace_handlers
    by_namespace = {name: handlers(ns) for name, ns in sorted(namespaces.items())}
    pairs = [(name, event) for name, events in by_namespace.items() for event in events]
    all_events = sorted({event for events in by_namespace.values() for event in events})
    shaped = {
        (name, event): payloads(world, handler_keys(namespaces[name], event))
        for name, event in pairs
    }
    fallback = payloads(world, KNOWN_KEYS[:6])
    shapes = st.sampled_from(("object",) * 9 + ("null", "nothing", "json", "two"))
    odd_names = st.sampled_from(RESERVED_NAMES + tuple(all_events)) | st.text(max_size=12)
    senders = {name: st.sampled_from(world.senders(name)) for name in by_namespace}
    kinds = st.sampled_from(("handler",) * 8 + ("other name",))
    handled = st.sampled_from(pairs)
    namespace_names = st.sampled_from(sorted(by_namespace))
    asks = st.sampled_from((True, True, True, False))

    @st.composite
    def build(draw: st.DrawFn) -> Call:
        if draw(kinds) == "handler":
            namespace, event = draw(handled)
        else:
            namespace, event = draw(namespace_names), draw(odd_names)
        payload = shaped.get((namespace, event), fallback)
        shape = draw(shapes)
        args: list[Any] = {"null": [None], "nothing": []}.get(shape, [])
        if shape in ("object", "two"):
            args.append(draw(payload))
        if shape in ("json", "two"):
            args.append(draw(JSON))
        return Call(draw(senders[namespace]), event, args, draw(asks))

    return build()


def broadcasts(client: Client) -> list[str]:
    """Names of the events ``client`` received since the last call, but ``presence``: it is
    sent on a timer (cafe/presence.py), for seats taken or left before."""
    received = client.socket.client.get_received(client.namespace)
    return [event["name"] for event in received if event["name"] != "presence"]


def check_ack(ack: Any) -> None:
    """The documented shape: ``ok`` a boolean; a refusal's code known, with a sentence."""
    assert isinstance(ack, dict), ack
    assert isinstance(ack.get("ok"), bool), ack
    if ack["ok"] is False:
        assert ack.get("error") in MESSAGES, ack
        assert ack["error"] != "server_error", ack
        assert isinstance(ack.get("message"), str) and ack["message"].strip(), ack


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Lines logged as errors, or with a traceback."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= 40 or r.exc_info is not None
    ]


class SocketFuzz:
    """Runs sequences of calls against a :class:`SocketWorld`, checking each (module
    docstring), and counts what it saw."""

    def __init__(self, world: SocketWorld, caplog: pytest.LogCaptureFixture) -> None:
        self.world = world
        self.caplog = caplog
        self.restorer = Restorer(world.app)
        self.columns = event_columns(world.app, sorted(self.restorer.snapshot))
        self.examples = 0
        self.outcomes: dict[str, int] = {}
        world.acks.install()

    def close(self) -> None:
        self.world.acks.close()
        self.restorer.close()

    def reset(self) -> None:
        """The database and memory as seeded; phones that may have moved sit (or stand)
        where they were; inboxes and logs emptied."""
        self.restorer.restore()
        for client in self.world.clients:
            if not client.moved:
                continue
            client.moved = False
            if client.home is not None:
                ok(client.socket.join(*client.home))
            else:
                assert client.reconnect is not None
                client.socket.close()
                client.socket = client.reconnect()
                assert client.socket.connected
                self.world.acks.install()
        for client in self.world.clients:
            client.socket.client.get_received(client.namespace)
        self.world.acks.sent.clear()
        self.caplog.clear()

    def run(self, sequence: list[Call]) -> None:
        self.reset()
        self.examples += 1
        before = self.restorer.snapshot
        for call in sequence:
            client = self.world.clients[call.sender]
            self.world.acks.sent.clear()
            sock = client.socket.client
            if call.event == "join" and client.namespace == Phone.NS:
                client.moved = True

            sock.emit(call.event, *call.args, namespace=client.namespace, callback=call.ack)

            sent = self.world.acks.sent
            assert {sid for sid, _id, _args in sent} <= {sock.eio_sid}, sent
            ack: Any = None
            if call.ack:
                assert [ack_id for _sid, ack_id, _args in sent] == [sock.callback_counter], sent
                arguments = sent[0][2]
                assert isinstance(arguments, list) and len(arguments) == 1, arguments
                ack = arguments[0]
                check_ack(ack)
            else:
                assert sent == [], sent
            after = db_snapshot(self.world.app)
            heard = {c.label: broadcasts(c) for c in self.world.clients}
            if ack is not None and ack["ok"] is False:
                outcome = ack["error"]
                assert after == before, "a refused call changed the database"
                assert all(names == [] for names in heard.values()), heard
            else:
                outcome = "ok" if ack is not None else "no ack asked"
                others = rows_of_others(after, self.columns, client.event_id)
                assert others == rows_of_others(before, self.columns, client.event_id), (
                    "a call changed another event's rows"
                )
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            before = after
        assert errors_logged(self.caplog) == []


def test_every_socket_event_answers_once_and_a_refusal_changes_nothing(
    app: Flask,
    make_event: Callable[..., Any],
    phone: Callable[..., Phone],
    board: Callable[[str], Phone],
    facilitator: Callable[..., Phone],
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = build_socket_world(app, make_event, phone, board, facilitator)
    assert sorted(socketio.server.namespace_handlers) == sorted(
        {c.namespace for c in world.clients}
    ), "a namespace without a client in build_socket_world is not fuzzed"
    fuzz = SocketFuzz(world, caplog)
    started = time.perf_counter()

    @fuzz_test
    @given(st.lists(calls(world), min_size=1, max_size=4))
    def run(sequence: list[Call]) -> None:
        fuzz.run(sequence)

    try:
        run()
    finally:
        fuzz.close()
    total = sum(fuzz.outcomes.values())
    print(
        f"\nsocket fuzz: {fuzz.examples} examples, {total} calls in "
        f"{time.perf_counter() - started:.1f} s; outcomes {sorted(fuzz.outcomes.items())}"
    )
    # The fuzz reached past the refusals: some calls were accepted.
    assert fuzz.outcomes.get("ok", 0) > total // 20


# --- forms ---------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The POST forms of a page: ``(action URL, {field: values the page gives it})``."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._form: dict[str, list[str]] | None = None
        self._action = ""
        self._text: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form, self._action = {}, urljoin(self.page, a.get("action") or self.page)
        elif self._form is None:
            return
        elif tag in ("input", "button", "select", "textarea") and name:
            values = self._form.setdefault(name, [])
            if tag in ("input", "button") and a.get("value") is not None:
                values.append(a["value"] or "")
            self._text = name if tag == "textarea" else None
            self._select = name if tag == "select" else self._select
        elif tag == "option" and self._select is not None:
            self._form[self._select].append(a.get("value") or "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._text is not None:
            self._form[self._text].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append((self._action, self._form))
            self._form = None
        elif tag == "textarea":
            self._text = None
        elif tag == "select":
            self._select = None


ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def fill_rule(rule: str, values: dict[str, Any]) -> str:
    """The path of ``rule`` with ``values`` in its placeholders, percent-encoded (a lone
    surrogate as the bytes a client would send)."""

    def one(match: re.Match[str]) -> str:
        raw = str(values[match.group(1)]).encode("utf-8", "surrogatepass")
        return quote(raw, safe="")

    return ARGUMENT.sub(one, rule)


@dataclass
class Site:
    """Two events (a Cafe Social with saved minutes, a finding, a review link and a review
    comment; a workshop with a saved report), the organizer's session cookie, and the
    forms the site's pages show."""

    app: Flask
    cookie: str
    arguments: dict[str, list[Any]]
    rules: list[Rule]
    fields: dict[str, dict[str, list[str]]]
    #: The path arguments the pages' forms post with, per rule.
    targets: dict[str, list[dict[str, Any]]]
    pages: int


#: Values only a person knows: the organizer's login (the pages show empty fields).
SECRETS = {"username": ["ohjaaja"], "password": [PASSWORD]}

#: The memo editor's plan, its first theme carrying personal data for the screen to find.
SCREENED_MEMO_PLAN = {
    **MEMO_PLAN,
    "summary": {
        "themes": [
            {"title": "Luottamus", "body": "Olli Kettunen (puh. 0451123344) odotti."},
            {"title": "Kiire", "body": "Kiire estää kohtaamisen."},
        ]
    },
}


def page_forms(http: FlaskClient, url: str) -> list[tuple[str, dict[str, list[str]]]]:
    """The POST forms of the page at ``url``, if it is an HTML page that opens."""
    response = http.get(url)
    if response.status_code != 200 or response.mimetype != "text/html":
        return []
    reader = FormReader("http://localhost" + url)
    reader.feed(response.get_data(as_text=True))
    return reader.forms


def submit(http: FlaskClient, forms: list[tuple[str, dict[str, list[str]]]], path: str) -> Any:
    """Post the form whose action is ``path`` as the page filled it in."""
    for action, fields in forms:
        if urlsplit(action).path == path:
            data = {name: values[0] for name, values in fields.items() if values}
            return http.post(path, data=data)
    raise AssertionError(f"no form posts to {path}")


def build_site(
    app: Flask, client: FlaskClient, make_event: Callable[..., Any], add_user: Callable[..., None]
) -> Site:
    """Seed through the site's own forms, then read every page's forms."""
    add_user(app, "ohjaaja")
    login(client, "ohjaaja")
    memo = make_event(tables=2, **SCREENED_MEMO_PLAN)
    workshop = make_event(tables=1, template="co-development", topic="Kokemusohjauksen pilotti")
    minutes = f"/events/{memo.id}/minutes"
    assert submit(client, page_forms(client, minutes), minutes).status_code == 302
    assert client.post(f"{minutes}/review-link").status_code == 302
    found = re.search(r"/review/([A-Za-z0-9_-]{16,64})", client.get(minutes).get_data(as_text=True))
    assert found is not None
    review = found.group(1)
    anonymous = app.test_client()
    sent = anonymous.post(
        f"/review/{review}", data={"part": "intro", "text": "Lisää tähän", "replacement": "Uusi"}
    )
    assert sent.status_code == 200
    report = f"/events/{workshop.id}/report"
    assert submit(client, page_forms(client, report), report).status_code == 302
    with app.app_context(), db.engine.connect() as connection:
        comments = [row[0] for row in connection.execute(text("SELECT id FROM review_comment"))]
    cookie = client.get_cookie("session")
    assert cookie is not None and comments

    arguments: dict[str, list[Any]] = {
        "event_id": [memo.id, workshop.id],
        "comment_id": comments,
        "token": [review, memo.board_token],
        "code": [memo.code, "fi", "sv", "en"],
        "number": [1],
    }
    fields: dict[str, dict[str, list[str]]] = {}
    targets: dict[str, list[dict[str, Any]]] = {}
    adapter = app.url_map.bind("localhost")
    pages = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or not rule.arguments <= set(arguments):
            continue
        names = sorted(rule.arguments)
        for combination in _product([arguments[name] for name in names]):
            pages += 1
            url = fill_rule(rule.rule, dict(zip(names, combination, strict=True)))
            for action, form in page_forms(client, url):
                target, found_args = adapter.match(
                    urlsplit(action).path, method="POST", return_rule=True
                )
                into = fields.setdefault(target.rule, {})
                for name, values in form.items():
                    kept = into.setdefault(name, [])
                    if name != "csrf_token":  # (random each time: the fuzz would not replay)
                        kept.extend(v for v in values if v not in kept)
                posted = targets.setdefault(target.rule, [])
                if found_args not in posted:
                    posted.append(dict(found_args))
    for name, values in SECRETS.items():
        fields.setdefault("/login", {}).setdefault(name, []).extend(values)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if "POST" in (r.methods or ())), key=lambda r: r.rule
    )
    return Site(app, cookie.value, arguments, rules, fields, targets, pages)


def _product(pools: list[list[Any]]) -> list[tuple[Any, ...]]:
    combinations: list[tuple[Any, ...]] = [()]
    for pool in pools:
        combinations = [c + (value,) for c in combinations for value in pool]
    return combinations


FORM_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "1",
            "-1",
            "on",
            "true",
            "2018-03-14",
            "14.3.2018",
            "2018-02-30",
            "9999-12-31",
            "14:00",
            "25:61",
            "99999999999999999999",
            str(2**63),
            "\u202e\u2066",
            "<script>x</script>",
            "[x](javascript:alert(1))",
        ]
    ),
    st.text(st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp"]), min_size=1, max_size=6),
    st.integers().map(str),
    st.tuples(st.sampled_from("xä"), st.sampled_from((200, 201, 2001, 20_001, 100_000))).map(
        repeated
    ),
)
PATH_JUNK = st.sampled_from([0, -1, 2**63 - 1, 2**63, 10**30, "x", "\ud800", "ä" * 70, "a/b"])
FILES = st.sampled_from(
    [
        ("png", png(60, 20)),
        ("jpeg", photo(40, 40)),
        ("empty", b""),
        ("text", b"ei kuva"),
        ("huge pixels", png(5000, 5000, pixels=False)),
        ("too large", b"\x89PNG" + b"0" * 600_000),
        ("beyond the request limit", b"0" * 2_100_000),
    ]
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "application/json",
        "text/plain; charset=latin-1",
    ]
)


@dataclass
class FormPost:
    """One POST: path, query, body and who sends it."""

    path: str
    logged_in: bool
    kind: str
    pairs: list[tuple[str, str]]
    upload: tuple[str, str, bytes] | None = None
    raw: bytes = b""
    content_type: str = ""

    def __repr__(self) -> str:
        upload = (
            f"{self.upload[0]}={self.upload[1]} ({len(self.upload[2])} B)" if self.upload else ""
        )
        pairs = repr(self.pairs)
        if len(pairs) > 400:
            pairs = pairs[:400] + f"... ({len(pairs)} characters)"
        return (
            f"FormPost({self.path!r}, logged_in={self.logged_in}, {self.kind}, {pairs} {upload}"
            f"{self.raw[:80]!r} {self.content_type})"
        )


def form_posts(site: Site) -> st.SearchStrategy[FormPost]:
    """A POST to any POST rule: real or junk values in its path; the fields its forms have
    (and others), each with a value a page gave it, another field's, or fuzz."""
    every_field = sorted({name for fields in site.fields.values() for name in fields})
    every_value = sorted(
        {v for fields in site.fields.values() for vs in fields.values() for v in vs}
    )
    other = st.one_of(st.sampled_from(every_value), FORM_TEXT)
    extra_names = st.sampled_from(every_field) | st.text(max_size=10)
    choice = st.sampled_from(("fits", "fits", "fits", "other", "absent"))
    by_rule = {}
    for rule in site.rules:
        known = site.fields.get(rule.rule) or {name: [] for name in every_field}
        fitting = {
            name: weighted((3, st.sampled_from(values)), (1, other)) if values else other
            for name, values in known.items()
        }
        mixed = st.fixed_dictionaries(
            {
                name: weighted(
                    (5, st.sampled_from(site.arguments.get(name, ["x"]))), (1, PATH_JUNK)
                )
                for name in sorted(rule.arguments)
            }
        )
        posted = site.targets.get(rule.rule)
        path_values = weighted((3, st.sampled_from(posted)), (1, mixed)) if posted else mixed
        by_rule[rule.rule] = (sorted(known), fitting, path_values)
    rules = st.sampled_from([rule.rule for rule in site.rules])
    kinds = st.sampled_from(("form",) * 6 + ("multipart", "raw"))
    field_name = st.sampled_from(["logo", *every_field])
    file_name = st.sampled_from(["logo.png", "logo.jpg", "", "../../x.png", "ä\u202e.png"])
    with_query = st.sampled_from((False, False, False, True))
    query_name = st.sampled_from(["next", "lang"])
    logged_in = st.sampled_from((True,) * 4 + (False,))
    extra_fields = st.lists(st.tuples(extra_names, other), max_size=3)
    bodies = st.binary(max_size=200)

    @st.composite
    def build(draw: st.DrawFn) -> FormPost:
        rule = draw(rules)
        names, fitting, path_values = by_rule[rule]
        path = fill_rule(rule, draw(path_values))
        if draw(with_query):
            path += "?" + urlencode(
                {draw(query_name): draw(other)},
                encoding="utf-8",
                errors="surrogatepass",
            )
        pairs: list[tuple[str, str]] = []
        for name in names:
            how = draw(choice)
            if how == "fits":
                pairs.append((name, draw(fitting[name])))
            elif how == "other":
                pairs.append((name, draw(other)))
        pairs += draw(extra_fields)
        kind = draw(kinds)
        post = FormPost(path, draw(logged_in), kind, pairs)
        if kind == "multipart":
            _label, content = draw(FILES)
            post.upload = (draw(field_name), draw(file_name), content)
        elif kind == "raw":
            post.raw = draw(bodies)
            post.content_type = draw(CONTENT_TYPES)
        return post

    return build()


class FormFuzz:
    """Sends :class:`FormPost` requests to a :class:`Site`, checking each."""

    def __init__(self, site: Site, caplog: pytest.LogCaptureFixture) -> None:
        self.site = site
        self.caplog = caplog
        self.restorer = Restorer(site.app)
        self.statuses: dict[int, int] = {}

    def run(self, post: FormPost) -> None:
        self.restorer.restore()
        self.caplog.clear()
        http = self.site.app.test_client()
        if post.logged_in:
            http.set_cookie("session", self.site.cookie)
        if post.kind == "form":
            body = urlencode(post.pairs, encoding="utf-8", errors="surrogatepass")
            response = http.post(
                post.path, data=body, content_type="application/x-www-form-urlencoded"
            )
        elif post.kind == "multipart":
            assert post.upload is not None
            name, filename, content = post.upload
            data: dict[str, Any] = {
                key: value.encode("utf-8", "replace").decode() for key, value in post.pairs
            }
            data[name] = (io.BytesIO(content), filename)
            response = http.post(post.path, data=data, content_type="multipart/form-data")
        else:
            response = http.post(post.path, data=post.raw, content_type=post.content_type)
        status = response.status_code
        self.statuses[status] = self.statuses.get(status, 0) + 1
        assert status < 500, status
        if 400 <= status < 500:
            assert db_snapshot(self.site.app) == self.restorer.snapshot, (
                f"a refused form ({status}) changed the database"
            )
        assert errors_logged(self.caplog) == []

    def close(self) -> None:
        self.restorer.close()


def test_every_form_answers_without_a_500_and_a_refusal_changes_nothing(
    app: Flask,
    client: FlaskClient,
    make_event: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = time.perf_counter()
    site = build_site(app, client, make_event, add_cheap_user)
    assert site.fields, "no form found on any page"
    print(f"\nsite built in {time.perf_counter() - started:.1f} s: {sorted(site.fields)}")
    fuzz = FormFuzz(site, caplog)
    started = time.perf_counter()

    @fuzz_test
    @given(form_posts(site))
    def run(post: FormPost) -> None:
        fuzz.run(post)

    try:
        run()
    finally:
        fuzz.close()
    total = sum(fuzz.statuses.values())
    print(
        f"\nform fuzz: {total} requests to {len(site.rules)} POST rules ({len(site.fields)} with "
        f"a form on one of {site.pages} pages) in {time.perf_counter() - started:.1f} s; "
        f"statuses {sorted(fuzz.statuses.items())}"
    )
    assert sum(n for status, n in fuzz.statuses.items() if status < 400) > total // 20
