"""Anonymous feedback per role: counts, average rating and the free texts.

The same rule as the voice balance: a role's figures (and texts) are shown only when at
least three phones answered with that tag, and not when the line over everyone minus the
shown roles would single out a smaller group (complementary suppression, see
``cafe.domain.suppression``). "No role" is a group like any tag. The line over everyone is
shown from three answers on.

The texts: every text is listed once on the line over everyone, in alphabetical order and
without its role; a shown role's line lists its own texts as well. A text that no shown
role lists therefore came from the hidden roles together, which the suppression keeps at
three phones or more whenever the line over everyone is shown — the same protection a
shown role's texts have. Sorting keeps the order of answering (which a facilitator may
have watched) from pointing at the last phone to answer. The alternative, texts listed
only unattributed, would lose what the per-role lines are for: hearing what the clients,
not only everyone, want kept or changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cafe.domain.errors import DomainError
from cafe.domain.summary import clean_body
from cafe.domain.suppression import MIN_PHONES_PER_ROLE, shown_groups

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
    """One line of the summary; ``shown`` is False when the line's figures could single
    out fewer than three phones (then a role line's ``count`` is None as well)."""

    role: str | None
    count: int | None
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


def _figures(role: str | None, answers: list[Answer], texts: Iterable[str]) -> RoleFeedback:
    return RoleFeedback(
        role=role,
        count=len(answers),
        shown=True,
        average=round(sum(a.rating for a in answers) / len(answers), 2) if answers else None,
        ratings=tuple(sum(1 for a in answers if a.rating == r) for r in RATINGS),
        texts=tuple(texts),
    )


def feedback_summary(
    answers: Iterable[Answer], roles: Iterable[str], min_phones: int = MIN_PHONES_PER_ROLE
) -> tuple[RoleFeedback, tuple[RoleFeedback, ...]]:
    """The line over everyone and one per role tag offered (plus any other tag seen, then
    "no role"), in that order. Each phone gives one answer, so answers count phones."""
    every = list(answers)
    offered = list(roles)
    seen = [a.role for a in every if a.role is not None and a.role not in offered]
    ordered: list[str | None] = [*offered, *dict.fromkeys(seen), None]
    groups = [[a for a in every if a.role == role] for role in ordered]
    # Phones are numbered by answer: equal answers are still different phones.
    phones = [{i for i, a in enumerate(every) if a.role == role} for role in ordered]
    shown = shown_groups(phones, min_phones)
    lines = tuple(
        _figures(role, group, (a.text for a in group if a.text))
        if visible
        else RoleFeedback(role, None, False, None, (), ())
        for role, group, visible in zip(ordered, groups, shown, strict=True)
    )
    if len(every) < min_phones:
        total = RoleFeedback(None, len(every), False, None, (), ())
    else:
        texts = sorted((a.text for a in every if a.text), key=lambda t: (t.casefold(), t))
        total = _figures(None, every, texts)
    return total, lines


#: Languages that write a decimal comma ("keskiarvo 3,7", "medelvärde 3,7").
DECIMAL_COMMA = frozenset({"fi", "sv"})


def format_average(value: float, language: str) -> str:
    """An average rating with one decimal as the document's language writes it: ``3,7`` in
    Finnish and Swedish, ``3.7`` in English."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if language in DECIMAL_COMMA else text
