"""What a client sends over Socket.IO, checked once, before any handler sees it.

python-socketio decodes every packet with the class given as the server's ``serializer``
(:class:`CafePacket`, see cafe/app.py). Its decoder raised on malformed input, and the
exception ended in a traceback with no acknowledgement; JSON it did accept could still
break a handler (a lone surrogate cannot be stored, an integer beyond 64 bits cannot be
bound to an SQL parameter, 900 nested arrays exhaust the stack). This decoder never raises
and lets through only what the protocol allows:

- an event is a JSON array whose first item is its name (not one of Socket.IO's reserved
  names: a client sending ``connect`` would otherwise run the connect handler again);
- at most :data:`MAX_PACKET_CHARS` characters and :data:`MAX_DEPTH` levels of nesting;
- strings without lone surrogates, integers that fit a signed 64-bit column, finite numbers;
- no binary attachments (no client of this app sends any).

A refused event keeps its namespace and acknowledgement id but becomes the event
:data:`REFUSED` whose one argument is a :class:`Refusal` (which no JSON can produce);
:class:`cafe.sockets.CafeNamespace` answers it with ``bad_request`` and logs one line. A
packet that cannot be answered (a binary attachment, an unknown packet type, a malformed
acknowledgement) is logged here and sent nowhere; a connect packet with a malformed
``auth`` connects with no ``auth`` at all, which every namespace refuses.

Below the packets, :class:`PollingBodies` answers 400 to a long-polling body that is not
UTF-8 (Engine.IO would log a traceback, answer 200 and drop the packets in it), and
:class:`PlainWebSockets` opens every websocket without per-message compression.
"""

from __future__ import annotations

import io
import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from engineio import json as engineio_json
from socketio import packet

from cafe.broadcast import BOARD, FACILITATOR, PHONE

logger = logging.getLogger("cafe.sockets")

#: Characters of one packet. The longest text a client may send (the summary's intro,
#: 20,000 characters) fits with room for JSON escapes; a larger packet is answered
#: ``bad_request`` (up to :data:`MAX_TRANSPORT_BYTES`).
MAX_PACKET_CHARS = 64 * 1024

#: Bytes of one Engine.IO message (one long-polling body): any packet within
#: :data:`MAX_PACKET_CHARS` passes, even at 4 bytes a character. Engine.IO cuts off a
#: larger one, closing the connection (no acknowledgement can be sent for what it did not
#: read).
MAX_TRANSPORT_BYTES = 4 * MAX_PACKET_CHARS

#: Levels of arrays and objects, the event's own array included. The deepest payload of the
#: protocol has 3 (``["theme_create", {"items": [1, 2]}]``).
MAX_DEPTH = 8

#: A signed 64-bit integer: the widest SQLite and PostgreSQL store (BIGINT); beyond it
#: sqlite3 raises OverflowError while binding the parameter. Ids are bounded further, to
#: PostgreSQL's INTEGER, by the operations that look them up (MAX_ID).
MIN_INT = -(2**63)
MAX_INT = 2**63 - 1

#: The name a refused event is dispatched under: not an identifier, so no ``on_…``
#: handler can have it, and a client sending it literally is refused as an unknown event.
REFUSED = "(refused)"

#: Names Socket.IO keeps for itself; a client never sends them as events.
RESERVED = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)

#: A namespace no client can connect to: an unanswerable packet is dispatched as an event
#: there, which python-socketio drops (the sender is not connected to it).
NOWHERE = "/(nowhere)"

#: The namespaces a log line may name (any other namespace is the client's own text).
KNOWN_NAMESPACES = frozenset({PHONE, BOARD, FACILITATOR})

_SURROGATE = re.compile("[\ud800-\udfff]")

_PACKET_NAMES = dict(enumerate(packet.packet_names))


@dataclass(frozen=True)
class Refusal:
    """Why an event was refused: ``reason`` for the log, the ``event`` name as sent (None
    if it had none), and the packet's ``size`` in characters."""

    reason: str
    event: str | None
    size: int


class _Text:
    """A packet's JSON text, kept undecoded until its size has been checked."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _DeferredJSON:
    """The JSON module of :class:`CafePacket`: encodes as python-socketio does; "decodes" to
    the text itself, so that :meth:`CafePacket.decode` can check it before parsing."""

    dumps = staticmethod(engineio_json.dumps)

    @staticmethod
    def loads(text: str) -> _Text:
        return _Text(text)


def _no_constant(name: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON (Python's parser accepts them by default)."""
    raise ValueError(name)


