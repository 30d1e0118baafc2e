"""The ``/board`` namespace through Flask-SocketIO's test client: core ideas, presence,
table host changes, resync, and refused connections."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from flask import Flask

from cafe.presence import PRESENCE_INTERVAL
from tests.conftest import (
    Board,
    EventInfo,
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    ack_error,
    connect_error,
    db_snapshot,
    fill,
    new_device,
    refusal_code,
    seated,
)


def hosting(phone: MakePhone, code: str, table: int) -> Phone:
    """A phone that holds ``table``'s host role."""
    host = seated(phone, code, table)
    assert host.call("claim_host")["ok"] is True
    host.received()
    return host


def fresh(board: Board) -> Board:
    """``board`` with its inbox emptied."""
    board.received()
    return board


def cores(board: Board) -> list[dict[str, Any]]:
    ack = board.call("sync")
    assert ack["ok"] is True
    found: list[dict[str, Any]] = ack["state"]["cores"]
    return found


# --- sync --------------------------------------------------------------------------------


def test_board_sync_answers_event_core_ideas_and_presence(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event(tables=3)
    host = hosting(phone, ev.code, ev.table_ids[0])
    plain = host.post("Tavallinen ajatus")["post"]
    core = host.post("Ydinajatus", core=True)["post"]

    ack = board(ev.board_token).call("sync")

    assert ack["ok"] is True
    state = ack["state"]
    assert state["event"]["id"] == ev.id and state["event"]["join_code"] == ev.code
    assert state["event"]["tables"][0]["has_host"] is True
    assert state["cores"] == [core]
    assert plain["id"] not in str(state)
    assert state["presence"] == {
        "tables": {str(ev.table_ids[0]): 1, str(ev.table_ids[1]): 0, str(ev.table_ids[2]): 0}
    }


def test_board_sync_lists_core_ideas_of_every_table_oldest_first(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event(tables=2)
    first = hosting(phone, ev.code, ev.table_ids[0])
    second = hosting(phone, ev.code, ev.table_ids[1])
    written = [
        first.post("Ensimmäinen", core=True)["post"],
        second.post("Toinen", core=True)["post"],
        first.post("Kolmas", core=True)["post"],
    ]
    assert cores(board(ev.board_token)) == written


# --- core ideas live ---------------------------------------------------------------------


@pytest.mark.parametrize("how", ["marked", "written"])
def test_core_idea_reaches_board_of_same_event_only(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, how: str
) -> None:
    ours, theirs = make_event(), make_event()
    our_board = fresh(board(ours.board_token))
    their_board = fresh(board(theirs.board_token))
    host = hosting(phone, ours.code, ours.table_ids[0])
    our_board.received()

    if how == "marked":
        post = host.post("Merkitään ytimeksi")["post"]
        assert our_board.received() == []  # an ordinary post stays off the board
        core = host.call("mark_core", {"id": post["id"], "core": True})["post"]
    else:
        core = host.post("Suoraan ytimeksi", core=True)["post"]

    assert core["core"] is True
    assert our_board.received("core") == [core]
    assert their_board.received() == []
    assert cores(their_board) == []


def test_ordinary_posts_never_reach_the_board(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event()
    screen = fresh(board(ev.board_token))
    writer = seated(phone, ev.code, ev.table_ids[0])
    screen.received()
    post = writer.post("Ei taululle")["post"]
    writer.call("edit", {"id": post["id"], "text": "Ei vieläkään taululle"})
    writer.call("delete", {"id": post["id"]})
    assert screen.received() == []


def test_edited_core_idea_is_updated_on_the_board(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event()
    host = hosting(phone, ev.code, ev.table_ids[0])
    core = host.post("Kirjotusvirhe", core=True)["post"]
    screen = fresh(board(ev.board_token))

    edited = host.call("edit", {"id": core["id"], "text": "Kirjoitusvirhe korjattu"})["post"]

    assert screen.received("core") == [edited]
    assert edited["edited"] is True and edited["core"] is True
    assert cores(screen) == [edited]


@pytest.mark.parametrize("how", ["unmarked", "hidden", "deleted"])
def test_removing_a_core_idea_sends_core_removed_to_the_board(
    make_event: MakeEvent,
    phone: MakePhone,
    board: MakeBoard,
    facilitator: MakeFacilitator,
    how: str,
) -> None:
    ev = make_event()
    other = make_event()
    host = hosting(phone, ev.code, ev.table_ids[0])
    core = host.post("Ydinajatus", core=True)["post"]
    screen = fresh(board(ev.board_token))
    other_screen = fresh(board(other.board_token))

    if how == "unmarked":
        ack = host.call("mark_core", {"id": core["id"], "core": False})
    elif how == "hidden":
        ack = facilitator(ev.id).call("hide", {"id": core["id"], "hidden": True})
    else:
        ack = host.call("delete", {"id": core["id"]})
    assert ack["ok"] is True

    assert screen.received() == [
        {
            "name": "core_removed",
            "args": [{"id": core["id"], "table": ev.table_ids[0]}],
            "namespace": "/board",
        }
    ]
    assert cores(screen) == []
    assert other_screen.received() == []


def test_hidden_core_idea_shown_again_returns_to_the_board(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ev = make_event()
    host = hosting(phone, ev.code, ev.table_ids[0])
    core = host.post("Palaava ydinajatus", core=True)["post"]
    control = facilitator(ev.id)
    control.call("hide", {"id": core["id"], "hidden": True})
    screen = fresh(board(ev.board_token))

    assert control.call("hide", {"id": core["id"], "hidden": False})["ok"] is True

    assert screen.received("core") == [core]
    assert cores(screen) == [core]


def test_hiding_an_ordinary_post_sends_the_board_nothing(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    post = writer.post("Tavallinen")["post"]
    control = facilitator(ev.id)
    screen = fresh(board(ev.board_token))
    control.call("hide", {"id": post["id"], "hidden": True})
    control.call("hide", {"id": post["id"], "hidden": False})
    assert screen.received() == []


def test_marking_a_hidden_post_keeps_it_off_the_board(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ev = make_event()
    host = hosting(phone, ev.code, ev.table_ids[0])
    post = host.post("Piilotettava")["post"]
    facilitator(ev.id).call("hide", {"id": post["id"], "hidden": True})
    screen = fresh(board(ev.board_token))
    host.call("mark_core", {"id": post["id"], "core": True})
    assert screen.received() == []
    assert cores(screen) == []


def test_board_resync_after_reconnect_returns_what_happened_while_away(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event(tables=2)
    host = hosting(phone, ev.code, ev.table_ids[0])
    kept = host.post("Pysyy", core=True)["post"]
    dropped = host.post("Poistuu", core=True)["post"]
    screen = board(ev.board_token)
    assert cores(screen) == [kept, dropped]
    screen.close()

    host.call("mark_core", {"id": dropped["id"], "core": False})
    written = host.post("Kirjoitettu poissa ollessa", core=True)["post"]
    later = hosting(phone, ev.code, ev.table_ids[1])
    marked = later.post("Toisen pöydän ajatus")["post"]
    marked = later.call("mark_core", {"id": marked["id"], "core": True})["post"]

    back = board(ev.board_token)
    state = back.call("sync")["state"]
    assert state["cores"] == [kept, written, marked]
    assert [t["has_host"] for t in state["event"]["tables"]] == [True, True]


# --- table hosts -------------------------------------------------------------------------


def test_board_sees_that_a_table_has_a_host_but_not_who(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event()
    screen = fresh(board(ev.board_token))
    host = seated(phone, ev.code, ev.table_ids[0])
    screen.received()

    host.call("claim_host")
    host.call("release_host")

    assert screen.received("table") == [
        {"id": ev.table_ids[0], "number": 1, "name": "Pöytä 1", "has_host": True},
        {"id": ev.table_ids[0], "number": 1, "name": "Pöytä 1", "has_host": False},
    ]
    assert screen.received() == []  # nothing else, and no you_host


# --- presence ----------------------------------------------------------------------------


def presence_of(ev: EventInfo, *counts: int) -> dict[str, Any]:
    return {"tables": {str(tid): n for tid, n in zip(ev.table_ids, counts, strict=True)}}


def presences(screen: Board, until: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``presence`` broadcasts ``screen`` receives up to one that reads ``until``.

    Presence is coalesced (at most one per event every PRESENCE_INTERVAL seconds, the last
    one always), so a change may arrive a moment after the join or leave that made it.
    """
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + 5
    while not got or got[-1] != until:
        if time.monotonic() > deadline:
            pytest.fail(f"no presence {until} within 5 s; got {got}")
        time.sleep(0.01)
        got += screen.received("presence")
    return got


def quiet(screen: Board) -> list[dict[str, Any]]:
    """The ``presence`` broadcasts ``screen`` receives over twice the coalescing interval."""
    time.sleep(2 * PRESENCE_INTERVAL)
    return cast(list[dict[str, Any]], screen.received("presence"))


def test_presence_counts_distinct_devices_per_table(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event(tables=3)
    screen = fresh(board(ev.board_token))
    device = new_device()
    first_tab = seated(phone, ev.code, ev.table_ids[0], device)
    # The first change after a quiet spell goes out at once.
    assert screen.received("presence") == [presence_of(ev, 1, 0, 0)]
    second_tab = seated(phone, ev.code, ev.table_ids[0], device)
    assert quiet(screen) == []  # one device counts once
    seated(phone, ev.code, ev.table_ids[0])
    seated(phone, ev.code, ev.table_ids[1])
    assert presences(screen, presence_of(ev, 2, 1, 0))[-1] == presence_of(ev, 2, 1, 0)
    assert screen.call("sync")["state"]["presence"] == presence_of(ev, 2, 1, 0)

    second_tab.close()
    assert quiet(screen) == []  # the device is still there in its other tab
    first_tab.close()
    assert presences(screen, presence_of(ev, 1, 1, 0)) == [presence_of(ev, 1, 1, 0)]
    assert screen.call("sync")["state"]["presence"] == presence_of(ev, 1, 1, 0)


def test_a_herd_of_joins_is_coalesced_and_the_last_count_arrives(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    """Thirty phones sitting down one after another: boards and control pages get a few
    ``presence`` broadcasts, at most one per PRESENCE_INTERVAL, and the last one counts
    everybody."""
    ev = make_event(tables=3)
    screen = fresh(board(ev.board_token))
    control = facilitator(ev.id)
    control.received()
    started = time.monotonic()
    for n in range(30):
        seated(phone, ev.code, ev.table_ids[n % 3])
    elapsed = time.monotonic() - started
    everybody = presence_of(ev, 10, 10, 10)
    on_board = presences(screen, everybody)
    assert on_board[-1] == everybody
    assert len(on_board) <= elapsed / PRESENCE_INTERVAL + 2 < 30
    assert everybody in control.received("presence")
    assert quiet(screen) == []  # nothing after the last count


def test_connected_phone_counts_only_once_it_sits_at_a_table(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event(tables=2)
    screen = fresh(board(ev.board_token))
    standing = phone(ev.code)
    standing.call("sync")
    assert screen.received() == []
    standing.close()
    assert screen.received() == []
    assert screen.call("sync")["state"]["presence"] == presence_of(ev, 0, 0)


def test_moving_to_another_table_moves_the_count(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ev = make_event(tables=2)
    screen = fresh(board(ev.board_token))
    mover = seated(phone, ev.code, ev.table_ids[0])
    screen.received()
    mover.join(ev.table_ids[1])
    assert presences(screen, presence_of(ev, 0, 1)) == [presence_of(ev, 0, 1)]
    mover.join(ev.table_ids[1])  # joining again after a reconnect changes nothing
    assert quiet(screen) == []


def test_presence_of_another_event_is_not_sent(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard
) -> None:
    ours, theirs = make_event(), make_event()
    our_screen = fresh(board(ours.board_token))
    seated(phone, theirs.code, theirs.table_ids[0]).close()
    assert our_screen.received() == []


# --- read-only, malformed and refused ----------------------------------------------------


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("post", {"id": "00000000-0000-4000-8000-000000000000", "text": "Taululta"}),
        ("hide", {"id": "<core>", "hidden": True}),
        ("mark_core", {"id": "<core>", "core": False}),
        ("phase", {"phase": "summary"}),
        ("timer", {"action": "set", "seconds": 60}),
        ("delete", {"id": "<core>"}),
    ],
)
def test_board_is_read_only(
    app: Flask,
    make_event: MakeEvent,
    phone: MakePhone,
    board: MakeBoard,
    event: str,
    payload: dict[str, Any],
) -> None:
    ev = make_event()
    host = hosting(phone, ev.code, ev.table_ids[0])
    core = host.post("Ydin", core=True)["post"]
    host.received()
    screen = fresh(board(ev.board_token))
    before = db_snapshot(app)
    data = {key: core["id"] if value == "<core>" else value for key, value in payload.items()}

    ack = screen.call(event, data)

    assert not (isinstance(ack, dict) and ack.get("ok"))
    assert db_snapshot(app) == before
    assert host.received() == [] and screen.received() == []


@pytest.mark.parametrize("payload", ["sync", 5, ["x"], True])
def test_malformed_board_sync_is_a_bad_request(
    make_event: MakeEvent, board: MakeBoard, payload: Any
) -> None:
    ev = make_event()
    assert ack_error(board(ev.board_token).call("sync", payload)) == "bad_request"


def test_board_sync_with_extra_arguments_is_a_bad_request(
    make_event: MakeEvent, board: MakeBoard
) -> None:
    ev = make_event()
    screen = board(ev.board_token)
    ack = screen.client.emit("sync", {}, {}, namespace=Board.NS, callback=True)
    assert ack_error(ack) == "bad_request"


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "<token>",
        {},
        {"token": None},
        {"token": ""},
        {"token": "lyhyt"},
        {"token": "x" * 32},
        {"token": "x" * 65},
        {"token": "<token-upper>"},
        {"token": 12345678901234567890},
        {"token": ["<token>"]},
        {"code": "<code>"},
    ],
)
def test_board_connection_with_a_wrong_token_is_refused(
    app: Flask, make_event: MakeEvent, auth: Any
) -> None:
    ev = make_event()
    slots = {
        "<token>": ev.board_token,
        "<token-upper>": ev.board_token.swapcase(),
        "<code>": ev.code,
    }
    auth = fill(auth, slots)
    assert refusal_code(connect_error(app, "/board", auth)) == "bad_board_token"


def test_board_token_of_one_event_opens_that_event_only(
    make_event: MakeEvent, board: MakeBoard
) -> None:
    ours, theirs = make_event(), make_event()
    assert board(ours.board_token).call("sync")["state"]["event"]["id"] == ours.id
    assert board(theirs.board_token).call("sync")["state"]["event"]["id"] == theirs.id
