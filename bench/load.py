"""Load test of the real-time server: many phones and boards over real websockets.

All clients are ``socketio.AsyncClient`` objects in this one process, each with its own
websocket (``transports=["websocket"]``) to a server on 127.0.0.1. By default the script
starts its own ``cafe run`` in a temporary instance folder on a free port, creates as many
events as the phones need with ``cafe event create``, then:

1. connects the boards and the phones a batch at a time; every phone joins its table and
   the first phone of each table claims the host role;
2. steady phase: every phone posts ``--rate`` posts a second for ``--duration`` seconds;
   hosts post core ideas (``"core": true``), which the boards receive;
3. with ``--burst``, a burst phase: ``--burst-rate`` posts a second in total for
   ``--burst-duration`` seconds, spread over all phones so that none hits the rate limit;
4. prints, per phase: posts/s achieved, post→ack, post→board and post→peer-phone latency
   (p50/p95/p99), lost posts, the server's RSS and CPU and this process's own CPU.

Usage, from the repository root::

    .venv/bin/python -m bench.load                             # 200 phones, spawned server
    .venv/bin/python -m bench.load --phones 2000 --burst
    .venv/bin/python -m bench.load --phones 1000 --burst --json | tail -n 1 > result.json
    .venv/bin/python -m bench.load --phones 2000 --burst --relay flask   # reference relays
    .venv/bin/python -m bench.load --phones 2000 --burst --relay node
    CAFE_INSTANCE_PATH=instance .venv/bin/python -m bench.load \\
        --url http://127.0.0.1:5000 --pid 12345                # a server that is running

With ``--relay flask`` or ``--relay node`` the server under test is a reference relay
(bench/relay/: Flask-SocketIO on gevent, or socket.io 4 on Node) that only relays posts to
the same rooms, with no database: no events are created (each event gets a made-up join
code, board token and table ids), and the report is the same, so that the app's cost can
be compared with the relays' measured in the same window (``CPU per post`` above all).

Against a running server (``--url``) the script needs that server's instance folder
(``--instance``, or ``CAFE_INSTANCE_PATH``) to create its events, and its process id
(``--pid``, else looked up from the listening port) for RSS and CPU. Progress goes to
stderr, the report to stdout; ``--json`` adds one line of JSON at the end of stdout.

Latencies are measured in this process: a post's send time is kept in a dict keyed by its
client id and compared with the time the receiving client's handler runs. When this
process is short of CPU, its own scheduling delay is included; the report shows this
process's CPU and its event-loop lag so that the figures can be judged.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack, asynccontextmanager, closing, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import aiohttp.abc
import psutil
import socketio
from yarl import URL

PHONE = "/phone"
BOARD = "/board"
#: Only loopback addresses are ever a target.
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: The server's default per-phone posting limit (CAFE_POST_BURST, CAFE_POSTS_PER_MINUTE).
SERVER_POST_BURST = 10
SERVER_POSTS_PER_SECOND = 30 / 60
#: Upper bounds of the options, so that every run stays bounded in count and time.
MAX_PHONES = 10_000
MAX_SECONDS = 3600.0
MAX_BURST_RATE = 5000.0
#: How often the monitor samples the server's memory and this process's loop lag.
SAMPLE_INTERVAL = 0.25
#: Pause between phases.
SETTLE_SECONDS = 2.0
#: Quiet time after connecting, over which the idle server's CPU is measured (pings only).
IDLE_SECONDS = 5.0
#: The reconnection settings of every page's socket (``RECONNECTION`` in static/js/common.js,
#: socket.io-client's names, in seconds): first delay, largest delay, randomization factor.
#: With ``--restart`` every client reconnects on this schedule, as a browser would
#: (tests/test_bench_load.py checks that the two agree).
BROWSER_RECONNECTION_DELAY = 0.5
BROWSER_RECONNECTION_DELAY_MAX = 2.0
BROWSER_RANDOMIZATION_FACTOR = 0.5
#: socket.io-client's ``timeout``: how long a browser waits for a connection to open.
BROWSER_CONNECT_TIMEOUT = 20.0
#: common.js's ``call`` timeout: a phone's ``post`` waits this long for an ack.
BROWSER_ACK_TIMEOUT = 8.0
#: common.js's ``STATE_TIMEOUT_MS``: a phone's ``join`` and a board's ``sync`` wait this long.
BROWSER_STATE_TIMEOUT = 20.0
#: phone.js retries its outbox this often while anything is left in it.
OUTBOX_RETRY_SECONDS = 5.0
#: phone.js and board.js ask again this many seconds (uniformly between the two) after a
#: ``join`` or ``sync`` that got no answer in time.
JOIN_RETRY_SECONDS = (1.0, 3.0)
#: The reference relays (``--relay``): bench/relay/flask_relay.py and bench/relay/node/.
RELAYS = ("flask", "node")
REPOSITORY = Path(__file__).resolve().parent.parent
NODE_RELAY = REPOSITORY / "bench" / "relay" / "node"


# --- options -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """Command-line options."""

    url: str | None
    pid: int | None
    instance: Path | None
    phones: int
    phones_per_table: int
    tables_per_event: int
    boards_per_event: int
    rate: float
    duration: float
    burst: bool
    burst_rate: float
    burst_duration: float
    connect_batch: int
    connect_timeout: float
    ack_timeout: float
    seed: int
    json: bool
    server_log: Path | None
    transports: tuple[str, ...] = ("websocket",)
    restart: bool = False
    restart_at: float = 10.0
    rejoin_timeout: float = 60.0
    reconnection_delay: float = BROWSER_RECONNECTION_DELAY
    reconnection_delay_max: float = BROWSER_RECONNECTION_DELAY_MAX
    randomization_factor: float = BROWSER_RANDOMIZATION_FACTOR
    #: A reference relay to measure instead of the app (``flask`` or ``node``).
    relay: str | None = None
    #: Seconds of quiet after connecting, over which the idle server's CPU is measured.
    idle: float = IDLE_SECONDS


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """Parse and check the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.load",
        description="Load test of the cafe real-time server over real websockets.",
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--spawn",
        action="store_true",
        default=True,
        help="start a `cafe run` of our own in a temporary instance folder (default)",
    )
    target.add_argument("--url", help="base URL of a running server on 127.0.0.1")
    target.add_argument(
        "--relay",
        choices=RELAYS,
        help="instead of the app, start a reference relay of bench/relay/ (Flask-SocketIO on"
        " gevent, or socket.io 4 on Node; no database, no events created) and measure it",
    )
    parser.add_argument("--pid", type=int, help="with --url: the server's process id")
    parser.add_argument(
        "--instance",
        type=Path,
        default=Path(os.environ["CAFE_INSTANCE_PATH"])
        if os.environ.get("CAFE_INSTANCE_PATH")
        else None,
        help="with --url: the server's instance folder (default: $CAFE_INSTANCE_PATH)",
    )
    parser.add_argument("--phones", type=int, default=200, help="phones to connect")
    parser.add_argument("--phones-per-table", type=int, default=10)
    parser.add_argument("--tables-per-event", type=int, default=10)
    parser.add_argument("--boards-per-event", type=int, default=1)
    parser.add_argument(
        "--rate", type=float, default=0.1, help="posts per second per phone (steady phase)"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of the steady phase")
    parser.add_argument("--burst", action="store_true", help="run a burst phase afterwards")
    parser.add_argument(
        "--burst-rate", type=float, default=200.0, help="posts per second in total in a burst"
    )
    parser.add_argument("--burst-duration", type=float, default=5.0, help="seconds of burst")
    parser.add_argument(
        "--connect-batch", type=int, default=100, help="clients connected at a time"
    )
    parser.add_argument("--connect-timeout", type=float, default=10.0, help="seconds")
    parser.add_argument("--ack-timeout", type=float, default=10.0, help="seconds")
    parser.add_argument("--seed", type=int, default=1, help="seed of the post schedule")
    parser.add_argument(
        "--idle",
        type=float,
        default=IDLE_SECONDS,
        help="seconds of quiet after connecting, over which the idle server's CPU is measured",
    )
    parser.add_argument("--json", action="store_true", help="also print one line of JSON")
    parser.add_argument(
        "--server-log",
        type=Path,
        help="with --spawn: keep the server's output in this file (default: thrown away)",
    )
    parser.add_argument(
        "--transports",
        choices=("websocket", "polling"),
        default="websocket",
        help="websocket: straight to a websocket (default), as the pages do; polling: an"
        " HTTP long-polling handshake first, then the upgrade to a websocket (socket.io-client's"
        " default, which the pages used before)",
    )
    restart = parser.add_argument_group(
        "restart", "kill the spawned server during the steady phase and start it again"
    )
    restart.add_argument(
        "--restart",
        action="store_true",
        help="SIGKILL the server --restart-at seconds into the steady phase, start it again"
        " on the same folder and port; every client reconnects as a browser would, phones"
        " rejoin and resend their outbox; report rejoin times, lost and duplicate posts"
        " (a --relay restarts too, at --rate 0: it keeps no posts)",
    )
    restart.add_argument(
        "--restart-at", type=float, default=10.0, help="seconds into the steady phase"
    )
    restart.add_argument(
        "--rejoin-timeout",
        type=float,
        default=60.0,
        help="seconds after the kill to wait for every phone to rejoin",
    )
    restart.add_argument(
        "--reconnection-delay",
        type=float,
        default=BROWSER_RECONNECTION_DELAY,
        help="seconds (socket.io-client's reconnectionDelay; default: the pages' setting)",
    )
    restart.add_argument(
        "--reconnection-delay-max",
        type=float,
        default=BROWSER_RECONNECTION_DELAY_MAX,
        help="seconds (reconnectionDelayMax; default: the pages' setting)",
    )
    restart.add_argument(
        "--randomization-factor",
        type=float,
        default=BROWSER_RANDOMIZATION_FACTOR,
        help="0-1 (randomizationFactor; default: the pages' setting)",
    )
    args = parser.parse_args(argv)

    if args.url is not None:
        host = urlsplit(args.url).hostname
        if host not in LOOPBACK:
            parser.error("--url must point at this machine (127.0.0.1, localhost or ::1)")
        if args.instance is None:
            parser.error("--url needs --instance (or CAFE_INSTANCE_PATH) to create events")
    elif args.pid is not None:
        parser.error("--pid goes with --url")
    if not 1 <= args.phones <= MAX_PHONES:
        parser.error(f"--phones must be 1-{MAX_PHONES}")
    if args.phones_per_table < 1 or args.connect_batch < 1:
        parser.error("--phones-per-table and --connect-batch must be positive")
    if not 1 <= args.tables_per_event <= 60:
        parser.error("--tables-per-event must be 1-60 (the plan file's limit)")
    if args.boards_per_event < 0:
        parser.error("--boards-per-event must not be negative")
    for name, most in (
        ("rate", SERVER_POSTS_PER_SECOND * 10),
        ("duration", MAX_SECONDS),
        ("burst_rate", MAX_BURST_RATE),
        ("burst_duration", MAX_SECONDS),
        ("connect_timeout", 120),
        ("ack_timeout", 120),
        ("idle", 60),
    ):
        if not 0 <= getattr(args, name) <= most:
            parser.error(f"--{name.replace('_', '-')} must be 0-{most:g}")
    if args.connect_timeout <= 0 or args.ack_timeout <= 0:
        parser.error("timeouts must be positive")
    if args.restart:
        if args.url is not None:
            parser.error("--restart needs a server of its own (no --url)")
        if args.relay is not None and args.rate != 0:
            # A relay keeps no posts: what it broadcast as it was killed is gone, so with a
            # relay only the herd itself is compared.
            parser.error("--restart with --relay needs --rate 0 (a relay keeps no posts)")
        if not 0 < args.restart_at < args.duration:
            parser.error("--restart-at must fall inside the steady phase (0 < at < --duration)")
        if not 0 < args.rejoin_timeout <= 600:
            parser.error("--rejoin-timeout must be 0-600")
        if not 0 < args.reconnection_delay <= args.reconnection_delay_max <= 60:
            parser.error("need 0 < --reconnection-delay <= --reconnection-delay-max <= 60")
        if not 0 <= args.randomization_factor <= 1:
            parser.error("--randomization-factor must be 0-1")
    return Options(
        url=args.url.rstrip("/") if args.url else None,
        pid=args.pid,
        instance=args.instance,
        phones=args.phones,
        phones_per_table=args.phones_per_table,
        tables_per_event=args.tables_per_event,
        boards_per_event=args.boards_per_event,
        rate=args.rate,
        duration=args.duration,
        burst=args.burst,
        burst_rate=args.burst_rate,
        burst_duration=args.burst_duration,
        connect_batch=args.connect_batch,
        connect_timeout=args.connect_timeout,
        ack_timeout=args.ack_timeout,
        seed=args.seed,
        json=args.json,
        server_log=args.server_log,
        transports=("websocket",) if args.transports == "websocket" else ("polling", "websocket"),
        restart=args.restart,
        restart_at=args.restart_at,
        rejoin_timeout=args.rejoin_timeout,
        reconnection_delay=args.reconnection_delay,
        reconnection_delay_max=args.reconnection_delay_max,
        randomization_factor=args.randomization_factor,
        relay=args.relay,
        idle=args.idle,
    )


def log(message: str) -> None:
    """Progress on stderr, so that stdout holds only the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the server ------------------------------------------------------------------------------


def cafe_command() -> str:
    """The ``cafe`` console script next to this Python (the virtualenv's)."""
    return str(Path(sys.executable).parent / "cafe")


def server_env(instance: Path, *, isolated: bool) -> dict[str, str]:
    """Environment for ``cafe`` commands working on ``instance``.

    A spawned server keeps everything in its temporary folder, so a configured
    ``CAFE_DATABASE_URL`` is dropped; a running server's configuration is kept.
    """
    env = dict(os.environ)
    env["CAFE_INSTANCE_PATH"] = str(instance)
    if isolated:
        env.pop("CAFE_DATABASE_URL", None)
        env.pop("CAFE_MESSAGE_QUEUE", None)
        # The server logs its collector's pauses once a second; the report reads them.
        env["CAFE_GC_LOG"] = "1"
    return env


#: A line of `cafe run` with CAFE_GC_LOG (cafe/server.py CollectorWatch), with its time.
GC_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) INFO cafe\.server: gc pauses: "
    r"gen0 (\d+) longest ([\d.]+) ms, gen1 (\d+) longest ([\d.]+) ms,"
    r" gen2 (\d+) longest ([\d.]+) ms$",
    re.M,
)


