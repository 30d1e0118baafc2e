"""bench/scale.py at a tiny size: the two-worker setup (two ``cafe run`` on the private
PostgreSQL with the private Redis as their queue, behind the documented nginx site) under
bench/load.py's real clients, each carried to its worker by the route cookie."""

from __future__ import annotations

import pytest

from bench.scale import parse, run_setups
from tests.helpers import in_a_thread_of_its_own
from tests.services import PostgresServer, RedisServer

pytestmark = pytest.mark.server


def test_the_options_are_load_py_s_less_those_that_choose_the_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setups, options = parse(["--setups", "two", "--phones", "20", "--duration", "2"])
    assert setups == ("two",) and options.phones == 20 and options.duration == 2
    assert parse([])[0] == ("one", "two")
    for refused in (["--url", "http://127.0.0.1:5000"], ["--relay", "flask"], ["--restart"]):
        with pytest.raises(SystemExit):
            parse(refused)
        assert "does not go with bench/scale.py" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse(["--setups", "three"])


def test_two_workers_share_a_tiny_load_and_every_core_idea_crosses_the_queue(
    postgres_server: PostgresServer, redis_server: RedisServer
) -> None:
    _, options = parse(
        ["--setups", "two", "--phones", "20", "--rate", "1", "--duration", "2", "--idle", "1"]
    )
    (entry,) = in_a_thread_of_its_own(
        lambda: run_setups(["two"], options, postgres_server, redis_server)
    )
    result = entry.result
    assert result.server_url.startswith("https://")  # through nginx
    assert result.phones_connected == 20 and result.boards_connected == 1
    assert result.hosts == 2 and not result.connect_failures
    # Phones dealt by seat (hosts on A), the board on B; each worker holds exactly the
    # connections its route cookie sent it, so the cookie carried every client through nginx.
    assert result.routing == {
        "A": {"phones": 10, "boards": 0, "sockets": 10},
        "B": {"phones": 10, "boards": 1, "sockets": 11},
    }
    assert result.split_tables == 2 == result.tables
    assert result.dropped_phones == 0 and result.dropped_boards == 0
    (steady,) = result.phases
    assert steady.posts_sent == 40 and steady.posts_acked == 40 and not steady.refused
    assert steady.never_acked == 0 and steady.lost_after_ack == 0
    assert steady.duplicate_deliveries == 0 and steady.own_echo_missing == 0
    # Every post reached its nine peers (four or five of them on the other worker), and
    # every core idea, all posted on A, the board on B: across Redis.
    assert steady.peer_ms["n"] == 40 * 9
    assert steady.board_ms["n"] == 4
    assert steady.server_cpu_ms_per_post is not None and steady.server_cpu_ms_per_post > 0
    assert result.services == ["PostgreSQL", "Redis", "nginx"]
    assert steady.services_cpu_ms_per_post is not None and steady.services_cpu_ms_per_post > 0
    assert len(entry.load_before) == 3 and len(entry.load_after) == 3
