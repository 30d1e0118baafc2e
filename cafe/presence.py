"""Which phones are connected at which table, for the board's "phones per table" count.

Counted per device, not per socket, so a phone with two tabs open counts once. This is
process memory: with several server processes behind a message queue each process counts
its own connections (the scale-out issue moves this into Redis).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass


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

    def seat(self, sid: str) -> Seat | None:
        """Where socket ``sid`` sits, if anywhere."""
        with self._lock:
            return self._seats.get(sid)


presence = Presence()
