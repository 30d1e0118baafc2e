"""Private PostgreSQL, Redis and nginx servers that the tests start themselves.

Each runs from Debian's binaries (``make test`` installs them: scripts/ensure-postgres,
ensure-redis, ensure-nginx) on a free loopback port with its files in a temporary folder,
and is stopped when the test session ends; nothing of a system-wide server is used or
touched. Without the binaries the tests that need one are skipped, unless
``CAFE_REQUIRE_SERVICES=1`` (``make test`` sets it, so that CI cannot silently skip them).

Fixtures (a plugin of tests/conftest.py): ``postgres_server`` and ``postgres_url`` (an
empty database of its own), ``fresh_postgres_database`` (a factory of more), ``redis_url``;
``start_nginx`` starts an nginx around a given site. With ``CAFE_TEST_DATABASE_URL`` the
tests' apps run on that PostgreSQL (:class:`ServerDatabases`), and ``-m database`` selects
the modules :data:`DATABASE_TESTS` names.

Run as ``python -m tests.services postgres -- COMMAND…``, it starts a private PostgreSQL,
runs the command with ``CAFE_TEST_DATABASE_URL`` naming it, and stops the server:
``make test`` runs the database tests a second time on PostgreSQL that way.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

#: ``make test`` sets it: a missing server then fails its tests instead of skipping them.
REQUIRED = os.environ.get("CAFE_REQUIRE_SERVICES") == "1"
#: How long a server may take to answer after it was started.
START_TIMEOUT = 30.0


class ServiceUnavailable(Exception):
    """A server's binaries are missing or it would not start; ``str()`` says which."""


