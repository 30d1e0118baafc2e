"""Shared fixtures: an app on a fresh SQLite file, factories for events, phones and boards,
and a real server process for end-to-end tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from socketio import packet
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from cafe import create_app
from cafe.auth.operations import create_user
from cafe.database import upgrade_database
from cafe.domain.plan import plan_from_mapping
from cafe.extensions import db, socketio
from cafe.facilitator.operations import create_event
from cafe.models import CafeEvent, User

#: The private PostgreSQL, Redis and nginx fixtures (postgres_url, redis_url, …). Imported by
#: pytest (its asserts rewritten): the functions below import from it when called, never here.
pytest_plugins = ["tests.services"]

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def app_config(database: Path | str) -> dict[str, Any]:
    """Configuration of a test app on the SQLite file ``database`` (a str: a database URL)."""
    uri = database if isinstance(database, str) else f"sqlite:///{database}"
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": uri,
        "CAFE_ASYNC_MODE": "threading",
        "WTF_CSRF_ENABLED": False,
    }


def empty_database(path: Path) -> Path | str:
    """A database nothing has touched: the SQLite file ``path``, or with
    ``CAFE_TEST_DATABASE_URL`` the URL of a new database on that server."""
    from tests.services import server_databases

    server = server_databases()
    return path if server is None else server.create()


def database_copy(template: Path | str, path: Path) -> Path | str:
    """A migrated database without rows for one test: a copy of the SQLite file
    ``template`` at ``path``, or on the ``CAFE_TEST_DATABASE_URL`` server the database
    ``template`` itself, emptied after the test (``done_with``)."""
    if isinstance(template, str):
        return template
    shutil.copyfile(template, path)
    return path


def done_with(database: Path | str) -> None:
    """After a test: empty the server database ``database_copy`` gave it (a SQLite copy
    goes with the test's tmp_path)."""
    from tests.services import server_databases

    server = server_databases()
    if isinstance(database, str) and server is not None:
        server.wipe(database)


def drop_database(database: Path | str) -> None:
    """Drop a database ``empty_database`` made on the server (a SQLite file goes with its
    test's tmp_path)."""
    from tests.services import server_databases

    server = server_databases()
    if isinstance(database, str) and server is not None:
        server.drop(database)


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path | str]:
    """An empty database migrated to head with Alembic, once per session, to copy from
    (``database_copy``): a SQLite file, or with ``CAFE_TEST_DATABASE_URL`` a database on
    that server."""
    database = empty_database(tmp_path_factory.mktemp("template") / "cafe.db")
    template = create_app(app_config(database))
    with template.app_context():
        upgrade_database()
        db.engine.dispose()  # closing the last connection folds the WAL into the file
    yield database
    drop_database(database)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session, whatever database the suite runs
    on: for tests about the embedded default itself (its file, start-up, health)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "cafe.db"
    template = create_app(app_config(path))
    with template.app_context():
        upgrade_database()
        db.engine.dispose()  # closing the last connection folds the WAL into the file
    return path


