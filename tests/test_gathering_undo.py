"""Undo and redo in the gathering: each change answers with its inverse, sending that back
undoes it for everyone (facilitators, boards, phones), its answer's inverse redoes it, and
an undo of something another facilitator has changed since is refused, changing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import (
    EventInfo,
    Facilitator,
    MakeBoard,
    MakeFacilitator,
    Phone,
    ack_error,
    fill,
    refused_changing_nothing,
)
from tests.helpers import core, gathering, item_of, ok, two_tables

__all__ = ["two_tables"]  # the fixture, used by name

Tables = tuple[EventInfo, Phone, Phone, Facilitator]


def send(control: Facilitator, change: dict[str, Any]) -> dict[str, Any]:
    """Send an inverse exactly as an answer gave it; return the answer."""
    ack: dict[str, Any] = control.call(change["event"], change["data"])
    return ack


def places(state: dict[str, Any]) -> dict[str | None, Any]:
    """Where every item is: theme title (None: un-themed) → the items' texts and tables."""
    found: dict[str | None, Any] = {None: [(i["text"], i["tables"]) for i in state["loose"]]}
    for theme in state["themes"]:
        found[theme["title"]] = [(i["text"], i["tables"]) for i in theme["items"]]
    return found


def names(received: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in received if e["name"] != "presence"]


def test_a_move_is_undone_and_redone_and_everyone_sees_both(
    two_tables: Tables, facilitator: MakeFacilitator, board: MakeBoard
) -> None:
    ev, first, second, control = two_tables
    core(first, "Aikaa kohtaamiseen")
    core(second, "Selkeä kieli")
    core(second, "Vertaistuki")
    other = facilitator(ev.id)
    projector = board(ev.board_token)
    state = gathering(control)
    moved = item_of(state, "Selkeä kieli")["id"]
    theme = ok(control.call("theme_create", {"title": "Kohtaaminen"}))["theme"]
    before = places(gathering(control))

    change = ok(control.call("item_move", {"item": moved, "theme": theme, "index": 0}))
    after = places(gathering(control))
    assert change["undo"]["event"] == "item_move"
    other.received(), projector.received()

    redo = ok(send(control, change["undo"]))["undo"]
    assert places(gathering(control)) == before
    # An undo is an ordinary change: the other facilitator and the board are told.
    assert "gathering" in names(other.received())
    assert "summary" in names(projector.received())

    ok(send(control, redo))
    assert places(gathering(control)) == after
    assert after["Kohtaaminen"] == [("Selkeä kieli", ["Pöytä 2"])]
    # Back where it was among the un-themed: between the other two, not at the end.
    assert [text for text, _ in before[None]] == [
        "Aikaa kohtaamiseen",
        "Selkeä kieli",
        "Vertaistuki",
    ]


def test_undoing_a_merge_brings_the_duplicate_back_as_it_was_and_redo_merges_again(
    two_tables: Tables,
) -> None:
    _, first, second, control = two_tables
    core(first, "Nimetty työntekijä")
    core(second, "Yksi ihminen kulkee rinnalla")
    core(second, "Iltaisin auki")
    state = gathering(control)
    kept = item_of(state, "Nimetty työntekijä")["id"]
    duplicate = item_of(state, "Yksi ihminen kulkee rinnalla")["id"]
    ok(control.call("item_text", {"item": duplicate, "text": "Oma työntekijä"}))
    before = places(gathering(control))

    change = ok(control.call("item_merge", {"item": duplicate, "into": kept}))
    assert item_of(gathering(control), "Nimetty työntekijä")["tables"] == ["Pöytä 1", "Pöytä 2"]
    assert change["undo"]["event"] == "item_unmerge"

    undone = ok(send(control, change["undo"]))
    state = gathering(control)
    assert places(state) == before
    # The item comes back under its old id and wording, so older undo steps still find it.
    assert undone["item"] == duplicate
    assert item_of(state, "Oma työntekijä")["rewritten"] is True

    ok(send(control, undone["undo"]))
    merged = item_of(gathering(control), "Nimetty työntekijä")
    assert merged["tables"] == ["Pöytä 1", "Pöytä 2"]
    assert [s["text"] for s in merged["sources"]] == [
        "Nimetty työntekijä",
        "Yksi ihminen kulkee rinnalla",
    ]


def test_a_separation_is_undone_by_merging_back(two_tables: Tables) -> None:
    _, first, second, control = two_tables
    core(first, "Vertaistuki")
    source = core(second, "Vertaisryhmät")
    state = gathering(control)
    into = item_of(state, "Vertaistuki")["id"]
    ok(control.call("item_merge", {"item": item_of(state, "Vertaisryhmät")["id"], "into": into}))
    merged = places(gathering(control))

    change = ok(control.call("item_split", {"item": into, "source": source}))
    assert len(gathering(control)["loose"]) == 2

    redo = ok(send(control, change["undo"]))["undo"]
    assert places(gathering(control)) == merged
    ok(send(control, redo))
    assert len(gathering(control)["loose"]) == 2


