"""Dot-voting over Socket.IO: phones spread their dots, boards count the phones that voted
and see the ranking only once the facilitator reveals it."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from cafe.domain.codes import device_hash
from cafe.extensions import db
from cafe.models import AuditEntry, CafeEvent, Vote
from cafe.retention import purge_raw_posts
from tests.conftest import (
    Board,
    Facilitator,
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    ack_error,
    db_snapshot,
    refused_changing_nothing,
    seated,
)
from tests.helpers import VOTE_THEMES, ok, voting_on_themes


def vote(phone: Phone, item: str, dots: int, **extra: Any) -> Any:
    """The phone puts ``dots`` on ``item``; returns the acknowledgement."""
    return phone.call("vote", {"item": item, "dots": dots, **extra})


def stored(app: Flask) -> list[tuple[str, int, str | None]]:
    """Every vote row as (item, dots, role), in a stable order."""
    with app.app_context():
        rows = db.session.execute(
            select(Vote.item, Vote.dots, Vote.role_tag).order_by(Vote.device_hash, Vote.item)
        )
        return [(item, dots, role) for item, dots, role in rows]


def wait_for(client: Phone | Board | Facilitator, name: str, seconds: float = 2.0) -> list[Any]:
    """The payloads of ``name`` that reach ``client`` within ``seconds`` (throttled sends)."""
    deadline = time.monotonic() + seconds
    found: list[Any] = []
    while time.monotonic() < deadline:
        found += client.received(name)
        if found:
            return found
        time.sleep(0.05)
    return found


def test_entering_the_vote_phase_opens_voting_on_the_themes(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1)
    control = facilitator(ev.id)
    for title in VOTE_THEMES:
        ok(control.call("theme_create", {"title": title}))
    listener = seated(phone, ev.code, ev.table_ids[0])
    projector = board(ev.board_token)
    projector.received()
    assert ok(listener.call("sync"))["state"]["vote"] is None

    ok(control.call("phase", {"phase": "vote"}))

    shown = listener.received("vote")
    assert len(shown) == 1
    assert shown[0]["state"] == "open"
    assert (shown[0]["dots"], shown[0]["per_item"]) == (3, 2)  # the template's defaults
    assert [item["label"] for item in shown[0]["items"]] == list(VOTE_THEMES)
    assert shown[0]["results"] is None
    on_board = projector.received("vote")[0]
    assert (on_board["voters"], on_board["results"], on_board["chart"]) == (0, None, None)
    controls = ok(control.call("sync"))["state"]["votes"]
    assert [(v["phase"], v["state"]) for v in controls] == [("vote", "open")]
    with control_app(control).app_context():
        actions = db.session.execute(select(AuditEntry.action, AuditEntry.detail)).all()
    assert ("vote_open", "Äänestys") in actions


def control_app(control: Facilitator) -> Flask:
    """The app a test client belongs to."""
    app: Flask = control.client.app
    return app


def test_a_phone_spreads_its_dots_within_the_total_and_the_limit_per_item(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, control, (first, second, third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    other = seated(phone, ev.code, ev.table_ids[1])

    answer = ok(vote(voter, first, 2))
    assert (answer["mine"], answer["left"], answer["changed"]) == ({first: 2}, 1, True)
    assert wait_for(control, "vote_count") == [{"phase": "vote", "voters": 1}]
    # Every tab of the phone, this one too, hears of its dots.
    assert voter.received("votes") == [{"phase": "vote", "mine": {first: 2}, "left": 1}]
    refused_changing_nothing(
        app, voter, [other, control], "vote", {"item": first, "dots": 3}, "too_many_on_item"
    )
    assert ok(vote(voter, second, 1))["left"] == 0
    voter.received()
    refused_changing_nothing(
        app, voter, [other, control], "vote", {"item": third, "dots": 1}, "no_dots_left"
    )
    # Changing a vote: a dot taken off one item can go on another.
    assert ok(vote(voter, first, 1))["left"] == 1
    assert ok(vote(voter, third, 1))["mine"] == {first: 1, second: 1, third: 1}
    # Each phone has dots of its own.
    assert ok(vote(other, first, 2))["left"] == 1
    assert ok(vote(voter, second, 0))["mine"] == {first: 1, third: 1}
    assert sorted(stored(app)) == sorted([(first, 1, None), (third, 1, None), (first, 2, None)])


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"item": "theme:1", "dots": -1}, "bad_dots"),
        ({"item": "<first>", "dots": True}, "bad_dots"),
        ({"item": "<first>", "dots": "2"}, "bad_dots"),
        ({"item": "<first>", "dots": 1.5}, "bad_dots"),
        ({"item": "<first>"}, "bad_dots"),
        ({"item": "theme:999999", "dots": 1}, "unknown_vote_item"),
        ({"item": 7, "dots": 1}, "unknown_vote_item"),
        ({"item": "x" * 41, "dots": 1}, "unknown_vote_item"),
        ({"dots": 1}, "unknown_vote_item"),
        ({"item": "<first>", "dots": 1, "phase": 3}, "bad_request"),
        ({"item": "<first>", "dots": 1, "phase": "tables"}, "not_voting"),
        ({"item": "<first>", "dots": 1, "phase": "nonesuch"}, "not_voting"),
        ({"item": "<first>", "dots": 1, "client_id": "not a uuid"}, "bad_client_id"),
        (["<first>", 1], "bad_request"),
        ("vote", "bad_request"),
    ],
)
def test_bad_votes_are_answered_and_change_nothing(
    app: Flask,
    make_event: MakeEvent,
    phone: MakePhone,
    board: MakeBoard,
    facilitator: MakeFacilitator,
    payload: Any,
    error: str,
) -> None:
    ev, control, (first, *_rest) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    projector = board(ev.board_token)
    projector.received()
    if isinstance(payload, dict):
        payload = {key: first if value == "<first>" else value for key, value in payload.items()}
    elif isinstance(payload, list):
        payload = [first if value == "<first>" else value for value in payload]

    refused_changing_nothing(app, voter, [projector, control], "vote", payload, error)


def test_a_resent_vote_changes_nothing_and_a_rejoining_phone_gets_its_dots_back(
    app: Flask,
    make_event: MakeEvent,
    phone: MakePhone,
    board: MakeBoard,
    facilitator: MakeFacilitator,
) -> None:
    ev, control, (first, second, _third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    second_tab = seated(phone, ev.code, ev.table_ids[0], device=voter.device)
    projector = board(ev.board_token)
    ok(vote(voter, second, 1))
    client_id = str(uuid.uuid4())
    sent = {"item": first, "dots": 2, "phase": "vote", "client_id": client_id}
    first_answer = ok(voter.call("vote", sent))
    assert first_answer["client_id"] == client_id and first_answer["changed"] is True
    # The phone's other tab follows.
    assert second_tab.received("votes")[-1] == {
        "phase": "vote",
        "mine": {first: 2, second: 1},
        "left": 0,
    }
    wait_for(projector, "vote_count")
    before = db_snapshot(app)

    again = ok(voter.call("vote", sent))

    assert again["changed"] is False and again["client_id"] == client_id
    assert (again["mine"], again["left"]) == (first_answer["mine"], first_answer["left"])
    assert db_snapshot(app) == before
    time.sleep(0.3)
    assert second_tab.received("votes") == [] and projector.received("vote_count") == []

    voter.close()
    back = seated(phone, ev.code, ev.table_ids[0], device=voter.device)
    state = ok(back.call("sync"))["state"]["vote"]
    assert (state["mine"], state["left"], state["state"]) == ({first: 2, second: 1}, 0, "open")


def test_closing_freezes_the_votes(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, control, (first, second, _third) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    ok(vote(voter, first, 1))
    voter.received()

    closed = ok(control.call("vote_close", {}))["vote"]

    assert (closed["state"], closed["revealed"], closed["results"]) == ("closed", False, None)
    assert voter.received("vote")[-1]["state"] == "closed"
    control.received()
    refused_changing_nothing(
        app, voter, [control], "vote", {"item": second, "dots": 1}, "voting_closed"
    )
    refused_changing_nothing(
        app, voter, [control], "vote", {"item": first, "dots": 0}, "voting_closed"
    )
    assert ack_error(control.call("vote_dots", {"dots": 5, "per_item": 2})) == "voting_closed"
    # Entering the phase again does not open it again; the facilitator's vote_open does.
    ok(control.call("phase", {"phase": "summary"}))
    ok(control.call("phase", {"phase": "vote"}))
    assert ack_error(vote(voter, second, 1)) == "voting_closed"
    assert ok(control.call("vote_open", {"phase": "vote"}))["vote"]["state"] == "open"
    assert ok(vote(voter, second, 1))["left"] == 1


def test_results_stay_hidden_until_the_facilitator_reveals_them(
    make_event: MakeEvent, phone: MakePhone, board: MakeBoard, facilitator: MakeFacilitator
) -> None:
    ev, control, (first, second, third) = voting_on_themes(make_event, facilitator)
    projector = board(ev.board_token)
    projector.received()
    phones = [seated(phone, ev.code, ev.table_ids[n % 2]) for n in range(3)]
    spreads = [{second: 2, third: 1}, {second: 1, first: 2}, {third: 2}]
    for voter, spread in zip(phones, spreads, strict=True):
        for item, dots in spread.items():
            ok(vote(voter, item, dots))

    # While voting: how many phones voted, never how.
    counts = [c["voters"] for c in wait_for(projector, "vote_count")]
    time.sleep(0.35)
    counts += [c["voters"] for c in projector.received("vote_count")]
    assert counts[-1] == 3
    hidden = ok(projector.call("sync"))["state"]["vote"]
    assert (hidden["voters"], hidden["results"], hidden["chart"]) == (3, None, None)
    assert ok(phones[0].call("sync"))["state"]["vote"]["results"] is None
    assert all("dots" not in item for item in hidden["items"])

    revealed = ok(control.call("vote_reveal", {}))["vote"]

    ranking = [(r["label"], r["dots"], r["voters"], r["rank"]) for r in revealed["results"]]
    # Equal dots share a rank and keep the themes' order; the next rank skips.
    assert ranking == [
        ("Osallisuus", 3, 2, 1),
        ("Asumisen tuki", 3, 2, 1),
        ("Kohtaaminen", 2, 1, 3),
    ]
    assert revealed["state"] == "closed"  # revealing closes the vote: no bandwagon
    on_board = projector.received("vote")[-1]
    assert on_board["results"] == revealed["results"]
    chart = on_board["chart"]
    assert chart.startswith("<svg") and "Osallisuus" in chart and "style=" not in chart
    assert "<script" not in chart
    assert "<title>Äänestys</title>" in chart  # titled in the event's language
    on_phone = phones[1].received("vote")[-1]
    assert on_phone["results"] == revealed["results"]
    assert "chart" not in on_phone and "chart" not in revealed
    assert ok(projector.call("sync"))["state"]["vote"]["chart"] == chart
    assert ack_error(vote(phones[2], first, 1)) == "voting_closed"
    assert ack_error(control.call("vote_open", {})) == "results_revealed"


def test_the_facilitator_sets_the_dots_before_and_while_voting(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1)
    control = facilitator(ev.id)
    theme = ok(control.call("theme_create", {"title": "Kohtaaminen"}))["theme"]
    item = f"theme:{theme}"
    voter = seated(phone, ev.code, ev.table_ids[0])
    assert ack_error(control.call("vote_dots", {"dots": 5, "per_item": 3})) == "not_voting"

    ready = ok(control.call("vote_dots", {"phase": "vote", "dots": 5, "per_item": 3}))["vote"]
    assert (ready["state"], ready["dots"], ready["per_item"]) == ("ready", 5, 3)
    assert ack_error(vote(voter, item, 1, phase="vote")) == "voting_closed"  # not opened yet
    assert ack_error(control.call("vote_reveal", {"phase": "vote"})) == "voting_not_opened"
    ok(control.call("phase", {"phase": "vote"}))
    assert voter.received("vote")[-1]["dots"] == 5
    assert ok(vote(voter, item, 3))["left"] == 2

    for payload in (
        {"dots": 0, "per_item": 1},
        {"dots": 11, "per_item": 1},
        {"dots": 4, "per_item": 5},
        {"dots": "4", "per_item": 2},
        {"dots": 4, "per_item": True},
    ):
        assert ack_error(control.call("vote_dots", payload)) == "bad_dots_setting", payload
    # A phone has 3 on one item: the limits cannot go below that while it votes.
    assert ack_error(control.call("vote_dots", {"dots": 2, "per_item": 2})) == "dots_in_use"
    assert ack_error(control.call("vote_dots", {"dots": 5, "per_item": 2})) == "dots_in_use"
    raised = ok(control.call("vote_dots", {"dots": 10, "per_item": 4}))["vote"]
    assert (raised["dots"], raised["per_item"]) == (10, 4)
    assert voter.received("vote")[-1]["dots"] == 10
    assert ok(vote(voter, item, 4))["left"] == 6
    with app.app_context():
        details = db.session.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "vote_dots")
        ).scalars()
        assert list(details) == ["Äänestys: 5 / 3", "Äänestys: 10 / 4"]


def test_outside_a_vote_phase_there_is_no_vote(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1)
    control = facilitator(ev.id)
    voter = seated(phone, ev.code, ev.table_ids[0])
    assert ack_error(vote(voter, "theme:1", 1)) == "not_voting"
    for name in ("vote_open", "vote_close", "vote_reveal"):
        assert ack_error(control.call(name, {})) == "not_voting"
        assert ack_error(control.call(name, {"phase": 5})) == "bad_request"
    controls = ok(control.call("sync"))["state"]["votes"]
    assert [(v["phase"], v["state"], v["dots"]) for v in controls] == [("vote", "ready", 3)]


def test_a_workshop_votes_on_the_core_ideas_of_its_proposals(
    app: Flask,
    make_event: MakeEvent,
    phone: MakePhone,
    board: MakeBoard,
    facilitator: MakeFacilitator,
) -> None:
    ev = make_event(tables=2, template="co-development")
    control = facilitator(ev.id)
    ok(control.call("phase", {"phase": "proposals"}))
    host = seated(phone, ev.code, ev.table_ids[0])
    ok(host.call("claim_host"))
    kept = ok(host.post("Kokemusohjaaja mukaan jokaiseen tapaamiseen", core=True))["post"]
    ok(host.post("Pelkkä ajatus, ei ydinajatus"))
    hidden = ok(host.post("Piilotettava ehdotus", core=True))["post"]
    ok(control.call("hide", {"id": hidden["id"], "hidden": True}))
    ok(control.call("phase", {"phase": "worked"}))
    ok(host.post("Toimi hyvin: ryhmät", core=True))  # another section
    voter = seated(phone, ev.code, ev.table_ids[1])

    ok(control.call("phase", {"phase": "vote"}))

    items = voter.received("vote")[-1]["items"]
    assert [item["label"] for item in items] == [kept["text"]]
    assert items[0]["key"].startswith("post:")
    assert ok(voter.join(ev.table_ids[1], "asiakas"))["state"]["vote"]["items"] == items
    ok(vote(voter, items[0]["key"], 2))
    assert stored(app) == [(items[0]["key"], 2, "asiakas")]


def test_voting_is_rate_limited(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, _control, (first, *_rest) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    answers = [vote(voter, first, n % 2) for n in range(1, 40)]
    errors = [a.get("error") for a in answers if not a["ok"]]
    assert errors and set(errors) == {"rate_limited"}
    # A burst of 30 (cafe.config's CAFE_VOTE_BURST), refilled at one a second.
    assert 30 <= sum(a["ok"] for a in answers) <= 32
    # Other phones are not held back by this one.
    assert ok(vote(seated(phone, ev.code, ev.table_ids[1]), first, 1))["left"] == 2


def test_the_retention_purge_unlinks_votes_from_phones_and_keeps_the_ranking(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, control, (first, second, _third) = voting_on_themes(make_event, facilitator)
    voters = [seated(phone, ev.code, ev.table_ids[0]) for _ in range(2)]
    ok(vote(voters[0], first, 2))
    ok(vote(voters[0], second, 1))
    ok(vote(voters[1], first, 1))
    before = ok(control.call("vote_reveal", {}))["vote"]
    with app.app_context():
        event = db.session.get(CafeEvent, ev.id)
        assert event is not None
        event.created_at = dt.datetime(2017, 10, 31)  # an event long over
        db.session.commit()
        purge_raw_posts(dt.datetime(2026, 12, 2), days=30)
        devices = db.session.execute(select(Vote.device_hash)).scalars().all()
    assert len(devices) == 3 and all(d.startswith("purged:") for d in devices)
    assert set(devices) & {device_hash(v.device) for v in voters} == set()
    # One stand-in per phone: the phones that voted are still two.
    assert len(set(devices)) == 2
    after = ok(control.call("sync"))["state"]["votes"][0]
    assert (after["results"], after["voters"]) == (before["results"], 2)


def test_a_theme_made_during_the_vote_reaches_the_phones_ballot(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, control, keys = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])

    theme = ok(control.call("theme_create", {"title": "Myöhäinen teema"}))["theme"]

    items = voter.received("vote")[-1]["items"]
    assert [item["key"] for item in items] == [*keys, f"theme:{theme}"]
    assert ok(vote(voter, f"theme:{theme}", 1))["left"] == 2


def test_a_vote_resent_after_the_facilitator_moved_on_lands_in_its_round(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev, control, (first, *_rest) = voting_on_themes(make_event, facilitator)
    voter = seated(phone, ev.code, ev.table_ids[0])
    ok(control.call("phase", {"phase": "summary"}))  # moved on without closing the vote

    assert ack_error(vote(voter, first, 1)) == "not_voting"  # no vote in this phase
    assert ok(vote(voter, first, 1, phase="vote"))["mine"] == {first: 1}
    assert ok(control.call("sync"))["state"]["votes"][0]["voters"] == 1
