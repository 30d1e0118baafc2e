"""Outgoing packets: the app's packet class tells binary payloads from the rest as
python-socketio's does, without walking every payload in Python (cafe/wire.py)."""

from __future__ import annotations

from typing import Any

import pytest
from socketio import packet

from cafe.wire import CafePacket

POST = {"id": "a" * 36, "text": "Yhteyshenkilö koko prosessiin 🙂", "core": True, "role": None}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        ["post", POST],
        [{"ok": True, "state": {"posts": [POST] * 30, "vote": None, "n": 1.5}}],
        [{"ok": True, "chart": b"\x89PNG"}],
        [{"deep": [[{"x": bytearray(b"1")}]]}],
        ["event", {"tables": {"1": 3}}, b"attachment"],
        [{1: "int keys encode"}, {(1, 2): "tuple keys do not"}],
    ],
)
def test_binary_is_told_as_python_socketio_tells_it(data: Any) -> None:
    assert CafePacket.data_is_binary(data) == packet.Packet.data_is_binary(data)


def test_an_acknowledgement_with_bytes_becomes_a_binary_one() -> None:
    assert CafePacket(packet.ACK, data=[{"chart": b"png"}], id=1).packet_type == packet.BINARY_ACK
    assert CafePacket(packet.ACK, data=[{"ok": True}], id=1).packet_type == packet.ACK
    assert CafePacket(packet.EVENT, data=["post", POST]).packet_type == packet.EVENT
