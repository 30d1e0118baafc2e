"""What docs/deploy.md promises a sysadmin: ``/healthz`` names a database or queue that
does not answer, ``cafe backup`` makes a consistent copy while the server writes (SQLite
and PostgreSQL) and the copy restores, the systemd unit is sound and starts a worker with
the example environment file, and every ``CAFE_*`` variable the code reads is documented."""

from __future__ import annotations

import ast
import configparser
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from cafe import create_app
from cafe.config import ENVIRONMENT
from tests.conftest import ROOT, app_config, free_port, server_env, start_server
from tests.services import ServiceUnavailable, start_redis, unavailable

CAFE = str(Path(sys.executable).parent / "cafe")
UNIT = ROOT / "deploy" / "systemd" / "cafe@.service"
ENV_EXAMPLE = ROOT / "deploy" / "cafe.env.example"
README = ROOT / "README.md"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
#: Where the unit and the doc say the checkout lives on the server.
INSTALLED_AT = "/opt/cafe"


def as_installed_here(text: str) -> str:
    """``text`` of the unit with the server's paths made this checkout's and its venv's."""
    venv = Path(sys.executable).parent.parent
    return text.replace(f"{INSTALLED_AT}/.venv", str(venv)).replace(INSTALLED_AT, str(ROOT))


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def health(app: Flask) -> tuple[int, dict[str, str]]:
    """``GET /healthz``'s status and JSON body."""
    response = app.test_client().get("/healthz")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert isinstance(body, dict)
    return response.status_code, body


# --- /healthz --------------------------------------------------------------------------


def test_health_is_ok_when_the_database_answers_and_no_queue_is_set(app: Flask) -> None:
    assert health(app) == (200, {"status": "ok", "database": "ok", "queue": "off"})


def _remove(path: Path) -> None:
    path.unlink()


def _garble(path: Path) -> None:
    # Not a database: what a disk error or a wrong copy leaves.
    path.write_bytes(b"this is not a database\n" * 400)


def _unreadable_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()  # a folder where the file was: nothing can open it as a database


@pytest.mark.parametrize("damage", [_remove, _garble, _unreadable_folder])
def test_health_is_503_naming_the_database_when_its_file_is_gone_or_broken(
    sqlite_app: Callable[..., Flask], damage: Callable[[Path], None], tmp_path: Path
) -> None:
    app = sqlite_app()
    from cafe.extensions import db

    with app.app_context():
        db.engine.dispose()  # the WAL folded in, nothing open: only the file counts
    path = tmp_path / "cafe0.db"
    assert health(app)[0] == 200
    for leftover in (tmp_path / "cafe0.db-wal", tmp_path / "cafe0.db-shm"):
        leftover.unlink(missing_ok=True)
    damage(path)

    assert health(app) == (503, {"status": "failing", "database": "failing", "queue": "off"})
    if damage is _remove:
        assert not path.exists(), "the probe created an empty database in its place"


def test_health_is_503_when_the_database_folder_does_not_exist(tmp_path: Path) -> None:
    app = create_app(app_config(tmp_path / "missing" / "cafe.db"))

    assert health(app) == (503, {"status": "failing", "database": "failing", "queue": "off"})
    assert not (tmp_path / "missing").exists()


def test_health_is_503_naming_the_queue_when_it_cannot_be_reached(
    sqlite_app: Callable[..., Flask],
) -> None:
    url = f"redis://:hunter2@127.0.0.1:{closed_port()}/0"
    app = sqlite_app(CAFE_MESSAGE_QUEUE=url)

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "failing", "database": "ok", "queue": "failing"}
    # Neither the queue's address nor its password is told to whoever asks.
    assert b"hunter2" not in response.data and b"127.0.0.1" not in response.data


def test_health_follows_the_queue_going_down_and_coming_back(
    sqlite_app: Callable[..., Flask],
) -> None:
    try:
        redis = start_redis()
    except ServiceUnavailable as missing:
        unavailable(str(missing))
    try:
        app = sqlite_app(CAFE_MESSAGE_QUEUE=redis.url)
        assert health(app) == (200, {"status": "ok", "database": "ok", "queue": "ok"})

        redis.process.terminate()
        redis.process.wait(timeout=10)
        assert health(app) == (503, {"status": "failing", "database": "ok", "queue": "failing"})
    finally:
        redis.stop()


