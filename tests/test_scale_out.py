"""Two ``cafe run`` workers on one PostgreSQL and one Redis queue, behind the nginx site
that docs/deploy.md documents (deploy/nginx/cafe.conf, TLS and sticky route cookie), with
real python-socketio clients through nginx: phones on worker A, boards and the facilitator
on worker B.

What this proves: every broadcast a change on one worker causes reaches the sockets of the
other (posts, core ideas, phase, timer, the summary), presence counts and the post rate
limit are the same seen from either worker, a login made through one worker is valid on
the other, and the route cookie keeps each client on one worker for its long-polling and
its websocket upgrade. What it does not: every process runs on this one machine, nginx
sees every client from 127.0.0.1 (the route cookie, not the address, picks the worker),
and the clients choose their worker by presetting that cookie, as no browser would.
"""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.conftest import (
    LiveServer,
    free_port,
    new_device,
    parse_links,
    server_env,
    start_server,
)
from tests.helpers import wait_for
from tests.scaleout import rendered_site, self_signed, stopped, worker_of
from tests.services import PostgresServer, nginx_binary, start_nginx, unavailable

pytestmark = pytest.mark.server

#: A plan of three tables for the events the tests make (the sample's themes and memo
#: would only slow every broadcast of the gathering down).
PLAN = 'topic = "Yhdessä asiakkaan kanssa"\ndate = "2026-12-02"\ntables = ["1", "2", "3"]\n'
CAFE = str(Path(sys.executable).parent / "cafe")
#: Upper bound of every wait; loopback answers in milliseconds.
TIMEOUT = 15.0
#: The workers' post bucket: a burst of 10, then one post a minute (none refills mid-test).
POST_BURST = 10


@dataclass
class Cluster:
    """Two workers behind nginx, and how to reach each of them through it."""

    url: str
    http_url: str
    certificate: Path
    workers: dict[str, LiveServer]
    #: A route cookie value that nginx sends to each worker.
    routes: dict[str, str]
    password: str
    #: A worker's environment, for ``cafe event create`` on the shared database.
    env: dict[str, str]
    plan: Path

    def session(self, worker: str) -> requests.Session:
        """An HTTP session through nginx whose requests all go to ``worker``."""
        http = requests.Session()
        http.trust_env = False  # REQUESTS_CA_BUNDLE would take the place of verify
        http.verify = str(self.certificate)
        http.cookies.set("cafe_route", self.routes[worker])
        return http

    def create_event(self) -> dict[str, str]:
        """``cafe event create`` on the shared database; the printed code and links."""
        result = subprocess.run(
            [CAFE, "event", "create", str(self.plan), "--base-url", self.url],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return parse_links(result.stdout)


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer, redis_url: str
) -> Iterator[Cluster]:
    """Worker A, then worker B (A migrates and makes the first-start account and sample
    event), on a new database of the private PostgreSQL and the private Redis, behind the
    documented nginx site with a self-signed certificate."""
    if nginx_binary() is None:
        unavailable("nginx is not installed")
    folder = tmp_path_factory.mktemp("scale")
    env = {
        "CAFE_DATABASE_URL": postgres_server.url(postgres_server.create_database()),
        "CAFE_MESSAGE_QUEUE": redis_url,
        "CAFE_SECRET_KEY": secrets.token_hex(32),
        "CAFE_PROXY_HOPS": "1",
        "CAFE_POST_BURST": str(POST_BURST),
        "CAFE_POSTS_PER_MINUTE": "1",
    }
    workers: dict[str, LiveServer] = {}
    try:
        for name in ("A", "B"):
            workers[name] = start_server(folder / name, env=env)
        certificate, key = self_signed(folder)
        https, http = free_port(), free_port()
        site = rendered_site(https, http, list(workers.values()))
        nginx = start_nginx(
            "include site.conf;",
            [https, http],
            {"site.conf": site, "cert.pem": certificate, "key.pem": key},
        )
        try:
            url = f"https://127.0.0.1:{https}"
            routes: dict[str, str] = {}
            for candidate in (f"route-{n}" for n in range(64)):
                routes.setdefault(
                    worker_of(url, folder / "cert.pem", candidate, workers), candidate
                )
                if len(routes) == 2:
                    break
            assert len(routes) == 2, "the route cookie never reached both workers"
            first_start = parse_links(workers["A"].output)
            plan = folder / "plan.toml"
            plan.write_text(PLAN)
            yield Cluster(
                url=url,
                http_url=f"http://127.0.0.1:{http}",
                certificate=folder / "cert.pem",
                workers=workers,
                routes=routes,
                password=first_start["password"],
                env=server_env(folder / "A") | env,
                plan=plan,
            )
        finally:
            nginx.stop()
    finally:
        for worker in workers.values():
            stopped(worker)


