"""Accounts: login throttling per account and per address, no timing tell for unknown
usernames, logout that ends copied cookies, and event ownership (shared events, admins,
404 for everyone else on pages, exports and the ``/facilitator`` socket)."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from werkzeug.routing import Rule
from werkzeug.security import check_password_hash, generate_password_hash

from cafe import create_app
from cafe.auth import operations as auth_ops
from cafe.auth.ownership import may_manage, share_event, visible_events
from cafe.auth.throttle import LoginThrottle, MemoryFailureStore, memory_throttle
from cafe.database import alembic_config, upgrade_database
from cafe.extensions import db
from cafe.models import AuditEntry, CafeEvent, EventOwner, User
from tests.conftest import (
    PASSWORD,
    ROOT,
    Facilitator,
    MakeEvent,
    add_cheap_user,
    app_config,
    connect_error,
    login,
    refusal_code,
    start_server,
)
from tests.helpers import cafe

SAMPLE = ROOT / "sessions" / "cafe-social-2017-10-31.toml"


def attempt(http: FlaskClient, username: str, password: str, address: str = "10.0.0.1") -> Any:
    """One login through the real form from client address ``address``, in English."""
    return http.post(
        "/login?lang=en",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def small_throttle(app: Flask, *, per_account: int = 100, per_address: int = 100) -> None:
    """Give the app a throttle with small limits, built as the app builds its own."""
    app.extensions["cafe_login_throttle"] = memory_throttle(
        {
            "CAFE_LOGIN_FAILURES_PER_ACCOUNT": per_account,
            "CAFE_LOGIN_FAILURES_PER_ADDRESS": per_address,
            "CAFE_LOGIN_WINDOW_MINUTES": 15,
        }
    )


# --- throttling --------------------------------------------------------------------------


def test_an_account_is_throttled_after_ten_failures_from_any_address(
    app: Flask, client: FlaskClient
) -> None:
    add_cheap_user(app, "anna")
    add_cheap_user(app, "bertta")
    limit = app.config["CAFE_LOGIN_FAILURES_PER_ACCOUNT"]
    assert limit == 10
    for number in range(limit):
        # Each from its own address: the account's count is what stops them.
        response = attempt(client, "anna", "väärä salasana", f"10.0.1.{number}")
        assert response.status_code == 200
        assert "Wrong username or password." in response.get_data(as_text=True)

    refused = attempt(client, "anna", PASSWORD, "10.0.2.1")  # even the right password

    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed logins. Try again in 15 minutes." in refused.get_data(as_text=True)
    assert '<form method="post"' in refused.get_data(as_text=True)  # the form, again
    assert client.get("/events/").status_code == 302  # not logged in
    # Another account from the same addresses is not affected.
    assert attempt(client, "bertta", PASSWORD, "10.0.1.0").status_code == 302


def test_an_address_is_throttled_across_usernames(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    small_throttle(app, per_address=3)
    add_cheap_user(app, "anna")
    caplog.set_level(logging.INFO, logger="cafe")
    for username in ("eka", "toka", "kolmas"):
        assert attempt(client, username, "arvaus", "10.0.0.7").status_code == 200

    refused = attempt(client, "anna", PASSWORD, "10.0.0.7")

    assert refused.status_code == 429
    assert "Too many failed logins" in refused.get_data(as_text=True)
    # Every refusal is logged and counted, the throttled one too; none names an account
    # or an address.
    lines = [r.getMessage() for r in caplog.records if r.name == "cafe.auth"]
    assert [re.sub(r" \(\d+ refused since start\)$", "", line) for line in lines] == [
        *["login refused: no account has that user name"] * 3,
        "login refused: too many failed logins",
    ]
    for trace in ("eka", "toka", "kolmas", "anna", "arvaus", "10.0.0.7"):
        assert trace not in caplog.text
    # The account itself failed nothing: from another address it logs in.
    assert attempt(client, "anna", PASSWORD, "10.0.0.8").status_code == 302


def test_the_throttle_message_is_in_the_readers_language(app: Flask, client: FlaskClient) -> None:
    small_throttle(app, per_account=1)
    attempt(client, "anna", "arvaus")
    english = attempt(client, "anna", "arvaus")
    finnish = client.post(
        "/login?lang=fi",
        data={"username": "anna", "password": "arvaus"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert english.status_code == finnish.status_code == 429
    assert 'lang="en"' in english.get_data(as_text=True)
    assert 'lang="fi"' in finnish.get_data(as_text=True)


def test_a_successful_login_clears_the_accounts_count() -> None:
    throttle = LoginThrottle(MemoryFailureStore(), per_account=2, per_address=100, window=60)
    throttle.failed("anna", "10.0.0.1")
    throttle.succeeded("Anna ")  # the same account, as typed
    throttle.failed("anna", "10.0.0.1")
    assert throttle.wait("anna", "10.0.0.1") == 0
    throttle.failed("anna", "10.0.0.1")
    assert throttle.wait("anna", "10.0.0.1") > 0


def test_a_window_closes_and_the_count_starts_again() -> None:
    now = [1000.0]
    store = MemoryFailureStore(clock=lambda: now[0])
    throttle = LoginThrottle(store, per_account=2, per_address=100, window=60)
    throttle.failed("anna", None)
    now[0] += 30
    throttle.failed("anna", None)
    assert throttle.wait("anna", None) == pytest.approx(30)  # the window opened at the first
    now[0] += 30
    assert throttle.wait("anna", None) == 0
    throttle.failed("anna", None)
    assert throttle.wait("anna", None) == 0  # one failure in a new window


def test_the_store_forgets_closed_windows_to_stay_bounded() -> None:
    now = [0.0]
    store = MemoryFailureStore(clock=lambda: now[0], max_keys=3)
    for key in ("a", "b", "c"):
        store.add(key, 10)
    now[0] = 20
    store.add("d", 10)
    store.add("e", 10)
    assert store.get("d")[0] == store.get("e")[0] == 1
    assert len(store._counts) == 2  # a, b and c had closed


def test_the_throttle_keeps_neither_address_nor_typed_name() -> None:
    store = MemoryFailureStore()
    throttle = LoginThrottle(store, per_account=5, per_address=5, window=60)
    throttle.failed("salasana123", "192.168.1.23")
    kept = " ".join(store._counts)
    assert "192.168" not in kept and "salasana" not in kept
    assert len(store._counts) == 2


# --- no timing tell ------------------------------------------------------------------------


def test_an_unknown_username_checks_a_hash_of_the_same_cost(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The unknown-user path verifies a real hash made as ``create_user`` makes them, so it
    costs what a wrong password costs (the check itself is Werkzeug's, not replaced)."""
    checked: list[str] = []
    real_check = check_password_hash

    def recording(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(auth_ops, "check_password_hash", recording)
    with app.app_context():
        auth_ops.create_user("anna", PASSWORD)
        assert auth_ops.authenticate("anna", "väärä salasana") is None
        assert auth_ops.authenticate("nobody", "väärä salasana") is None

    assert len(checked) == 2
    known, unknown = checked
    method = generate_password_hash("x").split("$")[0]
    assert known.split("$")[0] == unknown.split("$")[0] == method
    assert method.startswith("scrypt:")
    assert unknown == auth_ops.dummy_hash()


# --- logout ends copied cookies --------------------------------------------------------------


def test_a_cookie_copied_before_logout_stops_working_after_it(
    app: Flask, client: FlaskClient, make_event: MakeEvent
) -> None:
    ev = make_event()
    add_cheap_user(app, "anna")
    login(client, "anna")
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get(f"/events/{ev.id}/").status_code == 200
    assert connect_error(app, "/facilitator", {"event": ev.id}, thief) is None
    still_open = Facilitator(app, ev.id, thief)
    assert still_open.connected

    assert client.post("/logout").status_code == 302

    assert thief.get(f"/events/{ev.id}/").status_code == 302  # to the login form
    refused = connect_error(app, "/facilitator", {"event": ev.id}, thief)
    assert refusal_code(refused) == "not_logged_in"
    # A control page connected before the logout can steer no more.
    assert still_open.call("phase", {"phase": "discussion"})["error"] == "not_logged_in"
    still_open.close()
    # Logging in again works, with a new cookie.
    login(client, "anna")
    assert client.get(f"/events/{ev.id}/").status_code == 200


def test_a_cookie_of_the_old_format_is_no_login(app: Flask, make_event: MakeEvent) -> None:
    """Before session versions the cookie held the bare account number."""
    ev = make_event()
    add_cheap_user(app, "anna")
    old = app.test_client()
    with old.session_transaction() as session:
        session["_user_id"] = "1"
        session["_fresh"] = True
    assert old.get(f"/events/{ev.id}/").status_code == 302


# --- ownership ---------------------------------------------------------------------------


def own(app: Flask, event_id: int, username: str) -> None:
    """Share event ``event_id`` with ``username`` (the verb the form and the CLI use)."""
    with app.app_context():
        event = db.session.get(CafeEvent, event_id)
        assert event is not None
        share_event(event, username)


def logged_in(app: Flask, username: str, *, admin: bool = False) -> FlaskClient:
    """A new HTTP client logged in as a new cheap account ``username``."""
    add_cheap_user(app, username, admin=admin)
    http = app.test_client()
    login(http, username)
    return http


def facilitator_routes(app: Flask) -> list[tuple[str, str]]:
    """Every (method, path) of an event's facilitator and organizer pages, from the URL map,
    with ``<event>`` in place of the event's number."""
    slots = {"number": "1", "comment_id": "1", "fmt": "md"}
    found = []
    for rule in app.url_map.iter_rules():
        assert isinstance(rule, Rule)
        if "event_id" not in rule.arguments or not rule.rule.startswith("/events/"):
            continue
        path = re.sub(
            r"<(?:[a-z]+:)?([a-z_]+)>",
            lambda m: "<event>" if m.group(1) == "event_id" else slots[m.group(1)],
            rule.rule,
        )
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def test_the_route_list_covers_pages_exports_and_actions(app: Flask) -> None:
    routes = facilitator_routes(app)
    for expected in [
        ("GET", "/events/<event>/"),
        ("GET", "/events/<event>/cards"),
        ("GET", "/events/<event>/gather"),
        ("GET", "/events/<event>/minutes"),
        ("GET", "/events/<event>/minutes/export/md"),
        ("GET", "/events/<event>/report/export/md"),
        ("POST", "/events/<event>/minutes/publish"),
        ("POST", "/events/<event>/share"),
        ("POST", "/events/<event>/document/refresh"),
    ]:
        assert expected in routes


@pytest.mark.parametrize("template", ["cafe-social", "co-development"])
def test_every_event_page_export_and_action_is_404_for_an_account_it_is_not_shared_with(
    app: Flask, make_event: MakeEvent, template: str
) -> None:
    ev = make_event(template=template)
    other = make_event(template=template)
    add_cheap_user(app, "anna", admin=False)
    own(app, ev.id, "anna")
    bertta = logged_in(app, "bertta")
    own(app, other.id, "bertta")  # bertta has an event, just not this one

    for method, path in facilitator_routes(app):
        url = path.replace("<event>", str(ev.id))
        response = bertta.open(url, method=method, data={"username": "bertta"})
        assert response.status_code == 404, (method, url)
    with app.app_context():
        assert not may_manage(db.session.get(User, 2), ev.id)


def test_the_owner_opens_what_another_account_gets_404_for(
    app: Flask, make_event: MakeEvent
) -> None:
    ev = make_event()
    workshop = make_event(template="co-development")
    add_cheap_user(app, "anna", admin=False)
    own(app, ev.id, "anna")
    own(app, workshop.id, "anna")
    anna = app.test_client()
    login(anna, "anna")
    bertta = logged_in(app, "bertta")
    pages = [
        f"/events/{ev.id}/",
        f"/events/{ev.id}/cards",
        f"/events/{ev.id}/gather",
        f"/events/{ev.id}/minutes",
        f"/events/{ev.id}/minutes/export/md",
        f"/events/{ev.id}/minutes/export/txt",
        f"/events/{ev.id}/document/refresh",
        f"/events/{workshop.id}/report",
        f"/events/{workshop.id}/report/export/md",
    ]
    for page in pages:
        assert anna.get(page).status_code == 200, page
        assert bertta.get(page).status_code == 404, page
    # An event that does not exist looks the same as one that is not yours.
    missing = bertta.get("/events/999/").get_data(as_text=True).replace("/999/", "/N/")
    not_hers = bertta.get(f"/events/{ev.id}/").get_data(as_text=True)
    assert missing == not_hers.replace(f"/{ev.id}/", "/N/")


def test_the_facilitator_socket_refuses_an_account_the_event_is_not_shared_with(
    app: Flask, make_event: MakeEvent
) -> None:
    ev = make_event()
    anna = logged_in(app, "anna")
    own(app, ev.id, "anna")
    bertta = logged_in(app, "bertta")

    assert connect_error(app, "/facilitator", {"event": ev.id}, anna) is None
    refused = connect_error(app, "/facilitator", {"event": ev.id}, bertta)
    assert refusal_code(refused) == "unknown_event"
    unknown = connect_error(app, "/facilitator", {"event": 999}, bertta)
    assert refusal_code(unknown) == "unknown_event"


def test_an_admin_sees_and_steers_every_event(app: Flask, make_event: MakeEvent) -> None:
    first = make_event(topic="Ensimmäinen")
    second = make_event(topic="Toinen")
    add_cheap_user(app, "anna", admin=False)
    own(app, first.id, "anna")
    admin = logged_in(app, "ylläpito", admin=True)

    listing = admin.get("/events/").get_data(as_text=True)
    assert "Ensimmäinen" in listing and "Toinen" in listing
    for ev in (first, second):
        assert admin.get(f"/events/{ev.id}/").status_code == 200
        assert admin.get(f"/events/{ev.id}/minutes/export/md").status_code == 200
        assert connect_error(app, "/facilitator", {"event": ev.id}, admin) is None


def test_the_events_list_shows_only_the_accounts_events(app: Flask, make_event: MakeEvent) -> None:
    make_event(topic="Annan kahvila")
    make_event(topic="Bertan kahvila")
    make_event(topic="Kenenkään kahvila")
    anna = logged_in(app, "anna")
    bertta = logged_in(app, "bertta")
    own(app, 1, "anna")
    own(app, 2, "bertta")

    listed = anna.get("/events/").get_data(as_text=True)
    assert "Annan kahvila" in listed
    assert "Bertan kahvila" not in listed and "Kenenkään kahvila" not in listed
    assert "Bertan kahvila" in bertta.get("/events/").get_data(as_text=True)


def test_an_event_made_with_the_form_belongs_to_its_creator(app: Flask) -> None:
    anna = logged_in(app, "anna")
    bertta = logged_in(app, "bertta")
    response = anna.post(
        "/events/new",
        data={
            "template": "cafe-social",
            "topic": "Annan uusi kahvila",
            "date": "2026-12-10",
            "start": "14:00",
            "end": "16:00",
            "language": "fi",
            "table_count": "3",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    control = response.headers["Location"]
    assert anna.get(control).status_code == 200
    assert bertta.get(control).status_code == 404
    with app.app_context():
        owners = db.session.execute(select(EventOwner)).scalars().all()
        assert [(o.user.username, o.position) for o in owners] == [("anna", 0)]


def test_sharing_through_the_control_page_form(app: Flask, make_event: MakeEvent) -> None:
    ev = make_event()
    anna = logged_in(app, "anna")
    own(app, ev.id, "anna")
    bertta = logged_in(app, "bertta")
    assert bertta.get(f"/events/{ev.id}/").status_code == 404

    unknown = anna.post(f"/events/{ev.id}/share?lang=en", data={"username": "nobody"})
    assert unknown.status_code == 400
    assert "No account has that username." in unknown.get_data(as_text=True)
    shared = anna.post(f"/events/{ev.id}/share", data={"username": "bertta"})
    assert shared.status_code == 302
    assert shared.headers["Location"].endswith(f"/events/{ev.id}/?shared=1#sharing")

    page = bertta.get(f"/events/{ev.id}/")
    assert page.status_code == 200
    assert "anna, bertta" in page.get_data(as_text=True)  # the creator first
    assert connect_error(app, "/facilitator", {"event": ev.id}, bertta) is None
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalar()
        assert entry is not None
        assert (entry.action, entry.username, entry.detail) == ("share", "anna", "bertta")
    # Sharing again changes nothing.
    assert anna.post(f"/events/{ev.id}/share", data={"username": "bertta"}).status_code == 302
    with app.app_context():
        assert len(db.session.execute(select(EventOwner)).all()) == 2


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty instance folder the command keeps its database in."""
    for variable in ("CAFE_DATABASE_URL", "CAFE_PUBLIC_URL", "CAFE_SECRET_KEY"):
        monkeypatch.delenv(variable, raising=False)
    folder = tmp_path / "instance"
    monkeypatch.setenv("CAFE_INSTANCE_PATH", str(folder))
    return folder


def rows(instance: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(instance / "cafe.db") as connection:
        return list(connection.execute(query))


def test_cli_user_add_admin_event_create_owner_and_share(instance: Path) -> None:
    assert cafe("user", "add", "--admin", "paakayttaja", "--password", PASSWORD).exit_code == 0
    added = cafe("user", "add", "anna", "--password", PASSWORD)
    assert added.exit_code == 0 and "Created user anna." in added.output
    assert cafe("user", "add", "bertta", "--password", PASSWORD).exit_code == 0
    assert rows(instance, "SELECT username, is_admin FROM user ORDER BY id") == [
        ("paakayttaja", 1),
        ("anna", 0),
        ("bertta", 0),
    ]

    owned = cafe("event", "create", str(SAMPLE), "--owner", "anna")
    assert owned.exit_code == 0, owned.output
    unowned = cafe("event", "create", str(SAMPLE))
    assert unowned.exit_code == 0, unowned.output
    refused = cafe("event", "create", str(SAMPLE), "--owner", "nobody")
    assert refused.exit_code == 2 and "No account has that username." in refused.output
    assert rows(instance, "SELECT event_id, user_id, position FROM event_owner") == [(1, 2, 0)]
    assert rows(instance, "SELECT created_by_id FROM cafe_event ORDER BY id") == [(2,), (None,)]

    shared = cafe("event", "share", "1", "bertta")
    assert shared.exit_code == 0, shared.output
    assert "Event 1 is shared with: anna, bertta." in shared.output
    code = rows(instance, "SELECT join_code FROM cafe_event WHERE id = 2")[0][0]
    assert cafe("event", "share", code, "anna").exit_code == 0  # by join code too
    assert cafe("event", "share", "1", "nobody").exit_code == 2
    assert cafe("event", "share", "99", "anna").exit_code == 2
    assert rows(instance, "SELECT event_id, user_id, position FROM event_owner ORDER BY 1, 3") == [
        (1, 2, 0),
        (1, 3, 1),
        (2, 2, 0),
    ]
    assert rows(instance, "SELECT action, username, detail FROM audit_entry ORDER BY id") == [
        ("share", "", "bertta"),
        ("share", "", "anna"),
    ]

    listed = cafe("event", "list").output
    assert "Owners:     anna, bertta" in listed


def test_an_event_created_without_owner_is_seen_by_admins_only(instance: Path) -> None:
    assert cafe("event", "create", str(SAMPLE)).exit_code == 0
    assert "Owners:     (admins only)" in cafe("event", "list").output
    app = create_app()
    with app.app_context():
        db.session.add_all(
            [
                User(username="anna", password_hash="x"),
                User(username="admin", password_hash="x", is_admin=True),
            ]
        )
        db.session.commit()
        anna, admin = db.session.execute(select(User).order_by(User.id)).scalars()
        assert db.session.execute(visible_events(anna)).scalars().all() == []
        assert len(db.session.execute(visible_events(admin)).scalars().all()) == 1
        db.engine.dispose()


def test_the_first_start_account_of_cafe_run_is_an_admin(tmp_path: Path) -> None:
    server = start_server(tmp_path / "instance", "--no-sample")
    try:
        assert "username: facilitator" in server.output
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)
    assert rows(tmp_path / "instance", "SELECT username, is_admin FROM user") == [
        ("facilitator", 1)
    ]


# --- migration -----------------------------------------------------------------------------


def test_upgrading_keeps_every_existing_event_visible_to_every_existing_account(
    tmp_path: Path,
) -> None:
    """0010 shares each existing event with every existing account (its creator first) and
    makes the oldest account admin."""
    app = create_app(app_config(tmp_path / "old.db"))
    with app.app_context():
        config = alembic_config()
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0009")
        with db.engine.begin() as connection:
            for number in (1, 2, 3):
                connection.execute(
                    text(
                        "INSERT INTO user (id, username, password_hash, created_at)"
                        " VALUES (:id, :name, 'x', '2017-10-01 00:00:00')"
                    ),
                    {"id": number, "name": f"user{number}"},
                )
            for number, creator in ((1, None), (2, 3)):
                connection.execute(
                    text(
                        "INSERT INTO cafe_event (id, kind, title, topic, date, start_time,"
                        " end_time, place, language, role_tags, footer, openers_sentence,"
                        " method_sentence, join_code, board_token, phase, timer_duration,"
                        " timer_remaining, created_at, created_by_id, premoderation)"
                        " VALUES (:id, 'cafe-social', 'T', 'T', '2017-10-31', '14:00:00',"
                        " '16:00:00', '', 'fi', '[]', '', '', '', :code, :board, 'opening',"
                        " 0, 0, '2017-10-31 00:00:00', :creator, 0)"
                    ),
                    {
                        "id": number,
                        "code": f"ABCDE{number}",
                        "board": f"b{number}" * 9,
                        "creator": creator,
                    },
                )
        upgrade_database()
        owners = db.session.execute(
            text("SELECT event_id, user_id FROM event_owner ORDER BY event_id, position")
        ).all()
        assert owners == [(1, 1), (1, 2), (1, 3), (2, 3), (2, 1), (2, 2)]
        admins = db.session.execute(text("SELECT id FROM user WHERE is_admin")).all()
        assert admins == [(1,)]
        for user in db.session.execute(select(User)).scalars():
            assert user.session_version == 0
            assert len(db.session.execute(visible_events(user)).scalars().all()) == 2
        db.engine.dispose()
