"""Reference relay for bench/load.py ``--relay flask``: Flask-SocketIO on gevent, relaying
posts to the same rooms as cafe does, with nothing else (no database, no screening, no
rate limits, no sessions but a dict).

It answers what bench/load.py sends, in the shapes it reads (docs/protocol.md has the
app's): ``/phone`` connects with ``{code, device}`` and sends ``join``, ``sync``,
``claim_host`` and ``post``; ``/board`` connects with ``{token}`` and sends ``sync``. A
phone's event is its join code and a board's event its token: the bench gives both the
same fake value per event.

The server is set up as ``cafe run`` sets up the app (cafe/app.py, cafe/server.py), so
that only the app's own work differs: the same Engine.IO pings and transport limit,
websockets without per-message compression, TCP_NODELAY on every accepted socket, the same
listen backlog and garbage-collector settings. Run from the repository root::

    .venv/bin/python -m bench.relay.flask_relay --port 5000 [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: The app's Engine.IO settings (cafe/app.py): pings every 20 s, 10 s to answer.
PING_INTERVAL = 20
PING_TIMEOUT = 10
#: cafe/wire.py MAX_TRANSPORT_BYTES.
MAX_TRANSPORT_BYTES = 4 * 64 * 1024
#: cafe/server.py LISTEN_BACKLOG.
LISTEN_BACKLOG = 2048
#: cafe/server.py RampFreeze's step: freeze the heap after every 200 new connections.
FREEZE_STEP = 200
#: Python's own collector thresholds, not cafe/server.py's GC_THRESHOLDS (10,000 first):
#: raised like the app's, the relay's tail grew (4,000 phones, 400 posts/s: steady p99
#: post→board 25–54 ms at 10,000 and 50–66 ms at 50,000, against 14–49 ms at 700), so the
#: relay keeps its better setting and the comparison stays the harder one for the app.
GC_THRESHOLDS = (700, 10, 1000)


@dataclass
class Seat:
    """What the relay keeps of a phone's socket: its event, its table, its host role."""

    event: str
    table: int | None = None
    host: bool = False


def plain_websockets(wsgi_app: Any) -> Any:
    """cafe/wire.py ``PlainWebSockets``: the client's websocket extensions are taken out of
    its upgrade request, so that no websocket is opened with per-message compression."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def fields(data: Any) -> dict[str, Any]:
    """An event's payload as a dict, whatever was sent."""
    return data if isinstance(data, dict) else {}


def text(value: Any) -> bool:
    """Whether ``value`` is a non-empty string."""
    return isinstance(value, str) and bool(value)


