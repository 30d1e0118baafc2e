"""Participants' raw posts are not kept forever."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from cafe.extensions import db
from cafe.models import CafeEvent, EventTable, Feedback, Post
from cafe.retention import purge_raw_posts
from tests.conftest import EventInfo, Facilitator, Phone


def seed(make_event: Callable[..., EventInfo], phone: Callable[..., Phone], date: str) -> int:
    """An event on ``date`` with one ordinary idea and one core idea at table 1; its id."""
    event = make_event(tables=1, date=date)
    host = phone(event.code)
    host.join(event.table_ids[0])
    assert host.call("claim_host")["ok"]
    assert host.post("Tavallinen ajatus")["ok"]
    assert host.post("Ydinajatus", core=True)["ok"]
    return event.id


NOW = dt.datetime(2026, 11, 23, 12, 0)


def set_up_on(app: Flask, event_id: int, created: dt.datetime) -> None:
    """Pretend the event was set up at ``created``."""
    with app.app_context():
        event = db.session.get(CafeEvent, event_id)
        assert event is not None
        event.created_at = created
        db.session.commit()


def test_old_events_lose_ordinary_posts_and_phone_links_recent_ones_keep_all(
    app: Flask, make_event: Callable[..., EventInfo], phone: Callable[..., Phone]
) -> None:
    """After the retention period only core ideas stay, tied to no phone."""
    old_id = seed(make_event, phone, "2017-10-31")
    recent_id = seed(make_event, phone, "2026-11-20")
    set_up_on(app, old_id, dt.datetime(2017, 10, 1))
    with app.app_context():
        result = purge_raw_posts(NOW, days=30)
        assert (result.events, result.deleted_posts, result.anonymised_posts) == (1, 1, 1)
        posts = db.session.execute(select(Post).order_by(Post.id)).scalars().all()
        old = [(p.text, p.device_hash) for p in posts if p.event_id == old_id]
        assert old == [("Ydinajatus", "")]
        recent = [p for p in posts if p.event_id == recent_id]
        assert len(recent) == 2 and all(len(p.device_hash) == 64 for p in recent)
        hosts = dict(db.session.execute(select(EventTable.event_id, EventTable.host_hash)).all())
        assert hosts[old_id] is None and hosts[recent_id] is not None
        # A second run finds nothing more to do.
        again = purge_raw_posts(NOW, days=30)
        assert (again.deleted_posts, again.anonymised_posts) == (0, 0)


def test_an_old_event_set_up_recently_keeps_its_posts_for_the_full_period(
    app: Flask, make_event: Callable[..., EventInfo], phone: Callable[..., Phone]
) -> None:
    """The sample Cafe Social of 2017, loaded today, is not purged on the next start."""
    old_id = seed(make_event, phone, "2017-10-31")
    set_up_on(app, old_id, NOW - dt.timedelta(days=29))
    with app.app_context():
        assert purge_raw_posts(NOW, days=30).events == 0
        set_up_on(app, old_id, NOW - dt.timedelta(days=31))
        assert purge_raw_posts(NOW, days=30).deleted_posts == 1


def test_negative_retention_is_refused(app: Flask) -> None:
    """A negative number of days is a programming error, not a silent purge of everything."""
    with app.app_context(), pytest.raises(ValueError):
        purge_raw_posts(NOW, days=-1)


def test_purge_keeps_the_gathered_summary_and_its_trace(
    app: Flask,
    make_event: Callable[..., EventInfo],
    phone: Callable[..., Phone],
    facilitator: Callable[..., Facilitator],
) -> None:
    """The summary outlives the raw posts: its items still show and still name the table."""
    event_id = seed(make_event, phone, "2017-10-31")
    set_up_on(app, event_id, dt.datetime(2017, 10, 1))
    control = facilitator(event_id)
    item = control.call("gather_sync")["gathering"]["loose"][0]
    assert control.call("theme_create", {"title": "Teema", "items": [item["id"]]})["ok"]
    before = control.call("gather_sync")["gathering"]

    with app.app_context():
        assert purge_raw_posts(NOW, days=30).deleted_posts == 1

    after = control.call("gather_sync")["gathering"]
    assert after["themes"] == before["themes"]
    assert after["themes"][0]["items"][0]["tables"] == ["Pöytä 1"]
    assert after["summary"] == before["summary"]


def test_purge_keeps_feedback_but_not_which_phone_gave_it(
    app: Flask, make_event: Callable[..., EventInfo], phone: Callable[..., Phone]
) -> None:
    event_id = seed(make_event, phone, "2017-10-31")
    set_up_on(app, event_id, dt.datetime(2017, 10, 1))
    with app.app_context():
        code = db.session.get(CafeEvent, event_id).join_code  # type: ignore[union-attr]
    answers = [phone(code), phone(code)]
    for rating, answering in zip((4, 2), answers, strict=True):
        assert answering.call("feedback", {"rating": rating, "text": "Hyvä"})["ok"]

    with app.app_context():
        purge_raw_posts(NOW, days=30)
        purge_raw_posts(NOW, days=30)  # twice: the unique constraint must hold
        rows = db.session.execute(select(Feedback).order_by(Feedback.id)).scalars().all()
        assert [(f.rating, f.text) for f in rows] == [(4, "Hyvä"), (2, "Hyvä")]
        assert [f.device_hash for f in rows] == [f"purged:{f.id}" for f in rows]
