"""bench/load.py --restart reconnects its clients as the pages do: the same settings as
static/js/common.js, and socket.io-client's backoff formula. ``--relay`` runs against the
reference relays of bench/relay/ (each started for real, with real clients)."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.load import (
    BROWSER_RANDOMIZATION_FACTOR,
    BROWSER_RECONNECTION_DELAY,
    BROWSER_RECONNECTION_DELAY_MAX,
    BROWSER_STATE_TIMEOUT,
    Backoff,
    ensure_node_relay,
    fake_events,
    parse_options,
)

REPOSITORY = Path(__file__).resolve().parent.parent
COMMON_JS = REPOSITORY / "static" / "js" / "common.js"


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


def test_relay_events_have_the_apps_layout_with_made_up_secrets() -> None:
    events = fake_events(25, 10)
    assert [e.tables for e in events] == [10, 10, 5]
    assert [len(e.table_ids) for e in events] == [10, 10, 5]
    ids = [i for e in events for i in e.table_ids]
    assert len(set(ids)) == 25
    # The relay names an event's rooms by the code phones bring and the token boards bring.
    assert all(e.code == e.board_token for e in events)
    assert len({e.code for e in events}) == 3


def test_a_relay_restarts_only_without_posts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_options(["--relay", "flask", "--restart"])
    assert "--restart with --relay needs --rate 0" in capsys.readouterr().err
    options = parse_options(["--relay", "flask", "--restart", "--rate", "0"])
    assert options.restart and options.relay == "flask" and options.rate == 0


def run_against_relay(relay: str, *extra: str) -> dict[str, Any]:
    """A tiny load run against a relay the bench starts itself; its JSON result."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            "--relay",
            relay,
            "--phones",
            "20",
            "--rate",
            "1",
            "--duration",
            "2",
            "--json",
            *extra,
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "CPU per post" in result.stdout
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.server
@pytest.mark.parametrize(
    "relay",
    [
        "flask",
        pytest.param(
            "node",
            marks=pytest.mark.skipif(
                shutil.which("node") is None or shutil.which("npm") is None,
                reason="node and npm are needed for the Node relay",
            ),
        ),
    ],
)
def test_a_relay_serves_a_small_run_without_losing_anything(relay: str) -> None:
    if relay == "node":
        # npm ci from the lock file, once (kept in bench/relay/node/node_modules).
        ensure_node_relay()
    report = run_against_relay(relay)
    assert report["relay"] == relay
    assert report["phones_connected"] == 20 and report["boards_connected"] == 1
    assert report["hosts"] == 2
    assert report["dropped_phones"] == 0 and report["dropped_boards"] == 0
    assert report["unknown_broadcasts"] == 0
    (steady,) = report["phases"]
    # 20 phones, one post a second each for 2 s; the two hosts' posts are core ideas.
    assert steady["posts_sent"] == 40
    assert steady["posts_acked"] == 40 and not steady["refused"]
    assert steady["never_acked"] == 0 and steady["lost_after_ack"] == 0
    assert steady["own_echo_missing"] == 0 and steady["duplicate_deliveries"] == 0
    # Every post reached the other nine phones at its table, every core idea the board.
    assert steady["peer_ms"]["n"] == 40 * 9
    assert steady["board_ms"]["n"] == 4
    assert steady["server_cpu_ms_per_post"] is not None and steady["server_cpu_ms_per_post"] > 0
    # A relay logs no collector pauses.
    assert steady["server_gc"] is None


@pytest.mark.server
def test_a_relay_is_killed_and_every_client_comes_back() -> None:
    # The herd's floor: the bare Flask-SocketIO relay SIGKILLed and started again on its
    # port; phones reconnect on the pages' backoff and join again, the board syncs again.
    report = run_against_relay(
        "flask", "--rate", "0", "--duration", "6", "--restart", "--restart-at", "1"
    )
    restart = report["restart"]
    assert restart["server_down_seconds"] is not None
    assert restart["phones_back"] == 20 and restart["boards_back"] == 1
    assert restart["rejoin_from_back_s"]["n"] == 20
    assert restart["connected_from_back_s"]["n"] == 21
    assert restart["posts_sent"] == 0 and restart["acked_lost"] == 0
    assert restart["server_cpu_ms_per_client"] is not None
