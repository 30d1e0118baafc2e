"""CPU per vote on the server's vote path, in process (no network, no other load counted).

Phones are Flask-SocketIO test clients: every ``vote`` goes through python-socketio's
server, the app's ``/phone`` namespace and :mod:`cafe.voting.operations`, the database (an
SQLite file, as ``make run``) and the broadcasts (the phone's own ``votes`` to its device
room, the throttled ``vote_count`` to boards and control pages), exactly as over a
websocket, minus the websocket itself. The figure is this process's CPU time divided by
the votes, so other processes on the machine barely move it (unlike wall-clock latency).

Each phone votes as the phone page does (``{item, dots, phase, client_id}``): its dots
spread 2 + 1 or 1 + 1 + 1 over the themes, then taken off again, round after round, so
every vote changes something (a resend would change nothing and cost less).

    .venv/bin/python -m bench.vote_path                  # 3,000 votes, 100 phones, 6 themes
    .venv/bin/python -m bench.vote_path --profile        # plus the top of a profile
"""

from __future__ import annotations

import argparse
import cProfile
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.post_path import print_profile
from cafe import create_app
from cafe.database import upgrade_database
from cafe.domain.plan import plan_from_mapping
from cafe.extensions import db, socketio
from cafe.facilitator.operations import create_event, set_phase
from cafe.gathering.operations import create_theme
from cafe.lookups import get_event

#: The Cafe Social template's vote: 3 dots per phone, at most 2 on one item.
DOTS, PER_ITEM = 3, 2


class Room:
    """An app on a fresh SQLite file with one Cafe Social in its vote phase on ``themes``
    themes, a board and ``phones`` seated phones, all Flask-SocketIO test clients."""

    def __init__(self, phones: int, themes: int, seed: int) -> None:
        folder = Path(tempfile.mkdtemp(prefix="cafe-vote-bench-"))
        self.app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'cafe.db'}",
                "CAFE_ASYNC_MODE": "threading",
                # The limiter is part of the path, but the bench votes faster than a person.
                "CAFE_VOTE_BURST": 10**9,
                "CAFE_VOTES_PER_MINUTE": 10**9,
            }
        )
        tables = max(1, phones // 10)
        with self.app.app_context():
            upgrade_database()
            plan = {"topic": "Yhdessä asiakkaan kanssa", "date": "2026-12-02", "tables": tables}
            event = create_event(plan_from_mapping(plan))
            code, board_token, event_id = event.join_code, event.board_token, event.id
            table_ids = [t.id for t in event.tables]
            self.keys = [
                f"theme:{create_theme(event, f'Teema {n}', author_id=None).value.id}"
                for n in range(1, themes + 1)
            ]
            set_phase(get_event(event_id), "vote")
        self.board = socketio.test_client(self.app, namespace="/board", auth={"token": board_token})
        self.phones: list[Any] = []
        for n in range(phones):
            device = uuid.uuid4().hex + uuid.uuid4().hex[:8]
            phone = socketio.test_client(
                self.app, namespace="/phone", auth={"code": code, "device": device}
            )
            join = {"table": table_ids[n % tables], "role": "asiakas"}
            assert phone.emit("join", join, namespace="/phone", callback=True)["ok"]
            self.phones.append(phone)
        self.rng = random.Random(seed)
        self.drain()

    def drain(self) -> None:
        """Empty the test clients' inboxes (they keep what they receive)."""
        self.board.get_received("/board")
        for phone in self.phones:
            phone.get_received("/phone")

    def plan(self) -> list[tuple[str, int]]:
        """One phone's dots as a person spreads them, then takes them off again."""
        if self.rng.random() < 0.5:
            first, second = self.rng.sample(self.keys, 2)
            spread = [(first, PER_ITEM), (second, DOTS - PER_ITEM)]
        else:
            spread = [(key, 1) for key in self.rng.sample(self.keys, DOTS)]
        return spread + [(key, 0) for key, _ in spread]

    def vote(self, count: int) -> int:
        """Send ``count`` votes round the phones; the refused ones."""
        refused = 0
        sent = 0
        while sent < count:
            for phone in self.phones:
                for item, dots in self.plan():
                    payload = {
                        "item": item,
                        "dots": dots,
                        "phase": "vote",
                        "client_id": str(uuid.uuid4()),
                    }
                    ack = phone.emit("vote", payload, namespace="/phone", callback=True)
                    refused += not ack["ok"]
                    sent += 1
                if sent >= count:
                    break
            self.drain()
        return refused

    def close(self) -> None:
        """Throw the database's connections away."""
        for name in ("cafe_presence_throttle", "cafe_vote_count_throttle"):
            throttle = self.app.extensions.get(name)
            if throttle is not None:
                throttle.close()
        with self.app.app_context():
            db.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Send ``--votes`` votes from ``--phones`` phones, ``--rounds`` times; print CPU per
    vote (least and median of the rounds: other processes only add)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--votes", type=int, default=3000)
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--themes", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5, help="repeat, report least and median")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print the top 25 by own time")
    args = parser.parse_args(argv)
    room = Room(args.phones, args.themes, args.seed)
    room.vote(60)  # the statement caches, the kept facts
    profiler = cProfile.Profile() if args.profile else None
    refused = 0
    per_vote: list[float] = []
    for _ in range(args.rounds):
        cpu_start = time.process_time()
        if profiler:
            profiler.enable()
        refused += room.vote(args.votes)
        if profiler:
            profiler.disable()
        per_vote.append((time.process_time() - cpu_start) / args.votes * 1000)
    print(
        f"{args.rounds} × {args.votes} votes ({len(room.phones)} phones, {args.themes} themes):"
        f" CPU per vote least {min(per_vote):.3f} ms, median {statistics.median(per_vote):.3f}"
        f" ms; {refused} refused"
    )
    if profiler:
        print_profile(profiler)
    room.close()


if __name__ == "__main__":
    main()
