"""The collector's upkeep in `cafe run` (cafe/server.py): pauses counted and reported in
one line, the heap frozen after a connection ramp and unfrozen when most have left."""

from __future__ import annotations

import gc
import re
import weakref
from collections.abc import Iterator

import pytest

from cafe.server import CollectorWatch, RampFreeze


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Leave the test process's collector as it was found (nothing frozen)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_watch_counts_collections_by_generation_and_reports_once() -> None:
    watch = CollectorWatch()
    gc.callbacks.append(watch)
    try:
        gc.collect(0)
        gc.collect(0)
        gc.collect(2)
    finally:
        gc.callbacks.remove(watch)
    line = watch.take()
    assert line is not None
    found = re.fullmatch(
        r"gc pauses: gen0 (\d+) longest [\d.]+ ms, gen1 (\d+) longest [\d.]+ ms,"
        r" gen2 (\d+) longest ([\d.]+) ms",
        line,
    )
    assert found, line
    assert int(found[1]) >= 2 and int(found[3]) >= 1
    assert watch.take() is None  # counted once


def test_a_ramp_is_frozen_once_it_stops_growing(unfrozen: None) -> None:
    ramp = RampFreeze(step=100)
    assert ramp.tick(50) is None
    assert ramp.tick(150) is None  # still growing
    assert gc.get_freeze_count() == 0
    said = ramp.tick(150)
    assert said is not None and said.startswith("gc froze at 150 connections")
    assert gc.get_freeze_count() > 0
    assert ramp.tick(200) is None and ramp.tick(200) is None  # less than a step more


def test_the_heap_is_refrozen_when_most_connections_have_gone(unfrozen: None) -> None:
    ramp = RampFreeze(step=100)
    ramp.tick(400)
    node = Node()
    node.me = node  # a reference cycle: only the collector frees it
    gone = weakref.ref(node)
    assert ramp.tick(400) is not None  # frozen, the cycle with the rest
    del node
    gc.collect()
    assert gone() is not None  # frozen objects are not collected
    assert ramp.tick(300) is None  # a quarter left: kept frozen
    said = ramp.tick(150)
    assert said is not None and said.startswith("gc refroze at 150 connections")
    assert gone() is None
    assert ramp.frozen_at == 150 and gc.get_freeze_count() > 0


class Node:
    """An object that can sit in a reference cycle and be watched by a weak reference."""

    me: object = None


def test_the_flask_relay_is_served_as_the_app_is() -> None:
    """bench/relay/flask_relay.py copies `cafe run`'s serving settings (it imports nothing
    of the app, to stay the bare floor): a change to one without the other would make
    issue 14's comparison unfair, so they are compared here. The collector's thresholds
    differ on purpose (the relay keeps Python's, its better setting: see its module)."""
    from bench.relay import flask_relay
    from cafe import server
    from cafe.wire import MAX_TRANSPORT_BYTES, PlainWebSockets

    assert flask_relay.GC_THRESHOLDS == (700, 10, 1000) != server.GC_THRESHOLDS
    assert flask_relay.FREEZE_STEP == RampFreeze().step
    assert flask_relay.LISTEN_BACKLOG == server.LISTEN_BACKLOG
    assert flask_relay.MAX_TRANSPORT_BYTES == MAX_TRANSPORT_BYTES
    # Both take a browser's offer of per-message compression out of its upgrade request.
    seen: list[dict[str, object]] = []

    def inner(environ: dict[str, object], start_response: object) -> list[bytes]:
        seen.append(dict(environ))
        return []

    for wrap in (flask_relay.plain_websockets, PlainWebSockets):
        seen.clear()
        offer = "permessage-deflate; client_max_window_bits"
        environ = {"HTTP_UPGRADE": "websocket", "HTTP_SEC_WEBSOCKET_EXTENSIONS": offer}
        wrap(inner)(environ, lambda status, headers: None)
        assert seen == [{"HTTP_UPGRADE": "websocket"}], wrap