def unavailable(reason: str) -> NoReturn:
    """Skip the test that needs a missing server, or fail it when servers are required."""
    if REQUIRED:
        pytest.fail(f"{reason} (CAFE_REQUIRE_SERVICES=1: `make test` installs it as root)")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(answers: Callable[[], bool], process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until ``answers()`` is true; raise with the server's log if it exits or is slow."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceUnavailable(f"{process.args!r} exited:\n{log.read_text()}")
        if answers():
            return
        time.sleep(0.05)
    process.kill()
    raise ServiceUnavailable(f"{process.args!r} did not answer:\n{log.read_text()}")


def port_answers(port: int) -> bool:
    """Whether something accepts TCP connections on loopback ``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Send ``sig`` and wait for the process to end (killed after 10 s)."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- PostgreSQL --------------------------------------------------------------------------


def postgres_binaries() -> Path | None:
    """The folder of ``initdb`` and ``postgres``: Debian's newest under /usr/lib/postgresql,
    else wherever PATH has them."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def unprivileged_user() -> pwd.struct_passwd | None:
    """Who runs PostgreSQL when the tests run as root (it refuses to run as root): the
    ``postgres`` account Debian's package creates, else ``nobody``. None when not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ServiceUnavailable("running as root, and neither a postgres nor a nobody account")


@dataclass
class PostgresServer:
    """A private PostgreSQL: superuser ``cafe`` (no password, loopback only)."""

    port: int
    folder: Path
    process: subprocess.Popen[bytes]
    names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://cafe@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run ``sql`` outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="cafe", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql.encode())

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"cafe_{os.getpid()}_{next(self.names)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing any connection still open to it."""
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        """Fast shutdown (SIGINT: open connections are closed), then remove its files."""
        stop(self.process, signal.SIGINT)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb a cluster in a temporary folder and start ``postgres`` on a free port.

    Durability is off (fsync, synchronous commit, full-page writes): a crash loses a test
    database, nothing else. As root, both run as an unprivileged account.
    """
    binaries = postgres_binaries()
    if binaries is None or not (binaries / "postgres").exists():
        raise ServiceUnavailable("PostgreSQL (initdb, postgres) is not installed")
    user = unprivileged_user()
    folder = Path(tempfile.mkdtemp(prefix="cafe-postgres-"))
    uid = gid = None
    if user is not None:
        uid, gid = user.pw_uid, user.pw_gid
        os.chown(folder, uid, gid)
    # Popen's user/group drop root in the child before it runs (None: as we are).
    groups: list[int] | None = None if user is None else []
    log = folder / "postgres.log"
    try:
        subprocess.run(
            [
                str(binaries / "initdb"),
                "--pgdata",
                str(folder / "data"),
                "--username",
                "cafe",
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                # C.UTF-8 as a server set up with Debian's defaults in a container has;
                # not C, whose lower() leaves "Ä" alone.
                "--locale",
                "C.UTF-8",
                "--no-sync",
                "--no-instructions",
            ],
            cwd=folder,
            check=True,
            capture_output=True,
            user=uid,
            group=gid,
            extra_groups=groups,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise ServiceUnavailable(f"initdb failed: {error.stderr.decode()}") from error
    port = free_port()
    settings = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(folder),
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        # The suite's apps, two workers and their pools at once.
        "max_connections": "300",
        "logging_collector": "off",
    }
    options = [item for key, value in settings.items() for item in ("-c", f"{key}={value}")]
    with log.open("wb") as out:
        if uid is not None and gid is not None:
            os.chown(log, uid, gid)
        process = subprocess.Popen(
            [str(binaries / "postgres"), "-D", str(folder / "data"), "-p", str(port), *options],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            # Not in the test's process group: a Ctrl+C there must not stop it mid-test.
            start_new_session=True,
            user=uid,
            group=gid,
            extra_groups=groups,
        )
    server = PostgresServer(port=port, folder=folder, process=process)

    def accepts_queries() -> bool:
        try:
            server.execute("SELECT 1")
        except Exception:
            return False
        return True

    try:
        wait_until(accepts_queries, process, log)
    except ServiceUnavailable:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL for the whole session (skipped or failed without binaries)."""
    try:
        server = start_postgres()
    except ServiceUnavailable as missing:
        unavailable(str(missing))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """SQLAlchemy URL of an empty database of its own on the private PostgreSQL, for the
    whole session (tests that need a fresh one each use ``fresh_postgres_database``)."""
    return postgres_server.url(postgres_server.create_database())


@pytest.fixture
def fresh_postgres_database(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """Factory: ``fresh_postgres_database()`` is the URL of a new empty database on the
    private PostgreSQL; each is dropped after the test."""
    made: list[str] = []

    def make() -> str:
        made.append(postgres_server.create_database())
        return postgres_server.url(made[-1])

    yield make
    for name in made:
        postgres_server.drop_database(name)


# --- CAFE_TEST_DATABASE_URL: the suite's apps on a database server ------------------------


class ServerDatabases:
    """Databases for the tests' apps on the PostgreSQL server ``CAFE_TEST_DATABASE_URL``
    names (its user must be allowed to create databases).

    The tests share one database migrated once, emptied after each test (:meth:`wipe`):
    every test starts on a migrated database without rows whose ids start at 1, as on a
    copy of the SQLite template. Copying a template database per test instead costs four
    times as much (0.34 s against 0.08 s on 2 busy cores)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, make_url
        from sqlalchemy.pool import NullPool

        self.url = make_url(url)
        if self.url.get_backend_name() != "postgresql":
            raise ValueError(f"CAFE_TEST_DATABASE_URL must be a PostgreSQL URL, not {url!r}")
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.names = itertools.count()
        self._wipes: dict[str, tuple[Any, str]] = {}

    def execute(self, sql: str) -> None:
        """Run ``sql`` on the server's maintenance database, outside a transaction."""
        from sqlalchemy import text

        with self.engine.connect() as connection:
            connection.execute(text(sql))

    def create(self) -> str:
        """The URL of a new empty database."""
        name = f"cafe_test_{os.getpid()}_{next(self.names)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Drop the database ``url`` names, closing connections still open to it."""
        from sqlalchemy import make_url

        self.execute(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")

    def wipe(self, url: str) -> None:
        """Delete every row of the migrated database ``url`` (the schema's version kept)
        and restart its id sequences, after closing the connections a test left open (a
        socket handler's thread, say), which could hold locks the deletes would wait for."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        if url not in self._wipes:
            engine = create_engine(url, poolclass=NullPool)
            with engine.connect() as connection:
                tables = connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                        " AND tablename <> 'alembic_version'"
                    )
                ).scalars()
                sequences = connection.execute(
                    text(
                        "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()"
                    )
                ).scalars()
                # DELETE, children first: on tables of a few rows far cheaper than TRUNCATE,
                # which makes new files for every table; all in one round trip.
                wipe = (
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid();"
                    + "".join(
                        f'DELETE FROM "{name}";' for name in ordered(connection, list(tables))
                    )
                    + "".join(f'ALTER SEQUENCE "{name}" RESTART;' for name in sequences)
                )
            self._wipes[url] = (engine, wipe)
        engine, wipe = self._wipes[url]
        with engine.begin() as connection:
            connection.exec_driver_sql(wipe)

    def dispose(self) -> None:
        """Close the engines kept for :meth:`wipe`."""
        for engine, _ in self._wipes.values():
            engine.dispose()
        self.engine.dispose()


def ordered(connection: Any, tables: list[str]) -> list[str]:
    """``tables`` in an order that deletes every referencing row before the row it
    references (children first), from the database's own foreign keys."""
    from sqlalchemy import text

    references = connection.execute(
        text(
            "SELECT cl.relname, ref.relname FROM pg_constraint c"
            " JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class ref ON ref.oid = c.confrelid"
            " WHERE c.contype = 'f' AND cl.relname <> ref.relname"
        )
    ).all()
    parents: dict[str, set[str]] = {name: set() for name in tables}
    for child, parent in references:
        if child in parents and parent in parents:
            parents[child].add(parent)
    order: list[str] = []
    # Children first: a table goes once no table still to go references it.
    remaining = set(tables)
    while remaining:
        leaves = sorted(
            name for name in remaining if not any(name in parents[o] for o in remaining)
        )
        if not leaves:  # a cycle of foreign keys: DELETE cannot order it, nor need we
            leaves = sorted(remaining)
        order.extend(leaves)
        remaining -= set(leaves)
    return order


_server_databases: list[ServerDatabases] = []


def server_databases() -> ServerDatabases | None:
    """The test database server ``CAFE_TEST_DATABASE_URL`` names, or None (SQLite files)."""
    url = os.environ.get("CAFE_TEST_DATABASE_URL")
    if not url:
        return None
    if not _server_databases:
        _server_databases.append(ServerDatabases(url))
    return _server_databases[0]


#: The database tests: the modules whose tests ``make test`` runs a second time on PostgreSQL
#: (``pytest -m database`` with ``CAFE_TEST_DATABASE_URL``). What the database does there
#: differently matters to them: the post path's guarded insert, migrations, the gathering's
#: keys, revisions and undo, moderation, hosts, tips, feedback, votes, retention, audit
#: rows. Pages, PDF rendering, presence and the real-server tests (which use their own
#: SQLite) gain little there for the time it costs (``make test`` must stay under 15 min).
DATABASE_TESTS = frozenset(
    {
        "test_migrations",
        "test_post_facts",
        "test_retention",
        "test_audit",
        "test_gathering_socket",
        "test_gathering_undo",
        "test_phone_socket",
        "test_facilitator_socket",
        "test_host_release",
        "test_rejoin_state",
        "test_topic_tips",
        "test_feedback_socket",
        "test_workshop_events",
        "test_voting_socket",
        "test_vote_path",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test of the :data:`DATABASE_TESTS` modules (in tests/ itself: the
    browser tests' modules may have the same names) ``database``."""
    for item in items:
        if item.path.stem in DATABASE_TESTS and item.path.parent.name == "tests":
            item.add_marker(pytest.mark.database)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under ``-m database`` exactly, leave the other modules and the test folders
    (browser, domain) unimported: none of their tests could run, and importing them all
    costs 5 s."""
    if config.getoption("markexpr") != "database":
        return None
    if collection_path.is_dir():
        return collection_path.parent.name == "tests" or None
    if collection_path.name.startswith("test_") and collection_path.suffix == ".py":
        return collection_path.stem not in DATABASE_TESTS or None
    return None


# --- Redis ------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A private Redis with no persistence."""

    port: int
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """Its URL for ``CAFE_MESSAGE_QUEUE``."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Stop it and remove its folder."""
        stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_redis() -> RedisServer:
    """``redis-server`` on a free loopback port, nothing saved to disk."""
    binary = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/sbin")
    if binary is None:
        raise ServiceUnavailable("redis-server is not installed")
    folder = Path(tempfile.mkdtemp(prefix="cafe-redis-"))
    port = free_port()
    log = folder / "redis.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                binary,
                *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)),
                *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def pongs() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    try:
        wait_until(pongs, process, log)
    except ServiceUnavailable:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return RedisServer(port=port, folder=folder, process=process)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A private Redis for the whole session (skipped or failed without redis-server)."""
    try:
        server = start_redis()
    except ServiceUnavailable as missing:
        unavailable(str(missing))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    """URL of the private Redis, for ``CAFE_MESSAGE_QUEUE``."""
    return redis_server.url


# --- nginx ------------------------------------------------------------------------------


@dataclass
class NginxServer:
    """A private nginx: ``nginx.conf`` and everything it writes in ``folder``."""

    folder: Path
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        """Stop it (SIGQUIT: graceful) and remove its folder."""
        stop(self.process, signal.SIGQUIT)
        shutil.rmtree(self.folder, ignore_errors=True)


def nginx_binary() -> str | None:
    """Where nginx is (Debian puts it in /usr/sbin, which a user's PATH may lack)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def start_nginx(
    http: str, ports: list[int], files: dict[str, str | bytes], *, connections: int = 1024
) -> NginxServer:
    """Start nginx with ``http`` as its ``http {}`` block, once every port in ``ports``
    accepts connections. ``files`` are written next to ``nginx.conf`` first (an included
    site, a certificate); the block names them relative to that folder. ``connections``:
    its worker's ``worker_connections`` (a proxied websocket takes two; bench/scale.py
    passes hundreds of clients)."""
    binary = nginx_binary()
    if binary is None:
        raise ServiceUnavailable("nginx is not installed")
    folder = Path(tempfile.mkdtemp(prefix="cafe-nginx-"))
    # Started as root, nginx's workers run as nobody and keep request bodies in temporary
    # folders nginx makes here for them; what it reads itself (the configuration, the key)
    # stays the owner's alone.
    folder.chmod(0o755)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        path.chmod(0o600)
    temporary = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""# Written by tests/services.py: the test's own nginx, everything in this folder.
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections {connections}; }}
http {{
    access_log off;
{temporary}
{http}
}}
"""
    )
    log = folder / "error.log"
    log.touch()
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(log)]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(lambda: all(port_answers(port) for port in ports), process, log)
    except ServiceUnavailable:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return NginxServer(folder=folder, process=process)


# --- `python -m tests.services postgres -- COMMAND…` ------------------------------------


def main(argv: list[str]) -> int:
    """Run a command with ``CAFE_TEST_DATABASE_URL`` naming a private PostgreSQL."""
    if len(argv) < 3 or argv[0] != "postgres" or argv[1] != "--":
        print("usage: python -m tests.services postgres -- COMMAND…", file=sys.stderr)
        return 2
    try:
        server = start_postgres()
    except ServiceUnavailable as missing:
        if REQUIRED:
            print(f"error: {missing}", file=sys.stderr)
            return 1
        print(f"skipped, {missing}: {' '.join(argv[2:])}", file=sys.stderr)
        return 0
    try:
        env = dict(os.environ, CAFE_TEST_DATABASE_URL=server.url("postgres"))
        return subprocess.run(argv[2:], env=env).returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