def problem_in(value: Any) -> str | None:
    """What makes a decoded JSON value unacceptable, or None: depth, lone surrogates,
    integers beyond 64 bits, non-finite numbers. Iterative: the value may be deep."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                return "lone surrogate in a string"
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not MIN_INT <= item <= MAX_INT:
                return "integer out of range"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return "number out of range"
        elif isinstance(item, list | dict):
            if depth >= MAX_DEPTH:
                return "nested too deep"
            if isinstance(item, dict):
                stack.extend((key, depth + 1) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
    return None


def parse(text: str) -> tuple[Any, str | None]:
    """Parse JSON text within the limits: ``(value, problem)``, where a ``problem`` (the
    reason to refuse) makes the value unusable but for naming it in the log."""
    if len(text) > MAX_PACKET_CHARS:
        return None, "too large"
    try:
        value = engineio_json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        return None, "nested too deep"
    except ValueError:
        return None, "not JSON"
    return value, problem_in(value)


def log_refusal(what: str, namespace: str | None, reason: str, size: int | None = None) -> None:
    """One warning line per refused packet: never its content, nor who sent it."""
    where = namespace if namespace in KNOWN_NAMESPACES else "another namespace"
    length = f" ({size} characters)" if size is not None else ""
    logger.warning("refused %s on %s: %s%s", what, where, reason, length)


def relay_plain_json(server: Any) -> None:
    """Let the message queue's manager read what the other workers relay.

    python-socketio's client managers take the packet class's JSON module when they are
    attached to the server; ours "decodes" to the undecoded :class:`_Text` so that a
    client's packet is checked before it is parsed. A pub/sub manager reads with the same
    module every emit another worker relays through Redis, got a ``_Text`` instead of a
    dict, and dropped it ("Unexpected Error in pubsub listening thread"): no broadcast
    crossed workers. Those messages come from our own workers, never from a client, so the
    manager gets the plain JSON module back. Call after ``socketio.init_app``.
    """
    from socketio import PubSubManager

    manager = getattr(server, "manager", None)
    if isinstance(manager, PubSubManager):
        manager.json = engineio_json


class CafePacket(packet.Packet):
    """A Socket.IO packet whose decoder checks everything a client sent (module docstring)."""

    json = _DeferredJSON
    data: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        encoded = kwargs.get("encoded_packet")
        if encoded is not None and not encoded:
            # An empty message: the base class would leave an event with no data at all.
            self.attachment_count = self.decode(encoded)

    def decode(self, encoded_packet: Any) -> int:
        """Decode ``encoded_packet``; returns the number of binary attachments to wait for,
        which is always 0: a binary event is refused at once."""
        if not isinstance(encoded_packet, str):
            # A binary attachment: its event was refused, and logged, when it arrived.
            self._nowhere()
            return 0
        size = len(encoded_packet)
        try:
            # The header (type, namespace, id); the payload stays text (_DeferredJSON).
            super().decode(encoded_packet)
        except ValueError:
            self._unreadable(size)
            return 0
        text = self.data.text if isinstance(self.data, _Text) else None
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT):
            self._event(text, size)
        elif self.packet_type == packet.CONNECT:
            self.data = None
            if text is not None:
                auth, problem = parse(text)
                if problem:
                    log_refusal("the auth of a connect", self.namespace, problem, size)
                else:
                    self.data = auth
        elif self.packet_type == packet.DISCONNECT:
            self.data = None
        elif self.packet_type == packet.ACK:
            self.data, problem = parse(text) if text is not None else (None, "no arguments")
            if problem or not isinstance(self.data, list):  # (a value with a problem is dropped)
                log_refusal("an acknowledgement", self.namespace, problem or "not a list", size)
                self._nowhere()
        else:
            name = _PACKET_NAMES.get(self.packet_type)
            what = f"a {name} packet" if name else "a packet of unknown type"
            log_refusal(what, self.namespace, "not sent by clients", size)
            self._nowhere()
        return 0

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Whether ``data`` holds bytes (python-socketio asks for every packet it builds).

        The base class walks the whole payload in Python, a dozen calls per post in a
        rejoin's state: a fifth of a ``join``'s CPU, and of every broadcast's. JSON's C
        encoder refuses bytes, so a payload it encodes holds none; only one it refuses
        (bytes, or something no encoder takes, as before) is walked the slow way.
        """
        try:
            engineio_json.dumps(data, ensure_ascii=False)  # only whether it encodes counts
        except (TypeError, ValueError):
            return bool(packet.Packet.data_is_binary.__func__(packet.Packet, data))
        return False

    def add_attachment(self, attachment: Any) -> bool:  # pragma: no cover - never awaited
        """Never called: :meth:`decode` awaits no attachments."""
        raise ValueError("Unexpected binary attachment")

    def _event(self, text: str | None, size: int) -> None:
        """Keep a well-formed event; turn anything else into a refused one."""
        if text is None:
            return self._refuse("no event name", None, size)
        data, problem = parse(text)
        name = data[0] if isinstance(data, list) and data and isinstance(data[0], str) else None
        if problem:
            return self._refuse(problem, name, size)
        if name is None:
            return self._refuse("not an event", None, size)
        if self.packet_type == packet.BINARY_EVENT:
            return self._refuse("binary attachments", name, size)
        if name in RESERVED:
            return self._refuse("reserved event name", None, size)
        self.data = data

    def _refuse(self, reason: str, name: str | None, size: int) -> None:
        """Dispatch as :data:`REFUSED`: the namespace answers (if an id asks) and logs."""
        self.packet_type = packet.EVENT
        self.data = [REFUSED, Refusal(reason, name, size)]

    def _unreadable(self, size: int) -> None:
        """The header itself is malformed (type, attachment count or id)."""
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT) and self.namespace:
            # An event whose id is unreadable: no answer can reach it, but the namespace
            # still logs it.
            self.id = None
            return self._refuse("malformed header", None, size)
        log_refusal("a packet", self.namespace, "malformed header", size)
        self._nowhere()

    def _nowhere(self) -> None:
        """An event for a namespace nobody is connected to: python-socketio drops it."""
        self.packet_type = packet.EVENT
        self.namespace = NOWHERE
        self.id = None
        self.data = [REFUSED]


StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class PollingBodies:
    """WSGI middleware in front of Engine.IO: a long-polling POST whose body is not UTF-8
    (such as a lone surrogate encoded as bytes) is answered 400 and logged in one line.

    Engine.IO decodes the body itself and, when that fails, logs a traceback, answers 200
    and silently drops every packet in it. A body over ``max_bytes`` is left to Engine.IO,
    which refuses it unread.
    """

    def __init__(self, app: WSGIApp, path: str, max_bytes: int) -> None:
        self.app = app
        self.path = path
        self.max_bytes = max_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(
            self.path
        ):
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if 0 < length <= self.max_bytes:
                body = environ["wsgi.input"].read(length)
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError:
                    logger.warning("refused a long-polling request: not UTF-8 (%d bytes)", length)
                    start_response("400 BAD REQUEST", [("Content-Type", "text/plain")])
                    return [b"Bad Request"]
                environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


class PlainWebSockets:
    """WSGI middleware in front of Engine.IO: a websocket is opened without per-message
    compression (``permessage-deflate``), by taking the extensions a client offers out of
    its upgrade request before the handshake reads it.

    Every browser offers the extension, and simple-websocket (the websocket server of
    python-engineio's gevent mode) accepts it with no way to say no: each websocket then
    keeps a zlib compressor and decompressor for its lifetime, and every frame goes through
    them. Measured with clients that offer it as browsers do (bench/README.md): 173 KB of
    the server's memory per connection instead of 73 KB, 502–505 MB instead of 270 MB with
    2,020 connected, and 2.85–3.06 ms of CPU per client back after a restart instead of
    2.42–2.65 ms (one window).
    The frames are small JSON (a rejoin's state is the largest), for which compression
    saves a phone little. Socket.IO's own server declines the extension by default too
    (engine.io 3.5, ``perMessageDeflate: false``). HTTP responses are still compressed
    (cafe/assets.py); so are long-polling bodies over 1 KB (Engine.IO's own).
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # simple-websocket rebuilds the request from the environ's HTTP_ keys: without this
        # one, the client's offer is never seen and the answer names no extension.
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)
