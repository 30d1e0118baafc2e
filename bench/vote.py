"""Bench of a dot-vote burst: every phone in the room votes within a few seconds.

All clients are ``socketio.AsyncClient`` objects in this one process, each with its own
websocket to a ``cafe run`` the script starts in a temporary instance folder on a free port
(the machinery of :mod:`bench.load`). It creates the events (``cafe event create``: the
Cafe Social template, whose vote phase is on the summary's themes) and a facilitator
account (``cafe user add``), then, per event:

1. the facilitator logs in through the login form, connects its control page, writes
   ``--themes`` themes and enters the vote phase (voting opens); a board connects;
2. the phones connect and sit down, each with a role tag, a batch at a time;
3. the burst: every phone starts voting at a random moment within ``--window`` seconds and
   places its dots as the phone page does, one ``vote`` per item (3 dots, at most 2 on one
   item: the template's defaults), each waiting for the previous one's acknowledgement;
4. the facilitator closes the vote and reveals the results; the boards get the chart.

Printed: votes/s, vote→ack latency (p50/p95/p99), the board's count latency (from the
k-th phone's first vote sent to a board showing at least k phones voted: the count is
throttled to four updates a second, so this includes up to 0.25 s of waiting on purpose),
reveal→chart latency at the boards, refusals, and the server's CPU per vote and peak RSS.

Usage, from the repository root::

    .venv/bin/python -m bench.vote                  # 100 phones
    .venv/bin/python -m bench.vote --phones 2000    # the issue's burst (machine to itself!)
    .venv/bin/python -m bench.vote --phones 2000 --json | tail -n 1 > vote.json

Latencies are measured in this process, so its own scheduling delay is included when it is
short of CPU; the report gives its CPU and the machine's other load to judge the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from uuid import uuid4

import aiohttp
import socketio

from bench.load import (
    EventInfo,
    Server,
    ServerProcess,
    cafe_command,
    cpu_mark,
    create_events,
    log,
    new_client,
    other_cpu,
    percent,
    percentiles,
    raise_fd_limit,
    server_env,
    spawn_server,
    start_all,
    stop_all,
    stop_server,
)

PHONE, BOARD, FACILITATOR = "/phone", "/board", "/facilitator"
#: Upper bounds of the options, so that every run stays bounded.
MAX_PHONES = 10_000
MAX_WINDOW = 120.0
#: The Cafe Social template's role tags (sessions/templates/cafe-social.toml) and its
#: vote's defaults: 3 dots per phone, at most 2 on one item.
ROLES = ("asiakas", "kokemusasiantuntija", "ammattilainen", "opiskelija", "muu", None)
DOTS, PER_ITEM = 3, 2
USERNAME = "penkki"
ACK_TIMEOUT = 20.0
CONNECT_TIMEOUT = 20.0


@dataclass(frozen=True)
class Options:
    """Command-line options."""

    phones: int
    phones_per_table: int
    tables_per_event: int
    themes: int
    window: float
    connect_batch: int
    seed: int
    json: bool


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """Parse and check the command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.vote", description=__doc__)
    parser.add_argument("--phones", type=int, default=100, help="phones that vote")
    parser.add_argument("--phones-per-table", type=int, default=10)
    parser.add_argument("--tables-per-event", type=int, default=20)
    parser.add_argument("--themes", type=int, default=6, help="themes to vote on per event")
    parser.add_argument(
        "--window", type=float, default=10.0, help="seconds within which every phone votes"
    )
    parser.add_argument("--connect-batch", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1, help="seed of the vote schedule")
    parser.add_argument("--json", action="store_true", help="also print one line of JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.phones <= MAX_PHONES:
        parser.error(f"--phones must be 1..{MAX_PHONES}")
    if not 0 < args.window <= MAX_WINDOW:
        parser.error(f"--window must be in (0, {MAX_WINDOW:g}]")
    if not 1 <= args.tables_per_event <= 60 or not 1 <= args.phones_per_table <= 50:
        parser.error("--tables-per-event must be 1..60 and --phones-per-table 1..50")
    if not 2 <= args.themes <= 30:
        parser.error("--themes must be 2..30")
    return Options(
        phones=args.phones,
        phones_per_table=args.phones_per_table,
        tables_per_event=args.tables_per_event,
        themes=args.themes,
        window=args.window,
        connect_batch=max(1, args.connect_batch),
        seed=args.seed,
        json=args.json,
    )


# --- the pages ---------------------------------------------------------------------------


def ok(ack: Any, what: str) -> dict[str, Any]:
    """The acknowledgement, or RuntimeError naming the refusal."""
    if not (isinstance(ack, dict) and ack.get("ok")):
        error = ack.get("error") if isinstance(ack, dict) else repr(ack)[:80]
        raise RuntimeError(f"{what}: {error}")
    return ack


def login_cookie(url: str, password: str) -> str:
    """Log the facilitator in through the real login form (its CSRF token included); the
    session cookie as a ``Cookie`` header value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "/login", timeout=30) as response:
        page = response.read().decode("utf-8")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"username": USERNAME, "password": password}
    if token is not None:
        form["csrf_token"] = token.group(1)
    data = urllib.parse.urlencode(form).encode()
    with opener.open(url + "/login", data=data, timeout=30):
        pass
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    if "session" not in cookies:
        raise RuntimeError("the facilitator's login was refused")
    return cookies


@dataclass
class Room:
    """One event under test: its ids, its item keys, its board's observations."""

    info: EventInfo
    event_id: int = 0
    keys: list[str] = field(default_factory=list)
    #: (arrival time, phones voted) of each ``vote_count`` the board got.
    counts: list[tuple[float, int]] = field(default_factory=list)
    #: When the board got the revealed chart.
    chart_at: float | None = None
    #: Each phone's first ``vote`` send time.
    first_votes: list[float] = field(default_factory=list)


async def learn(url: str, room: Room, http: aiohttp.ClientSession) -> None:
    """The event's id and table ids, asked by a short-lived phone (``sync``)."""
    client = new_client(http)
    await client.connect(
        url,
        auth={"code": room.info.code, "device": secrets.token_hex(16)},
        transports=["websocket"],
        namespaces=[PHONE],
        wait_timeout=CONNECT_TIMEOUT,
    )
    try:
        state = ok(await client.call("sync", {}, PHONE, ACK_TIMEOUT), "sync")["state"]["event"]
        room.event_id = int(state["id"])
        tables = sorted(state["tables"], key=lambda t: t["number"])
        room.info.table_ids = [int(t["id"]) for t in tables]
    finally:
        await client.disconnect()


async def open_voting(
    url: str, room: Room, cookie: str, themes: int, http: aiohttp.ClientSession
) -> Any:
    """The facilitator writes the themes and enters the vote phase; returns its client."""
    client = new_client(http)
    await client.connect(
        url,
        auth={"event": room.event_id},
        headers={"Cookie": cookie},
        transports=["websocket"],
        namespaces=[FACILITATOR],
        wait_timeout=CONNECT_TIMEOUT,
    )
    for number in range(1, themes + 1):
        ack = await client.call("theme_create", {"title": f"Teema {number}"}, FACILITATOR)
        room.keys.append(f"theme:{ok(ack, 'theme_create')['theme']}")
    ok(await client.call("phase", {"phase": "vote"}, FACILITATOR, ACK_TIMEOUT), "phase")
    return client


async def watch(url: str, room: Room, http: aiohttp.ClientSession) -> Any:
    """The event's board: records every count and the revealed chart's arrival."""
    client = new_client(http)

    def counted(payload: Any) -> None:
        if isinstance(payload, dict) and isinstance(payload.get("voters"), int):
            room.counts.append((time.perf_counter(), payload["voters"]))

    def shown(payload: Any) -> None:
        if isinstance(payload, dict) and payload.get("chart") and room.chart_at is None:
            room.chart_at = time.perf_counter()

    client.on("vote_count", counted, BOARD)
    client.on("vote", shown, BOARD)
    await client.connect(
        url,
        auth={"token": room.info.board_token},
        transports=["websocket"],
        namespaces=[BOARD],
        wait_timeout=CONNECT_TIMEOUT,
    )
    ok(await client.call("sync", {}, BOARD, ACK_TIMEOUT), "board sync")
    return client


@dataclass
class Phone:
    """A participant's phone at one table, with its role tag and its plan of dots."""

    room: Room
    table_id: int
    role: str | None
    plan: list[tuple[str, int]]
    start_at: float
    client: Any = None
    acks: list[float] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)

    async def start(self, url: str, http: aiohttp.ClientSession) -> str | None:
        """Connect and sit down; None or a failure."""
        self.client = new_client(http)
        await self.client.connect(
            url,
            auth={"code": self.room.info.code, "device": secrets.token_hex(16)},
            transports=["websocket"],
            namespaces=[PHONE],
            wait_timeout=CONNECT_TIMEOUT,
        )
        ack = await self.client.call(
            "join", {"table": self.table_id, "role": self.role}, PHONE, ACK_TIMEOUT
        )
        return None if isinstance(ack, dict) and ack.get("ok") else f"join: {ack}"[:80]

    async def vote(self, zero: float) -> None:
        """Wait for this phone's moment, then place its dots, one item at a time."""
        await asyncio.sleep(max(0.0, zero + self.start_at - time.perf_counter()))
        for index, (item, dots) in enumerate(self.plan):
            sent = time.perf_counter()
            if index == 0:
                self.room.first_votes.append(sent)
            try:
                # As the phone page sends it (static/js/vote.js): with the phase it was
                # cast in and the outbox's id.
                payload = {"item": item, "dots": dots, "phase": "vote", "client_id": str(uuid4())}
                ack = await self.client.call("vote", payload, PHONE, ACK_TIMEOUT)
            except socketio.exceptions.TimeoutError:
                self.refused["timeout"] += 1
                continue
            if isinstance(ack, dict) and ack.get("ok"):
                self.acks.append(time.perf_counter() - sent)
            else:
                self.refused[str(ack.get("error") if isinstance(ack, dict) else ack)] += 1


