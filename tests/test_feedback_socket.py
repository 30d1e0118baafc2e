"""Feedback from phones over ``/phone``, summarised per role for facilitators; anonymous."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.conftest import (
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    Phone,
    ack_error,
    db_snapshot,
    refused_changing_nothing,
    seated,
)


def test_feedback_is_summarised_per_role_and_reaches_facilitators(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1, role_tags=["asiakas", "kokemusohjaaja", "työntekijä", "muu"])
    control = facilitator(ev.id)
    clients = []
    for rating in (5, 4, 3):
        client = phone(ev.code)
        assert client.join(ev.table_ids[0], "asiakas")["ok"] is True
        clients.append(client)
        ack = client.call("feedback", {"rating": rating, "text": f"Arvio {rating}"})
        assert ack["ok"] is True and ack["feedback"]["role"] == "asiakas"
    worker = seated(phone, ev.code, ev.table_ids[0])
    assert worker.call("feedback", {"rating": 1, "role": "työntekijä", "text": "Oma"})["ok"]

    summary = control.call("feedback_summary")["summary"]

    assert summary["total"]["count"] == 4 and summary["total"]["average"] == 3.25
    lines = {line["role"]: line for line in summary["roles"]}
    assert lines["asiakas"]["average"] == 4.0
    assert lines["asiakas"]["texts"] == ["Arvio 5", "Arvio 4", "Arvio 3"]
    assert lines["työntekijä"] == {
        "role": "työntekijä",
        "count": 1,
        "shown": False,
        "average": None,
        "ratings": [],
        "texts": [],
    }
    assert control.received("feedback")[-1] == summary
    assert "Oma" in summary["total"]["texts"]  # everyone's texts, without who wrote them


def test_a_phone_changes_its_own_answer_instead_of_adding_one(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1)
    answering = seated(phone, ev.code, ev.table_ids[0])
    answering.call("feedback", {"rating": 2, "text": "Ensin"})
    changed = answering.call("feedback", {"rating": 5, "text": "Sittenkin hyvä"})
    assert changed["feedback"] == {"rating": 5, "text": "Sittenkin hyvä", "role": None}
    assert db_snapshot(app)["feedback"][0][3:6] == (None, 5, "Sittenkin hyvä")
    assert len(db_snapshot(app)["feedback"]) == 1
    assert answering.device not in str(db_snapshot(app)["feedback"])


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({}, "bad_rating"),
        ({"rating": 0}, "bad_rating"),
        ({"rating": "5"}, "bad_rating"),
        ({"rating": 5, "text": 7}, "text_invalid"),
        ({"rating": 5, "text": "x" * 1001}, "text_too_long"),
        ({"rating": 5, "role": "kuningas"}, "bad_role"),
    ],
)
def test_bad_feedback_is_refused_and_changes_nothing(
    app: Flask, make_event: MakeEvent, phone: MakePhone, payload: dict[str, object], error: str
) -> None:
    ev = make_event(tables=1)
    answering: Phone = seated(phone, ev.code, ev.table_ids[0])
    refused_changing_nothing(app, answering, [], "feedback", payload, error)
    assert ack_error(answering.call("feedback", "5")) == "bad_request"
