"""Several workers, one truth: with ``CAFE_MESSAGE_QUEUE`` the phones' presence, the rate
limits, the join-code limiter (on the address the proxy forwards) and the failed logins are
shared through the queue's Redis (a real, private one: tests/services.py), a dead or
stopped worker's phones stop counting, an absent host is released once, the retention purge
runs once per interval, one process migrates and seeds a database at a time (SQLite and
PostgreSQL), and a worker without a shared secret key refuses to start.

The first tests drive the shared parts directly, as two workers would, on one Redis; the
last ones start real ``cafe run`` workers."""

from __future__ import annotations

import contextlib
import signal
import socket as stdlib_socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import socketio
import sqlalchemy
from flask import Flask

from cafe.auth.throttle import MemoryFailureStore, RedisFailureStore, login_throttle
from cafe.message_queue import QueueUnavailable, check_message_queue
from cafe.presence import Seat, SharedPresence
from cafe.ratelimit import SharedTokenBuckets, TokenBuckets, token_buckets
from cafe.retention import PURGE_LOCK, purge_turn
from tests.conftest import free_port, new_device, parse_links, server_env
from tests.helpers import RealClient, wait_for

CAFE = str(Path(sys.executable).parent / "cafe")
#: Redis database of these tests (the scale-out test uses 0); emptied before and after each.
DB = 3


@pytest.fixture
def queue(redis_url: str) -> Iterator[str]:
    """The private Redis's URL on a database of this module's own, empty."""
    url = redis_url.rsplit("/", 1)[0] + f"/{DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def client(queue: str) -> Iterator[redis.Redis]:
    """A client of that database, to look at what the workers wrote."""
    made = redis.Redis.from_url(queue)
    yield made
    made.close()


class Lost:
    """Records what a worker's presence reports lost with dead workers."""

    def __init__(self) -> None:
        self.events: list[list[int]] = []

    def __call__(self, event_ids: list[int]) -> None:
        self.events.append(event_ids)


def worker(url: str, name: str, ttl: float = 30.0, lost: Lost | None = None) -> SharedPresence:
    """One worker's presence; its heartbeat is driven by the test (nothing runs behind)."""
    return SharedPresence(
        redis.Redis.from_url(url),
        lost=lost or Lost(),
        spawn=lambda *args: None,
        sleep=time.sleep,
        ttl=ttl,
        worker=name,
    )


def device() -> str:
    return uuid.uuid4().hex


# --- presence ----------------------------------------------------------------------------


def test_both_workers_count_every_phone_at_a_table_once(queue: str) -> None:
    a, b = worker(queue, "a"), worker(queue, "b")
    anna, bertil, cecilia = device(), device(), device()
    a.sit("a1", Seat(event_id=1, table_id=10, device=anna))
    a.sit("a2", Seat(event_id=1, table_id=10, device=anna))  # a second tab: still one phone
    b.sit("b1", Seat(event_id=1, table_id=10, device=bertil))
    b.sit("b2", Seat(event_id=1, table_id=10, device=anna))  # her third tab, on worker b
    b.sit("b3", Seat(event_id=1, table_id=11, device=cecilia))

    assert a.counts([10, 11, 12]) == b.counts([10, 11, 12]) == {10: 2, 11: 1, 12: 0}
    assert sorted(a.occupied()) == sorted(b.occupied()) == [10, 11]
    assert a.present(10, bertil) and b.present(10, anna) and not a.present(11, anna)

    b.leave("b2")  # anna is still at table 10 through worker a
    assert a.counts([10]) == {10: 2}
    a.leave("a1")
    a.leave("a2")
    assert b.counts([10]) == {10: 1}
    assert not b.present(10, anna)
    b.sit("b3", Seat(event_id=1, table_id=10, device=cecilia))  # she moves tables
    assert a.counts([10, 11]) == {10: 2, 11: 0}
    assert a.occupied() == [10]


