"""Serving with gevent: the socket and process settings that the load benchmark showed
to matter (see bench/README.md)."""

from __future__ import annotations

import gc
from contextlib import suppress
from typing import Any

from flask import Flask

from cafe.extensions import socketio


def serve(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` until interrupted."""
    # Long-lived objects made at start-up are frozen out of the collector, and full
    # collections are made rare: gen-2 pauses otherwise dominate the p99 latency.
    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 1000)
    _raise_open_file_limit()
    socketio.run(app, host=host, port=port, log_output=False, **_server_options())


def _raise_open_file_limit(wanted: int = 65536) -> None:
    """Lift the soft limit on open files towards the hard one.

    Under gevent every websocket holds two descriptors (simple-websocket works on a dup of
    the accepted socket), so the common default soft limit of 1024 refuses connections
    beyond about 500 phones with "Too many open files".
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


#: Connections the kernel may hold for the server before it accepts them (capped by the
#: system's ``net.core.somaxconn``). gevent's default of 128 overflowed when a thousand
#: phones reconnected at once after a restart (bench/load.py --restart): the kernel then
#: drops their handshakes, and the phones retry a second or more later.
LISTEN_BACKLOG = 2048


def _server_options() -> dict[str, Any]:
    """Extra arguments for gevent's WSGI server: every accepted socket gets TCP_NODELAY,
    and the listen queue holds a reconnecting herd (:data:`LISTEN_BACKLOG`).

    A websocket carries many small messages. With Nagle's algorithm on, a message written
    right after another to the same phone (a post's broadcast, then its acknowledgement)
    waits for the phone's delayed ACK, up to 40 ms on Linux: bench/load.py measured the
    post→ack p95 at 55 ms with it and 18 ms without.
    """
    if socketio.async_mode != "gevent":
        return {}
    import socket

    from gevent import pywsgi

    class NoDelayHandler(pywsgi.WSGIHandler):
        """gevent's request handler, with Nagle's algorithm off on its socket."""

        def handle(self) -> None:
            with suppress(OSError):  # not a TCP socket
                self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle()

    return {"handler_class": NoDelayHandler, "backlog": LISTEN_BACKLOG}
