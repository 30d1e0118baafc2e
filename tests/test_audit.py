"""The audit trail of facilitators' actions: stored with the action, named by the
facilitator account and never by a phone, listed in the control page's ``sync`` state,
sent live as ``audit``, and written to the ``cafe.audit`` log; logging itself (the ``cafe``
handler, ``CAFE_LOG_LEVEL``) and refused logins."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from cafe import audit, create_app
from cafe.app import LOG_FORMAT
from cafe.domain.codes import device_hash
from cafe.extensions import db
from cafe.i18n import JS_MESSAGES
from cafe.models import User
from tests.conftest import (
    PASSWORD,
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    ack_error,
    app_config,
    db_snapshot,
    login,
    seated,
)

#: The account the ``facilitator`` fixture logs in with.
FACILITATOR = "ohjaaja"


def audit_rows(app: Flask) -> list[dict[str, Any]]:
    """Every stored entry, oldest first, as the database holds it (every column)."""
    with app.app_context(), db.engine.connect() as connection:
        result = connection.execute(text("SELECT * FROM audit_entry ORDER BY id"))
        return [dict(row._mapping) for row in result]


def test_hiding_revoking_and_publishing_are_recorded_with_the_account_never_the_phone(
    app: Flask,
    client: FlaskClient,
    make_event: MakeEvent,
    phone: MakePhone,
    board: MakeBoard,
    facilitator: MakeFacilitator,
) -> None:
    ev = make_event(tables=2)
    table = ev.table_ids[0]
    host = seated(phone, ev.code, table)
    assert host.call("claim_host")["ok"] is True
    secret = "Päätös tuli vasta puolen vuoden päästä"
    post = host.post(secret)["post"]
    assert "review" not in post  # clean: public at once, not held by the screen
    screen = board(ev.board_token)
    control = facilitator(ev.id)  # logs ``client`` in as the facilitator
    other_control = facilitator(ev.id)
    for watcher in (host, screen, control, other_control):
        watcher.received()

    assert control.call("hide", {"id": post["id"], "hidden": True})["ok"] is True
    assert control.call("hide", {"id": post["id"], "hidden": False})["ok"] is True
    assert control.call("revoke_host", {"table": table})["ok"] is True
    assert client.post(f"/events/{ev.id}/minutes/publish").status_code == 302
    corrected = client.post(
        f"/events/{ev.id}/minutes",
        data={"base": "1", "topic": "Yhdessä asiakkaan kanssa", "correction": "Kirjoitusvirhe"},
    )
    assert corrected.status_code == 302

    live = control.received("audit")
    assert [(e["action"], e["who"], e["detail"]) for e in live] == [
        ("hide", FACILITATOR, "Pöytä 1"),
        ("show", FACILITATOR, "Pöytä 1"),
        ("revoke_host", FACILITATOR, "Pöytä 1"),
        ("publish", FACILITATOR, "#1"),
        ("correct", FACILITATOR, "#2"),
    ]
    # Every control page of the event hears it; phones and boards never do.
    assert other_control.received("audit") == live
    assert host.received("audit") == [] and screen.received("audit") == []
    ids = [e["id"] for e in live]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for entry in live:
        assert set(entry) == {"id", "time", "who", "action", "detail"}
        assert entry["time"].endswith("Z")
        when = dt.datetime.fromisoformat(entry["time"].removesuffix("Z"))
        assert abs(when - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=1)

    # A control page opened (or reconnected) later gets the same trail, newest first.
    state = facilitator(ev.id).call("sync")["state"]
    assert state["audit"] == list(reversed(live))

    rows = audit_rows(app)
    with app.app_context():
        account = db.session.execute(select(User).where(User.username == FACILITATOR)).scalar_one()
        account_id = account.id
    assert [(r["action"], r["username"], r["user_id"], r["event_id"]) for r in rows] == [
        (e["action"], FACILITATOR, account_id, ev.id) for e in live
    ]
    # Nothing in the stored rows, the sync state or the broadcasts points at the phone or
    # repeats what it wrote.
    phone_traces = (device_hash(host.device), host.device, secret, post["id"])
    for where in (json.dumps(rows, default=str), json.dumps(state["audit"]), json.dumps(live)):
        for trace in phone_traces:
            assert trace not in where
        assert not re.search(r"[0-9a-f]{64}", where)


def test_actions_that_change_nothing_record_nothing(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=2)
    writer = seated(phone, ev.code, ev.table_ids[0])
    shown = writer.post("Näkyy")["post"]
    gone = writer.post("Poistetaan")["post"]
    writer.call("delete", {"id": gone["id"]})
    control = facilitator(ev.id)
    control.received()

    # Refused: a deleted post, an unknown table.
    before = db_snapshot(app)
    assert ack_error(control.call("hide", {"id": gone["id"], "hidden": True})) == "post_gone"
    assert ack_error(control.call("revoke_host", {"table": 10**6})) == "unknown_table"
    # Accepted but no change: showing a visible post, freeing a table nobody hosts.
    assert control.call("hide", {"id": shown["id"], "hidden": False})["ok"] is True
    assert control.call("revoke_host", {"table": ev.table_ids[1]})["ok"] is True

    assert db_snapshot(app)["audit_entry"] == before["audit_entry"] == []
    assert control.received("audit") == []
    assert control.call("sync")["state"]["audit"] == []


def test_an_entry_is_stored_logged_and_sent_only_with_a_committed_action(
    app: Flask,
    make_event: MakeEvent,
    facilitator: MakeFacilitator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ev = make_event()
    control = facilitator(ev.id)
    control.received()
    caplog.set_level(logging.INFO, logger="cafe.audit")

    with app.test_request_context():
        audit.record(ev.id, "premoderation_on")
        db.session.rollback()
        db.session.commit()  # a later commit must not bring back the rolled-back entry
        audit.record(ev.id, "hold", "Pöytä 2: name, phone", automatic=True)
        assert audit_rows(app) == []  # nothing stored before the caller's commit
        db.session.commit()
        stored = audit.entries(ev.id)
        assert [(e.action, e.user_id, e.username) for e in stored] == [("hold", None, "")]

    assert [r.getMessage() for r in caplog.records if r.name == "cafe.audit"] == [
        f"hold event={ev.id} user=(automatic) detail=Pöytä 2: name, phone"
    ]
    sent = control.received("audit")
    assert [(e["action"], e["who"], e["detail"]) for e in sent] == [
        ("hold", None, "Pöytä 2: name, phone")
    ]


def test_record_refuses_unknown_actions_and_anything_like_a_device_hash(
    app: Flask, make_event: MakeEvent
) -> None:
    ev = make_event()
    digest = device_hash("x" * 40)
    with app.test_request_context():
        with pytest.raises(ValueError, match="unknown audit action"):
            audit.record(ev.id, "delete_everything")
        with pytest.raises(ValueError, match="device hash"):
            audit.record(ev.id, "hide", f"Pöytä 1 {digest}", automatic=True)
        # A long or multi-line note is cut to one short line.
        audit.record(ev.id, "mask", "Pöytä 1:\n name" + " x" * 500, automatic=True)
        db.session.commit()
        (entry,) = audit.entries(ev.id)
        assert entry.detail.startswith("Pöytä 1: name x")
        assert len(entry.detail) == audit.MAX_DETAIL and "\n" not in entry.detail


def test_an_entry_keeps_the_name_of_a_deleted_account(
    app: Flask,
    client: FlaskClient,
    make_event: MakeEvent,
    phone: MakePhone,
    facilitator: MakeFacilitator,
) -> None:
    ev = make_event()
    post = seated(phone, ev.code, ev.table_ids[0]).post("Idea")["post"]
    assert facilitator(ev.id).call("hide", {"id": post["id"], "hidden": True})["ok"] is True
    with app.app_context():
        db.session.execute(text('DELETE FROM "user" WHERE username = :u'), {"u": FACILITATOR})
        db.session.commit()
    (row,) = audit_rows(app)
    assert (row["user_id"], row["username"], row["action"]) == (None, FACILITATOR, "hide")


def test_every_action_has_a_label_for_the_control_page() -> None:
    assert {f"audit_{action}" for action in audit.ACTIONS} <= JS_MESSAGES.keys()


def test_the_control_page_has_the_trail_section(
    client: FlaskClient, make_event: MakeEvent, facilitator: MakeFacilitator
) -> None:
    ev = make_event()
    facilitator(ev.id)  # logs the client in
    response = client.get(f"/events/{ev.id}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<details[^>]*\bid="audit"', html) and 'class="audit-table"' in html
    # The labels reach the page through its script catalog (/i18n/<lang>.js).
    catalog = re.search(r'src="(/i18n/fi\.js[^"]*)"', html)
    assert catalog, "the control page loads no script catalog"
    assert "audit_hide" in client.get(catalog[1]).get_data(as_text=True)


# --- the log -----------------------------------------------------------------------------


def test_facilitator_actions_are_logged_with_event_account_and_detail(
    make_event: MakeEvent,
    phone: MakePhone,
    facilitator: MakeFacilitator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ev = make_event()
    writer = seated(phone, ev.code, ev.table_ids[0])
    post = writer.post("Kirjoittajan omat sanat")["post"]
    control = facilitator(ev.id)
    caplog.set_level(logging.INFO, logger="cafe")

    control.call("hide", {"id": post["id"], "hidden": True})

    lines = [r for r in caplog.records if r.name == "cafe.audit"]
    assert [(r.levelno, r.getMessage()) for r in lines] == [
        (logging.INFO, f"hide event={ev.id} user={FACILITATOR} detail=Pöytä 1")
    ]
    everything = caplog.text
    for trace in ("Kirjoittajan", device_hash(writer.device), writer.device, "127.0.0.1"):
        assert trace not in everything


def test_a_refused_login_is_logged_without_the_password_or_the_address(
    client: FlaskClient, make_user: Callable[..., str], caplog: pytest.LogCaptureFixture
) -> None:
    username = make_user("anna.ohjaaja")
    caplog.set_level(logging.INFO, logger="cafe")
    wrong = "väärä salasana 123"
    typed_into_the_name_field = "Salasana-Kirjoitettu-Nimikenttään"

    assert client.post("/login", data={"username": username, "password": wrong}).status_code == 200
    client.post("/login", data={"username": typed_into_the_name_field, "password": wrong})
    login(client, username, PASSWORD)

    messages = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    # The count is this process's: other tests may have been refused before.
    first = int(re.findall(r"\((\d+) refused since start\)", caplog.text)[0])
    assert messages == [
        ("cafe.auth", "WARNING", f"login refused: wrong password ({first} refused since start)"),
        (
            "cafe.auth",
            "WARNING",
            f"login refused: no account has that user name ({first + 1} refused since start)",
        ),
        ("cafe.auth", "INFO", "login: anna.ohjaaja"),
    ]
    # The refusals name no one: neither the account tried nor what was typed as a name.
    refusals = "\n".join(message for _name, level, message in messages if level == "WARNING")
    for secret in (wrong, PASSWORD, typed_into_the_name_field, "127.0.0.1", username):
        assert secret not in refusals
    for secret in (wrong, PASSWORD, typed_into_the_name_field, "127.0.0.1"):
        assert secret not in caplog.text


@pytest.fixture
def cafe_logger() -> Iterator[logging.Logger]:
    """The ``cafe`` logger, its handlers and level put back after the test (an app made
    inside a test points its handler at that test's captured stderr)."""
    logger = logging.getLogger("cafe")
    handlers, level = list(logger.handlers), logger.level
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_the_app_logs_cafe_lines_to_stderr_at_the_configured_level(
    tmp_path: Path, cafe_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    create_app(app_config(tmp_path / "a.db"))
    create_app({**app_config(tmp_path / "b.db"), "CAFE_LOG_LEVEL": "warning"})
    ours = [h for h in cafe_logger.handlers if h.formatter and h.formatter._fmt == LOG_FORMAT]
    assert len(ours) == 1  # a second app replaced the handler, it did not add one
    assert cafe_logger.getEffectiveLevel() == logging.WARNING

    logging.getLogger("cafe.audit").info("not at WARNING")
    logging.getLogger("cafe.audit").warning("shown")
    err = capsys.readouterr().err
    assert "not at WARNING" not in err
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING cafe\.audit: shown\n", err)

    create_app({**app_config(tmp_path / "c.db"), "CAFE_LOG_LEVEL": "LOUD"})
    assert cafe_logger.getEffectiveLevel() == logging.INFO
    assert "unknown CAFE_LOG_LEVEL 'LOUD': logging at INFO" in capsys.readouterr().err
