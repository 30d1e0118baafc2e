"""What the operator's log says, and what it never says: a worker's start, migrations,
retention purges and refused logins are logged; a post's text, its phone's device token
or hash and a client's address never are, whatever happens to the post."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cafe import create_app
from cafe.database import head_revision, upgrade_database
from cafe.domain.codes import device_hash
from cafe.extensions import db
from cafe.models import CafeEvent
from cafe.retention import purge_raw_posts
from cafe.server import startup_line
from tests.conftest import (
    LiveServer,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    app_config,
    empty_database,
    seated,
)
from tests.helpers import core, gathering, host, ok

#: Words of the posts below that no log line may carry, whatever is done with them.
ORDINARY = "Tavallinen ajatus Lumikki-kirjastosta"
CORE = "Ydinajatus vertaistuesta Pihlajakadulla"
PERSONAL = "Olli Kettunen (puh. 0451123344) odotti päätöstä puoli vuotta"
TRACES = ("Lumikki", "Pihlajakadulla", "Kettunen", "0451123344", "odotti päätöstä")


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured line, whole: message and arguments as formatted, plus tracebacks."""
    return caplog.text + "\n".join(record.getMessage() for record in caplog.records)


def test_a_post_its_moderation_and_the_export_leave_no_text_nor_device_in_the_log(
    app: Flask,
    client: FlaskClient,
    make_event: MakeEvent,
    phone: MakePhone,
    facilitator: MakeFacilitator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    ev = make_event(tables=2)
    writer = host(phone, ev.code, ev.table_ids[0])
    other = seated(phone, ev.code, ev.table_ids[1])
    control = facilitator(ev.id)

    ok(other.post(ORDINARY))
    core(writer, CORE)
    held = writer.post(PERSONAL, core=True)["post"]
    assert held["review"]  # the personal-data screen held it
    masked = ok(control.call("mask", {"id": held["id"]}))["post"]["text"]
    hidden = ok(other.post(ORDINARY + " toinen"))["post"]
    ok(control.call("hide", {"id": hidden["id"], "hidden": True}))
    ok(control.call("phase", {"phase": "gathering"}))
    items = [item["id"] for item in gathering(control)["loose"]]
    theme = ok(control.call("theme_create", {"title": "Vertaistuki", "items": items}))["theme"]
    draft = ok(control.call("theme_draft", {"theme": theme}))["text"]
    saved = {"theme": theme, "base": 1, "title": "Vertaistuki", "body": draft}
    ok(control.call("theme_save", saved))
    exports = {
        fmt: client.get(f"/events/{ev.id}/minutes/export/{fmt}")
        for fmt in ("md", "txt", "html", "docx")
    }

    assert {fmt: response.status_code for fmt, response in exports.items()} == dict.fromkeys(
        exports, 200
    )
    # The export carried the posts' words, so they were there to be leaked.
    assert "Pihlajakadulla" in exports["md"].get_data(as_text=True)
    assert "(puh. [puhelinnumero]) odotti päätöstä" in exports["md"].get_data(as_text=True)
    text = logged(caplog)
    # The facilitators' actions were logged (cafe.audit), so the log was being written.
    assert {"hold", "mask", "hide"} <= {
        r.getMessage().split()[0] for r in caplog.records if r.name == "cafe.audit"
    }
    for trace in (*TRACES, masked, writer.device, device_hash(writer.device), other.device):
        assert trace not in text, trace
    assert device_hash(other.device) not in text
    assert "127.0.0.1" not in text


def test_the_start_up_line_names_the_database_kind_and_the_queue_but_no_url() -> None:
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://cafe:tietokanta-s4lainen@db.lan/cafe",
        CAFE_MESSAGE_QUEUE="redis://:jono-s4lainen@redis.lan:6379/0",
    )
    line = startup_line(app, "0.0.0.0", 8000)
    assert line.startswith("serving on 0.0.0.0:8000: async mode ")
    assert line.endswith(", postgresql database, message queue on")
    for secret in ("s4lainen", "db.lan", "redis.lan", "psycopg"):
        assert secret not in line
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite:////srv/cafe/cafe.db", CAFE_MESSAGE_QUEUE="")
    assert startup_line(app, "127.0.0.1", 5000).endswith(", sqlite database, message queue off")


@pytest.mark.server
def test_cafe_run_logs_its_migration_and_its_start(live_server: LiveServer) -> None:
    log = live_server.output
    assert f"INFO cafe.database: database migrated to schema {head_revision()}" in log
    started = re.search(r"INFO cafe\.server: serving on 127\.0\.0\.1:\d+: (.*)", log)
    assert started is not None, log
    assert re.fullmatch(r"async mode gevent, \w+ database, message queue off", started[1])


def test_a_migration_is_logged_with_the_schema_it_reaches(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(app_config(empty_database(tmp_path / "fresh.db")))
    caplog.set_level(logging.INFO, logger="cafe")
    with app.app_context():
        upgrade_database()
        upgrade_database()  # already current: nothing to say
        db.engine.dispose()
    lines = [r.getMessage() for r in caplog.records if r.name == "cafe.database"]
    assert lines == [
        f"migrating the database to schema {head_revision()}",
        f"database migrated to schema {head_revision()}",
    ]


def test_a_retention_purge_logs_its_counts(
    app: Flask, make_event: MakeEvent, phone: MakePhone, caplog: pytest.LogCaptureFixture
) -> None:
    ev = make_event(tables=1, date="2017-10-31")
    writer = host(phone, ev.code, ev.table_ids[0])
    ok(writer.post(ORDINARY))
    core(writer, CORE)
    caplog.set_level(logging.INFO, logger="cafe")
    with app.app_context():
        event = db.session.get(CafeEvent, ev.id)
        assert event is not None
        event.created_at = dt.datetime(2017, 10, 1)
        db.session.commit()
        purge_raw_posts(dt.datetime(2026, 11, 23, 12, 0), days=30)
    lines = [r.getMessage() for r in caplog.records if r.name == "cafe.retention"]
    assert lines == [
        "retention (30 days): 1 posts deleted, 1 core ideas unlinked from phones, in 1 past events"
    ]
    assert not any(trace in logged(caplog) for trace in TRACES)
