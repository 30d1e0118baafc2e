"""Voice balance: counts per table and role, and the rule that protects small groups."""

from __future__ import annotations

import pytest

from cafe.domain.voice import Counts, PostFact, RoleBalance, VoiceBalance, voice_balance


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
        # The two small roles hold 3 phones together: nothing else need hide, and
        # nobody posted without a tag, which a zero says without singling anyone out.
        RoleBalance(None, Counts()),
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


# --- no small group by subtraction -------------------------------------------------------


def hidden_pool_total(balance: VoiceBalance) -> Counts:
    """What anyone can compute: every table's figures minus the shown roles' figures."""
    posts = sum(c.posts for c in balance.tables.values())
    core = sum(c.core for c in balance.tables.values())
    themed = sum(c.themed for c in balance.tables.values())
    for line in balance.roles:
        if line.counts is not None:
            posts, core, themed = (
                posts - line.counts.posts,
                core - line.counts.core,
                themed - line.counts.themed,
            )
    return Counts(posts, core, themed)


def test_one_small_role_is_hidden_with_the_next_smallest() -> None:
    """Clients 3, workers 4, one guide: the tables' sum minus the clients and the workers
    used to be the guide's figures; now the clients hide with the guide."""
    clients = [fact(1, "asiakas", d, core=True) for d in "abc"]
    workers = [fact(2, "ammattilainen", d) for d in "defg"]
    guide = [fact(1, "opas", "h", core=True, themed=True), fact(1, "opas", "h")]
    roles = ["asiakas", "ammattilainen", "opas"]
    balance = voice_balance(clients + workers + guide, tables=[1, 2], roles=roles)

    assert balance.roles == (
        RoleBalance("asiakas", None),
        RoleBalance("ammattilainen", Counts(posts=4)),
        RoleBalance("opas", None),
        RoleBalance(None, Counts()),
    )
    # The per-table figures stay; subtracting gives the four hidden phones together.
    assert balance.tables == {1: Counts(5, 4, 1), 2: Counts(4, 0, 0)}
    assert hidden_pool_total(balance) == Counts(posts=5, core=4, themed=1)
    # The guide's themed core idea could as well be a client's: the same panel.
    moved = [
        fact(1, "asiakas", "a", core=True, themed=True),
        *clients[1:],
        *workers,
        fact(1, "opas", "h", core=True),
        fact(1, "opas", "h"),
    ]
    assert voice_balance(moved, tables=[1, 2], roles=roles) == balance


@pytest.mark.parametrize(
    ("sizes", "shown"),
    [
        ((3, 1, 1), (False, False, False)),  # two small roles hold 2 phones: all hide
        ((4, 2, 1), (True, False, False)),  # together 3 phones: the four stays
    ],
)
def test_two_small_roles(sizes: tuple[int, int, int], shown: tuple[bool, bool, bool]) -> None:
    facts = [
        fact(1, role, f"{role}{n}", core=n == 0)
        for role, size in zip(["asiakas", "opas", "muu"], sizes, strict=True)
        for n in range(size)
    ]
    balance = voice_balance(facts, tables=[1], roles=["asiakas", "opas", "muu"])
    assert tuple(line.counts is not None for line in balance.roles[:3]) == shown
    hidden = sum(size for size, visible in zip(sizes, shown, strict=True) if not visible)
    assert hidden_pool_total(balance).posts == hidden >= 3