def test_a_deleted_theme_comes_back_with_its_text_place_items_and_history(
    two_tables: Tables, facilitator: MakeFacilitator, board: MakeBoard
) -> None:
    ev, first, second, control = two_tables
    core(first, "Aikaa")
    core(second, "Kieli")
    state = gathering(control)
    ids = [i["id"] for i in state["loose"]]
    ok(control.call("theme_create", {"title": "Ensimmäinen"}))
    doomed = ok(control.call("theme_create", {"title": "Poistuva", "items": ids}))["theme"]
    ok(control.call("theme_create", {"title": "Viimeinen"}))
    ok(
        control.call(
            "theme_save", {"theme": doomed, "base": 1, "title": "Poistuva", "body": "Teksti."}
        )
    )
    before = gathering(control)

    change = ok(control.call("theme_delete", {"theme": doomed}))
    assert [t["title"] for t in gathering(control)["themes"]] == ["Ensimmäinen", "Viimeinen"]

    other = facilitator(ev.id)
    projector = board(ev.board_token)
    restored = ok(send(control, change["undo"]))
    after = gathering(control)
    # Everyone sees it back: the other facilitator's view and the projected summary.
    told = [e["args"][0] for e in other.received() if e["name"] == "gathering"]
    assert [t["title"] for t in told[-1]["themes"]] == ["Ensimmäinen", "Poistuva", "Viimeinen"]
    shown = [e["args"][0] for e in projector.received() if e["name"] == "summary"]
    assert "Teksti." in shown[-1]["themes"][1]["html"]
    assert restored["theme"] == doomed
    assert places(after) == places(before)
    theme = after["themes"][1]
    assert (theme["title"], theme["body"], theme["revision"]) == ("Poistuva", "Teksti.", 3)
    history = ok(control.call("history", {"theme": doomed}))["revisions"]
    assert [(r["revision"], r["body"]) for r in history] == [
        (3, "Teksti."),
        (2, "Teksti."),
        (1, ""),
    ]

    # Redo deletes it again; the theme's creation can be undone too while it is untouched.
    ok(send(control, restored["undo"]))
    assert [t["title"] for t in gathering(control)["themes"]] == ["Ensimmäinen", "Viimeinen"]
    created = ok(control.call("theme_create", {"title": "Hetken teema"}))
    ok(send(control, created["undo"]))
    assert [t["title"] for t in gathering(control)["themes"]] == ["Ensimmäinen", "Viimeinen"]


def test_an_undo_of_what_another_facilitator_changed_since_is_refused_changing_nothing(
    app: Flask, two_tables: Tables, facilitator: MakeFacilitator, board: MakeBoard
) -> None:
    ev, first, second, control = two_tables
    core(first, "Aikaa")
    core(second, "Kieli")
    other = facilitator(ev.id)
    projector = board(ev.board_token)
    state = gathering(control)
    item = item_of(state, "Aikaa")["id"]
    theme = ok(control.call("theme_create", {"title": "Aika"}))["theme"]
    elsewhere = ok(control.call("theme_create", {"title": "Muu"}))["theme"]
    moved = ok(control.call("item_move", {"item": item, "theme": theme, "index": 0}))
    created = ok(control.call("theme_create", {"title": "Uusi"}))
    # The other facilitator moves the same idea on, and writes in the new theme.
    ok(other.call("item_move", {"item": item, "theme": elsewhere, "index": 0}))
    ok(
        other.call(
            "theme_save", {"theme": created["theme"], "base": 1, "title": "Uusi", "body": "x"}
        )
    )
    for client in (control, other, projector):
        client.received()

    for change in (moved["undo"], created["undo"]):
        refused_changing_nothing(
            app, control, [other, projector], change["event"], change["data"], "changed_meanwhile"
        )
    assert places(gathering(control))["Muu"] == [("Aikaa", ["Pöytä 1"])]


def test_a_merge_cannot_be_undone_once_the_merged_item_went_elsewhere(two_tables: Tables) -> None:
    _, first, second, control = two_tables
    core(first, "A")
    core(second, "B")
    state = gathering(control)
    a, b = item_of(state, "A")["id"], item_of(state, "B")["id"]
    change = ok(control.call("item_merge", {"item": b, "into": a}))
    theme = ok(control.call("theme_create", {"title": "T"}))["theme"]
    ok(control.call("item_move", {"item": a, "theme": theme, "index": 0}))

    assert ack_error(send(control, change["undo"])) == "changed_meanwhile"
    assert places(gathering(control))["T"] == [("A", ["Pöytä 1", "Pöytä 2"])]


BAD_EXPECT: list[Any] = [
    "kaikki",
    {"item": "<a>"},
    [7],
    [{"item": "<a>"}],
    [{"item": "<a>", "theme": None, "sources": "x"}],
    [{"item": "<a>", "theme": None, "sources": [1]}],
    [{"item": True, "theme": None, "sources": []}],
    [{"item": "<a>", "theme": "1", "sources": []}],
    [{"theme": "<t>"}],
    [{"theme": "<t>", "created": 5}],
    [{"theme": "<t>", "created": "x", "revision": "1"}],
    [{"theme": "<t>", "created": "x", "items": ["1"]}],
    [{"theme": "<t>", "created": "x", "extra": 1}],
    [{"item": "<a>", "theme": None, "sources": []}] * 1003,
]


