"""Helpers that several test modules share, so that no test module imports another: real
Socket.IO clients against a live server, the gathering driven through the ``/facilitator``
namespace, the ``cafe`` command and the memo editor's plan and form. Browser tests have
theirs in ``tests/browser/helpers.py``, pure domain tests in ``tests/domain/helpers.py``."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import socketio
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy import event as sa_event

from cafe.cli import cli
from cafe.extensions import db
from tests.conftest import (
    ROOT,
    EventInfo,
    Facilitator,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    parse_links,
)

# --- real clients against `cafe run` -----------------------------------------------------

#: Upper bound of every wait; a healthy server on loopback answers in milliseconds.
TIMEOUT = 10.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def another_worker(app: Flask, sql: str, **params: Any) -> None:
    """Change the database as another process would: its own connection, not this app."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:
        connection.execute(text(sql), params)
    engine.dispose()


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block, whitespace folded."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


def verbs(seen: list[str]) -> list[str]:
    """Each statement's first word, upper case: ``["SELECT", "INSERT", …]``."""
    return [statement.split(None, 1)[0].upper() for statement in seen]


T = TypeVar("T")


def in_a_thread_of_its_own(run: Callable[[], T]) -> T:
    """``run()`` in a new thread, its result or its exception handed back.

    A bench's ``asyncio.run`` refuses to start where an event loop is running, and in the
    whole suite one is: the browser tests' session-wide Playwright drives its loop from the
    main thread (as a greenlet) until the session ends. A new thread has no running loop.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = run()
        except BaseException as error:  # handed to the caller, whatever it is
            outcome["error"] = error

    thread = threading.Thread(target=target, name="outside-any-event-loop")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


class RealClient:
    """A python-socketio client on one namespace, over websocket only, recording every
    event it receives."""

    def __init__(
        self, url: str, namespace: str, auth: dict[str, Any], *, wait: bool = True
    ) -> None:
        self.namespace = namespace
        self.sio = socketio.Client(reconnection=False)
        self._events: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        self.refusal: Any = None
        self.sio.on("*", self._record, namespace=namespace)
        self.sio.on("connect_error", self._refused, namespace=namespace)
        self.sio.connect(
            url,
            namespaces=[namespace],
            transports=["websocket"],
            auth=auth,
            wait=wait,
            wait_timeout=TIMEOUT,
        )

    def _record(self, event: str, data: Any = None) -> None:
        with self._lock:
            self._events.append((event, data))

    def _refused(self, data: Any = None) -> None:
        self.refusal = data

    def call(self, event: str, data: Any = None) -> Any:
        """Emit and wait for the acknowledgement."""
        return self.sio.call(event, data or {}, namespace=self.namespace, timeout=TIMEOUT)

    def send(self, event: str, data: Any) -> None:
        """Emit without asking for an acknowledgement: the phone never learns the outcome."""
        self.sio.emit(event, data, namespace=self.namespace)

    def received(self, name: str) -> list[Any]:
        """Payloads of every ``name`` event received so far."""
        with self._lock:
            return [data for event, data in self._events if event == name]

    def drop(self) -> None:
        """Cut the connection as a phone leaving the Wi-Fi would: no Socket.IO or
        websocket goodbye, the TCP connection just ends under whatever is in flight."""
        self.sio.eio.ws.sock.shutdown(socket.SHUT_RDWR)
        wait_for(lambda: not self.sio.connected, "the client to notice the drop")

    def close(self) -> None:
        """End the client. A clean ``disconnect()`` over websocket always takes 3 s: the
        client's reader thread swallows the server's close frame that ``ws.close()`` waits
        for. The server treats a cut connection the same way, so cut it."""
        if self.sio.connected:
            self.drop()


# --- the gathering, through the facilitator namespace ------------------------------------


def host(phone: MakePhone, code: str, table: int, role: str | None = None) -> Phone:
    """A phone seated at ``table`` (with ``role``) holding its host role."""
    made = phone(code)
    assert made.join(table, role)["ok"] is True
    assert made.call("claim_host")["ok"] is True
    made.received()
    return made


def core(writer: Phone, text: str) -> str:
    """The writer (a host) writes a core idea; returns its post id."""
    ack = writer.post(text, core=True)
    assert ack["ok"] is True, ack
    post_id: str = ack["post"]["id"]
    return post_id


def gathering(control: Facilitator) -> dict[str, Any]:
    """The gathering after a ``gather_sync``."""
    ack = control.call("gather_sync")
    assert ack["ok"] is True, ack
    state: dict[str, Any] = ack["gathering"]
    return state


def item_of(state: dict[str, Any], text: str) -> dict[str, Any]:
    """The item (themed or not) whose text is ``text``."""
    every = state["loose"] + [i for theme in state["themes"] for i in theme["items"]]
    found = [item for item in every if item["text"] == text]
    assert len(found) == 1, (text, every)
    item: dict[str, Any] = found[0]
    return item


def ok(ack: Any) -> dict[str, Any]:
    """The acknowledgement, which must say ``ok``."""
    assert ack["ok"] is True, ack
    result: dict[str, Any] = ack
    return result


@pytest.fixture
def two_tables(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> tuple[EventInfo, Phone, Phone, Facilitator]:
    """An event whose tables 1 and 2 each have a host phone, and a facilitator."""
    ev = make_event(tables=["Pöytä 1", "Pöytä 2", "Pöytä 3"])
    return (
        ev,
        host(phone, ev.code, ev.table_ids[0]),
        host(phone, ev.code, ev.table_ids[1]),
        facilitator(ev.id),
    )


# --- documents: the `cafe` command and the memo editor ------------------------------------

SEED_PLAN = ROOT / "sessions" / "cafe-social-2017-10-31.toml"
#: The seed memo (a copy of ../shared/seeds/000_227a10fecef78e33.txt, kept in the repository
#: so that the fidelity test runs wherever the repository is cloned).
SEED_MEMO = ROOT / "tests" / "data" / "seeds" / "000_227a10fecef78e33.txt"
#: The funder's logo block the PDF printed at the foot of every page.
SEED_FOOTER = re.compile(r"Kestävää kasvua ja työtä -ohjelma\s+Vipuvoimaa\s+EU:lta\s+2014–2020")
#: A memo's plan: openers and a typed summary (the event of the memo editor's tests).
MEMO_PLAN = {
    "topic": "Kohtaaminen sosiaalityössä",
    "date": "2018-03-14",
    "openers": [
        {"name": "Jari Lehtonen", "title": "kokemusasiantuntija", "talk": "Lehtonen kertoi."},
        {"name": "Sanna Heikkilä", "organisation": "Jyväskylän kaupunki"},
    ],
    "summary": {
        "themes": [
            {"title": "Luottamus", "body": "Luottamus syntyy ajan kanssa."},
            {"title": "Kiire", "body": "Kiire estää kohtaamisen."},
        ]
    },
}


def cafe(*args: str) -> Result:
    """Run a ``cafe`` command in this process."""
    return CliRunner().invoke(cli, list(args))


def created(plan: Path) -> str:
    """Create the event of ``plan``; return its join code."""
    result = cafe("event", "create", str(plan))
    assert result.exit_code == 0, result.output
    return parse_links(result.stdout)["code"]


def words(text: str) -> str:
    """White space normalised: every run of it is one space."""
    return " ".join(text.split())


def seed_memo() -> str:
    """The seed memo without the page footers the PDF repeated (the last one stays)."""
    text = SEED_MEMO.read_text("utf-8")
    footers = list(SEED_FOOTER.finditer(text))
    assert len(footers) == 5
    last = footers[-1]
    return SEED_FOOTER.sub(" ", text[: last.start()]) + text[last.start() :]


def memo_form(**changes: str) -> dict[str, str]:
    """The memo editor's fields for an event of :data:`MEMO_PLAN`, as a browser posts them."""
    fields = {
        "base": "0",
        "title": "",
        "topic": "Kohtaaminen sosiaalityössä",
        "openers_sentence": "",
        "talk-0": "Lehtonen kertoi.",
        "talk-1": "",
        "method_sentence": "",
        "intro": "",
        "theme-title-0": "Luottamus",
        "theme-body-0": "Luottamus syntyy ajan kanssa.",
        "theme-title-1": "Kiire",
        "theme-body-1": "Kiire estää kohtaamisen.",
        "next_date": "",
        "next_start": "",
        "next_end": "",
        "footer": "Rahoittaja",
    }
    fields.update(changes)
    return fields


#: The themes :func:`voting_on_themes` writes.
VOTE_THEMES = ("Kohtaaminen", "Osallisuus", "Asumisen tuki")


def voting_on_themes(
    make_event: MakeEvent, facilitator: MakeFacilitator, *, tables: int = 2
) -> tuple[EventInfo, Facilitator, list[str]]:
    """A Cafe Social with three themes, moved to its vote phase; the themes' item keys."""
    ev = make_event(tables=tables)
    control = facilitator(ev.id)
    keys = [
        f"theme:{ok(control.call('theme_create', {'title': title}))['theme']}"
        for title in VOTE_THEMES
    ]
    ok(control.call("phase", {"phase": "vote"}))
    control.received()
    return ev, control, keys
