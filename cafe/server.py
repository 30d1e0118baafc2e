"""Serving with gevent: the socket and process settings that the load benchmark showed
to matter (see bench/README.md)."""

from __future__ import annotations

import gc
import logging
import time
from contextlib import suppress
from typing import Any

from flask import Flask

from cafe.extensions import socketio
from cafe.serverlog import AddressFreeLog

logger = logging.getLogger("cafe.server")

#: The collector's thresholds while serving. With Python's 700, 4,000 phones at 400
#: posts/s made 226 young collections in 30 s, the long ones walking 28,000–46,000 live objects
#: (mostly the gevent Timeout, Waiter, timer and callback objects that each websocket
#: writer's wait on its queue re-arms, and Engine.IO packets) in 8–48 ms: those pauses were
#: the steady tail. At 10,000: 10 young collections in 30 s (the longest 51–53 ms), p99
#: post→board 46–66 → 27–31 ms, CPU per post 1.69–1.81 → 1.57 ms (bench/README.md). The
#: app makes next to no cyclic garbage per post (bench/post_path.py --garbage: 0.0), so
#: little of it waits longer for a collection.
GC_THRESHOLDS = (10_000, 10, 1000)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` until interrupted."""
    logger.info("%s", startup_line(app, host, port))
    # Long-lived objects made at start-up are frozen out of the collector, and full
    # collections are made rare: gen-2 pauses otherwise dominate the p99 latency.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    _raise_open_file_limit()
    socketio.start_background_task(_collector_upkeep, bool(app.config.get("CAFE_GC_LOG")))
    _address_free_hub()
    _leave_the_count_on_stop(app)
    # log_output=False: no access log, which would write every client's address.
    socketio.run(app, host=host, port=port, log_output=False, **_server_options())


def startup_line(app: Flask, host: str, port: int) -> str:
    """What an operator needs to know of a starting worker: where it listens, its async
    mode, the kind of database and whether a message queue relays. Never a URL: a
    database's or a queue's may carry a password."""
    from sqlalchemy.engine import make_url

    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    queue = "on" if app.config.get("CAFE_MESSAGE_QUEUE") else "off"
    return (
        f"serving on {host}:{port}: async mode {socketio.async_mode}, {database} database, "
        f"message queue {queue}"
    )


def _leave_the_count_on_stop(app: Flask) -> None:
    """With several workers, a worker told to stop (SIGTERM: systemd's stop, a restart)
    first takes its phones out of the shared presence count and tells the boards, rather
    than leaving them counted until its heartbeat is too old (:mod:`cafe.presence`); then
    it stops as it always did, by the signal's default action."""
    import os
    import signal

    from cafe.presence import EXTENSION, SharedPresence

    presence = app.extensions.get(EXTENSION)
    if not isinstance(presence, SharedPresence):
        return

    def leave_and_stop(signum: int) -> None:
        try:
            presence.close()
        finally:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    def stop(signum: int, frame: Any) -> None:
        # Under gevent a signal handler runs in the event loop, where nothing may wait
        # (Redis): the leaving is done by a task of its own.
        socketio.start_background_task(leave_and_stop, signum)

    signal.signal(signal.SIGTERM, stop)


def _address_free_hub() -> None:
    """gevent's hub prints a failed greenlet with its context, a request's environ and
    ``REMOTE_ADDR`` in it: through :class:`~cafe.serverlog.AddressFreeLog` instead."""
    if socketio.async_mode != "gevent":
        return
    import gevent

    gevent.get_hub().exception_stream = AddressFreeLog()


class CollectorWatch:
    """The garbage collector's pauses by generation, counted between two :meth:`take`.

    Installed in ``gc.callbacks``; costs two clock reads a collection.
    """

    def __init__(self) -> None:
        self._began = 0.0
        self.counts = [0, 0, 0]
        self.longest = [0.0, 0.0, 0.0]

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        generation = info["generation"]
        pause = time.perf_counter() - self._began
        self.counts[generation] += 1
        self.longest[generation] = max(self.longest[generation], pause)

    def take(self) -> str | None:
        """One line of what was counted since the last call (None: no collection)."""
        if not any(self.counts):
            return None
        line = "gc pauses: " + ", ".join(
            f"gen{g} {self.counts[g]} longest {self.longest[g] * 1000:.1f} ms" for g in range(3)
        )
        self.counts = [0, 0, 0]
        self.longest = [0.0, 0.0, 0.0]
        return line


class RampFreeze:
    """Freeze the collector's view of the heap after a connection ramp.

    Every connected phone leaves long-lived objects (its websocket, greenlets, session,
    rooms). Frozen (``gc.freeze``), a full collection no longer walks them: the pause of
    a full collection with thousands of phones connected falls to that of an empty
    server. Only the young generations are collected before freezing: a full collection
    then would itself be the pause this avoids (139 ms with 1,000 phones connected, 258 ms
    with 2,000: bench/load.py). Frozen objects are freed by reference counting as usual,
    but reference cycles among them (and older cyclic garbage frozen with them) wait; so
    when most of the frozen connections have gone, the heap is unfrozen, collected in
    full once and frozen again.
    """

    def __init__(self, step: int = 200) -> None:
        self.step = step
        self.frozen_at = 0
        self._last = 0

    def tick(self, connections: int) -> str | None:
        """Called every period with the number of connections; what it did, if anything."""
        settled = connections <= self._last  # no longer growing: the ramp is over
        self._last = connections
        if connections - self.frozen_at >= self.step and settled:
            began = time.perf_counter()
            gc.collect(1)  # the young garbage; older garbage waits for the next refreeze
            gc.freeze()
            self.frozen_at = connections
            return self._said("froze", connections, began)
        if self.frozen_at >= self.step and connections < self.frozen_at // 2:
            began = time.perf_counter()
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.frozen_at = connections
            return self._said("refroze", connections, began)
        return None

    @staticmethod
    def _said(what: str, connections: int, began: float) -> str:
        took = (time.perf_counter() - began) * 1000
        return (
            f"gc {what} at {connections} connections: {gc.get_freeze_count()} objects frozen,"
            f" {took:.0f} ms"
        )


def _collector_upkeep(log_pauses: bool, period: float = 1.0) -> None:
    """Background task of ``cafe run``: freeze after connection ramps (:class:`RampFreeze`),
    and with ``CAFE_GC_LOG`` log the collector's pauses once a period."""
    watch = CollectorWatch()
    if log_pauses:
        gc.callbacks.append(watch)
    ramp = RampFreeze()
    while True:
        socketio.sleep(period)
        said = ramp.tick(len(socketio.server.eio.sockets))
        if said:
            logger.info("%s", said)
        line = watch.take() if log_pauses else None
        if line:
            logger.info("%s", line)


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
        """gevent's request handler, with Nagle's algorithm off on its socket, and error
        lines that leave out the client's address (cafe/serverlog.py)."""

        def handle(self) -> None:
            with suppress(OSError):  # not a TCP socket
                self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle()

        def log_error(self, msg: str, *args: Any) -> None:
            """gevent's, without the socket prefix and ``(from ('ip', port))`` it adds."""
            shown = tuple("a client" if arg is self.client_address else arg for arg in args)
            try:
                message = msg % shown if shown else msg
            except (TypeError, ValueError):
                message = msg
            self.server.error_log.write(message + "\n")

    # No access log (log_output=False in serve); malformed requests still get a line.
    return {
        "handler_class": NoDelayHandler,
        "backlog": LISTEN_BACKLOG,
        "error_log": AddressFreeLog(),
    }