@pytest.mark.parametrize("expect", BAD_EXPECT)
@pytest.mark.parametrize("event", ["item_move", "item_merge", "theme_delete"])
def test_a_malformed_expectation_is_a_bad_request(
    app: Flask, two_tables: Tables, board: MakeBoard, event: str, expect: Any
) -> None:
    ev, first, second, control = two_tables
    core(first, "A")
    core(second, "B")
    state = gathering(control)
    slots = {"<a>": state["loose"][0]["id"], "<b>": state["loose"][1]["id"]}
    slots["<t>"] = ok(control.call("theme_create", {"title": "T"}))["theme"]
    payloads: dict[str, dict[str, Any]] = {
        "item_move": {"item": "<a>", "theme": "<t>", "index": 0},
        "item_merge": {"item": "<b>", "into": "<a>"},
        "theme_delete": {"theme": "<t>"},
    }
    payload = payloads[event]
    projector = board(ev.board_token)
    control.received()
    refused_changing_nothing(
        app, control, [projector], event, fill({**payload, "expect": expect}, slots), "bad_request"
    )


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"item": "<a>", "sources": [], "theme": None, "index": 0, "text": None}, "bad_request"),
        (
            {"item": "<a>", "sources": "<sb>", "theme": None, "index": 0, "text": None},
            "bad_request",
        ),
        ({"item": "<a>", "sources": [5], "theme": None, "index": 0, "text": None}, "bad_request"),
        (
            {"item": "<a>", "sources": ["x"], "theme": None, "index": 0, "text": None},
            "unknown_source",
        ),
        (
            {"item": "<a>", "sources": ["<sa>", "<sb>"], "theme": None, "index": 0, "text": None},
            "not_merged",
        ),
        (
            {"item": "<a>", "sources": ["<sb>"], "theme": 10**6, "index": 0, "text": None},
            "unknown_theme",
        ),
        (
            {"item": "<a>", "sources": ["<sb>"], "theme": None, "index": "0", "text": None},
            "bad_request",
        ),
        ({"item": "<a>", "sources": ["<sb>"], "theme": None, "index": 0, "text": ""}, "text_empty"),
        (
            {
                "item": "<a>",
                "sources": ["<sb>"],
                "theme": None,
                "index": 0,
                "text": None,
                "as": "1",
            },
            "bad_request",
        ),
        (
            {"item": 10**6, "sources": ["<sb>"], "theme": None, "index": 0, "text": None},
            "unknown_item",
        ),
        (
            {
                "theme": "<t>",
                "title": "T",
                "body": "",
                "section": None,
                "index": 0,
                "created": "eilen",
                "items": [],
            },
            "bad_request",
        ),
        (
            {
                "theme": "<t>",
                "title": "T",
                "body": "",
                "section": None,
                "index": 0,
                "created": "2026-11-23T10:00:00+02:00",
                "items": [],
            },
            "bad_request",
        ),
        (
            {
                "theme": "<t>",
                "title": "T",
                "body": "",
                "section": None,
                "index": 0,
                "created": "2026-11-23T10:00:00",
                "items": "<a>",
            },
            "bad_request",
        ),
        (
            {
                "theme": "<t>",
                "title": "T",
                "body": "",
                "section": "goal",
                "index": 0,
                "created": "2026-11-23T10:00:00",
                "items": [],
            },
            "unknown_section",
        ),
        (
            {
                "theme": "<t>",
                "title": "T",
                "body": 5,
                "section": None,
                "index": 0,
                "created": "2026-11-23T10:00:00",
                "items": [],
            },
            "text_invalid",
        ),
        (
            {
                "theme": 0,
                "title": "T",
                "body": "",
                "section": None,
                "index": 0,
                "created": "2026-11-23T10:00:00",
                "items": [],
            },
            "bad_request",
        ),
    ],
)
def test_malformed_unmerge_and_restore_are_refused_changing_nothing(
    app: Flask, two_tables: Tables, board: MakeBoard, payload: dict[str, Any], error: str
) -> None:
    ev, first, second, control = two_tables
    sa = core(first, "A")
    sb = core(second, "B")
    state = gathering(control)
    a, b = item_of(state, "A")["id"], item_of(state, "B")["id"]
    ok(control.call("item_merge", {"item": b, "into": a}))
    theme = ok(control.call("theme_create", {"title": "T"}))["theme"]
    event = "theme_restore" if "created" in payload else "item_unmerge"
    projector = board(ev.board_token)
    control.received()
    slots = {"<a>": a, "<sa>": sa, "<sb>": sb, "<t>": theme}
    refused_changing_nothing(app, control, [projector], event, fill(payload, slots), error)
