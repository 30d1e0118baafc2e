"""The web server's own log lines, without client addresses.

gevent's WSGI server writes an access line per request (off: ``log_output=False``) and an
error line per malformed request, prefixed with the socket (whose repr names the peer) and
"from ('192.0.2.7', 51234)"; its hub prints failed greenlets with their WSGI environ,
``REMOTE_ADDR`` included. The README promises no IP address is ever written down, so
``cafe run`` (cafe/server.py) gives gevent a handler that leaves the address out and an
error log, and the hub an exception stream, that blank any address left in a line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import TextIO

_IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
_HEX = r"[0-9A-Fa-f]{1,4}"
# A full eight-group address, or a shortened one with "::" (a clock's 12:58:20 is neither).
_IPV6 = (
    rf"(?<![\w:])(?:(?:{_HEX}:){{7}}{_HEX}"
    rf"|(?:{_HEX}(?::{_HEX})*)?::(?:{_HEX}(?::{_HEX})*)?)(?![\w:])"
)
#: An IPv4 or IPv6 address anywhere in a line.
ADDRESS = re.compile(f"{_IPV4}|{_IPV6}")
#: What an address is replaced with.
BLANK = "<address>"


def without_addresses(text: str) -> str:
    """``text`` with every IPv4 and IPv6 address replaced by :data:`BLANK`."""
    return ADDRESS.sub(BLANK, text)


class AddressFreeLog:
    """A file-like log (``write``, ``writelines``, ``flush``: what gevent's error log,
    ``wsgi.errors`` and the hub's exception stream need) that blanks addresses and
    writes to ``stream``, by default the ``sys.stderr`` of the moment of writing."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` without addresses; the length of what was given."""
        stream = self._stream or sys.stderr
        stream.write(without_addresses(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Flush the stream written to."""
        (self._stream or sys.stderr).flush()
