"""A co-development workshop's report, assembled from its sections and feedback and
exported from the web and the command line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from cafe.cli import cli
from tests.conftest import EventInfo, Facilitator, MakeFacilitator, MakePhone, Phone, login
from tests.test_gathering_socket import core, gathering, host, item_of, ok


@pytest.fixture
def workshop(
    client: FlaskClient,
    make_event: Callable[..., EventInfo],
    make_user: Callable[..., str],
    phone: MakePhone,
    facilitator: MakeFacilitator,
) -> tuple[EventInfo, Facilitator, Phone]:
    """A co-development workshop with a process step, a result and three clients' feedback."""
    login(client, make_user())
    ev = make_event(tables=1, topic="Kokemusohjauksen pilotti", template="co-development")
    control = facilitator(ev.id)
    writer = host(phone, ev.code, ev.table_ids[0], "työntekijä")
    control.call("phase", {"phase": "worked"})
    core(writer, "Kokemusohjaaja lähti mukaan ensitapaamiseen")
    control.call("phase", {"phase": "goal"})
    core(writer, "Asiakas pääsee liikkeelle kotoa")
    state = gathering(control)
    worked = item_of(state, "Kokemusohjaaja lähti mukaan ensitapaamiseen")["id"]
    goal = item_of(state, "Asiakas pääsee liikkeelle kotoa")["id"]
    ok(
        control.call(
            "theme_create", {"title": "Ensitapaaminen", "section": "process", "items": [worked]}
        )
    )
    ok(control.call("theme_create", {"title": "Arjen tuki", "section": "goal", "items": [goal]}))
    ok(control.call("theme_create", {"title": "Yhteistyö toimi", "section": "worked"}))
    control.call("phase", {"phase": "feedback"})
    for rating in (5, 4, 4):
        client_phone = phone(ev.code)
        assert client_phone.join(ev.table_ids[0], "asiakas")["ok"]
        assert client_phone.call("feedback", {"rating": rating})["ok"]
    return ev, control, writer


def test_report_is_assembled_from_the_sections_and_the_feedback(
    client: FlaskClient, workshop: tuple[EventInfo, Facilitator, Phone]
) -> None:
    ev = workshop[0]
    response = client.get(f"/events/{ev.id}/report/export/md")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "Pilottikokeilun tavoite:" in text
    assert "**Arjen tuki.** Asiakas pääsee liikkeelle kotoa" in text
    assert "1. **Ensitapaaminen.** Kokemusohjaaja lähti mukaan ensitapaamiseen" in text
    assert "**Yhteistyö toimi.**" in text
    assert "(3 vastausta, keskiarvo 4.3 asteikolla 1–5). Asiakas: 3 vastausta" in text
    assert "Työntekijä" not in text  # one worker's feedback would single them out


def test_report_pdf_has_the_step_in_its_list_and_its_diagram(
    client: FlaskClient, workshop: tuple[EventInfo, Facilitator, Phone]
) -> None:
    ev = workshop[0]
    pdf = client.get(f"/events/{ev.id}/report/export/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    # Once in the numbered steps, once in the process diagram.
    assert text.count("Ensitapaaminen") >= 2
    assert "Kokemusohjaaja lähti mukaan ensitapaamiseen" in " ".join(text.split())
    docx = client.get(f"/events/{ev.id}/report/export/docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"


def test_report_downloads_are_for_workshops_and_logged_in_organizers(
    client: FlaskClient,
    make_event: Callable[..., EventInfo],
    workshop: tuple[EventInfo, Facilitator, Phone],
) -> None:
    cafe_social = make_event()
    assert client.get(f"/events/{cafe_social.id}/report/export/md").status_code == 404
    assert client.get(f"/events/{workshop[0].id}/report/export/odt").status_code == 404
    client.post("/logout")
    assert client.get(f"/events/{workshop[0].id}/report/export/md").status_code == 302


def test_cafe_export_writes_a_workshops_report(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAFE_INSTANCE_PATH", str(tmp_path / "instance"))
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'topic = "Kokemusohjaus"\ndate = 2026-12-01\ntemplate = "co-development"\n', "utf-8"
    )
    created = CliRunner().invoke(cli, ["event", "create", str(plan)])
    assert created.exit_code == 0, created.output
    code = created.stdout.split("Join code:")[1].split()[0]
    result = CliRunner().invoke(cli, ["export", code, "--format", "md"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Kokemusohjaus")
    assert "Kokeilun kuvaus:" in result.stdout
