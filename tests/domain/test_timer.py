"""The facilitator's countdown as a value, with explicit clock readings (pure core)."""

from __future__ import annotations

import pytest

from cafe.domain.errors import DomainError
from cafe.domain.timer import MAX_TIMER_SECONDS, Timer, pause, reset, set_duration, start

T0 = 1_700_000_000.0


def test_new_timer_is_zero_and_stopped() -> None:
    timer = Timer()
    assert not timer.running
    assert timer.seconds_left(T0) == 0


def test_set_duration_gives_a_paused_timer_of_that_length() -> None:
    timer = set_duration(300)
    assert timer == Timer(duration=300, ends_at=None, remaining=300)
    assert not timer.running
    assert timer.seconds_left(T0) == timer.seconds_left(T0 + 10_000) == 300


def test_start_counts_down_from_now() -> None:
    timer = start(set_duration(300), now=T0)
    assert timer.running
    assert timer.ends_at == T0 + 300
    assert timer.seconds_left(T0) == 300
    assert timer.seconds_left(T0 + 100) == 200
    assert timer.seconds_left(T0 + 299.6) == 0
    assert timer.seconds_left(T0 + 299.4) == 1


@pytest.mark.parametrize("later", [300, 301, 10_000])
def test_seconds_left_is_never_negative(later: float) -> None:
    assert start(set_duration(300), now=T0).seconds_left(T0 + later) == 0


def test_pause_freezes_what_is_left_and_start_resumes_from_it() -> None:
    paused = pause(start(set_duration(300), now=T0), now=T0 + 120)
    assert not paused.running
    assert paused.remaining == 180
    assert paused.duration == 300
    assert paused.seconds_left(T0 + 5_000) == 180
    resumed = start(paused, now=T0 + 1_000)
    assert resumed.ends_at == T0 + 1_180
    assert resumed.seconds_left(T0 + 1_100) == 80


def test_start_of_a_running_timer_changes_nothing() -> None:
    running = start(set_duration(60), now=T0)
    assert start(running, now=T0 + 30) == running


def test_pause_of_a_paused_timer_changes_nothing() -> None:
    paused = set_duration(60)
    assert pause(paused, now=T0) == paused


def test_pause_after_the_end_leaves_zero() -> None:
    assert pause(start(set_duration(60), now=T0), now=T0 + 90).remaining == 0


@pytest.mark.parametrize("running", [True, False])
def test_reset_stops_at_the_full_duration(running: bool) -> None:
    timer = pause(start(set_duration(600), now=T0), now=T0 + 100)
    if running:
        timer = start(timer, now=T0 + 200)
    assert reset(timer) == Timer(duration=600, ends_at=None, remaining=600)


@pytest.mark.parametrize("seconds", [0, 1, 60, MAX_TIMER_SECONDS])
def test_set_duration_accepts_zero_to_four_hours(seconds: int) -> None:
    assert set_duration(seconds).remaining == seconds
    assert MAX_TIMER_SECONDS == 4 * 60 * 60


@pytest.mark.parametrize(
    "seconds",
    [-1, -300, MAX_TIMER_SECONDS + 1, 10**12, True, False, 60.0, 0.5, "60", None, [60]],
)
def test_set_duration_refuses_invalid_values(seconds: object) -> None:
    with pytest.raises(DomainError) as caught:
        set_duration(seconds)
    assert caught.value.code == "timer_invalid"
