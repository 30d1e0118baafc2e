"""One worker against two: the same load (bench/load.py) on one ``cafe run`` and on two.

Issue 13 asks what a second worker costs and gains. This script starts a private
PostgreSQL and Redis (tests/services.py: Debian's binaries, temporary folders, free
loopback ports) and runs bench/load.py's measurement twice, each time on a new database:

- **one**: a single ``cafe run`` on PostgreSQL, no queue; the clients connect to it
  straight;
- **two**: two ``cafe run`` workers on the same PostgreSQL with Redis as their queue
  (``CAFE_MESSAGE_QUEUE``, a shared ``CAFE_SECRET_KEY``), behind nginx with the documented
  site (deploy/nginx/cafe.conf, rendered as tests/test_scale_out.py does: TLS with a
  self-signed certificate, sticky sessions by the ``cafe_route`` cookie).

In **two**, each client carries a route cookie, as a browser carries the one nginx gave it:
the phones of every table are dealt over both workers by seat, the host (seat 0) on worker
A and every board on worker B, so every core idea crosses Redis to its board and about half
of every post's peers are on the other worker. Which cookie reaches which worker is asked of
nginx first, and the report counts the connections each worker holds once everyone joined.

Printed for each: bench/load.py's report (CPU per post is the sum over the workers'
processes; PostgreSQL's, Redis's and nginx's CPU per post on a line of their own), then
a table of the two side by side, with the machine's load average before and after.

Usage, from the repository root (``make test`` installs the servers; the options are
bench/load.py's, less those that choose its server)::

    .venv/bin/python -m bench.scale --phones 500 --duration 20
    .venv/bin/python -m bench.scale --setups two --phones 20 --rate 1 --duration 2 --json
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.load import (
    Options,
    Route,
    RunResult,
    Server,
    client_count,
    log,
    parse_options,
    prepare,
    report,
    run_on,
)
from tests.conftest import LiveServer, start_server
from tests.scaleout import rendered_site, self_signed, stopped, worker_of
from tests.services import (
    PostgresServer,
    RedisServer,
    ServiceUnavailable,
    free_port,
    nginx_binary,
    start_nginx,
    start_postgres,
    start_redis,
)

SETUPS = ("one", "two")
#: Route cookies tried until nginx has sent one to each worker (a consistent hash of the
#: value: two workers need a handful of tries).
ROUTE_CANDIDATES = 64


@dataclass
class SetupResult:
    """One setup's run and the machine's load average around it."""

    setup: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    result: RunResult


def parse(argv: Sequence[str] | None) -> tuple[tuple[str, ...], Options]:
    """This script's ``--setups``, and bench/load.py's options for the rest."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description="The same load on one cafe worker and on two behind nginx with Redis;"
        " every other option is bench/load.py's (--help there).",
    )
    parser.add_argument(
        "--setups",
        default=",".join(SETUPS),
        help="which to run, in order: one, two or one,two (default)",
    )
    own, rest = parser.parse_known_args(argv)
    setups = tuple(name.strip() for name in own.setups.split(",") if name.strip())
    if not setups or any(name not in SETUPS for name in setups):
        parser.error("--setups takes one, two or one,two")
    # Its server is ours to start: none of load.py's ways of choosing one.
    for refused in ("--url", "--relay", "--restart", "--pid", "--instance", "--server-log"):
        if any(arg == refused or arg.startswith(refused + "=") for arg in rest):
            parser.error(f"{refused} does not go with bench/scale.py: it starts its own servers")
    return setups, parse_options(rest)


def worker_env(postgres: PostgresServer, queue: str | None) -> dict[str, str]:
    """The workers' configuration: a new database of their own, the shared secret key and,
    for several workers, the queue and the proxy in front."""
    env = {
        "CAFE_DATABASE_URL": postgres.url(postgres.create_database()),
        "CAFE_SECRET_KEY": secrets.token_hex(32),
    }
    if queue is None:
        # As bench/load.py's own server: the report reads the collector's pauses from the
        # log (of one worker only, so not with two).
        env["CAFE_GC_LOG"] = "1"
    else:
        env |= {"CAFE_MESSAGE_QUEUE": queue, "CAFE_PROXY_HOPS": "1"}
    return env


def as_server(
    url: str,
    workers: dict[str, LiveServer],
    env: dict[str, str],
    services: dict[str, int],
    routes: tuple[Route, ...] = (),
    cafile: Path | None = None,
) -> Server:
    """bench/load.py's view of the workers: the first is "the" server, the others' CPU and
    memory are added to its."""
    first, *others = workers.values()
    return Server(
        url=url,
        instance=first.instance,
        pid=first.process.pid,
        log_path=first.instance / "server.log",
        routes=routes,
        more_pids=tuple(w.process.pid for w in others),
        cafile=cafile,
        env=env,
        services=services,
    )


def port_of(worker: LiveServer) -> int:
    """The loopback port a worker listens on."""
    port = urlsplit(worker.url).port
    assert port is not None
    return port


@contextmanager
def one_worker(folder: Path, postgres: PostgresServer) -> Iterator[Server]:
    """A single ``cafe run`` on a new database, no queue, reached straight."""
    env = worker_env(postgres, None)
    worker = start_server(folder / "A", "--no-sample", env=env)
    try:
        yield as_server(
            worker.url,
            {"A": worker},
            env,
            {"PostgreSQL": postgres.process.pid},
            routes=(Route("A", worker.process.pid, port_of(worker)),),
        )
    finally:
        stopped(worker)


