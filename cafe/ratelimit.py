"""Token buckets: posting limits per phone and join-code attempts per client.

Nothing here is ever written to disk. With one process the buckets are its memory; keys
are device hashes or, for join attempts, client addresses that live there for a minute.
With several workers (``CAFE_MESSAGE_QUEUE``) a phone's posts or a client's wrong codes
may reach any of them, so the buckets live in the queue's Redis
(:class:`SharedTokenBuckets`), under keys hashed with the shared secret key, for as long
as a bucket takes to fill again (a minute or less).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from redis import Redis

log = logging.getLogger(__name__)


class TokenBuckets:
    """A token bucket per key: ``burst`` tokens, refilled at ``rate_per_minute``."""

    def __init__(
        self,
        burst: int,
        rate_per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.burst = burst
        self.rate = rate_per_minute / 60.0
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Take one token for ``key``; False when the bucket is empty."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > self.max_keys:
                self._forget_full(now)
            return True

    def refund(self, key: str) -> None:
        """Give back the token of an action that turned out not to count (a resend)."""
        with self._lock:
            if key in self._buckets:
                tokens, last = self._buckets[key]
                self._buckets[key] = (min(float(self.burst), tokens + 1.0), last)

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled, so memory stays bounded."""
        full = [
            k
            for k, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]


#: One bucket, refilled to the server's clock, then one token taken (ARGV[3] = 1) or given
#: back (ARGV[3] = -1) in a single step: no two workers can both take the last token.
#: Returns 1 when allowed. The key lives as long as the bucket takes to fill again; a
#: missing key is a full bucket.
_BUCKET_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local kept = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(kept[1])
local at = tonumber(kept[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 1
if cost > 0 then
  if tokens < cost then
    allowed = 0
  else
    tokens = tokens - cost
  end
else
  tokens = math.min(burst, tokens - cost)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens),
           'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return allowed
"""


class SharedTokenBuckets(TokenBuckets):
    """The same buckets, kept in Redis so that every worker takes from one bucket per key.

    A small Lua script (one round trip, atomic in Redis) rather than a rate-limit library:
    the ``limits`` package that Flask-Limiter uses counts fixed or moving windows, and
    has no token bucket and no refund, so a phone's burst of ten after a quiet minute, and
    the token given back for a resend, would change meaning with several workers.

    Keys are HMAC-SHA256 of the name and the key under the app's secret key (shared by all
    workers; ``cafe run`` refuses a queue without one): Redis never holds a client address
    or a device hash as such. When Redis cannot be reached, this process's own buckets
    stand in (and it is logged): phones are not refused for a queue that is down, nor
    left without any limit.
    """

    def __init__(
        self,
        client: Redis,
        *,
        name: str,
        secret: str,
        burst: int,
        rate_per_minute: float,
    ) -> None:
        super().__init__(burst, rate_per_minute)
        self.name = name
        self._secret = secret.encode()
        self._script = client.register_script(_BUCKET_SCRIPT)

    def _key(self, key: str) -> str:
        digest = hmac.new(self._secret, f"{self.name}:{key}".encode(), hashlib.sha256)
        return f"cafe:bucket:{self.name}:{digest.hexdigest()[:32]}"

    def _run(self, key: str, cost: int) -> bool | None:
        """The script's answer; None when Redis could not be asked."""
        from redis import RedisError

        try:
            allowed = self._script(keys=[self._key(key)], args=[self.burst, self.rate, cost])
        except RedisError as error:
            log.warning(
                "rate limit %s counted in this process only: Redis %s",
                self.name,
                type(error).__name__,
            )
            return None
        return bool(allowed)

    def allow(self, key: str) -> bool:
        """Take one token for ``key`` from the bucket all workers share."""
        allowed = self._run(key, 1)
        return super().allow(key) if allowed is None else allowed

    def refund(self, key: str) -> None:
        """Give back one token to the shared bucket of ``key``."""
        if self._run(key, -1) is None:
            super().refund(key)


def token_buckets(app: Flask, *, name: str, burst: int, rate_per_minute: float) -> TokenBuckets:
    """The app's buckets called ``name``: shared through the queue's Redis when one is
    configured, else this process's memory."""
    from cafe.message_queue import shared_redis

    client = shared_redis(app)
    if client is None:
        return TokenBuckets(burst, rate_per_minute)
    return SharedTokenBuckets(
        client,
        name=name,
        secret=str(app.config["SECRET_KEY"]),
        burst=burst,
        rate_per_minute=rate_per_minute,
    )