class Client:
    """A python-socketio client through nginx on one namespace, recording what it receives.

    It starts long-polling and upgrades to a websocket, as a browser does: both must reach
    the worker its route cookie names."""

    def __init__(
        self, cluster: Cluster, http: requests.Session, namespace: str, auth: dict[str, Any]
    ) -> None:
        self.namespace = namespace
        self.sio = socketio.Client(reconnection=False, http_session=http)
        self._events: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        self.sio.on("*", self._record, namespace=namespace)
        self.sio.connect(cluster.url, namespaces=[namespace], auth=auth, wait_timeout=TIMEOUT)

    def _record(self, event: str, data: Any = None) -> None:
        with self._lock:
            self._events.append((event, data))

    def call(self, event: str, data: Any = None) -> Any:
        """Emit and wait for the acknowledgement."""
        return self.sio.call(event, data or {}, namespace=self.namespace, timeout=TIMEOUT)

    def received(self, name: str) -> list[Any]:
        """Payloads of every ``name`` event received so far."""
        with self._lock:
            return [data for event, data in self._events if event == name]

    def close(self) -> None:
        """Cut the connection (a clean websocket close waits 3 s for a frame the client's
        reader swallows; the server treats a cut one the same)."""
        ws = getattr(self.sio.eio, "ws", None)
        if self.sio.connected and ws is not None and ws.sock is not None:
            ws.sock.shutdown(socket.SHUT_RDWR)
            wait_for(lambda: not self.sio.connected, "the client to notice the cut")
        elif self.sio.connected:
            self.sio.disconnect()


@dataclass
class Event:
    """An event made for one test: join code, board token and control id."""

    code: str
    board_token: str
    id: int


@pytest.fixture
def event(cluster: Cluster) -> Event:
    """A new Cafe Social on the shared database (tests run in any order)."""
    links = cluster.create_event()
    return Event(
        code=links["code"],
        board_token=links["board"].rsplit("/b/", 1)[1],
        id=int(links["control"].rstrip("/").rsplit("/", 1)[1]),
    )


