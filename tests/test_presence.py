"""Coalesced presence broadcasts (``cafe.presence.PresenceThrottle``), on real threads and
the real clock: the first change goes out at once, a flurry of changes becomes one send at
the end of the interval with the last table ids, sends of one event stay an interval apart,
events do not hold each other up, and a closed throttle sends nothing more."""

from __future__ import annotations

import threading
import time
from typing import Any

from cafe.presence import PresenceThrottle

INTERVAL = 0.2


class Sends:
    """What the throttle sent, with when (the throttle's send function)."""

    def __init__(self) -> None:
        self.sent: list[tuple[float, int, list[int]]] = []
        self._lock = threading.Lock()

    def __call__(self, event_id: int, table_ids: list[int]) -> None:
        with self._lock:
            self.sent.append((time.monotonic(), event_id, table_ids))

    def of(self, event_id: int) -> list[tuple[float, list[int]]]:
        with self._lock:
            return [(at, tables) for at, event, tables in self.sent if event == event_id]


def spawn(function: Any, *args: Any) -> threading.Thread:
    thread = threading.Thread(target=function, args=args, daemon=True)
    thread.start()
    return thread


def throttle(sends: Sends) -> PresenceThrottle:
    return PresenceThrottle(sends, spawn, time.sleep, interval=INTERVAL)


def test_first_change_is_sent_at_once() -> None:
    sends = Sends()
    throttle(sends).changed(1, [10, 11])
    assert [tables for _, tables in sends.of(1)] == [[10, 11]]


def test_a_flurry_becomes_one_send_with_the_last_tables_after_the_interval() -> None:
    sends = Sends()
    presence = throttle(sends)
    started = time.monotonic()
    presence.changed(1, [10])
    for n in range(50):
        presence.changed(1, [10, 11 + n])
    assert len(sends.of(1)) == 1  # only the first so far
    time.sleep(3 * INTERVAL)
    sent = sends.of(1)
    assert [tables for _, tables in sent] == [[10], [10, 60]]
    assert sent[1][0] - started >= INTERVAL


def test_sends_of_one_event_stay_an_interval_apart_and_the_last_always_arrives() -> None:
    sends = Sends()
    presence = throttle(sends)
    deadline = time.monotonic() + 5 * INTERVAL
    n = 0
    while time.monotonic() < deadline:
        n += 1
        presence.changed(1, [n])
        time.sleep(INTERVAL / 20)
    time.sleep(2 * INTERVAL)
    sent = sends.of(1)
    assert sent[-1][1] == [n]
    assert 4 <= len(sent) <= 7
    gaps = [b[0] - a[0] for a, b in zip(sent, sent[1:], strict=False)]
    assert min(gaps) >= INTERVAL * 0.95


def test_events_do_not_wait_for_each_other() -> None:
    sends = Sends()
    presence = throttle(sends)
    presence.changed(1, [10])
    presence.changed(1, [10, 11])  # waits for event 1's interval
    presence.changed(2, [20])  # another event: sent at once
    assert [tables for _, tables in sends.of(2)] == [[20]]
    time.sleep(2 * INTERVAL)
    assert [tables for _, tables in sends.of(1)] == [[10], [10, 11]]


def test_a_closed_throttle_drops_what_waits_and_sends_nothing_more() -> None:
    sends = Sends()
    presence = throttle(sends)
    presence.changed(1, [10])
    presence.changed(1, [10, 11])
    presence.close()
    presence.changed(2, [20])
    time.sleep(2 * INTERVAL)
    assert [(event, tables) for _, event, tables in sends.sent] == [(1, [10])]
