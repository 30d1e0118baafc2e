"""Voice balance: counts per table and role, and the rule that protects small groups."""

from __future__ import annotations

import pytest

from cafe.domain.voice import Counts, PostFact, RoleBalance, voice_balance


def fact(
    table: int, role: str | None, device: str, core: bool = False, themed: bool = False
) -> PostFact:
    """A post with what the balance needs."""
    return PostFact(table=table, role=role, device=device, core=core, themed=themed)


def test_counts_posts_core_ideas_and_themed_core_ideas_per_table() -> None:
    """Every table appears, a silent one with zeros; only core ideas can reach a theme."""
    facts = [
        fact(1, "asiakas", "a", core=True, themed=True),
        fact(1, "asiakas", "a"),
        fact(1, "ammattilainen", "b", core=True),
        fact(2, None, "c", themed=True),  # not core: cannot have reached a theme
    ]
    balance = voice_balance(facts, tables=[1, 2, 3], roles=["asiakas", "ammattilainen"])
    assert balance.tables == {
        1: Counts(posts=3, core=2, themed=1),
        2: Counts(posts=1, core=0, themed=0),
        3: Counts(),
    }


def test_a_role_shows_only_when_three_phones_carried_it() -> None:
    """Two clients would be identifiable; three are a group."""
    two = [fact(1, "asiakas", d, core=True, themed=True) for d in ("a", "b")]
    many_posts_one_phone = [fact(1, "opiskelija", "s") for _ in range(5)]
    three = [fact(1, "ammattilainen", d, core=d == "x") for d in ("x", "y", "z")]
    balance = voice_balance(
        two + many_posts_one_phone + three,
        tables=[1],
        roles=["asiakas", "ammattilainen", "opiskelija"],
    )
    assert balance.roles == (
        RoleBalance("asiakas", None),
        RoleBalance("ammattilainen", Counts(posts=3, core=1, themed=0)),
        RoleBalance("opiskelija", None),
        RoleBalance(None, None),
    )


def test_untagged_posts_and_retired_tags_get_their_own_lines() -> None:
    """No tag is a line of its own; a tag no longer offered is still counted, last."""
    facts = [fact(1, None, d) for d in "abc"] + [fact(1, "vanha", d) for d in "def"]
    balance = voice_balance(facts, tables=[1], roles=["asiakas"])
    assert [line.role for line in balance.roles] == ["asiakas", "vanha", None]
    assert balance.roles[1].counts == Counts(posts=3)
    assert balance.roles[2].counts == Counts(posts=3)


@pytest.mark.parametrize("minimum", [1, 3, 5])
def test_the_threshold_is_a_parameter(minimum: int) -> None:
    """The rule's number can be raised for a small event."""
    facts = [fact(1, "muu", str(n)) for n in range(3)]
    line = voice_balance(facts, tables=[1], roles=["muu"], min_phones=minimum).roles[0]
    assert (line.counts is not None) == (3 >= minimum)
