"""Which phones are connected at which table, for the board's "phones per table" count.

Counted per device, not per socket, so a phone with two tabs open counts once. This is
process memory: with several server processes behind a message queue each process counts
its own connections (the scale-out issue moves this into Redis).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Seat:
    """Where one socket sits."""

    event_id: int
    table_id: int
    device: str


class Presence:
    """Sockets by sid, and connected devices per table."""

    def __init__(self) -> None:
        self._seats: dict[str, Seat] = {}
        # (table_id, device) -> number of sockets of that device at that table
        self._sockets: Counter[tuple[int, str]] = Counter()
        self._devices: Counter[int] = Counter()
        self._lock = threading.Lock()

    def sit(self, sid: str, seat: Seat) -> bool:
        """Record that socket ``sid`` sits at ``seat``; True if a table's count changed."""
        with self._lock:
            if self._seats.get(sid) == seat:  # joined the same table again: nothing moved
                return False
            changed = self._leave(sid)
            self._seats[sid] = seat
            key = (seat.table_id, seat.device)
            self._sockets[key] += 1
            if self._sockets[key] == 1:
                self._devices[seat.table_id] += 1
                changed = True
            return changed

    def leave(self, sid: str) -> Seat | None:
        """Forget socket ``sid``; return where it sat if a table's count changed."""
        with self._lock:
            seat = self._seats.get(sid)
            return seat if self._leave(sid) else None

    def _leave(self, sid: str) -> bool:
        seat = self._seats.pop(sid, None)
        if seat is None:
            return False
        key = (seat.table_id, seat.device)
        self._sockets[key] -= 1
        if self._sockets[key] > 0:
            return False
        del self._sockets[key]
        self._devices[seat.table_id] -= 1
        if self._devices[seat.table_id] <= 0:
            del self._devices[seat.table_id]
        return True

    def counts(self, table_ids: list[int]) -> dict[int, int]:
        """Connected devices for each of ``table_ids``."""
        with self._lock:
            return {tid: self._devices.get(tid, 0) for tid in table_ids}

    def occupied(self) -> list[int]:
        """Ids of the tables at least one device sits at."""
        with self._lock:
            return list(self._devices)

    def present(self, table_id: int, device: str) -> bool:
        """Whether ``device`` sits at table ``table_id`` with at least one socket."""
        with self._lock:
            return self._sockets.get((table_id, device), 0) > 0

    def seat(self, sid: str) -> Seat | None:
        """Where socket ``sid`` sits, if anywhere."""
        with self._lock:
            return self._seats.get(sid)


presence = Presence()


#: Presence broadcasts of one event are at least this many seconds apart.
PRESENCE_INTERVAL = 0.25


class PresenceThrottle:
    """At most one presence broadcast per event every ``interval`` seconds, and always the
    last one.

    When a thousand phones rejoin after a restart, each join changes a table's count: one
    broadcast per join would send every board and control page a thousand messages in a
    few seconds, and cost the server as much again as the joins. Here the first change
    after a quiet spell is sent at once; changes within ``interval`` of a send wait for one
    send at the end of the interval, which reads the counts as they are then, so the last
    count always arrives.

    ``send(event_id, table_ids)`` sends; ``spawn(function, *args)`` runs a function in the
    background and ``sleep(seconds)`` waits there (the server's greenlets, or threads).
    Per process and per app, like the counts themselves.
    """

    def __init__(
        self,
        send: Callable[[int, list[int]], None],
        spawn: Callable[..., Any],
        sleep: Callable[[float], Any],
        interval: float = PRESENCE_INTERVAL,
    ) -> None:
        self._send = send
        self._spawn = spawn
        self._sleep = sleep
        self.interval = interval
        self._lock = threading.Lock()
        self._last_sent: dict[int, float] = {}
        #: Events with a send on its way, and the table ids it will count.
        self._pending: dict[int, list[int]] = {}
        self._closed = False

    def changed(self, event_id: int, table_ids: list[int]) -> None:
        """A count of the event's tables changed: send now, or once the interval is over."""
        now = time.monotonic()
        with self._lock:
            if self._closed:
                return
            if event_id in self._pending:
                self._pending[event_id] = table_ids
                return
            wait = self._last_sent.get(event_id, -self.interval) + self.interval - now
            if wait > 0:
                self._pending[event_id] = table_ids
            else:
                self._last_sent[event_id] = now
        if wait > 0:
            self._spawn(self._send_later, event_id, wait)
        else:
            self._send(event_id, table_ids)

    def _send_later(self, event_id: int, wait: float) -> None:
        self._sleep(wait)
        with self._lock:
            table_ids = self._pending.pop(event_id)
            self._last_sent[event_id] = time.monotonic()
            if self._closed:
                return
        self._send(event_id, table_ids)

    def close(self) -> None:
        """Send nothing more, not even what waits (an app that is going away: in the tests,
        the next app's events reuse the same ids and rooms)."""
        with self._lock:
            self._closed = True