@pytest.fixture
def connect(cluster: Cluster) -> Iterator[Callable[..., Client]]:
    """Factory: ``connect(worker, namespace, auth, http=None)`` opens a client through
    nginx to that worker (``http``: a session of its own, e.g. a login); all closed after."""
    opened: list[Client] = []

    def make(
        worker: str, namespace: str, auth: dict[str, Any], http: requests.Session | None = None
    ) -> Client:
        if http is None:
            http = cluster.session(worker)
        else:
            http.cookies.set("cafe_route", cluster.routes[worker])
        client = Client(cluster, http, namespace, auth)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def logged_in(cluster: Cluster, worker: str) -> requests.Session:
    """A facilitator's session, logged in through nginx on ``worker`` with the real form."""
    http = cluster.session(worker)
    form = http.get(f"{cluster.url}/login", timeout=TIMEOUT)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    answer = http.post(
        f"{cluster.url}/login",
        data={
            "csrf_token": token.group(1),
            "username": "facilitator",
            "password": cluster.password,
        },
        # Flask-WTF checks the referrer of an https form, as browsers send it.
        headers={"Referer": f"{cluster.url}/login"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 302, answer.text
    return http


def table_ids(client: Client) -> list[int]:
    """The ids of the event's tables, from a ``sync``."""
    return [table["id"] for table in client.call("sync")["state"]["event"]["tables"]]


def ok(ack: Any) -> Any:
    """An acknowledgement that must be a success."""
    assert isinstance(ack, dict) and ack.get("ok") is True, ack
    return ack


def seated_phone(connect: Callable[..., Client], worker: str, code: str, table: int) -> Client:
    """A phone through nginx on ``worker``, seated at ``table``."""
    phone = connect(worker, "/phone", {"code": code, "device": new_device()})
    ok(phone.call("join", {"table": table, "role": None}))
    return phone


def post(phone: Client, text: str, *, core: bool = False) -> Any:
    """A phone posts an idea; the acknowledgement."""
    return phone.call("post", {"id": str(uuid.uuid4()), "text": text, "core": core})


# --- the tests -----------------------------------------------------------------------------


def test_the_site_redirects_to_https_and_its_route_cookie_keeps_a_client_on_one_worker(
    cluster: Cluster,
) -> None:
    redirect = requests.get(f"{cluster.http_url}/j/ABC", allow_redirects=False, timeout=TIMEOUT)
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "https://127.0.0.1/j/ABC"

    # A browser's first request gets a route cookie, and keeps it afterwards.
    browser = requests.Session()
    browser.trust_env = False
    browser.verify = str(cluster.certificate)
    first = browser.get(f"{cluster.url}/healthz", timeout=TIMEOUT)
    assert first.status_code == 200
    route = browser.cookies.get("cafe_route")
    assert route and re.fullmatch(r"[0-9a-f]{32}", route)
    assert "Secure" in first.headers["Set-Cookie"] and "HttpOnly" in first.headers["Set-Cookie"]
    again = browser.get(f"{cluster.url}/healthz", timeout=TIMEOUT)
    assert "cafe_route" not in again.headers.get("Set-Cookie", "")
    # The same route always reaches the same worker, and each worker is reachable.
    for worker, value in cluster.routes.items():
        assert {
            worker_of(cluster.url, cluster.certificate, value, cluster.workers) for _ in range(3)
        } == {worker}
    # The forwarded scheme, host and port reach the app (links and QR codes say https).
    page = browser.get(f"{cluster.url}/", timeout=TIMEOUT)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_every_broadcast_crosses_the_workers(
    cluster: Cluster, event: Event, connect: Callable[..., Client]
) -> None:
    login = logged_in(cluster, "A")  # a login made on A is valid on B
    control = connect("B", "/facilitator", {"event": event.id}, http=login)
    board = connect("B", "/board", {"token": event.board_token})
    tables = table_ids(board)
    writer = seated_phone(connect, "A", event.code, tables[0])
    host = seated_phone(connect, "A", event.code, tables[1])

    # B → A: the phase and the timer set on B reach the phones on A.
    ok(control.call("phase", {"phase": "tables"}))
    ok(control.call("timer", {"action": "set", "seconds": 600}))
    wait_for(lambda: {"phase": "tables"} in writer.received("phase"), "the phase on A")
    wait_for(lambda: any(t for t in host.received("timer")), "the timer on A")
    assert board.received("phase")[-1] == {"phase": "tables"}

    # A → B: a post reaches the control page, a core idea the board.
    ok(post(writer, "Asiakas mukaan suunnitteluun"))
    wait_for(
        lambda: any(p["text"] == "Asiakas mukaan suunnitteluun" for p in control.received("post")),
        "the post on B's control page",
    )
    ok(host.call("claim_host"))
    ok(post(host, "Kokemusasiantuntijat mukaan", core=True))
    wait_for(
        lambda: any(c["text"] == "Kokemusasiantuntijat mukaan" for c in board.received("core")),
        "the core idea on B's board",
    )
    wait_for(lambda: bool(control.received("table")), "the host taken, on B's control page")

    # B → A: a theme made on B reaches the phones on A as the summary.
    ok(control.call("phase", {"phase": "gathering"}))
    items = ok(control.call("gather_sync"))["gathering"]["loose"]
    item = next(i["id"] for i in items if i["text"] == "Kokemusasiantuntijat mukaan")
    ok(control.call("theme_create", {"title": "Osallisuus", "items": [item]}))

    def summary_on_a() -> bool:
        summaries = writer.received("summary")
        return bool(summaries) and any(
            theme["items"] == ["Kokemusasiantuntijat mukaan"] for theme in summaries[-1]["themes"]
        )

    wait_for(summary_on_a, "the summary on A's phones")
    assert writer.call("sync")["state"]["summary"] == writer.received("summary")[-1]


def test_presence_counts_are_the_same_on_both_workers(
    cluster: Cluster, event: Event, connect: Callable[..., Client]
) -> None:
    board_b = connect("B", "/board", {"token": event.board_token})
    board_a = connect("A", "/board", {"token": event.board_token})
    tables = table_ids(board_b)
    seated = [seated_phone(connect, "A", event.code, tables[0]) for _ in range(3)]
    seated.append(seated_phone(connect, "A", event.code, tables[1]))
    expected = {str(t): 0 for t in tables} | {str(tables[0]): 3, str(tables[1]): 1}

    def synced(board: Client) -> Callable[[], bool]:
        return lambda: board.call("sync")["state"]["presence"]["tables"] == expected

    for board in (board_b, board_a):
        wait_for(synced(board), "the counts in a board's sync")
    wait_for(
        lambda: (
            bool(board_b.received("presence"))
            and board_b.received("presence")[-1]["tables"] == expected
        ),
        "the presence broadcast on B",
    )
    seated[0].close()
    expected[str(tables[0])] = 2
    wait_for(
        lambda: (
            bool(board_b.received("presence"))
            and board_b.received("presence")[-1]["tables"] == expected
        ),
        "a phone gone from A, on B",
    )
    assert board_a.call("sync")["state"]["presence"]["tables"] == expected


def test_the_post_rate_limit_holds_across_the_workers(
    cluster: Cluster, event: Event, connect: Callable[..., Client]
) -> None:
    device = new_device()
    on_a = connect("A", "/phone", {"code": event.code, "device": device})
    table = table_ids(on_a)[2]
    ok(on_a.call("join", {"table": table, "role": None}))
    for n in range(POST_BURST):
        ok(post(on_a, f"Ajatus {n}"))
    on_a.close()

    # The same phone, its next connection landing on the other worker.
    on_b = connect("B", "/phone", {"code": event.code, "device": device})
    ok(on_b.call("join", {"table": table, "role": None}))
    refused = post(on_b, "Yksi liikaa")
    assert refused["ok"] is False and refused["error"] == "rate_limited", refused