def test_a_dead_workers_phones_stop_counting_after_the_ttl_and_boards_are_told(
    queue: str, client: redis.Redis
) -> None:
    lost = Lost()
    alive = worker(queue, "alive", ttl=1.0, lost=lost)
    dying = worker(queue, "dying", ttl=1.0)
    for n in range(3):
        dying.sit(f"d{n}", Seat(event_id=7, table_id=70 + n, device=device()))
    alive.sit("x", Seat(event_id=8, table_id=80, device=device()))
    assert alive.counts([70, 71, 72, 80]) == {70: 1, 71: 1, 72: 1, 80: 1}

    # "dying" beats no more (its process is gone); "alive" beats every ttl / 3.
    deadline = time.monotonic() + 1.6
    while time.monotonic() < deadline:
        assert alive.heartbeat() in ([], [7])
        time.sleep(1.0 / 3)

    assert alive.counts([70, 71, 72, 80]) == {70: 0, 71: 0, 72: 0, 80: 1}
    assert lost.events == [[7]]  # told once, by the beat that took the dead worker out
    assert client.keys("cafe:presence:dying*") == []
    assert client.zrange("cafe:presence:workers", 0, -1) == [b"alive"]


def test_a_worker_counts_again_after_redis_lost_its_state(queue: str, client: redis.Redis) -> None:
    a, b = worker(queue, "a"), worker(queue, "b")
    a.sit("a1", Seat(event_id=1, table_id=10, device=device()))
    b.sit("b1", Seat(event_id=1, table_id=10, device=device()))
    client.flushdb()  # Redis restarted without persistence
    assert a.counts([10]) == {10: 0}

    a.heartbeat()
    b.heartbeat()

    assert a.counts([10]) == b.counts([10]) == {10: 2}


def test_a_closed_worker_takes_its_phones_out_at_once(queue: str, client: redis.Redis) -> None:
    lost = Lost()
    a, b = worker(queue, "a", lost=lost), worker(queue, "b")
    a.sit("a1", Seat(event_id=1, table_id=10, device=device()))
    a.sit("a2", Seat(event_id=2, table_id=20, device=device()))
    b.sit("b1", Seat(event_id=1, table_id=10, device=device()))
    assert a.close() == [1, 2]
    assert lost.events == [[1, 2]]  # so that their boards are told
    assert b.counts([10, 20]) == {10: 1, 20: 0}

    # Its sockets closing as the process ends, or a last beat, bring nothing back.
    a.leave("a1")
    a.sit("a3", Seat(event_id=1, table_id=10, device=device()))
    assert a.heartbeat() == []
    assert b.counts([10, 20]) == {10: 1, 20: 0}
    assert client.zrange("cafe:presence:workers", 0, -1) == [b"b"]


def test_without_redis_a_worker_counts_its_own_phones() -> None:
    closed = free_port()
    a = worker(f"redis://127.0.0.1:{closed}/0", "a")
    a.sit("a1", Seat(event_id=1, table_id=10, device=device()))
    assert a.counts([10]) == {10: 1}
    assert a.occupied() == [10]


# --- rate limits -------------------------------------------------------------------------


def bare_app(queue: str | None, secret: str = "shared secret") -> Flask:
    """An app object with only what the shared parts read: the queue and the secret key."""
    app = Flask(__name__)
    app.config.update(CAFE_MESSAGE_QUEUE=queue, SECRET_KEY=secret)
    return app


def test_ten_posts_on_each_of_two_workers_get_the_buckets_ten_in_all(queue: str) -> None:
    one, two = (
        token_buckets(bare_app(queue), name="post", burst=10, rate_per_minute=30) for _ in range(2)
    )
    assert isinstance(one, SharedTokenBuckets)
    phone = device()
    taken = [bucket.allow(phone) for _ in range(10) for bucket in (one, two)]
    assert taken.count(True) == 10
    assert taken[:10] == [True] * 10
    assert one.allow(device())  # another phone has its own bucket

    two.refund(phone)  # a resend gives its token back, to both
    assert one.allow(phone)
    assert not two.allow(phone)


def test_the_shared_bucket_refills_at_its_rate(queue: str) -> None:
    one, two = (
        token_buckets(bare_app(queue), name="post", burst=2, rate_per_minute=120) for _ in range(2)
    )
    phone = device()
    assert [one.allow(phone), two.allow(phone), one.allow(phone)] == [True, True, False]
    time.sleep(0.55)  # two a second: one token back
    assert [two.allow(phone), one.allow(phone)] == [True, False]


def test_wrong_join_codes_count_across_workers_under_hashed_keys(
    queue: str, client: redis.Redis
) -> None:
    one, two = (
        token_buckets(bare_app(queue), name="join", burst=20, rate_per_minute=20) for _ in range(2)
    )
    address = "203.0.113.5"
    attempts = [bucket.allow(address) for _ in range(11) for bucket in (one, two)]
    assert attempts == [True] * 20 + [False, False]
    assert two.allow("198.51.100.7")  # the next client is not locked out

    keys = client.keys("*")
    stored = " ".join(str(item) for item in keys + [v for k in keys for v in client.hvals(k)])
    assert "203.0.113" not in stored and "198.51.100" not in stored
    assert all(0 < client.ttl(key) <= 61 for key in client.keys("*"))


