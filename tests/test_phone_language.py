"""Each phone in its own language: a workshop template's phase names and prompts reach a
phone in the language its page is shown in, the control page in the facilitator's, the
board in the event's, through real Socket.IO test clients."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cafe.extensions import socketio
from cafe.workshops import template_named
from tests.conftest import (
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    Phone,
    connect_error,
    new_device,
    refusal_code,
)

CO_DEVELOPMENT = template_named("co-development")


class LangPhone(Phone):
    """A phone whose page is shown in ``lang`` (None: sends no ``lang``, like an older page)."""

    def __init__(
        self,
        app: Flask,
        code: str,
        lang: str | None,
        device: str | None = None,
        http: FlaskClient | None = None,
    ) -> None:
        self.device = device or new_device()
        auth: dict[str, Any] = {"code": code, "device": self.device}
        if lang is not None:
            auth["lang"] = lang
        self.client = socketio.test_client(
            app, namespace=self.NS, auth=auth, flask_test_client=http
        )


@pytest.fixture
def phone_in(app: Flask, connected_clients: list[Phone]) -> Any:
    """Factory: ``phone_in(code, "sv", device=None, http=None)`` connects a phone whose page
    is in that language."""

    def make(
        code: str, lang: str | None, device: str | None = None, http: FlaskClient | None = None
    ) -> LangPhone:
        made = LangPhone(app, code, lang, device, http)
        assert made.connected
        connected_clients.append(made)
        return made

    return make


def shown(state: dict[str, Any], phase: str) -> tuple[str, str]:
    """What a phone shows for ``phase``: the label and prompt of that id among the phases
    its state gave it (phone.js looks the ``phase`` broadcast's id up the same way)."""
    found = next(p for p in state["event"]["phases"] if p["id"] == phase)
    return found["label"], found["prompt"]


def in_language(phase: str, language: str) -> tuple[str, str]:
    return CO_DEVELOPMENT.label(phase, language), CO_DEVELOPMENT.prompt(phase, language)


def test_a_phone_in_swedish_shows_the_swedish_phase_after_a_change_and_on_rejoin(
    make_event: MakeEvent, phone_in: Any, facilitator: MakeFacilitator
) -> None:
    ev = make_event(template="co-development", language="fi")
    swedish = phone_in(ev.code, "sv")
    finnish = phone_in(ev.code, "fi")
    joined = {p: p.join(ev.table_ids[0])["state"] for p in (swedish, finnish)}
    for p in (swedish, finnish):
        p.received()

    assert facilitator(ev.id).call("phase", {"phase": "worked"})["ok"] is True

    # One broadcast for the whole event, naming the phase; each phone reads its texts from
    # its own phases.
    for p in (swedish, finnish):
        assert p.received("phase") == [{"phase": "worked"}]
    assert shown(joined[swedish], "worked") == ("Vad fungerade", in_language("worked", "sv")[1])
    assert shown(joined[finnish], "worked") == ("Mikä toimi", in_language("worked", "fi")[1])
    assert in_language("worked", "sv")[1].startswith("Vad fungerade bra?")

    # The phone drops and comes back (a reload, a lost network): same device, same page.
    swedish.close()
    again = phone_in(ev.code, "sv", device=swedish.device)
    state = again.join(ev.table_ids[0])["state"]
    assert state["event"]["phase"] == "worked"
    assert shown(state, "worked") == in_language("worked", "sv")
    synced = again.call("sync")["state"]
    assert [shown(synced, p) for p in CO_DEVELOPMENT.phase_ids] == [
        in_language(p, "sv") for p in CO_DEVELOPMENT.phase_ids
    ]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_phase_reaches_the_phone_in_its_language(
    make_event: MakeEvent, phone_in: Any, lang: str
) -> None:
    ev = make_event(template="co-development", language="fi")
    state = phone_in(ev.code, lang).call("sync")["state"]
    assert [shown(state, p) for p in CO_DEVELOPMENT.phase_ids] == [
        in_language(p, lang) for p in CO_DEVELOPMENT.phase_ids
    ]
    # Each language really has its own texts (none fell back to Finnish).
    if lang != "fi":
        assert all(
            shown(state, p)[1] != CO_DEVELOPMENT.prompt(p, "fi") for p in CO_DEVELOPMENT.phase_ids
        )


def test_without_lang_a_phone_follows_the_switcher_else_the_events_language(
    client: FlaskClient, make_event: MakeEvent, phone_in: Any
) -> None:
    ev = make_event(template="co-development", language="sv")
    assert shown(phone_in(ev.code, None).call("sync")["state"], "goal")[0] == "Pilotens mål"

    assert client.post("/lang/en", data={"next": "/"}).status_code == 302
    chosen = phone_in(ev.code, None, http=client).call("sync")["state"]
    assert shown(chosen, "goal")[0] == "The pilot's goal"


def test_a_phone_gets_its_error_messages_in_its_language(
    make_event: MakeEvent, phone_in: Any
) -> None:
    ev = make_event(language="fi")
    english = phone_in(ev.code, "en").join(999_999)
    finnish = phone_in(ev.code, "fi").join(999_999)
    assert english["error"] == finnish["error"] == "unknown_table"
    assert english["message"] == "That table does not exist in this event."
    assert finnish["message"] != english["message"]


@pytest.mark.parametrize("lang", ["de", "", "SV", 5, ["sv"], {"fi": 1}])
def test_a_language_other_than_fi_sv_en_is_refused(
    app: Flask, make_event: MakeEvent, lang: object
) -> None:
    ev = make_event()
    auth = {"code": ev.code, "device": new_device(), "lang": lang}
    assert refusal_code(connect_error(app, "/phone", auth)) == "bad_request"


def test_the_board_shows_the_events_language_and_the_control_page_the_facilitators(
    client: FlaskClient,
    make_event: MakeEvent,
    board: MakeBoard,
    facilitator: MakeFacilitator,
) -> None:
    ev = make_event(template="co-development", language="sv")
    board_state = board(ev.board_token).call("sync")["state"]
    assert shown(board_state, "worked") == in_language("worked", "sv")

    control = facilitator(ev.id)  # logs in on ``client``, whose language is Finnish
    assert shown(control.call("sync")["state"], "worked") == in_language("worked", "fi")
    client.post("/lang/en", data={"next": "/"})
    control.close()
    english = facilitator(ev.id).call("sync")["state"]
    assert shown(english, "worked") == in_language("worked", "en")


def embedded_phases(page: str) -> list[dict[str, Any]]:
    """The phases a page embeds for its script (``#event-phases``)."""
    found = re.search(r'<script type="application/json" id="event-phases">(.*?)</script>', page)
    assert found, "no embedded phases"
    phases: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))
    return phases


def test_phone_page_renders_the_phase_in_the_chosen_language_and_the_board_in_the_events(
    client: FlaskClient, make_event: MakeEvent, app: Flask
) -> None:
    ev = make_event(template="co-development", language="fi")
    client.post("/lang/sv", data={"next": "/"})

    phone_page = client.get(f"/j/{ev.code}").get_data(as_text=True)
    assert '<html lang="sv">' in phone_page
    assert '<span id="phase" class="phase">Inledning</span>' in phone_page
    assert [p["label"] for p in embedded_phases(phone_page)] == [
        CO_DEVELOPMENT.label(p, "sv") for p in CO_DEVELOPMENT.phase_ids
    ]

    # The projector's computer may be set to Swedish; the board is the event's (Finnish).
    board_page = client.get(f"/b/{ev.board_token}").get_data(as_text=True)
    assert [p["prompt"] for p in embedded_phases(board_page)] == [
        CO_DEVELOPMENT.prompt(p, "fi") for p in CO_DEVELOPMENT.phase_ids
    ]
