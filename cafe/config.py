"""Configuration: defaults, then ``instance/config.py``, then ``CAFE_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

#: Environment variables that override configuration keys.
ENVIRONMENT = {
    "CAFE_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "CAFE_SECRET_KEY": "SECRET_KEY",
    "CAFE_MESSAGE_QUEUE": "CAFE_MESSAGE_QUEUE",
    "CAFE_PUBLIC_URL": "CAFE_PUBLIC_URL",
    "CAFE_PROXY_HOPS": "CAFE_PROXY_HOPS",
    "CAFE_ASYNC_MODE": "CAFE_ASYNC_MODE",
    "CAFE_RETENTION_DAYS": "CAFE_RETENTION_DAYS",
    "CAFE_LOG_LEVEL": "CAFE_LOG_LEVEL",
    "CAFE_GC_LOG": "CAFE_GC_LOG",
    "CAFE_HOST_GRACE_SECONDS": "CAFE_HOST_GRACE_SECONDS",
    "CAFE_HOST_SWEEP_SECONDS": "CAFE_HOST_SWEEP_SECONDS",
    "CAFE_PRESENCE_TTL_SECONDS": "CAFE_PRESENCE_TTL_SECONDS",
    "CAFE_LOGIN_FAILURES_PER_ACCOUNT": "CAFE_LOGIN_FAILURES_PER_ACCOUNT",
    "CAFE_LOGIN_FAILURES_PER_ADDRESS": "CAFE_LOGIN_FAILURES_PER_ADDRESS",
    "CAFE_LOGIN_WINDOW_MINUTES": "CAFE_LOGIN_WINDOW_MINUTES",
}


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the embedded default configuration: one SQLite file in the instance folder."""
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "cafe.db"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Redis URL; when set, Flask-SocketIO relays every broadcast through it so that
        # several server processes can serve one event.
        "CAFE_MESSAGE_QUEUE": None,
        # Base URL printed in QR codes and by the CLI; defaults to the request's host.
        "CAFE_PUBLIC_URL": None,
        # Reverse proxies in front of the server (0: none). With N, the scheme, host, port
        # and client address are read from the X-Forwarded-* headers the N-th proxy from
        # the server set (Werkzeug's ProxyFix, cafe/proxy.py); without, those headers are
        # ignored, for anyone could send them.
        "CAFE_PROXY_HOPS": 0,
        # None lets Flask-SocketIO pick (gevent when the server was started by `cafe run`).
        "CAFE_ASYNC_MODE": None,
        "CAFE_POST_MAX_CHARS": 500,
        # Days after an event its ordinary posts are deleted (core ideas stay, unlinked).
        "CAFE_RETENTION_DAYS": 30,
        # Level of the ``cafe`` loggers (stderr): DEBUG, INFO, WARNING, ERROR.
        "CAFE_LOG_LEVEL": "INFO",
        # "1": `cafe run` logs the garbage collector's pauses once a second (bench/load.py).
        "CAFE_GC_LOG": None,
        # A table host whose phone has been away from the table this long (seconds) loses
        # the role, and the table's phones are offered it (cafe/hosts.py); 0 switches the
        # automatic release off. Checked every CAFE_HOST_SWEEP_SECONDS.
        "CAFE_HOST_GRACE_SECONDS": 60.0,
        "CAFE_HOST_SWEEP_SECONDS": 5.0,
        # With several workers: how long the phones of a worker that stopped answering (it
        # died) still count on the boards (cafe/presence.py); it beats a third of this.
        "CAFE_PRESENCE_TTL_SECONDS": 30.0,
        # Token bucket per phone: a burst of this many posts, refilled at this rate.
        "CAFE_POST_BURST": 10,
        "CAFE_POSTS_PER_MINUTE": 30,
        # Token bucket per phone for dot-voting (a tap on + or − is one vote): 10 dots
        # placed and moved about in a burst, then one a second.
        "CAFE_VOTE_BURST": 30,
        "CAFE_VOTES_PER_MINUTE": 60,
        # Failed join-code attempts allowed per client address per minute (memory only).
        "CAFE_JOIN_ATTEMPTS_PER_MINUTE": 20,
        # Failed logins allowed per account and per client address within a window that
        # opens at the first failure; over either, logins wait until it closes (memory
        # only, keys hashed: cafe/auth/throttle.py).
        "CAFE_LOGIN_FAILURES_PER_ACCOUNT": 10,
        "CAFE_LOGIN_FAILURES_PER_ADDRESS": 30,
        "CAFE_LOGIN_WINDOW_MINUTES": 15.0,
        "BABEL_DEFAULT_LOCALE": "fi",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Helsinki",
        "CAFE_LANGUAGES": ("fi", "sv", "en"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    }


def from_environment() -> dict[str, Any]:
    """Return the configuration keys set by ``CAFE_*`` environment variables."""
    values: dict[str, Any] = {
        key: os.environ[var] for var, key in ENVIRONMENT.items() if os.environ.get(var)
    }
    for key in ("CAFE_RETENTION_DAYS", "CAFE_PROXY_HOPS"):
        if key in values:
            values[key] = int(values[key])
    for key in ("CAFE_LOGIN_FAILURES_PER_ACCOUNT", "CAFE_LOGIN_FAILURES_PER_ADDRESS"):
        if key in values:
            values[key] = int(values[key])
    for key in (
        "CAFE_HOST_GRACE_SECONDS",
        "CAFE_HOST_SWEEP_SECONDS",
        "CAFE_LOGIN_WINDOW_MINUTES",
        "CAFE_PRESENCE_TTL_SECONDS",
    ):
        if key in values:
            values[key] = float(values[key])
    return values


def instance_secret_key(instance_path: str) -> str:
    """Return the instance's secret key, creating it on first start.

    Kept in a file so that logins survive a restart without anyone having to configure it.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key)
    path.chmod(0o600)
    return key
