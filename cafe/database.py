"""Schema migrations with Alembic, run from the app's own engine, one process at a time."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from cafe import PACKAGE_DIR
from cafe.extensions import db

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

#: ``revision = '0007'`` and ``down_revision = '0006'`` (or None) as Alembic writes them.
_REVISION = re.compile(r"""^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]\s*$""", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"""^down_revision\s*(?::[^=]+)?=\s*(?:None|['"]([^'"]+)['"])\s*$""", re.MULTILINE
)


def alembic_config() -> Config:
    """Alembic configuration pointing at ``cafe/migrations``; no alembic.ini needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    return config


def upgrade_database() -> None:
    """Bring the configured database to the newest schema (creates it when empty).

    ``cafe run`` calls this at every start, and after a restart the schema is almost always
    current already: then Alembic is not even imported (importing and running it took about
    half a second of the 2.6 s a restart took before the server listened again, while every
    phone waited to reconnect: bench/README.md).
    """
    if _at_head():
        return
    with startup_lock():
        # Another process may have migrated while this one waited for the lock.
        if _at_head():
            return
        from alembic import command

        config = alembic_config()
        log.info("migrating the database to schema %s", head_revision())
        with db.engine.connect() as connection, _foreign_keys_off(connection):
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        log.info("database migrated to schema %s", head_revision())


#: Key of the PostgreSQL advisory lock held while a process migrates or seeds the database
#: (any 64-bit number that no other application on the same database uses: "cafe" in ASCII).
ADVISORY_LOCK = 0x63616665

#: How many times this thread holds the startup lock (it is re-entered: ``cafe run`` holds
#: it around the migrations and the first-start account, and the migrations take it too).
_held = threading.local()


@contextmanager
def startup_lock() -> Iterator[None]:
    """Hold the database's startup lock: one process at a time migrates the schema and
    creates what a first start creates.

    Two workers started at once on an empty database used to migrate together, and the
    second crashed creating ``alembic_version``. On PostgreSQL this is an advisory lock
    (``pg_advisory_lock``, released with the session if the process dies); on SQLite an
    exclusive ``flock`` on a file beside the database (released by the kernel likewise).
    An in-memory SQLite database is one process's own: no lock.
    """
    depth: int = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with _database_lock():
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


@contextmanager
def _database_lock() -> Iterator[None]:
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        with db.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK})
                connection.commit()
        return
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        import fcntl

        fd = os.open(f"{url.database}.startup-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the file releases its lock
        return
    yield


@contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, enforce no foreign keys while migrating, and check them all after.

    SQLite cannot alter most columns in place, so Alembic's batch mode copies a table and
    drops the old one; with foreign keys on, that DROP first deletes every row, and each
    ``ON DELETE CASCADE`` / ``SET NULL`` fires: rebuilding ``cafe_event`` emptied every
    event's tables and posts. The pragma is ignored inside a transaction, so it is set
    before the migrations' transaction begins.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        connection.commit()
        if broken:
            raise RuntimeError(f"the migrations left broken foreign keys: {broken[:5]}")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def head_revision() -> str | None:
    """The newest migration's revision, read from the migration files without Alembic;
    None unless they say it plainly (one head, string literals): Alembic decides then."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (PACKAGE_DIR / "migrations" / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.findall(source)
        down = _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _at_head() -> bool:
    """Whether the database is stamped with :func:`head_revision` (and nothing else)."""
    head = head_revision()
    if head is None:
        return False
    try:
        with db.engine.connect() as connection:
            stamped = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:  # no alembic_version table yet: an empty database
        return False
    return [row[0] for row in stamped] == [head]


def sqlite_file_uri(path: str, *, mode: str = "rw") -> str:
    """A ``file:`` URI for ``sqlite3.connect(…, uri=True)`` that opens the SQLite file at
    ``path`` (relative to the working directory, as SQLAlchemy takes it) in ``mode``.

    ``mode=rw`` makes a missing file an error instead of a new, empty database: what a
    health check or a backup must not create where the real database was expected.
    """
    absolute = os.path.abspath(path)
    escaped = absolute.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{escaped}?mode={mode}"
