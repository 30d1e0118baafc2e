"""HTTP pages: joining, the board link, facilitator pages, headers and bad input."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cafe import create_app
from cafe.database import upgrade_database
from cafe.extensions import db
from cafe.models import CafeEvent, EventTable
from tests.conftest import PASSWORD, EventInfo


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    """Log a facilitator in through the form."""
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302


def event_count(app: Flask) -> int:
    """How many events exist."""
    with app.app_context():
        return int(db.session.execute(select(func.count(CafeEvent.id))).scalar_one())


def test_front_page_code_form_redirects_to_the_phone_page(
    client: FlaskClient, make_event: Callable[..., EventInfo]
) -> None:
    """A typed code, in lower case with a space, leads to the event's phone page."""
    event = make_event()
    typed = event.code[:3].lower() + " " + event.code[3:].lower()
    response = client.post("/", data={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/j/{event.code}")


@pytest.mark.parametrize("code", ["", "ABC", "OOOOOO", "AAAAAA", "x" * 20])
def test_wrong_code_gets_a_message_and_status_400(client: FlaskClient, code: str) -> None:
    """No event behind the code: the form comes back with a message, never a 500."""
    response = client.post("/", data={"code": code})
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


def test_phone_pages_for_event_and_table(
    client: FlaskClient, make_event: Callable[..., EventInfo]
) -> None:
    """The phone page lists the tables; a table's own link preselects it."""
    event = make_event(tables=["Ikkunapöytä", "Nurkkapöytä"])
    page = client.get(f"/j/{event.code}").get_data(as_text=True)
    assert "Ikkunapöytä" in page and "Nurkkapöytä" in page
    assert 'data-preselected=""' in page
    seated = client.get(f"/j/{event.code}/2").get_data(as_text=True)
    assert f'data-preselected="{event.table_ids[1]}"' in seated
    assert client.get(f"/j/{event.code}/3").status_code == 404
    assert client.get("/j/ZZZZZZ").status_code == 404
    assert client.get("/j/not-a-code").status_code == 404


def test_qr_codes_are_svg_for_event_and_each_table(
    client: FlaskClient, make_event: Callable[..., EventInfo]
) -> None:
    """QR codes are drawn on the server as SVG."""
    event = make_event(tables=2)
    for path in (f"/qr/{event.code}.svg", f"/qr/{event.code}/1.svg", f"/qr/{event.code}/2.svg"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).lstrip().startswith("<svg")
    assert client.get(f"/qr/{event.code}/3.svg").status_code == 404
    assert client.get("/qr/ZZZZZZ.svg").status_code == 404


def test_table_qr_encodes_the_table_link(
    app: Flask, client: FlaskClient, make_event: Callable[..., EventInfo]
) -> None:
    """The table's QR carries the public address and the table number."""
    app.config["CAFE_PUBLIC_URL"] = "http://192.168.1.10:5000"
    event = make_event(tables=2)
    svg = client.get(f"/qr/{event.code}/2.svg").get_data(as_text=True)
    assert f"http://192.168.1.10:5000/j/{event.code}/2" in svg  # the SVG's <title>


def test_board_needs_its_secret_and_no_login(
    client: FlaskClient, make_event: Callable[..., EventInfo]
) -> None:
    """The board link works without login; a wrong secret is a 404."""
    event = make_event(tables=3)
    page = client.get(f"/b/{event.board_token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert event.code in text and f"/qr/{event.code}.svg" in text
    assert client.get("/b/" + "x" * 32).status_code == 404
    assert client.get("/b/short").status_code == 404


@pytest.mark.parametrize("path", ["/events/", "/events/new", "/events/1/", "/events/1/cards"])
def test_facilitator_pages_need_login(client: FlaskClient, path: str) -> None:
    """Anonymous visitors are sent to the login page."""
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused_with_a_message(
    client: FlaskClient, make_user: Callable[..., str]
) -> None:
    """A wrong password shows an error and logs nobody in."""
    make_user("anna")
    response = client.post("/login", data={"username": "anna", "password": "wrong password"})
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    assert client.get("/events/").status_code == 302


def test_login_redirect_stays_on_this_site(
    client: FlaskClient, make_user: Callable[..., str]
) -> None:
    """``next`` pointing elsewhere is ignored (no open redirect)."""
    make_user("anna")
    response = client.post(
        "/login?next=//evil.example/", data={"username": "anna", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/events/"


def event_form(**overrides: str) -> dict[str, str]:
    """A complete, valid event form."""
    data = {
        "title": "Cafe Social -keskustelukahvila",
        "topic": "Osallisuus arjessa",
        "date": "2026-12-03",
        "start": "14:00",
        "end": "16:00",
        "place": "Kampus, sali A",
        "language": "fi",
        "openers-0-name": "Maija Meikäläinen",
        "openers-0-title": "kokemusasiantuntija",
        "openers-0-organisation": "Osallisuushanke",
        "openers-1-name": "",
        "table_count": "3",
        "table_names": "",
        "role_tags": "asiakas\nammattilainen",
        "next_date": "2027-01-24",
        "next_start": "14:00",
        "next_end": "16:00",
        "footer": "Vipuvoimaa EU:lta 2014–2020",
    }
    data.update(overrides)
    return data


def test_event_form_creates_the_event_with_openers_and_tables(
    app: Flask, client: FlaskClient, make_user: Callable[..., str]
) -> None:
    """Every field of the plan lands in the event."""
    login(client, make_user())
    response = client.post("/events/new", data=event_form(table_names="Ikkuna\nNurkka"))
    assert response.status_code == 302
    with app.app_context():
        event = db.session.execute(select(CafeEvent)).scalar_one()
        assert event.topic == "Osallisuus arjessa"
        assert [o.name for o in event.openers] == ["Maija Meikäläinen"]
        assert event.openers[0].organisation == "Osallisuushanke"
        assert [t.name for t in event.tables] == ["Ikkuna", "Nurkka"]
        assert event.role_tags == ["asiakas", "ammattilainen"]
        assert str(event.next_date) == "2027-01-24"
        assert re.fullmatch(r"[A-HJKMNP-Z2-9]{6}", event.join_code)
        assert response.headers["Location"].endswith(f"/events/{event.id}/")
        assert event.premoderation is False  # off unless asked for
    control = client.get(response.headers["Location"]).get_data(as_text=True)
    assert event.join_code in control


def test_event_form_switches_pre_moderation_on(
    app: Flask, client: FlaskClient, make_user: Callable[..., str]
) -> None:
    login(client, make_user())
    response = client.post("/events/new", data=event_form(premoderation="y"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(select(CafeEvent.premoderation)).scalar_one() is True
    control = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="premoderation" checked', control)


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"end": "13:00"}, "end"),
        ({"topic": ""}, "topic"),
        ({"date": "31.13.2026"}, "date"),
        ({"table_count": "0"}, "table"),
        ({"table_count": "61"}, "table"),
        ({"table_names": "Sama\nsama"}, "table"),
        ({"language": "de"}, "language"),
        ({"openers-0-name": "x" * 201}, "name"),
    ],
)
def test_bad_event_form_shows_a_message_and_creates_nothing(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    overrides: dict[str, str],
    fragment: str,
) -> None:
    """Every bad field gets a message; nothing is written."""
    login(client, make_user())
    response = client.post("/events/new", data=event_form(**overrides))
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert event_count(app) == 0


def test_event_form_obeys_the_plan_rule_for_invisible_text(
    app: Flask, client: FlaskClient, make_user: Callable[..., str]
) -> None:
    """The form goes through ``plan_from_mapping``: a topic of right-to-left marks and
    zero-width spaces is missing, and bidi overrides are stripped from a real one."""
    login(client, make_user())
    invisible = event_form(topic="\u200f\u200b\u202e\u2066")
    response = client.post("/events/new?lang=en", data=invisible)
    assert response.status_code == 400
    assert "Missing: topic" in response.get_data(as_text=True)
    assert event_count(app) == 0

    response = client.post("/events/new", data=event_form(topic="\u202eAihe\u202c"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.execute(select(CafeEvent.topic)).scalar_one() == "Aihe"


def test_add_opener_button_adds_a_row_without_javascript(
    client: FlaskClient, make_user: Callable[..., str]
) -> None:
    """The form grows one opener row per click and keeps what was typed."""
    login(client, make_user())
    data = event_form(add_opener="1")
    page = client.post("/events/new", data=data).get_data(as_text=True)
    assert 'name="openers-2-name"' in page
    assert 'value="Maija Meikäläinen"' in page


def test_table_cards_show_a_qr_per_table(
    client: FlaskClient, make_user: Callable[..., str], make_event: Callable[..., EventInfo]
) -> None:
    """Printable cards: one QR per table."""
    event = make_event(tables=4)
    login(client, make_user())
    page = client.get(f"/events/{event.id}/cards").get_data(as_text=True)
    for number in range(1, 5):
        assert f"/qr/{event.code}/{number}.svg" in page


@pytest.mark.parametrize("path", ["/", "/login", "/nonexistent", "/healthz"])
def test_every_response_has_strict_security_headers(client: FlaskClient, path: str) -> None:
    """CSP without inline script or style; no referrer so the board secret cannot leak."""
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


IMPORT_MAP = '<script type="importmap">'


def test_pages_use_no_inline_scripts(
    client: FlaskClient, make_event: Callable[..., EventInfo]
) -> None:
    """Only external scripts, JSON data blocks and an import map that the page's CSP allows
    by its hash: the CSP would block anything else."""
    event = make_event()
    for path in ("/", f"/j/{event.code}", f"/b/{event.board_token}"):
        response = client.get(path)
        page = response.get_data(as_text=True)
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag or tag == IMPORT_MAP, tag
        for text in re.findall(r'<script type="importmap">(.*?)</script>', page, re.S):
            digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
            assert (
                f"script-src 'self' 'sha256-{digest}';"
                in response.headers["Content-Security-Policy"]
            )
        assert " style=" not in page and "<style" not in page


def test_forms_are_protected_by_csrf(tmp_path: Path) -> None:
    """With CSRF on (the default), a post without the token is refused with a page."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "t",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.db'}",
            "CAFE_ASYNC_MODE": "threading",
        }
    )
    with app.app_context():
        upgrade_database()
    client = app.test_client()
    response = client.post("/", data={"code": "ABC234"})
    assert response.status_code == 400
    assert 'class="card narrow"' in response.get_data(as_text=True)
    assert client.post("/lang/sv").status_code == 400


def test_language_switch_stays_on_this_site(client: FlaskClient) -> None:
    """The switcher redirects to same-site paths only."""
    assert client.post("/lang/sv", data={"next": "/login"}).headers["Location"] == "/login"
    assert client.post("/lang/sv", data={"next": "//evil.example"}).headers["Location"] == "/"
    assert client.post("/lang/xx", data={"next": "/"}).status_code == 302


def test_unknown_pages_and_methods_never_500(client: FlaskClient) -> None:
    """404 and 405 come as pages."""
    assert client.get("/no/such/page").status_code == 404
    assert client.put("/").status_code == 405
    assert client.get("/events/999999/").status_code == 302  # login first, then 404


def test_unknown_event_id_is_404_for_facilitators(
    client: FlaskClient, make_user: Callable[..., str]
) -> None:
    """A facilitator opening a missing event gets a 404 page."""
    login(client, make_user())
    assert client.get("/events/999999/").status_code == 404
    assert client.get("/events/999999/cards").status_code == 404


def test_device_tokens_are_stored_only_as_hashes(
    app: Flask, make_event: Callable[..., EventInfo], phone: Callable[..., object]
) -> None:
    """The raw device token never reaches the database."""
    event = make_event()
    device = "d" * 40
    p = phone(event.code, device)
    p.join(event.table_ids[0])  # type: ignore[attr-defined]
    assert p.post("Idea")["ok"]  # type: ignore[attr-defined]
    with app.app_context():
        for table in (EventTable,):
            assert db.session.execute(select(table)).first() is not None
    raw = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).read_bytes()
    assert device.encode() not in raw
