"""Shared fixtures: an app on a fresh SQLite file, factories for events, phones and boards,
and a real server process for end-to-end tests."""

from __future__ import annotations

import os
import re
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

from cafe import create_app
from cafe.auth.operations import create_user
from cafe.database import upgrade_database
from cafe.domain.plan import plan_from_mapping
from cafe.events.operations import create_event
from cafe.extensions import socketio
from cafe.models import CafeEvent

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An app on its own SQLite file, migrated with Alembic, threads for Socket.IO."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cafe.db'}",
            "CAFE_ASYNC_MODE": "threading",
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade_database()
    yield app


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
    """Factory: ``make_user("anna")`` creates a facilitator account; returns the username."""

    def make(username: str = "fasilitaattori", password: str = PASSWORD) -> str:
        with app.app_context():
            create_user(username, password)
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


class Board(Phone):
    """A projected board in the ``/board`` namespace."""

    NS = "/board"

    def __init__(self, app: Flask, token: str) -> None:
        self.client = socketio.test_client(app, namespace=self.NS, auth={"token": token})


@pytest.fixture
def phone(app: Flask) -> Callable[..., Phone]:
    """Factory: ``phone(code)`` connects a new phone to an event."""
    return lambda code, device=None: Phone(app, code, device)


@pytest.fixture
def board(app: Flask) -> Callable[[str], Board]:
    """Factory: ``board(token)`` connects a board."""
    return lambda token: Board(app, token)


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


def start_server(instance: Path, *args: str) -> LiveServer:
    """Start ``cafe run`` on a free port and wait until it answers."""
    port = free_port()
    log = instance / "server.log"
    instance.mkdir(parents=True, exist_ok=True)
    handle = log.open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "cafe"), "run", "--port", str(port), *args],
        env=server_env(instance),
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