def test_workers_with_different_secrets_do_not_share_keys(queue: str) -> None:
    one = token_buckets(bare_app(queue, "one"), name="join", burst=1, rate_per_minute=1)
    two = token_buckets(bare_app(queue, "two"), name="join", burst=1, rate_per_minute=1)
    assert one.allow("203.0.113.5") and two.allow("203.0.113.5")


def test_without_a_queue_the_buckets_are_the_processs_memory() -> None:
    buckets = token_buckets(bare_app(None), name="post", burst=10, rate_per_minute=30)
    assert type(buckets) is TokenBuckets


def test_a_shared_bucket_without_redis_falls_back_to_this_processs_memory() -> None:
    closed = free_port()
    buckets = token_buckets(
        bare_app(f"redis://127.0.0.1:{closed}/0"), name="post", burst=2, rate_per_minute=1
    )
    phone = device()
    assert [buckets.allow(phone) for _ in range(3)] == [True, True, False]


def throttle_config(queue: str | None) -> Flask:
    app = bare_app(queue)
    app.config.update(
        CAFE_LOGIN_FAILURES_PER_ACCOUNT=10,
        CAFE_LOGIN_FAILURES_PER_ADDRESS=30,
        CAFE_LOGIN_WINDOW_MINUTES=15.0,
    )
    return app


def test_failed_logins_on_two_workers_count_against_one_limit(
    queue: str, client: redis.Redis
) -> None:
    one, two = (login_throttle(throttle_config(queue)) for _ in range(2))
    assert isinstance(one.store, RedisFailureStore)
    for n in range(10):
        assert (one, two)[n % 2].wait("anna", "203.0.113.5") == 0
        (one, two)[n % 2].failed("Anna", f"203.0.113.{n}")
    assert 890 < one.wait("anna", "198.51.100.7") <= 900  # the account waits, on both
    assert 890 < two.wait("ANNA ", None) <= 900
    assert two.wait("bertil", "203.0.113.5") == 0

    one.succeeded("anna")
    assert two.wait("anna", "203.0.113.5") == 0
    keys = client.keys("*")
    assert keys and all(b"anna" not in key.lower() and b"203.0" not in key for key in keys)


def test_without_a_queue_failed_logins_count_in_memory() -> None:
    assert isinstance(login_throttle(throttle_config(None)).store, MemoryFailureStore)


def test_a_unix_socket_queue_is_refused_as_not_redis() -> None:
    # Flask-SocketIO hands unix:// to Kombu, which is not installed: say so before serving.
    with pytest.raises(QueueUnavailable, match="is not a Redis URL"):
        check_message_queue("unix:///run/redis/redis-server.sock")


# --- the retention purge -----------------------------------------------------------------


def test_the_purge_runs_once_per_interval_across_workers(queue: str, client: redis.Redis) -> None:
    workers = [bare_app(queue) for _ in range(3)]
    turns = [purge_turn(app, interval=1) for app in workers for _ in range(2)]
    assert turns == [True] + [False] * 5
    assert 0 < client.ttl(PURGE_LOCK) <= 1
    time.sleep(1.1)
    assert [purge_turn(app, interval=1) for app in reversed(workers)] == [True, False, False]


def test_an_hours_turn_is_held_a_minute_short_of_the_hour(queue: str, client: redis.Redis) -> None:
    assert purge_turn(bare_app(queue), interval=3600)
    assert 3480 < client.ttl(PURGE_LOCK) <= 3540


def test_without_a_queue_every_turn_purges() -> None:
    assert [purge_turn(bare_app(None)) for _ in range(2)] == [True, True]


# --- real workers ------------------------------------------------------------------------

SECRET = "a secret all the workers share"