@contextmanager
def two_workers(
    folder: Path, postgres: PostgresServer, redis: RedisServer, options: Options
) -> Iterator[Server]:
    """Workers A and B (one after the other: A migrates the new database) with the queue,
    behind the documented nginx site; a route cookie found for each."""
    if nginx_binary() is None:
        raise ServiceUnavailable("nginx is not installed")
    env = worker_env(postgres, redis.url)
    workers: dict[str, LiveServer] = {}
    with ExitStack() as stack:
        for name in ("A", "B"):
            workers[name] = start_server(folder / name, "--no-sample", env=env)
            stack.callback(stopped, workers[name])
        certificate, key = self_signed(folder)
        https, http = free_port(), free_port()
        nginx = start_nginx(
            "include site.conf;",
            [https, http],
            {
                "site.conf": rendered_site(https, http, list(workers.values())),
                "cert.pem": certificate,
                "key.pem": key,
            },
            # Two per client (its own and the upstream one), and room for the rest.
            connections=2 * client_count(options) + 512,
        )
        stack.callback(nginx.stop)
        url = f"https://127.0.0.1:{https}"
        cookies: dict[str, str] = {}
        for candidate in (f"route-{n}" for n in range(ROUTE_CANDIDATES)):
            cookies.setdefault(worker_of(url, folder / "cert.pem", candidate, workers), candidate)
            if len(cookies) == len(workers):
                break
        if len(cookies) < len(workers):
            raise RuntimeError("nginx sent no route cookie tried to some worker")
        routes = tuple(
            Route(name, worker.process.pid, port_of(worker), cookies[name])
            for name, worker in workers.items()
        )
        yield as_server(
            url,
            workers,
            env,
            {
                "PostgreSQL": postgres.process.pid,
                "Redis": redis.process.pid,
                "nginx": nginx.process.pid,
            },
            routes=routes,
            cafile=folder / "cert.pem",
        )


def load_average() -> tuple[float, float, float]:
    """The machine's 1, 5 and 15 minute load averages (as ``uptime`` prints them)."""
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def run_setups(
    setups: Sequence[str], options: Options, postgres: PostgresServer, redis: RedisServer | None
) -> list[SetupResult]:
    """Run each setup on a new database of ``postgres`` (two workers: with ``redis``)."""
    prepare(options)
    results = []
    with tempfile.TemporaryDirectory(prefix="cafe-scale-") as tmp:
        for setup in setups:
            folder = Path(tmp) / setup
            folder.mkdir()
            if setup == "one":
                cluster = one_worker(folder, postgres)
            else:
                assert redis is not None
                cluster = two_workers(folder, postgres, redis, options)
            with cluster as server:
                before = load_average()
                log(f"[{setup}] load average before: {before}")
                result = run_on(options, server, isolated=True)
                after = load_average()
                log(f"[{setup}] load average after: {after}")
            results.append(SetupResult(setup, before, after, result))
    return results


def latency(stats: dict[str, float | None]) -> str:
    """``p50 / p95 / p99`` in ms, or a dash."""
    if not stats.get("n"):
        return "–"
    return f"{stats['p50']} / {stats['p95']} / {stats['p99']}"


SETUP_NAMES = {
    "one": "one worker",
    "two": "two workers + Redis + nginx",
}


def comparison(results: Sequence[SetupResult]) -> str:
    """The setups side by side, phase by phase."""
    lines = ["", "=== one worker vs two ==="]
    for entry in results:
        r = entry.result
        workers = ", ".join(
            f"{name} {sent['phones']} phones/{sent['boards']} boards/{sent['sockets']} held"
            for name, sent in r.routing.items()
        )
        lines.append(
            f"{SETUP_NAMES[entry.setup]}: {r.phones_connected}/{r.phones_wanted} phones,"
            f" {r.boards_connected} boards; {workers}"
            + (f"; {r.split_tables}/{r.tables} tables split" if len(r.routing) > 1 else "")
            + f"; load average {entry.load_before[0]} before, {entry.load_after[0]} after"
        )
    header = (
        f"{'':34} {'posts/s':>8} {'CPU/post ms':>11} {'services ms':>11}"
        f" {'post→board p50/p95/p99 ms':>27} {'post→peer p50/p95/p99 ms':>26} {'lost':>5}"
    )
    lines.append(header)
    for entry in results:
        for phase in entry.result.phases:
            lost = phase.never_acked + phase.lost_after_ack
            lines.append(
                f"{SETUP_NAMES[entry.setup] + ' [' + phase.name + ']':34}"
                f" {phase.posts_per_s:>8} {phase.server_cpu_ms_per_post!s:>11}"
                f" {phase.services_cpu_ms_per_post!s:>11}"
                f" {latency(phase.board_ms):>27} {latency(phase.peer_ms):>26} {lost:>5}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    setups, options = parse(argv)
    started = time.perf_counter()
    try:
        with ExitStack() as stack:
            postgres = start_postgres()
            stack.callback(postgres.stop)
            redis: RedisServer | None = None
            if "two" in setups:
                redis = start_redis()
                stack.callback(redis.stop)
            results = run_setups(setups, options, postgres, redis)
    except (TimeoutError, RuntimeError, ServiceUnavailable) as error:
        log(f"error: {error or type(error).__name__}")
        return 1
    for entry in results:
        print(f"=== {SETUP_NAMES[entry.setup]} ===", flush=True)
        print(report(entry.result), flush=True)
        print(flush=True)
    print(comparison(results), flush=True)
    log(f"done in {time.perf_counter() - started:.0f} s")
    if options.json:
        payload: dict[str, Any] = {
            entry.setup: {
                "load_before": entry.load_before,
                "load_after": entry.load_after,
                **asdict(entry.result),
            }
            for entry in results
        }
        print(json.dumps(payload, ensure_ascii=False), flush=True)
    return 0 if all(entry.result.phones_connected for entry in results) else 1


if __name__ == "__main__":
    sys.exit(main())