@pytest.fixture
def sqlite_app(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Callable[..., Flask]]:
    """Factory: an app on a migrated SQLite file of its own (a copy: a test may break it),
    with extra configuration."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        path = tmp_path / f"cafe{len(made)}.db"
        shutil.copyfile(migrated_sqlite, path)
        app = create_app(app_config(path) | config)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path | str) -> Iterator[Flask]:
    """An app on a database migrated with Alembic and without rows, threads for Socket.IO.

    The database was migrated once per session: running the migrations for every test
    would double the suite's time. Each test gets its own copy of the SQLite file, or with
    ``CAFE_TEST_DATABASE_URL`` the server's database, emptied again after the test.
    """
    database = database_copy(migrated_database, tmp_path / "cafe.db")
    app = create_app(app_config(database))
    yield app
    # A presence (or vote count) broadcast still waiting (cafe.presence.PresenceThrottle)
    # would reach the next test's sockets: its events reuse these ids, and so the rooms'
    # names.
    for name in ("cafe_presence_throttle", "cafe_vote_count_throttle"):
        throttle = app.extensions.get(name)
        if throttle is not None:
            throttle.close()
    with app.app_context():
        db.engine.dispose()
    done_with(database)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """HTTP test client."""
    return app.test_client()


@dataclass
class EventInfo:
    """Ids and secrets of an event made by ``make_event``."""

    id: int
    code: str
    board_token: str
    table_ids: list[int]


@pytest.fixture
def make_event(app: Flask) -> Callable[..., EventInfo]:
    """Factory: ``make_event(tables=3, **plan_keys)`` creates an event and returns its ids."""

    def make(tables: int | list[str] = 3, **plan: Any) -> EventInfo:
        data: dict[str, Any] = {"topic": "Yhdessä asiakkaan kanssa", "date": "2017-10-31"}
        data.update(plan)
        data["tables"] = tables
        with app.app_context():
            event: CafeEvent = create_event(plan_from_mapping(data))
            return EventInfo(
                id=event.id,
                code=event.join_code,
                board_token=event.board_token,
                table_ids=[t.id for t in event.tables],
            )

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., str]:
    """Factory: ``make_user("anna")`` creates a facilitator account; returns the username.

    An admin unless ``admin=False``: events made by ``make_event`` have no owner, and the
    tests of other features act on them (tests/test_accounts.py tests ownership)."""

    def make(
        username: str = "fasilitaattori", password: str = PASSWORD, *, admin: bool = True
    ) -> str:
        with app.app_context():
            create_user(username, password, admin=admin)
        return username

    return make


def new_device() -> str:
    """A device token like the one the phone script generates."""
    return uuid.uuid4().hex + uuid.uuid4().hex[:8]


class Phone:
    """A participant's phone: a Socket.IO test client in the ``/phone`` namespace."""

    NS = "/phone"

    def __init__(self, app: Flask, code: str, device: str | None = None) -> None:
        self.device = device or new_device()
        self.client = socketio.test_client(
            app, namespace=self.NS, auth={"code": code, "device": self.device}
        )

    @property
    def connected(self) -> bool:
        """Whether the server accepted (and still holds) the connection."""
        return bool(self.client.is_connected(self.NS))

    def close(self) -> None:
        """Disconnect, as when the phone's page is closed (no-op if not connected)."""
        if self.connected:
            self.client.disconnect(self.NS)

    def call(self, event: str, data: Any = None) -> Any:
        """Emit and return the acknowledgement."""
        if data is None:
            return self.client.emit(event, namespace=self.NS, callback=True)
        return self.client.emit(event, data, namespace=self.NS, callback=True)

    def join(self, table: int, role: str | None = None) -> Any:
        """Sit at a table; returns the ack."""
        return self.call("join", {"table": table, "role": role})

    def post(self, text: str, core: bool = False, cid: str | None = None) -> Any:
        """Post an idea with a fresh client id; returns the ack."""
        return self.call("post", {"id": cid or str(uuid.uuid4()), "text": text, "core": core})

    def received(self, name: str | None = None) -> list[Any]:
        """Events received since the last call (payloads of ``name`` only, if given)."""
        events: list[Any] = self.client.get_received(self.NS)
        if name is None:
            return events
        return [e["args"][0] for e in events if e["name"] == name]


def seated(phone: Callable[..., Phone], code: str, table: int, device: str | None = None) -> Phone:
    """A connected phone (made by the ``phone`` factory) that has joined ``table``, with
    its inbox emptied."""
    made = phone(code, device)
    assert made.connected
    assert made.join(table)["ok"] is True
    made.received()
    return made


class Board(Phone):
    """A projected board in the ``/board`` namespace."""

    NS = "/board"

    def __init__(self, app: Flask, token: str) -> None:
        self.client = socketio.test_client(app, namespace=self.NS, auth={"token": token})


class Facilitator(Phone):
    """A facilitator's control page in the ``/facilitator`` namespace.

    ``http`` is the Flask test client whose login cookie the socket carries (None: anonymous).
    """

    NS = "/facilitator"

    def __init__(self, app: Flask, event_id: object, http: FlaskClient | None) -> None:
        self.client = socketio.test_client(
            app, namespace=self.NS, auth={"event": event_id}, flask_test_client=http
        )


@pytest.fixture
def connected_clients() -> Iterator[list[Phone]]:
    """Every test client a factory made; disconnected after the test.

    Presence is process memory keyed by table id, and every test's fresh database reuses
    the same ids: a socket left open would count at the next test's table.
    """
    made: list[Phone] = []
    yield made
    for item in reversed(made):
        item.close()


