"""The personal-data screen in the document editors: findings in the preview and on the
page, publishing refused until each finding is masked or marked as not personal data, and
the openers' names allowed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cafe.extensions import db
from cafe.models import AuditEntry
from tests.conftest import EventInfo, login
from tests.helpers import MEMO_PLAN, memo_form

PERSONAL = "Olli Kettunen soitti numerosta 040 123 4567 ja kertoi odottaneensa."


@pytest.fixture
def event(
    client: FlaskClient, make_event: Callable[..., EventInfo], make_user: Callable[..., str]
) -> EventInfo:
    """The minutes test event (openers Jari Lehtonen and Sanna Heikkilä); logged in."""
    login(client, make_user())
    return make_event(tables=2, **MEMO_PLAN)


def preview(client: FlaskClient, event: EventInfo, **changes: str) -> Any:
    response = client.post(f"/events/{event.id}/minutes/preview", data=memo_form(**changes))
    assert response.status_code == 200
    return response.get_json()


def test_the_preview_names_findings_by_field_and_lets_the_openers_names_pass(
    client: FlaskClient, event: EventInfo
) -> None:
    clean = preview(client, event, **{"talk-0": "Jari Lehtonen kertoi. Lehtosen mukaan…"})
    assert clean["findings"] == []

    found = preview(client, event, **{"theme-body-1": PERSONAL})

    assert {(f["field"], f["kind"], f["words"]) for f in found["findings"]} == {
        ("theme-body-1", "name", "Olli Kettunen"),
        ("theme-body-1", "phone", "040 123 4567"),
    }
    for f in found["findings"]:
        assert PERSONAL[f["start"] : f["end"]] == f["words"]


def test_publishing_waits_until_each_finding_is_masked_or_marked_not_personal(
    app: Flask, client: FlaskClient, event: EventInfo
) -> None:
    url = f"/events/{event.id}/minutes"
    assert client.post(url, data=memo_form(**{"theme-body-1": PERSONAL})).status_code == 302
    editor = client.get(url).get_data(as_text=True)
    assert 'class="card findings-card has-findings"' in editor
    assert "Olli Kettunen" in editor

    refused = client.post(f"{url}/publish")
    assert refused.status_code == 400
    assert "henkilötietoja" in refused.get_data(as_text=True)
    assert client.get(f"/archive/{event.id}").status_code == 404

    # The phone number is masked: a new revision with the placeholder in its place.
    start = PERSONAL.index("040")
    masked = client.post(
        f"{url}/findings",
        data={
            "action": "mask",
            "base": "1",
            "field": "theme-body-1",
            "kind": "phone",
            "start": str(start),
            "end": str(start + len("040 123 4567")),
            "words": "040 123 4567",
        },
    )
    assert masked.status_code == 302
    # A stale position (the words are no longer there) is refused, not guessed.
    moved = client.post(
        f"{url}/findings",
        data={"action": "mask", "base": "2", "field": "theme-body-1", "kind": "phone",
              "start": str(start), "end": str(start + 12), "words": "040 123 4567"},
    )  # fmt: skip
    assert moved.status_code == 400
    assert client.post(f"{url}/publish").status_code == 400  # the name is still there

    allowed = client.post(f"{url}/findings", data={"action": "allow", "words": "Olli Kettunen"})
    assert allowed.status_code == 302
    assert client.post(f"{url}/publish").status_code == 302

    client.post("/logout")
    public = client.get(f"/archive/{event.id}").get_data(as_text=True)
    assert "[puhelinnumero]" in public
    assert "040 123 4567" not in public
    with app.app_context():
        actions = list(db.session.execute(select(AuditEntry.action)).scalars())
    assert "not_personal" in actions and "publish" in actions


def test_an_unknown_resolve_action_is_a_clear_error(client: FlaskClient, event: EventInfo) -> None:
    response = client.post(f"/events/{event.id}/minutes/findings", data={"action": "x"})
    assert response.status_code == 400
    assert re.search(r'class="error"', response.get_data(as_text=True))


def test_the_report_editor_shows_findings(
    client: FlaskClient, make_event: Callable[..., EventInfo], make_user: Callable[..., str]
) -> None:
    login(client, make_user())
    workshop = make_event(template="co-development", topic="Kokemusohjaus", date="2024-05-02")
    response = client.post(
        f"/events/{workshop.id}/report/preview",
        data={"base": "0", "title": "Kokemusohjaus", "goal": PERSONAL},
    )
    assert response.status_code == 200
    kinds = {(f["field"], f["kind"]) for f in response.get_json()["findings"]}
    assert kinds == {("goal", "name"), ("goal", "phone")}