@dataclass
class Worker:
    """A ``cafe run`` worker of a deployment: its URL, process and log."""

    url: str
    process: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_workers(folder: Path, database: str, queue: str, **env: str) -> list[Worker]:
    """Two workers of one deployment, started at the same moment on ``database``, each
    with its own instance folder (and log); waits until both answer."""
    workers = []
    for n in range(2):
        instance = folder / f"worker{n}"
        instance.mkdir(parents=True)
        port = free_port()
        log = instance / "server.log"
        settings = {
            "CAFE_DATABASE_URL": database,
            "CAFE_MESSAGE_QUEUE": queue,
            "CAFE_SECRET_KEY": SECRET,
        }
        with log.open("w") as out:
            process = subprocess.Popen(
                [CAFE, "run", "--port", str(port)],
                env=server_env(instance) | settings | env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
            )
        workers.append(Worker(url=f"http://127.0.0.1:{port}", process=process, log=log))
    try:
        for worker in workers:
            wait_for(partial(_answers, worker), f"{worker.url} to answer", timeout=60)
    except BaseException:
        for worker in workers:
            worker.stop()
        raise
    return workers


def _answers(worker: Worker) -> bool:
    if worker.process.poll() is not None:
        pytest.fail(f"a worker exited ({worker.process.returncode}):\n{worker.output()}")
    try:
        return requests.get(worker.url + "/healthz", timeout=1).ok
    except requests.ConnectionError:
        return False


def rows(database: str, table: str) -> int:
    engine = sqlalchemy.create_engine(database)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(sqlalchemy.text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            )
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind the workers may share."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    make: Callable[[], str] = request.getfixturevalue("fresh_postgres_database")
    return make()


@pytest.mark.server
def test_two_workers_started_together_on_an_empty_database_migrate_and_seed_it_once(
    tmp_path: Path, empty_database: str, queue: str
) -> None:
    workers = start_workers(tmp_path, empty_database, queue)
    try:
        outputs = [worker.output() for worker in workers]
    finally:
        for worker in workers:
            worker.stop()
    assert all("Serving on" in output for output in outputs), outputs
    assert sum("First start: created the facilitator account" in o for o in outputs) == 1
    assert sum("Loaded the sample Cafe Social" in o for o in outputs) == 1
    assert rows(empty_database, "user") == 1
    assert rows(empty_database, "cafe_event") == 1
    assert all("Traceback" not in output for output in outputs), outputs


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> Iterator[tuple[Worker, Worker, dict[str, str]]]:
    """Two workers on one SQLite database and one Redis, behind one proxy (whose
    X-Forwarded-For the tests send themselves), hosts released after 1 s away; and the
    sample event's join code and board token (and the queue's URL)."""
    queue = redis_url.rsplit("/", 1)[0] + f"/{DB + 1}"
    redis.Redis.from_url(queue).flushdb()
    folder = tmp_path_factory.mktemp("deployment")
    a, b = start_workers(
        folder,
        f"sqlite:///{folder / 'cafe.db'}",
        queue,
        CAFE_PROXY_HOPS="1",
        CAFE_HOST_GRACE_SECONDS="1",
        CAFE_HOST_SWEEP_SECONDS="0.2",
    )
    links = parse_links(a.output() + b.output())
    sample = {
        "code": links["code"],
        "board_token": links["board"].rsplit("/b/", 1)[1],
        "queue": queue,
    }
    yield a, b, sample
    a.stop()
    b.stop()
    redis.Redis.from_url(queue).flushdb()


@pytest.fixture
def connect() -> Iterator[Callable[..., RealClient]]:
    """Factory: ``connect(worker, namespace, auth)``; every client is closed afterwards."""
    opened: list[RealClient] = []

    def make(worker: Worker, namespace: str, auth: dict[str, Any], **kw: Any) -> RealClient:
        client = RealClient(worker.url, namespace, auth, **kw)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def phone_at(
    connect: Callable[..., RealClient],
    worker: Worker,
    code: str,
    table: int,
    token: str | None = None,
) -> RealClient:
    phone = connect(worker, "/phone", {"code": code, "device": token or new_device()})
    assert phone.call("join", {"table": table, "role": None})["ok"] is True
    return phone


def counts(board: RealClient) -> dict[str, int]:
    """The board's latest presence counts."""
    seen = board.received("presence")
    return seen[-1]["tables"] if seen else {}


def shows(board: RealClient, expected: dict[str, int]) -> bool:
    """Whether the board's latest counts of the ``expected`` tables are those."""
    latest = counts(board)
    return {table: latest.get(table) for table in expected} == expected


def refused(client: RealClient) -> bool:
    return client.refusal is not None


