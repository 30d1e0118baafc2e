"""``GET /healthz``: whether this worker can reach its database and, when one is configured,
its message queue; for process managers, load balancers and monitoring.

The answer names each part (``"ok"``, ``"failing"``, or ``"off"`` for a queue not
configured) and never a URL, a host or an error text, which may carry them: the reason
goes to the log (``cafe.health``), which only the sysadmin reads.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import Blueprint, Flask, current_app
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from cafe.database import sqlite_file_uri
from cafe.extensions import db
from cafe.message_queue import QueueUnavailable, check_message_queue

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

#: Seconds each part may take to answer (libpq's connect_timeout takes whole seconds, at
#: least 2). A monitor's own timeout is usually 5-10 s: both parts fit in it.
DATABASE_TIMEOUT = 3
QUEUE_TIMEOUT = 2.0

#: Where the probe's own engine is kept, one per app.
_ENGINE_KEY = "cafe_health_engine"


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int, dict[str, str]]:
    """Process managers and monitors: 200 ``{"status": "ok", "database": "ok", "queue":
    "ok"|"off"}`` when every part answers, else 503 with ``"status": "failing"`` and the
    failing part marked ``"failing"``."""
    parts = {
        "database": "ok" if database_answers(current_app) else "failing",
        "queue": queue_state(current_app),
    }
    healthy = "failing" not in parts.values()
    body = {"status": "ok" if healthy else "failing", **parts}
    # A cached "ok" would hide an outage from the monitor that asks next.
    return body, 200 if healthy else 503, {"Cache-Control": "no-store"}


def database_answers(app: Flask) -> bool:
    """Whether the database opens and its schema can be read within
    :data:`DATABASE_TIMEOUT` seconds.

    It reads ``alembic_version`` rather than ``SELECT 1``: SQLite opens its file lazily,
    so ``SELECT 1`` answers from a file that is unreadable, damaged or no database at all.
    """
    try:
        with probe_engine(app).connect() as connection:
            if connection.dialect.name == "postgresql":
                # Inside the transaction the probe opens: also behind PgBouncer.
                connection.execute(text(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT * 1000}"))
            stamped = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    except (SQLAlchemyError, OSError) as error:
        # The driver's own words (SQLAlchemy's text adds the statement and a web link).
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        log.warning(
            "the database does not answer: %s", reason[0] if reason else type(error).__name__
        )
        return False
    if stamped is None:
        log.warning("the database has no schema version (not migrated)")
        return False
    return True


def queue_state(app: Flask) -> str:
    """``"off"`` without ``CAFE_MESSAGE_QUEUE``; else ``"ok"`` when the queue answers a
    PING within :data:`QUEUE_TIMEOUT` seconds (the check ``cafe run`` makes before it
    serves), ``"failing"`` when not."""
    url = app.config.get("CAFE_MESSAGE_QUEUE")
    if not url:
        return "off"
    try:
        check_message_queue(url, timeout=QUEUE_TIMEOUT)
    except QueueUnavailable as error:
        # The message names the queue with its password as ***.
        log.warning("%s", error)
        return "failing"
    return "ok"


def probe_engine(app: Flask) -> Engine:
    """An engine of the app's database that opens a new connection for each probe, with
    short timeouts: the pool the requests use would hide a connection that can no longer
    be made, and would wait for its default timeouts."""
    engine: Engine | None = app.extensions.get(_ENGINE_KEY)
    if engine is None:
        with app.app_context():
            url = db.engine.url
        engine = _probe_engine_for(url)
        app.extensions[_ENGINE_KEY] = engine
    return engine


def _probe_engine_for(url: URL) -> Engine:
    """See :func:`probe_engine`."""
    backend = url.get_backend_name()
    if backend == "sqlite" and url.database and url.database != ":memory:":
        location = sqlite_file_uri(url.database)

        def connect() -> sqlite3.Connection:
            # mode=rw: a file that was removed is an error, not a new empty database.
            return sqlite3.connect(location, uri=True, timeout=DATABASE_TIMEOUT)

        return create_engine("sqlite://", creator=connect, poolclass=NullPool)
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        connect_args["connect_timeout"] = DATABASE_TIMEOUT
    return create_engine(url, poolclass=NullPool, connect_args=connect_args)