@pytest.mark.server
def test_a_serving_worker_reports_its_database_file_removed(tmp_path: Path) -> None:
    server = start_server(tmp_path / "instance", "--no-sample")
    try:
        answer = requests.get(server.url + "/healthz", timeout=10)
        assert (answer.status_code, answer.json()) == (
            200,
            {"status": "ok", "database": "ok", "queue": "off"},
        )
        database = tmp_path / "instance" / "cafe.db"
        database.rename(tmp_path / "moved.db")

        answer = requests.get(server.url + "/healthz", timeout=10)
        assert (answer.status_code, answer.json()["database"]) == (503, "failing")

        (tmp_path / "moved.db").rename(database)
        assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
        assert "the database does not answer" in (tmp_path / "instance" / "server.log").read_text()
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)


# --- cafe backup: SQLite ---------------------------------------------------------------


def cafe(
    instance: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``cafe`` command on the instance folder ``instance``."""
    return subprocess.run(
        [CAFE, *args],
        env=server_env(instance) | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
    )


def migrated_instance(folder: Path, migrated_database: Path | str) -> Path:
    """An instance folder whose SQLite database is migrated (whatever the suite runs on)."""
    folder.mkdir()
    if isinstance(migrated_database, Path):
        shutil.copyfile(migrated_database, folder / "cafe.db")
    else:
        from cafe.database import upgrade_database
        from cafe.extensions import db

        app = create_app(app_config(folder / "cafe.db"))
        with app.app_context():
            upgrade_database()
            db.engine.dispose()
    return folder


#: A process that writes as the server does (the app's own operations, WAL, one commit
#: per event with its tables) until killed; prints the number of events made.
WRITER = """
from cafe import create_app
from cafe.domain.plan import plan_from_mapping
from cafe.facilitator.operations import create_event
app = create_app()
with app.app_context():
    for n in range(100000):
        create_event(plan_from_mapping({"topic": f"Kirjoittaja {n}", "date": "2026-12-02",
                                         "tables": 7}))
        print(n + 1, flush=True)
"""


def event_counts(path: Path) -> tuple[int, list[int]]:
    """The events in the SQLite file ``path`` and each one's number of tables."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        events = connection.execute("SELECT count(*) FROM cafe_event").fetchone()[0]
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT count(t.id) FROM cafe_event e LEFT JOIN event_table t "
                "ON t.event_id = e.id GROUP BY e.id"
            )
        ]
    connection.close()
    return int(events), tables


def is_clean_copy(path: Path) -> bool:
    """Whether ``path`` is a whole SQLite database on its own: intact, not in WAL mode."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        intact: bool = connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        journal: str = connection.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()
    return intact and journal == "delete"


@pytest.mark.server
def test_sqlite_backups_taken_while_the_app_writes_are_consistent_and_restore(
    tmp_path: Path, migrated_database: Path | str
) -> None:
    from sqlalchemy import make_url

    from cafe.backup import backup_database

    instance = migrated_instance(tmp_path / "instance", migrated_database)
    errors = (tmp_path / "writer.log").open("w")  # a log line per event: not a pipe to fill
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER],
        env=server_env(instance),
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    backups: list[tuple[int, list[int]]] = []
    try:
        assert writer.stdout is not None
        assert int(writer.stdout.readline()) == 1  # under way before the first backup
        for number in range(3):
            target = tmp_path / f"backup{number}.db"
            written = backup_database(make_url(f"sqlite:///{instance / 'cafe.db'}"), target)
            assert (written.path, written.method) == (target, "sqlite")
            assert written.size == target.stat().st_size
            assert target.stat().st_mode & 0o777 == 0o600  # raw posts: its owner's only
            assert is_clean_copy(target)
            backups.append(event_counts(target))
            time.sleep(0.3)  # let the writer add events between the copies
        still_writing = writer.poll() is None
    finally:
        writer.kill()
        writer.wait()
        errors.close()
    assert still_writing, (tmp_path / "writer.log").read_text()
    counts = [events for events, _ in backups]
    # Each copy is one moment: every event whole (its 7 tables), and the moments advance.
    assert all(tables == [7] * events for events, tables in backups)
    assert counts == sorted(counts) and counts[-1] > counts[0] >= 1
    assert not list(tmp_path.glob(".*partial"))

    # Restoring is copying the file back while the server is stopped.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(tmp_path / "backup2.db", restored / "cafe.db")
    listed = cafe(restored, "event", "list")
    assert listed.stdout.count("Join code:") == counts[-1]


def test_backup_refuses_to_replace_a_file_without_force(
    tmp_path: Path, migrated_database: Path | str
) -> None:
    instance = migrated_instance(tmp_path / "instance", migrated_database)
    target = tmp_path / "backup.db"
    target.write_bytes(b"last week's backup")

    refused = cafe(instance, "backup", str(target))
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"error: {target} exists: add --force to replace it."
    assert target.read_bytes() == b"last week's backup"

    forced = cafe(instance, "backup", "--force", str(target))
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == f"wrote {target} ({target.stat().st_size} bytes, sqlite)"
    assert is_clean_copy(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "instance"]


def test_backup_of_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    target = tmp_path / "backup.db"

    result = cafe(instance, "backup", str(target))

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: there is no database at {instance / 'cafe.db'}: nothing to back up."
    )
    assert not target.exists() and not (instance / "cafe.db").exists()
    assert not list(tmp_path.glob(".*partial"))


# --- cafe backup: PostgreSQL -----------------------------------------------------------


def test_backup_without_pg_dump_names_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import make_url

    from cafe.backup import BackupError, backup_database

    # Only the venv's programs on PATH: pg_dump is nowhere to be found.
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))
    url = make_url("postgresql+psycopg://cafe@127.0.0.1:5432/cafe")

    with pytest.raises(BackupError) as refused:
        backup_database(url, tmp_path / "cafe.dump")

    assert str(refused.value) == (
        "pg_dump is not installed: install PostgreSQL's client programs of the "
        "server's major version or newer (Debian: apt install postgresql-client)."
    )
    assert list(tmp_path.iterdir()) == []


def postgres_counts(url: str) -> dict[str, int]:
    """Rows of the tables a restore must bring back."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: int(connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in ("user", "cafe_event", "event_table", "alembic_version")
            }
    finally:
        engine.dispose()