def serve(host: str, port: int) -> None:
    """Build the relay and serve it until interrupted (after gevent's monkey-patching)."""
    import gc
    import socket
    from contextlib import suppress
    from datetime import UTC, datetime

    from flask import Flask, request
    from flask_socketio import SocketIO, join_room, leave_room
    from gevent import pywsgi

    app = Flask(__name__)
    socketio = SocketIO(
        app,
        async_mode="gevent",
        ping_interval=PING_INTERVAL,
        ping_timeout=PING_TIMEOUT,
        max_http_buffer_size=MAX_TRANSPORT_BYTES,
    )
    app.wsgi_app = plain_websockets(app.wsgi_app)  # type: ignore[method-assign]
    seats: dict[str, Seat] = {}

    @app.get("/healthz")
    def healthz() -> str:
        """bench/load.py waits for this answer before connecting anyone."""
        return "ok"

    def sid() -> str:
        return str(request.sid)  # type: ignore[attr-defined]

    @socketio.on("connect", namespace="/phone")
    def phone_connect(auth: Any = None) -> None:
        """A phone connects with ``{code, device}``; the code names its event."""
        auth = fields(auth)
        if not text(auth.get("code")) or not text(auth.get("device")):
            raise ConnectionRefusedError("bad_request")
        seats[sid()] = Seat(event=auth["code"])
        join_room(f"event:{auth['code']}")

    @socketio.on("disconnect", namespace="/phone")
    def phone_disconnect(reason: Any = None) -> None:
        """Forget the phone's seat."""
        seats.pop(sid(), None)

    @socketio.on("join", namespace="/phone")
    def phone_join(data: Any) -> dict[str, Any]:
        """Sit at ``{table}``: into the table's room; answers a minimal state."""
        seat = seats[sid()]
        table = fields(data).get("table")
        if not isinstance(table, int):
            return {"ok": False, "error": "unknown_table"}
        if seat.table is not None and seat.table != table:
            leave_room(f"table:{seat.table}")
        join_room(f"table:{table}")
        seat.table = table
        state = {
            "event": {"code": seat.event},
            "table": {"id": table},
            "is_host": seat.host,
            "posts": [],
        }
        return {"ok": True, "state": state}

    @socketio.on("sync", namespace="/phone")
    def phone_sync(data: Any = None) -> dict[str, Any]:
        """The phone's minimal state (the relay knows no tables but those sat at)."""
        seat = seats[sid()]
        table = None if seat.table is None else {"id": seat.table}
        state = {"event": {"code": seat.event}, "table": table, "is_host": seat.host}
        return {"ok": True, "state": state}

    @socketio.on("claim_host", namespace="/phone")
    def phone_claim_host(data: Any = None) -> dict[str, Any]:
        """Take the host role: nothing is checked."""
        seats[sid()].host = True
        return {"ok": True}

    @socketio.on("post", namespace="/phone")
    def phone_post(data: Any) -> dict[str, Any]:
        """Post ``{id, text, core?, table?}``: to the table's phones (the writer's too) and,
        a core idea, to the event's boards, as cafe/broadcast.py does."""
        seat = seats[sid()]
        data = fields(data)
        table = data["table"] if "table" in data else seat.table
        if not isinstance(table, int):
            return {"ok": False, "error": "not_at_table"}
        if not text(data.get("id")) or not text(data.get("text")):
            return {"ok": False, "error": "bad_request"}
        now = datetime.now(UTC).replace(tzinfo=None)
        post = {
            "id": data["id"],
            "table": table,
            "text": data["text"],
            "role": None,
            "core": data.get("core") is True,
            "created": now.isoformat() + "Z",
            "edited": False,
        }
        socketio.emit("post", post, to=f"table:{table}", namespace="/phone")
        if post["core"]:
            socketio.emit("core", post, to=f"event:{seat.event}", namespace="/board")
        return {"ok": True, "post": post, "duplicate": False}

    @socketio.on("connect", namespace="/board")
    def board_connect(auth: Any = None) -> None:
        """A board connects with ``{token}``; the token names its event."""
        token = fields(auth).get("token")
        if not text(token):
            raise ConnectionRefusedError("unknown_board")
        join_room(f"event:{token}")

    @socketio.on("sync", namespace="/board")
    def board_sync(data: Any = None) -> dict[str, Any]:
        """The board's minimal state."""
        return {"ok": True, "state": {"cores": []}}

    class NoDelayHandler(pywsgi.WSGIHandler):
        """gevent's request handler with Nagle's algorithm off, as in cafe/server.py."""

        def handle(self) -> None:
            with suppress(OSError):
                self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().handle()

    def freeze_after_ramps() -> None:
        """cafe/server.py's collector upkeep: freeze the heap after each connection ramp,
        and refreeze when most of the frozen connections have gone."""
        frozen_at = last = 0
        while True:
            socketio.sleep(1.0)
            connections = len(socketio.server.eio.sockets)
            settled, last = connections <= last, connections
            if connections - frozen_at >= FREEZE_STEP and settled:
                gc.collect()
                gc.freeze()
                frozen_at = connections
            elif frozen_at >= FREEZE_STEP and connections < frozen_at // 2:
                gc.unfreeze()
                gc.collect()
                gc.freeze()
                frozen_at = connections

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    socketio.start_background_task(freeze_after_ramps)
    print(f"async mode: {socketio.async_mode}", flush=True)
    print(f"relay listening on http://{host}:{port}", flush=True)
    socketio.run(
        app,
        host=host,
        port=port,
        log_output=False,
        handler_class=NoDelayHandler,
        backlog=LISTEN_BACKLOG,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line, monkey-patch for gevent, serve."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.relay.flask_relay",
        description="Reference relay (Flask-SocketIO on gevent) for bench/load.py --relay.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    # Before Flask, Flask-SocketIO or anything network-related is imported (as cafe run).
    from gevent import monkey

    monkey.patch_all()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
