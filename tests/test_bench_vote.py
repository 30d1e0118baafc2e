"""bench/vote.py: a phone's dots follow the template's spread rule, the board's count
latency is measured from the k-th vote to the board showing k phones, and a small run
against a real server acknowledges every vote and shows the chart."""

from __future__ import annotations

import random

import pytest

from bench.load import EventInfo
from bench.vote import DOTS, PER_ITEM, Room, count_latencies, main, spread
from cafe.domain.votes import spread_problem
from tests.helpers import in_a_thread_of_its_own


def test_every_planned_spread_is_one_the_server_accepts() -> None:
    rng = random.Random(3)
    keys = [f"theme:{n}" for n in range(1, 7)]
    for _ in range(200):
        placed: dict[str, int] = {}
        for item, dots in spread(keys, rng):
            assert spread_problem(placed, item, dots, total=DOTS, per_item=PER_ITEM) is None
            placed[item] = dots
        assert sum(placed.values()) == DOTS


def test_count_latency_runs_from_the_kth_vote_to_the_board_showing_k() -> None:
    room = Room(EventInfo(index=0, code="x", board_token="y", tables=1))
    room.first_votes = [10.0, 10.5, 11.0]
    room.counts = [(10.2, 1), (11.1, 3)]
    assert count_latencies(room) == pytest.approx([0.2, 0.6, 0.1])


@pytest.mark.server
def test_a_small_burst_is_acknowledged_and_revealed(capsys: pytest.CaptureFixture[str]) -> None:
    code = in_a_thread_of_its_own(
        lambda: main(
            ["--phones", "6", "--phones-per-table", "3", "--tables-per-event", "1", "--window", "1"]
        )
    )
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0, out + captured.err
    assert "phones voting:       6 in 2 event(s)" in out
    assert "boards showing every phone at the end: 2/2" in out
    assert "refused" not in out
    assert "reveal → chart:      p50" in out