@pytest.fixture
def phone(app: Flask, connected_clients: list[Phone]) -> Callable[..., Phone]:
    """Factory: ``phone(code)`` connects a new phone to an event."""

    def make(code: str, device: str | None = None) -> Phone:
        made = Phone(app, code, device)
        connected_clients.append(made)
        return made

    return make


@pytest.fixture
def board(app: Flask, connected_clients: list[Phone]) -> Callable[[str], Board]:
    """Factory: ``board(token)`` connects a board."""

    def make(token: str) -> Board:
        made = Board(app, token)
        connected_clients.append(made)
        return made

    return make


def login(http: FlaskClient, username: str, password: str = PASSWORD) -> None:
    """Log in through the real login form (CSRF is off in the test app)."""
    response = http.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, "login failed"


#: A werkzeug hash of PASSWORD that costs nothing to check (a single PBKDF2 round).
CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


def add_cheap_user(app: Flask, username: str, *, admin: bool = True) -> None:
    """An account like ``create_user`` makes, but with a hash that is instant to check.

    ``create_user``'s salted scrypt takes about 0.15 s to make and 0.2 s to check; paid in
    every facilitator test, it would dominate the suite. Tests of accounts themselves use
    ``make_user``. An admin unless ``admin=False``, as ``make_user``'s.
    """
    with app.app_context():
        db.session.add(User(username=username, password_hash=CHEAP_HASH, is_admin=admin))
        db.session.commit()


@pytest.fixture
def facilitator(
    app: Flask, client: FlaskClient, connected_clients: list[Phone]
) -> Callable[..., Facilitator]:
    """Factory: ``facilitator(event_id)`` logs a facilitator in through ``POST /login`` on
    the ``client`` fixture (once per test) and connects their control page with that
    cookie; ``logged_in=False`` connects without a login."""
    logged_in_once: list[bool] = []

    def make(event_id: object, *, logged_in: bool = True) -> Facilitator:
        http: FlaskClient | None = None
        if logged_in:
            if not logged_in_once:
                add_cheap_user(app, "ohjaaja")
                login(client, "ohjaaja")
                logged_in_once.append(True)
            http = client
        made = Facilitator(app, event_id, http)
        connected_clients.append(made)
        return made

    return make


def connect_error(app: Flask, namespace: str, auth: Any, http: FlaskClient | None = None) -> Any:
    """Try to connect ``namespace`` with ``auth``; return the ``connect_error`` payload
    the server sent, or None when it accepted the connection.

    Flask-SocketIO's test client only records *that* a connection was refused, so the
    packet is read on its way out: a client is first connected to the default namespace,
    then the server's packet sender is wrapped while the namespace under test connects.
    """
    test_client = socketio.test_client(app, flask_test_client=http)
    server = socketio.server
    send = server._send_packet
    refusals: list[Any] = []

    def recording(eio_sid: str, pkt: Any) -> None:
        if eio_sid == test_client.eio_sid and pkt.packet_type == packet.CONNECT_ERROR:
            refusals.append(pkt.data)
        send(eio_sid, pkt)

    server._send_packet = recording
    try:
        test_client.connect(namespace=namespace, auth=auth)
    finally:
        server._send_packet = send
    accepted = test_client.is_connected(namespace)
    if accepted:
        test_client.disconnect(namespace)
    test_client.disconnect()
    assert accepted != bool(refusals)
    return refusals[0] if refusals else None


def db_snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the app's database, to prove that nothing changed."""
    tables = (
        "user",
        "cafe_event",
        "opener",
        "event_table",
        "post",
        "theme",
        "gather_item",
        "summary_intro",
        "summary_revision",
        "document",
        "document_revision",
        "review_comment",
        "topic_tip",
        "feedback",
        "audit_entry",
        "vote_round",
        "vote",
    )
    with app.app_context(), db.engine.connect() as connection:
        return {
            name: [
                tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}" ORDER BY 1'))
            ]
            for name in tables
        }


