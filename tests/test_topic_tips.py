"""Topic tips for the next Cafe Social: the ``tip`` event of ``/phone`` (anonymous, no seat
needed, validated, rate limited with posts) and the organizer's list on ``/events/``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from cafe.domain.codes import device_hash
from cafe.extensions import db
from cafe.models import CafeEvent
from tests.conftest import (
    MakeEvent,
    MakePhone,
    Phone,
    ack_error,
    add_cheap_user,
    db_snapshot,
    login,
    seated,
)


def tip_rows(app: Flask) -> list[dict[str, Any]]:
    """Every row of ``topic_tip`` as SQLite holds it, column by column."""
    with app.app_context(), db.engine.connect() as connection:
        result = connection.execute(text('SELECT * FROM "topic_tip" ORDER BY id'))
        return [dict(row._mapping) for row in result]


def tip_refused(
    app: Flask, sender: Phone, watchers: list[Phone], payload: Any, error: str, *extra: Any
) -> None:
    """A ``tip`` refused with ``error``: no row changed (tips included), nobody told;
    ``extra`` arguments are sent after the payload (a malformed call)."""
    before = db_snapshot(app)
    if extra:
        ack = sender.client.emit("tip", payload, *extra, namespace=Phone.NS, callback=True)
    else:
        ack = sender.call("tip", payload)
    assert ack_error(ack) == error
    assert db_snapshot(app) == before
    assert [watcher.received() for watcher in watchers] == [[]] * len(watchers)
    assert sender.received() == []


# --- sending a tip -------------------------------------------------------------------------


def test_a_tip_is_stored_with_event_and_text_and_nothing_of_the_device(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    other = make_event()
    tipper = seated(phone, ev.code, ev.table_ids[0])
    neighbour = seated(phone, ev.code, ev.table_ids[0])

    ack = tipper.call("tip", {"text": "  Osallisuus\r\nlastensuojelussa  "})

    assert ack == {"ok": True}
    rows = tip_rows(app)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {"id", "event_id", "text", "created_at"}
    assert row["event_id"] == ev.id != other.id
    assert row["text"] == "Osallisuus\nlastensuojelussa"
    assert row["created_at"]
    secrets = (tipper.device, device_hash(tipper.device))
    for value in row.values():
        for secret in secrets:
            assert secret not in str(value)
    # Nothing is broadcast: a tip is for the organizers only.
    assert tipper.received() == [] and neighbour.received() == []


def test_a_phone_that_has_not_sat_down_may_tip(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    fresh = phone(ev.code)
    assert fresh.connected

    assert fresh.call("tip", {"text": "Nuorten ääni palveluissa"}) == {"ok": True}

    assert [(r["event_id"], r["text"]) for r in tip_rows(app)] == [
        (ev.id, "Nuorten ääni palveluissa")
    ]
    # Tipping did not seat it anywhere.
    assert fresh.call("sync")["state"]["table"] is None


def test_a_tip_of_exactly_300_characters_is_taken(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    assert phone(ev.code).call("tip", {"text": "ä" * 300})["ok"] is True
    assert tip_rows(app)[0]["text"] == "ä" * 300


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({}, "text_invalid"),
        ({"text": None}, "text_invalid"),
        ({"text": 5}, "text_invalid"),
        ({"text": ["Aihe"]}, "text_invalid"),
        ({"text": "   "}, "text_empty"),
        ({"text": "\u200b\n\t"}, "text_empty"),
        ({"text": "x" * 301}, "text_too_long"),
        ("Aihe", "bad_request"),
        (["Aihe"], "bad_request"),
    ],
)
def test_bad_tips_are_refused_changing_nothing(
    app: Flask, make_event: MakeEvent, phone: MakePhone, payload: Any, error: str
) -> None:
    ev = make_event()
    sender = phone(ev.code)
    watcher = seated(phone, ev.code, ev.table_ids[0])
    sender.received()
    tip_refused(app, sender, [watcher], payload, error)


def test_a_tip_with_an_extra_argument_is_a_bad_request(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    sender = seated(phone, ev.code, ev.table_ids[0])
    tip_refused(app, sender, [], {"text": "Aihe"}, "bad_request", "ylimääräinen")


def test_too_long_tip_says_how_long_in_the_users_language(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event()
    ack = phone(ev.code).call("tip", {"text": "x" * 301})
    assert ack_error(ack) == "text_too_long"
    assert "301" in ack["message"] and "300" in ack["message"]


# --- rate limit ----------------------------------------------------------------------------


def test_the_eleventh_rapid_tip_is_rate_limited(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    assert app.config["CAFE_POST_BURST"] == 10
    ev = make_event()
    fast = phone(ev.code)
    calm = phone(ev.code)
    for _ in range(3):  # refused texts cost no tokens
        assert ack_error(fast.call("tip", {"text": " "})) == "text_empty"
    for n in range(10):
        assert fast.call("tip", {"text": f"Aihe {n}"}) == {"ok": True}

    tip_refused(app, fast, [calm], {"text": "Yksitoista"}, "rate_limited")

    assert len(tip_rows(app)) == 10
    # Another phone has its own bucket.
    assert calm.call("tip", {"text": "Minä ehdin vielä"}) == {"ok": True}


def test_the_tip_limit_follows_the_device_and_is_shared_with_posts(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    """The limiter key is the device hash: reconnecting does not refill it, and posts and
    tips draw from the same burst of ten."""
    ev = make_event()
    first = seated(phone, ev.code, ev.table_ids[0])
    for n in range(5):
        assert first.post(f"Ajatus {n}")["ok"] is True
    first.close()
    again = seated(phone, ev.code, ev.table_ids[0], device=first.device)
    for n in range(5):
        assert again.call("tip", {"text": f"Aihe {n}"}) == {"ok": True}

    assert ack_error(again.call("tip", {"text": "Liikaa"})) == "rate_limited"
    assert ack_error(again.post("Liikaa")) == "rate_limited"
    assert len(tip_rows(app)) == 5


# --- the phone page ------------------------------------------------------------------------


def set_phase(app: Flask, event_id: int, phase: str) -> None:
    with app.app_context():
        event = db.session.get(CafeEvent, event_id)
        assert event is not None
        event.phase = phase
        db.session.commit()


@pytest.mark.parametrize(
    ("phase", "is_open"),
    [("opening", False), ("tables", False), ("gathering", True), ("summary", True)],
)
def test_the_phone_page_has_the_tip_card_open_only_after_the_tables(
    app: Flask, client: FlaskClient, make_event: MakeEvent, phase: str, is_open: bool
) -> None:
    ev = make_event()
    set_phase(app, ev.id, phase)
    html = client.get(f"/j/{ev.code}").get_data(as_text=True)
    card = re.search(r'<details id="tip-card"[^>]*>', html)
    assert card is not None
    assert (" open" in card.group(0)) is is_open
    assert re.search(r'<textarea id="tip-text"[^>]*maxlength="300"', html)
    assert f'data-phase="{phase}"' in html


# --- the organizer's list ------------------------------------------------------------------


def test_events_page_lists_tips_escaped_newest_first(
    app: Flask, client: FlaskClient, make_event: MakeEvent, phone: MakePhone
) -> None:
    old = make_event(topic="Asunnottomuus", date="2017-10-31")
    new = make_event(topic="Yhdessä asiakkaan kanssa", date="2018-01-23")
    assert phone(new.code).call("tip", {"text": "Ensimmäinen vinkki"})["ok"] is True
    assert phone(old.code).call("tip", {"text": "<script>alert(1)</script> & muuta"})["ok"]
    assert phone(new.code).call("tip", {"text": "Uusin vinkki"})["ok"] is True
    add_cheap_user(app, "ohjaaja")
    login(client, "ohjaaja")

    html = client.get("/events/?lang=en").get_data(as_text=True)

    assert "Topic tips from participants" in html
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; muuta" in html
    section = html[html.index('id="tips-title"') :]
    newest = section.index("Uusin vinkki")
    escaped = section.index("&lt;script&gt;")
    oldest = section.index("Ensimmäinen vinkki")
    assert newest < escaped < oldest
    # Each tip names its event's topic and date.
    item = section[escaped : section.index("</li>", escaped)]
    assert "Asunnottomuus" in item and "31.10.2017" in item
    # ... and where the next event is planned.
    planning = client.get("/events/new?lang=en").get_data(as_text=True)
    assert "Uusin vinkki" in planning and "&lt;script&gt;alert(1)" in planning


def test_events_page_without_tips_says_so(app: Flask, client: FlaskClient) -> None:
    add_cheap_user(app, "ohjaaja")
    login(client, "ohjaaja")
    html = client.get("/events/?lang=en").get_data(as_text=True)
    assert "No topic tips yet." in html
