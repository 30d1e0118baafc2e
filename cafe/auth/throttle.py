"""Login throttling: failed logins counted per account and per client address.

After ``limit`` failures within a window that opens at the first one, further logins for
that account (or from that address) are refused until the window closes, without the
password being checked at all. The counts live in a :class:`FailureStore`: process memory
(:class:`MemoryFailureStore`), or with several workers (``CAFE_MESSAGE_QUEUE``) the queue's
Redis (:class:`RedisFailureStore`), so that spreading guesses over the workers gains
nothing.

Neither the address nor the typed username is kept as such: the keys are HMACs under a
secret drawn when the throttle is made (a typed "username" may be a password typed into
the wrong field). A store shared between workers needs a secret they share: one derived
from ``CAFE_SECRET_KEY``, which ``cafe run`` requires with a queue.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from flask import Flask
    from redis import Redis

log = logging.getLogger(__name__)


class FailureStore(Protocol):
    """Where failure counts are kept, each for ``window`` seconds from its first failure."""

    def add(self, key: str, window: float) -> int:
        """Count one failure for ``key`` and return the count in the current window (a
        new window opens with the first failure after the last one closed)."""
        ...

    def get(self, key: str) -> tuple[int, float]:
        """The count for ``key`` and the seconds left until its window closes ((0, 0)
        when there is none)."""
        ...

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (a successful login)."""
        ...


class MemoryFailureStore:
    """A :class:`FailureStore` in this process's memory, bounded to ``max_keys`` keys."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.clock = clock
        self.max_keys = max_keys
        #: key → (count, moment the window closes), oldest window first.
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def add(self, key: str, window: float) -> int:
        """See :meth:`FailureStore.add`."""
        now = self.clock()
        with self._lock:
            count, closes = self._counts.get(key, (0, 0.0))
            if closes <= now:
                self._counts.pop(key, None)
                count, closes = 0, now + window
            self._counts[key] = (count + 1, closes)
            if len(self._counts) > self.max_keys:
                self._forget(now)
            return count + 1

    def get(self, key: str) -> tuple[int, float]:
        """See :meth:`FailureStore.get`."""
        now = self.clock()
        with self._lock:
            count, closes = self._counts.get(key, (0, 0.0))
        return (count, closes - now) if closes > now else (0, 0.0)

    def clear(self, key: str) -> None:
        """See :meth:`FailureStore.clear`."""
        with self._lock:
            self._counts.pop(key, None)

    def _forget(self, now: float) -> None:
        """Drop closed windows; if that is not enough, the oldest ones (someone with that
        many addresses gets past any per-process limiter anyway)."""
        for key in [k for k, (_, closes) in self._counts.items() if closes <= now]:
            del self._counts[key]
        while len(self._counts) > self.max_keys:
            del self._counts[next(iter(self._counts))]


class LoginThrottle:
    """Failed logins per account (``per_account``) and per address (``per_address``) within
    ``window`` seconds; over either limit, logins wait until the window closes."""

    def __init__(
        self,
        store: FailureStore,
        *,
        per_account: int,
        per_address: int,
        window: float,
        secret: bytes | None = None,
    ) -> None:
        self.store = store
        self.per_account = per_account
        self.per_address = per_address
        self.window = window
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def _key(self, kind: str, value: str) -> str:
        digest = hmac.new(self._secret, value.encode("utf-8", "replace"), hashlib.sha256)
        return f"login:{kind}:{digest.hexdigest()[:32]}"

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        # Case-folded: "Anna" and "anna" share one count (at worst two accounts do).
        keys = [(self._key("account", username.strip().casefold()), self.per_account)]
        if address:
            keys.append((self._key("address", address), self.per_address))
        return keys

    def wait(self, username: str, address: str | None) -> float:
        """Seconds until a login for ``username`` from ``address`` is allowed (0: now)."""
        waits = [0.0]
        for key, limit in self._keys(username, address):
            count, left = self.store.get(key)
            if count >= limit:
                waits.append(left)
        return max(waits)

    def failed(self, username: str, address: str | None) -> None:
        """Count a failed login for the account and the address."""
        for key, _limit in self._keys(username, address):
            self.store.add(key, self.window)

    def succeeded(self, username: str) -> None:
        """Clear the account's count (the address's stays: it may be trying others)."""
        self.store.clear(self._keys(username, None)[0][0])


def memory_throttle(config: Mapping[str, Any]) -> LoginThrottle:
    """The app's throttle, in this process's memory, from ``CAFE_LOGIN_*``."""
    return LoginThrottle(
        MemoryFailureStore(),
        per_account=int(config["CAFE_LOGIN_FAILURES_PER_ACCOUNT"]),
        per_address=int(config["CAFE_LOGIN_FAILURES_PER_ADDRESS"]),
        window=float(config["CAFE_LOGIN_WINDOW_MINUTES"]) * 60.0,
    )


#: Count one failure; the window opens (expiry set) with the first one.
_ADD = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
"""


class RedisFailureStore:
    """A :class:`FailureStore` in Redis, shared by every worker: a counter per key that
    expires when its window closes (so Redis forgets it by itself). While Redis cannot be
    reached, this process's memory counts instead (logged)."""

    def __init__(self, client: Redis) -> None:
        self.client = client
        self._add = client.register_script(_ADD)
        self._fallback = MemoryFailureStore()

    def add(self, key: str, window: float) -> int:
        """See :meth:`FailureStore.add`."""
        from redis import RedisError

        try:
            return int(self._add(keys=[f"cafe:{key}"], args=[max(1, round(window * 1000))]))
        except RedisError as error:
            log.warning(
                "login failure counted in this process only: Redis %s", type(error).__name__
            )
            return self._fallback.add(key, window)

    def get(self, key: str) -> tuple[int, float]:
        """See :meth:`FailureStore.get`."""
        from redis import RedisError

        try:
            pipe = self.client.pipeline(transaction=True)
            pipe.get(f"cafe:{key}")
            pipe.pttl(f"cafe:{key}")
            count, left = pipe.execute()
        except RedisError:
            return self._fallback.get(key)
        if count is None or left is None or int(left) <= 0:
            return (0, 0.0)
        return (int(count), int(left) / 1000)

    def clear(self, key: str) -> None:
        """See :meth:`FailureStore.clear`."""
        from redis import RedisError

        self._fallback.clear(key)
        try:
            self.client.delete(f"cafe:{key}")
        except RedisError:
            pass


def login_throttle(app: Flask) -> LoginThrottle:
    """The app's throttle: shared through the queue's Redis when one is configured, with
    keys hashed under a secret derived from the secret key all workers share; else in this
    process's memory."""
    from cafe.message_queue import shared_redis

    client = shared_redis(app)
    if client is None:
        return memory_throttle(app.config)
    secret = hmac.new(
        str(app.config["SECRET_KEY"]).encode(), b"cafe login throttle", hashlib.sha256
    ).digest()
    return LoginThrottle(
        RedisFailureStore(client),
        per_account=int(app.config["CAFE_LOGIN_FAILURES_PER_ACCOUNT"]),
        per_address=int(app.config["CAFE_LOGIN_FAILURES_PER_ADDRESS"]),
        window=float(app.config["CAFE_LOGIN_WINDOW_MINUTES"]) * 60.0,
        secret=secret,
    )
