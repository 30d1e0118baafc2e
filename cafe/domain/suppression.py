"""Small groups are never shown, nor recoverable by subtraction (complementary suppression).

Feedback and the voice balance both break figures down by role tag, and both hide a role
that fewer than ``MIN_PHONES_PER_ROLE`` phones carried. Hiding the small group's own line is
not enough whenever something adds the groups up again: the feedback's line over everyone,
or the voice balance's per-table counts, whose sum is the total over every role. The total
minus the shown lines is exactly the hidden lines together, so with roles of 3 + 3 + 1
phones the single phone's figures are one subtraction away.

So, as statistical offices do with tables, the smallest shown group is hidden as well
(complementary suppression) until the hidden groups together hold at least
``MIN_PHONES_PER_ROLE`` phones or nothing is left to show. A subtraction then yields only
the hidden groups' figures merged, a group of at least three phones like any shown one.

What this does not cover, and the callers must keep: a hidden line's own size is not given
(only the merged size, by subtraction), and figures that change live show the difference
one phone's action makes to whoever watches them change.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence, Set

#: A group's figures are shown only when at least this many phones are in it.
MIN_PHONES_PER_ROLE = 3


def shown_groups(
    groups: Sequence[Set[Hashable]], min_phones: int = MIN_PHONES_PER_ROLE
) -> tuple[bool, ...]:
    """Which of ``groups`` (each the set of phones in it; a phone may be in several) may
    be shown, in the same order.

    A non-empty group smaller than ``min_phones`` is hidden. While the hidden groups
    together hold some but fewer than ``min_phones`` phones, the smallest shown non-empty
    group (the first of equals) is hidden too. An empty group is shown, as zeros: it
    holds nobody, and a shown zero is what a facilitator looks for ("no client spoke") —
    except when fewer than ``min_phones`` phones are in the groups at all: then every
    line is hidden, because telling which groups are empty would tell which group those
    few phones are in.
    """
    shown = [len(members) >= min_phones for members in groups]

    def hidden_phones() -> int:
        pool: set[Hashable] = set()
        for members, visible in zip(groups, shown, strict=True):
            if not visible:
                pool |= members
        return len(pool)

    # Hiding one shown group always suffices (it alone has min_phones), unless none is left.
    while 0 < hidden_phones() < min_phones:
        candidates = [i for i, members in enumerate(groups) if shown[i] and members]
        if not candidates:
            break
        shown[min(candidates, key=lambda i: len(groups[i]))] = False
    everyone = len(set().union(*groups)) if groups else 0
    few = 0 < everyone < min_phones
    return tuple(
        visible or (not members and not few) for members, visible in zip(groups, shown, strict=True)
    )
