"""Host roles that outlive their phones: the role of a host whose phone has left goes back
to the table's other phones.

A phone that hosts a table may leave for good (a flat battery, a closed tab, a participant
who walked off): the role would stay taken, and no other phone at the table could mark
core ideas until a facilitator noticed. The :class:`HostSweeper` of ``cafe run`` looks
every ``CAFE_HOST_SWEEP_SECONDS`` at the hosted tables where phones sit; a host away from
its table for ``CAFE_HOST_GRACE_SECONDS`` (default 60) loses the role
(:func:`cafe.host_role.release_absent_host`) and the table's phones are offered it
(``host_offer``).

Absence is counted in process memory from the first sweep that finds the host away while
another phone sits at its table. So a host whose phone reconnects within the grace keeps
the role; after a restart, a host who never comes back is released a grace after the
first of the table's phones has rejoined; and when the room's network drops for everyone,
no clock runs until phones are back. With several workers behind a message queue,
presence is read from the workers' shared count (:mod:`cafe.presence`), so a host
connected to another worker is at its table; every worker sweeps, and the release's
conditional UPDATE lets only one of them free a role.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from pathlib import PurePath

from flask import Flask
from sqlalchemy import select

from cafe.extensions import db, socketio
from cafe.host_role import release_absent_host
from cafe.models import EventTable
from cafe.presence import current_presence

log = logging.getLogger(__name__)

#: Key of the app's running sweeper in ``app.extensions``.
EXTENSION = "cafe_host_sweeper"


class AbsenceClock:
    """When each table's host was first found away from the table (pure: it is told what a
    sweep saw and when)."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        #: table id -> (host's device hash, when the sweep first found that host away)
        self._away: dict[int, tuple[str, float]] = {}

    def due(self, seen: list[tuple[int, str, bool]], now: float) -> list[tuple[int, str]]:
        """``seen``: ``(table, host, present)`` for every hosted table where phones sit now.

        Returns the ``(table, host)`` pairs whose host has been away for the grace. A table
        not seen away this time is forgotten: its host is back, has changed, or nobody sits
        there any more (its clock starts again when the table is seen without its host).
        """
        away: dict[int, tuple[str, float]] = {}
        due: list[tuple[int, str]] = []
        for table_id, host, present in seen:
            if present:
                continue
            kept = self._away.get(table_id)
            since = kept[1] if kept is not None and kept[0] == host else now
            away[table_id] = (host, since)
            if now - since >= self.grace:
                due.append((table_id, host))
        self._away = away
        return due


class HostSweeper:
    """Every ``period`` seconds, releases the roles of hosts away for ``grace`` seconds."""

    def __init__(self, app: Flask, grace: float, period: float) -> None:
        self.app = app
        self.period = period
        self.clock = AbsenceClock(grace)
        self._lock = threading.Lock()
        self._closed = False

    def sweep(self, now: float | None = None) -> list[int]:
        """Look once (under an app context); the ids of the tables whose host was released.

        ``now`` is a :func:`time.monotonic` reading (the tests pass their own).
        """
        now = time.monotonic() if now is None else now
        presence = current_presence()
        occupied = presence.occupied()
        if not occupied:
            self.clock.due([], now)
            return []
        rows = db.session.execute(
            select(EventTable.id, EventTable.host_hash).where(
                EventTable.id.in_(occupied), EventTable.host_hash.is_not(None)
            )
        ).all()
        db.session.rollback()  # end the read: the releases below are transactions of their own
        seen = [(tid, host, presence.present(tid, host)) for tid, host in rows if host]
        released = []
        for table_id, host in self.clock.due(seen, now):
            if release_absent_host(table_id, host) is not None:
                released.append(table_id)
        return released

    def run(self) -> None:
        """The background task: sweep every period until :meth:`close`."""
        while True:
            socketio.sleep(self.period)
            with self._lock:
                if self._closed:
                    return
                with self.app.app_context():
                    try:
                        self.sweep()
                    except Exception as error:  # noqa: BLE001 -- the next sweep tries again
                        db.session.rollback()
                        # The type and place only: a database error's message may carry a
                        # device hash among its parameters.
                        frame = traceback.extract_tb(error.__traceback__)[-1]
                        where = "/".join(PurePath(frame.filename).parts[-2:])
                        log.error(
                            "host sweep failed: %s at %s:%s",
                            type(error).__name__,
                            where,
                            frame.lineno,
                        )

    def close(self) -> None:
        """Sweep no more (waits for a sweep under way to end)."""
        with self._lock:
            self._closed = True


def start_host_sweeper(app: Flask) -> HostSweeper | None:
    """Start the app's sweeper as a background task (``cafe run`` does, at start); None
    when the automatic release is off (``CAFE_HOST_GRACE_SECONDS`` 0)."""
    grace = float(app.config["CAFE_HOST_GRACE_SECONDS"])
    if grace <= 0:
        log.info("automatic release of absent hosts is off (CAFE_HOST_GRACE_SECONDS)")
        return None
    period = max(0.05, float(app.config["CAFE_HOST_SWEEP_SECONDS"]))
    sweeper = HostSweeper(app, grace, period)
    app.extensions[EXTENSION] = sweeper
    socketio.start_background_task(sweeper.run)
    return sweeper
