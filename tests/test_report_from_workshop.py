"""A co-development workshop's report, assembled from its sections and feedback and
exported from the web and the command line."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from cafe.cli import cli
from tests.conftest import EventInfo, Facilitator, MakeFacilitator, MakePhone, Phone, login
from tests.helpers import core, gathering, host, item_of, ok


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
    assert (
        "(3 vastausta, keskiarvo 4,3 asteikolla 1–5). Asiakas: 3 vastausta, keskiarvo 4,3." in text
    )
    assert "Työntekijä" not in text  # one worker's feedback would single them out


def test_the_evaluation_gives_no_small_group_away_by_subtraction(
    client: FlaskClient, phone: MakePhone, workshop: tuple[EventInfo, Facilitator, Phone]
) -> None:
    """3 clients (the fixture's 5, 4, 4), 3 workers and 1 guide: the report must not let
    the total minus the roles it names give the guide's rating."""
    ev = workshop[0]
    for role, rating in [("työntekijä", 3), ("työntekijä", 2), ("työntekijä", 4)] + [
        ("kokemusohjaaja", 1)
    ]:
        answering = phone(ev.code)
        assert answering.join(ev.table_ids[0], role)["ok"]
        assert answering.call("feedback", {"rating": rating})["ok"]

    text = client.get(f"/events/{ev.id}/report/export/md").get_data(as_text=True)
    evaluation = next(line for line in text.splitlines() if "vastausta" in line)

    assert (
        "(7 vastausta, keskiarvo 3,3 asteikolla 1–5). Työntekijä: 3 vastausta, keskiarvo 3,0."
        in evaluation
    )
    # Clients hide with the guide: 7 × 3.3 − 3 × 3.0 is four answers, not the guide's one.
    assert "Asiakas" not in evaluation and "Kokemusohjaaja" not in evaluation
    assert "Ryhmiä, joissa on alle 3 vastaajaa, ei eritellä" in evaluation


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


def report_form(**changes: str) -> dict[str, str]:
    fields = {
        "base": "0",
        "title": "Kokemusohjauksella tukea arkeen: Palvelupilotti, PRO SOS",
        "duration": "Pilotti kesti 1.3.2017–31.12.2018.",
        "participants": "15 asiakasta.",
        "resource-premises": "Tila tiimikokouksiin kerran viikossa.",
        "goal": "Arjen tuki.",
        "description": "",
        "step-lead-0": "Ensitapaaminen",
        "step-body-0": "Kokemusohjaaja lähti mukaan.",
        "step-lead-1": "",
        "step-body-1": "",
        "evaluation": "",
        "results": "Yhteistyö toimi.",
        "caption": "Kokemusohjauksen prosessi",
        "credit": "",
    }
    fields.update(changes)
    return fields


def test_the_organizer_fills_in_what_no_workshop_knows_and_saves_revisions(
    client: FlaskClient, workshop: tuple[EventInfo, Facilitator, Phone]
) -> None:
    ev = workshop[0]
    url = f"/events/{ev.id}/report"
    page = client.get(url).get_data(as_text=True)
    assert "Kokeilun kesto ja toteuttajatahot:" in page
    assert 'value="Ensitapaaminen"' in page

    assert client.post(url, data=report_form()).status_code == 302
    md = client.get(f"{url}/export/md").get_data(as_text=True)
    assert "Kokeilun kesto ja toteuttajatahot:\n\nPilotti kesti 1.3.2017–31.12.2018." in md
    assert "**Tilat:** Tila tiimikokouksiin kerran viikossa." in md
    assert "1. **Ensitapaaminen.** Kokemusohjaaja lähti mukaan." in md

    stale = client.post(url, data=report_form(duration="Vanhalla pohjalla"))
    assert stale.status_code == 409
    assert "Vanhalla pohjalla" in stale.get_data(as_text=True)
    assert client.post(url, data=report_form(base="1", title="")).status_code == 400
    lead_missing = report_form(base="1", **{"step-lead-0": "", "step-body-0": "Ilman"})
    assert client.post(url, data=lead_missing).status_code == 400
    refresh = f"/events/{ev.id}/document/refresh"
    choices = client.get(refresh).get_data(as_text=True)
    # The organizer rewrote the steps: their text is kept unless the new one is picked.
    assert 'name="choice:steps" value="keep" checked' in choices
    assert "choice:duration" not in choices  # the organizer's own fields are not offered
    taken = client.post(refresh, data={"base": "1", "choice:steps": "take"})
    assert taken.status_code == 302
    refreshed = client.get(f"{url}/export/md").get_data(as_text=True)
    assert "Pilotti kesti 1.3.2017–31.12.2018." in refreshed  # the organizer's field stays
    assert "Kokemusohjaaja lähti mukaan ensitapaamiseen" in refreshed  # the step as gathered


def test_report_editor_is_for_workshops_and_the_memo_editor_sends_them_there(
    client: FlaskClient,
    make_event: Callable[..., EventInfo],
    workshop: tuple[EventInfo, Facilitator, Phone],
) -> None:
    assert client.get(f"/events/{make_event().id}/report").status_code == 404
    redirect = client.get(f"/events/{workshop[0].id}/minutes")
    assert redirect.status_code == 302
    assert redirect.headers["Location"].endswith(f"/events/{workshop[0].id}/report")
    for verb in ("publish", "review-link", "refresh", "preview"):
        assert client.post(f"/events/{workshop[0].id}/minutes/{verb}").status_code == 404
    assert client.get(f"/events/{workshop[0].id}/minutes/export/md").status_code == 404
    preview = client.post(
        f"/events/{workshop[0].id}/report/preview", data=report_form(goal="<script>x</script>")
    )
    assert "<script>" not in preview.get_json()["html"]


def test_a_stale_report_save_of_other_fields_is_merged_and_a_clash_is_named(
    client: FlaskClient, workshop: tuple[EventInfo, Facilitator, Phone]
) -> None:
    url = f"/events/{workshop[0].id}/report"
    assert client.post(url, data=report_form()).status_code == 302
    assert (
        client.post(url, data=report_form(base="1", participants="16 asiakasta.")).status_code
        == 302
    )

    merged = client.post(url, data=report_form(base="1", credit="PRO SOS -osahanke Verso"))

    assert merged.status_code == 302 and "merged=1" in merged.headers["Location"]
    md = client.get(f"{url}/export/md").get_data(as_text=True)
    assert "16 asiakasta." in md and "PRO SOS -osahanke Verso" in md
    client.post("/lang/en")
    clash = client.post(
        url, data=report_form(base="2", participants="16 asiakasta.", credit="Toinen")
    )
    assert clash.status_code == 409
    error = re.search(r'<p class="error" role="alert">([^<]*)</p>', clash.get_data(as_text=True))
    assert error is not None and "Credit line" in error.group(1)
    assert "Participants" not in error.group(1)
