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


def answer_as(phone: MakePhone, code: str, table: int, role: str, rating: int, text: str) -> None:
    """A new phone sits down with ``role`` and gives its feedback."""
    answering = phone(code)
    assert answering.join(table, role)["ok"] is True
    ack = answering.call("feedback", {"rating": rating, "text": text})
    assert ack["ok"] is True and ack["feedback"]["role"] == role


def test_feedback_is_summarised_per_role_without_a_small_group_by_subtraction(
    make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    """The issue's case, 3 + 3 + 1 answers: everyone minus the shown roles used to be the
    single guide's rating and text. Now the clients' line hides with the guide's."""
    ev = make_event(tables=1, role_tags=["asiakas", "kokemusohjaaja", "työntekijä", "muu"])
    control = facilitator(ev.id)
    table = ev.table_ids[0]
    for rating, text in ((5, "Arvio 5"), (4, "Arvio 4"), (4, "")):
        answer_as(phone, ev.code, table, "asiakas", rating, text)
    for rating, text in ((3, "Rytmi toimi"), (2, ""), (4, "Lisää aikaa")):
        answer_as(phone, ev.code, table, "työntekijä", rating, text)
    answer_as(phone, ev.code, table, "kokemusohjaaja", 1, "Minut ohitettiin")

    summary = control.call("feedback_summary")["summary"]

    assert control.received("feedback")[-1] == summary
    total = summary["total"]
    assert (total["count"], total["shown"], total["average"]) == (7, True, 3.29)
    # Everyone's texts, sorted and without who wrote them.
    assert total["texts"] == [
        "Arvio 4",
        "Arvio 5",
        "Lisää aikaa",
        "Minut ohitettiin",
        "Rytmi toimi",
    ]
    lines = {line["role"]: line for line in summary["roles"]}
    hidden: dict[str, object] = {
        "count": None,
        "shown": False,
        "average": None,
        "ratings": [],
        "texts": [],
    }
    assert lines["kokemusohjaaja"] == {"role": "kokemusohjaaja", **hidden}
    assert lines["asiakas"] == {"role": "asiakas", **hidden}
    assert lines["työntekijä"] == {
        "role": "työntekijä",
        "count": 3,
        "shown": True,
        "average": 3.0,
        "ratings": [0, 1, 1, 1, 0],
        "texts": ["Rytmi toimi", "Lisää aikaa"],
    }
    assert (lines["muu"]["count"], lines[None]["count"]) == (0, 0)
    # Everyone minus every shown line: four answers together, not the guide's one.
    left = total["count"] - sum(line["count"] for line in summary["roles"] if line["shown"])
    assert left == 4
    assert sum(total["ratings"]) - sum(sum(x["ratings"]) for x in lines.values()) == 4


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
