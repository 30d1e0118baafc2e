"""CPU per reconnect on the server, in process: a restart's herd without the network.

An event's phones sit at their tables with posts written; then the server "restarts" (a
new app on the same SQLite file, so every per-process cache starts empty, as after a real
restart) and every phone connects again and sends ``join``, in a shuffled order, and every
board connects again and sends ``sync``. Phones and boards are Flask-SocketIO test clients:
everything from python-socketio's server inwards runs as over a websocket (namespace
connect with its auth, the app's namespace, operations, database, the presence broadcast),
minus Engine.IO's handshake and the websocket itself (bench/README.md measures those).

The figures are this process's CPU time (``time.process_time``) per phone, split into
**connect** (the namespace connect: join code, device hash, rooms), **join** (the ``join``
event from emit to acknowledgement) and, inside the join, **state** (building the table's
state, ``phone_state``). Other processes on the machine barely move them.

    .venv/bin/python -m bench.reconnect_path                  # 10 tables × 10 phones, 5 rounds
    .venv/bin/python -m bench.reconnect_path --tables 20 --posts-per-table 30
    .venv/bin/python -m bench.reconnect_path --profile        # plus the top of a profile

The test client's own work (building a request environ per connect, packets encoded and
decoded in process) is counted too: ``--floor`` prints what the same client costs against a
namespace that does nothing, to subtract.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask_socketio import Namespace

from bench.post_path import TEXTS, print_profile
from cafe import create_app
from cafe.database import upgrade_database
from cafe.domain.plan import plan_from_mapping
from cafe.extensions import db, socketio
from cafe.facilitator.operations import create_event
from cafe.phone import state as phone_payloads

PHONE = "/phone"
BOARD = "/board"
FLOOR = "/bench-floor"


def bench_app(database: Path) -> Flask:
    """An app on ``database`` as the bench runs it (threads, no posting limit)."""
    return create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "CAFE_ASYNC_MODE": "threading",
            "CAFE_POST_BURST": 10**9,
            "CAFE_POSTS_PER_MINUTE": 10**9,
        }
    )


@dataclass
class Seats:
    """The event as the phones know it: join code, board token, and per phone its device
    token and table."""

    code: str
    board_token: str
    phones: list[tuple[str, int]] = field(default_factory=list)


def seat_everyone(
    database: Path, *, tables: int, phones_per_table: int, posts_per_table: int
) -> Seats:
    """Create the event, seat the phones (the first at each table hosts it) and have them
    write ``posts_per_table`` posts a table (hosts' every third a core idea)."""
    app = bench_app(database)
    with app.app_context():
        upgrade_database()
        plan = {"topic": "Yhdessä asiakkaan kanssa", "date": "2026-12-02", "tables": tables}
        event = create_event(plan_from_mapping(plan))
        seats = Seats(code=event.join_code, board_token=event.board_token)
        table_ids = [t.id for t in event.tables]
    written = 0
    for table in table_ids:
        clients = []
        for _ in range(phones_per_table):
            device = uuid.uuid4().hex + uuid.uuid4().hex[:8]
            client = socketio.test_client(
                app, namespace=PHONE, auth={"code": seats.code, "device": device}
            )
            ack = client.emit("join", {"table": table}, namespace=PHONE, callback=True)
            if not ack["ok"]:
                raise SystemExit(f"join refused: {ack}")
            clients.append(client)
            seats.phones.append((device, table))
        clients[0].emit("claim_host", namespace=PHONE, callback=True)
        for n in range(posts_per_table):
            writer = n % len(clients)
            text = f"{TEXTS[written % len(TEXTS)]} Kierros {written // len(TEXTS)}."
            payload = {"id": str(uuid.uuid4()), "text": text, "core": writer == 0 and n % 3 == 0}
            ack = clients[writer].emit("post", payload, namespace=PHONE, callback=True)
            if not ack["ok"]:
                raise SystemExit(f"post refused: {ack}")
            written += 1
        for client in clients:
            client.disconnect(PHONE)
    closed(app)
    return seats


def closed(app: Flask) -> None:
    """Stop an app's background sends and throw its connections away (the "old server")."""
    for name in ("cafe_presence_throttle", "cafe_vote_count_throttle"):
        throttle = app.extensions.get(name)
        if throttle is not None:
            throttle.close()
    with app.app_context():
        db.engine.dispose()


class Timed:
    """Wraps a function and adds its CPU time to ``spent`` (the state inside a join)."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.spent = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.spent += time.process_time() - start


@dataclass
class Round:
    """One restart's herd: CPU seconds spent in each part, and how many phones and boards."""

    phones: int
    connect: float
    join: float
    state: float
    boards: int
    board: float

    def per_phone(self, part: str) -> float:
        """Milliseconds of ``part`` per phone."""
        return float(getattr(self, part)) / self.phones * 1000


def herd(
    database: Path, seats: Seats, *, boards: int, seed: int, profiler: cProfile.Profile | None
) -> Round:
    """Restart (a new app on the same file) and bring every phone and board back."""
    app = bench_app(database)
    order = list(seats.phones)
    random.Random(seed).shuffle(order)
    timed = Timed(phone_payloads.phone_state)
    phone_payloads.phone_state = timed  # measured, not changed
    connect = join = board = 0.0
    clients: list[tuple[str, Any]] = []
    try:
        if profiler:
            profiler.enable()
        # Boards among the phones, none first: the first client of a new app pays its
        # one-off warm-up (statement caches, lexicons), which is no board's cost.
        stride = max(2, len(order) // boards) if boards else 0
        for n, (device, table) in enumerate(order):
            if stride and n % stride == stride // 2:
                start = time.process_time()
                client = socketio.test_client(
                    app, namespace=BOARD, auth={"token": seats.board_token}
                )
                ack = client.emit("sync", namespace=BOARD, callback=True)
                board += time.process_time() - start
                if not ack["ok"]:
                    raise SystemExit(f"board sync refused: {ack}")
                clients.append((BOARD, client))
            start = time.process_time()
            client = socketio.test_client(
                app, namespace=PHONE, auth={"code": seats.code, "device": device}
            )
            middle = time.process_time()
            ack = client.emit("join", {"table": table}, namespace=PHONE, callback=True)
            end = time.process_time()
            if not ack["ok"]:
                raise SystemExit(f"join refused: {ack}")
            connect += middle - start
            join += end - middle
            clients.append((PHONE, client))
            if n % 100 == 99:
                for namespace, each in clients:
                    each.get_received(namespace)
        if profiler:
            profiler.disable()
    finally:
        phone_payloads.phone_state = timed.function
    for namespace, each in clients:
        each.disconnect(namespace)
    closed(app)
    board_clients = sum(1 for namespace, _ in clients if namespace == BOARD)
    return Round(len(order), connect, join, timed.spent, board_clients, board)


class Bare(Namespace):
    """A namespace that accepts every connect and answers ``join`` with a fixed 2 KB state:
    what the test client and python-socketio cost by themselves."""

    STATE = {"posts": ["x" * 200] * 10}

    def on_connect(self, auth: Any = None) -> None:
        """Accept."""

    def on_join(self, data: Any = None) -> dict[str, Any]:
        """Answer with the fixed state."""
        return {"ok": True, "state": self.STATE}


def floor(database: Path, phones: int) -> tuple[float, float]:
    """CPU per phone (connect, join) against :class:`Bare`, in ms."""
    app = bench_app(database)
    socketio.on_namespace(Bare(FLOOR))
    connect = join = 0.0
    clients: list[Any] = []
    for n in range(phones):
        start = time.process_time()
        client = socketio.test_client(app, namespace=FLOOR, auth={"n": n})
        middle = time.process_time()
        client.emit("join", {"table": 1}, namespace=FLOOR, callback=True)
        join += time.process_time() - middle
        connect += middle - start
        clients.append(client)
    for client in clients:
        client.disconnect(FLOOR)
    closed(app)
    return connect / phones * 1000, join / phones * 1000


def main(argv: list[str] | None = None) -> None:
    """Seat the phones once, then ``--rounds`` restarts; print CPU per reconnect (least and
    median of the rounds: other processes only add)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=10)
    parser.add_argument("--phones-per-table", type=int, default=10)
    parser.add_argument("--posts-per-table", type=int, default=20)
    parser.add_argument("--boards", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5, help="repeat, report least and median")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print the top of a profile")
    parser.add_argument(
        "--floor", action="store_true", help="also measure the test client against a bare namespace"
    )
    args = parser.parse_args(argv)
    database = Path(tempfile.mkdtemp(prefix="cafe-reconnect-bench-")) / "cafe.db"
    seats = seat_everyone(
        database,
        tables=args.tables,
        phones_per_table=args.phones_per_table,
        posts_per_table=args.posts_per_table,
    )
    herd(database, seats, boards=args.boards, seed=0, profiler=None)  # imports, lexicons
    profiler = cProfile.Profile() if args.profile else None
    rounds = [
        herd(database, seats, boards=args.boards, seed=args.seed + n, profiler=profiler)
        for n in range(args.rounds)
    ]

    def figure(part: str) -> str:
        values = [r.per_phone(part) for r in rounds]
        return f"{min(values):.3f} / {statistics.median(values):.3f}"

    totals = [r.per_phone("connect") + r.per_phone("join") for r in rounds]
    print(
        f"{args.rounds} restarts × {len(seats.phones)} phones ({args.tables} tables,"
        f" {args.posts_per_table} posts a table, {rounds[0].boards} boards);"
        " CPU per phone in ms, least / median:"
    )
    print(f"  connect            {figure('connect')}")
    print(f"  join               {figure('join')}")
    print(f"    of which state   {figure('state')}")
    print(f"  connect + join     {min(totals):.3f} / {statistics.median(totals):.3f}")
    board_ms = [r.board / r.boards * 1000 for r in rounds if r.boards]
    if board_ms:
        print(f"  board connect+sync {min(board_ms):.3f} / {statistics.median(board_ms):.3f}")
    if args.floor:
        bare = [floor(database, len(seats.phones)) for _ in range(3)]
        connect, join = min(c for c, _ in bare), min(j for _, j in bare)
        print(f"  floor (bare namespace, same client): connect {connect:.3f}, join {join:.3f}")
    if profiler:
        print_profile(profiler, own=30, cumulative=50)


if __name__ == "__main__":
    main()
