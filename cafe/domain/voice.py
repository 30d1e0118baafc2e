"""Whose voice got through: posts, core ideas and themed ideas per table and per role tag.

"No pseudo-participation": a facilitator must be able to see whether the clients' and the
experience experts' ideas reach the summary as often as the professionals'. Role figures
are shown only when enough phones carried the tag that nobody is singled out, and not when
the per-table figures (always shown: their sum is the total over every role) minus the
shown roles would single out a smaller group (complementary suppression, see
``cafe.domain.suppression``). A table's own figures stay: a table is a place in the room,
not a group of people with something in common.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The rule's number lives with the rule; re-exported for the callers that know it from here.
from cafe.domain.suppression import MIN_PHONES_PER_ROLE as MIN_PHONES_PER_ROLE
from cafe.domain.suppression import shown_groups


@dataclass(frozen=True)
class PostFact:
    """What the balance needs to know of one visible post (never its text)."""

    table: int
    role: str | None
    device: str
    core: bool
    themed: bool


@dataclass(frozen=True)
class Counts:
    """Posts, core ideas and ideas that reached a theme of the summary."""

    posts: int = 0
    core: int = 0
    themed: int = 0

    def add(self, fact: PostFact) -> Counts:
        """These counts with one more post."""
        return Counts(
            posts=self.posts + 1,
            core=self.core + int(fact.core),
            themed=self.themed + int(fact.core and fact.themed),
        )


@dataclass(frozen=True)
class RoleBalance:
    """One role tag's line; ``counts`` is None when the line is hidden (too few phones
    carried the tag, or its figures would let a smaller group be worked out)."""

    role: str | None
    counts: Counts | None


@dataclass(frozen=True)
class VoiceBalance:
    """The whole panel."""

    tables: dict[int, Counts]
    roles: tuple[RoleBalance, ...]


def voice_balance(
    facts: Iterable[PostFact],
    tables: Iterable[int],
    roles: Iterable[str],
    min_phones: int = MIN_PHONES_PER_ROLE,
) -> VoiceBalance:
    """Count per table (every table, even a silent one) and per role tag offered.

    Posts without a tag form their own line (``role=None``). A role line carries figures
    only when ``shown_groups`` lets it, counting the distinct phones that used the tag.
    """
    by_table = {table: Counts() for table in tables}
    offered = list(roles)
    by_role: dict[str | None, Counts] = {role: Counts() for role in offered}
    by_role[None] = Counts()
    phones: dict[str | None, set[str]] = {role: set() for role in by_role}
    for fact in facts:
        by_table[fact.table] = by_table.get(fact.table, Counts()).add(fact)
        if fact.role not in by_role:
            # A tag the event no longer offers still counts, under its own name.
            by_role[fact.role] = Counts()
            phones[fact.role] = set()
        by_role[fact.role] = by_role[fact.role].add(fact)
        phones[fact.role].add(fact.device)
    ordered = offered + [r for r in by_role if r not in offered and r is not None] + [None]
    shown = shown_groups([phones[role] for role in ordered], min_phones)
    return VoiceBalance(
        tables=by_table,
        roles=tuple(
            RoleBalance(role, by_role[role] if visible else None)
            for role, visible in zip(ordered, shown, strict=True)
        ),
    )
