"""Taking a live source in again part by part: which parts differ, which the organizer
edited, the order of the merged document, and that only chosen parts change."""

from __future__ import annotations

from cafe.domain.merge import Change, apply, changes, merged_order, three_way

TAKEN = {"intro": ("Alku",), "theme:1": ("A", "a"), "theme:2": ("B", "b")}


def test_an_unchanged_source_offers_nothing() -> None:
    assert changes(TAKEN, TAKEN, TAKEN) == []


def test_an_edited_part_is_proposed_kept_and_an_untouched_one_taken() -> None:
    mine = {**TAKEN, "theme:1": ("A", "oma")}
    new = {**TAKEN, "theme:1": ("A", "uusi"), "theme:2": ("B", "uusi b")}

    found = changes(mine, new, TAKEN)

    assert found == [
        Change("theme:1", ("A", "oma"), ("A", "uusi"), edited=True),
        Change("theme:2", ("B", "b"), ("B", "uusi b"), edited=False),
    ]
    assert [c.proposed for c in found] == [False, True]
    assert apply(mine, new, {"theme:2"}) == {
        "intro": ("Alku",),
        "theme:1": ("A", "oma"),
        "theme:2": ("B", "uusi b"),
    }
    assert apply(mine, new, {"theme:1", "theme:2"}) == new


def test_without_a_record_of_what_was_taken_every_part_counts_as_edited() -> None:
    new = {**TAKEN, "intro": ("Uusi alku",)}
    assert changes(TAKEN, new, {}) == [Change("intro", ("Alku",), ("Uusi alku",), edited=True)]


def test_added_and_removed_parts_are_choices_too_and_own_parts_keep_their_place() -> None:
    mine = {
        "intro": ("Alku",),
        "theme:#0": ("Oma", "x"),
        "theme:1": ("A", "a"),
        "theme:2": ("B", "b"),
    }
    new = {"intro": ("Alku",), "theme:1": ("A", "a"), "theme:3": ("C", "c")}
    taken = {"intro": ("Alku",), "theme:1": ("A", "a"), "theme:2": ("B", "b")}

    found = {c.key: c for c in changes(mine, new, taken)}

    assert merged_order(mine, new) == ["intro", "theme:#0", "theme:1", "theme:2", "theme:3"]
    assert found["theme:3"] == Change("theme:3", None, ("C", "c"), edited=False)
    assert found["theme:2"] == Change("theme:2", ("B", "b"), None, edited=False)
    # A part only the organizer wrote was never taken in: edited, kept unless chosen.
    assert found["theme:#0"].edited and not found["theme:#0"].proposed
    assert list(apply(mine, new, {"theme:3"})) == [
        "intro",
        "theme:#0",
        "theme:1",
        "theme:2",
        "theme:3",
    ]
    assert list(apply(mine, new, {"theme:2"})) == ["intro", "theme:#0", "theme:1"]


def test_three_way_takes_each_sides_own_changes_and_names_the_fields_both_changed() -> None:
    base = {"a": "1", "b": "1", "c": "1", "d": "1"}
    mine = {"a": "mine", "b": "1", "c": "mine", "d": "1", "new": "mine"}
    theirs = {"a": "1", "b": "theirs", "c": "theirs", "e": "theirs"}

    merged, conflicts = three_way(base, mine, theirs)

    assert merged == {"a": "mine", "b": "theirs", "c": "mine", "e": "theirs", "new": "mine"}
    assert conflicts == ["c"]
    # "d" was deleted by them and left alone by me: it stays deleted.
    assert three_way(base, base, base) == (base, [])
