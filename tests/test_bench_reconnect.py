"""bench/reconnect_path.py: a small restart brings every phone and board back with a join
or sync acknowledged, and the figures it prints are CPU per phone, split as it says."""

from __future__ import annotations

import re

import pytest

from bench.reconnect_path import main
from cafe.phone import state as phone_payloads


def test_a_small_restart_prints_cpu_per_reconnect(capsys: pytest.CaptureFixture[str]) -> None:
    measured = phone_payloads.phone_state
    main(["--tables", "2", "--phones-per-table", "3", "--posts-per-table", "4", "--rounds", "2"])
    out = capsys.readouterr().out
    assert "2 restarts × 6 phones (2 tables, 4 posts a table, 1 boards)" in out
    figures = {
        name: (float(least), float(median))
        for name, least, median in re.findall(
            r"^ +(\w[\w +]*?) +(\d+\.\d{3}) / (\d+\.\d{3})$", out, re.MULTILINE
        )
    }
    assert set(figures) == {
        "connect",
        "join",
        "of which state",
        "connect + join",
        "board connect+sync",
    }, out
    connect, join, state = figures["connect"], figures["join"], figures["of which state"]
    assert all(value > 0 for value in connect + join + state)
    assert state[0] < join[0]  # the state is built inside the join
    assert figures["connect + join"][0] >= connect[0] + join[0] - 0.002
    assert phone_payloads.phone_state is measured  # the bench's timer was taken off again