def test_postgres_backup_is_a_pg_dump_that_pg_restore_restores(
    tmp_path: Path, fresh_postgres_database: Callable[[], str], postgres_server: Any
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        unavailable("pg_dump and pg_restore (Debian's postgresql-client) are not installed")
    from sqlalchemy import make_url

    from cafe.database import upgrade_database
    from cafe.domain.plan import plan_from_mapping
    from cafe.extensions import db
    from cafe.facilitator.operations import create_event

    # The example environment file's form: the server's socket folder as ?host=.
    source = (
        make_url(fresh_postgres_database())
        .set(host=None, query={"host": str(postgres_server.folder)})
        .render_as_string(hide_password=False)
    )
    app = create_app(app_config(source))
    with app.app_context():
        upgrade_database()
        create_event(plan_from_mapping({"topic": "Varmuuskopio", "date": "2026-12-02"}))
        db.engine.dispose()
    target = tmp_path / "cafe.dump"

    result = cafe(tmp_path / "instance", "backup", str(target), env={"CAFE_DATABASE_URL": source})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {target} ({target.stat().st_size} bytes, pg_dump)"
    assert target.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert target.stat().st_mode & 0o777 == 0o600
    restored = fresh_postgres_database()
    dbname = make_url(restored).set(drivername="postgresql").render_as_string(False)
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={dbname}", str(target)],
        check=True,
        capture_output=True,
    )
    assert postgres_counts(restored) == postgres_counts(source)
    assert postgres_counts(restored)["cafe_event"] == 1


# --- systemd unit and environment file -------------------------------------------------


