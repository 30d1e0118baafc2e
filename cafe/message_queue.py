"""The message queue several ``cafe run`` processes share (``CAFE_MESSAGE_QUEUE``).

Flask-SocketIO connects to the queue lazily and, when it cannot, only logs "Cannot
publish to redis... giving up": a worker would say "Serving on…" and relay nothing. So
``cafe run`` checks the queue before it serves and refuses to start, naming the fix.

The same Redis holds what the workers must agree on (:func:`shared_redis`): presence
(:mod:`cafe.presence`), the rate limits (:mod:`cafe.ratelimit`) and the retention purge's
lock (:mod:`cafe.retention`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from flask import Flask
    from redis import Redis

#: URL schemes Flask-SocketIO hands to its Redis manager (redis-py speaks to Valkey too).
#: Not ``unix://``: Flask-SocketIO would give that to Kombu, which is not installed.
REDIS_SCHEMES = ("redis", "rediss")


class QueueUnavailable(Exception):
    """The configured queue cannot be used; ``str()`` is one sentence that names the fix."""


def redacted(url: str) -> str:
    """``url`` without its password, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))


def check_message_queue(url: str | None, timeout: float = 5.0) -> None:
    """Raise :class:`QueueUnavailable` unless ``url`` (when set) is a Redis queue that
    answers a PING within ``timeout`` seconds with the ``redis`` package installed."""
    if not url:
        return
    shown = redacted(url)
    if urlsplit(url).scheme.lower() not in REDIS_SCHEMES:
        raise QueueUnavailable(
            f"CAFE_MESSAGE_QUEUE={shown} is not a Redis URL: "
            "set it to redis://HOST:6379/0 (or rediss:// for TLS)."
        )
    try:
        import redis
    except ImportError as exc:
        raise QueueUnavailable(
            "CAFE_MESSAGE_QUEUE is set but the redis package is not installed: "
            "install cafe with its redis extra (make run EXTRAS=redis, or "
            "pip install -c constraints.txt -e '.[redis]')."
        ) from exc
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise QueueUnavailable(
            f"CAFE_MESSAGE_QUEUE={shown} cannot be reached ({exc}): "
            "start Redis there or correct CAFE_MESSAGE_QUEUE."
        ) from exc


#: Set in ``app.extensions`` when no secret key was configured and the app drew its own
#: (kept in ``instance/secret_key``).
SECRET_KEY_DRAWN = "cafe_secret_key_drawn"


class MissingSecretKey(QueueUnavailable):
    """Several workers, but no session key they all share."""


def require_shared_secret(url: str | None, *, configured: bool) -> None:
    """Raise :class:`MissingSecretKey` when a queue is set (several workers) but the session
    key was not configured (``configured`` False: each worker would draw or read its own).

    A login signed by one worker would be unknown to the next, and the keys that hash the
    join limiter's client addresses in Redis would differ between workers.
    """
    if url and not configured:
        raise MissingSecretKey(
            "CAFE_MESSAGE_QUEUE is set but CAFE_SECRET_KEY is not: every worker must sign "
            "logins with the same key; set CAFE_SECRET_KEY to one long random value on all "
            'of them (python3 -c "import secrets; print(secrets.token_hex(32))").'
        )


#: Key of the app's Redis client in ``app.extensions`` (None: no queue, memory only).
REDIS_EXTENSION = "cafe_redis"


def shared_redis(app: Flask) -> Redis | None:
    """The Redis client the app's workers share state through (presence, rate limits,
    the retention lock): the queue's own server, or None without a queue.

    One client (and so one connection pool) per app; it connects when first used. Without
    the ``redis`` package, or with a URL that is not Redis's, None too: a command other
    than ``cafe run`` then works on its own, and ``cafe run`` refuses to serve
    (:func:`check_message_queue`).
    """
    if REDIS_EXTENSION not in app.extensions:
        url = app.config.get("CAFE_MESSAGE_QUEUE")
        client = None
        if url and urlsplit(url).scheme.lower() in REDIS_SCHEMES:
            client = _client(url)
        app.extensions[REDIS_EXTENSION] = client
    found: Redis | None = app.extensions[REDIS_EXTENSION]
    return found


def _client(url: str) -> Redis | None:
    try:
        import redis
    except ImportError:
        return None
    try:
        return redis.Redis.from_url(
            url, socket_connect_timeout=5, socket_timeout=5, health_check_interval=30
        )
    except ValueError:  # a malformed URL: check_message_queue names it
        return None
