"""Anonymous feedback per role: counts, average rating and the free texts.

The same rule as the voice balance: a role's figures (and texts) are shown only when at
least three phones answered with that tag, so that nobody is singled out by a small
group; the totals over everyone are always shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cafe.domain.errors import DomainError
from cafe.domain.summary import clean_body
from cafe.domain.voice import MIN_PHONES_PER_ROLE

RATINGS = range(1, 6)
MAX_FEEDBACK_TEXT = 1_000


@dataclass(frozen=True)
class Answer:
    """One phone's feedback."""

    role: str | None
    rating: int
    text: str


@dataclass(frozen=True)
class RoleFeedback:
    """One line of the summary; ``shown`` is False when too few phones carried the role."""

    role: str | None
    count: int
    shown: bool
    average: float | None
    #: Rating → how many gave it (1..5), when shown.
    ratings: tuple[int, ...]
    texts: tuple[str, ...]


def check_answer(rating: object, text: object) -> tuple[int, str]:
    """A rating 1–5 and an optional text (at most 1,000 characters), or ``DomainError``."""
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise DomainError("bad_rating")
    return rating, clean_body("" if text is None else text, MAX_FEEDBACK_TEXT)


def _line(role: str | None, answers: list[Answer], min_phones: int) -> RoleFeedback:
    shown = len(answers) >= min_phones
    if not shown:
        return RoleFeedback(role, len(answers), False, None, (), ())
    return RoleFeedback(
        role=role,
        count=len(answers),
        shown=True,
        average=round(sum(a.rating for a in answers) / len(answers), 2),
        ratings=tuple(sum(1 for a in answers if a.rating == r) for r in RATINGS),
        texts=tuple(a.text for a in answers if a.text),
    )


def feedback_summary(
    answers: Iterable[Answer], roles: Iterable[str], min_phones: int = MIN_PHONES_PER_ROLE
) -> tuple[RoleFeedback, tuple[RoleFeedback, ...]]:
    """The line over everyone (shown from ``min_phones`` answers on) and one per role tag
    offered (plus any other tag seen, then "no role"), in that order."""
    every = list(answers)
    offered = list(roles)
    seen = [a.role for a in every if a.role is not None and a.role not in offered]
    ordered: list[str | None] = [*offered, *dict.fromkeys(seen), None]
    lines = tuple(_line(role, [a for a in every if a.role == role], min_phones) for role in ordered)
    return _line(None, every, min_phones), lines
