"""The facilitator's countdown timer as a value: running (ends at a moment) or paused."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cafe.domain.errors import DomainError

MAX_TIMER_SECONDS = 4 * 60 * 60


@dataclass(frozen=True)
class Timer:
    """A countdown. When running, ``ends_at`` is a UNIX time; when paused, ``remaining`` holds."""

    duration: int = 0
    ends_at: float | None = None
    remaining: int = 0

    @property
    def running(self) -> bool:
        """Whether the countdown is ticking."""
        return self.ends_at is not None

    def seconds_left(self, now: float) -> int:
        """Whole seconds left at ``now`` (never negative)."""
        if self.ends_at is None:
            return self.remaining
        return max(0, int(round(self.ends_at - now)))


def set_duration(seconds: object) -> Timer:
    """Return a paused timer of ``seconds``; reject anything but 0 to 4 hours in whole seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise DomainError("timer_invalid")
    if not 0 <= seconds <= MAX_TIMER_SECONDS:
        raise DomainError("timer_invalid")
    return Timer(duration=seconds, ends_at=None, remaining=seconds)


def start(timer: Timer, now: float) -> Timer:
    """Start or resume the countdown from what is left."""
    if timer.running:
        return timer
    return replace(timer, ends_at=now + timer.remaining)


def pause(timer: Timer, now: float) -> Timer:
    """Freeze the countdown with what is left."""
    if not timer.running:
        return timer
    return replace(timer, ends_at=None, remaining=timer.seconds_left(now))


def reset(timer: Timer) -> Timer:
    """Stop and go back to the full duration."""
    return Timer(duration=timer.duration, ends_at=None, remaining=timer.duration)
