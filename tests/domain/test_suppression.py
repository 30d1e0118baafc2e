"""The shared small-group rule: hide groups under three phones, then hide the next smallest
shown ones until the hidden groups together hold three phones (complementary suppression)."""

from __future__ import annotations

import itertools
import random

import pytest

from cafe.domain.suppression import MIN_PHONES_PER_ROLE, shown_groups


def groups(*sizes: int) -> list[set[str]]:
    """Disjoint groups of phones with these sizes."""
    made, phones = [], itertools.count()
    for size in sizes:
        made.append({f"p{next(phones)}" for _ in range(size)})
    return made


@pytest.mark.parametrize(
    ("sizes", "shown"),
    [
        ((3, 3, 3), (True, True, True)),  # nothing small: nothing hidden
        ((3, 3, 1), (False, True, False)),  # the case: one of the threes goes too
        ((3, 1, 1), (False, False, False)),  # two small ones hold 2 phones: the three goes
        ((4, 2), (False, False)),
        ((5, 2, 2), (True, False, False)),  # two small ones together hold 4: enough
        ((4, 1, 3), (True, False, False)),  # the smallest shown group, not the first
        ((3, 0, 1, 5), (False, True, False, True)),  # an empty group is shown as zeros
        ((2, 0), (False, False)),  # only 2 phones at all: even the empty line is hidden
        ((0, 0), (True, True)),  # nobody yet: zeros everywhere
        ((), ()),
    ],
)
def test_which_groups_are_shown(sizes: tuple[int, ...], shown: tuple[bool, ...]) -> None:
    assert shown_groups(groups(*sizes)) == shown


def test_a_phone_in_two_groups_is_counted_once_in_the_hidden_pool() -> None:
    """A phone that changed its tag is in two groups: the pool counts phones, not entries."""
    both = [{"a", "b"}, {"a"}, {"c", "d", "e"}, {"f", "g", "h", "i"}]
    # Sizes alone (2 + 1) would say the pool holds 3; it holds only a and b.
    assert shown_groups(both) == (False, False, False, True)


def test_never_a_hidden_pool_under_three_phones_and_every_small_group_hidden() -> None:
    """Random sizes: subtracting the shown groups from everyone leaves 0 or ≥ 3 phones,
    unless fewer than 3 took part (then nothing at all is shown)."""
    rng = random.Random(9)
    for _ in range(2_000):
        made = groups(*(rng.choice([0, 0, 1, 2, 3, 3, 4, 5, 7]) for _ in range(rng.randint(1, 6))))
        shown = shown_groups(made)
        hidden = set().union(*(g for g, visible in zip(made, shown, strict=True) if not visible))
        everyone = set().union(*made)
        assert all(not visible for g, visible in zip(made, shown, strict=True) if 0 < len(g) < 3)
        if 0 < len(everyone) < MIN_PHONES_PER_ROLE:
            assert not any(shown)
        else:
            assert len(hidden) == 0 or len(hidden) >= MIN_PHONES_PER_ROLE
            # Only as much is hidden as needed: at most one group of three or more.
            assert sum(1 for g, v in zip(made, shown, strict=True) if not v and len(g) >= 3) <= 1
