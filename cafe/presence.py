"""Which phones are connected at which table, for the board's "phones per table" count.

Counted per device, not per socket, so a phone with two tabs open counts once. With one
server process this is its memory (:class:`Presence`). With several workers behind a
message queue (``CAFE_MESSAGE_QUEUE``) a board on one worker must count the phones
connected to the others, so each worker mirrors its devices into the queue's Redis
(:class:`SharedPresence`): one set of devices per worker and table, counted as a union,
so a phone with tabs on two workers still counts once.

A worker that dies cannot say so: it refreshes a heartbeat every ``ttl / 3`` seconds, and
a worker not heard from for ``ttl`` (``CAFE_PRESENCE_TTL_SECONDS``, 30 s) is no longer
counted. So a dead worker's phones linger on the boards for 20 to 30 s, and the first live
worker to beat after that (within 10 s more) deletes its sets and broadcasts the corrected
counts. Phones that were connected to it reconnect to another worker and count there at
once. A worker told to stop (SIGTERM, :mod:`cafe.server`) takes its phones out as it goes.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

if TYPE_CHECKING:
    from redis import Redis

log = logging.getLogger(__name__)


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
                self._arrived(seat)
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
        last = self._devices[seat.table_id] <= 0
        if last:
            del self._devices[seat.table_id]
        self._departed(seat, last)
        return True

    def _arrived(self, seat: Seat) -> None:
        """A device came to sit at a table (its first socket there; under the lock)."""

    def _departed(self, seat: Seat, last: bool) -> None:
        """A device left a table (its last socket there; ``last``: the table's last device
        in this process; under the lock)."""

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


#: Seconds a worker not heard from is still counted (:class:`SharedPresence`).
PRESENCE_TTL = 30.0

#: Key prefix of the shared presence in Redis.
PREFIX = "cafe:presence:"

#: A worker's device sets stay this many times ``ttl`` after its last heartbeat: long
#: enough for a live worker's heartbeat to find them, delete them and say which events lost
#: phones; if no worker is left to do it, Redis drops them.
_KEY_LIFE = 2

#: Register (or refresh) the calling worker, then take the workers not heard from for
#: ``ttl`` out of the count: delete their sets and return their "event:table" members.
_HEARTBEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local prefix, me, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now, me)
local gone = {}
for _, worker in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - ttl)) do
  redis.call('ZREM', KEYS[1], worker)
  local tables = prefix .. worker .. ':tables'
  for _, member in ipairs(redis.call('SMEMBERS', tables)) do
    gone[#gone + 1] = member
    redis.call('DEL', prefix .. worker .. ':t:' .. string.match(member, ':(%d+)$'))
  end
  redis.call('DEL', tables)
end
return gone
"""

#: One device's arrival at (ARGV[1] = 'sit') or departure from a table in the calling
#: worker's sets; its heartbeat refreshed too (a worker that seats phones is alive).
_MIRROR = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op, device, member, me, life = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
redis.call('ZADD', KEYS[1], now, me)
if op == 'sit' then
  redis.call('SADD', KEYS[2], device)
  redis.call('EXPIRE', KEYS[2], life)
  redis.call('SADD', KEYS[3], member)
  redis.call('EXPIRE', KEYS[3], life)
else
  redis.call('SREM', KEYS[2], device)
  if op == 'last' then
    redis.call('SREM', KEYS[3], member)
  end
end
return 1
"""

#: Devices at each table (ARGV[3:]) over the workers heard from within ``ttl``.
_COUNTS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local prefix, ttl = ARGV[1], tonumber(ARGV[2])
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - ttl, '+inf')
local counts = {}
for i = 3, #ARGV do
  local keys = {}
  for _, worker in ipairs(live) do
    keys[#keys + 1] = prefix .. worker .. ':t:' .. ARGV[i]
  end
  if #keys == 0 then
    counts[#counts + 1] = 0
  elseif #keys == 1 then
    counts[#counts + 1] = redis.call('SCARD', keys[1])
  else
    counts[#counts + 1] = #redis.call('SUNION', unpack(keys))
  end
end
return counts
"""