def spread(keys: Sequence[str], rng: random.Random) -> list[tuple[str, int]]:
    """A phone's dots as a person spreads them: 2 + 1 on two items, or 1 + 1 + 1."""
    if rng.random() < 0.5:
        first, second = rng.sample(list(keys), 2)
        return [(first, PER_ITEM), (second, DOTS - PER_ITEM)]
    return [(key, 1) for key in rng.sample(list(keys), DOTS)]


def count_latencies(room: Room) -> list[float]:
    """For k = 1…n: from the k-th first vote sent to the board first showing ≥ k phones."""
    sent = sorted(room.first_votes)
    found = []
    for k, at in enumerate(sent, start=1):
        seen = next((when for when, voters in room.counts if voters >= k), None)
        if seen is not None:
            found.append(max(0.0, seen - at))
    return found


# --- the run -----------------------------------------------------------------------------


@dataclass
class Result:
    """What the report prints."""

    phones: int
    events: int
    connect_failures: dict[str, int]
    votes_sent: int
    votes_acked: int
    refused: dict[str, int]
    burst_seconds: float
    votes_per_second: float
    ack_ms: dict[str, float | None]
    board_count_ms: dict[str, float | None]
    boards_complete: int
    reveal_chart_ms: dict[str, float | None]
    server_cpu_percent: float | None
    server_cpu_ms_per_vote: float | None
    bench_cpu_percent: float | None
    other_cpu_percent: float | None
    server_rss_mb: float | None