def server_gc(log_text: str, since: float, until: float) -> dict[str, Any]:
    """The spawned server's collections per generation, with the longest pause, from the
    lines it logged for the seconds in [since, until] (UNIX time; each line covers the
    second before it)."""
    counts = [0, 0, 0]
    longest = [0.0, 0.0, 0.0]
    for match in GC_LINE.finditer(log_text):
        logged = time.mktime(time.strptime(match[1], "%Y-%m-%d %H:%M:%S")) + int(match[2]) / 1000
        if not since < logged <= until + 1.0:
            continue
        for generation in range(3):
            counts[generation] += int(match[3 + 2 * generation])
            longest[generation] = max(longest[generation], float(match[4 + 2 * generation]))
    return {f"gen{g}": {"count": counts[g], "longest_ms": longest[g]} for g in range(3)}


def format_gc(found: dict[str, Any] | None) -> str:
    """``gen0 N (longest x ms), …`` or a note that the server logged none."""
    if not found:
        return "not logged (only a single `cafe run` this script started logs its collector)"
    return ", ".join(
        f"{name} {value['count']} (longest {value['longest_ms']:.1f} ms)"
        for name, value in found.items()
    )


@dataclass(frozen=True)
class Route:
    """One way in to the server under test. bench/scale.py runs several workers behind
    nginx and gives each worker a route: the ``cafe_route`` cookie that makes nginx pick it
    (deploy/nginx/cafe.conf), carried by every client sent that way."""

    #: The worker's name in the report.
    worker: str
    #: Its process and the port it listens on, to count the sockets it holds.
    pid: int | None = None
    port: int | None = None
    #: The route cookie's value; None: straight in, no cookie.
    cookie: str | None = None


@dataclass
class Server:
    """The server under test: where it listens, its process, its instance folder."""

    url: str
    instance: Path
    pid: int | None
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    #: How clients reach its workers (bench/scale.py); empty: one way, straight to ``url``.
    #: Phones are dealt over the routes by seat, boards all go the last one.
    routes: tuple[Route, ...] = ()
    #: More processes whose CPU and memory count as the server's (the other workers).
    more_pids: tuple[int, ...] = ()
    #: A CA file for an https ``url`` (nginx's self-signed certificate).
    cafile: Path | None = None
    #: Environment for ``cafe`` commands on its database (URL, queue), over the instance's.
    env: dict[str, str] = field(default_factory=dict)
    #: The servers it works with (bench/scale.py: PostgreSQL, Redis, nginx) by name: their
    #: CPU, with their child processes', is reported apart from the server's.
    services: dict[str, int] = field(default_factory=dict)

    def output(self) -> str:
        """What a spawned server printed so far."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def async_mode(self) -> str:
        """The async mode a spawned server printed at start."""
        match = re.search(r"async mode: (\w+)", self.output())
        return match.group(1) if match else "unknown"


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """Poll ``/healthz`` until the server answers; raise if it exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer {url}/healthz within {timeout:.0f} s")


def start_cafe_run(instance: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``cafe run`` on ``instance`` and ``port``, appending its output to ``log_path``."""
    with log_path.open("ab") as handle:
        return subprocess.Popen(
            [cafe_command(), "run", "--host", "127.0.0.1", "--port", str(port), "--no-sample"],
            env=server_env(instance, isolated=True),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def spawn_server(instance: Path, log_path: Path | None) -> Server:
    """Start ``cafe run`` on a free loopback port with its own instance folder; its output
    goes to ``log_path`` (default: ``server.log`` in the instance folder)."""
    port = free_port()
    log_path = log_path or instance / "server.log"
    log_path.write_bytes(b"")
    process = start_cafe_run(instance, port, log_path)
    return healthy_server(process, port, instance, log_path, "the server")


def healthy_server(
    process: subprocess.Popen[bytes], port: int, folder: Path, log_path: Path, what: str
) -> Server:
    """The :class:`Server` of a process just started on ``port``, once it answers
    ``/healthz``; stopped, and its output raised, if it does not within 30 s."""
    server = Server(
        url=f"http://127.0.0.1:{port}",
        instance=folder,
        pid=process.pid,
        process=process,
        log_path=log_path,
    )
    try:
        wait_healthy(server.url, process, timeout=30)
    except RuntimeError:
        stop_server(server)
        raise RuntimeError(f"could not start {what}:\n{server.output()}") from None
    return server


def stop_server(server: Server) -> None:
    """Stop a spawned server: terminate, then kill if it lingers."""
    process = server.process
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def relay_command(kind: str, port: int) -> tuple[list[str], Path]:
    """The command line of a reference relay listening on ``port``, and its folder."""
    address = ["--host", "127.0.0.1", "--port", str(port)]
    if kind == "node":
        return ["node", "server.js", *address], NODE_RELAY
    return [sys.executable, "-m", "bench.relay.flask_relay", *address], REPOSITORY


def ensure_node_relay() -> None:
    """Install the Node relay's packages with ``npm ci`` (the versions of its
    package-lock.json) unless the installed ones are already from that lock file."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("--relay node needs node and npm on the PATH")
    installed = NODE_RELAY / "node_modules" / ".package-lock.json"
    lock = NODE_RELAY / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    log(f"installing the Node relay's packages: npm ci in {NODE_RELAY}")
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"],
        cwd=NODE_RELAY,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"npm ci failed:\n{result.stdout}{result.stderr}")


