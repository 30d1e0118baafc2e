"""The post path reads nothing per post, yet never trusts what it keeps: a change made
behind its back (by another worker, here a second connection to the same database) is
caught by the guarded insert and the post lands where the database says."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import select

from cafe.extensions import db
from cafe.models import Post
from tests.conftest import MakeEvent, MakeFacilitator, MakePhone, ack_error, seated
from tests.helpers import another_worker, statements, verbs


def stored(app: Flask) -> list[tuple[str, str | None, str | None]]:
    with app.app_context():
        rows = db.session.execute(select(Post.text, Post.section, Post.review).order_by(Post.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_a_post_runs_one_insert_and_reads_nothing_once_the_event_is_known(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    writer = seated(phone, ev.code, ev.table_ids[0])
    assert writer.post("Ensimmäinen ajatus")["ok"] is True  # the event's facts are read here
    with statements(app) as seen:
        assert writer.post("Toinen ajatus")["ok"] is True
    host = seated(phone, ev.code, ev.table_ids[1])
    assert host.call("claim_host")["ok"] is True
    with statements(app) as core_seen:
        assert host.post("Ydinajatus", core=True)["ok"] is True
    assert verbs(seen) == ["INSERT"]
    assert verbs(core_seen) == ["INSERT"]


def test_a_phase_changed_by_another_worker_decides_the_section(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1, template="co-development")
    facilitator(ev.id).call("phase", {"phase": "worked"})
    writer = seated(phone, ev.code, ev.table_ids[0])
    assert writer.post("Toimi hyvin")["ok"] is True

    another_worker(app, "UPDATE cafe_event SET phase = 'change' WHERE id = :id", id=ev.id)
    with statements(app) as seen:
        assert writer.post("Pitäisi muuttaa")["ok"] is True
    assert writer.post("Tämäkin pitäisi muuttaa")["ok"] is True

    assert verbs(seen).count("INSERT") == 2  # the guarded one stored nothing, then the checked one
    assert [(t, s) for t, s, _ in stored(app)] == [
        ("Toimi hyvin", "worked"),
        ("Pitäisi muuttaa", "change"),
        ("Tämäkin pitäisi muuttaa", "change"),
    ]


def test_premoderation_switched_on_by_another_worker_holds_the_next_post(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=1)
    writer = seated(phone, ev.code, ev.table_ids[0])
    reader = seated(phone, ev.code, ev.table_ids[0])
    assert writer.post("Julkinen")["ok"] is True
    another_worker(app, "UPDATE cafe_event SET premoderation = true WHERE id = :id", id=ev.id)
    reader.received()

    ack = writer.post("Odottaa hyväksyntää")
    assert ack["ok"] is True and ack["post"]["review"] == "queued"
    assert reader.received("post") == []
    assert [r for _, _, r in stored(app)] == [None, "queued"]


def test_a_host_role_lost_in_another_worker_refuses_the_core_idea_but_acks_its_resend(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=1)
    host = seated(phone, ev.code, ev.table_ids[0])
    assert host.call("claim_host")["ok"] is True
    sent = str(uuid.uuid4())
    assert host.post("Ydin", core=True, cid=sent)["ok"] is True

    another_worker(
        app, "UPDATE event_table SET host_hash = NULL WHERE id = :id", id=ev.table_ids[0]
    )
    assert ack_error(host.post("Toinen ydin", core=True)) == "not_host"
    resend = host.post("Ydin", core=True, cid=sent)
    assert resend["ok"] is True and resend["duplicate"] is True
    assert [t for t, _, _ in stored(app)] == ["Ydin"]


def test_a_table_of_another_event_is_refused_by_the_guarded_insert(
    app: Flask, make_event: MakeEvent, phone: MakePhone
) -> None:
    ours, theirs = make_event(tables=1), make_event(tables=1)
    writer = seated(phone, ours.code, ours.table_ids[0])
    assert writer.post("Oma pöytä")["ok"] is True
    stray = {"id": str(uuid.uuid4()), "text": "Väärä pöytä", "table": theirs.table_ids[0]}
    assert ack_error(writer.call("post", stray)) == "unknown_table"
    assert [t for t, _, _ in stored(app)] == ["Oma pöytä"]
    # The refusal gave its rate-limit token back: ten more posts in the burst still pass.
    assert all(writer.post(f"Ajatus {n}")["ok"] for n in range(9))
