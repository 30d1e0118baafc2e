"""bench/load.py --restart reconnects its clients as the pages do: the same settings as
static/js/common.js, and socket.io-client's backoff formula."""

from __future__ import annotations

import random
import re
from pathlib import Path

from bench.load import (
    BROWSER_RANDOMIZATION_FACTOR,
    BROWSER_RECONNECTION_DELAY,
    BROWSER_RECONNECTION_DELAY_MAX,
    BROWSER_STATE_TIMEOUT,
    Backoff,
)

COMMON_JS = Path(__file__).resolve().parent.parent / "static" / "js" / "common.js"


def page_setting(name: str) -> float:
    """A number of the ``RECONNECTION`` options in common.js."""
    block = re.search(r"const RECONNECTION = \{(.*?)\};", COMMON_JS.read_text(), re.DOTALL)
    assert block is not None, "common.js has no RECONNECTION options"
    value = re.search(rf"\b{name}:\s*([0-9.]+)", block.group(1))
    assert value is not None, f"RECONNECTION has no {name}"
    return float(value.group(1))


def test_the_bench_reconnects_with_the_pages_settings() -> None:
    assert page_setting("reconnectionDelay") == BROWSER_RECONNECTION_DELAY * 1000
    assert page_setting("reconnectionDelayMax") == BROWSER_RECONNECTION_DELAY_MAX * 1000
    assert page_setting("randomizationFactor") == BROWSER_RANDOMIZATION_FACTOR
    timeout = re.search(r"const STATE_TIMEOUT_MS = (\d+);", COMMON_JS.read_text())
    assert timeout is not None and float(timeout.group(1)) == BROWSER_STATE_TIMEOUT * 1000


def test_backoff_doubles_within_the_randomization_and_stops_at_the_maximum() -> None:
    """socket.io-client: attempt n waits delay·2ⁿ ± up to factor·delay·2ⁿ, at most the max."""
    rng = random.Random(7)
    for _ in range(200):
        backoff = Backoff(0.5, 3.0, 0.5, rng)
        waits = [backoff.duration() for _ in range(6)]
        for n, wait in enumerate(waits):
            nominal = 0.5 * 2**n
            assert min(nominal * 0.5, 3.0) <= wait <= min(nominal * 1.5, 3.0)
        backoff.reset()
        assert 0.25 <= backoff.duration() <= 0.75
    firsts = [Backoff(0.5, 3.0, 0.5, rng).duration() for _ in range(2000)]
    # Spread over the whole window, both sides of the nominal delay.
    assert min(firsts) < 0.3 and max(firsts) > 0.7
    assert 0.45 < sum(firsts) / len(firsts) < 0.55
