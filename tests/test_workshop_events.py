"""Events run their workshop template: its phases, prompts and role tags reach every
screen; phones post into the section the phase asks about; the feedback phase exists
where the template has one; unknown templates are refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cafe.cli import cli
from cafe.extensions import db
from cafe.models import Post
from tests.conftest import (
    MakeBoard,
    MakeEvent,
    MakeFacilitator,
    MakePhone,
    ack_error,
    login,
    seated,
)


def test_a_cafe_social_keeps_its_phases(make_event: MakeEvent, board: MakeBoard) -> None:
    ev = make_event()
    event = board(ev.board_token).call("sync")["state"]["event"]
    assert event["template"] == "cafe-social"
    assert [(p["id"], p["kind"]) for p in event["phases"]] == [
        ("opening", "opening"),
        ("tables", "post"),
        ("gathering", "gather"),
        ("vote", "vote"),
        ("summary", "summary"),
    ]
    assert event["phases"][1]["label"] == "Pöytäkeskustelut"


def test_a_co_development_event_runs_its_template(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=2, template="co-development")
    control = facilitator(ev.id)
    worker = seated(phone, ev.code, ev.table_ids[0])
    state = worker.call("sync")["state"]
    assert state["event"]["role_tags"] == ["asiakas", "kokemusohjaaja", "työntekijä", "muu"]
    ids = [p["id"] for p in state["event"]["phases"]]
    assert ids == [
        "opening",
        "goal",
        "process",
        "worked",
        "change",
        "proposals",
        "vote",
        "gathering",
        "feedback",
    ]
    assert ack_error(control.call("phase", {"phase": "tables"})) == "bad_phase"

    assert control.call("phase", {"phase": "worked"})["ok"] is True
    worker.post("Kokemusohjaaja lähti mukaan ensitapaamiseen.")
    control.call("phase", {"phase": "change"})
    worker.post("Tilat olivat liian kaukana.")
    control.call("phase", {"phase": "feedback"})
    assert worker.call("feedback", {"rating": 4})["ok"] is True

    with app.app_context():
        sections = db.session.execute(select(Post.text, Post.section).order_by(Post.id)).all()
    assert sections == [
        ("Kokemusohjaaja lähti mukaan ensitapaamiseen.", "worked"),
        ("Tilat olivat liian kaukana.", "change"),
    ]


def test_phones_get_the_prompt_of_the_phase_in_the_events_language(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(template="co-development", language="sv")
    state = seated(phone, ev.code, ev.table_ids[0]).call("sync")["state"]
    worked = next(p for p in state["event"]["phases"] if p["id"] == "worked")
    assert worked["prompt"] and worked["label"] != worked["id"]


def test_an_unknown_template_is_refused_when_the_event_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAFE_INSTANCE_PATH", str(tmp_path / "instance"))
    plan = tmp_path / "plan.toml"
    plan.write_text('topic = "Aihe"\ndate = 2026-12-01\ntemplate = "tuntematon"\n', "utf-8")
    result = CliRunner().invoke(cli, ["event", "create", str(plan)])
    assert result.exit_code == 2
    assert "cafe-social" in result.output and "co-development" in result.output


def test_templates_check_lists_the_shipped_templates() -> None:
    result = CliRunner().invoke(cli, ["templates", "check"])
    assert result.exit_code == 0, result.output
    assert "cafe-social:" in result.output and "co-development:" in result.output
    # Both speak Finnish, Swedish and English in full: no missing text is listed.
    assert " text: " not in result.output


def test_templates_check_refuses_a_copied_template_and_lists_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cafe.workshops
    from cafe import resource_dir

    shipped = Path(resource_dir("sessions")) / "templates" / "cafe-social.toml"
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "cafe-social.toml").write_bytes(shipped.read_bytes())
    # A copy whose name was left unchanged: refused with the loader's file, line and fix.
    (folder / "oma-kahvila.toml").write_bytes(shipped.read_bytes())
    monkeypatch.setattr(cafe.workshops, "resource_dir", lambda name: str(tmp_path))
    result = CliRunner().invoke(cli, ["templates", "check"])
    assert result.exit_code == 2
    assert result.stdout.startswith("cafe-social: ")
    assert f"refused: {folder / 'oma-kahvila.toml'}:" in result.stderr
    assert f'name "cafe-social" is already used by {folder / "cafe-social.toml"}' in result.stderr


def test_a_post_delivered_late_keeps_the_section_of_the_phase_it_was_written_in(
    app: Flask, make_event: MakeEvent, phone: MakePhone, facilitator: MakeFacilitator
) -> None:
    ev = make_event(tables=1, template="co-development")
    control = facilitator(ev.id)
    worker = seated(phone, ev.code, ev.table_ids[0])
    control.call("phase", {"phase": "change"})
    written = {"id": "6f1c2a4e-1b2c-4d5e-8f90-123456789abc", "text": "Kirjoitettu offline"}

    assert ack_error(worker.call("post", {**written, "phase": "ei-ole"})) == "bad_phase"
    assert ack_error(worker.call("post", {**written, "phase": 3})) == "bad_phase"
    assert worker.call("post", {**written, "phase": "worked"})["ok"] is True
    worker.post("Kirjoitettu nyt")

    with app.app_context():
        sections = db.session.execute(select(Post.text, Post.section).order_by(Post.id)).all()
    assert sections == [("Kirjoitettu offline", "worked"), ("Kirjoitettu nyt", "change")]


def test_a_workshop_is_named_as_a_workshop_on_every_page_and_in_its_payload(
    app: Flask, client: FlaskClient, make_event: MakeEvent, make_user: Any, board: MakeBoard
) -> None:
    from cafe.models import CafeEvent

    login(client, make_user())
    # Left out of the plan, and left as the form's pre-filled Cafe Social name.
    workshops = [make_event(template="co-development")]
    workshops.append(make_event(template="co-development", title="Cafe Social -keskustelukahvila"))
    swedish = make_event(template="co-development", language="sv")
    cafe = make_event()

    for ev in workshops:
        with app.app_context():
            stored = db.session.get(CafeEvent, ev.id)
            assert stored is not None and stored.title == "Yhteiskehittämisen työpaja"
        for path in (f"/events/{ev.id}/", f"/j/{ev.code}", f"/events/{ev.id}/report"):
            html = client.get(path).get_data(as_text=True)
            assert "Yhteiskehittämisen työpaja" in html, path
            assert "keskustelukahvila" not in html, path
        assert board(ev.board_token).call("sync")["state"]["event"]["title"] == (
            "Yhteiskehittämisen työpaja"
        )
    assert "Workshop för samutveckling" in client.get(f"/j/{swedish.code}").get_data(as_text=True)
    assert "Cafe Social -keskustelukahvila" in client.get(f"/j/{cafe.code}").get_data(as_text=True)


def test_an_event_stored_with_the_cafe_social_name_shows_its_formats_name(
    app: Flask, make_event: MakeEvent, board: MakeBoard
) -> None:
    """Workshops created before formats had names were stored as Cafe Socials."""
    from cafe.models import CafeEvent

    ev = make_event(template="co-development")
    with app.app_context():
        stored = db.session.get(CafeEvent, ev.id)
        assert stored is not None
        stored.title = "Cafe Social -keskustelukahvila"
        db.session.commit()
    assert board(ev.board_token).call("sync")["state"]["event"]["title"] == (
        "Yhteiskehittämisen työpaja"
    )