def start_relay(kind: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start a reference relay on ``port``, appending its output to ``log_path``."""
    command, cwd = relay_command(kind, port)
    with log_path.open("ab") as handle:
        return subprocess.Popen(command, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT)


def spawn_relay(kind: str, folder: Path, log_path: Path | None) -> Server:
    """Start a reference relay (``--relay``) on a free loopback port; its output goes to
    ``log_path`` (default: ``relay.log`` in ``folder``)."""
    if kind == "node":
        ensure_node_relay()
    port = free_port()
    log_path = log_path or folder / "relay.log"
    log_path.write_bytes(b"")
    process = start_relay(kind, port, log_path)
    return healthy_server(process, port, folder, log_path, f"the {kind} relay")


def find_listener_pid(url: str) -> int | None:
    """The process listening on the URL's port, when the system lets us see it."""
    port = urlsplit(url).port or 80
    try:
        connections = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return int(conn.pid) if conn.pid else None
    return None


# --- events ------------------------------------------------------------------------------------


@dataclass
class EventInfo:
    """One event made for the bench: its secrets and, once known, its table ids."""

    index: int
    code: str
    board_token: str
    tables: int
    table_ids: list[int] = field(default_factory=list)


PLAN_TEMPLATE = """\
# Made by bench/load.py for a load test.
topic = "Kuormitustesti {index}"
date = 2017-10-31
tables = {tables}
"""


def create_event(
    server: Server, index: int, tables: int, workdir: Path, isolated: bool
) -> EventInfo:
    """Create one event with ``tables`` tables through ``cafe event create``."""
    plan = workdir / f"bench-plan-{index}.toml"
    plan.write_text(PLAN_TEMPLATE.format(index=index, tables=tables), encoding="utf-8")
    result = subprocess.run(
        [cafe_command(), "event", "create", str(plan), "--base-url", server.url],
        env=server_env(server.instance, isolated=isolated) | server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cafe event create failed:\n{result.stdout}{result.stderr}")
    code = re.search(r"Join code:\s+(\S+)", result.stdout)
    board = re.search(r"Board URL:\s+\S*/b/(\S+)", result.stdout)
    if code is None or board is None:
        raise RuntimeError(f"unexpected output of cafe event create:\n{result.stdout}")
    return EventInfo(index=index, code=code.group(1), board_token=board.group(1), tables=tables)


def fake_events(table_count: int, per_event: int) -> list[EventInfo]:
    """Events for a relay, which keeps none: the same layout as :func:`create_events`, a
    made-up join code that is also the board token (the relay's name for the event's
    rooms), and table ids numbered across events."""
    events = []
    for index, start in enumerate(range(0, table_count, per_event)):
        size = min(per_event, table_count - start)
        name = f"relay-{index}"
        event = EventInfo(index=index, code=name, board_token=name, tables=size)
        event.table_ids = [start + number + 1 for number in range(size)]
        events.append(event)
    return events


def create_events(
    server: Server, table_count: int, per_event: int, isolated: bool
) -> list[EventInfo]:
    """Create as many events as ``table_count`` tables need, two at a time (two cores)."""
    sizes = [min(per_event, table_count - start) for start in range(0, table_count, per_event)]
    with (
        tempfile.TemporaryDirectory(prefix="cafe-bench-plans-") as tmp,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        futures = [
            pool.submit(create_event, server, i, size, Path(tmp), isolated)
            for i, size in enumerate(sizes)
        ]
        return [f.result() for f in futures]


# --- measurements ---------------------------------------------------------------------------


@dataclass
class PostRecord:
    """One post: when it was sent and acknowledged, and who saw it when."""

    phase: str
    sender: int
    table: int
    event: int
    core: bool
    sent: float = 0.0
    acked: float | None = None
    error: str | None = None
    peers: dict[int, float] = field(default_factory=dict)
    boards: dict[int, float] = field(default_factory=dict)
    echoed: bool = False
    duplicates: int = 0
    #: With --restart: receivers that found the post in the state they got on rejoining
    #: (``join`` for phones, ``sync`` for boards) instead of as a broadcast.
    peers_in_state: set[int] = field(default_factory=set)
    boards_in_state: set[int] = field(default_factory=set)
    #: Times it was sent (an outbox resends), and acknowledgements saying it was stored already.
    sends: int = 0
    duplicate_acks: int = 0


class Recorder:
    """Every post sent, keyed by its client id, shared by all clients of this process."""

    def __init__(self) -> None:
        self.posts: dict[str, PostRecord] = {}
        self.unknown = 0

    def phone_received(self, receiver: int, payload: Any) -> None:
        """A phone got a ``post`` broadcast."""
        now = time.perf_counter()
        record = self._record(payload)
        if record is None:
            return
        if receiver == record.sender:
            record.echoed = True
        elif receiver in record.peers:
            record.duplicates += 1
        else:
            record.peers[receiver] = now

    def board_received(self, board: int, payload: Any) -> None:
        """A board got a ``core`` broadcast."""
        now = time.perf_counter()
        record = self._record(payload)
        if record is None:
            return
        if board in record.boards:
            record.duplicates += 1
        else:
            record.boards[board] = now

    def phone_state(self, receiver: int, posts: Any) -> None:
        """A rejoining phone got its table's posts in the ``join`` state."""
        for post in posts if isinstance(posts, list) else []:
            record = self._record(post)
            if record is None:
                continue
            if receiver == record.sender:
                record.echoed = True
            else:
                record.peers_in_state.add(receiver)

    def board_state(self, board: int, cores: Any) -> None:
        """A reconnected board got the event's core ideas in the ``sync`` state."""
        for post in cores if isinstance(cores, list) else []:
            record = self._record(post)
            if record is not None:
                record.boards_in_state.add(board)

    def _record(self, payload: Any) -> PostRecord | None:
        post_id = payload.get("id") if isinstance(payload, dict) else None
        record = self.posts.get(post_id) if isinstance(post_id, str) else None
        if record is None:
            self.unknown += 1
        return record


class ServerProcess:
    """The server process under test, followed across a restart: its CPU time is the sum
    over the processes that served, the killed one's counted up to its last reading. With
    several workers (bench/scale.py) the others' CPU and memory are added."""

    def __init__(self, pid: int, more: Sequence[int] = (), services: Sequence[int] = ()) -> None:
        self.process = psutil.Process(pid)
        self.more = [psutil.Process(other) for other in more]
        self.services = [psutil.Process(service) for service in services]
        self._earlier_cpu = 0.0
        self._last_cpu = 0.0

    def cpu(self) -> float | None:
        """CPU seconds (user + system) used so far by every server process."""
        try:
            times = self.process.cpu_times()
            self._last_cpu = float(times.user + times.system)
        except psutil.Error:
            # Killed: its last reading stands until the next process takes over.
            pass
        others = 0.0
        for process in self.more:
            with suppress(psutil.Error):
                times = process.cpu_times()
                others += float(times.user + times.system)
        return self._earlier_cpu + self._last_cpu + others

    def services_cpu(self) -> float | None:
        """CPU seconds used so far by the services and their children (PostgreSQL's
        backends, nginx's workers): those alive, and those that ended, as their parent
        counts them."""
        if not self.services:
            return None
        total = 0.0
        for service in self.services:
            with suppress(psutil.Error):
                times = service.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
                for child in service.children(recursive=True):
                    with suppress(psutil.Error):
                        times = child.cpu_times()
                        total += float(times.user + times.system)
        return total

    def rss(self) -> int | None:
        """The server processes' resident memory together, in bytes."""
        try:
            return int(self.process.memory_info().rss) + sum(
                int(other.memory_info().rss) for other in self.more
            )
        except psutil.Error:
            return None

    def replace(self, pid: int) -> None:
        """Follow the process that took over from the killed one."""
        self._earlier_cpu += self._last_cpu
        self._last_cpu = 0.0
        self.process = psutil.Process(pid)


@dataclass
class Sample:
    """One reading of the monitor."""

    at: float
    server_rss: int | None
    loop_lag: float


class Monitor:
    """Samples the server's RSS and this process's event-loop lag in the background."""

    def __init__(self, server_process: ServerProcess | None) -> None:
        self.server = server_process
        self.samples: list[Sample] = []
        # (end time, seconds) of each of this process's garbage collections
        self.gc_pauses: list[tuple[float, float]] = []
        self._gc_started = 0.0
        self._task: asyncio.Task[None] | None = None

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_started = now
        else:
            self.gc_pauses.append((now, now - self._gc_started))

    def rss(self) -> int | None:
        """The server's resident memory now, in bytes."""
        return None if self.server is None else self.server.rss()

    def start(self) -> None:
        """Start sampling."""
        gc.callbacks.append(self._on_gc)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling."""
        with suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        # Cancelled by stop(); the loop itself never ends on its own.
        while True:
            before = time.perf_counter()
            await asyncio.sleep(SAMPLE_INTERVAL)
            now = time.perf_counter()
            self.samples.append(Sample(now, self.rss(), now - before - SAMPLE_INTERVAL))

    def between(self, start: float, end: float) -> list[Sample]:
        """Samples taken in a window."""
        return [s for s in self.samples if start <= s.at <= end]

    def gc_pause_max(self, start: float, end: float) -> float:
        """This process's longest garbage collection in a window, in seconds."""
        return max((d for at, d in self.gc_pauses if start <= at <= end), default=0.0)


@dataclass
class CpuMark:
    """CPU seconds used by the server, by this process and by the whole machine."""

    wall: float
    server: float | None
    bench: float
    machine: float
    services: float | None = None


def cpu_mark(server: ServerProcess | None) -> CpuMark:
    """Read the CPU times now."""
    server_cpu = server.cpu() if server is not None else None
    own = psutil.Process().cpu_times()
    machine = psutil.cpu_times()
    busy = float(sum(machine)) - float(machine.idle) - float(getattr(machine, "iowait", 0.0))
    services = server.services_cpu() if server is not None else None
    return CpuMark(time.perf_counter(), server_cpu, float(own.user + own.system), busy, services)


def percent(start: CpuMark, end: CpuMark, which: str) -> float | None:
    """CPU use between two marks as % of one core."""
    a: float | None = getattr(start, which)
    b: float | None = getattr(end, which)
    wall = end.wall - start.wall
    if a is None or b is None or wall <= 0:
        return None
    return round(100.0 * (b - a) / wall, 1)


def other_cpu(start: CpuMark, end: CpuMark) -> float | None:
    """CPU that neither the server, its services nor this process used, as % of one core:
    anything else running on the machine competes with them and skews the figures."""
    machine = percent(start, end, "machine")
    server = percent(start, end, "server") or 0.0
    bench = percent(start, end, "bench") or 0.0
    services = percent(start, end, "services") or 0.0
    return None if machine is None else round(max(0.0, machine - server - bench - services), 1)


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in milliseconds (nearest rank), and the sample count."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(p: float) -> float:
        index = max(0, math.ceil(p / 100 * len(ordered)) - 1)
        return round(ordered[index] * 1000, 1)

    return {
        "n": len(ordered),
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "max": round(ordered[-1] * 1000, 1),
    }


# --- clients -----------------------------------------------------------------------------------


#: What aiohttp's ``ws_connect`` is given so that the websocket handshake offers
#: per-message compression (``Sec-WebSocket-Extensions: permessage-deflate``), as every
#: browser's does: a server that accepted it would cost here what it costs with phones.
BROWSER_WEBSOCKET = {"compress": 15}


def new_client(http: aiohttp.ClientSession) -> Any:
    """A Socket.IO client that never reconnects by itself: a dropped connection shows, and
    with ``--restart`` the bench reconnects it on the browser's schedule (:class:`Backoff`).
    Its websocket handshake offers what a browser's does (:data:`BROWSER_WEBSOCKET`)."""
    return socketio.AsyncClient(
        reconnection=False,
        handle_sigint=False,
        http_session=http,
        websocket_extra_options=dict(BROWSER_WEBSOCKET),
    )


class Backoff:
    """socket.io-client's reconnection delays (its ``Backoff``): attempt n waits
    ``delay · 2ⁿ``, moved up or down by a random share of itself of at most the
    randomization factor, then capped at the maximum. A browser starts again from attempt 0
    whenever a connection closes.

    python-socketio's own reconnection differs (it moves the delay by ± the factor in
    *seconds*), hence this copy.
    """

    def __init__(self, delay: float, delay_max: float, factor: float, rng: random.Random) -> None:
        self.delay = delay
        self.delay_max = delay_max
        self.factor = factor
        self.rng = rng
        self.attempts = 0

    def duration(self) -> float:
        """Seconds to wait before the next attempt."""
        wait = self.delay * 2.0 ** min(self.attempts, 30)
        self.attempts += 1
        if self.factor:
            r = self.rng.random()
            deviation = r * self.factor * wait
            wait = wait + deviation if math.floor(r * 10) & 1 else wait - deviation
        return min(wait, self.delay_max)

    def reset(self) -> None:
        """Back to the first delay."""
        self.attempts = 0


class NotConnected(Exception):
    """The connection was lost while waiting for an acknowledgement."""


@dataclass
class Trip:
    """One reconnection of a client (with ``--restart``): times are ``perf_counter`` values."""

    lost_at: float
    attempts: int = 0
    connected_at: float | None = None
    #: The successful attempt: Engine.IO handshake plus the namespace's connect.
    connect_seconds: float | None = None
    #: When the page was itself again: a phone's ``join`` or a board's ``sync`` acknowledged.
    ready_at: float | None = None
    #: That ``join`` or ``sync`` call, from emit to acknowledgement.
    call_seconds: float | None = None
    call_timeouts: int = 0
    failure: str | None = None


class Page:
    """One browser page's socket on one namespace: connects and, when told to follow the
    server through a restart (:meth:`follow`), reconnects as socket.io-client does and then
    does what the page does on every (re)connect (:meth:`ready`)."""

    namespace = ""

    def __init__(self, index: int, event: EventInfo, http: aiohttp.ClientSession) -> None:
        self.index = index
        self.event = event
        self.client = new_client(http)
        #: Which of the server's routes it was sent by (bench/scale.py's workers).
        self.route = 0
        self.dropped = False
        self.stopping = False
        self.trips: list[Trip] = []
        self._following = False
        self._lost: asyncio.Event | None = None
        self._gone: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    def auth(self) -> dict[str, Any]:
        """The ``auth`` payload of the page's ``io()`` call."""
        raise NotImplementedError

    async def ready(self, trip: Trip) -> None:
        """What the page does after every reconnect."""
        raise NotImplementedError

    def listen_for_disconnect(self) -> None:
        """Notice a lost connection."""
        self.client.on("disconnect", self._on_disconnect, self.namespace)

    def _on_disconnect(self, reason: Any = None) -> None:
        if self._gone is not None and not self._gone.done():
            self._gone.set_result(None)
        if not self._following:
            self.dropped = True
        elif not self.stopping and self._lost is not None:
            self.trips.append(Trip(lost_at=time.perf_counter()))
            self._lost.set()

    async def connect(self, url: str, options: Options, timeout: float) -> None:
        """Open the socket and connect the namespace (raises when either fails)."""
        await self.client.connect(
            url,
            auth=self.auth(),
            transports=list(options.transports),
            namespaces=[self.namespace],
            wait_timeout=timeout,
        )
        self._gone = asyncio.get_running_loop().create_future()

    @property
    def connected(self) -> bool:
        """Whether the namespace is connected now."""
        return self._gone is not None and not self._gone.done()

    async def call(self, event: str, data: dict[str, Any], timeout: float) -> Any:
        """Emit and wait for the acknowledgement. Following a restart, a lost connection
        fails the call at once (``NotConnected``), as in socket.io-client; python-socketio
        would wait out the timeout."""
        if not self._following:
            return await self.client.call(event, data, self.namespace, timeout)
        gone = self._gone
        if gone is None or gone.done():
            raise NotConnected
        call = asyncio.ensure_future(self.client.call(event, data, self.namespace, timeout))
        await asyncio.wait({call, gone}, return_when=asyncio.FIRST_COMPLETED)
        if not call.done():
            call.cancel()
            with suppress(asyncio.CancelledError, socketio.exceptions.SocketIOError):
                await call
            raise NotConnected
        try:
            return call.result()
        except socketio.exceptions.TimeoutError:
            raise
        except socketio.exceptions.SocketIOError as error:
            raise NotConnected from error

    def follow(self, url: str, options: Options, rng: random.Random) -> None:
        """From now on, reconnect after every lost connection, as the page would."""
        self._following = True
        self._lost = asyncio.Event()
        self._task = asyncio.create_task(self._reconnect_forever(url, options, rng))

    async def _reconnect_forever(self, url: str, options: Options, rng: random.Random) -> None:
        assert self._lost is not None
        backoff = Backoff(
            options.reconnection_delay,
            options.reconnection_delay_max,
            options.randomization_factor,
            rng,
        )
        while not self.stopping:
            await self._lost.wait()
            self._lost.clear()
            trip = self.trips[-1]
            backoff.reset()
            while not self.stopping:
                await asyncio.sleep(backoff.duration())
                if self.stopping:
                    return
                trip.attempts += 1
                started = time.perf_counter()
                try:
                    await self.connect(url, options, BROWSER_CONNECT_TIMEOUT)
                except (socketio.exceptions.ConnectionError, ValueError):
                    continue
                trip.connected_at = time.perf_counter()
                trip.connect_seconds = trip.connected_at - started
                break
            if self.stopping:
                return
            try:
                await self.ready(trip)
            except NotConnected:
                trip.failure = "lost again"

    async def stop_following(self) -> None:
        """No more reconnecting (before the bench's own goodbyes)."""
        self.stopping = True
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    @property
    def back(self) -> bool:
        """Whether the page is itself again after its last reconnection (or never lost it)."""
        return self.connected and (not self.trips or self.trips[-1].ready_at is not None)


class Phone(Page):
    """A participant's phone sitting at one table.

    With ``--restart`` it behaves as static/js/phone.js does: every post goes into an
    outbox first and leaves it only when acknowledged; on every reconnect the phone sends
    ``join`` again, then resends its outbox, one post at a time, and retries every
    ``OUTBOX_RETRY_SECONDS`` while anything is left.
    """

    namespace = PHONE

    def __init__(
        self,
        index: int,
        event: EventInfo,
        table_number: int,
        seat: int,
        http: aiohttp.ClientSession,
    ) -> None:
        super().__init__(index, event, http)
        self.table_number = table_number
        self.seat = seat
        # A fresh device token: 32 random hex characters.
        self.device = secrets.token_hex(16)
        self.table_id: int | None = None
        self.joined = False
        self.host = False
        self.posted = 0
        self.recorder: Recorder | None = None
        #: With --restart: posts not yet acknowledged, oldest first.
        self.outbox: list[tuple[dict[str, Any], PostRecord]] | None = None
        self.seated = False
        self._flushing = False

    def auth(self) -> dict[str, Any]:
        """``io("/phone", {auth: {code, device}})``."""
        return {"code": self.event.code, "device": self.device}

    def listen(self, recorder: Recorder) -> None:
        """Record ``post`` broadcasts and notice a dropped connection."""
        self.recorder = recorder
        self.client.on("post", lambda payload: recorder.phone_received(self.index, payload), PHONE)
        self.listen_for_disconnect()

    def _on_disconnect(self, reason: Any = None) -> None:
        self.seated = False
        super()._on_disconnect(reason)

    async def start(self, url: str, options: Options) -> str | None:
        """Connect, join the table and, for seat 0, claim the host role; None or a failure."""
        await self.connect(url, options, options.connect_timeout)
        if self.table_number >= len(self.event.table_ids):
            return "unknown table ids"
        self.table_id = self.event.table_ids[self.table_number]
        ack = await self.call("join", {"table": self.table_id, "role": None}, options.ack_timeout)
        if not (isinstance(ack, dict) and ack.get("ok")):
            return f"join: {_error(ack)}"
        self.joined = self.seated = True
        if self.seat == 0:
            ack = await self.call("claim_host", {}, options.ack_timeout)
            if not (isinstance(ack, dict) and ack.get("ok")):
                return f"claim_host: {_error(ack)}"
            self.host = True
        return None

    async def ready(self, trip: Trip) -> None:
        """phone.js on reconnect: ``join`` the table again (one that gets no answer in time
        is counted and sent again 1-3 s later), then resend the outbox."""
        while self.connected:
            started = time.perf_counter()
            try:
                ack = await self.call(
                    "join", {"table": self.table_id, "role": None}, BROWSER_STATE_TIMEOUT
                )
            except socketio.exceptions.TimeoutError:
                trip.call_timeouts += 1
                await asyncio.sleep(random.uniform(*JOIN_RETRY_SECONDS))
                continue
            if not (isinstance(ack, dict) and ack.get("ok")):
                trip.failure = f"join: {_error(ack)}"
                return
            trip.ready_at = time.perf_counter()
            trip.call_seconds = trip.ready_at - started
            state = ack.get("state") or {}
            self.host = bool(state.get("is_host"))
            if self.recorder is not None:
                self.recorder.phone_state(self.index, state.get("posts"))
            self.seated = True
            await self.flush()
            return

    def prepare_post(self, recorder: Recorder, phase: str) -> tuple[dict[str, Any], PostRecord]:
        """Make the next idea (a core idea when this phone hosts its table) and record it."""
        assert self.table_id is not None
        post_id = str(uuid.uuid4())
        self.posted += 1
        record = PostRecord(
            phase=phase,
            sender=self.index,
            table=self.table_id,
            event=self.event.index,
            core=self.host,
        )
        recorder.posts[post_id] = record
        data: dict[str, Any] = {
            "id": post_id,
            "text": f"Kuormitustesti: idea {self.posted} puhelimelta {self.index} ({phase})",
            "core": self.host,
        }
        if self.outbox is not None:
            # phone.js sends the table it was written at (an outbox may outlive a seat).
            data["table"] = self.table_id
        return data, record

    async def send_post(self, data: dict[str, Any], record: PostRecord, ack_timeout: float) -> None:
        """Send a prepared post and wait for its acknowledgement (through the outbox, with
        ``--restart``)."""
        record.sent = time.perf_counter()
        if self.outbox is not None:
            self.outbox.append((data, record))
            await self.flush()
            return
        record.sends += 1
        try:
            ack = await self.call("post", data, ack_timeout)
        except socketio.exceptions.TimeoutError:
            record.error = "no_ack"
            return
        except socketio.exceptions.SocketIOError:
            record.error = "not_connected"
            return
        record.acked = time.perf_counter()
        if not (isinstance(ack, dict) and ack.get("ok")):
            record.error = _error(ack)

    async def flush(self) -> None:
        """phone.js's ``flush``: send the outbox in order while seated; a timeout, a lost
        connection or ``rate_limited`` leaves the post in for later, any other refusal
        takes it out."""
        if self.outbox is None or self._flushing or not self.seated:
            return
        self._flushing = True
        try:
            while self.outbox and self.seated:
                data, record = self.outbox[0]
                record.sends += 1
                try:
                    ack = await self.call("post", data, BROWSER_ACK_TIMEOUT)
                except (socketio.exceptions.TimeoutError, NotConnected):
                    break
                if isinstance(ack, dict) and ack.get("ok"):
                    self.outbox.pop(0)
                    if record.acked is None:
                        record.acked = time.perf_counter()
                    record.duplicate_acks += bool(ack.get("duplicate"))
                elif _error(ack) == "rate_limited":
                    break
                else:
                    self.outbox.pop(0)
                    record.acked = time.perf_counter()
                    record.error = _error(ack)
        finally:
            self._flushing = False


class Board(Page):
    """A projected board of one event; with ``--restart`` it asks for the full state after
    every reconnect, as static/js/board.js does."""

    namespace = BOARD

    def __init__(self, index: int, event: EventInfo, http: aiohttp.ClientSession) -> None:
        super().__init__(index, event, http)
        self.synced = False
        self.recorder: Recorder | None = None

    def auth(self) -> dict[str, Any]:
        """``io("/board", {auth: {token}})``."""
        return {"token": self.event.board_token}

    def listen(self, recorder: Recorder) -> None:
        """Record ``core`` broadcasts and notice a dropped connection."""
        self.recorder = recorder
        self.client.on("core", lambda payload: recorder.board_received(self.index, payload), BOARD)
        self.listen_for_disconnect()

    async def start(self, url: str, options: Options) -> str | None:
        """Connect and ``sync``; None or a failure."""
        await self.connect(url, options, options.connect_timeout)
        ack = await self.call("sync", {}, options.ack_timeout)
        if not (isinstance(ack, dict) and ack.get("ok")):
            return f"sync: {_error(ack)}"
        self.synced = True
        return None

    async def ready(self, trip: Trip) -> None:
        """board.js on reconnect: ``sync`` (again 1-3 s later if it got no answer in time)."""
        while self.connected:
            started = time.perf_counter()
            try:
                ack = await self.call("sync", {}, BROWSER_STATE_TIMEOUT)
            except socketio.exceptions.TimeoutError:
                trip.call_timeouts += 1
                await asyncio.sleep(random.uniform(*JOIN_RETRY_SECONDS))
                continue
            if not (isinstance(ack, dict) and ack.get("ok")):
                trip.failure = f"sync: {_error(ack)}"
                return
            trip.ready_at = time.perf_counter()
            trip.call_seconds = trip.ready_at - started
            if self.recorder is not None:
                self.recorder.board_state(self.index, (ack.get("state") or {}).get("cores"))
            return


async def learn_tables(
    url: str, event: EventInfo, http: aiohttp.ClientSession, options: Options
) -> str | None:
    """Ask the server for an event's table ids (by table number) with a short-lived phone."""
    client = new_client(http)
    try:
        await client.connect(
            url,
            auth={"code": event.code, "device": secrets.token_hex(16)},
            transports=["websocket"],
            namespaces=[PHONE],
            wait_timeout=options.connect_timeout,
        )
        ack = await client.call("sync", {}, PHONE, options.ack_timeout)
        if not (isinstance(ack, dict) and ack.get("ok")):
            return f"sync: {_error(ack)}"
        tables = sorted(ack["state"]["event"]["tables"], key=lambda t: t["number"])
        event.table_ids = [int(t["id"]) for t in tables]
        return None
    finally:
        with suppress(Exception):
            await asyncio.wait_for(client.disconnect(), 5)


def _error(ack: Any) -> str:
    """The error code of a refused acknowledgement."""
    if isinstance(ack, dict):
        return str(ack.get("error", "no_error_code"))
    return f"unexpected ack {ack!r}"[:80]


async def start_all(
    starters: Sequence[Callable[[], Awaitable[str | None]]], batch: int, timeout: float, what: str
) -> Counter[str]:
    """Run connect coroutines ``batch`` at a time, each bounded by ``timeout``; count failures."""
    failures: Counter[str] = Counter()

    async def one(start: Callable[[], Awaitable[str | None]]) -> None:
        try:
            failure = await asyncio.wait_for(start(), timeout)
        except TimeoutError:
            failure = "timeout"
        except socketio.exceptions.SocketIOError as error:
            failure = f"{type(error).__name__}: {error}"[:120]
        except Exception as error:  # the report counts anything else too
            failure = f"{type(error).__name__}: {error}"[:120]
        if failure is not None:
            failures[failure] += 1

    for offset in range(0, len(starters), batch):
        await asyncio.gather(*(one(s) for s in starters[offset : offset + batch]))
        if offset + batch < len(starters):
            log(f"  {what}: {offset + batch}/{len(starters)}")
    return failures


async def stop_all(clients: Sequence[Any], batch: int) -> None:
    """Disconnect every client, ``batch`` at a time, each bounded in time."""

    async def one(client: Any) -> None:
        with suppress(Exception):
            await asyncio.wait_for(client.disconnect(), 5)

    for offset in range(0, len(clients), batch):
        await asyncio.gather(*(one(c) for c in clients[offset : offset + batch]))


# --- phases --------------------------------------------------------------------------------------


def steady_schedule(
    phones: list[Phone], rate: float, duration: float, rng: random.Random
) -> list[tuple[float, Phone]]:
    """Each phone posts every ``1/rate`` seconds from a random phase offset."""
    if rate <= 0 or duration <= 0:
        return []
    interval = 1.0 / rate
    schedule = []
    for phone in phones:
        at = rng.uniform(0, interval)
        while at < duration:
            schedule.append((at, phone))
            at += interval
    schedule.sort(key=lambda item: item[0])
    return schedule


def burst_schedule(
    phones: list[Phone], rate: float, duration: float, rng: random.Random
) -> list[tuple[float, Phone]]:
    """``rate`` posts a second in total, dealt round-robin over the phones in random order."""
    if rate <= 0 or duration <= 0 or not phones:
        return []
    order = list(phones)
    rng.shuffle(order)
    count = int(rate * duration)
    return [(k / rate, order[k % len(order)]) for k in range(count)]


async def run_schedule(
    schedule: list[tuple[float, Phone]],
    recorder: Recorder,
    phase: str,
    ack_timeout: float,
    tasks: set[asyncio.Task[None]],
) -> tuple[float, list[float]]:
    """Send posts at their scheduled times, each in a task added to ``tasks``; return the
    sending time and how late each post went out."""
    lateness: list[float] = []
    start = time.perf_counter()
    for at, phone in schedule:
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lateness.append(max(0.0, time.perf_counter() - start - at))
        # The record exists before this function returns, even if the task has not run yet.
        data, record = phone.prepare_post(recorder, phase)
        task = asyncio.create_task(phone.send_post(data, record, ack_timeout))
        tasks.add(task)
    sending = time.perf_counter() - start
    return sending, lateness


def expected_receivers(
    record: PostRecord, by_table: dict[int, list[Phone]], boards: dict[int, list[Board]]
) -> tuple[set[int], set[int]]:
    """Peers (phones at the table but the sender) and boards that must see a post.

    Clients whose connection dropped are left out; the report counts them separately.
    """
    peers = {
        p.index
        for p in by_table.get(record.table, [])
        if p.index != record.sender and p.joined and not p.dropped
    }
    event_boards = (
        {b.index for b in boards.get(record.event, []) if b.synced and not b.dropped}
        if record.core
        else set()
    )
    return peers, event_boards


def missed(
    record: PostRecord, by_table: dict[int, list[Phone]], boards: dict[int, list[Board]]
) -> tuple[set[int], set[int]]:
    """Expected peers and boards that have not seen a post, neither as a broadcast nor (after
    a restart) in the state they got on rejoining."""
    peers, event_boards = expected_receivers(record, by_table, boards)
    return (
        peers - record.peers.keys() - record.peers_in_state,
        event_boards - record.boards.keys() - record.boards_in_state,
    )


def settled(
    records: list[PostRecord],
    by_table: dict[int, list[Phone]],
    boards: dict[int, list[Board]],
) -> bool:
    """Whether every post has an answer and every expected delivery has arrived."""
    for record in records:
        if record.acked is None and record.error is None:
            return False
        if record.error is None and any(missed(record, by_table, boards)):
            return False
    return True


def everyone_back(by_table: dict[int, list[Phone]], boards: dict[int, list[Board]]) -> bool:
    """With --restart: every phone rejoined with an empty outbox, every board resynced."""
    return all(p.back and not p.outbox for ps in by_table.values() for p in ps) and all(
        b.back for bs in boards.values() for b in bs
    )


async def drain(
    records: list[PostRecord],
    by_table: dict[int, list[Phone]],
    boards: dict[int, list[Board]],
    limit: float,
    restart: bool = False,
) -> float:
    """Wait, at most ``limit`` seconds, for outstanding acks and broadcasts (and, with
    --restart, for every client to be back); return the wait."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if (not restart or everyone_back(by_table, boards)) and settled(records, by_table, boards):
            break
        await asyncio.sleep(0.05)
    return time.perf_counter() - start


@dataclass
class PhaseResult:
    """What one phase measured."""

    name: str
    target_posts_per_s: float
    seconds: float
    posts_sent: int
    posts_acked: int
    posts_per_s: float
    refused: dict[str, int]
    never_acked: int
    never_acked_but_broadcast: int
    lost_after_ack: int
    missing_peer_deliveries: int
    missing_board_deliveries: int
    duplicate_deliveries: int
    own_echo_missing: int
    ack_ms: dict[str, float | None]
    board_ms: dict[str, float | None]
    peer_ms: dict[str, float | None]
    server_cpu_percent: float | None
    #: The server's CPU time over the phase divided by the posts acknowledged ``ok``.
    server_cpu_ms_per_post: float | None
    server_rss_mb_end: float | None
    server_rss_mb_peak: float | None
    bench_cpu_percent: float | None
    other_cpu_percent: float | None
    bench_loop_lag_ms_max: float | None
    bench_gc_pause_ms_max: float
    send_late_ms_p99: float | None
    drain_seconds: float
    #: The server's collections per generation and longest pause (a spawned server only).
    server_gc: dict[str, Any] | None = None
    #: The services' CPU (Server.services) over the phase per post acknowledged ``ok``.
    services_cpu_ms_per_post: float | None = None


def cpu_per_post(start: CpuMark, end: CpuMark, acked: int, which: str = "server") -> float | None:
    """The server's (or ``which``'s) CPU milliseconds between two marks per post
    acknowledged ``ok``: what a post costs, pings and everything else in the window
    included."""
    a: float | None = getattr(start, which)
    b: float | None = getattr(end, which)
    if a is None or b is None or not acked:
        return None
    return round(1000.0 * (b - a) / acked, 3)


def mb(value: int | None) -> float | None:
    """Bytes as MB (10^6), one decimal."""
    return None if value is None else round(value / 1e6, 1)


async def run_phase(
    name: str,
    schedule: list[tuple[float, Phone]],
    target: float,
    planned: float,
    context: Context,
) -> PhaseResult:
    """Run one phase of ``planned`` seconds and measure it."""
    log(f"{name}: {len(schedule)} posts at {target:g}/s for {planned:g} s")
    recorder = context.recorder
    first = len(recorder.posts)
    tasks: set[asyncio.Task[None]] = set()
    # No cyclic garbage collection while measuring: a pass over this process's objects
    # would stall every client at once and show up as server latency. The phase is
    # bounded, so the garbage is too; it is collected between phases.
    gc.disable()
    start_cpu = cpu_mark(context.server_process)
    started_at = time.time()
    try:
        sending, lateness = await run_schedule(
            schedule, recorder, name, context.options.ack_timeout, tasks
        )
        # The window is the planned one; the last post is scheduled a little before its end.
        if sending < planned:
            await asyncio.sleep(planned - sending)
    finally:
        end_cpu = cpu_mark(context.server_process)
        ended_at = time.time()
        gc.enable()
    window = end_cpu.wall - start_cpu.wall
    samples = context.monitor.between(start_cpu.wall, end_cpu.wall)
    end_rss = context.monitor.rss()
    records = list(recorder.posts.values())[first:]
    options = context.options
    limit = options.ack_timeout + 2.0
    if options.restart:
        limit += options.rejoin_timeout + OUTBOX_RETRY_SECONDS
        if context.restart_task is not None:
            await context.restart_task
    waited = await drain(records, context.by_table, context.boards, limit, options.restart)
    # Every send has an ack timeout, so none is left after the drain; this is a safeguard.
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if options.restart:
        # Whoever is not back by now counts as dropped; a post still in an outbox, unacked.
        for phones in context.by_table.values():
            for phone in phones:
                phone.dropped = phone.dropped or not phone.back
        for boards in context.boards.values():
            for board in boards:
                board.dropped = board.dropped or not board.back
        for record in records:
            if record.acked is None and record.error is None:
                record.error = "no_ack"
    gc.collect()

    refused: Counter[str] = Counter()
    ack_latency: list[float] = []
    peer_latency: list[float] = []
    board_latency: list[float] = []
    never_acked = broadcast_anyway = lost_after_ack = 0
    missing_peers = missing_boards = duplicates = no_echo = 0
    for record in records:
        duplicates += record.duplicates
        peer_latency.extend(t - record.sent for t in record.peers.values())
        board_latency.extend(t - record.sent for t in record.boards.values())
        if record.error in ("no_ack", "not_connected"):
            never_acked += 1
            broadcast_anyway += bool(record.peers or record.boards or record.echoed)
            continue
        if record.error is not None:
            refused[record.error] += 1
            continue
        assert record.acked is not None
        ack_latency.append(record.acked - record.sent)
        unseen_peers, unseen_boards = missed(record, context.by_table, context.boards)
        lost_peers = len(unseen_peers)
        lost_boards = len(unseen_boards)
        missing_peers += lost_peers
        missing_boards += lost_boards
        lost_after_ack += bool(lost_peers or lost_boards)
        no_echo += not record.echoed
    acked = len(ack_latency)
    collector = None
    if context.server_log is not None:
        # The line for the phase's last second is written up to a second after it.
        await asyncio.sleep(max(0.0, ended_at + 1.2 - time.time()))
        text = context.server_log.read_text(errors="replace")
        collector = server_gc(text, started_at, ended_at)
    rss_values = [s.server_rss for s in samples if s.server_rss is not None]
    if end_rss is not None:
        rss_values.append(end_rss)
    lag = [s.loop_lag for s in samples]
    late = percentiles(lateness)["p99"]
    return PhaseResult(
        name=name,
        target_posts_per_s=target,
        seconds=round(window, 2),
        posts_sent=len(records),
        posts_acked=acked,
        posts_per_s=round(acked / window, 1) if window > 0 else 0.0,
        refused=dict(refused),
        never_acked=never_acked,
        never_acked_but_broadcast=broadcast_anyway,
        lost_after_ack=lost_after_ack,
        missing_peer_deliveries=missing_peers,
        missing_board_deliveries=missing_boards,
        duplicate_deliveries=duplicates,
        own_echo_missing=no_echo,
        ack_ms=percentiles(ack_latency),
        board_ms=percentiles(board_latency),
        peer_ms=percentiles(peer_latency),
        server_cpu_percent=percent(start_cpu, end_cpu, "server"),
        server_cpu_ms_per_post=cpu_per_post(start_cpu, end_cpu, acked),
        server_rss_mb_end=mb(end_rss),
        server_rss_mb_peak=mb(max(rss_values)) if rss_values else None,
        bench_cpu_percent=percent(start_cpu, end_cpu, "bench"),
        other_cpu_percent=other_cpu(start_cpu, end_cpu),
        bench_loop_lag_ms_max=round(max(lag) * 1000, 1) if lag else None,
        bench_gc_pause_ms_max=round(
            context.monitor.gc_pause_max(start_cpu.wall, end_cpu.wall) * 1000, 1
        ),
        send_late_ms_p99=late,
        drain_seconds=round(waited, 2),
        server_gc=collector,
        services_cpu_ms_per_post=cpu_per_post(start_cpu, end_cpu, acked, "services"),
    )


# --- the restart -------------------------------------------------------------------------------


def listen_overflows() -> int | None:
    """The kernel's count of connections a full listen queue turned away (TcpExt
    ListenOverflows, for the whole machine), when it can be read."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table["ListenOverflows"]) if "ListenOverflows" in table else None
    return None


@dataclass
class Restart:
    """What the restart task saw (``perf_counter`` times)."""

    killed: float
    #: The new server's first answer to ``/healthz``.
    back: float | None
    #: Every phone and board back (or the rejoin timeout).
    settled: float
    cpu_back: CpuMark
    cpu_settled: CpuMark
    lag_ms_max: float | None = None
    #: Connections the kernel turned away because the listen queue was full.
    listen_overflows: int | None = None


async def restart_server(
    server: Server, context: Context, http: aiohttp.ClientSession, pages: list[Page]
) -> Restart:
    """``--restart-at`` seconds from now, SIGKILL the server and start it again on the same
    instance folder and port; wait until it answers, then until every client is back."""
    options = context.options
    await asyncio.sleep(options.restart_at)
    assert server.process is not None and server.log_path is not None
    if context.server_process is not None:
        context.server_process.cpu()  # the killed process's last reading
    log("restart: SIGKILL to the server")
    overflows = listen_overflows()
    killed = time.perf_counter()
    server.process.kill()
    await asyncio.to_thread(server.process.wait, 10)
    port = urlsplit(server.url).port
    assert port is not None
    server.process = (
        start_cafe_run(server.instance, port, server.log_path)
        if options.relay is None
        else start_relay(options.relay, port, server.log_path)
    )
    server.pid = server.process.pid
    if context.server_process is not None:
        context.server_process.replace(server.pid)
    deadline = killed + options.rejoin_timeout
    back = None
    while back is None and time.perf_counter() < deadline:
        if server.process.poll() is not None:
            log(f"restart: the new server exited with status {server.process.returncode}")
            break
        try:
            async with http.get(
                server.url + "/healthz", timeout=aiohttp.ClientTimeout(total=1)
            ) as response:
                if response.status == 200:
                    back = time.perf_counter()
        except (aiohttp.ClientError, TimeoutError):
            pass
        if back is None:
            await asyncio.sleep(0.02)
    cpu_back = cpu_mark(context.server_process)
    if back is not None:
        log(f"restart: server answering {back - killed:.2f} s after the kill")
    while time.perf_counter() < deadline and not all(p.back for p in pages):
        await asyncio.sleep(0.05)
    settled = time.perf_counter()
    cpu_settled = cpu_mark(context.server_process)
    lag = [s.loop_lag for s in context.monitor.between(killed, settled)]
    overflows_after = listen_overflows()
    log(
        f"restart: {sum(p.back for p in pages)}/{len(pages)} clients back"
        f" {settled - killed:.2f} s after the kill"
    )
    return Restart(
        killed=killed,
        back=back,
        settled=settled,
        cpu_back=cpu_back,
        cpu_settled=cpu_settled,
        lag_ms_max=round(max(lag) * 1000, 1) if lag else None,
        listen_overflows=overflows_after - overflows
        if overflows is not None and overflows_after is not None
        else None,
    )


def seconds(values: list[float]) -> dict[str, float | None]:
    """p50/p95/p99/max in seconds (nearest rank), and the sample count."""
    stats = percentiles(values)
    return {k: v if k == "n" or v is None else round(v / 1000, 2) for k, v in stats.items()}


@dataclass
class RestartResult:
    """What a restart cost: rejoin times, and what became of the posts."""

    restart_at: float
    server_down_seconds: float | None
    phones: int
    phones_back: int
    boards: int
    boards_back: int
    #: A phone's ``join`` acknowledged after reconnecting, from the kill and from the
    #: server's first answer.
    rejoin_from_kill_s: dict[str, float | None]
    rejoin_from_back_s: dict[str, float | None]
    #: Each phone's and board's socket connected again (the page says "connected").
    connected_from_back_s: dict[str, float | None]
    board_sync_from_back_s: dict[str, float | None]
    #: Connection attempts per phone (the failed ones hit a server not yet listening).
    attempts_p50: float | None
    attempts_max: int | None
    #: The successful attempt: handshake and namespace connect; then the ``join`` call.
    connect_ms: dict[str, float | None]
    join_ms: dict[str, float | None]
    join_timeouts: int
    failures: dict[str, int]
    #: Phones' ``join`` acknowledgements in each second after the server's first answer.
    rejoins_per_second: list[int]
    server_cpu_percent: float | None
    #: The server's CPU time from its first answer until everybody was back, per client
    #: back (posts resent and written meanwhile included).
    server_cpu_ms_per_client: float | None
    bench_cpu_percent: float | None
    other_cpu_percent: float | None
    bench_loop_lag_ms_max: float | None
    listen_overflows: int | None
    posts_sent: int
    posts_acked: int
    acked_lost: int
    database_duplicates: int
    posts_resent: int
    duplicate_acks: int
    never_acked: int


def stored_client_ids(instance: Path) -> Counter[str]:
    """How many rows the server's database holds per post client id."""
    uri = f"file:{instance / 'cafe.db'}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
        rows = connection.execute(
            "SELECT client_id, COUNT(*) FROM post GROUP BY event_id, client_id"
        )
        counts: Counter[str] = Counter()
        for client_id, n in rows:
            counts[client_id] += n
        return counts


def restart_result(
    restart: Restart,
    options: Options,
    phones: list[Phone],
    boards: list[Board],
    posts: dict[str, PostRecord],
    server: Server,
) -> RestartResult:
    """Tally the restart: per client the reconnection that followed the kill."""

    def trip_after_kill(page: Page) -> Trip | None:
        return next((t for t in page.trips if t.lost_at >= restart.killed - 1.0), None)

    phone_trips = [t for t in (trip_after_kill(p) for p in phones) if t is not None]
    board_trips = [t for t in (trip_after_kill(b) for b in boards) if t is not None]
    ready = [t.ready_at for t in phone_trips if t.ready_at is not None]
    back = restart.back
    from_back = [r - back for r in ready] if back is not None else []
    per_second: list[int] = []
    for offset in from_back:
        second = max(0, int(offset))
        per_second.extend([0] * (second + 1 - len(per_second)))
        per_second[second] += 1
    attempts = sorted(t.attempts for t in phone_trips)
    failures = Counter(t.failure for t in phone_trips + board_trips if t.failure)
    lost_no_trip = sum(trip_after_kill(p) is None for p in phones)
    if lost_no_trip:
        failures["connection never lost"] += lost_no_trip
    # A relay keeps no posts (and is run without any, --rate 0).
    stored = stored_client_ids(server.instance) if options.relay is None else Counter()
    back_count = len(ready) + sum(t.ready_at is not None for t in board_trips)
    herd_cpu = (
        restart.cpu_settled.server - restart.cpu_back.server
        if restart.cpu_settled.server is not None and restart.cpu_back.server is not None
        else None
    )
    records = {k: r for k, r in posts.items() if r.phase == "steady"}
    acked = {k: r for k, r in records.items() if r.acked is not None and r.error is None}
    return RestartResult(
        restart_at=options.restart_at,
        server_down_seconds=round(back - restart.killed, 2) if back is not None else None,
        phones=len(phones),
        phones_back=len(ready),
        boards=len(boards),
        boards_back=sum(t.ready_at is not None for t in board_trips),
        rejoin_from_kill_s=seconds([r - restart.killed for r in ready]),
        rejoin_from_back_s=seconds(from_back),
        connected_from_back_s=seconds(
            [
                t.connected_at - back
                for t in phone_trips + board_trips
                if t.connected_at is not None and back is not None
            ]
        ),
        board_sync_from_back_s=seconds(
            [t.ready_at - back for t in board_trips if t.ready_at is not None and back is not None]
        ),
        attempts_p50=attempts[(len(attempts) - 1) // 2] if attempts else None,
        attempts_max=attempts[-1] if attempts else None,
        connect_ms=percentiles([t.connect_seconds for t in phone_trips if t.connect_seconds]),
        join_ms=percentiles([t.call_seconds for t in phone_trips if t.call_seconds]),
        join_timeouts=sum(t.call_timeouts for t in phone_trips),
        failures=dict(failures),
        rejoins_per_second=per_second,
        server_cpu_percent=percent(restart.cpu_back, restart.cpu_settled, "server"),
        server_cpu_ms_per_client=round(1000 * herd_cpu / back_count, 2)
        if herd_cpu is not None and back_count
        else None,
        bench_cpu_percent=percent(restart.cpu_back, restart.cpu_settled, "bench"),
        other_cpu_percent=other_cpu(restart.cpu_back, restart.cpu_settled),
        bench_loop_lag_ms_max=restart.lag_ms_max,
        listen_overflows=restart.listen_overflows,
        posts_sent=len(records),
        posts_acked=len(acked),
        acked_lost=sum(k not in stored for k in acked),
        database_duplicates=sum(n - 1 for n in stored.values() if n > 1),
        posts_resent=sum(r.sends > 1 for r in records.values()),
        duplicate_acks=sum(r.duplicate_acks for r in records.values()),
        never_acked=sum(r.error == "no_ack" for r in records.values()),
    )


def format_seconds(stats: dict[str, float | None]) -> str:
    """``p50 / p95 / p99 (max, n)`` in seconds."""
    if not stats["n"]:
        return "no samples"
    return (
        f"p50 {stats['p50']} s  p95 {stats['p95']} s  p99 {stats['p99']} s"
        f"  (max {stats['max']} s, n={stats['n']})"
    )


def restart_report(r: RestartResult) -> list[str]:
    """The restart's lines of the report."""
    return [
        "",
        f"[restart] SIGKILL {r.restart_at:g} s into the steady phase;"
        f" the new server answered {r.server_down_seconds} s after the kill",
        f"  back               {r.phones_back}/{r.phones} phones rejoined,"
        f" {r.boards_back}/{r.boards} boards resynced;"
        f" failures {r.failures or 'none'}",
        f"  rejoin from kill   {format_seconds(r.rejoin_from_kill_s)}",
        f"  rejoin from back   {format_seconds(r.rejoin_from_back_s)}",
        f"  connected (back)   {format_seconds(r.connected_from_back_s)}"
        " (phones and boards: the socket connected, the page says so)",
        f"  board sync (back)  {format_seconds(r.board_sync_from_back_s)}",
        f"  rejoins per second {' '.join(str(n) for n in r.rejoins_per_second)}"
        " (join acks in each second after the server answered)",
        f"  attempts per phone p50 {r.attempts_p50}, max {r.attempts_max}",
        f"  connect            {format_latency(r.connect_ms)}"
        " (successful attempt: handshake and namespace connect)",
        f"  join call          {format_latency(r.join_ms)};"
        f" {r.join_timeouts} timed out ({BROWSER_STATE_TIMEOUT:g} s) and were sent again",
        f"  posts (steady)     {r.posts_sent} sent, {r.posts_acked} acknowledged ok,"
        f" {r.acked_lost} acknowledged but not in the database,"
        f" {r.database_duplicates} duplicate rows, {r.never_acked} never acknowledged",
        f"  resends            {r.posts_resent} posts sent more than once,"
        f" {r.duplicate_acks} acknowledged as already stored",
        f"  during the herd    server CPU {r.server_cpu_percent} % of one core"
        f" ({r.server_cpu_ms_per_client} ms per client back),"
        f" bench CPU {r.bench_cpu_percent} %, rest of machine {r.other_cpu_percent} %,"
        f" bench loop lag max {r.bench_loop_lag_ms_max} ms;"
        f" listen queue overflows {r.listen_overflows}",
    ]


# --- the whole run -------------------------------------------------------------------------------


@dataclass
class Context:
    """Everything a phase needs."""

    options: Options
    recorder: Recorder
    monitor: Monitor
    server_process: ServerProcess | None
    by_table: dict[int, list[Phone]]
    boards: dict[int, list[Board]]
    #: With --restart: the task that kills and restarts the server during the steady phase.
    restart_task: asyncio.Task[Restart] | None = None
    #: A spawned server's output (its collector's pauses are read from it).
    server_log: Path | None = None


@dataclass
class RunResult:
    """The whole report."""

    server_url: str
    server_pid: int | None
    async_mode: str
    events: int
    tables: int
    phones_wanted: int
    phones_connected: int
    boards_wanted: int
    boards_connected: int
    hosts: int
    connect_failures: dict[str, int]
    connect_seconds: float
    dropped_phones: int
    dropped_boards: int
    unknown_broadcasts: int
    server_rss_mb_before: float | None
    server_rss_mb_connected: float | None
    server_idle_cpu_percent: float | None
    other_cpu_percent_before: float | None
    fd_limit: int
    phases: list[PhaseResult]
    transports: list[str] = field(default_factory=lambda: ["websocket"])
    restart: RestartResult | None = None
    #: The reference relay measured instead of the app (``--relay``), if any.
    relay: str | None = None
    #: Per worker (one, "server", unless bench/scale.py runs several): phones and boards
    #: sent there, and the client connections it held once everyone had joined.
    routing: dict[str, dict[str, int | None]] = field(default_factory=dict)
    #: Tables whose phones sat on more than one worker.
    split_tables: int = 0
    #: The services whose CPU the phases report apart (Server.services).
    services: list[str] = field(default_factory=list)


def raise_fd_limit(needed: int) -> int:
    """Raise this process's soft open-file limit towards ``needed`` (a spawned server inherits
    it); return the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        log(f"warning: open-file limit {soft} is below the {needed} this run needs")
    return int(soft)


def check_rate_limits(options: Options) -> None:
    """Warn when the planned posting would run into the server's per-phone limit."""
    if options.rate > SERVER_POSTS_PER_SECOND:
        log(f"warning: --rate {options.rate} is above the server's {SERVER_POSTS_PER_SECOND}/s")
    if options.burst:
        per_phone = math.ceil(options.burst_rate * options.burst_duration / options.phones)
        if per_phone > SERVER_POST_BURST:
            log(
                f"warning: the burst needs {per_phone} posts per phone, above the server's"
                f" burst of {SERVER_POST_BURST}: expect rate_limited refusals"
            )


@contextmanager
def server_for(options: Options) -> Iterator[Server]:
    """The server under test: spawned in a temporary folder, or the one at ``--url``."""
    if options.url is not None:
        assert options.instance is not None
        wait_healthy(options.url, None, timeout=10)
        pid = options.pid if options.pid is not None else find_listener_pid(options.url)
        yield Server(url=options.url, instance=options.instance, pid=pid)
        return
    with tempfile.TemporaryDirectory(prefix="cafe-bench-") as tmp:
        if options.relay is not None:
            server = spawn_relay(options.relay, Path(tmp), options.server_log)
        else:
            server = spawn_server(Path(tmp), options.server_log)
        try:
            yield server
        finally:
            stop_server(server)


async def measure(options: Options, server: Server, events: list[EventInfo]) -> RunResult:
    """Connect every client, run the phases, disconnect; return the report."""
    server_process = (
        ServerProcess(server.pid, server.more_pids, list(server.services.values()))
        if server.pid is not None
        else None
    )
    recorder = Recorder()
    monitor = Monitor(server_process)
    rss_before = monitor.rss()
    # Anything else busy on this machine competes with the server and with us.
    quiet_start = cpu_mark(server_process)
    await asyncio.sleep(1.0)
    busy_before = other_cpu(quiet_start, cpu_mark(server_process))
    if busy_before is not None and busy_before > 20:
        log(f"warning: other processes use {busy_before} % of a core: figures will suffer")
    monitor.start()
    routes = server.routes or (Route("server", server.pid, urlsplit(server.url).port),)
    async with AsyncExitStack() as stack:
        # One HTTP session per route (no connection-pool limit): its cookie jar holds that
        # route's cookie, as a browser's holds the one nginx gave it, and nothing else.
        sessions = [await stack.enter_async_context(route_session(server, r)) for r in routes]
        http = sessions[0]
        boards = [
            Board(e.index * options.boards_per_event + k, e, sessions[-1])
            for e in events
            for k in range(options.boards_per_event)
        ]
        phones = []
        for i in range(options.phones):
            table = i // options.phones_per_table
            event = events[table // options.tables_per_event]
            seat = i % options.phones_per_table
            # By seat: every table's phones spread over the workers, its host (seat 0) on
            # the first while the boards are on the last, so with two workers every core
            # idea crosses the queue to its board and half of every post's peers are across.
            route = seat % len(routes)
            phone = Phone(i, event, table % options.tables_per_event, seat, sessions[route])
            phone.route = route
            phones.append(phone)
        for board in boards:
            board.route = len(routes) - 1
            board.listen(recorder)
        for phone in phones:
            phone.listen(recorder)

        started = time.perf_counter()
        url, batch = server.url, options.connect_batch
        timeout = options.connect_timeout + 3 * options.ack_timeout
        # A relay's events come with made-up table ids; the app's are asked for.
        failures = await start_all(
            [partial(learn_tables, url, e, http, options) for e in events if not e.table_ids],
            batch,
            timeout,
            "events",
        )
        log(f"connecting {len(boards)} boards and {len(phones)} phones")
        failures += await start_all(
            [partial(b.start, url, options) for b in boards], batch, timeout, "boards"
        )
        failures += await start_all(
            [partial(p.start, url, options) for p in phones], batch, timeout, "phones"
        )
        connect_seconds = time.perf_counter() - started
        joined = [p for p in phones if p.joined]
        log(
            f"connected {len(joined)}/{len(phones)} phones and "
            f"{sum(b.synced for b in boards)}/{len(boards)} boards in {connect_seconds:.1f} s"
        )
        for failure, count in failures.most_common(5):
            log(f"  {count} × {failure}")
        routing = {
            route.worker: {
                "phones": sum(p.route == n for p in joined),
                "boards": sum(b.route == n and b.synced for b in boards),
                "sockets": worker_sockets(route),
            }
            for n, route in enumerate(routes)
        }
        split_tables = sum(
            len({p.route for p in joined if p.table_id == table}) > 1
            for table in {p.table_id for p in joined}
        )
        # As the server does: what exists now lives to the end, so keep it out of the
        # collector, whose full passes over thousands of clients would stall this loop.
        gc.collect()
        gc.freeze()
        idle_start = cpu_mark(server_process)
        await asyncio.sleep(options.idle)
        idle_end = cpu_mark(server_process)
        rss_connected = monitor.rss()

        by_table: dict[int, list[Phone]] = {}
        for phone in joined:
            assert phone.table_id is not None
            by_table.setdefault(phone.table_id, []).append(phone)
        boards_by_event: dict[int, list[Board]] = {}
        for board in boards:
            boards_by_event.setdefault(board.event.index, []).append(board)
        context = Context(
            options,
            recorder,
            monitor,
            server_process,
            by_table,
            boards_by_event,
            # A relay logs no collector pauses, nor is one worker's log all of several
            # (bench/scale.py): the report says so.
            server_log=server.log_path if options.relay is None and not server.more_pids else None,
        )

        rng = random.Random(options.seed)
        results = []
        retrying: asyncio.Task[None] | None = None
        following: list[Page] = []
        if options.restart and joined:
            following = [*joined, *(b for b in boards if b.synced)]
            backoff_rng = random.Random(options.seed + 1)
            for phone in joined:
                phone.outbox = []
            for page in following:
                page.follow(url, options, backoff_rng)
            retrying = asyncio.create_task(retry_outboxes(joined))
            context.restart_task = asyncio.create_task(
                restart_server(server, context, http, following)
            )
        if joined:
            schedule = steady_schedule(joined, options.rate, options.duration, rng)
            steady_rate = options.rate * len(joined)
            results.append(
                await run_phase("steady", schedule, steady_rate, options.duration, context)
            )
            if options.burst:
                await asyncio.sleep(SETTLE_SECONDS)
                schedule = burst_schedule(joined, options.burst_rate, options.burst_duration, rng)
                results.append(
                    await run_phase(
                        "burst", schedule, options.burst_rate, options.burst_duration, context
                    )
                )
        restart = None
        if context.restart_task is not None:
            restart = restart_result(
                await context.restart_task, options, joined, boards, recorder.posts, server
            )
        await monitor.stop()
        # Counted before our own goodbyes, which fire the same disconnect handlers.
        dropped_phones = sum(p.dropped for p in phones)
        dropped_boards = sum(b.dropped for b in boards)
        if retrying is not None:
            retrying.cancel()
            with suppress(asyncio.CancelledError):
                await retrying
        for page in following:
            await page.stop_following()
        log("disconnecting")
        await stop_all(
            [p.client for p in phones] + [b.client for b in boards], options.connect_batch
        )

    return RunResult(
        server_url=server.url,
        server_pid=server.pid,
        async_mode=server.async_mode(),
        events=len(events),
        tables=sum(e.tables for e in events),
        phones_wanted=len(phones),
        phones_connected=len(joined),
        boards_wanted=len(boards),
        boards_connected=sum(b.synced for b in boards),
        hosts=sum(p.host for p in phones),
        connect_failures=dict(failures),
        connect_seconds=round(connect_seconds, 1),
        dropped_phones=dropped_phones,
        dropped_boards=dropped_boards,
        unknown_broadcasts=recorder.unknown,
        server_rss_mb_before=mb(rss_before),
        server_rss_mb_connected=mb(rss_connected),
        server_idle_cpu_percent=percent(idle_start, idle_end, "server"),
        other_cpu_percent_before=busy_before,
        fd_limit=resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        phases=results,
        transports=list(options.transports),
        restart=restart,
        relay=options.relay,
        routing=routing,
        split_tables=split_tables,
        services=list(server.services),
    )


@asynccontextmanager
async def route_session(server: Server, route: Route) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP session for the clients sent by ``route``: its route cookie and nothing
    more in its jar (nginx sets none on a request that brings one), and the server's CA."""
    ssl_context: ssl.SSLContext | bool = True
    if server.cafile is not None:
        ssl_context = ssl.create_default_context(cafile=str(server.cafile))
    connector = aiohttp.TCPConnector(limit=0, force_close=False, ssl=ssl_context)
    jar: aiohttp.abc.AbstractCookieJar = aiohttp.DummyCookieJar()
    if route.cookie is not None:
        # unsafe: a jar keeps no cookie of an IP address (127.0.0.1) otherwise.
        jar = aiohttp.CookieJar(unsafe=True)
        jar.update_cookies({"cafe_route": route.cookie}, URL(server.url))
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as http:
        yield http


def worker_sockets(route: Route) -> int | None:
    """How many client connections the route's worker holds on its port now (a gevent
    server holds two sockets per websocket, a dup: counted once, by the peer's address)."""
    if route.pid is None or route.port is None:
        return None
    try:
        connections = psutil.Process(route.pid).net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return None
    return len(
        {
            c.raddr
            for c in connections
            if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == route.port
        }
    )


async def retry_outboxes(phones: list[Phone]) -> None:
    """phone.js's timer: every few seconds, flush each outbox that still holds posts."""
    while True:
        await asyncio.sleep(OUTBOX_RETRY_SECONDS)
        for phone in phones:
            if phone.outbox:
                asyncio.create_task(phone.flush())


def format_latency(stats: dict[str, float | None]) -> str:
    """``p50 / p95 / p99 (max, n)`` in ms."""
    if not stats["n"]:
        return "no samples"
    return (
        f"p50 {stats['p50']} ms  p95 {stats['p95']} ms  p99 {stats['p99']} ms"
        f"  (max {stats['max']} ms, n={stats['n']})"
    )


def report(result: RunResult) -> str:
    """The human-readable report."""
    lines = [
        f"server        {result.server_url}  pid {result.server_pid}"
        f"  async mode {result.async_mode}  open-file limit {result.fd_limit}"
        + (f"  (reference relay: {result.relay})" if result.relay else ""),
        f"events        {result.events} events, {result.tables} tables, {result.hosts} hosts",
        f"connected     {result.phones_connected}/{result.phones_wanted} phones,"
        f" {result.boards_connected}/{result.boards_wanted} boards"
        f" in {result.connect_seconds} s",
    ]
    if result.connect_failures:
        failures = ", ".join(f"{n} × {why}" for why, n in result.connect_failures.items())
        lines.append(f"  failures    {failures}")
    lines.append(
        f"other load    {result.other_cpu_percent_before} % of one core used by other"
        " processes before the run"
    )
    lines.append(
        f"dropped       {result.dropped_phones} phones, {result.dropped_boards} boards"
        " (connections lost during the run);"
        f" {result.unknown_broadcasts} broadcasts of posts this run did not send"
    )
    lines.append(
        f"server RSS    {result.server_rss_mb_before} MB before clients,"
        f" {result.server_rss_mb_connected} MB with all connected;"
        f" idle CPU {result.server_idle_cpu_percent} % of one core (pings only)"
    )
    if result.routing:
        workers = "; ".join(
            f"{name}: {sent['phones']} phones, {sent['boards']} boards,"
            f" {sent['sockets']} connections held"
            for name, sent in result.routing.items()
        )
        lines.append(f"workers       {workers}")
        if len(result.routing) > 1:
            lines.append(
                f"              {result.split_tables} of {result.tables} tables with phones"
                " on more than one worker"
            )
    if result.transports != ["websocket"]:
        lines.append(f"transports    {' then '.join(result.transports)} (as a browser)")
    for phase in result.phases:
        lost = phase.never_acked + phase.lost_after_ack
        lines += [
            "",
            f"[{phase.name}] {phase.posts_sent} posts in {phase.seconds} s"
            f" (target {phase.target_posts_per_s:g}/s)",
            f"  posts/s achieved   {phase.posts_per_s} (acknowledged ok)",
            f"  post→ack           {format_latency(phase.ack_ms)}",
            f"  post→board         {format_latency(phase.board_ms)}",
            f"  post→peer phone    {format_latency(phase.peer_ms)}",
            f"  lost posts         {lost}: {phase.never_acked} never acknowledged"
            f" ({phase.never_acked_but_broadcast} of them broadcast anyway),"
            f" {phase.lost_after_ack} acknowledged but missed by"
            f" {phase.missing_peer_deliveries} peer and {phase.missing_board_deliveries}"
            " board deliveries",
            f"  refused            {phase.refused or 'none'}",
            f"  duplicates         {phase.duplicate_deliveries} deliveries;"
            f" own echo missing {phase.own_echo_missing}",
            f"  server             CPU {phase.server_cpu_percent} % of one core,"
            f" RSS {phase.server_rss_mb_end} MB at end, {phase.server_rss_mb_peak} MB peak",
            f"  CPU per post       {phase.server_cpu_ms_per_post} ms of server CPU per post"
            " acknowledged",
            f"  server GC          {format_gc(phase.server_gc)}",
            *(
                [
                    f"  services CPU       {phase.services_cpu_ms_per_post} ms per post"
                    f" ({', '.join(result.services)}, with their child processes)"
                ]
                if result.services
                else []
            ),
            f"  bench client       CPU {phase.bench_cpu_percent} % of one core,"
            f" loop lag max {phase.bench_loop_lag_ms_max} ms,"
            f" GC pause max {phase.bench_gc_pause_ms_max} ms,"
            f" sends late p99 {phase.send_late_ms_p99} ms",
            f"  rest of machine    CPU {phase.other_cpu_percent} % of one core"
            f" (of {100 * (os.cpu_count() or 1)} %)",
            f"  drain              {phase.drain_seconds} s waiting for the last acks/broadcasts",
        ]
    if result.restart is not None:
        lines += restart_report(result.restart)
    return "\n".join(lines)


def client_count(options: Options) -> int:
    """Phones and boards the run connects."""
    return options.phones + options.boards_per_event * math.ceil(
        math.ceil(options.phones / options.phones_per_table) / options.tables_per_event
    )


def prepare(options: Options) -> None:
    """Before any server starts: open-file limit and a look at the posting rate."""
    # One socket per client here; two in a spawned server, which inherits this limit
    # (simple-websocket works on a dup of each accepted socket under gevent).
    raise_fd_limit(2 * client_count(options) + 512)
    check_rate_limits(options)


def run(options: Options) -> RunResult:
    """Set up the server and events, then measure; everything bounded in time."""
    prepare(options)
    with server_for(options) as server:
        return run_on(options, server, isolated=options.url is None)


def run_on(options: Options, server: Server, *, isolated: bool) -> RunResult:
    """Create the events on a server that runs (``isolated``: it keeps everything in its
    instance folder, and ``server.env``), then measure; everything bounded in time."""
    tables = math.ceil(options.phones / options.phones_per_table)
    log(f"server {server.url} (pid {server.pid}, async mode {server.async_mode()})")
    if options.relay is not None:
        events = fake_events(tables, options.tables_per_event)
    else:
        log(f"creating {math.ceil(tables / options.tables_per_event)} events for {tables} tables")
        events = create_events(server, tables, options.tables_per_event, isolated=isolated)
    # Hard bound on the whole measurement: connecting, every phase, drains, goodbyes.
    batches = math.ceil(client_count(options) / options.connect_batch)
    budget = (
        batches * (options.connect_timeout + 3 * options.ack_timeout + 5)
        + options.duration
        + (options.burst_duration if options.burst else 0)
        + 3 * (options.ack_timeout + 2 + SETTLE_SECONDS)
        + options.idle
        + 1
        + batches * 5
        + 60
        + (options.rejoin_timeout + OUTBOX_RETRY_SECONDS + 30 if options.restart else 0)
    )
    return asyncio.run(asyncio.wait_for(measure(options, server, events), budget))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    options = parse_options(argv)
    try:
        result = run(options)
    except (TimeoutError, RuntimeError) as error:
        log(f"error: {error or type(error).__name__}")
        return 1
    print(report(result), flush=True)
    if options.json:
        print(json.dumps(asdict(result), ensure_ascii=False), flush=True)
    return 0 if result.phones_connected else 1


if __name__ == "__main__":
    sys.exit(main())
