"""The ``/phone`` namespace through Flask-SocketIO's test client: joining, posting, editing,
the host role, rate limits, malformed payloads and refused connections."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.conftest import (
    MakeEvent,
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


def post_ids(events: list[Any]) -> list[str]:
    return [event["id"] for event in events]


# --- joining -----------------------------------------------------------------------------


def test_join_answers_with_event_table_posts_and_host_flag(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    writer = seated(phone, ev.code, ev.table_ids[0])
    first = writer.post("Ensimmäinen ajatus")["post"]
    second = writer.post("Toinen ajatus")["post"]

    ack = phone(ev.code).join(ev.table_ids[0])

    assert ack["ok"] is True
    state = ack["state"]
    assert state["event"]["id"] == ev.id
    assert state["event"]["join_code"] == ev.code
    assert state["event"]["topic"] == "Yhdessä asiakkaan kanssa"
    assert [t["id"] for t in state["event"]["tables"]] == ev.table_ids
    assert state["table"] == {
        "id": ev.table_ids[0],
        "number": 1,
        "name": "Pöytä 1",
        "has_host": False,
    }
    assert state["posts"] == [first, second]
    assert state["is_host"] is False


def test_sync_before_joining_has_no_table_and_no_posts(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    ack = phone(ev.code).call("sync")
    assert ack["ok"] is True
    assert ack["state"]["table"] is None
    assert ack["state"]["posts"] == []
    assert ack["state"]["event"]["id"] == ev.id


@pytest.mark.parametrize("verb", ["post", "claim_host", "release_host"])
def test_table_verbs_before_joining_are_refused_with_not_at_table(
    app: Flask, make_event: MakeEvent, phone: MakePhone, verb: str
) -> None:
    ev = make_event()
    fresh = phone(ev.code)
    before = db_snapshot(app)
    data = {"id": str(uuid.uuid4()), "text": "Ajatus"} if verb == "post" else {}
    assert ack_error(fresh.call(verb, data)) == "not_at_table"
    assert db_snapshot(app) == before


@pytest.mark.parametrize(
    "typed", [str.lower, lambda c: f"{c[:3]}-{c[3:]}", lambda c: f" {c[:3].lower()} {c[3:]} "]
)
def test_phone_connects_with_the_code_typed_loosely(
    make_event: MakeEvent, phone: MakePhone, typed: Callable[[str], str]
) -> None:
    ev = make_event()
    assert phone(typed(ev.code)).connected


def test_moving_to_another_table_stops_posts_from_the_old_one(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    first, second = ev.table_ids[:2]
    mover = seated(phone, ev.code, first)
    stayer = seated(phone, ev.code, first)
    assert mover.join(second)["state"]["table"]["id"] == second
    mover.received()

    stayer.post("Jäin tänne")
    assert mover.received("post") == []

    newcomer = seated(phone, ev.code, second)
    written = newcomer.post("Uusi pöytä")["post"]
    assert post_ids(mover.received("post")) == [written["id"]]
    assert written["table"] == second


# --- posting -----------------------------------------------------------------------------


def test_post_reaches_other_phone_at_same_table_and_never_another_table(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    writer = seated(phone, ev.code, ev.table_ids[0])
    neighbour = seated(phone, ev.code, ev.table_ids[0])
    elsewhere = seated(phone, ev.code, ev.table_ids[1])

    ack = writer.post("  Asiakas mukaan\r\nsuunnitteluun  ")

    assert ack["ok"] is True and ack["duplicate"] is False
    post = ack["post"]
    assert post["text"] == "Asiakas mukaan\nsuunnitteluun"
    assert post["table"] == ev.table_ids[0]
    assert post["core"] is False and post["edited"] is False and post["role"] is None
    assert post["created"].endswith("Z")
    assert set(post) == {"id", "table", "text", "role", "core", "created", "edited"}
    assert neighbour.received("post") == [post]
    assert writer.received("post") == [post]
    assert elsewhere.received() == []


def test_post_never_reaches_phone_of_another_event(make_event: MakeEvent, phone: MakePhone) -> None:
    ours, theirs = make_event(tables=1), make_event(tables=1)
    writer = seated(phone, ours.code, ours.table_ids[0])
    stranger = seated(phone, theirs.code, theirs.table_ids[0])
    writer.post("Vain meidän tapahtumaan")
    assert stranger.received() == []
    assert stranger.call("sync")["state"]["posts"] == []


@pytest.mark.parametrize(
    ("role", "stored"),
    [
        ("asiakas", "asiakas"),
        ("kokemusasiantuntija", "kokemusasiantuntija"),
        (None, None),
        ("", None),
    ],
)
def test_post_carries_the_role_tag_chosen_at_join(
    make_event: MakeEvent, phone: MakePhone, role: str | None, stored: str | None
) -> None:
    ev = make_event()
    writer = phone(ev.code)
    assert writer.join(ev.table_ids[0], role=role)["ok"] is True
    assert writer.post("Roolin kanssa")["post"]["role"] == stored


def test_resend_of_same_id_stores_one_row_and_broadcasts_once(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    neighbour = seated(phone, ev.code, ev.table_ids[0])
    cid = str(uuid.uuid4())

    first = writer.post("Kerran vain", cid=cid)
    again = writer.post("Kerran vain", cid=cid)
    changed = writer.post("Eri teksti samalla id:llä", cid=cid)

    assert first["duplicate"] is False
    assert again == {"ok": True, "post": first["post"], "duplicate": True}
    assert changed == {"ok": True, "post": first["post"], "duplicate": True}
    assert post_ids(neighbour.received("post")) == [cid]
    assert len(db_snapshot(app)["post"]) == 1


def test_resend_from_a_new_socket_of_the_same_device_is_a_duplicate(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    device = new_device()
    writer = seated(phone, ev.code, ev.table_ids[0], device)
    neighbour = seated(phone, ev.code, ev.table_ids[0])
    cid = str(uuid.uuid4())
    original = writer.post("Ennen katkosta", cid=cid)["post"]
    writer.close()

    reloaded = seated(phone, ev.code, ev.table_ids[0], device)
    resent = reloaded.post("Ennen katkosta", cid=cid)

    assert resent == {"ok": True, "post": original, "duplicate": True}
    assert post_ids(neighbour.received("post")) == [cid]
    assert len(db_snapshot(app)["post"]) == 1


def test_other_device_reusing_an_id_gets_client_id_taken(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    owner = seated(phone, ev.code, ev.table_ids[0])
    copycat = seated(phone, ev.code, ev.table_ids[0])
    cid = str(uuid.uuid4())
    owner.post("Minun", cid=cid)
    owner.received()
    before = db_snapshot(app)

    assert ack_error(copycat.post("Varastettu id", cid=cid)) == "client_id_taken"
    assert db_snapshot(app) == before
    assert owner.received() == []


def test_ids_are_per_event(make_event: MakeEvent, phone: MakePhone) -> None:
    ours, theirs = make_event(), make_event()
    cid = str(uuid.uuid4())
    assert seated(phone, ours.code, ours.table_ids[0]).post("Täällä", cid=cid)["ok"]
    elsewhere = seated(phone, theirs.code, theirs.table_ids[0]).post("Tuolla", cid=cid)
    assert elsewhere["ok"] is True and elsewhere["duplicate"] is False


# --- editing and deleting ----------------------------------------------------------------


def test_edit_own_post_reaches_the_table(make_event: MakeEvent, phone: MakePhone) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    neighbour = seated(phone, ev.code, ev.table_ids[0])
    post = writer.post("Kirjotusvirhe")["post"]
    neighbour.received()

    ack = writer.call("edit", {"id": post["id"], "text": "Kirjoitusvirhe korjattu"})

    assert ack["ok"] is True
    assert ack["post"]["text"] == "Kirjoitusvirhe korjattu"
    assert ack["post"]["edited"] is True
    assert ack["post"]["created"] == post["created"]
    assert neighbour.received("post") == [ack["post"]]
    assert neighbour.call("sync")["state"]["posts"] == [ack["post"]]


def test_edit_with_unchanged_text_broadcasts_nothing(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    neighbour = seated(phone, ev.code, ev.table_ids[0])
    post = writer.post("Sama")["post"]
    neighbour.received()
    ack = writer.call("edit", {"id": post["id"], "text": "  Sama \n"})
    assert ack == {"ok": True, "post": post}
    assert neighbour.received() == []


def test_delete_own_post_removes_it_everywhere_and_keeps_resends_no_ops(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    neighbour = seated(phone, ev.code, ev.table_ids[0])
    post = writer.post("Poistettava")["post"]
    neighbour.received()

    assert writer.call("delete", {"id": post["id"]}) == {"ok": True, "id": post["id"]}

    assert neighbour.received() == [
        {
            "name": "post_removed",
            "args": [{"id": post["id"], "table": ev.table_ids[0]}],
            "namespace": "/phone",
        }
    ]
    assert neighbour.call("sync")["state"]["posts"] == []
    assert phone(ev.code).join(ev.table_ids[0])["state"]["posts"] == []
    (row,) = db_snapshot(app)["post"]
    assert "Poistettava" not in repr(row)  # the text is erased, not just flagged

    resent = writer.post("Poistettava", cid=post["id"])
    assert resent["ok"] is True and resent["duplicate"] is True
    assert neighbour.received() == []
    assert len(db_snapshot(app)["post"]) == 1
    assert ack_error(writer.call("edit", {"id": post["id"], "text": "Takaisin"})) == "post_gone"
    assert ack_error(writer.call("delete", {"id": post["id"]})) == "post_gone"


@pytest.mark.parametrize(
    ("verb", "data"),
    [("edit", {"text": "Muutettu toisen puhelimesta"}), ("delete", {})],
)
def test_changing_someone_elses_post_is_refused_and_changes_nothing(
    app: Flask, make_event: MakeEvent, phone: MakePhone, verb: str, data: dict[str, Any]
) -> None:
    ev = make_event()
    owner = seated(phone, ev.code, ev.table_ids[0])
    other = seated(phone, ev.code, ev.table_ids[0])
    post = owner.post("Alkuperäinen")["post"]
    owner.received()
    other.received()
    before = db_snapshot(app)

    assert ack_error(other.call(verb, {"id": post["id"], **data})) == "not_your_post"

    assert db_snapshot(app) == before
    assert owner.received() == [] and other.received() == []
    assert other.call("sync")["state"]["posts"] == [post]


# --- the table host ----------------------------------------------------------------------


def test_host_claim_is_exclusive_and_you_host_reaches_only_the_host(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    table = ev.table_ids[0]
    device = new_device()
    host = seated(phone, ev.code, table, device)
    host_second_tab = seated(phone, ev.code, table, device)
    rival = seated(phone, ev.code, table)
    elsewhere = seated(phone, ev.code, ev.table_ids[1])

    ack = host.call("claim_host")

    assert ack["ok"] is True and ack["table"]["has_host"] is True
    you_host = {"table": table, "host": True}
    assert host.received("you_host") == [you_host]
    assert host_second_tab.received("you_host") == [you_host]
    rival_events = rival.received()
    assert [e["name"] for e in rival_events] == ["table"]
    assert rival_events[0]["args"][0] == ack["table"]
    assert elsewhere.received() == []

    assert ack_error(rival.call("claim_host")) == "host_taken"
    assert rival.received() == [] and host.received("you_host") == []
    assert host.call("claim_host")["ok"] is True  # claiming again is harmless
    assert rival.join(table)["state"]["is_host"] is False
    assert host.join(table)["state"]["is_host"] is True


def test_released_host_role_can_be_claimed_by_another_phone(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    table = ev.table_ids[0]
    host = seated(phone, ev.code, table)
    other = seated(phone, ev.code, table)
    host.call("claim_host")
    assert ack_error(other.call("release_host")) == "not_host"
    host.received()
    other.received()

    ack = host.call("release_host")

    assert ack["ok"] is True and ack["table"]["has_host"] is False
    assert host.received("you_host") == [{"table": table, "host": False}]
    assert other.received("you_host") == []
    assert other.call("claim_host")["ok"] is True
    assert other.received("you_host") == [{"table": table, "host": True}]


def test_host_role_survives_a_reconnect_of_the_same_device(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    device = new_device()
    host = seated(phone, ev.code, ev.table_ids[0], device)
    host.call("claim_host")
    host.close()
    back = phone(ev.code, device)
    assert back.join(ev.table_ids[0])["state"]["is_host"] is True
    post = back.post("Ydin suoraan")
    assert back.call("mark_core", {"id": post["post"]["id"], "core": True})["ok"] is True


def test_only_the_host_marks_or_writes_core_ideas(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    host = seated(phone, ev.code, ev.table_ids[0])
    participant = seated(phone, ev.code, ev.table_ids[0])
    host.call("claim_host")
    post = participant.post("Hyvä ajatus")["post"]
    host.received()
    participant.received()
    before = db_snapshot(app)

    assert ack_error(participant.call("mark_core", {"id": post["id"], "core": True})) == "not_host"
    assert ack_error(participant.post("Oma ydinajatus", core=True)) == "not_host"
    assert db_snapshot(app) == before
    assert host.received() == [] and participant.received() == []

    marked = host.call("mark_core", {"id": post["id"], "core": True})
    assert marked["ok"] is True and marked["post"]["core"] is True
    assert participant.received("post") == [marked["post"]]
    written = host.post("Isännän ydinajatus", core=True)
    assert written["ok"] is True and written["post"]["core"] is True


def test_host_of_one_table_cannot_mark_a_post_at_another_table(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    host = seated(phone, ev.code, ev.table_ids[0])
    host.call("claim_host")
    elsewhere = seated(phone, ev.code, ev.table_ids[1])
    post = elsewhere.post("Toisen pöydän ajatus")["post"]
    before = db_snapshot(app)
    assert ack_error(host.call("mark_core", {"id": post["id"], "core": True})) == "not_host"
    assert db_snapshot(app) == before


def test_host_cannot_mark_a_deleted_post(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    host = seated(phone, ev.code, ev.table_ids[0])
    host.call("claim_host")
    writer = seated(phone, ev.code, ev.table_ids[0])
    post = writer.post("Kohta poissa")["post"]
    writer.call("delete", {"id": post["id"]})
    before = db_snapshot(app)
    assert ack_error(host.call("mark_core", {"id": post["id"], "core": True})) == "post_gone"
    assert db_snapshot(app) == before


# --- rate limit --------------------------------------------------------------------------


def test_a_burst_of_ten_posts_then_rate_limited(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    assert app.config["CAFE_POST_BURST"] == 10
    ev = make_event()
    fast = seated(phone, ev.code, ev.table_ids[0])
    calm = seated(phone, ev.code, ev.table_ids[0])
    for _ in range(3):  # refused texts cost no tokens
        assert ack_error(fast.post("   ")) == "text_empty"
    acks = [fast.post(f"Ajatus {n}") for n in range(10)]
    assert all(ack["ok"] for ack in acks)

    assert ack_error(fast.post("Yksitoista")) == "rate_limited"

    assert len(db_snapshot(app)["post"]) == 10
    # A resend of something already stored is still acknowledged: the outbox empties.
    resent = fast.post("Ajatus 3", cid=acks[3]["post"]["id"])
    assert resent["ok"] is True and resent["duplicate"] is True
    # Another phone has its own bucket.
    assert calm.post("Minä ehdin vielä")["ok"] is True


def test_resends_cost_no_rate_limit_tokens(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    """An outbox flushed after a reconnect may resend stored posts; they are not posting."""
    ev = make_event()
    fast = seated(phone, ev.code, ev.table_ids[0])
    first = fast.post("Ajatus 0")["post"]
    for n in range(1, 9):
        assert fast.post(f"Ajatus {n}")["ok"] is True
    for _ in range(5):
        assert fast.post("Ajatus 0", cid=first["id"])["duplicate"] is True
    assert fast.post("Ajatus 9")["ok"] is True
    assert ack_error(fast.post("Ajatus 10")) == "rate_limited"


# --- malformed payloads ------------------------------------------------------------------

#: (event, payload, error). Placeholders: <table> the phone's table, <table-text> its id as
#: text, <other-table> a table of another event, <own> the phone's own post, <foreign> a
#: post of another event, <new> a fresh client id.
MALFORMED: list[tuple[str, Any, str]] = [
    ("join", "Pöytä 1", "bad_request"),
    ("join", ["<table>"], "bad_request"),
    ("join", 5, "bad_request"),
    ("join", {}, "unknown_table"),
    ("join", {"table": "<table-text>"}, "unknown_table"),
    ("join", {"table": True}, "unknown_table"),
    ("join", {"table": 1.0}, "unknown_table"),
    ("join", {"table": None}, "unknown_table"),
    # Beyond 64 bits: refused before any handler (cafe/wire.py).
    ("join", {"table": 2**70}, "bad_request"),
    ("join", {"table": "<other-table>"}, "unknown_table"),
    ("join", {"table": "<table>", "role": 5}, "bad_role"),
    ("join", {"table": "<table>", "role": True}, "bad_role"),
    ("join", {"table": "<table>", "role": "pomo"}, "bad_role"),
    ("join", {"table": "<table>", "role": ["asiakas"]}, "bad_role"),
    ("sync", "x", "bad_request"),
    ("sync", [], "bad_request"),
    ("post", "Kahvia", "bad_request"),
    ("post", [{"id": "<new>", "text": "x"}], "bad_request"),
    ("post", {}, "bad_client_id"),
    ("post", {"text": "Ilman id:tä"}, "bad_client_id"),
    ("post", {"id": 5, "text": "x"}, "bad_client_id"),
    ("post", {"id": True, "text": "x"}, "bad_client_id"),
    ("post", {"id": "ei-uuid", "text": "x"}, "bad_client_id"),
    ("post", {"id": "<new-upper>", "text": "x"}, "bad_client_id"),
    ("post", {"id": "<new>"}, "text_invalid"),
    ("post", {"id": "<new>", "text": None}, "text_invalid"),
    ("post", {"id": "<new>", "text": 5}, "text_invalid"),
    ("post", {"id": "<new>", "text": ["x"]}, "text_invalid"),
    ("post", {"id": "<new>", "text": {"fi": "x"}}, "text_invalid"),
    ("post", {"id": "<new>", "text": ""}, "text_empty"),
    ("post", {"id": "<new>", "text": " \n\t "}, "text_empty"),
    ("post", {"id": "<new>", "text": "x" * 10_000}, "text_too_long"),
    ("post", {"id": "<new>", "text": "x" * 501}, "text_too_long"),
    ("post", {"id": "<new>", "text": "x", "core": "true"}, "bad_request"),
    ("post", {"id": "<new>", "text": "x", "core": 1}, "bad_request"),
    ("post", {"id": "<new>", "text": "x", "core": None}, "bad_request"),
    ("edit", "x", "bad_request"),
    ("edit", {}, "unknown_post"),
    ("edit", {"id": 5, "text": "x"}, "unknown_post"),
    ("edit", {"id": "<new>", "text": "x"}, "unknown_post"),
    ("edit", {"id": "x" * 10_000, "text": "x"}, "unknown_post"),
    ("edit", {"id": "<foreign>", "text": "x"}, "unknown_post"),
    ("edit", {"id": "<own>"}, "text_invalid"),
    ("edit", {"id": "<own>", "text": 5}, "text_invalid"),
    ("edit", {"id": "<own>", "text": True}, "text_invalid"),
    ("edit", {"id": "<own>", "text": ""}, "text_empty"),
    ("edit", {"id": "<own>", "text": "x" * 10_000}, "text_too_long"),
    ("delete", ["<own>"], "bad_request"),
    ("delete", "<own>", "bad_request"),
    ("delete", {}, "unknown_post"),
    ("delete", {"id": None}, "unknown_post"),
    ("delete", {"id": 1}, "unknown_post"),
    ("delete", {"id": "<new>"}, "unknown_post"),
    ("delete", {"id": "<foreign>"}, "unknown_post"),
    ("mark_core", "<own>", "bad_request"),
    ("mark_core", {"id": "<own>"}, "bad_request"),
    ("mark_core", {"id": "<own>", "core": "true"}, "bad_request"),
    ("mark_core", {"id": "<own>", "core": 1}, "bad_request"),
    ("mark_core", {"id": "<new>", "core": True}, "unknown_post"),
    ("mark_core", {"id": "<foreign>", "core": True}, "unknown_post"),
    ("mark_core", {"id": 5, "core": True}, "unknown_post"),
    ("claim_host", "x", "bad_request"),
    ("claim_host", 5, "bad_request"),
    ("release_host", [], "bad_request"),
    ("release_host", True, "bad_request"),
]


@pytest.fixture
def malformed_setup(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> tuple[Phone, Phone, dict[str, Any]]:
    """A host phone with one post at a table, a bystander there, and another event."""
    ev = make_event(tables=2)
    other = make_event(tables=1)
    sender = seated(phone, ev.code, ev.table_ids[0])
    assert sender.call("claim_host")["ok"] is True
    own = sender.post("Oma ajatus")["post"]["id"]
    foreign = seated(phone, other.code, other.table_ids[0]).post("Vieras")["post"]["id"]
    bystander = seated(phone, ev.code, ev.table_ids[0])
    sender.received()
    new = str(uuid.uuid4())
    slots = {
        "<table>": ev.table_ids[0],
        "<table-text>": str(ev.table_ids[0]),
        "<other-table>": other.table_ids[0],
        "<own>": own,
        "<foreign>": foreign,
        "<new>": new,
        "<new-upper>": new.upper(),
    }
    return sender, bystander, slots


@pytest.mark.parametrize(("event", "payload", "error"), MALFORMED)
def test_malformed_phone_payload_is_refused_and_changes_nothing(
    app: Flask,
    malformed_setup: tuple[Phone, Phone, dict[str, Any]],
    event: str,
    payload: Any,
    error: str,
) -> None:
    sender, bystander, slots = malformed_setup
    before = db_snapshot(app)

    ack = sender.call(event, fill(payload, slots))

    assert ack_error(ack) == error
    assert db_snapshot(app) == before
    assert bystander.received() == []
    # The phone's seat survived the bad call.
    assert sender.call("sync")["state"]["table"]["id"] == slots["<table>"]


@pytest.mark.parametrize(
    "event", ["join", "sync", "post", "edit", "delete", "mark_core", "claim_host", "release_host"]
)
def test_extra_arguments_are_a_bad_request(
    app: Flask, malformed_setup: tuple[Phone, Phone, dict[str, Any]], event: str
) -> None:
    sender, bystander, slots = malformed_setup
    before = db_snapshot(app)
    payload = {"id": slots["<new>"], "text": "x", "table": slots["<table>"], "core": True}
    ack = sender.client.emit(event, payload, "ylimääräinen", namespace=Phone.NS, callback=True)
    assert ack_error(ack) == "bad_request"
    assert db_snapshot(app) == before
    assert bystander.received() == []


# --- refused connections -----------------------------------------------------------------

#: (auth, error). Placeholders: <code> the event's code, <device> a valid device token.
REFUSALS: list[tuple[Any, str]] = [
    (None, "bad_request"),
    ("ABC234", "bad_request"),
    (["<code>", "<device>"], "bad_request"),
    ({"device": "<device>"}, "bad_code"),
    ({"code": None, "device": "<device>"}, "bad_code"),
    ({"code": 234234, "device": "<device>"}, "bad_code"),
    ({"code": "ABC23", "device": "<device>"}, "bad_code"),
    ({"code": "ABC2345", "device": "<device>"}, "bad_code"),
    ({"code": "ABI234", "device": "<device>"}, "bad_code"),
    ({"code": "AB0234", "device": "<device>"}, "bad_code"),
    ({"code": "<unknown-code>", "device": "<device>"}, "unknown_code"),
    ({"code": "<code>"}, "bad_device"),
    ({"code": "<code>", "device": None}, "bad_device"),
    ({"code": "<code>", "device": "lyhyt"}, "bad_device"),
    ({"code": "<code>", "device": "x" * 21}, "bad_device"),
    ({"code": "<code>", "device": "x" * 129}, "bad_device"),
    ({"code": "<code>", "device": "x" * 21 + "."}, "bad_device"),
    ({"code": "<code>", "device": "ä" * 22}, "bad_device"),
    # An auth beyond 64 bits is dropped by cafe/wire.py: connecting without auth.
    ({"code": "<code>", "device": 10**30}, "bad_request"),
    ({"code": "<code>", "device": ["<device>"]}, "bad_device"),
]


@pytest.mark.parametrize(("auth", "error"), REFUSALS)
def test_phone_connection_is_refused(
    app: Flask, make_event: MakeEvent, auth: Any, error: str
) -> None:
    ev = make_event()
    unknown = "ZZZZZZ" if ev.code != "ZZZZZZ" else "YYYYYY"
    slots = {"<code>": ev.code, "<device>": new_device(), "<unknown-code>": unknown}
    before = db_snapshot(app)
    assert refusal_code(connect_error(app, "/phone", fill(auth, slots))) == error
    assert db_snapshot(app) == before


def test_a_valid_phone_connection_is_accepted(app: Flask, make_event: MakeEvent) -> None:
    ev = make_event()
    assert connect_error(app, "/phone", {"code": ev.code, "device": new_device()}) is None


def test_too_many_wrong_codes_from_one_address_are_refused(
    app: Flask, make_event: MakeEvent
) -> None:
    ev = make_event()
    allowed = app.config["CAFE_JOIN_ATTEMPTS_PER_MINUTE"]
    wrong = {"code": "ZZZZZZ" if ev.code != "ZZZZZZ" else "YYYYYY", "device": new_device()}
    for _ in range(allowed):
        assert refusal_code(connect_error(app, "/phone", wrong)) == "unknown_code"
    assert refusal_code(connect_error(app, "/phone", wrong)) == "too_many_attempts"
    assert refusal_code(connect_error(app, "/phone", {"code": "x"})) == "too_many_attempts"
    # The right code still works: only failures are counted.
    assert connect_error(app, "/phone", {"code": ev.code, "device": new_device()}) is None
