"""CPU per post on the server's post path, in process (no network, no other load counted).

Phones are Flask-SocketIO test clients: every ``post`` goes through python-socketio's
server, the app's namespace and operations, the database (an SQLite file, as ``make run``)
and the broadcast to the table's other phones and the board, exactly as over a websocket,
minus the websocket itself. The figure is this process's CPU time divided by the posts, so
other processes on the machine barely move it (unlike wall-clock latencies).

    .venv/bin/python -m bench.post_path                 # 2,000 posts, 10 tables of 10 phones
    .venv/bin/python -m bench.post_path --posts 5000 --profile   # plus the top of a profile

It also prints the collector's pauses during the run (``gc.callbacks``).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import gc
import io
import pstats
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from cafe import create_app
from cafe.database import upgrade_database
from cafe.domain.plan import plan_from_mapping
from cafe.extensions import db, socketio
from cafe.facilitator.operations import create_event

# Texts like a Cafe Social's (the screen runs on each; none holds personal data).
TEXTS = (
    "Asiakkaan kanssa yhdessä suunniteltu tavoite pitää paremmin kuin valmis lomake.",
    "Kokemusasiantuntija mukaan jo palvelun suunnitteluun, ei vasta palautteeseen.",
    "Luukulta toiselle juokseminen väsyttää: yksi yhteyshenkilö koko prosessiin.",
    "Nuorelle pitää kertoa selkokielellä, mitä päätöksessä lukee ja miksi.",
    "Vertaistuki ryhmässä auttoi enemmän kuin yksikään tapaaminen virastossa.",
)


class GcPauses:
    """Collector pauses by generation while installed (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.pauses[info["generation"]].append(time.perf_counter() - self._start)

    def report(self) -> str:
        parts = []
        for generation, pauses in self.pauses.items():
            longest = max(pauses, default=0.0) * 1000
            parts.append(f"gen{generation} {len(pauses)} (longest {longest:.1f} ms)")
        return ", ".join(parts)


class Room:
    """An app on a fresh SQLite file with one event: a board and seated phones (the first
    at each table hosts it), all Flask-SocketIO test clients."""

    def __init__(self, tables: int, phones_per_table: int) -> None:
        folder = Path(tempfile.mkdtemp(prefix="cafe-post-bench-"))
        self.app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'cafe.db'}",
                "CAFE_ASYNC_MODE": "threading",
                # The limiter is part of the path, but the bench posts faster than a person.
                "CAFE_POST_BURST": 10**9,
                "CAFE_POSTS_PER_MINUTE": 10**9,
            }
        )
        with self.app.app_context():
            upgrade_database()
            plan = {"topic": "Yhdessä asiakkaan kanssa", "date": "2026-12-02", "tables": tables}
            event = create_event(plan_from_mapping(plan))
            code, board_token = event.join_code, event.board_token
            table_ids = [t.id for t in event.tables]
        self.board = socketio.test_client(self.app, namespace="/board", auth={"token": board_token})
        self.phones: list[tuple[bool, Any]] = []
        for table in table_ids:
            for seat in range(phones_per_table):
                device = uuid.uuid4().hex + uuid.uuid4().hex[:8]
                phone = socketio.test_client(
                    self.app, namespace="/phone", auth={"code": code, "device": device}
                )
                assert phone.emit("join", {"table": table}, namespace="/phone", callback=True)["ok"]
                if seat == 0:
                    ack = phone.emit("claim_host", namespace="/phone", callback=True)
                    assert ack["ok"], ack
                self.phones.append((seat == 0, phone))
        self.tables = len(table_ids)
        self.sent = 0
        self.drain()

    def drain(self) -> None:
        """Empty the test clients' inboxes (they keep what they receive)."""
        self.board.get_received("/board")
        for _, phone in self.phones:
            phone.get_received("/phone")

    def post(self, count: int) -> int:
        """Send ``count`` posts round the phones (hosts' are core ideas); the refused ones."""
        refused = 0
        for n in range(self.sent, self.sent + count):
            host, phone = self.phones[n % len(self.phones)]
            # Every text different, as at an event (the screen keeps what it has seen).
            text = f"{TEXTS[n % len(TEXTS)]} Kierros {n // len(TEXTS)}."
            payload = {"id": str(uuid.uuid4()), "text": text, "core": host}
            ack = phone.emit("post", payload, namespace="/phone", callback=True)
            refused += not ack["ok"]
            if n % 200 == 199:
                self.drain()
        self.sent += count
        return refused

    def close(self) -> None:
        """Throw the database's connections away."""
        with self.app.app_context():
            db.engine.dispose()


def cyclic_garbage(room: Room, posts: int) -> collections.Counter[str]:
    """What the collector finds unreachable after ``posts`` posts, by type (garbage only
    reference cycles leave; everything else is freed at once by reference counting)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        room.post(posts)
        room.drain()
        gc.collect()
        found = collections.Counter(type(o).__qualname__ for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return found


def main(argv: list[str] | None = None) -> None:
    """Post ``--posts`` ideas from ``--tables`` × ``--phones-per-table`` phones, ``--rounds``
    times; print CPU per post (least and median of the rounds: other processes only add)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--tables", type=int, default=10)
    parser.add_argument("--phones-per-table", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5, help="repeat, report least and median")
    parser.add_argument("--profile", action="store_true", help="print the top 25 by own time")
    parser.add_argument(
        "--garbage", action="store_true", help="also count cyclic garbage per post, by type"
    )
    args = parser.parse_args(argv)
    room = Room(args.tables, args.phones_per_table)
    room.post(50)  # the event's facts, the screen's lexicons, the statement caches
    pauses = GcPauses()
    gc.collect()
    gc.callbacks.append(pauses)
    profiler = cProfile.Profile() if args.profile else None
    refused = 0
    per_post: list[float] = []
    for _ in range(args.rounds):
        cpu_start = time.process_time()
        if profiler:
            profiler.enable()
        refused += room.post(args.posts)
        if profiler:
            profiler.disable()
        per_post.append((time.process_time() - cpu_start) / args.posts * 1000)
    gc.callbacks.remove(pauses)
    print(
        f"{args.rounds} × {args.posts} posts ({len(room.phones)} phones, {room.tables} tables;"
        f" hosts post core ideas): CPU per post least {min(per_post):.3f} ms, median"
        f" {statistics.median(per_post):.3f} ms; {refused} refused"
    )
    print(f"collector: {pauses.report()}")
    if args.garbage:
        found = cyclic_garbage(room, 500)
        total = sum(found.values())
        top = ", ".join(f"{name} {n / 500:.1f}" for name, n in found.most_common(12))
        print(f"cyclic garbage: {total / 500:.1f} objects per post ({top})")
    if profiler:
        print_profile(profiler)
    room.close()


def print_profile(profiler: cProfile.Profile, *, own: int = 25, cumulative: int = 40) -> None:
    """The profile's top functions by their own time, then by cumulative time."""
    for key, count in (("tottime", own), ("cumulative", cumulative)):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(count)
        print(out.getvalue())


if __name__ == "__main__":
    main()
