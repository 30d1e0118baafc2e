"""The personal-data screen on the post path: held posts reach nobody but their writer and
the facilitators; approved ones reach the table, the board and the gathering; masked ones
carry placeholders everywhere and the original words nowhere; pre-moderation holds all."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from cafe.extensions import db
from cafe.models import AuditEntry, Post
from cafe.retention import purge_raw_posts
from tests.conftest import (
    Board,
    EventInfo,
    Facilitator,
    MakeEvent,
    MakePhone,
    Phone,
    ack_error,
    seated,
)

HETU_POST = "hetuni 131052-308T näkyi kuoressa"
NAME_POST = "Olli Kettunen (puh. 0451123344) odotti päätöstä puoli vuotta"
CLEAN_POST = "Päätöstä odotettiin puoli vuotta"


def everything(*clients: Phone) -> str:
    """All that these clients received, as one string to search for leaked words."""
    return json.dumps([c.received() for c in clients], ensure_ascii=False)


def host_at(phone: MakePhone, code: str, table: int) -> Phone:
    host = seated(phone, code, table)
    assert host.call("claim_host")["ok"] is True
    host.received()
    return host


def stored(app: Flask, client_id: str) -> Post:
    with app.app_context():
        post = db.session.execute(select(Post).where(Post.client_id == client_id)).scalar_one()
        db.session.expunge(post)
        return post


@dataclass
class Room:
    """An event with a host phone and a peer at its first table, a board and a control page."""

    ev: EventInfo
    writer: Phone
    peer: Phone
    screen: Board
    control: Facilitator


@pytest.fixture
def room(
    make_event: MakeEvent,
    phone: MakePhone,
    board: Callable[[str], Board],
    facilitator: Callable[..., Facilitator],
) -> Room:
    """The room of the tests below, with every inbox emptied."""
    ev = make_event()
    writer = host_at(phone, ev.code, ev.table_ids[0])
    peer = seated(phone, ev.code, ev.table_ids[0])
    made = Room(ev, writer, peer, board(ev.board_token), facilitator(ev.id))
    made.screen.received()
    made.control.received()
    return made


def test_a_post_with_a_personal_identity_code_reaches_only_its_writer_and_the_facilitator(
    make_event: MakeEvent,
    phone: MakePhone,
    board: Callable[[str], Board],
    facilitator: Callable[..., Facilitator],
) -> None:
    ev = make_event(tables=2)
    writer = host_at(phone, ev.code, ev.table_ids[0])
    peer = seated(phone, ev.code, ev.table_ids[0])
    other_table = seated(phone, ev.code, ev.table_ids[1])
    screen = board(ev.board_token)
    control = facilitator(ev.id)
    screen.received()
    control.received()

    ack = writer.post(HETU_POST, core=True)

    assert ack["ok"] is True
    post = ack["post"]
    assert post["review"] == "flagged"
    assert [f["kind"] for f in post["findings"]] == ["hetu"]
    hetu = post["findings"][0]
    assert HETU_POST[hetu["start"] : hetu["end"]] == "131052-308T"
    assert "131052-308T" not in everything(peer, other_table, screen)
    queued = control.received("post")
    assert len(queued) == 1 and queued[0]["review"] == "flagged"
    assert queued[0]["findings"] == post["findings"]
    # Nor after a reconnect: fresh state of a peer, a board, and the writer's own phone.
    assert all(
        p["id"] != post["id"] for p in phone(ev.code).join(ev.table_ids[0])["state"]["posts"]
    )
    assert board(ev.board_token).call("sync")["state"]["cores"] == []
    again = phone(ev.code, writer.device).join(ev.table_ids[0])["state"]["posts"]
    assert [(p["id"], p["review"]) for p in again] == [(post["id"], "flagged")]


def test_a_clean_rewrite_goes_out_to_the_table_and_the_board(
    make_event: MakeEvent, phone: MakePhone, board: Callable[[str], Board]
) -> None:
    ev = make_event()
    writer = host_at(phone, ev.code, ev.table_ids[0])
    peer = seated(phone, ev.code, ev.table_ids[0])
    screen = board(ev.board_token)
    post = writer.post(NAME_POST, core=True)["post"]
    assert post["review"] == "flagged"
    screen.received()

    still = writer.call("edit", {"id": post["id"], "text": "Olli odotti puoli vuotta"})
    assert still["post"]["review"] == "flagged"
    assert peer.received("post") == [] and screen.received("core") == []

    clean = writer.call("edit", {"id": post["id"], "text": CLEAN_POST})

    assert clean["ok"] is True and "review" not in clean["post"]
    assert [p["text"] for p in peer.received("post")] == [CLEAN_POST]
    assert [c["text"] for c in screen.received("core")] == [CLEAN_POST]
    assert "Kettunen" not in everything(peer, screen)


def test_an_edit_that_brings_personal_data_in_takes_the_post_back(
    make_event: MakeEvent, phone: MakePhone, board: Callable[[str], Board]
) -> None:
    ev = make_event()
    writer = host_at(phone, ev.code, ev.table_ids[0])
    peer = seated(phone, ev.code, ev.table_ids[0])
    screen = board(ev.board_token)
    post = writer.post(CLEAN_POST, core=True)["post"]
    assert "review" not in post
    peer.received()
    screen.received()

    ack = writer.call("edit", {"id": post["id"], "text": HETU_POST})

    assert ack["post"]["review"] == "flagged"
    assert peer.received("post_removed") == [{"id": post["id"], "table": ev.table_ids[0]}]
    assert screen.received("core_removed") == [{"id": post["id"], "table": ev.table_ids[0]}]
    assert "131052-308T" not in everything(peer, screen)


def test_sent_for_review_then_approved_reaches_table_board_and_gathering(
    app: Flask, room: Room
) -> None:
    writer, peer, screen, control = room.writer, room.peer, room.screen, room.control
    post = writer.post(NAME_POST, core=True)["post"]
    assert control.call("approve", {"id": "nope"})["ok"] is False

    sent = writer.call("request_review", {"id": post["id"]})
    assert sent["post"]["review"] == "queued"
    assert peer.received("post") == []
    assert [p["review"] for p in control.received("post")] == ["flagged", "queued"]
    screen.received()

    ack = control.call("approve", {"id": post["id"]})

    assert ack["ok"] is True and ack["post"]["review"] is None
    assert [p["text"] for p in peer.received("post")] == [NAME_POST]
    assert [c["text"] for c in screen.received("core")] == [NAME_POST]
    gathering = control.call("gather_sync")["gathering"]
    assert [card["text"] for card in gathering["loose"]] == [NAME_POST]
    assert ack_error(control.call("approve", {"id": post["id"]})) == "not_held"
    with app.app_context():
        actions = db.session.execute(select(AuditEntry.action, AuditEntry.username)).all()
    assert ("hold", "") in actions and ("approve", "ohjaaja") in actions


def test_a_masked_post_shows_placeholders_everywhere_and_the_words_nowhere(
    app: Flask, room: Room
) -> None:
    writer, peer, screen, control = room.writer, room.peer, room.screen, room.control
    post = writer.post(NAME_POST, core=True)["post"]
    screen.received()
    peer.received()

    ack = control.call("mask", {"id": post["id"]})

    assert ack["ok"] is True
    masked = ack["post"]["text"]
    assert "[nimi]" in masked and "[puhelinnumero]" in masked
    assert masked.endswith("odotti päätöstä puoli vuotta")
    for client in (peer, screen):
        seen = everything(client)
        assert "[nimi]" in seen
        assert "Kettunen" not in seen and "0451123344" not in seen
    gathering = control.call("gather_sync")["gathering"]
    assert [card["text"] for card in gathering["loose"]] == [masked]
    assert stored(app, post["id"]).text == masked
    assert "Kettunen" not in json.dumps(screen.call("sync"), ensure_ascii=False)


def test_pre_moderation_holds_every_post_until_a_facilitator_approves(
    make_event: MakeEvent,
    phone: MakePhone,
    board: Callable[[str], Board],
    facilitator: Callable[..., Facilitator],
) -> None:
    ev = make_event()
    control = facilitator(ev.id)
    assert control.call("premoderation", {"on": "yes"})["ok"] is False
    assert control.call("premoderation", {"on": True}) == {"ok": True, "on": True}
    assert control.call("sync")["state"]["premoderation"] is True
    writer = host_at(phone, ev.code, ev.table_ids[0])
    peer = seated(phone, ev.code, ev.table_ids[0])
    screen = board(ev.board_token)
    screen.received()

    post = writer.post(CLEAN_POST, core=True)["post"]

    assert post["review"] == "queued" and post["findings"] == []
    assert peer.received("post") == [] and screen.received("core") == []
    assert ack_error(control.call("mask", {"id": post["id"]})) == "nothing_to_mask"
    assert control.call("approve", {"id": post["id"]})["ok"] is True
    assert [p["text"] for p in peer.received("post")] == [CLEAN_POST]
    assert [c["text"] for c in screen.received("core")] == [CLEAN_POST]
    # Switched off, a post goes out at once again.
    assert control.call("premoderation", {"on": False})["on"] is False
    assert "review" not in writer.post("Toinen ajatus")["post"]


def test_pre_moderation_from_the_plan(make_event: MakeEvent, phone: MakePhone) -> None:
    ev = make_event(premoderation=True)
    writer = seated(phone, ev.code, ev.table_ids[0])
    assert writer.post(CLEAN_POST)["post"]["review"] == "queued"


def test_hiding_a_held_post_takes_it_from_its_writer(
    make_event: MakeEvent, phone: MakePhone, facilitator: Callable[..., Facilitator]
) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    control = facilitator(ev.id)
    post = writer.post(HETU_POST)["post"]
    writer.received()

    assert control.call("hide", {"id": post["id"], "hidden": True})["ok"] is True

    assert writer.received("post_removed") == [{"id": post["id"], "table": ev.table_ids[0]}]
    assert writer.call("sync")["state"]["posts"] == []
    assert ack_error(writer.call("request_review", {"id": post["id"]})) == "not_held"


def test_the_control_page_hides_the_role_of_a_hidden_post_from_a_small_group(
    make_event: MakeEvent, phone: MakePhone, facilitator: Callable[..., Facilitator]
) -> None:
    ev = make_event(tables=2, role_tags=["asiakas", "ammattilainen"])
    client = phone(ev.code)
    assert client.join(ev.table_ids[0], "asiakas")["ok"] is True
    workers = [phone(ev.code) for _ in range(3)]
    for worker in workers:
        assert worker.join(ev.table_ids[0], "ammattilainen")["ok"] is True
    lonely = client.post("Tämä piilotetaan")["post"]
    by_worker = workers[0].post("Tämäkin piilotetaan")["post"]
    for worker in workers[1:]:
        worker.post("Toinen näkökulma")
    control = facilitator(ev.id)
    control.received()

    hid = control.call("hide", {"id": lonely["id"], "hidden": True})
    assert hid["post"]["role"] is None
    assert [p["role"] for p in control.received("post")] == [None]
    control.call("hide", {"id": by_worker["id"], "hidden": True})

    roles = {p["id"]: p["role"] for p in control.call("sync")["state"]["posts"]}
    assert roles[lonely["id"]] is None
    assert roles[by_worker["id"]] == "ammattilainen"


def test_retention_deletes_held_posts_that_were_never_approved(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    host = host_at(phone, ev.code, ev.table_ids[0])
    held = host.post(HETU_POST, core=True)["post"]
    kept = host.post(CLEAN_POST, core=True)["post"]

    with app.app_context():
        later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=400)
        purge_raw_posts(later, 30)
        left = set(db.session.execute(select(Post.client_id)).scalars())
    assert left == {kept["id"]}
    assert held["id"] not in left


def test_resending_a_held_post_is_a_no_op(make_event: MakeEvent, phone: MakePhone) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    cid = str(uuid.uuid4())
    first = writer.post(HETU_POST, cid=cid)
    again = writer.post(HETU_POST, cid=cid)
    assert again["duplicate"] is True
    assert again["post"] == first["post"]
