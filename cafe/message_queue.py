"""The message queue several ``cafe run`` processes share (``CAFE_MESSAGE_QUEUE``).

Flask-SocketIO connects to the queue lazily and, when it cannot, only logs "Cannot
publish to redis... giving up": a worker would say "Serving on…" and relay nothing. So
``cafe run`` checks the queue before it serves and refuses to start, naming the fix.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

#: URL schemes Flask-SocketIO hands to its Redis manager (redis-py speaks to Valkey too).
REDIS_SCHEMES = ("redis", "rediss", "unix")


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