def unit() -> configparser.ConfigParser:
    """The unit file as configparser reads it (strict: a key given twice, which systemd
    would add up and configparser not, is an error)."""
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def test_the_unit_runs_one_unprivileged_restarting_worker_per_port() -> None:
    service = unit()["Service"]

    assert service["User"] not in ("", "root", "0")
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/cafe/cafe.env"
    assert service["ExecStart"] == (
        f"{INSTALLED_AT}/.venv/bin/cafe run --host 127.0.0.1 --port %i --no-sample"
    )
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert "CAFE_INSTANCE_PATH=/var/lib/cafe" in service["Environment"].split()
    assert service["StateDirectory"] == "cafe"  # /var/lib/cafe, writable under strict
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # The unit as installed from this checkout (verify checks that ExecStart exists).
    (tmp_path / UNIT.name).write_text(as_installed_here(UNIT.read_text()))

    result = subprocess.run(
        [analyze, "verify", str(tmp_path / "cafe@5001.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def environment_file(path: Path) -> dict[str, str]:
    """The assignments systemd's EnvironmentFile= takes from ``path`` (comments skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and key.isidentifier(), line
            values[key] = value
    return values


@pytest.mark.server
def test_the_units_command_serves_with_the_example_environment(tmp_path: Path) -> None:
    settings = environment_file(ENV_EXAMPLE)
    # What needs the machine's PostgreSQL and Redis is left out; the rest as shipped.
    del settings["CAFE_DATABASE_URL"], settings["CAFE_MESSAGE_QUEUE"]
    service = unit()["Service"]
    # The unit's own settings, its folders under /var moved into tmp_path.
    environment = {
        key: value.replace("/var/", f"{tmp_path}/var/")
        for key, value in (item.split("=", 1) for item in service["Environment"].split())
    }
    port = free_port()
    command = as_installed_here(service["ExecStart"]).replace("%i", str(port))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAFE_")}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        command.split(),
        env=env | environment | settings,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        answer = None
        while time.monotonic() < deadline and worker.poll() is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer is not None, (tmp_path / "worker.log").read_text()
        assert answer.json() == {"status": "ok", "database": "ok", "queue": "off"}
        # CAFE_PROXY_HOPS=1 as shipped: nginx's forwarded https is believed.
        behind_nginx = requests.get(
            f"http://127.0.0.1:{port}/login", headers={"X-Forwarded-Proto": "https"}, timeout=10
        )
        assert behind_nginx.headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        log.close()
    assert (tmp_path / "var" / "lib" / "cafe" / "cafe.db").exists()


def variables_the_code_reads() -> set[str]:
    """``CAFE_*`` names the package reads from the environment: the configuration's table
    and every literal name given to ``os.environ`` / ``os.getenv`` in ``cafe/``."""
    names = set(ENVIRONMENT)
    for path in (ROOT / "cafe").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            argument = None
            if isinstance(node, ast.Call) and node.args:
                called = ast.unparse(node.func)
                if called in ("os.environ.get", "os.getenv", "os.environ.pop"):
                    argument = node.args[0]
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                argument = node.slice
            if isinstance(argument, ast.Constant) and str(argument.value).startswith("CAFE_"):
                names.add(str(argument.value))
    return names


def readme_variables() -> set[str]:
    """The variables of the README's Configuration table (its first column)."""
    section = README.read_text("utf-8").split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {
        line.split("`")[1]
        for line in section.splitlines()
        if line.startswith("| `CAFE_") and line.count("`") >= 2
    }


def example_variables() -> set[str]:
    """The variables deploy/cafe.env.example sets or shows commented out."""
    names = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        name, sep, _ = line.lstrip("#").partition("=")
        if sep and name.startswith("CAFE_") and name.isidentifier():
            names.add(name)
    return names


def test_every_variable_the_code_reads_is_in_the_readme_and_the_example_file() -> None:
    read = variables_the_code_reads()
    assert {"CAFE_DATABASE_URL", "CAFE_INSTANCE_PATH", "CAFE_MESSAGE_QUEUE"} <= read

    assert sorted(read - readme_variables()) == [], "missing from README's Configuration"
    assert sorted(read - example_variables()) == [], "missing from deploy/cafe.env.example"
    # …and neither lists one the code no longer reads.
    assert sorted(readme_variables() - read) == []
    assert sorted(example_variables() - read) == []


# --- docs/deploy.md quotes the files as they are ----------------------------------------


def quoted_files(text: str) -> list[tuple[str, str]]:
    """Fenced blocks whose info string names a file (```ini deploy/systemd/cafe@.service),
    in a list item or not: the file's path and the block's text, unindented."""
    found = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        indent = line[: len(line) - len(line.lstrip())]
        words = line.strip()[3:].split()
        if line.strip().startswith("```") and len(words) == 2 and words[1].startswith("deploy/"):
            end = lines.index(indent + "```", number + 1)
            block = [quoted.removeprefix(indent) for quoted in lines[number + 1 : end]]
            found.append((words[1], "\n".join(block)))
    return found


def test_the_deploy_doc_quotes_the_shipped_files_word_for_word() -> None:
    quoted = quoted_files(DEPLOY_DOC.read_text("utf-8"))

    assert {path for path, _ in quoted} == {
        "deploy/systemd/cafe@.service",
        "deploy/cafe.env.example",
        "deploy/nginx/cafe.conf",
    }
    for path, block in quoted:
        shipped = (ROOT / path).read_text("utf-8")
        assert block in shipped, f"docs/deploy.md quotes {path} as it no longer is"