# --- a real server process ----------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A ``cafe run`` process on loopback, with what it printed on first start."""

    url: str
    process: subprocess.Popen[str]
    output: str
    instance: Path

    def create_event(self, plan: Path) -> dict[str, str]:
        """Run ``cafe event create`` against this server's database; returns the printed links."""
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "cafe"),
                "event",
                "create",
                str(plan),
                "--base-url",
                self.url,
            ],
            env=server_env(self.instance),
            capture_output=True,
            text=True,
            check=True,
        )
        return parse_links(result.stdout)


def server_env(instance: Path) -> dict[str, str]:
    """Environment of a server process that keeps everything under ``instance``."""
    env = dict(os.environ)
    env["CAFE_INSTANCE_PATH"] = str(instance)
    env.pop("CAFE_DATABASE_URL", None)
    return env


def parse_links(text: str) -> dict[str, str]:
    """Pick "Join code:", "Phone URL:", "Board URL:" and the first-start password from output."""
    found = {}
    for key, label in (
        ("code", "Join code"),
        ("phone", "Phone URL"),
        ("board", "Board URL"),
        ("control", "Control"),
        ("password", "password"),
    ):
        match = re.search(rf"{label}:\s+(\S+)", text)
        if match:
            found[key] = match.group(1)
    return found


def start_server(
    instance: Path, *args: str, port: int | None = None, env: dict[str, str] | None = None
) -> LiveServer:
    """Start ``cafe run`` (on a free port unless given; ``env`` added to its environment)
    and wait until it answers."""
    port = port or free_port()
    log = instance / "server.log"
    instance.mkdir(parents=True, exist_ok=True)
    handle = log.open("a")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "cafe"), "run", "--port", str(port), *args],
        env=server_env(instance) | (env or {}),
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            if requests.get(url + "/healthz", timeout=1).ok:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError(f"server did not start:\n{log.read_text()}")
    return LiveServer(url=url, process=process, output=log.read_text(), instance=instance)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real ``cafe run`` (gevent, websockets) with the sample event loaded."""
    server = start_server(tmp_path_factory.mktemp("live"))
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def fill(value: Any, slots: dict[str, Any]) -> Any:
    """Replace placeholder strings like ``"<table>"`` anywhere in a payload by real values,
    so parametrize tables can name ids that exist only once the test has made its event."""
    if isinstance(value, str) and value in slots:
        return slots[value]
    if isinstance(value, dict):
        return {key: fill(item, slots) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, slots) for item in value]
    return value


def ack_error(ack: Any) -> str:
    """The error code of a refused acknowledgement, checking its documented shape."""
    assert isinstance(ack, dict), ack
    assert ack["ok"] is False, ack
    assert isinstance(ack["message"], str) and ack["message"].strip(), ack
    assert set(ack) == {"ok", "error", "message"}, ack
    code: str = ack["error"]
    return code


def refused_changing_nothing(
    app: Flask, sender: Phone, watchers: list[Phone], event: str, payload: Any, error: str
) -> None:
    """``sender`` emits ``event``: it must be refused with ``error``, leave every database row
    as it was, and reach no one (neither ``watchers`` nor the sender itself)."""
    before = db_snapshot(app)

    assert ack_error(sender.call(event, payload)) == error

    assert db_snapshot(app) == before
    # Presence counts are broadcast on a timer (cafe/presence.py): one sent late for an
    # earlier join is not something the refused event caused.
    assert [not_presence(watcher.received()) for watcher in watchers] == [[]] * len(watchers)
    assert not_presence(sender.received()) == []


def not_presence(events: list[Any]) -> list[Any]:
    """Received events other than the timer-driven ``presence`` broadcasts."""
    return [e for e in events if e["name"] != "presence"]


def refusal_code(payload: Any) -> str:
    """The error code of a ``connect_error`` payload, checking what socket.io-client reads:
    ``message`` becomes the Error's text and ``data`` its ``{"error", "message"}``."""
    assert isinstance(payload, dict), "the connection was accepted"
    assert isinstance(payload["message"], str) and payload["message"].strip()
    assert payload["data"] == {"error": payload["data"]["error"], "message": payload["message"]}
    code: str = payload["data"]["error"]
    return code


#: Types of the factory fixtures, for annotating tests.
MakeEvent = Callable[..., EventInfo]
MakePhone = Callable[..., Phone]
MakeBoard = Callable[[str], Board]
MakeFacilitator = Callable[..., Facilitator]