@pytest.mark.server
def test_boards_on_either_worker_count_the_phones_of_both(
    deployment: tuple[Worker, Worker, dict[str, str]], connect: Callable[..., RealClient]
) -> None:
    a, b, sample = deployment
    board_a = connect(a, "/board", {"token": sample["board_token"]})
    board_b = connect(b, "/board", {"token": sample["board_token"]})
    tables = [t["id"] for t in board_b.call("sync")["state"]["event"]["tables"]][:3]
    first, second, third = (str(t) for t in tables)
    anna = new_device()
    phone_at(connect, a, sample["code"], tables[0], anna)
    phone_at(connect, a, sample["code"], tables[0])
    phone_at(connect, b, sample["code"], tables[0], anna)  # a second tab, on the other worker
    phone_at(connect, b, sample["code"], tables[1])

    expected = {first: 2, second: 1, third: 0}
    for board in (board_a, board_b):
        wait_for(partial(shows, board, expected), f"{expected} on both boards")
    synced = board_a.call("sync")["state"]["presence"]["tables"]
    assert {k: synced[k] for k in expected} == expected

    leaving = phone_at(connect, a, sample["code"], tables[2])
    wait_for(lambda: counts(board_b).get(third) == 1, "the third table's phone on board b")
    leaving.drop()
    wait_for(lambda: counts(board_b).get(third) == 0, "the phone gone from board b")


@pytest.mark.server
def test_one_phones_posts_on_two_workers_take_from_one_bucket(
    deployment: tuple[Worker, Worker, dict[str, str]], connect: Callable[..., RealClient]
) -> None:
    a, b, sample = deployment
    board = connect(b, "/board", {"token": sample["board_token"]})
    table = board.call("sync")["state"]["event"]["tables"][3]["id"]
    token = new_device()
    tabs = [phone_at(connect, worker, sample["code"], table, token) for worker in (a, b)]

    began = time.monotonic()
    acks = [
        tab.call("post", {"id": str(uuid.uuid4()), "text": f"idea {n}"})
        for n in range(10)
        for tab in tabs
    ]
    took = time.monotonic() - began

    accepted = [ack for ack in acks if ack["ok"]]
    refused = [ack["error"] for ack in acks if not ack["ok"]]
    # A burst of 10, then one more every 2 s (30 a minute).
    assert len(accepted) == 10 + int(took / 2), (took, acks)
    assert set(refused) == {"rate_limited"}


@pytest.mark.server
def test_wrong_join_codes_on_two_workers_count_against_one_limit(
    deployment: tuple[Worker, Worker, dict[str, str]], connect: Callable[..., RealClient]
) -> None:
    a, b, sample = deployment
    wrong = "ZZZZZZ" if sample["code"] != "ZZZZZZ" else "YYYYYY"  # a code, but no event's
    guesser, neighbour = "203.0.113.5", "203.0.113.6"  # as the proxy forwards them
    began = time.monotonic()
    answers = [join_refusal((a, b)[n % 2], wrong, guesser) for n in range(40)]
    took = time.monotonic() - began
    # 20 a minute: a burst of 20, then one more every 3 s (each worker's own limit would
    # have let 40 through).
    allowed = answers.index("too_many_attempts")
    assert 20 <= allowed <= 20 + took / 3, (took, answers)
    assert set(answers[:allowed]) == {"unknown_code"}
    assert answers[allowed + 1] == "too_many_attempts"
    # Another client behind the same proxy is not locked out, on either worker.
    assert [join_refusal(worker, wrong, neighbour) for worker in (a, b)] == ["unknown_code"] * 2
    # The right code still lets a phone in.
    assert phone_at(connect, b, sample["code"], board_table(connect, a, sample)).sio.connected
    stored = redis.Redis.from_url(sample["queue"]).keys("*")
    assert stored and not any(b"203.0.113" in key for key in stored)


def join_refusal(worker: Worker, code: str, address: str) -> str:
    """A phone behind the proxy, at ``address``, tries ``code``: the refusal's error code."""
    client = socketio.Client(reconnection=False)
    got: list[Any] = []
    client.on("connect_error", got.append, namespace="/phone")
    client.connect(
        worker.url,
        namespaces=["/phone"],
        transports=["websocket"],
        auth={"code": code, "device": new_device()},
        headers={"X-Forwarded-For": address},
        wait=False,
    )
    try:
        wait_for(lambda: bool(got), "the refusal")
    finally:
        # Cut, as tests.helpers.RealClient does: a clean disconnect takes 3 s.
        with contextlib.suppress(OSError, AttributeError):
            client.eio.ws.sock.shutdown(stdlib_socket.SHUT_RDWR)
    error: str = got[0]["data"]["error"]
    return error


def board_table(connect: Callable[..., RealClient], worker: Worker, sample: dict[str, str]) -> int:
    board = connect(worker, "/board", {"token": sample["board_token"]})
    table: int = board.call("sync")["state"]["event"]["tables"][4]["id"]
    return table


