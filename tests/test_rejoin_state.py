"""What a (re)joining phone or board is sent, made cheap for the reconnect herd: the table's
posts in one query and the event's live summary kept between changes
(``cafe.gathering.state.SummaryCache``). Whatever changes the summary, a phone or board
that joins afterwards reads the new one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from cafe.extensions import db
from cafe.gathering.state import SummaryCache, live_summary
from cafe.models import CafeEvent
from tests.conftest import (
    EventInfo,
    Facilitator,
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    seated,
)
from tests.helpers import core, gathering, host, ok, statements


def gathering_reads(seen: list[str]) -> list[str]:
    """Statements that read what the summary is made of."""
    return [
        s for s in seen if any(f"FROM {t}" in s for t in ("theme", "gather_item", "summary_intro"))
    ]


def newcomer_summary(phone: MakePhone, ev: EventInfo) -> dict[str, Any]:
    """The summary a phone joining now is sent."""
    ack = phone(ev.code).join(ev.table_ids[2])
    assert ack["ok"] is True, ack
    summary: dict[str, Any] = ack["state"]["summary"]
    return summary


def test_every_change_to_the_summary_reaches_those_who_join_afterwards(
    make_event: MakeEvent,
    phone: MakePhone,
    board: MakeBoard,
    facilitator: MakeFacilitator,
) -> None:
    ev = make_event(tables=3)
    writer = host(phone, ev.code, ev.table_ids[0])
    control: Facilitator = facilitator(ev.id)
    post = core(writer, "Kuulluksi tuleminen")
    assert newcomer_summary(phone, ev) == {"intro": "", "themes": []}  # now kept

    item = gathering(control)["loose"][0]["id"]
    theme = ok(control.call("theme_create", {"title": "Kohtaaminen", "items": [item]}))["theme"]
    assert newcomer_summary(phone, ev)["themes"][0]["items"] == ["Kuulluksi tuleminen"]

    # The writer rewords the gathered idea (a phone's verb, not the gathering's).
    ok(writer.call("edit", {"id": post, "text": "Kuulluksi tuleminen on tärkeää"}))
    assert newcomer_summary(phone, ev)["themes"][0]["items"] == ["Kuulluksi tuleminen on tärkeää"]

    # The facilitator hides it: gone from the summary for whoever joins next.
    ok(control.call("hide", {"id": post, "hidden": True}))
    assert newcomer_summary(phone, ev)["themes"][0]["items"] == []
    ok(control.call("hide", {"id": post, "hidden": False}))
    assert newcomer_summary(phone, ev)["themes"][0]["items"] == ["Kuulluksi tuleminen on tärkeää"]

    saved = control.call(
        "theme_save", {"theme": theme, "base": 1, "title": "Kohtaaminen", "body": "Kuunnellaan."}
    )
    ok(saved)
    expected_html = "<p><strong>Kohtaaminen.</strong> Kuunnellaan.</p>"
    assert newcomer_summary(phone, ev)["themes"][0]["html"] == expected_html
    assert board(ev.board_token).call("sync")["state"]["summary"]["themes"][0]["html"] == (
        expected_html
    )

    ok(writer.call("mark_core", {"id": post, "core": False}))
    assert newcomer_summary(phone, ev)["themes"][0]["items"] == []
    ok(control.call("theme_delete", {"theme": theme}))
    assert newcomer_summary(phone, ev) == {"intro": "", "themes": []}


def test_a_rejoin_reads_the_gathering_only_after_it_changed(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    """A herd of phones rejoining: the summary is read once, then kept; the phone's posts,
    its own held ones included, come in one query."""
    ev = make_event(tables=3)
    writer = host(phone, ev.code, ev.table_ids[0])
    control = facilitator(ev.id)
    core(writer, "Kuulluksi tuleminen")
    item = gathering(control)["loose"][0]["id"]
    ok(control.call("theme_create", {"title": "Kohtaaminen", "items": [item]}))
    phones: list[Phone] = [phone(ev.code) for _ in range(5)]

    with statements(app) as seen:
        first = phones[0].join(ev.table_ids[0])
    assert gathering_reads(seen) == []  # the theme's creation put the summary in the cache
    with statements(app) as seen:
        for other in phones[1:]:
            assert other.join(ev.table_ids[0])["state"]["summary"] == first["state"]["summary"]
    assert gathering_reads(seen) == []
    assert sum("FROM post" in s for s in seen) == 4  # one query per join
    assert len(seen) <= 4 * 4


def test_the_kept_summary_is_per_app_and_off_with_a_message_queue(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    """Several processes behind a message queue: another process's change would not reach
    this one's cache, so every read builds the summary afresh."""
    ev = make_event(tables=3)
    seated(phone, ev.code, ev.table_ids[0])  # a join keeps the summary
    assert isinstance(app.extensions.get("cafe_summaries"), SummaryCache)
    app.config["CAFE_MESSAGE_QUEUE"] = "redis://127.0.0.1:1/0"
    try:
        with app.app_context():
            event = db.session.get(CafeEvent, ev.id)
            assert event is not None
            reads: list[Callable[[], Any]] = [lambda: live_summary(event)] * 2
            with statements(app) as seen:
                for read in reads:
                    assert read() == {"intro": "", "themes": []}
            assert len(gathering_reads(seen)) == 2 * 3  # themes, items, intro: each time
    finally:
        app.config["CAFE_MESSAGE_QUEUE"] = None