#: The "event:table" members of every live worker (ARGV[3] = '') or, with a device in
#: ARGV[3] and a table in ARGV[4], 1 when a live worker has it at that table.
_LOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local prefix, ttl, device, table_id = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local live = redis.call('ZRANGEBYSCORE', KEYS[1], now - ttl, '+inf')
if device ~= '' then
  for _, worker in ipairs(live) do
    if redis.call('SISMEMBER', prefix .. worker .. ':t:' .. table_id, device) == 1 then
      return 1
    end
  end
  return 0
end
local keys = {}
for _, worker in ipairs(live) do
  keys[#keys + 1] = prefix .. worker .. ':tables'
end
if #keys == 0 then
  return {}
end
return redis.call('SUNION', unpack(keys))
"""


class SharedPresence(Presence):
    """This worker's sockets in memory, as :class:`Presence`, and every worker's devices per
    table in Redis: the counts, the occupied tables and who is present are read there.

    Each device's arrival and departure is written through at once, under the lock, so
    Redis sees them in the order they happened. :meth:`heartbeat` (every ``ttl / 3``
    seconds, in the background from the first seated phone on) writes this worker's whole
    state again (which mends what a Redis restart or a failed write lost) and takes dead
    workers out; ``lost(event_ids)`` is then called for the events whose phones they
    held. A failed write is logged and mended by the next heartbeat; a failed read counts
    this worker's phones only.
    """

    def __init__(
        self,
        client: Redis,
        *,
        lost: Callable[[list[int]], None],
        spawn: Callable[..., Any],
        sleep: Callable[[float], Any],
        ttl: float = PRESENCE_TTL,
        worker: str | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.worker = worker or secrets.token_hex(8)
        self.ttl = ttl
        self._lost = lost
        self._spawn = spawn
        self._sleep = sleep
        self._workers = PREFIX + "workers"
        self._heartbeat_script = client.register_script(_HEARTBEAT)
        self._mirror = client.register_script(_MIRROR)
        self._counts = client.register_script(_COUNTS)
        self._look = client.register_script(_LOOK)
        self._beating = False
        self._closed = False

    # --- keys --------------------------------------------------------------------------

    def _table_key(self, table_id: int) -> str:
        return f"{PREFIX}{self.worker}:t:{table_id}"

    def _tables_key(self) -> str:
        return f"{PREFIX}{self.worker}:tables"

    @property
    def _life(self) -> int:
        return max(1, round(self.ttl * _KEY_LIFE))

    # --- writes (under the lock) -------------------------------------------------------

    def start(self) -> None:
        """Beat in the background from now on (``cafe run`` calls this as it starts, so that
        a worker with boards only still takes dead workers out; a seated phone starts it
        too)."""
        if not self._beating and not self._closed:
            self._beating = True
            self._spawn(self._beat_forever)

    def _arrived(self, seat: Seat) -> None:
        self._write("sit", seat)
        self.start()

    def _departed(self, seat: Seat, last: bool) -> None:
        self._write("last" if last else "leave", seat)

    def _write(self, op: str, seat: Seat) -> None:
        if self._closed:  # stopping: its phones are out of the count already
            return
        from redis import RedisError

        try:
            self._mirror(
                keys=[self._workers, self._table_key(seat.table_id), self._tables_key()],
                args=[op, seat.device, f"{seat.event_id}:{seat.table_id}", self.worker, self._life],
            )
        except RedisError as error:
            log.warning(
                "presence not shared (mended at the next heartbeat): Redis %s", type(error).__name__
            )

    # --- reads -------------------------------------------------------------------------

    def counts(self, table_ids: list[int]) -> dict[int, int]:
        """Connected devices for each of ``table_ids``, over every live worker."""
        if not table_ids:
            return {}
        from redis import RedisError

        try:
            found = self._counts(keys=[self._workers], args=[PREFIX, self.ttl, *table_ids])
        except RedisError as error:
            log.warning("presence counted in this process only: Redis %s", type(error).__name__)
            return super().counts(table_ids)
        return {tid: int(n) for tid, n in zip(table_ids, found, strict=True)}

    def occupied(self) -> list[int]:
        """Ids of the tables a device sits at, on any live worker."""
        from redis import RedisError

        try:
            members = self._look(keys=[self._workers], args=[PREFIX, self.ttl, "", ""])
        except RedisError:
            return super().occupied()
        return sorted({int(_text(m).rpartition(":")[2]) for m in members})

    def present(self, table_id: int, device: str) -> bool:
        """Whether ``device`` sits at table ``table_id`` on any live worker."""
        from redis import RedisError

        try:
            return bool(self._look(keys=[self._workers], args=[PREFIX, self.ttl, device, table_id]))
        except RedisError:
            return super().present(table_id, device)

    # --- the heartbeat -----------------------------------------------------------------

    def heartbeat(self) -> list[int]:
        """Say this worker is alive, write its whole state again, take dead workers out;
        the ids of the events that lost phones with them (also given to ``lost``)."""
        with self._lock:
            if self._closed:  # a beat that waited for close() to finish
                return []
            state: dict[tuple[int, int], set[str]] = {}
            for seat in self._seats.values():
                state.setdefault((seat.event_id, seat.table_id), set()).add(seat.device)
            pipe = self.client.pipeline(transaction=True)
            stale = self.client.smembers(self._tables_key())
            for member in stale:
                pipe.delete(f"{PREFIX}{self.worker}:t:{_text(member).rpartition(':')[2]}")
            pipe.delete(self._tables_key())
            for (event_id, table_id), devices in state.items():
                pipe.sadd(self._table_key(table_id), *devices)
                pipe.expire(self._table_key(table_id), self._life)
                pipe.sadd(self._tables_key(), f"{event_id}:{table_id}")
            pipe.expire(self._tables_key(), self._life)
            pipe.execute()
            gone = self._heartbeat_script(
                keys=[self._workers], args=[PREFIX, self.worker, self.ttl]
            )
        events = sorted({int(_text(m).partition(":")[0]) for m in gone})
        if events:
            self._lost(events)
        return events

    def _beat_forever(self) -> None:
        from redis import RedisError

        while not self._closed:
            try:
                self.heartbeat()
            except RedisError as error:
                log.warning("presence heartbeat failed: Redis %s", type(error).__name__)
            except Exception as error:  # noqa: BLE001 -- the next beat tries again
                log.error("presence heartbeat failed: %s", type(error).__name__)
            self._sleep(self.ttl / 3)

    def close(self) -> list[int]:
        """Beat no more and take this worker's phones out of the count at once (a worker
        that stops: ``cafe run`` on SIGTERM); ``lost`` is told which events they were at.
        The ids of those events."""
        from redis import RedisError

        self._closed = True
        with self._lock:
            events = sorted({seat.event_id for seat in self._seats.values()})
            try:
                stale = self.client.smembers(self._tables_key())
                pipe = self.client.pipeline(transaction=True)
                for member in stale:
                    pipe.delete(f"{PREFIX}{self.worker}:t:{_text(member).rpartition(':')[2]}")
                pipe.delete(self._tables_key())
                pipe.zrem(self._workers, self.worker)
                pipe.execute()
            except RedisError:
                return []  # they leave the count when the heartbeat is too old
        if events:
            self._lost(events)
        return events


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


#: Key of the app's presence in ``app.extensions``.
EXTENSION = "cafe_presence"


def presence_for(app: Flask, lost: Callable[[list[int]], None]) -> Presence:
    """The app's presence: shared through the queue's Redis when one is configured (``lost``
    is told which events lost phones with a dead worker), else this process's memory."""
    from cafe.extensions import socketio
    from cafe.message_queue import shared_redis

    client = shared_redis(app)
    if client is None:
        return Presence()
    return SharedPresence(
        client,
        lost=lost,
        spawn=socketio.start_background_task,
        sleep=socketio.sleep,
        ttl=max(1.0, float(app.config["CAFE_PRESENCE_TTL_SECONDS"])),
    )


def start_presence(app: Flask) -> None:
    """Start the app's heartbeat when its presence is shared (nothing to do otherwise)."""
    found = app.extensions.get(EXTENSION)
    if isinstance(found, SharedPresence):
        found.start()


def current_presence() -> Presence:
    """The presence of the app in context."""
    found: Presence = current_app.extensions[EXTENSION]
    return found


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