async def measure(options: Options, server: Server, rooms: list[Room], password: str) -> Result:
    """Open voting everywhere, seat the phones, run the burst, reveal; collect figures."""
    rng = random.Random(options.seed)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        for room in rooms:
            await learn(server.url, room, http)
        cookie = login_cookie(server.url, password)
        controls = [await open_voting(server.url, r, cookie, options.themes, http) for r in rooms]
        boards = [await watch(server.url, room, http) for room in rooms]
        phones: list[Phone] = []
        for index in range(options.phones):
            room = rooms[index // (options.phones_per_table * options.tables_per_event)]
            table = (index // options.phones_per_table) % options.tables_per_event
            phones.append(
                Phone(
                    room=room,
                    table_id=room.info.table_ids[table],
                    role=ROLES[index % len(ROLES)],
                    plan=spread(room.keys, rng),
                    start_at=rng.uniform(0, options.window),
                )
            )
        log(f"connecting {len(phones)} phones")
        failures = await start_all(
            [lambda p=p: p.start(server.url, http) for p in phones],  # type: ignore[misc]
            options.connect_batch,
            CONNECT_TIMEOUT + ACK_TIMEOUT,
            "phones",
        )
        seated = [p for p in phones if p.client is not None and p.client.connected]
        await asyncio.sleep(1.0)  # the join's own broadcasts settle
        process = ServerProcess(server.pid) if server.pid else None
        rss_peak = process.rss() if process else None
        log(f"burst: {len(seated)} phones vote within {options.window:g} s")
        begin = cpu_mark(process)
        zero = time.perf_counter()
        tasks = [asyncio.create_task(p.vote(zero)) for p in seated]
        while not all(task.done() for task in tasks):
            await asyncio.sleep(0.25)
            if process:
                rss_peak = max(rss_peak or 0, process.rss() or 0)
        end = cpu_mark(process)
        burst = time.perf_counter() - zero
        # The count's last throttled update, then the reveal.
        await asyncio.sleep(1.0)
        revealed_at = []
        for control in controls:
            ok(await control.call("vote_close", {}, FACILITATOR, ACK_TIMEOUT), "vote_close")
            revealed_at.append(time.perf_counter())
            ok(await control.call("vote_reveal", {}, FACILITATOR, ACK_TIMEOUT), "vote_reveal")
        await asyncio.sleep(2.0)
        await stop_all([p.client for p in phones if p.client is not None], options.connect_batch)
        await stop_all([*boards, *controls], options.connect_batch)

    acks = [latency for p in seated for latency in p.acks]
    refused: Counter[str] = Counter()
    for phone in seated:
        refused.update(phone.refused)
    sent = sum(len(p.plan) for p in seated)
    cpu_seconds = (end.server - begin.server) if end.server is not None and begin.server else None
    complete = sum(1 for r in rooms if r.counts and r.counts[-1][1] >= len(r.first_votes) > 0)
    reveal = [
        r.chart_at - at for r, at in zip(rooms, revealed_at, strict=True) if r.chart_at is not None
    ]
    return Result(
        phones=len(seated),
        events=len(rooms),
        connect_failures=dict(failures),
        votes_sent=sent,
        votes_acked=len(acks),
        refused=dict(refused),
        burst_seconds=round(burst, 2),
        votes_per_second=round(len(acks) / burst, 1) if burst > 0 else 0.0,
        ack_ms=percentiles(acks),
        board_count_ms=percentiles([x for r in rooms for x in count_latencies(r)]),
        boards_complete=complete,
        reveal_chart_ms=percentiles(reveal),
        server_cpu_percent=percent(begin, end, "server"),
        server_cpu_ms_per_vote=round(1000 * cpu_seconds / len(acks), 2)
        if cpu_seconds is not None and acks
        else None,
        bench_cpu_percent=percent(begin, end, "bench"),
        other_cpu_percent=other_cpu(begin, end),
        server_rss_mb=round(rss_peak / 2**20, 1) if rss_peak else None,
    )


def _ms(stats: dict[str, float | None]) -> str:
    if not stats.get("n"):
        return "no samples"
    return (
        f"p50 {stats['p50']} ms, p95 {stats['p95']} ms, p99 {stats['p99']} ms,"
        f" max {stats['max']} ms (n={stats['n']})"
    )


def report(result: Result) -> str:
    """The figures as text."""
    lines = [
        f"phones voting:       {result.phones} in {result.events} event(s)"
        + (f", connect failures {result.connect_failures}" if result.connect_failures else ""),
        f"votes:               {result.votes_acked} of {result.votes_sent} acknowledged in"
        f" {result.burst_seconds} s ({result.votes_per_second}/s)"
        + (f", refused {result.refused}" if result.refused else ""),
        f"vote → ack:          {_ms(result.ack_ms)}",
        f"vote → board count:  {_ms(result.board_count_ms)};"
        f" boards showing every phone at the end: {result.boards_complete}/{result.events}",
        f"reveal → chart:      {_ms(result.reveal_chart_ms)}",
        f"server CPU:          {result.server_cpu_percent} % of a core during the burst,"
        f" {result.server_cpu_ms_per_vote} ms per vote; peak RSS {result.server_rss_mb} MB",
        f"this process:        {result.bench_cpu_percent} % of a core;"
        f" other load on the machine {result.other_cpu_percent} % of a core",
    ]
    return "\n".join(lines)


def run(options: Options) -> Result:
    """Start the server, make the events and the account, measure, stop."""
    tables = math.ceil(options.phones / options.phones_per_table)
    events = math.ceil(tables / options.tables_per_event)
    raise_fd_limit(2 * (options.phones + 2 * events) + 512)
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="cafe-bench-vote-") as folder:
        server = spawn_server(Path(folder), None)
        try:
            log(f"server {server.url} (pid {server.pid}, async mode {server.async_mode()})")
            subprocess.run(
                [cafe_command(), "user", "add", USERNAME, "--admin", "--password", password],
                env=server_env(server.instance, isolated=True),
                check=True,
                capture_output=True,
                timeout=120,
            )
            rooms = [
                Room(info) for info in create_events(server, tables, options.tables_per_event, True)
            ]
            budget = 120 + 2 * options.window + options.phones / 20
            return asyncio.run(asyncio.wait_for(measure(options, server, rooms, password), budget))
        finally:
            stop_server(server)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    options = parse_options(argv)
    try:
        result = run(options)
    except (TimeoutError, RuntimeError, subprocess.CalledProcessError) as error:
        log(f"error: {error or type(error).__name__}")
        said = getattr(error, "stderr", None)  # what the failed ``cafe`` command said
        if said:
            log(said.decode(errors="replace") if isinstance(said, bytes) else str(said))
        return 1
    print(report(result), flush=True)
    if options.json:
        print(json.dumps(asdict(result), ensure_ascii=False), flush=True)
    return 0 if result.votes_acked else 1


if __name__ == "__main__":
    sys.exit(main())