@pytest.mark.server
def test_a_host_on_one_worker_is_present_for_the_others_sweeper_and_released_once(
    deployment: tuple[Worker, Worker, dict[str, str]], connect: Callable[..., RealClient]
) -> None:
    a, b, sample = deployment
    table = board_table(connect, a, sample)
    host = phone_at(connect, a, sample["code"], table)
    assert host.call("claim_host")["ok"] is True
    mate = phone_at(connect, b, sample["code"], table)

    time.sleep(2.5)  # more than the grace, swept a dozen times by each worker
    assert mate.received("host_offer") == []

    host.drop()
    wait_for(lambda: mate.received("host_offer") == [{"table": table}], "the offer", timeout=15)
    time.sleep(1.0)
    assert mate.received("host_offer") == [{"table": table}]  # one worker released it


@pytest.fixture
def launch(tmp_path: Path, queue: str) -> Iterator[Callable[..., list[Worker]]]:
    """Factory: ``launch(**env)`` starts two workers on a SQLite database of their own and
    the module's Redis; stopped after the test. Asked for before ``connect``, so that the
    clients are closed before their workers go."""
    started: list[Worker] = []

    def make(**env: str) -> list[Worker]:
        folder = tmp_path / f"deployment{len(started)}"
        workers = start_workers(folder, f"sqlite:///{tmp_path / 'cafe.db'}", queue, **env)
        started.extend(workers)
        return workers

    yield make
    for worker in started:
        worker.stop()


@pytest.mark.server
def test_a_dead_workers_phones_leave_the_boards_of_the_living(
    launch: Callable[..., list[Worker]], connect: Callable[..., RealClient]
) -> None:
    a, b = launch(CAFE_PRESENCE_TTL_SECONDS="1.5")
    sample = parse_links(a.output() + b.output())
    board = connect(a, "/board", {"token": sample["board"].rsplit("/b/", 1)[1]})
    table = board.call("sync")["state"]["event"]["tables"][0]["id"]
    # Every phone on b: a, with boards only, must still notice b's death.
    phones = [phone_at(connect, b, sample["code"], table) for _ in range(2)]
    wait_for(lambda: counts(board).get(str(table)) == 2, "two phones")

    b.process.kill()  # no goodbye: its phones are still in Redis
    began = time.monotonic()
    wait_for(lambda: counts(board).get(str(table)) == 0, "the dead worker's phones gone")
    lingered = time.monotonic() - began
    # Counted until its last heartbeat (at most 0.5 s before the kill) is 1.5 s old, told
    # within a heartbeat of a's after that (slack for a loaded machine).
    assert 0.9 < lingered < 10, lingered
    wait_for(lambda: not any(p.sio.connected for p in phones), "the phones to notice")


@pytest.mark.server
def test_a_worker_told_to_stop_takes_its_phones_off_the_boards_at_once(
    launch: Callable[..., list[Worker]], connect: Callable[..., RealClient]
) -> None:
    a, b = launch()
    sample = parse_links(a.output() + b.output())
    board = connect(a, "/board", {"token": sample["board"].rsplit("/b/", 1)[1]})
    table = board.call("sync")["state"]["event"]["tables"][0]["id"]
    phone_at(connect, a, sample["code"], table)
    leaving = phone_at(connect, b, sample["code"], table)
    wait_for(lambda: counts(board).get(str(table)) == 2, "two phones")

    b.process.terminate()  # systemd's stop: SIGTERM
    # Its heartbeat counts for 30 s: only leaving the count on the signal is this quick.
    wait_for(lambda: counts(board).get(str(table)) == 1, "its phone gone", timeout=5)
    assert b.process.wait(timeout=10) == -signal.SIGTERM  # stopped as it always did
    wait_for(lambda: not leaving.sio.connected, "the phone to notice")


@pytest.mark.server
def test_a_worker_with_a_queue_but_no_secret_key_refuses_to_start(
    tmp_path: Path, queue: str
) -> None:
    env = server_env(tmp_path) | {"CAFE_MESSAGE_QUEUE": queue}
    env.pop("CAFE_SECRET_KEY", None)
    result = subprocess.run(
        [CAFE, "run", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Serving on" not in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: CAFE_MESSAGE_QUEUE is set but CAFE_SECRET_KEY is not")
    assert not (tmp_path / "cafe.db").exists()  # refused before touching the database
