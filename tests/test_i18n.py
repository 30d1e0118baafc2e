"""The catalogs: complete Finnish and Swedish, placeholders intact, compiled files and the
template up to date with the sources, and the app speaking Finnish unless asked otherwise."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from cafe.extensions import socketio
from tests.conftest import ROOT, MakeEvent, MakePhone, ack_error, new_device

TRANSLATIONS = ROOT / "cafe" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("fi", "sv", "en")
TRANSLATED = ("fi", "sv")  # English falls back to the msgids
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
REFRESH = "run `make translations` and translate the new strings"


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load_po(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def msgids(catalog: Catalog) -> set[str]:
    """Every message id of a catalog except the header."""
    return {str(m.id) for m in catalog if m.id}


def id_to_string(catalog: Catalog) -> dict[str, str]:
    """Message id to translation, without the header (it carries dates, not UI text)."""
    return {str(m.id): str(m.string) for m in catalog if m.id}


# --- the catalogs themselves ---------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_exactly_the_template_msgids(lang: str) -> None:
    template = msgids(load_po(TEMPLATE))
    catalog = msgids(load_po(po_path(lang), lang))
    assert catalog - template == set(), f"obsolete entries in {lang}: {REFRESH}"
    assert template - catalog == set(), f"entries missing from {lang}: {REFRESH}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_msgid_is_translated_and_none_is_fuzzy(lang: str) -> None:
    catalog = load_po(po_path(lang), lang)
    untranslated = sorted(str(m.id) for m in catalog if m.id and not str(m.string).strip())
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert untranslated == [], f"untranslated in {lang}"
    assert fuzzy == [], f"fuzzy in {lang}"
    assert not catalog.fuzzy, f"the {lang} catalog header is marked fuzzy"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang: str) -> None:
    catalog = load_po(po_path(lang), lang)
    for message in catalog:
        if not message.id or not message.string:
            continue
        msgid, msgstr = str(message.id), str(message.string)
        names = set(PLACEHOLDER.findall(msgid))
        assert set(PLACEHOLDER.findall(msgstr)) == names, (lang, msgid, msgstr)
        if names:
            # The translation must format with the same parameters, with no stray "%".
            msgstr % {name: "x" for name in names}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_mo_files_are_compiled_from_the_po_files(lang: str) -> None:
    compiled = BytesIO()
    write_mo(compiled, load_po(po_path(lang), lang))
    compiled.seek(0)
    committed = po_path(lang).with_suffix(".mo")
    assert committed.is_file(), f"{committed} is missing: {REFRESH}"
    with committed.open("rb") as f:
        on_disk = read_mo(f)
    assert id_to_string(on_disk) == id_to_string(read_mo(compiled)), (
        f"{committed} is stale: run `make translations`"
    )


def test_template_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(fresh),
            "--no-location",
            "--sort-output",
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    extracted = msgids(load_po(fresh))
    committed = msgids(load_po(TEMPLATE))
    assert extracted == committed, (
        f"messages.pot is out of date ({REFRESH}); "
        f"new: {sorted(extracted - committed)}, gone: {sorted(committed - extracted)}"
    )


# --- the app speaking them -----------------------------------------------------------------


def test_front_page_is_finnish_by_default(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fi">' in page
    assert "Liity keskusteluun" in page
    assert ">Liity</button>" in page
    assert "Join the discussion" not in page


def test_language_switcher_changes_the_front_page(client: FlaskClient) -> None:
    response = client.post("/lang/sv", data={"next": "/"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Delta i samtalet" in page
    assert ">Gå med</button>" in page
    assert "Liity keskusteluun" not in page

    client.post("/lang/en", data={"next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Join the discussion" in page
    assert ">Join</button>" in page
    assert "Delta i samtalet" not in page


def test_socket_error_message_is_finnish_by_default(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2)
    p = phone(ev.code)
    assert p.join(ev.table_ids[0])["ok"] is True
    ack = p.post("")
    assert ack_error(ack) == "text_empty"
    assert ack["message"] == "Kirjoita ensin jotain."


def test_socket_error_message_follows_a_swedish_event(
    make_event: MakeEvent, phone: MakePhone
) -> None:
    ev = make_event(tables=2, language="sv")
    p = phone(ev.code)
    assert p.join(ev.table_ids[0])["ok"] is True
    ack = p.post("   ")
    assert ack_error(ack) == "text_empty"
    assert ack["message"] == "Skriv något först."


def test_phone_page_script_strings_carry_finnish_phase_names(
    client: FlaskClient, make_event: MakeEvent
) -> None:
    ev = make_event(tables=2)
    page = client.get(f"/j/{ev.code}").get_data(as_text=True)
    src = re.search(r'<script src="(/i18n/fi\.js\?v=\w+)"></script>', page)
    assert src, "no script strings on the phone page"
    script = client.get(src.group(1)).get_data(as_text=True)
    match = re.fullmatch(r"window\.CAFE_CATALOG = (.*);\n", script, re.S)
    assert match, script[:80]
    strings = json.loads(match.group(1))
    assert strings["phase_opening"] == "Avaus / Alustukset"
    assert strings["phase_tables"] == "Pöytäkeskustelut"
    assert strings["phase_gathering"] == "Yhteinen kokoaminen"
    assert strings["phase_summary"] == "Yhteenveto"
    assert strings["role_kokemusasiantuntija"] == "kokemusasiantuntija"
    assert strings["connecting"] == "Yhdistetään…"


def test_socket_error_message_follows_the_language_the_phone_chose(
    app: Flask, client: FlaskClient, make_event: MakeEvent
) -> None:
    # A post is served under an app context only (cafe.sockets.CafeNamespace.lean_events):
    # the language picked on the phone's page still reaches its error messages.
    ev = make_event(tables=2)
    assert client.post("/lang/en").status_code in (302, 303)
    p = socketio.test_client(
        app,
        namespace="/phone",
        auth={"code": ev.code, "device": new_device()},
        flask_test_client=client,
    )
    join = p.emit("join", {"table": ev.table_ids[0]}, namespace="/phone", callback=True)
    assert join["ok"] is True
    ack = p.emit("post", {"id": str(uuid.uuid4()), "text": " "}, namespace="/phone", callback=True)
    assert ack_error(ack) == "text_empty"
    assert ack["message"] == "Write something first."
    p.disconnect(namespace="/phone")
